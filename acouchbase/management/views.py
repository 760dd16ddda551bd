"""ViewIndexManager for acouchbase: ``cluster.bucket(...).view_indexes()``
(see :mod:`couchbase.management.views`).
"""
from couchbase.management.views import *  # noqa: F401,F403 - the core's public names
from couchbase.management.views import __all__  # noqa: F401
