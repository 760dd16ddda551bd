"""AnalyticsIndexManager for acouchbase: ``cluster.analytics_indexes()``
(see :mod:`couchbase.management.analytics`).
"""
from __future__ import annotations

from couchbase.management.analytics import (  # noqa: F401 - re-exported
    AnalyticsDataset,
    AnalyticsDataType,
    AnalyticsEncryptionLevel,
    AnalyticsIndex,
    AnalyticsIndexManager,
    AnalyticsLink,
    AnalyticsLinkType,
    AzureBlobExternalAnalyticsLink,
    CouchbaseAnalyticsEncryptionSettings,
    CouchbaseRemoteAnalyticsLink,
    S3ExternalAnalyticsLink,
)

__all__ = [
    'AnalyticsIndexManager',
    'AnalyticsDataset',
    'AnalyticsDataType',
    'AnalyticsIndex',
    'AnalyticsLinkType',
    'AnalyticsEncryptionLevel',
    'AnalyticsLink',
    'CouchbaseAnalyticsEncryptionSettings',
    'CouchbaseRemoteAnalyticsLink',
    'S3ExternalAnalyticsLink',
    'AzureBlobExternalAnalyticsLink',
]
