"""``acouchbase.datastructures`` (SDK 4.x module path): the same classes as
:mod:`couchbase.datastructures`; on an acouchbase collection every method returns an awaitable."""
from couchbase._datastructures import CouchbaseList, CouchbaseMap, CouchbaseQueue, CouchbaseSet

__all__ = ["CouchbaseList", "CouchbaseMap", "CouchbaseQueue", "CouchbaseSet"]
