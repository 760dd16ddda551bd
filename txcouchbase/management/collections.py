"""CollectionManager for txcouchbase: ``cluster.bucket(...).collections()``
(see :mod:`couchbase.management.collections`).
"""
from __future__ import annotations

from couchbase.management.collections import (  # noqa: F401 - re-exported
    CollectionManager,
    CollectionSpec,
    CreateCollectionSettings,
    ScopeSpec,
    UpdateCollectionSettings,
)

__all__ = [
    'CollectionManager',
    'CollectionSpec',
    'CreateCollectionSettings',
    'ScopeSpec',
    'UpdateCollectionSettings',
]
