"""``gcouchbase.collection``: the gevent Collection (the module layout of ``acouchbase`` and
``txcouchbase``)."""
from gcouchbase.cluster import Collection

__all__ = ["Collection"]
