"""The mock's SQL++ window functions: ranking, navigation, distribution and aggregates OVER
(PARTITION BY ... ORDER BY ... frame), named windows (WINDOW clause), aggregates' FILTER, and the
server's semantic (3220) and rewrite (6500) errors.
Through every front end: tests/query/test_select_clauses.py."""
from __future__ import annotations

from typing import Any, List

import pytest

from couchbase_mock.cluster import Cluster
from couchbase_mock.query.engine import Options, QueryService
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params

DATA = ("[{'g': 'a', 'v': 3}, {'g': 'a', 'v': 1}, {'g': 'a', 'v': 3}, {'g': 'b', 'v': 5}, "
        "{'g': 'b', 'v': null}, {'g': 'b', 'v': 7}]")


@pytest.fixture
def svc() -> QueryService:
    return QueryService(Cluster(1, 0, ["b"], 8, "u", "p"))


def run(svc: QueryService, statement: str) -> List[Any]:
    ex = svc.start(statement.replace("DATA", DATA), Options(Params((), {}), None, None, "", False))
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


def column(svc: QueryService, select: str, where: str = "d.v IS VALUED") -> List[Any]:
    return run(svc, f"SELECT RAW {select} FROM DATA AS d WHERE {where} ORDER BY d.v, d.g")


def test_ranking(svc: QueryService) -> None:
    rows = run(svc, "SELECT d.g, d.v, ROW_NUMBER() OVER (PARTITION BY d.g ORDER BY d.v) AS rn, "
                    "RANK() OVER (PARTITION BY d.g ORDER BY d.v) AS rk, "
                    "DENSE_RANK() OVER (PARTITION BY d.g ORDER BY d.v DESC) AS dr FROM DATA AS d "
                    "ORDER BY d.g, d.v, rn")
    assert [(r["g"], r.get("v"), r["rn"], r["rk"], r["dr"]) for r in rows] == [
        ("a", 1, 1, 1, 2), ("a", 3, 2, 2, 1), ("a", 3, 3, 2, 1),
        ("b", None, 1, 1, 3), ("b", 5, 2, 2, 2), ("b", 7, 3, 3, 1)]  # NULL sorts first
    assert column(svc, "NTILE(3) OVER (ORDER BY d.v)") == [1, 1, 2, 2, 3]
    assert column(svc, "CUME_DIST() OVER (ORDER BY d.v)") == [0.2, 0.6, 0.6, 0.8, 1]
    assert column(svc, "PERCENT_RANK() OVER (ORDER BY d.v)") == [0, 0.25, 0.25, 0.75, 1]


def test_navigation(svc: QueryService) -> None:
    assert column(svc, "LAG(d.v) OVER (ORDER BY d.v)") == [None, 1, 3, 3, 5]
    assert column(svc, "LEAD(d.v, 2, -1) OVER (ORDER BY d.v)") == [3, 5, 7, -1, -1]
    assert column(svc, "LAG(d.v) IGNORE NULLS OVER (PARTITION BY d.g ORDER BY d.v)", "d.g = 'b'") == [
        None, None, 5]
    assert column(svc, "FIRST_VALUE(d.v) OVER (PARTITION BY d.g ORDER BY d.v DESC)") == [3, 3, 3, 7, 7]
    whole = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
    assert column(svc, f"LAST_VALUE(d.v) OVER (ORDER BY d.v {whole})") == [7] * 5
    assert column(svc, f"NTH_VALUE(d.v, 2) FROM LAST OVER (ORDER BY d.v {whole})") == [5] * 5
    # the default frame ends at the current row's last peer
    assert column(svc, "LAST_VALUE(d.v) OVER (ORDER BY d.v)") == [1, 3, 3, 5, 7]


def test_aggregates_over_frames(svc: QueryService) -> None:
    assert column(svc, "SUM(d.v) OVER (ORDER BY d.v)") == [1, 7, 7, 12, 19]  # RANGE: peers together
    assert column(svc, "SUM(d.v) OVER (ORDER BY d.v ROWS UNBOUNDED PRECEDING)") == [1, 4, 7, 12, 19]
    assert column(svc, "AVG(d.v) OVER (ORDER BY d.v ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)") == [
        2, 7 / 3, 11 / 3, 5, 6]
    assert column(svc, "SUM(d.v) OVER (ORDER BY d.v RANGE BETWEEN 2 PRECEDING AND CURRENT ROW)") == [
        1, 7, 7, 11, 12]
    assert column(svc, "COUNT(*) OVER (ORDER BY d.v GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING)") == [
        3, 4, 4, 4, 2]  # peer groups {1} {3, 3} {5} {7}
    assert column(svc, "SUM(d.v) OVER (ORDER BY d.v ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
                       "FOLLOWING EXCLUDE CURRENT ROW)") == [18, 16, 16, 14, 12]
    # ordered by v: b's NULL first; COUNT(*) counts its row, COUNT(d.v) does not
    assert column(svc, "COUNT(*) OVER (PARTITION BY d.g)", "TRUE") == [3] * 6
    assert column(svc, "COUNT(d.v) OVER (PARTITION BY d.g)", "TRUE") == [2, 3, 3, 3, 2, 2]
    assert column(svc, "RATIO_TO_REPORT(d.v) OVER (PARTITION BY d.g)", "d.g = 'a'") == [1 / 7, 3 / 7, 3 / 7]
    # over a grouped result
    rows = run(svc, "SELECT d.g, SUM(d.v) AS s, RANK() OVER (ORDER BY SUM(d.v) DESC) AS r FROM DATA AS d "
                    "GROUP BY d.g ORDER BY d.g")
    assert rows == [{"g": "a", "s": 7, "r": 2}, {"g": "b", "s": 12, "r": 1}]


def test_aggregate_filter(svc: QueryService) -> None:
    assert run(svc, "SELECT COUNT(*) FILTER (WHERE d.v > 2) AS big, SUM(d.v) FILTER (WHERE d.g = 'a') AS a "
                    "FROM DATA AS d") == [{"big": 4, "a": 7}]


@pytest.mark.parametrize("expr, code, words", [
    ("ROW_NUMBER()", 3220, "ROW_NUMBER window function Requires OVER clause"),
    ("RANK() OVER ()", 3220, "RANK window function ORDER BY clause is required."),
    ("SUM(d.v) OVER (ROWS UNBOUNDED PRECEDING)", 3220, "window frame is not allowed without ORDER BY."),
    ("RANK() OVER (ORDER BY d.v ROWS UNBOUNDED PRECEDING)", 3220,
     "RANK window function window frame is not allowed."),
    ("SUM(d.v) OVER (ORDER BY d.v ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW)", 3220, "invalid window frame."),
    ("SUM(d.v) OVER (ORDER BY d.v, d.g RANGE 1 PRECEDING)", 3220, "multiple ORDER BY terms are not allowed."),
    ("ROW_NUMBER() IGNORE NULLS OVER ()", 3220, "NULLS clause is not allowed."),
    ("SUM(d.v) OVER w", 6500, "Window w not in the scope of window clause"),
    ("NTILE() OVER (ORDER BY d.v)", 3000, "Incorrect number of arguments to function ntile."),
    ("SUM(d.v) OVER (ORDER BY d.v ROWS -1 PRECEDING)", 3220, "window frame value expression is invalid."),
])
def test_window_errors(svc: QueryService, expr: str, code: int, words: str) -> None:
    with pytest.raises(QueryError) as info:
        run(svc, f"SELECT {expr} FROM DATA AS d")
    assert info.value.code == code and words in info.value.msg, info.value


def test_a_window_function_is_refused_outside_the_projection(svc: QueryService) -> None:
    with pytest.raises(QueryError) as info:
        run(svc, "SELECT d.v FROM DATA AS d WHERE ROW_NUMBER() OVER () > 1")
    assert info.value.code == 3000 and "not allowed here" in info.value.msg


@pytest.mark.parametrize("agg, expected", [
    # the numbers 1, 2, 2, 3, 9 (the string and the NULL are not numbers): mean 3.4, squared
    # deviations 41.2
    ("MEDIAN(x)", 2), ("MEDIAN(x) FILTER (WHERE x < 9)", 2), ("MEDIAN(DISTINCT x)", 2.5), ("MEAN(x)", 3.4),
    ("VARIANCE(x)", 10.3), ("VAR_SAMP(x)", 10.3), ("VARIANCE_SAMP(x)", 10.3), ("VAR_POP(x)", 8.24),
    ("VARIANCE_POP(x)", 8.24), ("STDDEV(x)", 10.3 ** 0.5), ("STDDEV_SAMP(x)", 10.3 ** 0.5),
    ("STDDEV_POP(x)", 8.24 ** 0.5),
])
def test_statistics_aggregates(svc: QueryService, agg: str, expected: float) -> None:
    [value] = run(svc, f"SELECT RAW {agg} FROM [1, 2, 2, 3, 'x', 9, null] AS x")
    assert value == pytest.approx(expected)


def test_statistics_of_one_value_and_of_none(svc: QueryService) -> None:
    assert run(svc, "SELECT RAW [VARIANCE(x), VAR_SAMP(x), STDDEV_SAMP(x), STDDEV_POP(x), MEDIAN(x)] "
                    "FROM [5] AS x") == [[0, None, None, 0, 5]]
    assert run(svc, "SELECT RAW [VARIANCE(x), MEDIAN(x)] FROM ['a'] AS x") == [[None, None]]
    # over a window too
    assert run(svc, "SELECT RAW MEDIAN(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) "
                    "FROM [1, 2, 10, 4] AS x ORDER BY x") == [1.5, 2, 4, 7]


# ----------------------------------------------------------------------------- named windows


def test_over_a_named_window_takes_its_definition(svc: QueryService) -> None:
    rows = run(svc, "SELECT d.g, d.v, ROW_NUMBER() OVER w AS rn, SUM(d.v) OVER w AS run FROM DATA AS d "
                    "WHERE d.v IS VALUED WINDOW w AS (PARTITION BY d.g ORDER BY d.v, d.missing) "
                    "ORDER BY d.g, rn")
    # the default frame ends at the row's last peer (both 3s: 7); a MISSING key orders as the others
    assert [(r["g"], r["v"], r["rn"], r["run"]) for r in rows] == [
        ("a", 1, 1, 1), ("a", 3, 2, 7), ("a", 3, 3, 7), ("b", 5, 1, 5), ("b", 7, 2, 12)]


def test_a_window_builds_on_a_named_one(svc: QueryService) -> None:
    # OVER (w ORDER BY ...): w's partitioning plus an ordering of its own
    rows = run(svc, "SELECT d.g, d.v, RANK() OVER (p ORDER BY d.v DESC) AS rk FROM DATA AS d "
                    "WHERE d.v IS VALUED WINDOW p AS (PARTITION BY d.g) ORDER BY d.g, d.v DESC")
    assert [(r["g"], r["v"], r["rk"]) for r in rows] == [
        ("a", 3, 1), ("a", 3, 1), ("a", 1, 3), ("b", 7, 1), ("b", 5, 2)]
    # a chain in the WINDOW clause (each window names an earlier one); OVER name keeps the frame
    rows = run(svc, "SELECT RAW [d.v, SUM(d.v) OVER framed] FROM DATA AS d WHERE d.g = 'a' "
                    "WINDOW byg AS (PARTITION BY d.g), ordered AS (byg ORDER BY d.v), "
                    "framed AS (ordered ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) ORDER BY d.v")
    assert rows == [[1, 1], [3, 4], [3, 6]]


def test_named_windows_in_order_by_and_several_calls(svc: QueryService) -> None:
    rows = run(svc, "SELECT RAW d.v FROM DATA AS d WHERE d.v IS VALUED "
                    "WINDOW w AS (ORDER BY d.v DESC) ORDER BY ROW_NUMBER() OVER w")
    assert rows == [7, 5, 3, 3, 1]


@pytest.mark.parametrize("statement, code, words", [
    ("SELECT RANK() OVER w FROM DATA AS d WINDOW w AS (ORDER BY d.v), w AS (ORDER BY d.g)", 6500,
     "Duplicate window clause alias w."),
    ("SELECT RANK() OVER v FROM DATA AS d WINDOW w AS (ORDER BY d.v)", 6500,
     "Window v not in the scope of window clause"),
    ("SELECT 1 FROM DATA AS d WINDOW w AS (v ORDER BY d.v)", 6500,
     "Window v not in the scope of window clause"),
    ("SELECT 1 FROM DATA AS d WINDOW w AS (ROWS UNBOUNDED PRECEDING)", 6500,
     "Only window frame clause is not allowed in named window: w"),
    ("SELECT RANK() OVER (w PARTITION BY d.g) FROM DATA AS d WINDOW w AS (ORDER BY d.v)", 6500,
     "Window w shall not have a window partitioning clause"),
    ("SELECT RANK() OVER (w ORDER BY d.g) FROM DATA AS d WINDOW w AS (ORDER BY d.v)", 6500,
     "Window w shall not have a window ordering clause"),
    ("SELECT SUM(d.v) OVER (w) FROM DATA AS d WINDOW w AS (ORDER BY d.v ROWS 1 PRECEDING)", 6500,
     "Window w shall not have a window framing clause"),
    # a WINDOW clause is out of scope under a set operation
    ("SELECT RANK() OVER w FROM DATA AS d UNION SELECT 1 FROM DATA AS e WINDOW w AS (ORDER BY e.v)", 6500,
     "Window w not in the scope of window clause"),
    ("SELECT 1 FROM DATA AS d UNION SELECT RANK() OVER w FROM DATA AS e WINDOW w AS (ORDER BY e.v)", 6500,
     "Window w not in the scope of window clause"),
    # the semantic checks see the inherited definition
    ("SELECT RANK() OVER w FROM DATA AS d WINDOW w AS (PARTITION BY d.g)", 3220,
     "RANK window function ORDER BY clause is required."),
    ("SELECT SUM(d.v) OVER w FROM DATA AS d WINDOW w AS (ORDER BY d.v ROWS BETWEEN 1 FOLLOWING AND "
     "CURRENT ROW)", 3220, "SUM window function invalid window frame."),
])
def test_named_window_errors(svc: QueryService, statement: str, code: int, words: str) -> None:
    with pytest.raises(QueryError) as info:
        run(svc, statement)
    assert info.value.code == code and words in info.value.msg, info.value
