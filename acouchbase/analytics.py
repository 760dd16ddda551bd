"""``acouchbase.analytics`` (SDK 4.x module path): the class of what ``analytics_query()`` returns on
acouchbase (rows with ``async for``; also a :class:`couchbase.analytics.AnalyticsResult`)."""
from acouchbase.cluster import AAnalyticsResult

#: The class of acouchbase's analytics results.
AsyncAnalyticsRequest = AAnalyticsResult

__all__ = ["AsyncAnalyticsRequest"]
