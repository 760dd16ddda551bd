"""CREATE / DROP SCOPE and COLLECTION through SQL++ on every front end: the new collection is served
at once (KV and query), a dropped one is gone with its documents, and ns_server's refusals come back as
the server's 12025..12028 (typed by libcouchbase as index failures, as the official SDK types them)."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from couchbase.exceptions import IndexFailureException, KeyspaceNotFoundException
from support.frontends import selected
from support.query_views import rows_of, rows_view


@pytest.fixture(scope="module")
def qmock() -> Iterator[Any]:
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as m:
        yield m


@pytest.fixture(params=selected())
def fe(request: Any, qmock: Any) -> Iterator[Any]:
    yield from rows_view(request.param, qmock)


def error_of(fe: Any, statement: str, kind: type) -> dict:
    with pytest.raises(kind) as info:
        fe.collect_rows(fe.cluster.query(statement))
    return info.value.context.errors[0]


def test_scopes_and_collections_come_and_go(fe, request, qmock):
    scope = "s_" + request.node.callspec.id
    path = f"default.{scope}.hotels"
    assert rows_of(fe, f"CREATE SCOPE default.{scope}") == []
    assert rows_of(fe, f"CREATE COLLECTION {path} WITH {{'maxTTL': 3600}}") == []
    assert rows_of(fe, f"CREATE COLLECTION IF NOT EXISTS {path}") == []
    rows_of(fe, f"CREATE PRIMARY INDEX ON {path}")
    rows_of(fe, f"INSERT INTO {path} (KEY, VALUE) VALUES ('h1', {{'name': 'Sea'}})")
    assert rows_of(fe, f"SELECT RAW h.name FROM {path} h") == ["Sea"]
    stored = qmock.get_doc("default", "h1", scope=scope, collection="hotels")
    assert stored is not None and stored["value"] == b'{"name":"Sea"}'

    error = error_of(fe, f"CREATE COLLECTION {path}", IndexFailureException)
    assert error["code"] == 12027 and "already exists" in error["reason"]["error"]
    error = error_of(fe, f"CREATE SCOPE default.{scope}", IndexFailureException)
    assert error["code"] == 12025 and error["msg"] == f"Error while creating scope default:default.{scope}"

    assert rows_of(fe, f"DROP COLLECTION {path}") == []
    with pytest.raises(ValueError, match="no collection"):
        qmock.get_doc("default", "h1", scope=scope, collection="hotels")
    error_of(fe, f"SELECT RAW h.name FROM {path} h", KeyspaceNotFoundException)
    assert rows_of(fe, f"DROP COLLECTION IF EXISTS {path}") == []
    assert rows_of(fe, f"DROP SCOPE default.{scope}") == []
    error = error_of(fe, f"DROP SCOPE default.{scope}", IndexFailureException)
    assert error["code"] == 12026 and "is not found" in error["reason"]["error"]
