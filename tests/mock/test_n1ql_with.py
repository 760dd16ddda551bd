"""The mock's SQL++ WITH clause beyond the top of a SELECT: WITH RECURSIVE (Couchbase Server 7.6's
recursive common table expressions, their OPTIONS, CYCLE clause, implicit limits and errors), WITH in
a subquery and in INSERT ... SELECT. The top-level WITH: test_n1ql_clauses.py; through every front
end: tests/query/test_select_clauses.py."""
from __future__ import annotations

from typing import Any, List, Tuple

import pytest

from couchbase_mock.cluster import Cluster
from couchbase_mock.query.engine import Options, QueryService
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params
from couchbase_mock.query.keyspace import Keyspace, store_doc

STAFF = [("ceo", None), ("cto", "ceo"), ("cfo", "ceo"), ("dev1", "cto"), ("dev2", "cto"), ("intern", "dev1")]


@pytest.fixture
def svc() -> QueryService:
    """Staff documents (key = name) with their manager ``mgr``; a primary index and one on mgr."""
    service = QueryService(Cluster(1, 0, ["b"], 8, "u", "p"))
    ks = Keyspace(service.cluster.buckets["b"], "_default", "_default", 0)
    for name, mgr in STAFF:
        store_doc(ks, name.encode(), {"name": name, "mgr": mgr})
    run(service, "CREATE PRIMARY INDEX ON b")
    run(service, "CREATE INDEX by_mgr ON b(mgr)")
    return service


def run_with_warnings(svc: QueryService, statement: str) -> Tuple[List[Any], List[QueryError]]:
    ex = svc.start(statement, Options(Params((), {}), None, None, "", False))
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows, ex.warnings


def run(svc: QueryService, statement: str) -> List[Any]:
    rows, warnings = run_with_warnings(svc, statement)
    assert warnings == []
    return rows


# ----------------------------------------------------------------------------- WITH RECURSIVE


def test_recursive_with_runs_until_a_level_adds_nothing(svc: QueryService) -> None:
    assert run(svc, "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT r.n + 1 AS n FROM r WHERE r.n < 5) "
                    "SELECT RAW n FROM r") == [1, 2, 3, 4, 5]


def test_recursive_with_walks_a_hierarchy_through_a_join(svc: QueryService) -> None:
    rows = run(svc, "WITH RECURSIVE chain AS (SELECT e.name, 0 AS lvl FROM b e WHERE e.name = 'ceo' "
                    "UNION ALL SELECT e.name, c.lvl + 1 AS lvl FROM chain c JOIN b e ON e.mgr = c.name) "
                    "SELECT RAW [name, lvl] FROM chain ORDER BY lvl, name")
    assert rows == [["ceo", 0], ["cfo", 1], ["cto", 1], ["dev1", 2], ["dev2", 2], ["intern", 3]]


def test_recursive_with_in_a_correlated_subquery(svc: QueryService) -> None:
    rows = run(svc, "SELECT e.name, (WITH RECURSIVE up AS (SELECT e.mgr AS m UNION ALL SELECT x.mgr AS m "
                    "FROM up JOIN b x ON META(x).id = up.m) SELECT RAW m FROM up WHERE m IS NOT NULL) "
                    "AS bosses FROM b e WHERE e.name IN ['intern', 'cfo'] ORDER BY e.name")
    assert rows == [{"name": "cfo", "bosses": ["ceo"]}, {"name": "intern", "bosses": ["dev1", "cto", "ceo"]}]


def test_union_drops_results_seen_before_union_all_keeps_them(svc: QueryService) -> None:
    assert run(svc, "WITH RECURSIVE r AS (SELECT 1 AS n UNION SELECT (r.n % 3) + 1 AS n FROM r) "
                    "SELECT RAW n FROM r") == [1, 2, 3]
    assert run(svc, "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT (r.n % 3) + 1 AS n FROM r) "
                    "OPTIONS {'levels': 4} SELECT RAW n FROM r") == [1, 2, 3, 1, 2]


def test_cycle_restrict_drops_results_whose_cycle_fields_were_seen(svc: QueryService) -> None:
    # the same n with a different step: not a duplicate, but a cycle on n
    assert run(svc, "WITH RECURSIVE r AS (SELECT {'n': 1} AS v, 0 AS step UNION ALL SELECT "
                    "{'n': (r.v.n % 3) + 1} AS v, r.step + 1 AS step FROM r) CYCLE v.n RESTRICT "
                    "SELECT RAW [v.n, step] FROM r") == [[1, 0], [2, 1], [3, 2]]


def test_options_levels_and_documents(svc: QueryService) -> None:
    counting = "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT r.n + 1 AS n FROM r) OPTIONS {opt} "
    # levels: the anchor is level 0
    assert run(svc, counting.format(opt="{'levels': 0}") + "SELECT RAW n FROM r") == [1]
    assert run(svc, counting.format(opt="{'levels': 3}") + "SELECT RAW n FROM r") == [1, 2, 3, 4]
    # documents: once more than n are in, the first n are kept
    assert run(svc, counting.format(opt="{'documents': 4}") + "SELECT RAW n FROM r") == [1, 2, 3, 4]
    assert run(svc, "WITH RECURSIVE r AS (SELECT 0 AS n UNION ALL SELECT r.n + 1 AS n FROM r, [1, 2] AS k) "
                    "OPTIONS {'documents': 5, 'levels': 10} SELECT RAW n FROM r") == [0, 1, 1, 2, 2]


def test_implicit_limits_stop_with_a_warning(svc: QueryService) -> None:
    rows, warnings = run_with_warnings(svc, "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL "
                                            "SELECT r.n + 1 AS n FROM r) SELECT RAW COUNT(*) FROM r")
    assert rows == [101] and [w.as_json() for w in warnings] == [{
        "code": 3306, "msg": "Recursive WITH 'r' stopped at 100 level as no explicit level limit or memory "
                             "quota set"}]
    rows, warnings = run_with_warnings(svc, "WITH RECURSIVE r AS (SELECT 0 AS n UNION ALL "
                                            "SELECT r.n + 1 AS n FROM r, [1, 2] AS k) "
                                            "SELECT RAW COUNT(*) FROM r")
    assert rows == [10000] and [w.as_json() for w in warnings] == [{
        "code": 3305, "msg": "Recursive WITH 'r' limited to 10000 documents as no explicit document count "
                             "limit or memory quota set"}]


def test_a_term_that_does_not_read_itself_is_an_ordinary_with(svc: QueryService) -> None:
    assert run(svc, "WITH RECURSIVE x AS (1), y AS (SELECT RAW 2 UNION ALL SELECT RAW 3) "
                    "SELECT x, y") == [{"x": 1, "y": [2, 3]}]


@pytest.mark.parametrize("statement, code, words", [
    ("WITH RECURSIVE r AS (SELECT 1 AS n FROM r UNION ALL SELECT 2 AS n FROM r) SELECT 1", 3301,
     "Anchor Clause cannot have recursive reference in FROM expression: r"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT 2 AS n FROM r, r AS r2) SELECT 1", 3302,
     "Recursive reference 'r' must not appear more than once in the FROM clause"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT 2 AS n FROM r UNNEST r.a AS x) SELECT 1", 3304,
     "recursive_with_unsupported: UNNEST"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n FROM [1] AS a NEST b AS s ON KEYS 'x' UNION ALL "
     "SELECT 2 AS n FROM r) SELECT 1", 3304, "recursive_with_unsupported: NEST"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT 2 AS n FROM r LEFT JOIN b ON META(b).id = r.k) "
     "SELECT 1", 3304, "recursive_with_unsupported: OUTER JOIN"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT 2 AS n FROM r LIMIT 3) SELECT 1", 3300,
     "recursive_with semantics: Order/Limit/Offset not allowed"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL (SELECT 2 AS n FROM r ORDER BY n)) SELECT 1", 3300,
     "recursive_with semantics: Order not allowed"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT r.n FROM r GROUP BY r.n) SELECT 1", 3300,
     "recursive_with semantics: Grouping is not allowed"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT DISTINCT r.n FROM r) SELECT 1", 3300,
     "recursive_with semantics: Distinct not allowed"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT MAX(r.n) AS n FROM r) SELECT 1", 3300,
     "recursive_with semantics: Aggregates/Window functions are not allowed"),
    # the restrictions hold for every term of a recursive clause
    ("WITH RECURSIVE x AS (SELECT RAW COUNT(*) FROM [1] AS a) SELECT 1", 3300,
     "recursive_with semantics: Aggregates/Window functions are not allowed"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT 2 AS n FROM r) OPTIONS {'depth': 1} SELECT 1", 3303,
     "Invalid config option depth"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT 2 AS n FROM r) OPTIONS {'levels': '2'} SELECT 1",
     5002, "Configuration options must be numeric ('levels' is string)"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT r.n + 1 AS n FROM r) CYCLE n + 1 RESTRICT SELECT 1",
     3307, "Cycle fields validation failed for with term: r - cause: invalid cycle field expression term: "
           "n + 1 only identifier/path expressions are allowed"),
    ("WITH r AS (SELECT 1 AS n) OPTIONS {'levels': 1} SELECT 1", 3000,
     "cannot have OPTIONS without RECURSIVE keyword as part of 'r'"),
    ("WITH r AS (SELECT 1 AS n) CYCLE n RESTRICT SELECT 1", 3000,
     "cannot have CYCLE without RECURSIVE keyword as part of 'r'"),
    ("WITH RECURSIVE r AS (SELECT 1 AS n) OPTIONS {'levels': $n} SELECT 1", 3000,
     "OPTIONS value must be static"),
])
def test_recursive_with_errors(svc: QueryService, statement: str, code: int, words: str) -> None:
    with pytest.raises(QueryError) as info:
        run(svc, statement)
    assert info.value.code == code and words in info.value.msg, info.value


# ----------------------------------------------------------------------------- WITH in subqueries, INSERT


def test_with_in_a_subquery_is_bound_there(svc: QueryService) -> None:
    # per run of the subquery: a correlated one reads the outer row
    assert run(svc, "SELECT y, (WITH x AS (10) SELECT RAW x * y)[0] AS s FROM [1, 2] AS y") == [
        {"y": 1, "s": 10}, {"y": 2, "s": 20}]
    # the WITH values themselves may read the outer row (an expression or a query)
    assert run(svc, "SELECT RAW [(WITH x AS (y * 2) SELECT RAW x)[0], (WITH q AS (SELECT RAW y + 1) "
                    "SELECT RAW q[0])[0]] FROM [1, 2] AS y") == [[2, 2], [4, 3]]
    # in a FROM subquery, with a query as its value
    assert run(svc, "SELECT RAW t.name FROM (WITH bosses AS (SELECT RAW e.mgr FROM b e "
                    "WHERE e.mgr IS NOT NULL) SELECT s.name FROM b s WHERE s.name IN bosses) AS t "
                    "ORDER BY t.name") == [
        "ceo", "cto", "dev1"]
    # an outer WITH name is visible inside, a different inner name next to it
    assert run(svc, "WITH a AS (1) SELECT RAW (WITH b2 AS (a + 1) SELECT RAW b2 + a)[0]") == [3]


def test_a_subquery_with_name_is_not_seen_by_the_enclosing_query(svc: QueryService) -> None:
    # outside the subquery x is the field of d again, before and after the subquery runs
    rows = run(svc, "SELECT x, (WITH x AS (1) SELECT RAW x)[0] AS a FROM [{'x': 5}, {'x': 6}] AS d")
    assert rows == [{"x": 5, "a": 1}, {"x": 6, "a": 1}]


def test_with_in_insert_select(svc: QueryService) -> None:
    rows = run(svc, "INSERT INTO b (KEY k, VALUE v) WITH suffix AS ('-copy') SELECT e.name || suffix AS k, "
                    "{'of': e.name} AS v FROM b e WHERE e.mgr = 'cto' RETURNING RAW META().id")
    assert sorted(rows) == ["dev1-copy", "dev2-copy"]
    assert run(svc, "SELECT RAW b.`of` FROM b USE KEYS 'dev1-copy'") == ["dev1"]
    # WITH RECURSIVE feeding an INSERT
    rows = run(svc, "INSERT INTO b (KEY 'n' || TO_STRING(n), VALUE {'n': n}) WITH RECURSIVE r AS "
                    "(SELECT 1 AS n UNION ALL SELECT r.n + 1 AS n FROM r WHERE r.n < 3) SELECT n FROM r "
                    "RETURNING RAW META().id")
    assert rows == ["n1", "n2", "n3"]
