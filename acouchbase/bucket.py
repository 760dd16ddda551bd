"""``acouchbase.bucket`` (SDK 4.x module path): the asyncio Bucket."""
from acouchbase.cluster import AsyncBucket, Bucket

__all__ = ["AsyncBucket", "Bucket"]
