"""UserManager for acouchbase: ``cluster.users()`` (see :mod:`couchbase.management.users`)."""
from couchbase.management.users import *  # noqa: F401,F403 - the core's public names
from couchbase.management.users import __all__  # noqa: F401
