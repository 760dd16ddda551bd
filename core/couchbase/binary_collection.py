"""``couchbase.binary_collection`` (SDK 4.x module path): what ``collection.binary()`` returns."""
from couchbase._kv import BinaryCollection

__all__ = ["BinaryCollection"]
