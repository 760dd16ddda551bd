"""The mock's query engine: ``FROM <expression> AS alias`` (an expression term) and ``ARRAY_RANGE``,
which give a statement any number of rows without storing documents (the read-ahead tests use
``SELECT RAW n FROM ARRAY_RANGE(0, 1000000) AS n``)."""
from __future__ import annotations

from typing import Any, List

import pytest

from couchbase_mock.cluster import Cluster
from couchbase_mock.query.engine import Options, QueryService
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params


@pytest.fixture
def svc() -> QueryService:
    return QueryService(Cluster(1, 0, ["b"], 8, "u", "p"))


def run(svc: QueryService, statement: str) -> List[Any]:
    ex = svc.start(statement, Options(Params((), {}), None, None, "", False))
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


@pytest.mark.parametrize("expr, expected", [
    ("ARRAY_RANGE(0, 5)", [0, 1, 2, 3, 4]),
    ("ARRAY_RANGE(2, 11, 4)", [2, 6, 10]),
    ("ARRAY_RANGE(5, 0, -2)", [5, 3, 1]),
    ("ARRAY_RANGE(0, 1.5, 0.5)", [0, 0.5, 1]),
    ("ARRAY_RANGE(5, 0)", []),
    ("ARRAY_RANGE(0, 5, 0)", []),  # as the server: step 0 is an empty range
    ("ARRAY_RANGE(0, 5, -1)", []),
    ("ARRAY_RANGE(0, 0.35, 0.1)", [0, 0.1, 0.2, 0.30000000000000004]),  # the server's repeated addition
    ("ARRAY_RANGE(0, 1, 0.1)", [0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6, 0.7, 0.7999999999999999,
                                0.8999999999999999, 0.9999999999999999]),
    ("ARRAY_RANGE(0, 'a')", None),
    ("ARRAY_RANGE(0, NULL)", None),
    ("ARRAY_RANGE(0, 1e12)", None),  # past the mock's cap: NULL, never a huge list
])
def test_array_range(svc: QueryService, expr: str, expected: Any) -> None:
    assert run(svc, f"SELECT RAW {expr}") == [expected]


def test_rows_from_an_expression_term(svc: QueryService) -> None:
    assert run(svc, "SELECT RAW n FROM ARRAY_RANGE(0, 4) AS n") == [0, 1, 2, 3]
    statement = "SELECT n, n * 2 AS d FROM ARRAY_RANGE(0, 10, 3) n WHERE n > 0 ORDER BY n DESC LIMIT 2"
    assert run(svc, statement) == [{"n": 9, "d": 18}, {"n": 6, "d": 12}]
    assert run(svc, 'SELECT RAW x FROM [1, "a", {"b": 2}] AS x') == [1, "a", {"b": 2}]
    assert run(svc, "SELECT COUNT(*) AS c FROM ARRAY_RANGE(0, 1000) AS n") == [{"c": 1000}]


def test_a_large_range_streams(svc: QueryService) -> None:
    opts = Options(Params((), {}), None, None, "", False)
    ex = svc.start("SELECT RAW n FROM ARRAY_RANGE(0, 1000000) AS n", opts)
    assert sum(1 for _ in ex.rows) == 1_000_000


def test_an_expression_term_needs_its_alias(svc: QueryService) -> None:
    with pytest.raises(QueryError) as info:
        run(svc, "SELECT RAW n FROM ARRAY_RANGE(0, 5)")
    assert info.value.code == 3000


# ------------------------------------------------------------------- terms over an outer alias


@pytest.fixture
def tagged(svc: QueryService) -> QueryService:
    run(svc, "CREATE PRIMARY INDEX ON b")
    run(svc, 'INSERT INTO b (KEY, VALUE) VALUES ("a", {"tags": ["x", "y"], "n": 1}), '
             '("b", {"tags": ["z"], "n": 2}), ("c", {"n": 3})')
    return svc


def test_a_subquery_over_a_nested_array_of_the_outer_row(tagged: QueryService) -> None:
    # `d.tags` names the outer alias d: the server formalizes it as an expression term evaluated
    # against each outer row (a correlated subquery), not as the keyspace `d`.`tags` (12003)
    assert run(tagged, "SELECT (SELECT RAW t FROM d.tags AS t) AS tags FROM b d ORDER BY d.n") == \
        [{"tags": ["x", "y"]}, {"tags": ["z"]}, {"tags": []}]
    statement = ("SELECT META(d).id, (SELECT RAW UPPER(t) FROM d.tags t WHERE t > 'x') AS late, "
                 "(SELECT VALUE COUNT(*) FROM d.tags t)[0] AS n FROM b d ORDER BY META(d).id")
    assert run(tagged, statement) == [{"id": "a", "late": ["Y"], "n": 2}, {"id": "b", "late": ["Z"], "n": 1},
                                      {"id": "c", "late": [], "n": 0}]


def test_a_subquery_from_the_outer_alias_itself_reads_the_outer_row(tagged: QueryService) -> None:
    # `FROM d x` where d is the outer alias: one row, the outer document
    assert run(tagged, "SELECT RAW (SELECT RAW x.n FROM d x) FROM b d USE KEYS ['a', 'b']") == [[1], [2]]
    # a name that is no alias is still a keyspace
    assert run(tagged, "SELECT RAW (SELECT RAW COUNT(*) FROM b x)[0] FROM b d USE KEYS 'a'") == [3]


def test_a_join_on_a_nested_array_of_the_outer_row(tagged: QueryService) -> None:
    statement = ("SELECT RAW (SELECT t, u FROM ['x', 'z'] t JOIN d.tags u ON t = u) "
                 "FROM b d ORDER BY d.n")
    assert run(tagged, statement) == [[{"t": "x", "u": "x"}], [{"t": "z", "u": "z"}], []]


def test_a_dml_alias_is_not_a_from_alias(tagged: QueryService) -> None:
    # the server counts only FROM terms (and ANY/ARRAY variables) as aliases: inside DELETE FROM b
    # a subquery's `FROM b` is the keyspace again
    run(tagged, "DELETE FROM b WHERE n < (SELECT RAW MAX(x.n) FROM b x)[0]")
    assert run(tagged, "SELECT RAW META().id FROM b") == ["c"]


def test_an_outer_alias_term_takes_no_use_keys(tagged: QueryService) -> None:
    with pytest.raises(QueryError) as info:
        run(tagged, "SELECT (SELECT RAW t FROM d.tags t USE KEYS 'a') FROM b d")
    assert info.value.code == 3000
