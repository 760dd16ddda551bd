"""SearchIndexManager for acouchbase: ``cluster.search_indexes()``
(see :mod:`couchbase.management.search`).
"""
from couchbase.management.search import *  # noqa: F401,F403 - the core's public names
from couchbase.management.search import __all__  # noqa: F401
