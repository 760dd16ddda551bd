"""AnalyticsIndexManager for txcouchbase: ``cluster.analytics_indexes()``
(see :mod:`couchbase.management.analytics`).
"""
from couchbase.management.analytics import *  # noqa: F401,F403 - the core's public names
from couchbase.management.analytics import __all__  # noqa: F401
