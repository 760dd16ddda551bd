"""``txcouchbase.n1ql`` (SDK 4.x module path):
:class:`N1QLRequest`, a N1QL query running on the reactor.

``TxCluster.query`` / ``TxScope.query`` run one and fires its Deferred with a
:class:`~txcouchbase.rows.BatchedQueryResult` once every row is in; with ``query_ex`` the handler's
``request`` is the N1QLRequest itself (see :mod:`txcouchbase.rows`).
"""
from txcouchbase.rows import BatchedQueryResult, N1QLRequest

__all__ = ["N1QLRequest", "BatchedQueryResult"]
