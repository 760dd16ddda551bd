"""``acouchbase.n1ql`` (SDK 4.x module path): the class of what ``cluster.query()`` /
``scope.query()`` return on acouchbase.

:data:`AsyncN1QLRequest` is that running query: ``async for row in result``, ``await
result.execute()``, ``metadata()``, ``cancel()``. It is also a :class:`couchbase.n1ql.QueryResult`
for ``isinstance``, as in SDK 4.x where acouchbase's query returns that class. The options,
enums and metadata are :mod:`couchbase.n1ql`'s.
"""
from acouchbase.cluster import AQueryResult

#: The class of acouchbase's query results (``isinstance(cluster.query(...), AsyncN1QLRequest)``).
AsyncN1QLRequest = AQueryResult

__all__ = ["AsyncN1QLRequest"]
