"""AnalyticsIndexManager for acouchbase: ``cluster.analytics_indexes()``
(see :mod:`couchbase.management.analytics`).
"""
from __future__ import annotations

from couchbase.management.analytics import (  # noqa: F401 - re-exported
    AnalyticsDataset,
    AnalyticsDataType,
    AnalyticsIndex,
    AnalyticsIndexManager,
    AnalyticsLinkType,
)

__all__ = [
    'AnalyticsIndexManager',
    'AnalyticsDataset',
    'AnalyticsDataType',
    'AnalyticsIndex',
    'AnalyticsLinkType',
]
