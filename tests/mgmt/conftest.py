"""Fixtures of the management tests: a private two-node mock, a front end with its cluster, and the
mock's administrator on the blocking API (``admin``, to set up users and roles).

``fe`` is the front end's blocking view of ``default._default._default`` (as the
``kv`` fixture gives) with ``fe.cluster``; ``support.mgmt.blocking(fe, obj)`` wraps any object of
that front end (a manager, another collection) so its calls wait for their results
the same way, which keeps one test body per behaviour on every front end.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from support.frontends import FRONT_ENDS, selected


@pytest.fixture(scope="module")
def mmock() -> Iterator[Any]:
    from couchbase_mock import MockCluster

    with MockCluster(nodes=2, replicas=1, buckets=["default", "other"]) as m:
        yield m


@pytest.fixture(params=selected())
def front_end_name(request: Any) -> str:
    return str(request.param)


@pytest.fixture
def open_fe(mmock: Any, front_end_name: str) -> Iterator[Callable[..., Any]]:
    """``open_fe(**cluster_kw)`` opens another cluster of this front end (closed after the test)."""
    closers = []

    def opener(bucket: str = "default", scope: str = "_default", collection: str = "_default",
               **cluster_kw: Any) -> Any:
        view, close = FRONT_ENDS[front_end_name](mmock, bucket, scope, collection, **cluster_kw)
        closers.append(close)
        return view

    yield opener
    for close in reversed(closers):
        try:
            close()
        except Exception:  # noqa: BLE001 - a failing close must not hide the test's outcome
            pass


@pytest.fixture
def fe(open_fe: Callable[..., Any]) -> Any:
    return open_fe()


@pytest.fixture
def admin(mmock: Any) -> Iterator[Any]:
    """A blocking ``Cluster`` of the mock's administrator (closed after the test)."""
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions

    cluster = Cluster(mmock.connstr, ClusterOptions(PasswordAuthenticator(mmock.username, mmock.password)))
    try:
        yield cluster
    finally:
        cluster.close()
