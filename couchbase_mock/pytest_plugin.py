"""pytest fixtures for projects that test against the mock cluster.

``couchbase_mock_cluster``: a session-wide, started
``MockCluster(nodes=3, replicas=1, buckets=["default"])`` (administrator ``Administrator`` /
``password``), stopped at the end of the session; ``couchbase_connstr``: its connection string.
Registered through the ``pytest11`` entry point, so installing this package makes them
available; no configuration is needed. The cluster is shared by every test of the session: a
test that stops nodes, injects faults or advances the clock should start its own
:class:`~couchbase_mock.MockCluster` (or undo what it changed).
"""
from __future__ import annotations

from typing import Iterator

import pytest

from couchbase_mock import MockCluster


@pytest.fixture(scope="session")
def couchbase_mock_cluster() -> Iterator[MockCluster]:
    """The session's mock cluster (3 nodes, 1 replica, bucket ``default``), started once."""
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def couchbase_connstr(couchbase_mock_cluster: MockCluster) -> str:
    """The connection string of ``couchbase_mock_cluster`` (``couchbase://127.0.0.1:P=mcd,...``)."""
    return couchbase_mock_cluster.connstr
