"""``txcouchbase.analytics`` (SDK 4.x module path): :class:`AnalyticsRequest`, an analytics query
running on the reactor.

``TxCluster.analytics_query`` runs one and fires its Deferred with a
:class:`~txcouchbase.rows.BatchedAnalyticsResult` once every row is in (see :mod:`txcouchbase.rows`).
"""
from txcouchbase.rows import AnalyticsRequest, BatchedAnalyticsResult

__all__ = ["AnalyticsRequest", "BatchedAnalyticsResult"]
