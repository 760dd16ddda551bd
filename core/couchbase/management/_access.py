"""How clusters, buckets and collections of every front end hand out their managers.

Mixed into the blocking classes (``couchbase.cluster.Cluster`` ...) and the
event-loop bases (``couchbase._async``); each front end supplies only
``_mgmt(program)`` on its cluster (the driver of :mod:`couchbase.management._http`
wrapped in its idiom), so a manager behaves the same everywhere and returns the
front end's kind of pending result.
"""
from __future__ import annotations

from typing import Any, Generic, cast

from couchbase._generic import (
    AnalyticsIndexManagerT,
    BucketManagerT,
    ClusterInfoT,
    CollectionManagerT,
    CollectionQueryIndexManagerT,
    EventingFunctionManagerT,
    QueryIndexManagerT,
    ScopeEventingFunctionManagerT,
    ScopeSearchIndexManagerT,
    SearchIndexManagerT,
    UserManagerT,
)
from couchbase.management._http import Call, Program, http_error, json_body
from couchbase.results import ClusterInfoResult

__all__ = ["ClusterManagement", "BucketManagement", "ScopeManagement", "CollectionManagement"]


def _cluster_info() -> Program:
    resp = yield Call("management", "GET", "/pools/default")
    if resp.status != 200:
        raise http_error(resp, "cluster_info")
    return ClusterInfoResult(json_body(resp) or {})


class ClusterManagement(Generic[BucketManagerT, UserManagerT, QueryIndexManagerT, SearchIndexManagerT,
                                 AnalyticsIndexManagerT, EventingFunctionManagerT, ClusterInfoT]):
    """``buckets()``, ``users()``, ``query_indexes()``, ``cluster_info()`` of a cluster.

    Generic in the managers it hands out (their methods return the front end's kind of result),
    which each front end binds in its class statement (:mod:`couchbase._generic`)."""

    def _mgmt(self, program: Program) -> Any:  # pragma: no cover - every front end implements
        raise NotImplementedError

    def buckets(self) -> BucketManagerT:
        """The manager of create, update, drop, flush and list buckets.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            BucketManager: See :class:`~couchbase.management.buckets.BucketManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.buckets import BucketManager

        return cast("BucketManagerT", BucketManager(self._mgmt))

    def users(self) -> UserManagerT:
        """The manager of users, groups and roles (RBAC).

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            UserManager: See :class:`~couchbase.management.users.UserManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.users import UserManager

        return cast("UserManagerT", UserManager(self._mgmt))

    def query_indexes(self) -> QueryIndexManagerT:
        """The manager of the query service's indexes.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            QueryIndexManager: See :class:`~couchbase.management.queries.QueryIndexManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.queries import QueryIndexManager

        return cast("QueryIndexManagerT", QueryIndexManager(self._mgmt))

    def search_indexes(self) -> SearchIndexManagerT:
        """The manager of full-text search indexes.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            SearchIndexManager: See :class:`~couchbase.management.search.SearchIndexManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.search import SearchIndexManager

        return cast("SearchIndexManagerT", SearchIndexManager(self._mgmt))

    def analytics_indexes(self) -> AnalyticsIndexManagerT:
        """The manager of analytics dataverses, datasets, indexes and links.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            AnalyticsIndexManager: See :class:`~couchbase.management.analytics.AnalyticsIndexManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.analytics import AnalyticsIndexManager

        return cast("AnalyticsIndexManagerT", AnalyticsIndexManager(self._mgmt))

    def eventing_functions(self) -> EventingFunctionManagerT:
        """The manager of eventing functions.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            EventingFunctionManager: See :class:`~couchbase.management.eventing.EventingFunctionManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.eventing import EventingFunctionManager

        return cast("EventingFunctionManagerT", EventingFunctionManager(self._mgmt))

    def cluster_info(self) -> ClusterInfoT:
        """The cluster's nodes and server version (``GET /pools/default``).

        Returns:
            ClusterInfoResult: ``server_version``, ``server_version_short``, ``server_version_full``,
            ``is_enterprise``, ``nodes``, ...

        Raises:
            AuthenticationException: The user may not read the cluster's configuration.
            TimeoutException: No answer within the management timeout.
            InternalServerFailureException: Another failure of the management service.
        """
        return cast("ClusterInfoT", self._mgmt(_cluster_info()))


class BucketManagement(Generic[CollectionManagerT]):
    """``collections()`` of a bucket."""

    name: str
    _cluster: Any

    def collections(self) -> CollectionManagerT:
        """The manager of this bucket's scopes and collections.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            CollectionManager: See :class:`~couchbase.management.collections.CollectionManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.collections import CollectionManager

        return cast("CollectionManagerT", CollectionManager(self.name, self._cluster._mgmt))


class ScopeManagement(Generic[ScopeSearchIndexManagerT, ScopeEventingFunctionManagerT]):
    """``search_indexes()`` and ``eventing_functions()`` of a scope."""

    bucket: Any
    name: str

    def search_indexes(self) -> ScopeSearchIndexManagerT:
        """The manager of this scope's search indexes.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            ScopeSearchIndexManager: See :class:`~couchbase.management.search.ScopeSearchIndexManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.search import ScopeSearchIndexManager

        return cast("ScopeSearchIndexManagerT", ScopeSearchIndexManager(
            self.bucket._cluster._mgmt, self.bucket.name, self.name))

    def eventing_functions(self) -> ScopeEventingFunctionManagerT:
        """The manager of this scope's eventing functions.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            ScopeEventingFunctionManager: See
            :class:`~couchbase.management.eventing.ScopeEventingFunctionManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.eventing import ScopeEventingFunctionManager

        return cast("ScopeEventingFunctionManagerT", ScopeEventingFunctionManager(
            self.bucket._cluster._mgmt, self.bucket.name, self.name))


class CollectionManagement(Generic[CollectionQueryIndexManagerT]):
    """``query_indexes()`` of a collection."""

    _scope: Any
    name: str

    def query_indexes(self) -> CollectionQueryIndexManagerT:
        """The manager of this collection's query indexes.

        Its methods return this front end's pending result (a value, an ``AsyncResult``, an awaitable, a
        ``Deferred``).

        Returns:
            CollectionQueryIndexManager: See
            :class:`~couchbase.management.queries.CollectionQueryIndexManager`.

        Never raises (its methods raise).
        """
        from couchbase.management.queries import CollectionQueryIndexManager

        bucket = self._scope.bucket
        return cast("CollectionQueryIndexManagerT", CollectionQueryIndexManager(
            bucket._cluster._mgmt, bucket.name, self._scope.name, self.name))
