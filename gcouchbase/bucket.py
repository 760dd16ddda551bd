"""``gcouchbase.bucket``: the gevent Bucket (same module layout as ``acouchbase`` / ``txcouchbase``)."""
from gcouchbase.cluster import Bucket

__all__ = ["Bucket"]
