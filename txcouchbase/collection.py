"""``txcouchbase.collection`` (SDK 4.x module path): the Twisted Collection (Deferreds);
``TxCollection`` is the same class."""
from txcouchbase.cluster import Collection, TxCollection

__all__ = ["Collection", "TxCollection"]
