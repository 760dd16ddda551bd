"""``acouchbase.search`` (SDK 4.x module path): the class of what ``search_query()`` / ``search()``
return on acouchbase (hits with ``async for``, ``facets()``; also a
:class:`couchbase.search.SearchResult`)."""
from acouchbase.cluster import ASearchResult

#: The class of acouchbase's search results.
AsyncFullTextSearchRequest = ASearchResult

__all__ = ["AsyncFullTextSearchRequest"]
