"""``gcouchbase.scope``: the gevent Scope (same module layout as ``acouchbase`` / ``txcouchbase``)."""
from gcouchbase.cluster import Scope

__all__ = ["Scope"]
