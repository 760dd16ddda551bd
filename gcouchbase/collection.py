"""``gcouchbase.collection``: the gevent Collection (same module layout as ``acouchbase`` / ``txcouchbase``)."""
from gcouchbase.cluster import Collection

__all__ = ["Collection"]
