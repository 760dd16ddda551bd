"""Query, analytics, search and view results on Twisted.

Two ways to receive the rows of a streaming request:

* Batched: ``TxCluster.query`` (``analytics_query``, ``search_query``,
  ``TxScope.query``/``analytics_query``, ``TxBucket.view_query``) returns a
  Deferred that fires once every row has arrived, with a
  :class:`BatchedQueryResult` / :class:`BatchedAnalyticsResult` /
  :class:`BatchedSearchResult` / :class:`BatchedViewResult` (iterable,
  ``rows()``, ``metadata()``, ``len()``), or errbacks with the typed exception
  (``ParsingFailedException``, ``TimeoutException``, …). Cancelling the
  Deferred cancels the request.

* Streaming into a handler: ``TxCluster.query_ex(cls, statement, ...)``
  (and ``TxScope.query_ex``, ``TxBucket.view_query_ex(cls, ddoc, view, ...)``)
  creates ``handler = cls(request)`` and returns it. The handler protocol:

  - ``on_rows(rows)``: a list of the rows that arrived since the last call;
    called once per reactor turn in which rows arrived, and as soon as
    ``BATCH_ROWS`` rows are waiting, so a large result comes in several
    batches of bounded size;
  - ``on_error(exc)``: once, with the typed exception, if the request fails;
  - ``on_done(metadata)``: once, with the request's metadata
    (``QueryMetaData``, ``ViewMetaData``, …), after the last ``on_rows``.

  Exactly one of ``on_error``/``on_done`` is called. If ``on_rows`` raises, the
  request is cancelled and ``on_error`` receives that exception; an exception
  from ``on_error``/``on_done`` is logged (twisted.logger). ``request`` (kept as
  ``handler.request`` by :class:`RowsHandler`) can ``cancel()`` the request;
  ``on_error`` then gets ``RequestCanceledException``. Subclass
  :class:`RowsHandler`: it implements the protocol with no-ops and adds a
  ``finished`` Deferred that fires with the handler itself once
  ``on_done``/``on_error`` has run (it never errbacks: the error went to
  ``on_error``).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Optional

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from couchbase import analytics as _analytics
from couchbase import n1ql as _n1ql
from couchbase import search as _search
from couchbase import views as _views
from couchbase._async_rows import AsyncRows
from couchbase._instance import Connection
from couchbase._requests import ServiceRequest
from couchbase.exceptions import InvalidArgumentException


class BatchedRowsResult:
    """Every row of a finished request, and its metadata (what the Deferreds of ``query`` & co. fire with).

    Args:
        rows: The rows, in arrival order.
        metadata: The request's metadata object.
    """

    def __init__(self, rows: List[Any], metadata: Any) -> None:
        self._rows = rows
        self._metadata = metadata

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> List[Any]:
        """The rows, as a list.

        Returns:
            list: The rows.

        Never raises.
        """
        return self._rows

    def metadata(self) -> Any:
        """The request's metadata.

        Returns:
            The service's metadata object.

        Never raises.
        """
        return self._metadata

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rows={len(self._rows)})"


class BatchedQueryResult(BatchedRowsResult):
    """N1QL rows and ``metadata()`` (QueryMetaData: status, metrics, warnings, request id)."""

    def metadata(self) -> _n1ql.QueryMetaData:
        """Status, metrics, warnings, request id.

        Returns:
            QueryMetaData: The query's metadata.

        Never raises.
        """
        return self._metadata  # type: ignore[no-any-return]

    def execute(self) -> List[Any]:
        """The rows, as a list (same as :meth:`rows`).

        Returns:
            list: The rows.

        Never raises.
        """
        return self._rows


class BatchedAnalyticsResult(BatchedQueryResult):
    """Analytics rows and ``metadata()`` (AnalyticsMetaData)."""

    def metadata(self) -> _analytics.AnalyticsMetaData:
        """Status, metrics, warnings, request id.

        Returns:
            AnalyticsMetaData: The query's metadata.

        Never raises.
        """
        return self._metadata  # type: ignore[no-any-return]


class BatchedSearchResult(BatchedRowsResult):
    """Search hits (SearchRow), ``metadata()`` (SearchMetaData) and ``facets()``."""

    def metadata(self) -> _search.SearchMetaData:
        """Total hits, max score, took, partition status.

        Returns:
            SearchMetaData: The search's metadata.

        Never raises.
        """
        return self._metadata  # type: ignore[no-any-return]

    def facets(self) -> Dict[str, Any]:
        """The facet results by name (from the metadata).

        Returns:
            dict: Facet name -> its result.

        Never raises.
        """
        return dict(self._metadata.raw().get("facets") or {})


class BatchedViewResult(BatchedRowsResult):
    """View rows (ViewRow), ``metadata()`` (ViewMetaData) and ``total_rows``."""

    def metadata(self) -> _views.ViewMetaData:
        """``total_rows`` and the raw trailer.

        Returns:
            ViewMetaData: The view's metadata.

        Never raises.
        """
        return self._metadata  # type: ignore[no-any-return]

    @property
    def total_rows(self) -> Optional[int]:
        """The number of rows in the view (from the metadata)."""
        return self._metadata.total_rows()  # type: ignore[no-any-return]

    @property
    def indexed_rows(self) -> Optional[int]:
        """The number of rows in the view (the 1.x name of ``total_rows``)."""
        return self.total_rows


_BATCHED = {
    _n1ql.QueryResult: BatchedQueryResult,
    _analytics.AnalyticsResult: BatchedAnalyticsResult,
    _search.SearchResult: BatchedSearchResult,
    _views.ViewResult: BatchedViewResult,
}


class RowsHandler:
    """Base class of the handlers ``query_ex``/``view_query_ex`` stream rows into.

    Override :meth:`on_rows`, :meth:`on_error` and :meth:`on_done` (each a no-op here); call
    ``super().__init__(request)`` if you override ``__init__``. ``finished`` fires with the handler
    once ``on_done`` or ``on_error`` has run.

    Args:
        request: The streaming request (``cancel()`` stops it).

    Attributes:
        request (TxRows): The request.
        finished (Deferred): Fires with the handler when the request is over.
    """

    def __init__(self, request: "TxRows") -> None:
        self.request = request
        self.finished: Deferred[Any] = Deferred()

    def on_rows(self, rows: List[Any]) -> None:
        """A batch of rows, in arrival order (override it).

        Args:
            rows: The rows.

        Never raises.
        """

    def on_error(self, exc: BaseException) -> None:
        """The request failed with the typed exception ``exc`` (override it).

        Args:
            exc: The exception.

        Never raises.
        """

    def on_done(self, metadata: Any) -> None:
        """Every row was delivered (override it).

        Args:
            metadata: The request's metadata.

        Never raises.
        """

    def cancel(self) -> None:
        """Stop the request (``on_error`` gets RequestCanceledException).

        Never raises.
        """
        self.request.cancel()


BATCH_ROWS = 1000


class TxRows(AsyncRows):
    """A streaming request on the reactor: rows are handed on per reactor turn (or per BATCH_ROWS).

    The front end sets a sink: ``_sink_rows(list)`` for each batch and ``_sink_end()`` once the
    request is done (``error``/``metadata()`` tell how).

    Args:
        conn: The connection the request runs on.
        request: The request.
    """

    def __new__(cls, conn: Connection, request: ServiceRequest) -> "TxRows":
        # The generic class stands for all four: a request gets the one of its kind (SDK 4.x names).
        if cls is TxRows:
            cls = _BY_KIND.get(request.blocking_result, cls)
        return super().__new__(cls)

    def __init__(self, conn: Connection, request: ServiceRequest) -> None:
        super().__init__(conn, request)
        self._reactor = conn.iops.reactor  # type: ignore[union-attr]  # a TwistedIOPS
        self._sink_rows: Optional[Callable[[List[Any]], Any]] = None
        self._sink_end: Optional[Callable[[], Any]] = None
        self._flush_due = False
        self._ended = False
        self._wake = self._soon

    def _soon(self) -> None:
        # Called from libcouchbase's dispatch for each row: gather the rows of this turn into one
        # batch, handed on at the next turn (or now, once a batch is full).
        if self._sink_end is None:
            return
        if len(self.buffer) >= BATCH_ROWS:
            self._flush()
        elif not self._flush_due:
            self._flush_due = True
            self._reactor.callLater(0, self._on_turn)

    def _on_turn(self) -> None:
        self._flush_due = False
        self._flush()

    def _flush(self) -> None:
        if self._ended:
            return
        if self.buffer:
            rows = self.take_all()
            try:
                self._sink_rows(rows)  # type: ignore[misc]
            except BaseException as exc:  # noqa: BLE001 - the sink's failure ends the request
                self._ended = True
                self._drop()
                self.error, self.done = exc, True
                self._sink_end()  # type: ignore[misc]
                return
        if self.done:
            self._ended = True
            self._sink_end()  # type: ignore[misc]

    def _drop(self) -> None:
        """Stop the request and forget its rows (its sink has failed)."""
        self.cancel()
        self.take_all()  # dropped (and the stream's socket no longer held back)

    def _attach(self, rows_sink: Callable[[List[Any]], Any], end: Callable[[], Any]) -> None:
        self._sink_rows = rows_sink
        self._sink_end = end
        if self.buffer or self.done:  # anything that came before the sink: hand it on next turn
            self._soon()


class N1QLRequest(TxRows):
    """A N1QL query running on the reactor (SDK 4.x ``txcouchbase.n1ql.N1QLRequest``): what
    ``TxCluster.query``/``TxScope.query`` run, and ``handler.request`` of ``query_ex``."""


class AnalyticsRequest(TxRows):
    """An analytics query running on the reactor (SDK 4.x ``txcouchbase.analytics.AnalyticsRequest``)."""


class FullTextSearchRequest(TxRows):
    """A search request running on the reactor (SDK 4.x ``txcouchbase.search.FullTextSearchRequest``)."""


class ViewRequest(TxRows):
    """A view query running on the reactor (SDK 4.x ``txcouchbase.views.ViewRequest``)."""


_BY_KIND = {_n1ql.QueryResult: N1QLRequest, _analytics.AnalyticsResult: AnalyticsRequest,
            _search.SearchResult: FullTextSearchRequest, _views.ViewResult: ViewRequest}



def batched(rows: TxRows) -> Deferred[Any]:
    """A Deferred firing with the Batched*Result of ``rows`` (or errbacking with its error)."""
    collected: List[Any] = []
    d: Deferred[Any] = Deferred(lambda _d: rows.cancel())

    def end() -> None:
        if d.called:  # cancelled: the late end is dropped
            return
        if rows.error is not None:
            d.errback(Failure(rows.error))
            return
        try:
            cls = _BATCHED.get(rows._request.blocking_result, BatchedRowsResult)
            result = cls(collected, rows.metadata())
        except BaseException as exc:  # noqa: BLE001 - passed on through the Deferred
            d.errback(Failure(exc))
        else:
            d.callback(result)

    rows._attach(collected.extend, end)
    return d


def check_handler_class(cls: Any) -> None:
    """``cls`` must be a class whose instances offer on_rows/on_error/on_done."""
    if not isinstance(cls, type):
        raise InvalidArgumentException(
            message=f"expected a handler class (e.g. a RowsHandler subclass), got {cls!r}")
    missing = [name for name in ("on_rows", "on_error", "on_done") if not callable(getattr(cls, name, None))]
    if missing:
        raise InvalidArgumentException(
            message=f"handler class {cls.__name__} lacks {', '.join(missing)} "
                    f"(subclass txcouchbase.rows.RowsHandler)")


def into_handler(cls: type, report: Callable[[BaseException], Any]) -> Callable[[TxRows], Any]:
    """A ``wrap`` for ``_stream``: create ``cls(rows)`` and stream the rows into it.

    Exceptions from ``on_error``/``on_done`` go to ``report`` (the reactor's log).
    """

    def wrap(rows: TxRows) -> Any:
        try:
            handler = cls(rows)
        except BaseException:
            rows._attach(lambda batch: None, lambda: None)
            rows._drop()
            raise
        finished = getattr(handler, "finished", None) if isinstance(handler, RowsHandler) else None

        def end() -> None:
            error = rows.error
            meta = None
            if error is None:
                try:
                    meta = rows.metadata()
                except BaseException as exc:  # noqa: BLE001
                    error = exc
            try:
                if error is not None:
                    handler.on_error(error)
                else:
                    handler.on_done(meta)
            except BaseException as exc:  # noqa: BLE001 - the handler's own bug: log it
                report(exc)
            if finished is not None and not finished.called:
                finished.callback(handler)

        rows._attach(lambda batch: handler.on_rows(batch), end)
        return handler

    return wrap


__all__ = [
    "BatchedAnalyticsResult",
    "BatchedQueryResult",
    "BatchedRowsResult",
    "BatchedSearchResult",
    "BatchedViewResult",
    "RowsHandler",
    "TxRows",
    "N1QLRequest",
    "AnalyticsRequest",
    "FullTextSearchRequest",
    "ViewRequest",
]
