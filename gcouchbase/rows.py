"""Query, analytics, search and view results for gevent: the blocking result API, cooperative.

``cluster.query(...)`` (and ``analytics_query``, ``search_query``,
``scope.query``, ``bucket.view_query``) returns at once with a result whose
rows stream in as libcouchbase receives them (:class:`~couchbase._async_rows.AsyncRows`
on the hub's loop). Iterating it hands over the rows already buffered and,
when none are left, parks only the iterating greenlet until more arrive; the
hub and every other greenlet keep running meanwhile. The API is the blocking
one's (:class:`couchbase.n1ql.QueryResult` and friends): iterate once (or
``rows()``), ``execute()``/``all()`` for a list, ``metadata()`` once the rows
are in (rows not yet iterated are kept for a later iteration), ``cancel()``;
search adds ``facets()``, views ``total_rows``/``indexed_rows``. Errors of the
request (syntax, timeout, missing index, a closed cluster) are raised from the
iteration or from ``metadata()``, as the blocking API does. Back-pressure is the
core's: reading pauses while many rows wait unread.
"""
from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

from gevent import get_hub
from gevent.hub import Waiter
from gevent.monkey import get_original

from couchbase import analytics as _analytics
from couchbase import n1ql as _n1ql
from couchbase import search as _search
from couchbase import views as _views
from couchbase._async_rows import AsyncRows
from couchbase._instance import Connection
from couchbase._requests import ServiceRequest
from couchbase._streaming import IterateOnce
from couchbase.exceptions import ObjectThreadException

_thread_ident = get_original("_thread", "get_ident")


class RowsResult(IterateOnce, AsyncRows):
    """Rows of one streaming request, iterated cooperatively (base of the result classes)."""

    def __init__(self, conn: Connection, request: ServiceRequest) -> None:
        super().__init__(conn, request)
        self._owner = _thread_ident()
        self._waiter: Optional[Waiter] = None
        self._wake = self._wakeup
        self._consumed = False
        self._kept: Optional[List[Any]] = None

    def _wakeup(self) -> None:
        # Called from libcouchbase's dispatch for every row: never switch from here, and only
        # once per park (the hub resumes the parked greenlet once that dispatch has returned).
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            get_hub().loop.run_callback(waiter.switch, None)

    def _park(self) -> None:
        """Park the calling greenlet until a row or the end arrives."""
        if _thread_ident() != self._owner:
            raise ObjectThreadException(
                message="this result belongs to the thread (gevent hub) that started the request")
        waiter = Waiter()
        self._waiter = waiter
        try:
            waiter.get()
        finally:
            self._waiter = None

    def _generate(self) -> Iterator[Any]:
        buffer = self.buffer
        while True:
            while buffer:
                yield self.take()
            if self.done:
                if self.error is not None:
                    raise self.error
                return
            self._park()

    def _finish(self) -> None:
        """Wait for the end of the request; rows not yet iterated are kept for a later iteration."""
        self._keep_unread()
        while not self.done:
            # An iteration in progress left rows buffered; reading must go on to reach the end.
            self._resume()
            self._park()
        if self.error is not None:
            raise self.error

    def metadata(self) -> Any:
        """The request's metadata (waits for the end of the request; raises its error)."""
        self._finish()
        return super().metadata()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(done={self.done})"


class QueryResult(RowsResult):
    """N1QL rows as they arrive; ``metadata()`` (QueryMetaData) once they are read."""

    def metadata(self) -> _n1ql.QueryMetaData:
        """Status, metrics, warnings, request id (waits for the end of the query)."""
        return super().metadata()  # type: ignore[no-any-return]

    def execute(self) -> List[Any]:
        """All rows, as a list (runs the query to completion)."""
        return list(self)


class AnalyticsResult(QueryResult):
    """Analytics rows as they arrive; ``metadata()`` (AnalyticsMetaData) once they are read."""

    def metadata(self) -> _analytics.AnalyticsMetaData:  # type: ignore[override]
        """Status, metrics, warnings, request id (waits for the end of the query)."""
        return super().metadata()  # type: ignore[return-value]


class SearchResult(RowsResult):
    """Hits (SearchRow) as they arrive; ``metadata()`` and ``facets()`` once read."""

    def metadata(self) -> _search.SearchMetaData:
        """Total hits, max score, took, partition status (waits for the end of the search)."""
        return super().metadata()  # type: ignore[no-any-return]

    def facets(self) -> Dict[str, Any]:
        """The facet results by name (waits for the end of the search)."""
        self._finish()
        return dict((self._meta or {}).get("facets") or {})


class ViewResult(RowsResult):
    """View rows (ViewRow) as they arrive; ``metadata()``/``total_rows`` once they are read."""

    def metadata(self) -> _views.ViewMetaData:
        """``total_rows`` and the raw trailer (waits for the end of the request)."""
        return super().metadata()  # type: ignore[no-any-return]

    @property
    def total_rows(self) -> Optional[int]:
        return self.metadata().total_rows()

    @property
    def indexed_rows(self) -> Optional[int]:
        return self.total_rows


_BY_BLOCKING = {
    _n1ql.QueryResult: QueryResult,
    _analytics.AnalyticsResult: AnalyticsResult,
    _search.SearchResult: SearchResult,
    _views.ViewResult: ViewResult,
}


def result_for(conn: Connection, request: ServiceRequest) -> RowsResult:
    """The gevent result class matching ``request``'s blocking result class."""
    return _BY_BLOCKING.get(request.blocking_result, RowsResult)(conn, request)


__all__ = ["AnalyticsResult", "QueryResult", "RowsResult", "SearchResult", "ViewResult", "result_for"]


# SDK 4.x code checks ``isinstance(result, couchbase.result.QueryResult)`` (and the other three)
# whatever the front end: these classes count as the core's (virtual subclasses of its ABCs).
def _register() -> None:
    from couchbase import result as _core

    for mine, core in ((QueryResult, _core.QueryResult), (AnalyticsResult, _core.AnalyticsResult),
                       (SearchResult, _core.SearchResult), (ViewResult, _core.ViewResult)):
        core.register(mine)


_register()
