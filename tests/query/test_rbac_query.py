"""The query service enforces RBAC roles, seen through every front end: a role that does not grant a
statement's privilege gets the server's 13014 (HTTP 401), which libcouchbase and this SDK raise as
:class:`~couchbase.exceptions.AuthenticationException` (the official SDK 4.x raises the same for
13014), at once and without writing anything."""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Iterator

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import AuthenticationException
from couchbase.management.users import Role, User
from couchbase.management.views import DesignDocument, DesignDocumentNamespace, View
from couchbase.options import ClusterOptions, QueryOptions
from support.frontends import FRONT_ENDS, selected

USERS = {
    "reader": [Role("data_reader", "default"), Role("data_writer", "default")],
    "selector": [Role("query_select", "default", "_default", "_default")],
    "hotels": [Role("query_select", "default", "inv", "hotels")],
    "searcher": [Role("fts_searcher", "default")],
    "analyst": [Role("analytics_select", "default")],
    "viewer": [Role("views_reader", "default")],
}


@pytest.fixture(scope="module")
def rmock() -> Iterator[Any]:
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as m:
        m.put_docs("default", {f"rb-{i}": json.dumps({"n": i}).encode() for i in range(3)})
        m.create_collection("default", "inv", "hotels")
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as admin:
            for name, roles in USERS.items():
                admin.users().upsert_user(User(name, roles=set(roles), password=f"pw-{name}"))
            list(admin.query("CREATE PRIMARY INDEX ON default"))
            list(admin.query("CREATE PRIMARY INDEX ON default.inv.hotels"))
            list(admin.query('INSERT INTO default.inv.hotels (KEY, VALUE) VALUES ("h1", {"name": "Sea"})'))
        m.create_search_index("rb_idx", "default")
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as admin:
            by_n = View("function (doc) { if (doc.n !== undefined) emit(doc.n); }")
            admin.bucket("default").view_indexes().upsert_design_document(
                DesignDocument("rb", {"by_n": by_n}), DesignDocumentNamespace.PRODUCTION)
        yield m


@pytest.fixture(params=selected())
def open_as(request: Any, rmock: Any) -> Iterator[Callable[[str], Any]]:
    """``open_as(user)``: a cluster of this front end, authenticated as ``user``."""
    closers = []

    def opener(name: str) -> Any:
        auth = PasswordAuthenticator(name, f"pw-{name}")
        view, close = FRONT_ENDS[request.param](rmock, authenticator=auth)
        closers.append(close)
        if not hasattr(view, "collect_rows"):
            pytest.skip(f"the {request.param} test view cannot collect rows yet")
        return view

    yield opener
    for close in reversed(closers):
        close()


def _refused(fe: Any, statement: Any, role: str, path: str = "default:default") -> None:
    started = time.monotonic()
    with pytest.raises(AuthenticationException) as info:
        fe.collect_rows(statement())
    assert time.monotonic() - started < 5  # answered at once, not retried until a timeout
    ctx = info.value.context
    assert ctx.http_status == 401
    assert ctx.errors[0]["code"] == 13014
    assert ctx.errors[0]["reason"] == {"missing_role": role, "path": path}


def test_data_roles_do_not_grant_queries(open_as: Callable[[str], Any], rmock: Any) -> None:
    fe = open_as("reader")
    assert fe.get("rb-1").content_as[dict] == {"n": 1}  # KV reads (and writes) are what these roles give
    _refused(fe, lambda: fe.cluster.query("SELECT RAW n FROM default ORDER BY n"), "query_select")
    _refused(fe, lambda: fe.cluster.query("UPDATE default SET n = 0"), "query_update")
    _refused(fe, lambda: fe.cluster.query("DELETE FROM default", QueryOptions(adhoc=False)), "query_delete")
    assert json.loads(rmock.get_doc("default", "rb-1")["value"]) == {"n": 1}  # nothing written
    rows, meta = fe.collect_rows(fe.cluster.query("SELECT RAW 40 + 2"))  # keyless: no keyspace privilege
    assert rows == [42] and meta.status() == "success"


def test_query_select_reads_but_does_not_write(open_as: Callable[[str], Any], rmock: Any) -> None:
    fe = open_as("selector")
    rows, _ = fe.collect_rows(fe.cluster.query("SELECT RAW n FROM default WHERE n IS VALUED ORDER BY n"))
    assert rows == [0, 1, 2]
    _refused(fe, lambda: fe.cluster.query("UPDATE default SET n = 0 WHERE n = 2"), "query_update")
    insert = 'INSERT INTO default (KEY, VALUE) VALUES ("rb-x", 1)'
    _refused(fe, lambda: fe.cluster.query(insert), "query_insert")
    _refused(fe, lambda: fe.cluster.query("CREATE INDEX ix_n ON default(n)"), "query_manage_index")
    _refused(fe, lambda: fe.cluster.query("SELECT name FROM default.inv.hotels"), "query_select",
             "default:default.inv.hotels")
    assert rmock.get_doc("default", "rb-x") is None
    assert json.loads(rmock.get_doc("default", "rb-2")["value"]) == {"n": 2}


def test_a_collection_role_through_a_scope_query(open_as: Callable[[str], Any]) -> None:
    fe = open_as("hotels")
    scope = fe.cluster.bucket("default").scope("inv")
    rows, _ = fe.collect_rows(scope.query("SELECT RAW name FROM hotels"))
    assert rows == ["Sea"]
    _refused(fe, lambda: fe.cluster.query("SELECT RAW n FROM default"), "query_select")


OFFICIAL = """
from couchbase.search import TermQuery
out = {}
for statement in ("UPDATE default SET n = 0", "SELECT RAW 1"):
    try:
        out[statement] = list(cluster.query(statement).rows())
    except Exception as exc:
        out[statement] = type(exc).__name__
try:
    out["search"] = len(list(cluster.search_query("rb_idx", TermQuery("1", field="n")).rows()))
except Exception as exc:
    out["search"] = type(exc).__name__
try:
    out["analytics"] = list(cluster.analytics_query("SELECT RAW d.n FROM default AS d").rows())
except Exception as exc:
    out["analytics"] = type(exc).__name__
try:
    out["views"] = len(list(cluster.bucket("default").view_query("rb", "by_n").rows()))
except Exception as exc:
    out["views"] = type(exc).__name__
print(json.dumps(out))
"""


def test_the_official_sdk_raises_the_same_type(rmock: Any) -> None:
    """The reference for the typed exception: the official SDK 4.x, as a data_reader, on the mock."""
    from support.official_sdk import mock_args, run

    args = {**mock_args(rmock), "username": "reader", "password": "pw-reader"}
    # search's 403 (cbauth's body), analytics' 20001 and views' 403 are InternalServerFailureException
    # to the official SDK 4.6.3; libcouchbase (so this SDK) makes the first two an
    # AuthenticationException and the views one an HTTPException (LCB_ERR_HTTP)
    assert run(OFFICIAL, **args) == {"UPDATE default SET n = 0": AuthenticationException.__name__,
                                     "SELECT RAW 1": [1], "search": "InternalServerFailureException",
                                     "analytics": "InternalServerFailureException",
                                     "views": "InternalServerFailureException"}


def test_search_needs_a_search_role(open_as: Callable[[str], Any]) -> None:
    """The search service checks fts!read on the index's bucket: data and query roles do not grant it
    (cbauth's 403, AuthenticationException); fts_searcher does."""
    from couchbase.search import MatchAllQuery

    for name in ("reader", "selector"):
        fe = open_as(name)
        with pytest.raises(AuthenticationException) as info:
            fe.collect_rows(fe.cluster.search_query("rb_idx", MatchAllQuery()))
        assert info.value.context.http_status == 403
        body = json.loads(info.value.context.response_body)
        assert body["permissions"] == ["cluster.bucket[default].fts!read"]
    fe = open_as("searcher")
    rows, _ = fe.collect_rows(fe.cluster.search_query("rb_idx", MatchAllQuery()))
    assert sorted(r.id for r in rows) == ["rb-0", "rb-1", "rb-2"]


def test_analytics_needs_an_analytics_role(open_as: Callable[[str], Any]) -> None:
    """A dataset is read with analytics!select on its source: data and query roles do not grant it
    (20001, HTTP 403, AuthenticationException); analytics_select on the bucket does."""
    for name in ("reader", "selector"):
        fe = open_as(name)
        with pytest.raises(AuthenticationException) as info:
            fe.collect_rows(fe.cluster.analytics_query("SELECT RAW d.n FROM default AS d"))
        assert info.value.context.http_status == 403
        assert info.value.context.errors[0]["code"] == 20001
    fe = open_as("analyst")
    rows, _ = fe.collect_rows(fe.cluster.analytics_query("SELECT RAW d.n FROM default AS d ORDER BY d.n"))
    assert rows == [0, 1, 2]


def test_views_need_a_views_role(open_as: Callable[[str], Any]) -> None:
    """Querying a view needs views!read on the bucket: data and query roles do not grant it (ns_server's
    403; libcouchbase reports LCB_ERR_HTTP, so an HTTPException); views_reader does."""
    from couchbase.exceptions import HTTPException

    for name in ("reader", "selector"):
        fe = open_as(name)
        bucket = fe.cluster.bucket("default")
        with pytest.raises(HTTPException) as info:
            fe.collect_rows(bucket.view_query("rb", "by_n"))
        assert info.value.context.http_status == 403
        body = json.loads(info.value.context.response_body)
        assert body["permissions"] == ["cluster.bucket[default].views!read"]
    fe = open_as("viewer")
    rows, _ = fe.collect_rows(fe.cluster.bucket("default").view_query("rb", "by_n"))
    assert [r.key for r in rows] == [0, 1, 2]
