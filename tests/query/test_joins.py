"""ANSI JOIN / NEST, UNNEST and subqueries through every front end, against the mock's query service.

Breweries and beers live in two collections of one scope (``default.brew.breweries``,
``default.brew.beers``); one brewery has no beer and one beer names a brewery that does not exist,
so inner and outer joins differ. The server's index rules hold: the right-hand keyspace of an ANSI
JOIN needs a secondary index its ON clause can use (``ix_beer_brewery`` on ``beers(brewery_id)``),
breweries only have a primary index.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from couchbase.exceptions import HTTPException, ParsingFailedException, PlanningFailureException
from support.frontends import selected
from support.query_views import rows_of, rows_view

BREWERIES = "default.brew.breweries"
BEERS = "default.brew.beers"
BREWERY_DOCS = {
    "brewery_a": {"name": "Alpha", "city": "Oslo"},
    "brewery_b": {"name": "Beta", "city": "Bergen"},
    "brewery_c": {"name": "Gamma", "city": "Oslo"},  # brews nothing
}
BEER_DOCS = {
    "beer_1": {"name": "Amber", "brewery_id": "brewery_a", "abv": 5.0, "hops": ["cascade", "saaz"]},
    "beer_2": {"name": "Bock", "brewery_id": "brewery_a", "abv": 6.5, "hops": []},
    "beer_3": {"name": "Cider", "brewery_id": "brewery_b", "abv": 4.5, "hops": ["citra"]},
    "beer_4": {"name": "Dunkel", "brewery_id": "brewery_gone", "abv": 5.5},  # its brewery is gone
}


@pytest.fixture(scope="module")
def qmock() -> Iterator[Any]:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as m:
        m.create_collection("default", "brew", "breweries")
        m.create_collection("default", "brew", "beers")
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as c:
            for coll, docs in (("breweries", BREWERY_DOCS), ("beers", BEER_DOCS)):
                collection = c.bucket("default").scope("brew").collection(coll)
                for key, doc in docs.items():
                    collection.upsert(key, doc)
            for statement in (f"CREATE PRIMARY INDEX ON {BREWERIES}", f"CREATE PRIMARY INDEX ON {BEERS}",
                              f"CREATE INDEX ix_beer_brewery ON {BEERS}(brewery_id)"):
                list(c.query(statement))
        yield m


@pytest.fixture(params=selected())
def fe(request: Any, qmock: Any) -> Iterator[Any]:
    yield from rows_view(request.param, qmock)


def error_of(fe: Any, statement: str, kind: type) -> dict:
    with pytest.raises(kind) as info:
        fe.collect_rows(fe.cluster.query(statement))
    errors = info.value.context.errors
    assert errors, info.value
    return errors[0]


def test_inner_join_keeps_matched_rows_only(fe):
    rows = rows_of(fe, f"SELECT br.name AS brewery, b.name AS beer FROM {BREWERIES} AS br "
                       f"JOIN {BEERS} AS b ON b.brewery_id = META(br).id ORDER BY beer")
    assert rows == [{"brewery": "Alpha", "beer": "Amber"}, {"brewery": "Alpha", "beer": "Bock"},
                    {"brewery": "Beta", "beer": "Cider"}]


def test_left_join_leaves_the_missing_right_side_missing(fe):
    rows = rows_of(fe, "SELECT br.name AS brewery, b.name AS beer, b IS MISSING AS none, "
                       f"b.name IS NULL AS isnull FROM {BREWERIES} br LEFT OUTER JOIN {BEERS} b "
                       "ON b.brewery_id = META(br).id ORDER BY brewery, beer")
    # MISSING, not NULL: the unmatched brewery's row has no "beer" field at all
    assert rows == [{"brewery": "Alpha", "beer": "Amber", "none": False, "isnull": False},
                    {"brewery": "Alpha", "beer": "Bock", "none": False, "isnull": False},
                    {"brewery": "Beta", "beer": "Cider", "none": False, "isnull": False},
                    {"brewery": "Gamma", "none": True}]
    star = rows_of(fe, f"SELECT * FROM {BREWERIES} br LEFT JOIN {BEERS} b ON b.brewery_id = META(br).id "
                       "WHERE META(br).id = 'brewery_c'")
    assert star == [{"br": BREWERY_DOCS["brewery_c"]}]


def test_primary_join_needs_no_index_and_right_join_is_the_swapped_left_join(fe):
    # ON META(br).id = ...: a key lookup of the right side (breweries have no secondary index)
    rows = rows_of(fe, f"SELECT b.name AS beer, br.name AS brewery FROM {BEERS} b "
                       f"LEFT JOIN {BREWERIES} br ON META(br).id = b.brewery_id ORDER BY beer")
    assert rows == [{"beer": "Amber", "brewery": "Alpha"}, {"beer": "Bock", "brewery": "Alpha"},
                    {"beer": "Cider", "brewery": "Beta"}, {"beer": "Dunkel"}]
    right = rows_of(fe, f"SELECT b.name AS beer, br.name AS brewery FROM {BREWERIES} br "
                        f"RIGHT OUTER JOIN {BEERS} b ON META(br).id = b.brewery_id ORDER BY beer")
    assert right == rows


def test_join_on_a_subquery_with_group_by(fe):
    # the official SDK's query-index example, over a scoped keyspace
    rows = rows_of(fe, f"""
        SELECT brewery.name, beer.beerCount, beer.brewery_id
        FROM {BREWERIES} AS brewery
            JOIN (SELECT brewery_id, COUNT(1) AS beerCount FROM {BEERS} GROUP BY brewery_id) AS beer
            ON beer.brewery_id = META(brewery).id
        ORDER BY brewery.name LIMIT 10""")
    assert rows == [{"name": "Alpha", "beerCount": 2, "brewery_id": "brewery_a"},
                    {"name": "Beta", "beerCount": 1, "brewery_id": "brewery_b"}]


def test_chained_joins_and_use_hash(fe):
    rows = rows_of(fe, f"SELECT b.name AS beer, other.name AS sibling FROM {BEERS} b "
                       f"JOIN {BREWERIES} br ON META(br).id = b.brewery_id "
                       f"JOIN {BEERS} other ON other.brewery_id = META(br).id "
                       "WHERE other.name != b.name ORDER BY beer")
    assert rows == [{"beer": "Amber", "sibling": "Bock"}, {"beer": "Bock", "sibling": "Amber"}]
    # USE HASH: no index needed on the build side's ON fields (breweries are scanned by their primary)
    hashed = rows_of(fe, f"SELECT b.name AS beer, br.city FROM {BEERS} b "
                         f"JOIN {BREWERIES} br USE HASH(BUILD) "
                         "ON br.name = 'Beta' AND META(br).id = b.brewery_id")
    assert hashed == [{"beer": "Cider", "city": "Bergen"}]


def test_correlated_subquery_exists_and_in(fe):
    counts = rows_of(fe, f"SELECT br.name, (SELECT RAW COUNT(*) FROM {BEERS} b "
                         f"WHERE b.brewery_id = META(br).id)[0] AS beers FROM {BREWERIES} br "
                         "ORDER BY br.name")
    assert counts == [{"name": "Alpha", "beers": 2}, {"name": "Beta", "beers": 1},
                      {"name": "Gamma", "beers": 0}]
    exists = rows_of(fe, f"SELECT RAW br.name FROM {BREWERIES} br WHERE EXISTS "
                         f"(SELECT 1 FROM {BEERS} b WHERE b.brewery_id = META(br).id AND b.abv > 6) ")
    assert exists == ["Alpha"]
    not_exists = rows_of(fe, f"SELECT RAW br.name FROM {BREWERIES} br WHERE NOT EXISTS "
                             f"(SELECT 1 FROM {BEERS} b WHERE b.brewery_id = META(br).id)")
    assert not_exists == ["Gamma"]
    inside = rows_of(fe, f"SELECT RAW br.name FROM {BREWERIES} br WHERE META(br).id IN "
                         f"(SELECT RAW b.brewery_id FROM {BEERS} b WHERE b.abv < 5) ORDER BY br.name")
    assert inside == ["Beta"]


def test_nest_and_unnest(fe):
    nested = rows_of(fe, f"SELECT br.name, ARRAY_LENGTH(b) AS n FROM {BREWERIES} br "
                         f"LEFT NEST {BEERS} b ON b.brewery_id = META(br).id ORDER BY br.name")
    assert nested == [{"name": "Alpha", "n": 2}, {"name": "Beta", "n": 1}, {"name": "Gamma", "n": 0}]
    inner = rows_of(fe, f"SELECT RAW br.name FROM {BREWERIES} br NEST {BEERS} b "
                        "ON b.brewery_id = META(br).id ORDER BY br.name")
    assert inner == ["Alpha", "Beta"]
    hops = rows_of(fe, f"SELECT b.name, hop FROM {BEERS} b UNNEST b.hops AS hop ORDER BY b.name, hop")
    assert hops == [{"name": "Amber", "hop": "cascade"}, {"name": "Amber", "hop": "saaz"},
                    {"name": "Cider", "hop": "citra"}]
    citra = rows_of(fe, f"SELECT RAW br.name FROM {BREWERIES} br JOIN {BEERS} b "
                        "ON b.brewery_id = META(br).id WHERE ANY h IN b.hops SATISFIES h LIKE 'c%' END "
                        "ORDER BY br.name")
    assert citra == ["Alpha", "Beta"]
    outer = rows_of(fe, f"SELECT b.name, hop FROM {BEERS} b LEFT UNNEST b.hops AS hop WHERE hop IS MISSING "
                        "ORDER BY b.name")
    assert outer == [{"name": "Bock"}, {"name": "Dunkel"}]


def test_comma_separated_terms_join_on_the_where_clause(fe):
    # FROM a, b WHERE ...: an inner join whose condition is WHERE (beers has the index it needs)
    rows = rows_of(fe, f"SELECT br.name AS brewery, b.name AS beer FROM {BREWERIES} br, {BEERS} b "
                       "WHERE b.brewery_id = META(br).id ORDER BY beer")
    assert rows == [{"brewery": "Alpha", "beer": "Amber"}, {"brewery": "Alpha", "beer": "Bock"},
                    {"brewery": "Beta", "beer": "Cider"}]
    # a comma term after a join, and an expression term: a cross product filtered by WHERE
    crossed = rows_of(fe, f"SELECT b.name, n FROM {BREWERIES} br JOIN {BEERS} b "
                          "ON b.brewery_id = META(br).id, ARRAY_RANGE(0, 2) AS n "
                          "WHERE br.name = 'Beta' ORDER BY n")
    assert crossed == [{"name": "Cider", "n": 0}, {"name": "Cider", "n": 1}]


def test_a_subquery_term_reading_an_earlier_alias_is_lateral(fe):
    # with LATERAL or without: the subquery runs for each brewery, reading br
    for lateral in ("LATERAL ", ""):
        rows = rows_of(fe, f"SELECT br.name, n FROM {BREWERIES} br, {lateral}(SELECT RAW COUNT(*) FROM "
                           f"{BEERS} b WHERE b.brewery_id = META(br).id) AS n ORDER BY br.name")
        assert rows == [{"name": "Alpha", "n": 2}, {"name": "Beta", "n": 1}, {"name": "Gamma", "n": 0}]
    strongest = rows_of(fe, f"SELECT br.name, top.name AS beer FROM {BREWERIES} br JOIN LATERAL "
                            f"(SELECT b.name FROM {BEERS} b WHERE b.brewery_id = META(br).id "
                            "ORDER BY b.abv DESC LIMIT 1) AS top ON TRUE ORDER BY br.name")
    assert strongest == [{"name": "Alpha", "beer": "Bock"}, {"name": "Beta", "beer": "Cider"}]


def test_a_subquery_over_the_outer_documents_array(fe):
    """``FROM b.hops`` inside a subquery names the outer alias b: an expression over each outer row
    (a correlated subquery on a nested array), as the server formalizes it, not a keyspace (12003)."""
    rows = rows_of(fe, f"SELECT b.name, (SELECT RAW UPPER(h) FROM b.hops AS h ORDER BY h) AS hops "
                       f"FROM {BEERS} b ORDER BY b.name")
    assert rows == [{"name": "Amber", "hops": ["CASCADE", "SAAZ"]}, {"name": "Bock", "hops": []},
                    {"name": "Cider", "hops": ["CITRA"]}, {"name": "Dunkel", "hops": []}]
    counted = rows_of(fe, f"SELECT RAW b.name FROM {BEERS} b WHERE "
                          "(SELECT RAW COUNT(*) FROM b.hops h WHERE h LIKE 'c%')[0] > 0 ORDER BY b.name")
    assert counted == ["Amber", "Cider"]


@pytest.mark.parametrize("statement, kind, code, words", [
    # a comma term is joined as an ANSI JOIN: its keyspace needs an index the WHERE clause can use
    (f"SELECT * FROM {BEERS} b, {BREWERIES} br WHERE br.city = b.city", PlanningFailureException, 4330,
     "No index available for ANSI join term br"),
    (f"SELECT * FROM {BREWERIES} br, {BEERS} b JOIN {BEERS} c ON c.brewery_id = b.brewery_id",
     ParsingFailedException, 3000, "of a COMMA in a FROM clause must be a simple term or sub-query"),
    (f"SELECT * FROM {BEERS} b JOIN LATERAL {BREWERIES} br ON KEYS b.brewery_id", ParsingFailedException,
     3000, "LATERAL cannot be specified in lookup join with ON KEYS clause"),
    # no secondary index on breweries(city): the server's 4330 (planning)
    (f"SELECT * FROM {BEERS} b JOIN {BREWERIES} br ON br.city = b.city", PlanningFailureException, 4330,
     "No index available for ANSI join term br"),
    (f"SELECT * FROM {BEERS} b NEST {BREWERIES} br ON br.city = b.city", PlanningFailureException, 4330,
     "No index available for ANSI nest term br"),
    # a correlated subquery's keyspace needs a secondary index (or USE KEYS)
    (f"SELECT RAW b.name FROM {BEERS} b WHERE EXISTS (SELECT 1 FROM {BREWERIES} br WHERE br.name = b.name)",
     PlanningFailureException, 4035, "No secondary index available for keyspace br in correlated subquery"),
    ("SELECT * FROM (SELECT 1 AS one)", ParsingFailedException, 3000,
     "Subquery in FROM clause must have an alias"),
    (f"SELECT * FROM {BEERS} b JOIN {BEERS} c ON c.brewery_id = b.brewery_id "
     f"RIGHT JOIN {BREWERIES} br ON META(br).id = b.brewery_id", ParsingFailedException, 3000, "RIGHT"),
    (f"SELECT * FROM {BEERS} b JOIN {BEERS} b ON b.brewery_id = 'x'", PlanningFailureException, 4020,
     "Duplicate JOIN alias 'b'"),
    # libcouchbase types 3000 as a parsing and 4xxx as a planning failure; 3080 stays its generic HTTP error
    (f"SELECT name FROM {BEERS} b JOIN {BREWERIES} br ON META(br).id = b.brewery_id", HTTPException, 3080,
     "Ambiguous reference to field 'name'"),
])
def test_join_and_subquery_errors_are_typed(fe, statement, kind, code, words):
    error = error_of(fe, statement, kind)
    assert error["code"] == code and words in error["msg"], error


def test_a_join_over_a_large_left_side(fe):
    """Expression terms on both sides (a hash join on ``x = n % 2``); the mock's engine tests check
    that the left side streams."""
    rows = rows_of(fe, "SELECT RAW n FROM ARRAY_RANGE(0, 200000) AS n "
                       "JOIN [0, 1] AS x ON x = n % 2 LIMIT 3")
    assert rows == [0, 1, 2]
    rows = rows_of(fe, "SELECT COUNT(*) AS c FROM ARRAY_RANGE(0, 20000) AS n JOIN [0, 1] AS x ON x = n % 2")
    assert rows == [{"c": 20000}]
