"""couchbase-cffi on Twisted: ``TxCluster`` (Deferreds) and ``TxRawCluster`` (raw AsyncResults).

Importing this package does not install or import the global reactor; the
installed reactor is looked up when a cluster is created. See
:mod:`txcouchbase.cluster`.
"""
from txcouchbase.cluster import (
    TxBucket,
    TxCluster,
    TxCollection,
    TxRawBucket,
    TxRawCluster,
    TxRawCollection,
    TxRawScope,
    TxScope,
)
from txcouchbase.rows import (
    BatchedAnalyticsResult,
    BatchedQueryResult,
    BatchedSearchResult,
    BatchedViewResult,
    RowsHandler,
)

__all__ = [
    "BatchedAnalyticsResult",
    "BatchedQueryResult",
    "BatchedSearchResult",
    "BatchedViewResult",
    "RowsHandler",
    "TxBucket",
    "TxCluster",
    "TxCollection",
    "TxRawBucket",
    "TxRawCluster",
    "TxRawCollection",
    "TxRawScope",
    "TxScope",
]
