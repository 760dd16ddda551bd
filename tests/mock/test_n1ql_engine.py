"""The SQL++ engine of couchbase_mock without sockets: parser, evaluator and
statement execution over an in-memory cluster model (no event loop needed)."""
from __future__ import annotations

import json
from typing import Any, List

import pytest

from couchbase_mock.cluster import Cluster
from couchbase_mock.query.engine import Options, QueryService, go_duration, parse_duration
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params
from couchbase_mock.query.keyspace import Keyspace, store_doc
from couchbase_mock.query.parser import parse


@pytest.fixture
def svc() -> QueryService:
    cluster = Cluster(1, 0, ["b", "other"], 8, "u", "p")
    cluster.buckets["b"].store.manifest.create("s", "c")
    return QueryService(cluster)


def ks(svc: QueryService, bucket: str = "b", scope: str = "_default", coll: str = "_default") -> Keyspace:
    b = svc.cluster.buckets[bucket]
    cid, _ = b.store.manifest.cid(scope, coll)
    return Keyspace(b, scope, coll, cid)


def load(svc: QueryService, docs: dict, **where: str) -> None:
    k = ks(svc, **where)
    for key, value in docs.items():
        store_doc(k, key.encode(), value)


def run(svc: QueryService, statement: str, *args: Any, qc: Any = None, timeout: float = 0,
        readonly: bool = False, **named: Any) -> List[Any]:
    opts = Options(Params(args, named), qc, timeout or None, "", readonly)
    ex = svc.start(statement, opts)
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


def error_of(fn: Any, *args: Any, **kw: Any) -> QueryError:
    with pytest.raises(QueryError) as info:
        fn(*args, **kw)
    return info.value


# ----------------------------------------------------------------------------- parser


@pytest.mark.parametrize("statement, near", [
    ("SELEC 1", "SELEC"),
    ("SELECT FROM b", "FROM"),
    ("SELECT 1 +", "end of input"),
    ("SELECT * FROM b WHERE", "end of input"),
    ("SELECT (1", "end of input"),
    ("SELECT 'abc", "end of input (unterminated quoted text)"),
    ("SELECT 1 LIMIT 1 LIMIT 2", "LIMIT"),
    ("INSERT INTO b VALUES ('k', 1)", "VALUES"),
    ("SELECT # FROM b", "#"),
    ("", "end of input"),
])
def test_syntax_errors_name_the_token(statement: str, near: str) -> None:
    err = error_of(parse, statement)
    assert (err.code, err.status, err.msg) == (3000, 400, f"syntax error - at {near}")


def test_parser_keyspace_forms() -> None:
    for text, ns, parts in [("b", None, ["b"]), ("`b-1`", None, ["b-1"]), ("default:b", "default", ["b"]),
                            ("default:`b`.`s`.`c`", "default", ["b", "s", "c"]),
                            ("b.s.c", None, ["b", "s", "c"])]:
        sel = parse(f"SELECT * FROM {text} AS x")
        assert (sel.keyspace.namespace, sel.keyspace.parts, sel.keyspace.alias) == (ns, parts, "x")


def test_prepare_forms() -> None:
    p = parse("PREPARE p1 FROM SELECT 1")
    assert (p.name, p.text) == ("p1", "SELECT 1")
    assert parse("PREPARE `p2` AS SELECT 1").name == "p2"
    assert parse("PREPARE SELECT 1;").name is None


# ----------------------------------------------------------------------------- expressions


@pytest.mark.parametrize("expr, expected", [
    ("1 + 2 * 3", 7), ("7 / 2", 3.5), ("4 / 2", 2), ("7 % 3", 1), ("-(2 - 5)", 3), ("1 / 0", None),
    ("'a' || 'b'", "ab"), ("'a' || 1", None),
    ("'abc' LIKE 'a%'", True), ("'abc' LIKE 'a_'", False), ("'a_c' LIKE 'a\\\\_c'", True),
    ("'abc' NOT LIKE 'b%'", True),
    ("3 BETWEEN 1 AND 3", True), ("0 BETWEEN 1 AND 3", False),
    ("NULL IS NULL", True), ("MISSING IS MISSING", True), ("NULL IS MISSING", False), ("1 IS VALUED", True),
    ("NULL IS NOT VALUED", True),
    ("1 IN [1, 2]", True), ("3 NOT IN [1, 2]", True), ("NULL = 1", None), ("1 = 1.0", True),
    ("true = 1", False),
    ("1 != 2", True), ("1 <> 1", False), ("'b' > 'a'", True), ("[1, 2] < [1, 3]", True),
    ("true AND NULL", None), ("false AND MISSING", False), ("true OR MISSING", True), ("NOT true", False),
    ("[1, 2][1]", 2), ("[1, 2][-1]", 2), ("{'a': {'b': [1, {'c': 5}]}}.a.b[1].c", 5), ("{'a': 1}.`a`", 1),
    ("LOWER('AbC')", "abc"), ("UPPER('abc')", "ABC"), ("LENGTH('abc')", 3), ("LENGTH(1)", None),
    ("ABS(-2)", 2), ("ROUND(2.5)", 2), ("ROUND(3.14159, 2)", 3.14), ("CONCAT('a', 'b', 'c')", "abc"),
    ("SUBSTR('hello', 1, 3)", "ell"), ("SUBSTR('hello', -2)", "lo"), ("CONTAINS('hello', 'ell')", True),
    ("ARRAY_LENGTH([1, 2])", 2), ("TOSTRING(1)", "1"), ("TOSTRING(TRUE)", "true"), ("TONUMBER('2.5')", 2.5),
    ("TONUMBER('x')", None), ("IFMISSING(MISSING, 1)", 1), ("IFNULL(NULL, 2)", 2),
    ("IFMISSING(NULL, 1)", None),
    ("CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END", "b"), ("CASE 2 WHEN 1 THEN 'x' WHEN 2 THEN 'y' END", "y"),
    ("TYPE([])", "array"), ("\"dq\"", "dq"), ("1.5e2", 150), ("ARRAY_CONTAINS([1, 'a'], 'a')", True),
])
def test_expressions(svc: QueryService, expr: str, expected: Any) -> None:
    assert run(svc, f"SELECT RAW {expr}") == [expected]


def test_missing_values_are_left_out(svc: QueryService) -> None:
    assert run(svc, "SELECT RAW MISSING") == []
    assert run(svc, "SELECT {'a': 1}.nope AS x, 2 AS y") == [{"y": 2}]
    assert run(svc, "SELECT 1, 'x' AS b, 2") == [{"$1": 1, "b": "x", "$2": 2}]


def test_unknown_function_and_misplaced_aggregate(svc: QueryService) -> None:
    assert error_of(run, svc, "SELECT NOSUCH(1)").msg == "Invalid function nosuch."
    load(svc, {"k": {"n": 1}})
    run(svc, "CREATE PRIMARY INDEX ON b")
    assert error_of(run, svc, "SELECT * FROM b WHERE COUNT(*) > 1").code == 3000
    assert error_of(run, svc, "SELECT LOWER('a', 'b')").code == 3000


# ----------------------------------------------------------------------------- SELECT over documents


@pytest.fixture
def people(svc: QueryService) -> QueryService:
    load(svc, {
        "p1": {"name": "Ann", "age": 30, "city": "Oslo", "tags": ["a"]},
        "p2": {"name": "Ben", "age": 25, "city": "Oslo"},
        "p3": {"name": "Cat", "age": 41, "city": "Rome", "tags": []},
        "p4": {"name": "Dan", "age": None, "city": "Rome"},
        "p5": {"name": "Eve", "city": "Kyiv"},
    })
    run(svc, "CREATE PRIMARY INDEX ON b")
    return svc


def test_select_without_index_is_error_4000(svc: QueryService) -> None:
    load(svc, {"k": {"n": 1}})
    err = error_of(run, svc, "SELECT * FROM b")
    assert (err.code, err.status) == (4000, 404)
    assert err.msg.startswith("No index available on keyspace `default`:`b` that matches your query.")
    assert run(svc, "SELECT RAW n FROM b USE KEYS 'k'") == [1]
    run(svc, "CREATE INDEX by_n ON b(n)")
    assert run(svc, "SELECT RAW n FROM b WHERE n = 1") == [1]
    assert error_of(run, svc, "SELECT * FROM b WHERE x = 1").code == 4000


def test_where_order_limit_offset(people: QueryService) -> None:
    assert run(people, "SELECT RAW name FROM b WHERE age > 20 ORDER BY age DESC") == ["Cat", "Ann", "Ben"]
    assert run(people, "SELECT RAW name FROM b ORDER BY name LIMIT 2 OFFSET 1") == ["Ben", "Cat"]
    assert run(people, "SELECT RAW name FROM b OFFSET 4") == ["Eve"]
    assert (run(people, "SELECT RAW name FROM b ORDER BY city, name DESC")
            == ["Eve", "Ben", "Ann", "Dan", "Cat"])
    assert run(people, "SELECT RAW META().id FROM b") == ["p1", "p2", "p3", "p4", "p5"]  # primary-key order


def test_order_by_collation_and_aliases(people: QueryService) -> None:
    # MISSING < NULL < numbers; ASC and DESC
    assert run(people, "SELECT RAW name FROM b ORDER BY age") == ["Eve", "Dan", "Ben", "Ann", "Cat"]
    assert run(people, "SELECT n AS x FROM b ORDER BY x DESC LIMIT 1") == [{}]  # n is missing everywhere
    assert run(people, "SELECT LOWER(name) AS low FROM b ORDER BY low DESC LIMIT 2") == [{"low": "eve"},
                                                                                       {"low": "dan"}]
    load(people, {"m1": {"v": "s"}, "m2": {"v": [1]}, "m3": {"v": {"a": 1}}, "m4": {"v": True},
                  "m5": {"v": 2}, "m6": {"v": False}, "m7": {"v": None}, "m8": {}})
    rows = run(people, "SELECT RAW META().id FROM b WHERE META().id LIKE 'm%' ORDER BY v")
    assert rows == ["m8", "m7", "m6", "m4", "m5", "m1", "m2", "m3"]


def test_group_by_having_aggregates(people: QueryService) -> None:
    rows = run(people, "SELECT city, COUNT(*) AS n, COUNT(age) AS aged, SUM(age) AS s, AVG(age) AS a, "
                       "MIN(name) AS lo, MAX(name) AS hi FROM b GROUP BY city HAVING COUNT(*) > 1 "
                       "ORDER BY city")
    assert rows == [{"city": "Oslo", "n": 2, "aged": 2, "s": 55, "a": 27.5, "lo": "Ann", "hi": "Ben"},
                    {"city": "Rome", "n": 2, "aged": 1, "s": 41, "a": 41, "lo": "Cat", "hi": "Dan"}]
    assert (run(people, "SELECT COUNT(DISTINCT city) AS c, COUNT(city) AS total FROM b")
            == [{"c": 3, "total": 5}])
    assert run(people, "SELECT COUNT(*) AS c, SUM(age) AS s FROM b WHERE false") == [{"c": 0, "s": None}]
    assert run(people, "SELECT city FROM b WHERE false GROUP BY city") == []
    assert (run(people, "SELECT RAW city FROM b GROUP BY city ORDER BY COUNT(*) DESC, city")
            == ["Oslo", "Rome", "Kyiv"])


def test_distinct_star_and_meta(people: QueryService) -> None:
    assert run(people, "SELECT DISTINCT city FROM b ORDER BY city") == [{"city": "Kyiv"}, {"city": "Oslo"},
                                                                        {"city": "Rome"}]
    assert run(people, "SELECT DISTINCT RAW city FROM b") == ["Oslo", "Rome", "Kyiv"]
    assert run(people, "SELECT * FROM b USE KEYS 'p2'") == [{"b": {"name": "Ben", "age": 25, "city": "Oslo"}}]
    assert run(people, "SELECT x.* FROM b x USE KEYS ['p2']") == [{"name": "Ben", "age": 25, "city": "Oslo"}]
    meta = run(people, "SELECT RAW META(x) FROM b x USE KEYS 'p1'")[0]
    doc = ks(people).get(b"p1")
    assert meta == {"cas": doc.cas, "expiration": 0, "flags": 0x02000000, "id": "p1", "keyspace": "default:b",
                    "type": "json"}


def test_keyspace_names_and_query_context(svc: QueryService) -> None:
    load(svc, {"c1": {"v": 1}}, scope="s", coll="c")
    run(svc, "CREATE PRIMARY INDEX ON b.s.c")
    for name in ("b.s.c", "default:b.s.c", "`b`.`s`.`c`", "default:`b`.`s`.`c`"):
        assert run(svc, f"SELECT RAW v FROM {name}") == [1]
    assert run(svc, "SELECT RAW v FROM c", qc=("b", "s")) == [1]
    err = error_of(run, svc, "SELECT RAW v FROM nope")
    assert (err.code, err.status, err.msg) == (12003, 500, "Keyspace not found in CB datastore: default:nope")
    assert error_of(run, svc, "SELECT RAW v FROM b.s.nope").msg.endswith("default:b.s.nope")
    assert error_of(run, svc, "SELECT RAW v FROM nope", qc=("b", "s")).code == 12003


def test_parameters(people: QueryService) -> None:
    assert run(people, "SELECT RAW name FROM b WHERE age = $1", 25) == ["Ben"]
    assert run(people, "SELECT RAW name FROM b WHERE age > ? AND city = ?", 20, "Oslo") == ["Ann", "Ben"]
    assert (run(people, "SELECT RAW name FROM b WHERE city = $c ORDER BY name LIMIT $n", c="Rome", n=1)
            == ["Cat"])
    assert run(people, "SELECT RAW name FROM b USE KEYS $keys", keys=["p3", "p1"]) == ["Cat", "Ann"]
    err = error_of(run, people, "SELECT RAW $1")
    assert (err.code, err.msg) == (5010, "No value for positional parameter $1.")
    assert error_of(run, people, "SELECT RAW $who").msg == "No value for named parameter $who."


def test_rows_are_produced_lazily(people: QueryService) -> None:
    ex = people.start("SELECT RAW name FROM b", Options(Params()))
    assert next(ex.rows) == "Ann"
    assert ex.processed == 1
    ordered = people.start("SELECT RAW name FROM b ORDER BY name", Options(Params()))
    assert ordered.processed == 0  # nothing runs before the first row is asked for
    assert next(ordered.rows) == "Ann" and ordered.processed == 5


def test_timeout_stops_a_long_scan(svc: QueryService) -> None:
    load(svc, {f"k{i:05d}": {"n": i} for i in range(3000)})
    run(svc, "CREATE PRIMARY INDEX ON b")
    ex = svc.start("SELECT RAW n FROM b ORDER BY n DESC", Options(Params(), timeout=1e-6, timeout_text="1us"))
    with pytest.raises(QueryError) as info:
        list(ex.rows)
    assert (info.value.code, info.value.msg) == (1080, "Timeout 1µs exceeded")
    assert run(svc, "SELECT RAW n FROM b ORDER BY n DESC LIMIT 1", timeout=30) == [2999]


# ----------------------------------------------------------------------------- DML and DDL


def test_insert_upsert_are_kv_mutations(svc: QueryService) -> None:
    store = svc.cluster.buckets["b"].store
    seqnos = sum(store.vb_seqno)
    rows = run(svc, "INSERT INTO b (KEY, VALUE) VALUES ('a', {'x': 1}), VALUES ('b', [1]) "
                    "RETURNING META().id, *")
    assert rows == [{"id": "a", "b": {"x": 1}}, {"id": "b", "b": [1]}]
    doc = ks(svc).get(b"a")
    assert (json.loads(doc.value), doc.flags, doc.datatype) == ({"x": 1}, 0x02000000, 1)
    assert sum(store.vb_seqno) == seqnos + 2
    err = error_of(run, svc, "INSERT INTO b (KEY, VALUE) VALUES ('a', 2)")
    assert (err.code, err.reason["code"]) == (12009, 17012)
    assert "Duplicate Key: a" in err.msg
    cas = doc.cas
    run(svc, "UPSERT INTO b (KEY, VALUE) VALUES ('a', 2)")
    assert ks(svc).get(b"a").cas > cas and ks(svc).get(b"a").value == b"2"


def test_update_delete_and_returning(svc: QueryService) -> None:
    load(svc, {"u1": {"n": 1, "o": {"p": 1}, "arr": [1, 2]}, "u2": {"n": 2}})
    run(svc, "CREATE PRIMARY INDEX ON b")
    rows = run(svc, "UPDATE b SET n = n * 10, o.q = 'new', arr[0] = 9 UNSET o.p WHERE n = 1 RETURNING b.*")
    assert rows == [{"n": 10, "o": {"q": "new"}, "arr": [9, 2]}]
    assert json.loads(ks(svc).get(b"u1").value) == {"n": 10, "o": {"q": "new"}, "arr": [9, 2]}
    ex = svc.start("DELETE FROM b WHERE n > 1 RETURNING RAW META().id", Options(Params()))
    assert sorted(ex.rows) == ["u1", "u2"] and ex.mutation_count == 2
    assert ks(svc).get(b"u1") is None and svc.cluster.buckets["b"].store.docs[(0, b"u1")].deleted


def test_readonly_rejects_dml(svc: QueryService) -> None:
    err = error_of(run, svc, "INSERT INTO b (KEY, VALUE) VALUES ('r', 1)", readonly=True)
    assert (err.code, err.status) == (1000, 403)
    assert ks(svc).get(b"r") is None


def test_index_ddl(svc: QueryService) -> None:
    run(svc, "CREATE PRIMARY INDEX ON b")
    err = error_of(run, svc, "CREATE PRIMARY INDEX ON b")
    assert (err.code, err.msg) == (4300, "The index #primary already exists.")
    run(svc, "CREATE PRIMARY INDEX IF NOT EXISTS ON b")
    run(svc, "CREATE INDEX ix1 ON b(name, age) WHERE age > 1 USING GSI")
    assert {ix["name"] for ix in svc.list_indexes()} == {"#primary", "ix1"}
    run(svc, "DROP INDEX ix1 ON b")
    run(svc, "DROP PRIMARY INDEX ON b")
    assert svc.list_indexes() == []
    err = error_of(run, svc, "DROP PRIMARY INDEX ON b")
    assert (err.code, err.msg) == (12016, "GSI index #primary not found.")
    assert error_of(run, svc, "CREATE PRIMARY INDEX ON nope").code == 12003


# ----------------------------------------------------------------------------- prepared statements


def test_prepare_and_execute(people: QueryService) -> None:
    row = run(people, "PREPARE byage FROM SELECT RAW name FROM b WHERE age = $1")[0]
    assert row["name"] == "byage" and row["encoded_plan"]
    ex = people.start(None, Options(Params([30])), prepared="byage")
    assert list(ex.rows) == ["Ann"]
    assert run(people, "EXECUTE byage", 25) == ["Ben"]
    other = QueryService(people.cluster)  # a query node that never saw the PREPARE: only the plan helps
    other.indexes = people.indexes
    assert list(other.start(None, Options(Params([41])), prepared="byage",
                            encoded_plan=row["encoded_plan"]).rows) == ["Cat"]
    err = error_of(other.start, None, Options(Params()), prepared="nope")
    assert (err.code, err.status) == (4040, 404)


def test_prepare_auto_execute(people: QueryService) -> None:
    ex = people.start("PREPARE SELECT RAW name FROM b WHERE age = $1", Options(Params([25])),
                      auto_execute=True)
    assert list(ex.rows) == ["Ben"] and ex.prepared_name in people.prepared
    assert list(people.start(None, Options(Params([30])), prepared=ex.prepared_name).rows) == ["Ann"]


def test_durations() -> None:
    assert (parse_duration("75000000us") == 75.0 and parse_duration("1m30s") == 90
            and parse_duration("1.5ms") == 0.0015)
    for bad in ("", "10", "5x", "s"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert [go_duration(x) for x in (0.03, 1.5, 75)] == ["30ms", "1.5s", "1m15s"]
