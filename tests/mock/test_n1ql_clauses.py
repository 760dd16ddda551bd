"""The mock's SQL++ engine: LET / LETTING / GROUP BY ... AS, UNION / INTERSECT / EXCEPT [ALL], WITH
and INSERT ... SELECT, with the server's semantics and error codes. Client-visible behaviour is tested
over every front end in tests/query/test_select_clauses.py."""
from __future__ import annotations

from typing import Any, List

import pytest

from couchbase_mock.cluster import Cluster
from couchbase_mock.query import nodes as N
from couchbase_mock.query.engine import Options, QueryService
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params
from couchbase_mock.query.keyspace import Keyspace, store_doc
from couchbase_mock.query.parser import parse


@pytest.fixture
def svc() -> QueryService:
    """orders o0..o4 of customers c0/c1 (o4 of c9), totals 0, 10, ... 40; a primary index."""
    service = QueryService(Cluster(1, 0, ["b"], 8, "u", "p"))
    ks = Keyspace(service.cluster.buckets["b"], "_default", "_default", 0)
    for i in range(5):
        store_doc(ks, f"o{i}".encode(), {"type": "order", "cust": f"c{i % 2}" if i < 4 else "c9",
                                        "total": i * 10, "tags": ["a", "b"][: i % 3]})
    run(service, "CREATE PRIMARY INDEX ON b")
    return service


def run(svc: QueryService, statement: str, **named: Any) -> List[Any]:
    ex = svc.start(statement, Options(Params((), named), None, None, "", False))
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


def error_of(svc: QueryService, statement: str) -> QueryError:
    with pytest.raises(QueryError) as info:
        run(svc, statement)
    return info.value


# ----------------------------------------------------------------------------- LET, LETTING


def test_let_binds_names_per_row_in_order(svc: QueryService) -> None:
    rows = run(svc, "SELECT o.total, double FROM b o LET double = o.total * 2, more = double + 1 "
                    "WHERE more > 40 ORDER BY double DESC")
    assert rows == [{"total": 40, "double": 80}, {"total": 30, "double": 60}, {"total": 20, "double": 40}]
    # with one FROM term an unqualified name is a LET variable first, then a field of the term
    assert run(svc, "SELECT RAW total FROM b LET total = 'shadowed' WHERE META().id = 'o1'") == ["shadowed"]
    # not part of SELECT *
    assert run(svc, "SELECT * FROM b o LET x = 1 WHERE META(o).id = 'o0'") == [
        {"o": {"type": "order", "cust": "c0", "total": 0, "tags": []}}]


def test_letting_and_group_by_as_bind_names_per_group(svc: QueryService) -> None:
    rows = run(svc, "SELECT customer, n, avg FROM b o GROUP BY o.cust AS customer "
                    "LETTING n = COUNT(*), avg = SUM(o.total) / n HAVING n > 1 ORDER BY customer")
    assert rows == [{"customer": "c0", "n": 2, "avg": 10}, {"customer": "c1", "n": 2, "avg": 20}]
    # LETTING without GROUP BY: the whole result is one group
    assert run(svc, "SELECT n FROM b LETTING n = COUNT(*)") == [{"n": 5}]


@pytest.mark.parametrize("statement, code, words", [
    ("SELECT 1 FROM b LET x = 1, x = 2", 3081, "Duplicate variable: 'x' already in scope."),
    ("SELECT 1 FROM b o LET o = 1", 3081, "Duplicate variable: 'o' already in scope."),
    ("SELECT 1 FROM b LET x = COUNT(*)", 3000, "Aggregate function COUNT is not allowed here"),
    ("SELECT 1 FROM b LET x 1", 3000, "syntax error"),
    ("SELECT letting FROM b", 3000, "syntax error"),  # reserved, as on the server
])
def test_let_errors(svc: QueryService, statement: str, code: int, words: str) -> None:
    err = error_of(svc, statement)
    assert err.code == code and words in err.msg, err


# ----------------------------------------------------------------------------- set operators


def test_set_operators_and_their_duplicates(svc: QueryService) -> None:
    assert run(svc, "SELECT RAW 1 UNION ALL SELECT RAW 2 UNION ALL SELECT RAW 1") == [1, 2, 1]
    assert run(svc, "SELECT RAW 1 UNION SELECT RAW 2 UNION SELECT RAW 1") == [1, 2]
    left = "SELECT RAW x FROM [1, 2, 2, 3] AS x"
    assert run(svc, f"{left} INTERSECT SELECT RAW x FROM [2, 2, 3, 4] AS x") == [2, 3]
    assert run(svc, f"{left} INTERSECT ALL SELECT RAW x FROM [2, 3, 4] AS x") == [2, 3]
    assert run(svc, f"{left} INTERSECT ALL SELECT RAW x FROM [2, 2, 4] AS x") == [2, 2]
    assert run(svc, f"{left} EXCEPT SELECT RAW x FROM [3] AS x") == [1, 2]
    assert run(svc, f"{left} EXCEPT ALL SELECT RAW x FROM [2, 4] AS x") == [1, 2, 3]
    # one precedence, left to right: (1, 2 EXCEPT 2) UNION ALL 2
    chain = "SELECT RAW 1 UNION ALL SELECT RAW 2 EXCEPT SELECT RAW 2 UNION ALL SELECT RAW 2"
    assert run(svc, chain) == [1, 2]


def test_order_by_and_limit_apply_to_the_combined_result(svc: QueryService) -> None:
    rows = run(svc, "SELECT o.total AS t FROM b o WHERE o.total < 20 UNION ALL "
                    "SELECT x AS t FROM [5, 25] AS x ORDER BY t DESC LIMIT 3 OFFSET 1")
    assert rows == [{"t": 10}, {"t": 5}, {"t": 0}]
    # a parenthesized subselect keeps its own ORDER BY / LIMIT
    rows = run(svc, "SELECT RAW x FROM [1, 2, 3] AS x "
                    "EXCEPT (SELECT RAW y FROM [2, 3] AS y ORDER BY y LIMIT 1)")
    assert rows == [1, 3]
    sel = parse("SELECT RAW 1 UNION SELECT RAW 2 ORDER BY 1 LIMIT 1")
    assert isinstance(sel, N.Select) and sel.limit is not None and sel.set_ops[0][2].limit is None


def test_a_set_operation_in_a_correlated_subquery(svc: QueryService) -> None:
    run(svc, "CREATE INDEX ix_cust ON b(cust)")
    rows = run(svc, "SELECT c AS cust, (SELECT RAW o.total FROM b o WHERE o.cust = c "
                    "UNION ALL SELECT RAW -1) AS totals FROM ['c0', 'c2'] AS c")
    assert rows == [{"cust": "c0", "totals": [0, 20, -1]}, {"cust": "c2", "totals": [-1]}]


def test_update_for_within_reaches_every_descendant(svc: QueryService) -> None:
    ks = Keyspace(svc.cluster.buckets["b"], "_default", "_default", 0)
    store_doc(ks, b"tree", {"kids": [{"id": 1, "kids": [{"id": 2}, {"id": 3, "kids": [{"id": 4}]}]},
                                     {"name": "no id"}]})
    # WITHIN: the array's elements and, depth first, everything inside them
    assert run(svc, "UPDATE b USE KEYS 'tree' SET k.seen = true FOR k WITHIN kids WHEN k.id > 1 END "
                    "RETURNING RAW kids") == [[{"id": 1, "kids": [{"id": 2, "seen": True}, {
                        "id": 3, "kids": [{"id": 4, "seen": True}], "seen": True}]}, {"name": "no id"}]]
    # UNSET through WITHIN too
    assert run(svc, "UPDATE b USE KEYS 'tree' UNSET k.seen FOR k WITHIN kids END RETURNING RAW "
                    "kids[0].kids[1]") == [{"id": 3, "kids": [{"id": 4}]}]


def test_update_for_name_var_binds_the_position_or_field_name(svc: QueryService) -> None:
    ks = Keyspace(svc.cluster.buckets["b"], "_default", "_default", 0)
    store_doc(ks, b"doc", {"items": [{"v": "a"}, {"v": "b"}, {"v": "c"}], "nums": [10, 20, 30],
                          "prices": {"tea": {"p": 2}, "coffee": {"p": 3}}})
    # over an array: the element's position
    assert run(svc, "UPDATE b USE KEYS 'doc' SET i.pos = p FOR p:i IN items WHEN p != 1 END "
                    "RETURNING RAW items") == [[{"v": "a", "pos": 0}, {"v": "b"}, {"v": "c", "pos": 2}]]
    # the variable itself, or a path from the name variable, is the binding's own scope (the server sets
    # it in the scope value of execution/update_util.go), so the document does not change
    assert run(svc, "UPDATE b USE KEYS 'doc' SET n = n + p FOR p:n IN nums END RETURNING RAW nums") == [
        [10, 20, 30]]
    assert run(svc, "UPDATE b USE KEYS 'doc' SET p = 1 FOR p:n IN nums END, p.x = 2 FOR p:n IN nums END "
                    "RETURNING RAW [p IS MISSING, nums]") == [[True, [10, 20, 30]]]
    # over an object: each field, by name (a plain IN binding reaches no field of an object)
    assert run(svc, "UPDATE b USE KEYS 'doc' SET v.name = k FOR k:v IN prices WHEN v.p > 2 END "
                    "RETURNING RAW prices") == [{"tea": {"p": 2}, "coffee": {"p": 3, "name": "coffee"}}]
    assert run(svc, "UPDATE b USE KEYS 'doc' SET v.x = 1 FOR v IN prices END RETURNING RAW prices") == [
        {"tea": {"p": 2}, "coffee": {"p": 3, "name": "coffee"}}]
    # name:var WITHIN: the position or field name inside the element's own container
    assert run(svc, "UPDATE b USE KEYS 'doc' SET v.at = k FOR k:v WITHIN prices WHEN v.p IS VALUED END "
                    "RETURNING RAW prices") == [{"tea": {"p": 2, "at": "tea"},
                                                 "coffee": {"p": 3, "name": "coffee", "at": "coffee"}}]


# ----------------------------------------------------------------------------- WITH


def test_with_names_values_for_the_whole_statement(svc: QueryService) -> None:
    rows = run(svc, "WITH floor AS (15), big AS (SELECT RAW o.total FROM b o WHERE o.total > floor) "
                    "SELECT RAW t FROM big AS t ORDER BY t")
    assert rows == [20, 30, 40]
    # visible in subqueries too, and evaluated once
    assert run(svc, "WITH x AS (1) SELECT x, (SELECT RAW x + 1)[0] AS y") == [{"x": 1, "y": 2}]
    assert run(svc, "WITH names AS ($names) SELECT RAW META(o).id FROM b o WHERE o.cust IN names "
                    "ORDER BY META(o).id", names=["c9"]) == ["o4"]


@pytest.mark.parametrize("statement, code, words", [
    ("WITH x AS (1), x AS (2) SELECT x", 4020, "Duplicate WITH clause alias 'x'"),
    ("WITH x AS (1) SELECT 1 FROM b LET x = 2", 3081, "Duplicate variable: 'x' already in scope."),
    # a WITH clause of a subquery cannot rebind a name of the enclosing query
    ("WITH x AS (1) SELECT (WITH x AS (2) SELECT RAW x) AS y", 4020, "Duplicate WITH clause alias 'x'"),
    ("SELECT (WITH o AS (2) SELECT RAW o) AS y FROM b o", 4020, "Duplicate WITH clause alias 'o'"),
])
def test_with_errors(svc: QueryService, statement: str, code: int, words: str) -> None:
    err = error_of(svc, statement)
    assert err.code == code and words in err.msg, err


# ----------------------------------------------------------------------------- INSERT ... SELECT


def test_insert_select_writes_a_document_per_result(svc: QueryService) -> None:
    rows = run(svc, "INSERT INTO b (KEY 'copy-' || id, VALUE {'total': t}) SELECT META(o).id AS id, "
                    "o.total AS t FROM b o WHERE o.total >= 30 RETURNING META().id, b.total")
    assert sorted(rows, key=lambda r: r["id"]) == [{"id": "copy-o3", "total": 30},
                                                   {"id": "copy-o4", "total": 40}]
    # without VALUE the result itself is the document; UPSERT overwrites
    run(svc, "UPSERT INTO b (KEY k) SELECT 'copy-o3' AS k, 'again' AS note")
    assert run(svc, "SELECT RAW d FROM b d USE KEYS 'copy-o3'") == [{"k": "copy-o3", "note": "again"}]
    # the query is read whole before writing: copying a keyspace into itself ends
    run(svc, "INSERT INTO b (KEY 'x-' || id, VALUE d) SELECT META(d).id AS id, d FROM b d")
    assert run(svc, "SELECT RAW COUNT(*) FROM b") == [14]
    # KEY and VALUE read the result's fields, not the query's aliases (as on the server)
    err = error_of(svc, "INSERT INTO b (KEY META(d).id) SELECT d FROM b d")
    assert err.code == 5070 and "non-string key" in err.msg
    err = error_of(svc, "INSERT INTO b (KEY 'copy-o4') SELECT 1 AS one")
    assert err.code == 12009 and "Duplicate Key: copy-o4" in err.msg


# ----------------------------------------------------------------------------- MERGE


def test_lookup_merge_updates_deletes_and_inserts(svc: QueryService) -> None:
    rows = run(svc, "MERGE INTO b t USING [{'k': 'o1', 'add': 5}, {'k': 'o2', 'add': 0}, "
                    "{'k': 'new', 'add': 7}] AS s ON KEY s.k "
                    "WHEN MATCHED THEN UPDATE SET t.total = t.total + s.add WHERE s.add > 0 "
                    "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT {'total': s.add} "
                    "RETURNING META(t).id AS id, t.total")
    assert sorted(rows, key=lambda r: r["id"]) == [{"id": "new", "total": 7}, {"id": "o1", "total": 15},
                                                   {"id": "o2", "total": 20}]  # o2: its value when deleted
    assert run(svc, "SELECT RAW META(d).id FROM b d ORDER BY META(d).id") == ["new", "o0", "o1", "o3", "o4"]
    # the source may be a keyspace: copy every document under a new key
    run(svc, "MERGE INTO b t USING b s ON KEY META(s).id || '-c' WHEN NOT MATCHED THEN INSERT s")
    assert run(svc, "SELECT RAW COUNT(*) FROM b") == [10]


def test_ansi_merge_matches_on_a_condition(svc: QueryService) -> None:
    rows = run(svc, "MERGE INTO b t USING [{'id': 'o0'}, {'id': 'zz'}] AS s ON META(t).id = s.id "
                    "WHEN MATCHED THEN UPDATE SET t.seen = true UNSET t.tags "
                    "WHEN NOT MATCHED THEN INSERT (KEY s.id, VALUE {'seen': false}) RETURNING RAW t")
    assert rows == [{"type": "order", "cust": "c0", "total": 0, "seen": True}, {"seen": False}]
    run(svc, "CREATE INDEX ix_total ON b(total)")
    run(svc, "MERGE INTO b t USING [30, 40] AS s ON t.total = s WHEN MATCHED THEN DELETE")
    assert run(svc, "SELECT RAW META(d).id FROM b d WHERE d.total >= 30") == []


@pytest.mark.parametrize("statement, code, words", [
    ("MERGE INTO b t USING [{'k': 'o1'}, {'k': 'o1'}] AS s ON KEY s.k WHEN MATCHED THEN UPDATE SET t.x = 1",
     5320, "Multiple UPDATE/DELETE of the same document (document key 'o1') in a MERGE statement"),
    ("MERGE INTO b t USING ['n', 'n'] AS s ON KEY s WHEN NOT MATCHED THEN INSERT 1",
     5330, "Multiple INSERT of the same document (document key 'n') in a MERGE statement"),
    ("MERGE INTO b t USING [1] AS s ON KEY 'x' WHEN NOT MATCHED THEN INSERT (KEY 'x', VALUE 1)",
     3150, "MERGE with ON KEY clause cannot have document key specification in INSERT action."),
    ("MERGE INTO b t USING [1] AS s ON META(t).id = 'x' WHEN NOT MATCHED THEN INSERT 1",
     3160, "MERGE with ON clause must have document key specification in INSERT action."),
    ("MERGE INTO b t USING [1] AS s ON t.total = s WHEN MATCHED THEN DELETE", 4330,
     "No index available for ANSI join term t"),
    ("MERGE INTO b t USING [1] AS s ON KEY 'o1' WHEN NOT MATCHED THEN INSERT 1 WHEN MATCHED THEN DELETE",
     3000, "syntax error - at DELETE"),  # the actions come in the order UPDATE, DELETE, INSERT
])
def test_merge_errors(svc: QueryService, statement: str, code: int, words: str) -> None:
    err = error_of(svc, statement)
    assert err.code == code and words in err.msg, err


# ----------------------------------------------------------------------------- UPDATE ... FOR


def test_update_for_changes_array_elements(svc: QueryService) -> None:
    ks = Keyspace(svc.cluster.buckets["b"], "_default", "_default", 0)
    store_doc(ks, b"doc", {"items": [{"id": 1, "st": "new"}, {"id": 2, "st": "new"}, {"id": 3}],
                          "nums": [1, 2, 3],
                          "grid": [{"cells": [{"v": 1}, {"v": 2}]}, {"cells": [{"v": 3}]}],
                          "rows": [[1, 2], [3]]})
    assert run(svc, "UPDATE b USE KEYS 'doc' SET i.st = 'done' FOR i IN items WHEN i.id >= 2 END "
                    "RETURNING RAW items") == [[{"id": 1, "st": "new"}, {"id": 2, "st": "done"},
                                                {"id": 3, "st": "done"}]]
    # the element itself is the binding's variable, not the array's slot: nothing changes (as on the
    # server, whose SET of a bare variable sets the binding's scope); UNSET of fields
    assert run(svc, "UPDATE b USE KEYS 'doc' SET n = n * 10 FOR n IN nums WHEN n > 1 END "
                    "RETURNING RAW nums") == [[1, 2, 3]]
    assert run(svc, "UPDATE b USE KEYS 'doc' UNSET i.st FOR i IN items WHEN i.id = 1 END, "
                    "n FOR n IN nums WHEN n = 2 END RETURNING RAW [items[0], nums]") == [
        [{"id": 1}, [1, 2, 3]]]
    # a position inside an element that is an array changes it in place; UNSET of a position changes
    # nothing (the server's Element.Unset), with FOR or without
    assert run(svc, "UPDATE b USE KEYS 'doc' SET r[0] = r[0] * 10 FOR r IN rows END RETURNING RAW rows") == [
        [[10, 2], [30]]]
    assert run(svc, "UPDATE b USE KEYS 'doc' UNSET r[0] FOR r IN rows END, nums[0] RETURNING RAW "
                    "[rows, nums]") == [[[[10, 2], [30]], [1, 2, 3]]]
    # nested dimensions, left to right (the second reads the first's variable)
    assert run(svc, "UPDATE b USE KEYS 'doc' SET c.v = c.v + 100 FOR g IN grid FOR c IN g.cells "
                    "WHEN c.v > 1 END RETURNING RAW grid") == [[{"cells": [{"v": 1}, {"v": 102}]},
                                                               {"cells": [{"v": 103}]}]]
    # in a MERGE's UPDATE too; and a plain SET next to a FOR one
    assert run(svc, "MERGE INTO b t USING ['doc'] AS s ON KEY s WHEN MATCHED THEN UPDATE SET t.n = 1, "
                    "i.m = true FOR i IN t.items WHEN i.id = 3 END RETURNING RAW [t.n, t.items[2]]") == [
        [1, {"id": 3, "st": "done", "m": True}]]
