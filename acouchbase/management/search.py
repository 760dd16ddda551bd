"""SearchIndexManager for acouchbase: ``cluster.search_indexes()``
(see :mod:`couchbase.management.search`).
"""
from __future__ import annotations

from couchbase.management.search import (  # noqa: F401 - re-exported
    ScopeSearchIndexManager,
    SearchIndex,
    SearchIndexManager,
)

__all__ = ['SearchIndexManager', 'ScopeSearchIndexManager', 'SearchIndex']
