"""couchbase-cffi on gevent: the blocking API, cooperative between greenlets.

See :mod:`gcouchbase.cluster`. Works with and without ``gevent.monkey.patch_all()``.
"""
from gcouchbase.cluster import Bucket, Cluster, Collection, Scope

__all__ = ["Bucket", "Cluster", "Collection", "Scope"]
