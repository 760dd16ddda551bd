"""``acouchbase.scope`` (SDK 4.x module path): the asyncio Scope."""
from acouchbase.cluster import AsyncScope, Scope

__all__ = ["AsyncScope", "Scope"]
