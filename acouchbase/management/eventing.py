"""EventingFunctionManager for acouchbase: ``cluster.eventing_functions()`` and ``scope.eventing_functions()``
(see :mod:`couchbase.management.eventing`).
"""
from couchbase.management.eventing import *  # noqa: F401,F403 - the core's public names
from couchbase.management.eventing import __all__  # noqa: F401
