"""BucketManager for txcouchbase: ``cluster.buckets()`` (see :mod:`couchbase.management.buckets`)."""
from __future__ import annotations

from couchbase.management.buckets import (  # noqa: F401 - re-exported
    BucketManager,
    BucketSettings,
    BucketType,
    CompressionMode,
    ConflictResolutionType,
    CreateBucketSettings,
    EjectionMethod,
    EvictionPolicyType,
    StorageBackend,
)

__all__ = [
    'BucketManager',
    'BucketSettings',
    'BucketType',
    'CompressionMode',
    'ConflictResolutionType',
    'CreateBucketSettings',
    'EjectionMethod',
    'EvictionPolicyType',
    'StorageBackend',
]
