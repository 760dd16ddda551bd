"""Data structures on documents (SDK 4.x module ``couchbase.datastructures``).

``coll.couchbase_list(key)`` / ``couchbase_map`` / ``couchbase_set`` / ``couchbase_queue`` give
objects over one JSON document (created on first use); the collection methods ``list_append``,
``map_add``, ``set_add``, ``queue_push`` … work on the document directly (``create=True`` creates it).
On acouchbase every method returns an awaitable, on txcouchbase a Deferred.
"""
from couchbase._datastructures import CouchbaseList, CouchbaseMap, CouchbaseQueue, CouchbaseSet

__all__ = ["CouchbaseList", "CouchbaseMap", "CouchbaseQueue", "CouchbaseSet"]
