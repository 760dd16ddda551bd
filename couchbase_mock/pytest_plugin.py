"""pytest fixtures for projects that test against the mock cluster.

``couchbase_mock_cluster``: a session-wide 3-node cluster with bucket ``default``;
``couchbase_connstr``: its connection string. Registered through the
``pytest11`` entry point, so installing this package makes them available.
"""
from __future__ import annotations

from typing import Iterator

import pytest

from couchbase_mock import MockCluster


@pytest.fixture(scope="session")
def couchbase_mock_cluster() -> Iterator[MockCluster]:
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def couchbase_connstr(couchbase_mock_cluster: MockCluster) -> str:
    return couchbase_mock_cluster.connstr
