"""Full-text search end to end: our SDK's ``cluster.search_query`` (and the
official SDK 4.x, for fidelity) against the mock's search service over real
sockets.  Documents and the index come from the ``fts`` fixture (conftest)."""
from __future__ import annotations

import datetime
import time

import pytest
from fts_support import FTS_TYPE

from couchbase.exceptions import IndexNotFoundException, ParsingFailedException, TimeoutException
from couchbase.options import SearchOptions
from couchbase.search import (
    BooleanQuery,
    ConjunctionQuery,
    DisjunctionQuery,
    DocIdQuery,
    MatchAllQuery,
    MatchNoneQuery,
    MatchPhraseQuery,
    MatchQuery,
    NumericRangeFacet,
    NumericRangeQuery,
    PhraseQuery,
    PrefixQuery,
    QueryStringQuery,
    RegexQuery,
    TermFacet,
    TermQuery,
    WildcardQuery,
)

ALL = {"fts-swanky", "fts-city", "fts-motel", "fts-hostel", "fts-inn"}

CASES = {
    "match": (MatchQuery("swanky"), {"fts-swanky", "fts-city"}),
    "match_field": (MatchQuery("swanky", field="name"), {"fts-swanky"}),
    "match_fuzzy": (MatchQuery("swnky", field="name", fuzziness=1), {"fts-swanky"}),
    "match_fuzzy_2": (MatchQuery("hosel", field="name", fuzziness=2),
                      {"fts-hostel", "fts-swanky", "fts-city", "fts-motel"}),
    "match_and": (MatchQuery("hotel bar", operator="and"), {"fts-city"}),
    "match_or": (MatchQuery("motel hostel", operator="or"), {"fts-motel", "fts-hostel"}),
    "match_phrase": (MatchPhraseQuery("swanky bar"), {"fts-city"}),
    "phrase": (PhraseQuery("old", "wooden", field="desc"), {"fts-inn"}),
    "term": (TermQuery("bergen", field="city"), {"fts-motel", "fts-hostel"}),
    "term_unanalyzed": (TermQuery("Bergen", field="city"), set()),
    "prefix": (PrefixQuery("hos", field="name"), {"fts-hostel"}),
    "wildcard": (WildcardQuery("*otel", field="name"), {"fts-swanky", "fts-city", "fts-motel"}),
    "regexp": (RegexQuery("b[a-z]+en", field="city"), {"fts-motel", "fts-hostel"}),
    "query_string": (QueryStringQuery("+city:oslo -spa"), set()),
    "query_string_must_not": (QueryStringQuery("+tags:bar -city:bergen"), {"fts-city", "fts-inn"}),
    "query_string_range": (QueryStringQuery("stars:>3"), {"fts-swanky", "fts-city"}),
    "query_string_phrase": (QueryStringQuery('desc:"wooden inn"'), {"fts-inn"}),
    "numeric_range": (NumericRangeQuery(min=60, max=180, field="price"), {"fts-motel", "fts-inn"}),
    "numeric_range_inclusive": (NumericRangeQuery(min=60, max=180, max_inclusive=True, field="price"),
                                {"fts-motel", "fts-inn", "fts-city"}),
    "conjunction": (ConjunctionQuery(MatchQuery("oslo"), MatchQuery("pool")), {"fts-swanky"}),
    "disjunction_min": (DisjunctionQuery(MatchQuery("bar"), MatchQuery("spa"), MatchQuery("oslo"), min=3),
                        {"fts-city"}),
    "boolean": (BooleanQuery(must=MatchQuery("bar", field="tags"), must_not=TermQuery("oslo", field="city")),
                {"fts-inn"}),
    "boolean_should": (BooleanQuery(should=[MatchQuery("kitchen"), MatchQuery("river")]),
                       {"fts-hostel", "fts-inn"}),
    "match_all": (MatchAllQuery(), ALL),
    "match_none": (MatchNoneQuery(), set()),
    "docid": (DocIdQuery("fts-inn", "fts-nope"), {"fts-inn"}),
}


def search(fts, query, **options):
    result = fts.cluster.search_query(fts.index, query, SearchOptions(**options))
    rows = list(result)
    return rows, result.metadata(), result.facets()


@pytest.mark.parametrize("case", list(CASES))
def test_query_types(fts, case):
    query, expected = CASES[case]
    rows, meta, _ = search(fts, query)
    assert {r.id for r in rows} == expected
    assert meta.total_hits == len(expected)
    assert all(r.index.startswith("fts_hotels") for r in rows)
    if rows:
        assert meta.max_score == max(r.score for r in rows) > 0


def test_hits_are_ranked_by_score(fts):
    rows, _, _ = search(fts, MatchQuery("swanky hotel", field="desc"))
    assert [r.id for r in rows] == ["fts-swanky", "fts-city"]  # both terms beat one
    assert rows[0].score > rows[1].score
    boosted, _, _ = search(fts, DisjunctionQuery(MatchQuery("swanky"), MatchQuery("central").set_boost(20)),
                           include_locations=True)  # the service sends locations only when asked
    assert boosted[0].id == "fts-city"
    assert boosted[0].locations["desc"]["central"][0]["pos"] == 1


def test_limit_skip_and_total_hits(fts):
    order = [r.id for r in search(fts, MatchAllQuery(), sort=["_id"])[0]]
    assert order == sorted(ALL)
    rows, meta, _ = search(fts, MatchAllQuery(), sort=["_id"], limit=2, skip=1)
    assert [r.id for r in rows] == order[1:3]
    assert meta.total_hits == 5
    rows, meta, _ = search(fts, MatchAllQuery(), limit=0)
    assert rows == [] and meta.total_hits == 5
    rows, _, _ = search(fts, MatchAllQuery(), skip=10)
    assert rows == []


def test_sort_by_fields(fts):
    rows, _, _ = search(fts, MatchAllQuery(), sort=["-price"])
    assert [r.id for r in rows] == ["fts-swanky", "fts-city", "fts-inn", "fts-motel", "fts-hostel"]
    rows, _, _ = search(fts, MatchAllQuery(), sort=["city", "-stars"])
    assert [r.id for r in rows] == ["fts-motel", "fts-hostel", "fts-swanky", "fts-city", "fts-inn"]
    rows, _, _ = search(fts, MatchQuery("bar"), sort=[{"by": "field", "field": "price"}])
    assert [r.id for r in rows] == ["fts-hostel", "fts-inn", "fts-city"]


def test_fields_are_returned(fts):
    rows, _, _ = search(fts, DocIdQuery("fts-city"), fields=["name", "tags", "missing"])
    assert rows[0].fields == {"name": "City Hotel", "tags": ["spa", "bar"]}
    rows, _, _ = search(fts, DocIdQuery("fts-hostel"), fields=["*"])
    assert rows[0].fields == dict(fts.docs["fts-hostel"], type=FTS_TYPE)


def test_facets(fts):
    prices = NumericRangeFacet("price", limit=5).add_range("cheap", max=100) \
        .add_range("mid", min=100, max=200).add_range("dear", min=200)
    _, _, facets = search(fts, MatchAllQuery(), limit=1,
                          facets={"cities": TermFacet("city", limit=2), "prices": prices})
    assert facets["cities"] == {"field": "city", "total": 5, "missing": 0, "other": 1,
                                "terms": [{"term": "bergen", "count": 2}, {"term": "oslo", "count": 2}]}
    assert facets["prices"]["numeric_ranges"] == [
        {"name": "cheap", "max": 100, "count": 2}, {"name": "mid", "min": 100, "max": 200, "count": 2},
        {"name": "dear", "min": 200, "count": 1}]
    _, _, facets = search(fts, MatchQuery("oslo"), facets={"tags": TermFacet("tags", limit=10)})
    assert facets["tags"]["terms"] == [{"term": "spa", "count": 2}, {"term": "bar", "count": 1},
                                       {"term": "pool", "count": 1}]


def test_empty_results(fts):
    rows, meta, facets = search(fts, MatchQuery("nonexistentword"), facets={"c": TermFacet("city")})
    assert rows == [] and meta.total_hits == 0 and meta.max_score == 0
    assert facets["c"] == {"field": "city", "total": 0, "missing": 0, "other": 0}


def test_unknown_index_raises_index_not_found(fts):
    with pytest.raises(IndexNotFoundException) as info:
        list(fts.cluster.search_query("fts_no_such_index", MatchAllQuery()))
    assert "index not found" in str(info.value)
    assert info.value.context.http_status == 400


@pytest.mark.parametrize("query", [QueryStringQuery("+"), QueryStringQuery('"open'),
                                   MatchQuery("x", fuzziness=5), RegexQuery("(")])
def test_bad_query_raises_parsing_failure(fts, query):
    with pytest.raises(ParsingFailedException) as info:
        fts.cluster.search_query(fts.index, query).metadata()
    assert "QueryBleve parsing" in str(info.value)


def test_index_follows_document_changes(fts):
    coll = fts.cluster.bucket("default").default_collection()
    key = "fts-new-hotel"
    coll.upsert(key, {"type": FTS_TYPE, "name": "Brand New Lodge", "city": "Tromso", "stars": 3})
    try:
        assert [r.id for r in search(fts, MatchQuery("lodge"))[0]] == [key]
        coll.upsert(key, {"type": FTS_TYPE, "name": "Renamed Cabin", "city": "Tromso"})
        assert search(fts, MatchQuery("lodge"))[0] == []
        assert [r.id for r in search(fts, MatchQuery("cabin"))[0]] == [key]
    finally:
        coll.remove(key)
    assert search(fts, MatchQuery("cabin"))[0] == []


def test_large_hit_list_streams(fts):
    with fts.bulk() as (cluster, index):
        result = cluster.search_query(index, MatchQuery("bulk"), SearchOptions(limit=50_000))
        seen = set()
        early = None
        for row in result:
            seen.add(row.id)
            if early is None:
                # the first hit is handed over while the rest of the response is still to come
                early = not result.done
        assert len(seen) == 50_000
        assert result.metadata().total_hits == 50_000
        assert early is True


def test_timeout(fts):
    fts.mock.create_search_index("fts_slow", "default", doc_type=FTS_TYPE, delay=2.0)
    start = time.monotonic()
    with pytest.raises(TimeoutException):
        fts.cluster.search_query("fts_slow", MatchAllQuery(),
                                 SearchOptions(timeout=datetime.timedelta(milliseconds=300))).metadata()
    assert time.monotonic() - start < 1.8


# ----------------------------------------------------------------------------- fidelity with the official SDK

OFFICIAL_SEARCH = """
from couchbase.options import SearchOptions
import couchbase.search as S
from couchbase.exceptions import CouchbaseException

idx = ARGS["index"]
cases = {
    "match": (S.MatchQuery("swanky"), {}),
    "fuzzy": (S.MatchQuery("swnky", field="name", fuzziness=1), {}),
    "phrase": (S.MatchPhraseQuery("swanky bar"), {}),
    "term": (S.TermQuery("bergen", field="city"), {}),
    "prefix": (S.PrefixQuery("hos", field="name"), {}),
    "query_string": (S.QueryStringQuery("+tags:bar -city:bergen"), {}),
    "range": (S.NumericRangeQuery(min=60, max=180, field="price"), {}),
    "conjunction": (S.ConjunctionQuery(S.MatchQuery("oslo"), S.MatchQuery("pool")), {}),
    "paged": (S.MatchAllQuery(), {"sort": ["-price"], "limit": 2, "skip": 1}),
    "ranked": (S.MatchQuery("swanky hotel", field="desc"), {}),
    "empty": (S.MatchQuery("nonexistentword"), {}),
}
out = {}
for name, (query, opts) in cases.items():
    res = cluster.search_query(idx, query, SearchOptions(**opts))
    rows = [[r.id, r.score] for r in res.rows()]
    out[name] = {"rows": rows, "total": res.metadata().metrics().total_rows()}
res = cluster.search_query(idx, S.MatchAllQuery(), SearchOptions(
    limit=1, facets={"cities": S.TermFacet("city", 2)}))
list(res.rows())
f = res.facets()["cities"]
out["facet"] = {"field": f.field, "total": f.total, "missing": f.missing, "other": f.other,
                "terms": [[t.term, t.count] for t in f.terms]}
res = cluster.search_query(idx, S.DocIdQuery(["fts-city"]), SearchOptions(fields=["name", "stars"]))
out["fields"] = [dict(r.fields) for r in res.rows()]
errors = {}
for name, (index, query) in {"missing": ("fts_no_such_index", S.MatchAllQuery()),
                             "bad": (idx, S.QueryStringQuery("+"))}.items():
    try:
        list(cluster.search_query(index, query).rows())
        errors[name] = None
    except CouchbaseException as exc:
        errors[name] = type(exc).__name__
out["errors"] = errors
print(json.dumps(out))
"""


def test_official_sdk_gets_the_same_hits(fts):
    from support.official_sdk import mock_args, run

    theirs = run(OFFICIAL_SEARCH, index=fts.index, **mock_args(fts.mock))
    ours = {
        "match": (MatchQuery("swanky"), {}),
        "fuzzy": (MatchQuery("swnky", field="name", fuzziness=1), {}),
        "phrase": (MatchPhraseQuery("swanky bar"), {}),
        "term": (TermQuery("bergen", field="city"), {}),
        "prefix": (PrefixQuery("hos", field="name"), {}),
        "query_string": (QueryStringQuery("+tags:bar -city:bergen"), {}),
        "range": (NumericRangeQuery(min=60, max=180, field="price"), {}),
        "conjunction": (ConjunctionQuery(MatchQuery("oslo"), MatchQuery("pool")), {}),
        "paged": (MatchAllQuery(), {"sort": ["-price"], "limit": 2, "skip": 1}),
        "ranked": (MatchQuery("swanky hotel", field="desc"), {}),
        "empty": (MatchQuery("nonexistentword"), {}),
    }
    for name, (query, opts) in ours.items():
        rows, meta, _ = search(fts, query, **opts)
        expected = [[r.id, pytest.approx(r.score)] for r in rows]
        assert theirs[name] == {"rows": expected, "total": meta.total_hits}, name
    assert theirs["paged"]["rows"][0][0] == "fts-city" and theirs["ranked"]["rows"][0][0] == "fts-swanky"
    _, _, facets = search(fts, MatchAllQuery(), limit=1, facets={"cities": TermFacet("city", limit=2)})
    mine = facets["cities"]
    assert theirs["facet"] == {"field": mine["field"], "total": mine["total"], "missing": mine["missing"],
                               "other": mine["other"],
                               "terms": [[t["term"], t["count"]] for t in mine["terms"]]}
    assert theirs["fields"] == [{"name": "City Hotel", "stars": 4}]
    assert theirs["errors"]["missing"] == "QueryIndexNotFoundException"  # its class for index_not_found
    # The official core classifies a 400 only by "index not found" and a few other phrases; any other
    # 400 (a query the server cannot parse) surfaces as an internal server failure, as with the server.
    assert theirs["errors"]["bad"] == "InternalServerFailureException"
