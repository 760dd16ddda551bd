"""CollectionManager for txcouchbase: ``cluster.bucket(...).collections()``
(see :mod:`couchbase.management.collections`).
"""
from couchbase.management.collections import *  # noqa: F401,F403 - the core's public names
from couchbase.management.collections import __all__  # noqa: F401
