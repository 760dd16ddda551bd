"""``acouchbase.collection`` (SDK 4.x module path): the asyncio Collection."""
from acouchbase.cluster import AsyncCollection, Collection

__all__ = ["AsyncCollection", "Collection"]
