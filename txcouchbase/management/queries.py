"""QueryIndexManager for txcouchbase: ``cluster.query_indexes()``
(see :mod:`couchbase.management.queries`).
"""
from __future__ import annotations

from couchbase.management.queries import (  # noqa: F401 - re-exported
    CollectionQueryIndexManager,
    QueryIndex,
    QueryIndexManager,
)

__all__ = ['QueryIndexManager', 'CollectionQueryIndexManager', 'QueryIndex']
