"""Streaming HTTP-service requests (N1QL, analytics, search, views, management).

A :class:`RowStream` is the pending-registry entry of one request (a
:class:`~couchbase._pending.Pending` whose result is the metadata): libcouchbase
delivers each row, then a final response with the metadata (and the error,
if any), through the same ``pycb_on_response`` path as key-value responses.
Rows are decoded as they arrive and either buffered (blocking and async
iterators pull from the buffer) or pushed to an ``on_row`` hook (raw async,
Twisted handlers).

The blocking front end keeps memory bounded with back-pressure: when the
buffer holds ``high_water`` rows or ``high_water_bytes`` bytes of row JSON, the
row callback calls ``lcb_breakout`` so ``lcb_wait`` returns and the iterator
drains the buffer before reading more from the socket.
"""
from __future__ import annotations

import json
import logging
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, List, Optional

from couchbase import _observe
from couchbase._binding import ffi, lib
from couchbase._json import loads as _json_loads
from couchbase._json import scan_once as _scan_once
from couchbase._pending import Pending
from couchbase.exceptions import (
    AmbiguousTimeoutException,
    AnalyticsErrorContext,
    DesignDocumentNotFoundException,
    HTTPErrorContext,
    HTTPException,
    InvalidArgumentException,
    QueryErrorContext,
    SearchErrorContext,
    TimeoutException,
    ViewErrorContext,
    ViewNotFoundException,
    exception_for,
    status_name,
)
from couchbase.transcoder import decode_with

_log = logging.getLogger("couchbase.search")

if TYPE_CHECKING:
    from couchbase._instance import Connection

QUERY = lib.PYCB_CALLBACK_QUERY
ANALYTICS = lib.PYCB_CALLBACK_ANALYTICS
SEARCH = lib.PYCB_CALLBACK_SEARCH
VIEW = lib.PYCB_CALLBACK_VIEW
HTTP = lib.LCB_CALLBACK_HTTP
_unpack = ffi.unpack

HIGH_WATER = 1024
HIGH_WATER_BYTES = 1 << 20  # rows' JSON bytes a blocking iterator lets libcouchbase buffer before it drains


def _text(ptr: Any, n: int) -> str:
    return ffi.buffer(ptr, n)[:].decode("utf-8", "replace") if n and ptr != ffi.NULL else ""


class ViewRow:
    """One view row: ``key``, ``value``, ``id`` and, with include_docs, ``doc``.

    Args:
        key: The row's key.
        value: The row's value.
        id: The id of the document that emitted it (None for reduced rows).
        doc: The document (with include_docs).
    """

    __slots__ = ("key", "value", "id", "doc")

    def __init__(self, key: Any, value: Any, id: Optional[str], doc: Any = None) -> None:  # noqa: A002
        self.key = key
        self.value = value
        self.id = id
        self.doc = doc

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, ViewRow)
                and (self.key, self.value, self.id) == (other.key, other.value, other.id))

    def __repr__(self) -> str:
        return f"ViewRow(key={self.key!r}, value={self.value!r}, id={self.id!r}, doc={self.doc!r})"


class RowStream(Pending):
    """Rows and metadata of one streaming request; its ``result`` is the metadata."""

    __slots__ = ("kind", "conn", "rows", "meta", "handle", "on_row", "high_water", "high_water_bytes",
                 "context", "row_count", "row_nbytes", "buffered_bytes", "rows_from_kv", "transcoder",
                 "cookie")

    def __init__(self, kind: int, conn: "Connection", context: Dict[str, Any],
                 transcoder: Any = None) -> None:
        super().__init__()
        self.kind = kind
        self.conn = conn
        self.rows: Deque[Any] = deque()
        self.meta: Dict[str, Any] = {}
        self.handle: Any = ffi.NULL
        self.on_row: Optional[Callable[[Any], Any]] = None
        self.high_water = HIGH_WATER
        self.high_water_bytes = HIGH_WATER_BYTES
        self.row_nbytes = 0  # size of the row being delivered (for on_row hooks that bound bytes)
        self.buffered_bytes = 0  # bytes of the rows in ``rows`` (reset by the consumer that empties it)
        self.rows_from_kv = False  # rows are delivered from key-value replies (views with include_docs)
        self.context = context
        self.row_count = 0
        self.transcoder = transcoder
        self.cookie = 0

    # ---- called from the response callback --------------------------------
    def _complete(self, resp: Any) -> None:
        if self.done:
            return
        if not resp.is_final:
            self._take_row(self._decode_row(resp), resp.nvalue)
            return
        if resp.nvalue:
            try:
                self.meta = json.loads(ffi.buffer(resp.value, resp.nvalue)[:])
            except ValueError:
                self.meta = {"raw": _text(resp.value, resp.nvalue)}
        if resp.rc:
            self.error = self._service_error(resp)
        elif self.kind in (QUERY, ANALYTICS):
            self.error = self._meta_error()
        self._notify()

    def _take_row(self, row: Any, nbytes: int) -> None:
        self.row_count += 1
        self.row_nbytes = nbytes
        if self.on_row is not None:
            self.on_row(row)
        else:
            self.rows.append(row)
            self.buffered_bytes += nbytes
            if (len(self.rows) >= self.high_water or self.buffered_bytes >= self.high_water_bytes) \
                    and not self.conn.closed:
                self.conn.breakout()

    def _add_rows(self, data: bytes, ends: List[int]) -> None:
        """Query, analytics or search rows delivered together (one event's), as the JSON array
        ``[row0,row1,...]``: row i ends at ``ends[i]`` and the next starts one byte later. Each is
        taken as ``_complete`` takes a row; a row that fails (bad JSON, a raising ``on_row``) is
        reported as a failed response is, and the rest follow. Buffered rows ask for a break
        once, after the batch (libcouchbase has read them all)."""
        # Buffered ASCII rows (the blocking iterator's) are parsed as that one array by json's C
        # scanner (rows handed to an on_row hook one by one, an event loop's, are parsed row by
        # row: with the array, asyncio's back-pressure test stopped seeing reading paused after
        # test_n1ql ran, not understood yet, so not done there). When the array holds
        # exactly one element per row, element i is what json.loads of row i gives (rows are
        # whole JSON values; anything else fails or miscounts, and then each row goes to
        # json.loads by itself; so does every row without the C scanner, as on PyPy).
        values: Optional[List[Any]] = None
        on_row = self.on_row
        if on_row is None and _scan_once is not None and data.isascii():
            try:
                values, stop = _scan_once(data.decode("ascii"), 0)
            except Exception:  # noqa: BLE001 - not one array of whole rows: row by row below
                values = None
            else:
                if type(values) is not list or len(values) != len(ends) or stop != len(data):
                    values = None
        rows = self.rows
        if values is not None and on_row is None:
            if self.done:
                return
            n = len(ends)
            rows.extend(values)
            self.row_count += n
            self.row_nbytes = ends[-1] - (ends[-2] + 1 if n > 1 else 1)
            self.buffered_bytes += ends[-1] - n  # the rows' bytes: not the "[" nor the commas
        else:
            start = 1
            for i, end in enumerate(ends):
                if self.done:
                    return
                try:
                    if values is not None:
                        row = values[i]
                    else:
                        row = _json_loads(data[start:end]) if start != end else None
                    self.row_count += 1
                    self.row_nbytes = nbytes = end - start
                    if on_row is not None:
                        on_row(row)
                    else:
                        rows.append(row)
                        self.buffered_bytes += nbytes
                except BaseException as exc:  # noqa: BLE001 - as pycb_on_response reports it
                    self.conn._report_callback_error(exc)
                start = end + 1
        if on_row is None and (len(rows) >= self.high_water or self.buffered_bytes >= self.high_water_bytes) \
                and not self.conn.closed and not self.done:
            self.conn.breakout()

    def _meta_error(self) -> Optional[BaseException]:
        """The error of a query that libcouchbase reported as a success: the server answered
        200 and put errors the library does not map (such as timeout 1080) in the metadata."""
        meta = self.meta if isinstance(self.meta, dict) else {}
        errors = meta.get("errors")
        if not errors or not isinstance(errors, list) or meta.get("status") in (None, "success"):
            return None
        first = errors[0] if isinstance(errors[0], dict) else {}
        given = first.get("code")
        code = given if isinstance(given, int) else 0
        if code in _TIMEOUT_CODES or meta.get("status") == "timeout":
            rc = LCB_ERR_TIMEOUT
        elif 5000 <= code < 6000 or 25000 <= code < 26000:
            rc = LCB_ERR_INTERNAL_SERVER_FAILURE
        else:
            rc = LCB_ERR_GENERIC
        message = str(first.get("msg", "")) or None
        context = self.error_context(
            errors=errors, http_status=200, first_error_code=code, first_error_message=message or "",
            response_body=json.dumps(meta))
        return _typed(rc, message, context)

    def _notify(self) -> None:
        self.handle = ffi.NULL  # libcouchbase has let go of the request
        if self.context.get("log_response"):  # SearchOptions(log_response=True)
            _log.info("SEARCH RESPONSE: %s (%d hits)", json.dumps(self.meta, default=str), self.row_count)
        if self.result is None:
            self.result = self.meta
        super()._notify()

    def describe(self) -> str:
        return f"the {self.context.get('service', 'service')} request"

    def _decode_row(self, resp: Any) -> Any:
        nvalue = resp.nvalue
        raw = _unpack(resp.value, nvalue) if nvalue else b""
        if self.kind == VIEW:
            key = json.loads(ffi.buffer(resp.key, resp.nkey)[:]) if resp.nkey else None
            row = _json_loads(raw) if raw else {}
            value = row.get("value") if isinstance(row, dict) and "value" in row else row
            doc = None
            if resp.has_doc and resp.doc_rc == 0:
                docbytes = ffi.buffer(resp.doc, resp.ndoc)[:]
                doc = decode_with(self.transcoder, docbytes, resp.flags) if self.transcoder else docbytes
            return ViewRow(key, value, _text(resp.id, resp.nid) or None, doc)
        if self.kind == HTTP:
            return raw
        return _json_loads(raw) if raw else None

    def _service_error(self, resp: Any) -> BaseException:
        info = ffi.new("pycb_SVCERR *")
        lib.pycb_service_error(self.kind, resp.raw, info)
        body = _text(info.body, info.nbody)
        message = _text(info.message, info.nmessage)
        errors: List[Dict[str, Any]] = []
        try:
            parsed = json.loads(body) if body else {}
            if isinstance(parsed, dict):
                errors = parsed.get("errors") or ([{"msg": parsed["error"]}] if "error" in parsed else [])
        except ValueError:
            pass
        if not errors and isinstance(self.meta, dict):
            errors = self.meta.get("errors", [])
        context = self.error_context(
            errors=errors,
            http_status=info.http_status,
            first_error_code=info.code,
            first_error_message=message,
            endpoint=_text(info.endpoint, info.nendpoint) or None,
            response_body=body or (json.dumps(self.meta) if self.meta else None),
        )
        text = message or (errors[0].get("msg") if errors and isinstance(errors[0], dict) else "") or body
        if self.kind == VIEW:
            view_error = _view_error_class(info.http_status, message)
            if view_error is not None:
                exc: BaseException = view_error(f"{text} [{status_name(resp.rc)} ({resp.rc})]", rc=resp.rc,
                                                context=context)
                return exc
        return _typed(resp.rc, text or None, context)

    def error_context(self, **fields: Any) -> Any:
        """The error context of this request's service (SDK 4.x's class and fields) with ``fields``."""
        ctx = self.context
        service = ctx.get("service")
        payload = ctx.get("payload")
        parameters = json.dumps(payload, separators=(",", ":")) if payload is not None else None
        if service == "search":
            query = payload.get("query") if isinstance(payload, dict) else None
            index = ctx.get("index")
            return SearchErrorContext(
                index_name=index, query=json.dumps(query) if query is not None else None,
                parameters=parameters,
                method="POST", path=f"/api/index/{index}/query", service=service, **fields)
        if service == "views":
            ddoc, view, bucket = ctx.get("design_document"), ctx.get("view"), self.conn.bucket_name
            return ViewErrorContext(
                design_document_name=ddoc, view_name=view, query_string=ctx.get("query_string"),
                method="POST" if ctx.get("post") else "GET", path=f"/{bucket}/_design/{ddoc}/_view/{view}",
                service=service, **fields)
        if service == "http":
            return HTTPErrorContext(path=ctx.get("path"), **fields)
        cls, path = ((AnalyticsErrorContext, "/analytics/service") if service == "analytics"
                     else (QueryErrorContext, "/query/service"))
        return cls(statement=ctx.get("statement"), parameters=parameters,
                   client_context_id=ctx.get("client_context_id"), method="POST", path=path, service=service,
                   **fields)

    def cancel(self) -> None:
        """Stop the request; no further rows are delivered."""
        if not self.done and self.handle != ffi.NULL and not self.conn.closed:
            lib.pycb_cancel_service(self.conn.instance, self.kind, self.handle)
            self.conn.unregister(self)
        self._fail(exception_for(LCB_ERR_REQUEST_CANCELED, "the request was cancelled"))


def _typed(rc: int, message: Optional[str], context: Any) -> BaseException:
    """The exception of a failed service request. A timeout is an AmbiguousTimeoutException (a
    TimeoutException): the request was sent and may have had effects, as SDK 4.x says."""
    exc = exception_for(rc, message, context=context)
    if rc == LCB_ERR_TIMEOUT and type(exc) is TimeoutException:
        return AmbiguousTimeoutException(exc.message, rc=rc, context=context)
    return exc


class _MissingDesignDocument(DesignDocumentNotFoundException, ViewNotFoundException):
    """A view's design document does not exist: DesignDocumentNotFoundException (SDK 4.x), and
    still a ViewNotFoundException, which this SDK raised before."""


class _BadViewParameter(InvalidArgumentException, HTTPException):
    """The view engine refused a parameter (HTTP 400): InvalidArgumentException (SDK 4.x), and
    still an HTTPException, which this SDK raised before."""


# they read as the SDK 4.x classes in tracebacks and reprs
_MissingDesignDocument.__name__ = _MissingDesignDocument.__qualname__ = "DesignDocumentNotFoundException"
_BadViewParameter.__name__ = _BadViewParameter.__qualname__ = "InvalidArgumentException"


def _view_error_class(http_status: int, reason: str) -> Optional[type]:
    """The SDK 4.x class of a view error libcouchbase reports too coarsely: a 404 whose
    reason is ``missing``/``deleted`` names the design document (a missing view in an
    existing one says ``missing_named_view``); a 400 is a bad query parameter."""
    if http_status == 404 and reason in ("missing", "deleted"):
        return _MissingDesignDocument
    if http_status == 400:
        return _BadViewParameter
    return None


LCB_ERR_REQUEST_CANCELED = 202
LCB_ERR_GENERIC = 100
LCB_ERR_TIMEOUT = 201
LCB_ERR_INTERNAL_SERVER_FAILURE = 205
_TIMEOUT_CODES = (1080, 21002)  # query "Timeout ... exceeded", analytics "Request timed out"


def _check(conn: "Connection", stream: RowStream, rc: int, what: str) -> None:
    if rc:
        raise conn.not_scheduled(stream, rc, what)


def _call(conn: "Connection", parent_span: Any, schedule: Callable[..., int], *args: Any) -> int:
    """``schedule(*args)``, with ``parent_span`` (a parent_span option, or None) the parent of the
    request's spans."""
    if parent_span is None:
        return schedule(*args)
    with _observe.parent_span(conn.instance, conn.tracer_id, parent_span):
        return schedule(*args)


def schedule_query(conn: "Connection", payload: Dict[str, Any], *, prepared: bool, timeout_us: int,
                   context: Dict[str, Any], parent_span: Any = None) -> RowStream:
    """POST a N1QL request built from ``payload`` (the server's JSON fields); ``parent_span`` (a
    parent_span option) is the parent of its spans."""
    _bound_reads(conn)
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    stream = RowStream(QUERY, conn, dict(context, service="query", payload=payload))
    cookie = conn.register(stream)
    handle = ffi.new("void **")
    rc = _call(conn, parent_span, lib.pycb_query, conn.instance, cookie, body, len(body), prepared,
               timeout_us, handle)
    _check(conn, stream, rc, "query")
    stream.handle = handle[0]
    return stream


def schedule_analytics(conn: "Connection", payload: Dict[str, Any], *, priority: bool, timeout_us: int,
                       context: Dict[str, Any], parent_span: Any = None) -> RowStream:
    """POST an analytics request (``parent_span``: as for :func:`schedule_query`)."""
    _bound_reads(conn)
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    stream = RowStream(ANALYTICS, conn, dict(context, service="analytics", payload=payload))
    cookie = conn.register(stream)
    handle = ffi.new("void **")
    _check(conn, stream, _call(conn, parent_span, lib.pycb_analytics, conn.instance, cookie, body, len(body),
                               priority, timeout_us, handle),
           "analytics query")
    stream.handle = handle[0]
    return stream


def schedule_search(conn: "Connection", payload: Dict[str, Any], *, timeout_us: int,
                    context: Dict[str, Any], stream: Optional[RowStream] = None,
                    parent_span: Any = None) -> RowStream:
    """POST a full-text search request (``payload`` carries ``indexName``), on ``stream`` when
    one was handed out before the request could be scheduled (see ``_search_caps``);
    ``parent_span``: as for :func:`schedule_query`."""
    _bound_reads(conn)
    body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    if stream is None:
        stream = RowStream(SEARCH, conn, dict(context, service="search"))
    stream.context["payload"] = payload  # for the error context, serialized only on failure
    cookie = conn.register(stream)
    handle = ffi.new("void **")
    _check(conn, stream, _call(conn, parent_span, lib.pycb_search, conn.instance, cookie, body, len(body),
                               timeout_us, handle),
           "search query")
    stream.handle = handle[0]
    return stream


STREAM_READ_CHUNK = 64 * 1024


def _bound_reads(conn: "Connection") -> None:
    """Cap the bytes one socket-read event may deliver, unless the user set a cap.

    libcouchbase's default reads everything the kernel has buffered and hands
    every row in it to the callback at once; on loopback or fast networks that
    is most of a large response, so the high-water breakout alone cannot bound
    memory. With a cap, rows held for a slow consumer stay near one chunk.
    """
    if lib.lcb_cntl_getu32(conn.instance, lib.LCB_CNTL_READ_CHUNKSIZE) == 0:
        lib.lcb_cntl_setu32(conn.instance, lib.LCB_CNTL_READ_CHUNKSIZE, STREAM_READ_CHUNK)


def schedule_view(conn: "Connection", ddoc: str, view: str, options: str, post: bytes, *, include_docs: bool,
                  timeout_us: int, transcoder: Any, context: Dict[str, Any]) -> RowStream:
    """GET (or POST, for ``keys``) a view with an encoded options string."""
    _bound_reads(conn)
    d, v, o = ddoc.encode(), view.encode(), options.encode()
    stream = RowStream(VIEW, conn, dict(context, service="views", query_string=options, post=bool(post)),
                       transcoder)
    # with include_docs libcouchbase delivers each row when its document's KV get completes: rows
    # then arrive while a KV socket is read, which a stream must never hold back (see _async_rows)
    stream.rows_from_kv = include_docs
    cookie = conn.register(stream)
    handle = ffi.new("void **")
    _check(conn, stream, lib.pycb_view(conn.instance, cookie, d, len(d), v, len(v), o, len(o), post,
                                       len(post), include_docs, timeout_us, handle), "view query")
    stream.handle = handle[0]
    return stream


HTTP_TYPES = {"view": 0, "management": 1, "raw": 2, "query": 3, "search": 4, "analytics": 5, "eventing": 7}
HTTP_METHODS = {"GET": 0, "POST": 1, "PUT": 2, "DELETE": 3}


class HttpResponse:
    """Result of a raw HTTP request: status, body bytes and ``json()``."""

    __slots__ = ("status", "body", "path")

    def __init__(self, status: int, body: bytes, path: str) -> None:
        self.status = status
        self.body = body
        self.path = path

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"HttpResponse(status={self.status}, path={self.path!r}, body={self.body[:80]!r})"


class HttpRequest(RowStream):
    """A raw HTTP request (design documents, management): one response, its ``result``."""

    __slots__ = ("response",)

    def __init__(self, conn: "Connection", path: str) -> None:
        super().__init__(HTTP, conn, {"service": "http", "path": path})
        self.response: Optional[HttpResponse] = None

    def _complete(self, resp: Any) -> None:
        if self.done:
            return
        chunk = ffi.buffer(resp.value, resp.nvalue)[:] if resp.nvalue else b""
        if self.response is None:
            self.response = HttpResponse(resp.http_status, chunk, self.context["path"])
        else:
            self.response.body += chunk
            self.response.status = resp.http_status or self.response.status
        if resp.is_final:
            if resp.rc:
                self.error = self._service_error(resp)
            self.result = self.response
            self._notify()


def schedule_http(conn: "Connection", kind: str, method: str, path: str, body: bytes = b"",
                  content_type: str = "application/json", timeout_us: int = 0) -> HttpRequest:
    """Send one HTTP request through libcouchbase (it picks the node and adds credentials)."""
    req = HttpRequest(conn, path)
    cookie = conn.register(req)
    p = path.encode("utf-8")
    _check(conn, req, lib.pycb_http(conn.instance, cookie, HTTP_TYPES[kind], HTTP_METHODS[method], p, len(p),
                                       body, len(body), content_type.encode(), timeout_us),
           f"{method} {path}")
    return req
