"""``txcouchbase.binary_collection`` (SDK 4.x module path): what ``collection.binary()`` returns.

One class serves every front end: on txcouchbase its ``append``, ``prepend``, ``increment`` and
``decrement`` return Deferreds, as the collection's own do.
"""
from couchbase._kv import BinaryCollection

__all__ = ["BinaryCollection"]
