"""How clusters, buckets and collections of every front end hand out their managers.

Mixed into the blocking classes (``couchbase.cluster.Cluster`` ...) and the
event-loop bases (``couchbase._async``); each front end supplies only
``_mgmt(program)`` on its cluster (the driver of :mod:`couchbase.management._http`
wrapped in its idiom), so a manager behaves the same everywhere and returns the
front end's kind of pending result.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from couchbase.management._http import Call, Program, http_error, json_body
from couchbase.results import ClusterInfoResult

if TYPE_CHECKING:
    from couchbase.management.analytics import AnalyticsIndexManager
    from couchbase.management.buckets import BucketManager
    from couchbase.management.collections import CollectionManager
    from couchbase.management.eventing import EventingFunctionManager, ScopeEventingFunctionManager
    from couchbase.management.queries import CollectionQueryIndexManager, QueryIndexManager
    from couchbase.management.search import ScopeSearchIndexManager, SearchIndexManager
    from couchbase.management.users import UserManager

__all__ = ["ClusterManagement", "BucketManagement", "ScopeManagement", "CollectionManagement"]


def _cluster_info() -> Program:
    resp = yield Call("management", "GET", "/pools/default")
    if resp.status != 200:
        raise http_error(resp, "cluster_info")
    return ClusterInfoResult(json_body(resp) or {})


class ClusterManagement:
    """``buckets()``, ``users()``, ``query_indexes()``, ``cluster_info()`` of a cluster."""

    def _mgmt(self, program: Program) -> Any:  # pragma: no cover - every front end implements
        raise NotImplementedError

    def buckets(self) -> BucketManager:
        """The :class:`~couchbase.management.buckets.BucketManager` of this cluster."""
        from couchbase.management.buckets import BucketManager

        return BucketManager(self._mgmt)

    def users(self) -> UserManager:
        """The :class:`~couchbase.management.users.UserManager` of this cluster."""
        from couchbase.management.users import UserManager

        return UserManager(self._mgmt)

    def query_indexes(self) -> QueryIndexManager:
        """The :class:`~couchbase.management.queries.QueryIndexManager` of this cluster."""
        from couchbase.management.queries import QueryIndexManager

        return QueryIndexManager(self._mgmt)

    def search_indexes(self) -> SearchIndexManager:
        """The :class:`~couchbase.management.search.SearchIndexManager` of this cluster."""
        from couchbase.management.search import SearchIndexManager

        return SearchIndexManager(self._mgmt)

    def analytics_indexes(self) -> AnalyticsIndexManager:
        """The :class:`~couchbase.management.analytics.AnalyticsIndexManager` of this cluster."""
        from couchbase.management.analytics import AnalyticsIndexManager

        return AnalyticsIndexManager(self._mgmt)

    def eventing_functions(self) -> EventingFunctionManager:
        """The :class:`~couchbase.management.eventing.EventingFunctionManager` of this cluster."""
        from couchbase.management.eventing import EventingFunctionManager

        return EventingFunctionManager(self._mgmt)

    def cluster_info(self) -> Any:
        """The cluster's nodes and server version (:class:`~couchbase.result.ClusterInfoResult`:
        ``server_version``, ``server_version_short``, ``server_version_full``, ``is_enterprise``, …)."""
        return self._mgmt(_cluster_info())


class BucketManagement:
    """``collections()`` of a bucket."""

    name: str
    _cluster: Any

    def collections(self) -> CollectionManager:
        """The :class:`~couchbase.management.collections.CollectionManager` of this bucket."""
        from couchbase.management.collections import CollectionManager

        return CollectionManager(self.name, self._cluster._mgmt)


class ScopeManagement:
    """``search_indexes()`` and ``eventing_functions()`` of a scope."""

    bucket: Any
    name: str

    def search_indexes(self) -> ScopeSearchIndexManager:
        """The :class:`~couchbase.management.search.ScopeSearchIndexManager` of this scope."""
        from couchbase.management.search import ScopeSearchIndexManager

        return ScopeSearchIndexManager(self.bucket._cluster._mgmt, self.bucket.name, self.name)

    def eventing_functions(self) -> ScopeEventingFunctionManager:
        """The :class:`~couchbase.management.eventing.ScopeEventingFunctionManager` of this scope."""
        from couchbase.management.eventing import ScopeEventingFunctionManager

        return ScopeEventingFunctionManager(self.bucket._cluster._mgmt, self.bucket.name, self.name)


class CollectionManagement:
    """``query_indexes()`` of a collection."""

    _scope: Any
    name: str

    def query_indexes(self) -> CollectionQueryIndexManager:
        """The :class:`~couchbase.management.queries.CollectionQueryIndexManager` of this collection."""
        from couchbase.management.queries import CollectionQueryIndexManager

        bucket = self._scope.bucket
        return CollectionQueryIndexManager(bucket._cluster._mgmt, bucket.name, self._scope.name, self.name)
