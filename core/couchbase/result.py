"""Result types under their SDK 4.x module name (``from couchbase.result import GetResult``).

The classes are defined in :mod:`couchbase.results` (the earlier name, still importable); the
query-service results are defined with their services and re-exported here.
"""
from couchbase.analytics import AnalyticsResult  # noqa: F401
from couchbase.n1ql import QueryResult  # noqa: F401
from couchbase.results import *  # noqa: F401,F403
from couchbase.results import (  # noqa: F401
    ClusterInfoResult,
    CounterResult,
    DiagnosticsResult,
    ExistsResult,
    GetReplicaResult,
    GetResult,
    LookupInReplicaResult,
    LookupInResult,
    MultiCounterResult,
    MultiExistsResult,
    MultiGetReplicaResult,
    MultiGetResult,
    MultiMutationResult,
    MultiResult,
    MutateInResult,
    MutationResult,
    MutationToken,
    OperationResult,
    PingResult,
    Result,
)
from couchbase.search import SearchResult  # noqa: F401
from couchbase.views import ViewResult  # noqa: F401

