"""Streaming rows (query, analytics, search, views) on an event loop.

:class:`AsyncRows` receives rows from the response callback into a buffer and
wakes its front end through ``_wake`` (a future, a Deferred, a greenlet, or
raw callbacks). Back-pressure: a stream whose buffer reaches ``max_buffered_rows``
rows or ``max_buffered_bytes`` bytes of row JSON is *behind* until its consumer
has taken the buffer below a tenth of both. While it is behind, the one socket
its rows come from is not read (:meth:`IOPS.hold_reading`; not for views with
``include_docs``, whose rows come from key-value replies): every other socket
of the connection keeps going, so a consumer that awaits a key-value operation
(or another query) between rows never deadlocks, and the stream's buffer stays
within its limits (plus the rows of one socket read, libcouchbase's
``read_chunk_size``) whatever the size of the result and whatever else is in
flight. When everything in flight on the connection is a stream that is behind,
reading from all its sockets is paused as well (:meth:`IOPS.pause_reading`); any
new operation resumes it. Timers keep running while held or paused, so
timeouts still fire.

The limits are class attributes: set them on ``AsyncRows`` (every stream) or on
one result before iterating it.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Optional

from couchbase._requests import ServiceRequest
from couchbase._services import RowStream
from couchbase.exceptions import InvalidArgumentException, RequestCanceledException
from couchbase.iops import dispatching_watcher

if TYPE_CHECKING:
    from couchbase._instance import Connection

HIGH_WATER = 2000  # default max_buffered_rows
HIGH_WATER_BYTES = 4 << 20  # default max_buffered_bytes
LOW_WATER = 200  # kept for compatibility: a tenth of the default row limit


class AsyncRows:
    """The rows and metadata of one request; front ends subclass it for their idiom.

    ``max_buffered_rows`` / ``max_buffered_bytes``: how many received rows (and
    bytes of their JSON) may wait for the consumer before the stream's socket
    stops being read.
    """

    max_buffered_rows: int = HIGH_WATER
    max_buffered_bytes: int = HIGH_WATER_BYTES

    def __init__(self, conn: "Connection", request: ServiceRequest) -> None:
        self._conn = conn
        self._request = request
        self._present = request.row
        self.buffer: Deque[Any] = deque()
        self.done = False
        self.error: Optional[BaseException] = None
        self._meta: Any = None
        self._stream: Optional[RowStream] = None
        self._wake: Optional[Callable[[], Any]] = None  # set by the front end
        self._behind = False  # counted in the connection's streams_behind
        self._sizes: Deque[int] = deque()  # JSON bytes of each buffered row
        self.buffered_bytes = 0
        self._held: Any = None  # the watcher whose reading this stream holds back

    # ---- the stream ----------------------------------------------------------
    def _schedule(self) -> None:
        stream = self._request.schedule(self._conn)
        stream.on_row = self._on_row
        stream.on_done = self._on_done
        stream.high_water = 1 << 62  # rows never wait in the stream's own buffer
        self._stream = stream

    def _fail(self, exc: BaseException) -> None:
        """The request could not start (connection failed, bad schedule)."""
        if not self.done:
            self.error = exc
            self.done = True
            self._notify()

    def _on_row(self, row: Any) -> None:
        present = self._present
        self.buffer.append(present(row) if present is not None else row)
        stream = self._stream
        nbytes = stream.row_nbytes if stream is not None else 0
        self._sizes.append(nbytes)
        self.buffered_bytes += nbytes
        if len(self.buffer) >= self.max_buffered_rows or self.buffered_bytes >= self.max_buffered_bytes:
            conn = self._conn
            if not self._behind:
                self._behind = True
                conn.streams_behind += 1
            iops = conn.iops
            if iops is not None:
                watcher = dispatching_watcher()
                if watcher is not None and self._held is None and watcher._iops is iops \
                        and not (stream is not None and stream.rows_from_kv):
                    self._held = watcher
                    iops.hold_reading(watcher)
                if not iops.paused and conn.streams_behind >= len(conn.pending):
                    iops.pause_reading()
        self._notify()

    def _on_done(self, stream: RowStream) -> None:
        self.done = True
        self.error = stream.error
        self._meta = stream.meta
        self._caught_up()  # no longer in flight, so no longer holding reading back
        self._resume()
        self._notify()

    def _notify(self) -> None:
        wake = self._wake
        if wake is not None:
            wake()

    def _caught_up(self) -> None:
        if self._behind:
            self._behind = False
            self._conn.streams_behind -= 1

    def _resume(self) -> None:
        iops = self._conn.iops
        held, self._held = self._held, None
        if iops is None or self._conn.closed:
            return
        if held is not None:
            iops.release_reading(held)
        if iops.paused:
            iops.resume_reading()

    # ---- for consumers -------------------------------------------------------
    def take(self) -> Any:
        """The next buffered row (the buffer must not be empty); for loop adapters.

        Returns:
            The row, decoded.

        Raises:
            IndexError: The buffer is empty.
        """
        row = self.buffer.popleft()
        self.buffered_bytes -= self._sizes.popleft()
        if self._behind and len(self.buffer) <= self.max_buffered_rows // 10 \
                and self.buffered_bytes <= self.max_buffered_bytes // 10:
            self._caught_up()
            self._resume()
        return row

    def take_all(self) -> list[Any]:
        """Every buffered row; for loop adapters.

        Returns:
            list: The rows, oldest first (the buffer is then empty).

        Never raises.
        """
        rows = list(self.buffer)
        self.buffer.clear()
        self._sizes.clear()
        self.buffered_bytes = 0
        self._caught_up()
        self._resume()
        return rows

    def metadata(self) -> Any:
        """The request's metadata, once every row has been received.

        Returns:
            The service's metadata object (``QueryMetaData``, ``AnalyticsMetaData``, ``SearchMetaData``,
            ``ViewMetaData``).

        Raises:
            InvalidArgumentException: Rows are still arriving.
            QueryException: The request failed (its typed exception).
        """
        if not self.done:
            raise InvalidArgumentException(message="metadata() is available once every row has been received")
        if self.error is not None:
            raise self.error
        return self._request.metadata(self._meta or {})

    def cancel(self) -> None:
        """Stop the request; rows not yet received are dropped and iteration ends with
        RequestCanceledException.

        Never raises.
        """
        stream = self._stream
        if stream is not None and not stream.done:
            stream.cancel()
        elif not self.done:
            self._fail(RequestCanceledException(message="the request was cancelled"))
        self._resume()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} buffered={len(self.buffer)} done={self.done}>"
