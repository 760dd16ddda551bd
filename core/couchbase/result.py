"""Result types under their SDK 4.x module name (``from couchbase.result import GetResult``).

The classes are defined in :mod:`couchbase.results` (the earlier name, still importable); the
query-service results are defined with their services and re-exported here. ``HttpResult`` is what
the 1.x design-document methods return; ``MultiResultType`` is SDK 4.x's annotation of a multi
operation's result.
"""
from typing import Union

from couchbase._legacy import HttpResult as HttpResult  # noqa: F401
from couchbase.analytics import AnalyticsResult as AnalyticsResult  # noqa: F401
from couchbase.n1ql import QueryResult as QueryResult  # noqa: F401
from couchbase.results import *  # noqa: F401,F403
from couchbase.results import (  # noqa: F401
    ClusterInfoResult,
    ContentProxy,
    ContentSubdocProxy,
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
from couchbase.search import SearchResult as SearchResult  # noqa: F401
from couchbase.views import ViewResult as ViewResult  # noqa: F401

#: A multi operation's result (SDK 4.x's annotation).
MultiResultType = Union[MultiGetResult, MultiMutationResult]
