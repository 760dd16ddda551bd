"""``txcouchbase.scope`` (SDK 4.x module path): the Twisted Scope (Deferreds);
``TxScope`` is the same class."""
from txcouchbase.cluster import Scope, TxScope

__all__ = ["Scope", "TxScope"]
