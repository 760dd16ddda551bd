"""Scope: a namespace of collections inside a bucket."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from couchbase import _requests
from couchbase._common import DEFAULT, check_name
from couchbase.collection import Collection
from couchbase.management._access import ScopeManagement

if TYPE_CHECKING:
    from couchbase.bucket import Bucket


class Scope(ScopeManagement):
    """A bucket's scope; ``scope.collection(name)`` opens a collection."""

    def __init__(self, bucket: "Bucket", name: str = DEFAULT) -> None:
        self.bucket = bucket
        self.name = check_name("scope", name)

    @property
    def bucket_name(self) -> str:
        return self.bucket.name

    def collection(self, name: str) -> Collection:
        """The named collection of this scope."""
        return Collection(self, name)

    def query(self, statement: str, *options: Any, **kwargs: Any) -> Any:
        """N1QL scoped to this bucket and scope (``query_context``); see Cluster.query."""
        request = _requests.query(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        return _requests.blocking(request, self.bucket._conn)

    def analytics_query(self, statement: str, *options: Any, **kwargs: Any) -> Any:
        """Analytics scoped to this bucket and scope; see Cluster.analytics_query."""
        request = _requests.analytics(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        return _requests.blocking(request, self.bucket._conn)

    def search_query(self, index: str, query: Any, *options: Any, **kwargs: Any) -> Any:
        """Full-text search on this scope's search index ``index`` (a scope-level index, Couchbase
        Server 7.6+, as SDK 4.x); ``collections=[...]`` narrows the hits to those collections.
        See Cluster.search_query."""
        request = _requests.search(_requests.scoped_index(self.bucket.name, self.name, index), query, options,
                                   kwargs)
        return _requests.blocking(request, self.bucket._conn)

    def search(self, index: str, request: Any, *options: Any, **kwargs: Any) -> Any:
        """SDK 4.x: ``search(index, SearchRequest.create(query), SearchOptions(...))`` (a plain
        SearchQuery is taken too); see search_query."""
        return self.search_query(index, request, *options, **kwargs)

    def default_collection(self) -> Collection:
        return Collection(self, DEFAULT)

    def __repr__(self) -> str:
        return f"Scope(bucket={self.bucket.name!r}, name={self.name!r})"
