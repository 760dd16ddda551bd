"""The mock's SQL++ engine: JOIN / NEST / UNNEST grammar and plans, subqueries, and the rows the
join steps read (left sides stream; a hash join holds its right side; an uncorrelated subquery runs
once). Client-visible behaviour is tested over every front end in tests/query/test_joins.py."""
from __future__ import annotations

from typing import Any, List

import pytest

from couchbase_mock.cluster import Cluster
from couchbase_mock.query import nodes as N
from couchbase_mock.query.engine import Execution, Options, QueryService
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params
from couchbase_mock.query.keyspace import Keyspace, store_doc
from couchbase_mock.query.parser import parse, parse_expression


@pytest.fixture
def svc() -> QueryService:
    return QueryService(Cluster(1, 0, ["b"], 8, "u", "p"))


def load(svc: QueryService, docs: dict) -> None:
    bucket = svc.cluster.buckets["b"]
    ks = Keyspace(bucket, "_default", "_default", 0)
    for key, value in docs.items():
        store_doc(ks, key.encode(), value)


def start(svc: QueryService, statement: str) -> Execution:
    return svc.start(statement, Options(Params((), {}), None, None, "", False))


def run(svc: QueryService, statement: str) -> List[Any]:
    ex = start(svc, statement)
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


def error_of(svc: QueryService, statement: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        run(svc, statement)
    return info.value


@pytest.fixture
def orders(svc: QueryService) -> QueryService:
    """customers c0..c2 (c2 orders nothing), orders o0..o4 (o4 of an unknown customer)."""
    docs: dict = {f"c{i}": {"type": "customer", "name": f"cust{i}"} for i in range(3)}
    for i in range(5):
        docs[f"o{i}"] = {"type": "order", "cust": f"c{i % 2}" if i < 4 else "c9", "total": i * 10}
    docs["o5"] = {"type": "order", "cust": None, "total": 1}
    load(svc, docs)
    run(svc, "CREATE PRIMARY INDEX ON b")
    run(svc, "CREATE INDEX ix_cust ON b(cust)")
    return svc


# ----------------------------------------------------------------------------- grammar


def test_join_grammar() -> None:
    sel = parse("SELECT * FROM b AS x LEFT OUTER JOIN b.s.c y USE HASH(PROBE) ON y.k = x.k "
                "INNER NEST b z USE NL ON z.k = x.k UNNEST x.arr FLATTEN x.more AS m")
    assert isinstance(sel, N.Select)
    assert sel.keyspace is not None and sel.keyspace.default_alias == "x"
    ops = [(j.op, j.outer, j.bound) for j in sel.joins]
    assert ops == [("JOIN", True, "y"), ("NEST", False, "z"), ("UNNEST", False, "arr"),
                   ("UNNEST", False, "m")]
    y = sel.joins[0].term
    assert isinstance(y, N.KeyspaceTerm) and y.ref.parts == ["b", "s", "c"] and y.hint == "HASH_PROBE"
    assert isinstance(sel.joins[1].term, N.KeyspaceTerm) and sel.joins[1].term.hint == "NL"
    lookup = parse("SELECT * FROM b l JOIN b r ON KEYS l.ref")
    assert isinstance(lookup, N.Select) and lookup.joins[0].keys is not None and lookup.joins[0].on is None


def test_right_join_is_planned_as_the_swapped_left_join() -> None:
    sel = parse("SELECT * FROM b l RIGHT JOIN (SELECT 1 AS k) AS r ON r.k = l.k")
    assert isinstance(sel, N.Select)
    assert sel.from_subquery is not None and sel.from_alias == "r" and sel.keyspace is None
    (j,) = sel.joins
    assert j.op == "JOIN" and j.outer and isinstance(j.term, N.KeyspaceTerm) and j.term.alias == "l"


def test_subquery_and_exists_expressions() -> None:
    sel = parse("SELECT RAW 1 FROM b WHERE EXISTS (SELECT 1) AND x IN (SELECT RAW y FROM b USE KEYS 'k')")
    assert isinstance(sel, N.Select) and isinstance(sel.where, N.Binary)
    assert isinstance(sel.where.left, N.Exists) and isinstance(sel.where.left.operand, N.Subquery)
    assert isinstance(sel.where.right, N.Binary) and isinstance(sel.where.right.right, N.Subquery)


@pytest.mark.parametrize("statement, code, words", [
    ("SELECT * FROM b JOIN b c", 3000, "syntax error - at end of input"),
    ("SELECT * FROM b LEFT b", 3000, "syntax error - at b"),
    ("SELECT * FROM b INNER RIGHT JOIN c ON 1", 3000, "syntax error - at RIGHT"),
    ("SELECT * FROM b l JOIN b r ON r.a = l.a RIGHT JOIN b z ON z.a = l.a", 3000, "syntax error - at RIGHT"),
    ("SELECT * FROM (SELECT 1)", 3000, "Subquery in FROM clause must have an alias."),
    ("SELECT * FROM (SELECT 1) AS s USE KEYS 'a'", 3000, "FROM Subquery cannot have USE KEYS or USE INDEX."),
    ("SELECT * FROM [1] AS a JOIN [2] AS c ON KEYS 'k'", 3000, "JOIN must be done on a keyspace"),
    ("SELECT * FROM [1] AS a UNNEST [1, 2]", 4010, "UNNEST term must have a name or alias"),
    ("SELECT * FROM [1] AS a JOIN [2] AS a ON true", 4020, "Duplicate JOIN alias 'a'"),
    ("SELECT * FROM [1] AS a UNNEST [2] AS a", 4020, "Duplicate UNNEST alias 'a'"),
    ("SELECT x FROM [1] AS a JOIN [2] AS c ON c = a", 3080, "Ambiguous reference to field 'x'."),
])
def test_grammar_and_scope_errors(svc: QueryService, statement: str, code: int, words: str) -> None:
    err = error_of(svc, statement)
    assert (err.code, err.msg) == (code, words) or (err.code == code and words in err.msg), err


def test_order_by_may_name_a_projection_alias_of_a_join(svc: QueryService) -> None:
    rows = run(svc, "SELECT a + c AS s FROM [1, 2] AS a JOIN [10] AS c ON true ORDER BY s DESC")
    assert rows == [{"s": 12}, {"s": 11}]


# ----------------------------------------------------------------------------- index rules


def test_index_rules_of_joins(svc: QueryService) -> None:
    load(svc, {"a": {"k": 1}})
    assert error_of(svc, "SELECT * FROM b l JOIN b r ON r.k = l.k").code == 4000  # the left scan first
    run(svc, "CREATE PRIMARY INDEX ON b")
    # a primary index does not serve the right side of a nested-loop join
    err = error_of(svc, "SELECT * FROM b l JOIN b r USE NL ON r.k = l.k")
    assert (err.code, err.msg, err.status) == (4330, "No index available for ANSI join term r", 500)
    assert run(svc, "SELECT r.k FROM b l JOIN b r USE HASH(BUILD) ON r.k = l.k") == [{"k": 1}]
    assert run(svc, "SELECT r.k FROM b l JOIN b r ON META(r).id = META(l).id") == [{"k": 1}]
    assert run(svc, "SELECT r.k FROM b l JOIN b r ON META(r).id IN ['a', 'x']") == [{"k": 1}]
    assert run(svc, "SELECT r.k FROM b l JOIN b r USE KEYS 'a' ON r.k = l.k") == [{"k": 1}]
    run(svc, "CREATE INDEX ix_k ON b(k)")
    assert run(svc, "SELECT r.k FROM b l JOIN b r ON r.k = l.k") == [{"k": 1}]
    # a subquery or expression on the right needs no index of its own side
    assert run(svc, "SELECT s.k FROM b l JOIN (SELECT RAW 1) AS s ON s = l.k") == [{}]


def test_correlated_subquery_index_rules(orders: QueryService) -> None:
    err = error_of(orders, "SELECT RAW c.name FROM b c WHERE EXISTS "
                           "(SELECT 1 FROM b o WHERE o.name = c.name)")
    assert (err.code, err.status) == (4035, 500)
    # USE KEYS (here correlated too) needs no index; an uncorrelated subquery may use the primary index
    rows = run(orders, "SELECT RAW c.name FROM b c USE KEYS ['c0', 'c1'] WHERE EXISTS "
                       "(SELECT 1 FROM b o USE KEYS META(c).id WHERE o.type = 'customer')")
    assert rows == ["cust0", "cust1"]
    assert run(orders, "SELECT RAW COUNT(*) FROM b c WHERE c.type = 'customer' AND "
                       "META(c).id IN (SELECT RAW o.cust FROM b o WHERE o.type = 'order')") == [2]


# ----------------------------------------------------------------------------- semantics


def test_null_and_missing_keys_never_match(orders: QueryService) -> None:
    rows = run(orders, "SELECT META(o).id AS o, c.name FROM b o LEFT JOIN b c ON META(c).id = o.cust "
                       "WHERE o.type = 'order' ORDER BY o")
    assert rows == [{"o": "o0", "name": "cust0"}, {"o": "o1", "name": "cust1"}, {"o": "o2", "name": "cust0"},
                    {"o": "o3", "name": "cust1"}, {"o": "o4"}, {"o": "o5"}]
    # hash join: a NULL on either side equals nothing
    rows = run(orders, "SELECT RAW META(o).id FROM [NULL, 'c0'] AS k JOIN b o ON o.cust = k "
                       "ORDER BY META(o).id")
    assert rows == ["o0", "o2"]


def test_hash_join_equality_follows_n1ql(svc: QueryService) -> None:
    rows = run(svc, "SELECT a, c FROM [1, 2.0, 'x', [1]] AS a JOIN [2, 1.0, [1.0], true] AS c ON c = a")
    assert rows == [{"a": 1, "c": 1.0}, {"a": 2.0, "c": 2}, {"a": [1], "c": [1.0]}]


def test_subqueries_see_their_own_term_first(orders: QueryService) -> None:
    # `name` inside the subquery is its own keyspace's field; `c` the outer alias
    rows = run(orders, "SELECT c.name, (SELECT RAW SUM(o.total) FROM b o WHERE o.cust = META(c).id)[0] AS t "
                       "FROM b c WHERE c.type = 'customer' ORDER BY c.name")
    assert rows == [{"name": "cust0", "t": 20}, {"name": "cust1", "t": 40}, {"name": "cust2", "t": None}]


def test_dml_with_a_subquery(orders: QueryService) -> None:
    run(orders, "DELETE FROM b WHERE type = 'order' AND cust NOT IN (SELECT RAW META(c).id FROM b c "
                "WHERE c.type = 'customer')")
    assert run(orders, "SELECT RAW META().id FROM b WHERE type = 'order' ORDER BY META().id") == \
        ["o0", "o1", "o2", "o3", "o5"]  # o5's NULL customer: NOT IN gives NULL, not true


# ----------------------------------------------------------------------------- what is read


def test_the_left_keyspace_streams(svc: QueryService) -> None:
    load(svc, {f"k{i:05d}": {"n": i} for i in range(5000)})
    run(svc, "CREATE PRIMARY INDEX ON b")
    ex = start(svc, "SELECT l.n, x FROM b l JOIN [0, 1] AS x ON x = l.n % 2")
    first = [next(ex.rows) for _ in range(3)]
    assert first == [{"n": 0, "x": 0}, {"n": 1, "x": 1}, {"n": 2, "x": 0}]
    assert ex.processed <= 3  # left documents read so far: one per row, none ahead


def test_an_uncorrelated_subquery_runs_once(svc: QueryService) -> None:
    load(svc, {f"k{i}": {"n": i} for i in range(50)})
    run(svc, "CREATE PRIMARY INDEX ON b")
    ex = start(svc, "SELECT RAW n FROM ARRAY_RANGE(0, 100) AS n WHERE n IN (SELECT RAW d.n FROM b d)")
    assert list(ex.rows) == list(range(50))
    assert ex.processed == 100 + 50  # not 100 * 50
    ex = start(svc, "SELECT RAW x.n FROM ARRAY_RANGE(0, 20) AS n JOIN (SELECT d.n FROM b d) AS x ON x.n = n")
    assert list(ex.rows) == list(range(20))
    assert ex.processed == 20 + 50


# ----------------------------------------------------------------------------- ANY / EVERY / ARRAY ... FOR


@pytest.mark.parametrize("expr, expected", [
    ("ANY x IN [1, 2, 3] SATISFIES x > 2 END", True),
    ("SOME x IN [1, 2, 3] SATISFIES x > 3 END", False),
    ("EVERY x IN [1, 2, 3] SATISFIES x > 0 END", True),
    ("EVERY x IN [] SATISFIES x > 0 END", True),
    ("ANY AND EVERY x IN [] SATISFIES x > 0 END", False),
    ("ANY x IN 5 SATISFIES x > 2 END", None),
    ("ANY v WITHIN {'a': [1, {'b': 7}]} SATISFIES v = 7 END", True),
    ("ARRAY x * 2 FOR x IN [1, 2, 3] WHEN x != 2 END", [2, 6]),
    ("ARRAY [a, b] FOR a IN [1, 2, 3], b IN ['x', 'y'] END", [[1, "x"], [2, "y"]]),  # in step, shortest
    ("FIRST x FOR x IN [1, 2, 3] WHEN x > 1 END", 2),
    ("OBJECT 'k' || TOSTRING(x): x FOR x IN [1, 2] END", {"k1": 1, "k2": 2}),
    ("ARRAY (SELECT RAW y FROM [1, 2, 3] AS y WHERE y > x) FOR x IN [1, 2] END", [[2, 3], [3]]),
    # name:var binds the position in an array, the field name in an object (fields in name order)
    ("ARRAY [i, v] FOR i:v IN ['a', 'b'] END", [[0, "a"], [1, "b"]]),
    ("OBJECT k: v.p FOR k:v IN {'tea': {'p': 2}, 'coffee': {'p': 3}} END", {"coffee": 3, "tea": 2}),
    ("ARRAY k FOR k:v IN {'b': 1, 'a': 2} END", ["a", "b"]),
    ("ANY k:v IN {'a': 1} SATISFIES k = 'a' AND v = 1 END", True),
    ("ARRAY v FOR v IN {'a': 1} END", None),  # an object: only a name:var or WITHIN binding reads it
    # WITHIN: depth first, an object's fields in name order; with name: each one's position or name
    ("ARRAY v FOR v WITHIN {'b': [1, 2], 'a': 3} END", [3, [1, 2], 1, 2]),
    ("ARRAY [k, v] FOR k:v WITHIN {'b': [1], 'a': 3} END", [["a", 3], ["b", [1]], [0, 1]]),
])
def test_collection_expressions(svc: QueryService, expr: str, expected: Any) -> None:
    assert run(svc, f"SELECT RAW {expr}") == [expected]


def test_collection_missing_and_field_names(svc: QueryService) -> None:
    assert run(svc, "SELECT RAW ANY x IN MISSING SATISFIES x > 2 END") == []  # MISSING: no value
    # ARRAY / FIRST / OBJECT stay field names where no expression follows them
    rows = run(svc, "SELECT d.first, d.array FROM [{'first': 1, 'array': 2}] AS d")
    assert rows == [{"first": 1, "array": 2}]
    # a binding variable is no unqualified field name of a join
    assert run(svc, "SELECT ARRAY v FOR v IN [a, c] END AS both FROM [1] AS a JOIN [2] AS c ON true") == \
        [{"both": [1, 2]}]


def test_lookup_join_and_nest_on_keys(orders: QueryService) -> None:
    rows = run(orders, "SELECT META(o).id AS o, c.name FROM b o LEFT JOIN b c ON KEYS o.cust "
                       "WHERE o.type = 'order' ORDER BY o")
    assert rows == [{"o": "o0", "name": "cust0"}, {"o": "o1", "name": "cust1"}, {"o": "o2", "name": "cust0"},
                    {"o": "o3", "name": "cust1"}, {"o": "o4"}, {"o": "o5"}]
    rows = run(orders, "SELECT RAW ARRAY_LENGTH(cs) FROM [['c0', 'c1', 'nope'], []] AS ks "
                       "LEFT NEST b cs ON KEYS ks")
    assert rows == [2, 0]


def test_right_keyspaces_are_read_once(orders: QueryService) -> None:
    """A correlated subquery with an equality on the outer row reads its keyspace once into a hash
    table (as the secondary index it requires would serve it); so does a nested-loop join's right
    keyspace. ``processed`` counts the documents read: 9 in ``b``."""
    ex = start(orders, "SELECT c.name, (SELECT RAW SUM(o.total) FROM b o WHERE o.cust = META(c).id)[0] AS t "
                       "FROM b c WHERE c.type = 'customer' ORDER BY c.name")
    assert list(ex.rows) == [{"name": "cust0", "t": 20}, {"name": "cust1", "t": 40},
                             {"name": "cust2", "t": None}]
    assert ex.processed == 9 + 9  # not 9 + 3 * 9
    ex = start(orders, "SELECT RAW META(o).id FROM b c JOIN b o ON o.cust >= META(c).id AND o.cust < 'c1' "
                       "WHERE c.type = 'customer' ORDER BY META(o).id")
    assert list(ex.rows) == ["o0", "o2"]
    assert ex.processed == 9 + 9


def test_joins_resolve_names_in_the_query_context(svc: QueryService) -> None:
    bucket = svc.cluster.buckets["b"]
    bucket.store.manifest.create("s", "left")
    bucket.store.manifest.create("s", "right")
    for coll, docs in (("left", {"l1": {"k": 1}}), ("right", {"r1": {"k": 1, "v": "x"}})):
        cid, _ = bucket.store.manifest.cid("s", coll)
        for key, value in docs.items():
            store_doc(Keyspace(bucket, "s", coll, cid), key.encode(), value)
    opts = Options(Params((), {}), ("b", "s"), None, "", False)
    for statement in ("CREATE PRIMARY INDEX ON `left`", "CREATE INDEX ix_k ON `right`(k)"):
        list(svc.start(statement, Options(Params((), {}), ("b", "s"), None, "", False)).rows)
    ex = svc.start("SELECT r.v FROM `left` l JOIN `right` r ON r.k = l.k", opts)
    assert list(ex.rows) == [{"v": "x"}]
    with pytest.raises(QueryError) as info:
        svc.start("SELECT * FROM `left` l JOIN nothere r ON r.k = l.k", opts)
    assert info.value.code == 12003 and "default:b.s.nothere" in info.value.msg


def test_subqueries_in_having_and_projection_of_groups(orders: QueryService) -> None:
    rows = run(orders, "SELECT o.cust, COUNT(*) AS n, "
                       "(SELECT RAW c.name FROM b c USE KEYS o.cust)[0] AS name "
                       "FROM b o WHERE o.type = 'order' GROUP BY o.cust "
                       "HAVING COUNT(*) > (SELECT RAW 1)[0] ORDER BY o.cust")
    assert rows == [{"cust": "c0", "n": 2, "name": "cust0"}, {"cust": "c1", "n": 2, "name": "cust1"}]


# ----------------------------------------------------------------------------- comma terms, LATERAL


def test_comma_terms_parse_as_inner_joins_without_on() -> None:
    sel = parse("SELECT * FROM b x, LATERAL (SELECT 1 AS one) AS s, [1, 2] AS n")
    assert isinstance(sel, N.Select)
    assert [(j.op, j.outer, j.comma, j.on, j.bound) for j in sel.joins] == [
        ("JOIN", False, True, None, "s"), ("JOIN", False, True, None, "n")]
    assert isinstance(sel.joins[0].term, N.SubqueryTerm) and isinstance(sel.joins[1].term, N.ExprTerm)


def test_a_comma_term_is_joined_on_the_where_clause(orders: QueryService) -> None:
    rows = run(orders, "SELECT c.name, o.total FROM b c, b o WHERE o.cust = META(c).id "
                       "AND c.type = 'customer' ORDER BY o.total")
    assert rows == [{"name": "cust0", "total": 0}, {"name": "cust1", "total": 10},
                    {"name": "cust0", "total": 20}, {"name": "cust1", "total": 30}]
    # the conjuncts over c and o are the join's: a hash table on o.cust, probed with META(c).id
    sel = parse("SELECT * FROM b c, b o WHERE o.cust = META(c).id AND c.type = 'customer'")
    plan = orders._select_plan(sel, Options(Params((), {}), None, None, "", False), frozenset())
    step = plan.steps[0]
    assert step.condition == parse_expression("o.cust = META(c).id")  # c.type = ... is c's alone
    assert step.primary_key is None
    assert step.hash_keys == (parse_expression("o.cust"), parse_expression("META(c).id"))
    # expression terms: the cross product
    assert run(orders, "SELECT a, c FROM [1, 2] AS a, [3, 4] AS c") == [
        {"a": 1, "c": 3}, {"a": 1, "c": 4}, {"a": 2, "c": 3}, {"a": 2, "c": 4}]
    assert run(orders, "SELECT RAW a FROM [1, 2] AS a, [] AS c") == []


def test_a_comma_term_follows_the_ansi_join_index_rules(orders: QueryService) -> None:
    # no conjunct an index of o can serve: 4330, as for an ANSI JOIN without a usable ON clause;
    # and no primary join either (the server looks for META().id only in an ON clause)
    for statement in ("SELECT * FROM b c, b o WHERE o.total = 10",
                      "SELECT * FROM b c, b o WHERE META(o).id = c.name"):
        err = error_of(orders, statement)
        assert err.code == 4330 and "ANSI join term o" in err.msg, statement


@pytest.mark.parametrize("statement, code, words", [
    ("SELECT * FROM b c, b o JOIN b p ON p.cust = META(o).id", 3000,
     "Right side (o JOIN ...) of a COMMA in a FROM clause must be a simple term or sub-query"),
    ("SELECT * FROM b c, [1] AS n UNNEST c.tags AS t", 3000, "of a COMMA"),
    ("SELECT * FROM b c JOIN LATERAL b o ON KEYS c.ref", 3000,
     "LATERAL cannot be specified in lookup join with ON KEYS clause"),
    ("SELECT * FROM b c NEST LATERAL b o ON KEYS c.ref", 3000,
     "LATERAL cannot be specified in lookup nest with ON KEYS clause"),
    ("SELECT * FROM b c RIGHT JOIN LATERAL b o ON o.cust = META(c).id", 3000,
     "LATERAL cannot be specified in RIGHT OUTER JOIN"),
    ("SELECT lateral FROM b", 3000, "syntax error - at lateral"),  # a reserved word, as on the server
    ("SELECT * FROM [1] AS a, [2] AS a", 4020, "Duplicate FROM expression alias 'a'"),
    ("SELECT * FROM b a, (SELECT 1 AS one) AS a", 4020, "Duplicate subquery alias 'a'"),
    ("SELECT * FROM b a, b a", 4020, "Duplicate JOIN alias 'a'"),
])
def test_comma_and_lateral_errors(orders: QueryService, statement: str, code: int, words: str) -> None:
    err = error_of(orders, statement)
    assert err.code == code and words in err.msg, err


def test_a_subquery_term_reading_an_earlier_alias_runs_per_left_row(orders: QueryService) -> None:
    for lateral in ("LATERAL ", ""):
        rows = run(orders, f"SELECT c.name, n FROM b c, {lateral}(SELECT RAW COUNT(*) FROM b o "
                           "WHERE o.cust = META(c).id) AS n WHERE c.type = 'customer' ORDER BY c.name")
        assert rows == [{"name": "cust0", "n": 2}, {"name": "cust1", "n": 2}, {"name": "cust2", "n": 0}]
    # a joined subquery reads the left row (it used to see nothing of it)
    rows = run(orders, "SELECT c.name, s.copy FROM b c JOIN (SELECT c.name AS copy) AS s ON TRUE "
                       "WHERE c.type = 'customer' ORDER BY c.name")
    assert rows == [{"name": f"cust{i}", "copy": f"cust{i}"} for i in range(3)]
    sel = parse("SELECT * FROM b c JOIN (SELECT c.name AS copy) AS s ON s.copy = c.name")
    plan = orders._select_plan(sel, Options(Params((), {}), None, None, "", False), frozenset())
    assert plan.steps[0].lateral and plan.steps[0].hash_keys is None  # no table of a per-row result
    assert not plan.correlated  # the reference is to its own FROM clause


def test_a_from_subquery_may_read_the_enclosing_query(orders: QueryService) -> None:
    # nested, not lateral: the FROM subquery of a correlated subquery reads the outer c
    rows = run(orders, "SELECT c.name, (SELECT RAW x.total FROM (SELECT o.total FROM b o "
                       "WHERE o.cust = META(c).id) AS x ORDER BY x.total) AS totals FROM b c "
                       "WHERE c.type = 'customer' ORDER BY c.name")
    assert rows == [{"name": "cust0", "totals": [0, 20]}, {"name": "cust1", "totals": [10, 30]},
                    {"name": "cust2", "totals": []}]
