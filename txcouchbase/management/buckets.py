"""BucketManager for txcouchbase: ``cluster.buckets()`` (see :mod:`couchbase.management.buckets`)."""
from couchbase.management.buckets import *  # noqa: F401,F403 - the core's public names
from couchbase.management.buckets import __all__  # noqa: F401
