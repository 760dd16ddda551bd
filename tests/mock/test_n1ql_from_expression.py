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
    ("ARRAY_RANGE(0, 5, 0)", None),
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
