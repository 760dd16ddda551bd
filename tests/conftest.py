"""Shared fixtures: one mock cluster per session and the front-end matrix.

Behaviour tests take the ``kv`` fixture: a *blocking view* of a collection on
one front end. For the blocking API it is the collection itself; for async
front ends (added by their own packages in ``FRONT_ENDS``) it is a proxy that
calls the real method and drives that front end's loop until the returned
AsyncResult / awaitable / Deferred resolves. One test body therefore runs on
every front end and they cannot drift apart.
"""
from __future__ import annotations

import itertools
import os
from typing import Any, Iterator

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions
from support.frontends import FRONT_ENDS, load_all, selected  # tests/ is on sys.path (rootdir conftest)

load_all()


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--long", action="store_true", default=False,
                     help="run the fault suite's long variants (chaos for 10+ minutes, more operations)")


@pytest.fixture(scope="session")
def long_run(request: Any) -> bool:
    """True under ``pytest --long``: fault tests scale their counts and durations up."""
    return bool(request.config.getoption("--long"))


@pytest.fixture(scope="session")
def mock() -> Iterator[Any]:
    """A 3-node cluster with one replica and buckets ``default`` and ``other``."""
    from couchbase_mock import MockCluster

    with MockCluster(nodes=3, replicas=1, buckets=["default", "other"]) as cluster:
        cluster.create_collection("default", "app", "users")
        yield cluster


@pytest.fixture(params=selected())
def front_end(request: Any) -> str:
    return request.param


@pytest.fixture
def kv(mock: Any, front_end: str) -> Iterator[Any]:
    """A blocking view of the default collection on each front end."""
    view, close = FRONT_ENDS[front_end](mock)
    try:
        yield view
    finally:
        close()


@pytest.fixture
def cluster(mock: Any) -> Iterator[Cluster]:
    c = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                kv_timeout=2.5)
    try:
        yield c
    finally:
        c.close()


_counter = itertools.count()


@pytest.fixture
def key(request: Any) -> str:
    """A key unique to the test (and to this run)."""
    return f"{request.node.name[:60]}-{os.getpid()}-{next(_counter)}"
