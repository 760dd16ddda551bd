"""``txcouchbase.bucket`` (SDK 4.x module path): the Twisted Bucket (Deferreds);
``TxBucket`` is the same class."""
from txcouchbase.cluster import Bucket, TxBucket

__all__ = ["Bucket", "TxBucket"]
