"""Scope: a namespace of collections inside a bucket."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from couchbase import _requests
from couchbase._common import DEFAULT, check_name
from couchbase._generic import Specialized
from couchbase.collection import Collection
from couchbase.management._access import ScopeManagement

if TYPE_CHECKING:
    from couchbase._bound import (  # noqa: F401 - named in the class statement
        BlockingScopeEventingFunctionManager,
        BlockingScopeSearchIndexManager,
    )
    from couchbase._kwargs import AnalyticsArg, QueryArg, SearchQueryArg
    from couchbase.analytics import AnalyticsResult
    from couchbase.bucket import Bucket
    from couchbase.n1ql import QueryResult
    from couchbase.options import SearchOptions
    from couchbase.search import SearchResult


class Scope(Specialized,
            ScopeManagement["BlockingScopeSearchIndexManager", "BlockingScopeEventingFunctionManager"]):
    """A bucket's scope; ``scope.collection(name)`` opens a collection.

    Args:
        bucket: The bucket the scope belongs to.
        name: The scope name (default ``_default``).

    Raises:
        InvalidArgumentException: ``name`` not a non-empty str.
    """

    def __init__(self, bucket: "Bucket", name: str = DEFAULT) -> None:
        self.bucket = bucket
        self.name = check_name("scope", name)

    @property
    def bucket_name(self) -> str:
        """The name of the scope's bucket."""
        bucket: Bucket = self.bucket
        return bucket.name

    def collection(self, name: str) -> Collection:
        """A collection of this scope (no round trip: a missing one fails its operations).

        Args:
            name: The collection name.

        Returns:
            Collection: The collection.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
        """
        return Collection(self, name)

    def query(self, statement: str, *options: QueryArg, **kwargs: Any) -> QueryResult:
        """Run a N1QL statement in this bucket and scope (``query_context``).

        See :meth:`couchbase.cluster.Cluster.query`.

        Args:
            statement: The statement; unqualified keyspaces are collections of this scope.
            *options: :class:`~couchbase.options.QueryOptions` blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            QueryResult: Iterate it for the rows.

        Raises:
            InvalidArgumentException: A bad statement or option.
            QueryException: Raised while iterating: the service refused the statement.
            TimeoutException: Raised while iterating: no complete answer within the query timeout.
        """
        request = _requests.query(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        result: QueryResult = _requests.blocking(request, self.bucket._conn)
        return result

    def analytics_query(self, statement: str, *options: AnalyticsArg, **kwargs: Any) -> AnalyticsResult:
        """Run an analytics statement in this bucket and scope.

        See :meth:`couchbase.cluster.Cluster.analytics_query`.

        Args:
            statement: The statement.
            *options: :class:`~couchbase.options.AnalyticsOptions` blocks, or positional parameters.
            **kwargs: AnalyticsOptions fields, or named parameters.

        Returns:
            AnalyticsResult: Iterate it for the rows.

        Raises:
            InvalidArgumentException: A bad statement or option.
            AnalyticsException: Raised while iterating: the service refused the statement.
            TimeoutException: Raised while iterating: no complete answer within the analytics timeout.
        """
        request = _requests.analytics(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        result: AnalyticsResult = _requests.blocking(request, self.bucket._conn)
        return result

    def search_query(self, index: str, query: SearchQueryArg, *options: SearchOptions,
                     **kwargs: Any) -> SearchResult:
        """Full-text search on this scope's index ``index`` (a scope-level index, Couchbase Server 7.6+, as
        SDK 4.x).

        Args:
            index: The scope-level search index's name.
            query: A :class:`~couchbase.search.SearchQuery` (or SearchRequest).
            *options: :class:`~couchbase.options.SearchOptions` blocks.
            **kwargs: SearchOptions fields by name; ``collections=[...]`` narrows the hits to those
                collections.

        Returns:
            SearchResult: The hits, metadata and facets.

        Raises:
            InvalidArgumentException: Not a SearchRequest or SearchQuery, or a bad option.
            FeatureUnavailableException: A vector search on a cluster before Server 7.6 (no vectorSearch
                capability): raised, or delivered with the hits.
            SearchException: Raised (or delivered) while reading the hits: the service refused the query.
        """
        request = _requests.search(_requests.scoped_index(self.bucket.name, self.name, index), query, options,
                                   kwargs)
        result: SearchResult = _requests.blocking(request, self.bucket._conn)
        return result

    def search(self, index: str, request: SearchQueryArg, *options: SearchOptions,
               **kwargs: Any) -> SearchResult:
        """SDK 4.x: ``search(index, SearchRequest.create(query), SearchOptions(...))``; see
        :meth:`search_query`.

        Args:
            index: The search index's name.
            request: A :class:`~couchbase.search.SearchRequest` (or a SearchQuery).
            *options: :class:`~couchbase.options.SearchOptions` blocks.
            **kwargs: SearchOptions fields by name.

        Returns:
            SearchResult: The hits, metadata and facets.

        Raises:
            InvalidArgumentException: Not a SearchRequest or SearchQuery, or a bad option.
            FeatureUnavailableException: A vector search on a cluster before Server 7.6 (no vectorSearch
                capability): raised, or delivered with the hits.
            SearchException: Raised (or delivered) while reading the hits: the service refused the query.
        """
        return self.search_query(index, request, *options, **kwargs)

    def default_collection(self) -> Collection:
        """The scope's ``_default`` collection.

        Returns:
            Collection: The collection.

        Never raises.
        """
        return Collection(self, DEFAULT)

    def __repr__(self) -> str:
        return f"Scope(bucket={self.bucket.name!r}, name={self.name!r})"
