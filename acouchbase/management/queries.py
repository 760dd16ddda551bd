"""QueryIndexManager for acouchbase: ``cluster.query_indexes()`` (see :mod:`couchbase.management.queries`)."""
from couchbase.management.queries import *  # noqa: F401,F403 - the core's public names
from couchbase.management.queries import __all__  # noqa: F401
