"""``txcouchbase.views`` (SDK 4.x module path):
:class:`ViewRequest`, a view query running on the reactor.

``TxBucket.view_query`` runs one and fires its Deferred with a
:class:`~txcouchbase.rows.BatchedViewResult` once every row is in; with ``view_query_ex`` the handler's
``request`` is the ViewRequest itself (see :mod:`txcouchbase.rows`).
"""
from txcouchbase.rows import BatchedViewResult, ViewRequest

__all__ = ["ViewRequest", "BatchedViewResult"]
