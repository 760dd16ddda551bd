"""``txcouchbase.search`` (SDK 4.x module path): :class:`FullTextSearchRequest`, a search request
running on the reactor.

``TxCluster.search_query`` runs one and fires its Deferred with a
:class:`~txcouchbase.rows.BatchedSearchResult` once every row is in (see :mod:`txcouchbase.rows`).
"""
from txcouchbase.rows import BatchedSearchResult, FullTextSearchRequest

__all__ = ["FullTextSearchRequest", "BatchedSearchResult"]
