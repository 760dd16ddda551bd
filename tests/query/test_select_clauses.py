"""LET / LETTING, set operators, WITH (recursive, in subqueries), named windows, UPDATE ... FOR and
INSERT ... SELECT through every front end, against the mock's query service (its engine's own tests:
tests/mock/test_n1ql_clauses.py, test_n1ql_with.py, test_n1ql_window.py)."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from couchbase.exceptions import CouchbaseException, ParsingFailedException
from couchbase.options import UnsignedInt64
from support.frontends import selected
from support.query_views import rows_of, rows_view

ORDERS = {f"order_{i}": {"type": "order", "customer": f"cust_{i % 2}", "total": 10 * i} for i in range(4)}


@pytest.fixture(scope="module")
def qmock() -> Iterator[Any]:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as m:
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as c:
            collection = c.bucket("default").default_collection()
            for key, doc in ORDERS.items():
                collection.upsert(key, doc)
            list(c.query("CREATE PRIMARY INDEX ON default"))
        yield m


@pytest.fixture(params=selected())
def fe(request: Any, qmock: Any) -> Iterator[Any]:
    yield from rows_view(request.param, qmock)


def test_let_and_letting(fe):
    rows = rows_of(fe, "SELECT o.total, twice FROM default o LET twice = o.total * 2 "
                       "WHERE o.type = 'order' AND twice >= 40 ORDER BY twice")
    assert rows == [{"total": 20, "twice": 40}, {"total": 30, "twice": 60}]
    rows = rows_of(fe, "SELECT who, n, spent FROM default o WHERE o.type = 'order' "
                       "GROUP BY o.customer AS who LETTING n = COUNT(*), spent = SUM(o.total) ORDER BY who")
    assert rows == [{"who": "cust_0", "n": 2, "spent": 20}, {"who": "cust_1", "n": 2, "spent": 40}]


def test_set_operators_with_order_and_limit_over_the_whole(fe):
    rows = rows_of(fe, "SELECT o.total AS t FROM default o WHERE o.customer = 'cust_0' UNION ALL "
                       "SELECT o.total AS t FROM default o WHERE o.total > 15 ORDER BY t DESC LIMIT 3")
    assert rows == [{"t": 30}, {"t": 20}, {"t": 20}]
    rows = rows_of(fe, "SELECT RAW o.customer FROM default o WHERE o.type = 'order' "
                       "EXCEPT SELECT RAW 'cust_1'")
    assert rows == ["cust_0"]


def test_with_and_insert_select(fe, request):
    rows = rows_of(fe, "WITH floor AS (15), big AS (SELECT RAW o.total FROM default o WHERE o.total > floor) "
                       "SELECT RAW ARRAY_LENGTH(big)")
    assert rows == [2]
    prefix = f"copy-{request.node.callspec.id}-"
    rows = rows_of(fe, f"INSERT INTO default (KEY '{prefix}' || id, VALUE {{'total': t}}) "
                       "SELECT META(o).id AS id, o.total AS t FROM default o WHERE o.type = 'order' "
                       "AND o.total < 20 RETURNING RAW META().id")
    assert sorted(rows) == [f"{prefix}order_0", f"{prefix}order_1"]
    assert fe.get(f"{prefix}order_1").content_as[dict] == {"total": 10}


def test_recursive_with_nested_with_named_windows_and_update_for_within(fe, request):
    # WITH RECURSIVE: a running total over the orders by total, one level per order
    rows = rows_of(fe, "WITH RECURSIVE run AS (SELECT 0 AS total, 0 AS n UNION ALL SELECT r.total + o.total "
                       "AS total, r.n + 1 AS n FROM run r JOIN default o ON META(o).id = 'order_' || "
                       "TO_STRING(r.n)) SELECT RAW total FROM run")
    assert rows == [0, 0, 10, 30, 60]
    # the server's implicit level limit comes back as a warning, the result still a success
    result = fe.cluster.query("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT r.n + 1 AS n FROM r) "
                              "SELECT RAW COUNT(*) FROM r")
    rows, meta = fe.collect_rows(result)
    assert list(rows) == [101] and meta.status() == "success"
    assert [(w.code(), w.message()) for w in meta.warnings()] == [
        (3306, "Recursive WITH 'r' stopped at 100 level as no explicit level limit or memory quota set")]
    assert meta.metrics().warning_count() == UnsignedInt64(1)
    # WITH in a subquery; a named window and one building on it
    rows = rows_of(fe, "SELECT o.customer AS c, o.total AS t, RANK() OVER (byc ORDER BY o.total DESC) AS rk, "
                       "SUM(o.total) OVER byc AS spent, (WITH vat AS (1.5) SELECT RAW o.total * vat)[0] "
                       "AS gross FROM default o WHERE o.type = 'order' "
                       "WINDOW byc AS (PARTITION BY o.customer) ORDER BY o.total")
    assert rows == [{"c": "cust_0", "t": 0, "rk": 2, "spent": 20, "gross": 0},
                    {"c": "cust_1", "t": 10, "rk": 2, "spent": 40, "gross": 15},
                    {"c": "cust_0", "t": 20, "rk": 1, "spent": 20, "gross": 30},
                    {"c": "cust_1", "t": 30, "rk": 1, "spent": 40, "gross": 45}]
    # UPDATE ... FOR ... WITHIN and FOR name:var
    key = f"tree-{request.node.callspec.id}"
    fe.upsert(key, {"kids": [{"id": 1, "kids": [{"id": 2}]}], "tags": ["a", "b"]})
    rows = rows_of(fe, f"UPDATE default USE KEYS '{key}' SET k.seen = true FOR k WITHIN kids WHEN "
                       "k.id IS VALUED END, tags[p] = t || TO_STRING(p) FOR p:t IN tags END "
                       "RETURNING RAW [kids, tags]")
    assert rows == [[[{"id": 1, "seen": True, "kids": [{"id": 2, "seen": True}]}], ["a0", "b1"]]]


def test_clause_errors_are_typed(fe):
    with pytest.raises(CouchbaseException) as info:
        fe.collect_rows(fe.cluster.query("SELECT 1 FROM default LET x = 1, x = 2"))
    assert info.value.context.errors[0]["code"] == 3081
    with pytest.raises(ParsingFailedException):
        fe.collect_rows(fe.cluster.query("SELECT 1 UNION"))


def test_merge(fe, request):
    prefix = f"m-{request.node.callspec.id}-"
    source = f"[{{'k': '{prefix}a', 'n': 1}}, {{'k': 'order_1', 'n': 0}}]"
    rows = rows_of(fe, f"MERGE INTO default t USING {source} AS s ON KEY s.k "
                       "WHEN MATCHED THEN UPDATE SET t.touched = true "
                       "WHEN NOT MATCHED THEN INSERT {'n': s.n} RETURNING RAW META(t).id")
    assert sorted(rows) == [f"{prefix}a", "order_1"]
    assert fe.get(f"{prefix}a").content_as[dict] == {"n": 1}
    assert fe.get("order_1").content_as[dict]["touched"] is True


def test_update_for(fe, request):
    key = f"cart-{request.node.callspec.id}"
    fe.upsert(key, {"lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}]})
    rows = rows_of(fe, f"UPDATE default USE KEYS '{key}' SET l.qty = l.qty + 10 FOR l IN lines "
                       "WHEN l.sku = 'b' END RETURNING RAW lines")
    assert rows == [[{"sku": "a", "qty": 1}, {"sku": "b", "qty": 12}]]
    assert fe.get(key).content_as[dict]["lines"][1] == {"sku": "b", "qty": 12}


def test_window_functions(fe):
    rows = rows_of(fe, "SELECT o.customer, o.total, "
                       "RANK() OVER (PARTITION BY o.customer ORDER BY o.total DESC) AS rk, "
                       "SUM(o.total) OVER (PARTITION BY o.customer) AS spent FROM default o "
                       "WHERE o.type = 'order' ORDER BY o.customer, rk")
    assert rows == [{"customer": "cust_0", "total": 20, "rk": 1, "spent": 20},
                    {"customer": "cust_0", "total": 0, "rk": 2, "spent": 20},
                    {"customer": "cust_1", "total": 30, "rk": 1, "spent": 40},
                    {"customer": "cust_1", "total": 10, "rk": 2, "spent": 40}]
