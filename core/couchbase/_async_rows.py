"""Streaming rows (query, analytics, search, views) on an event loop.

:class:`AsyncRows` receives rows from the response callback into a buffer and
wakes its front end through ``_wake`` (a future, a Deferred, a greenlet, or
raw callbacks). Back-pressure: a stream whose buffer passes ``HIGH_WATER`` rows
is *behind* until its consumer has taken the buffer below ``LOW_WATER``. When
everything in flight on the connection is a stream that is behind, reading from
that connection's sockets is paused (:meth:`IOPS.pause_reading`); any new
operation on the connection resumes reading at once, so a consumer that awaits
a key-value operation (or another query) between rows never deadlocks, and a
stream whose consumer went away (an abandoned iteration) cannot hold back the
others. Timers keep running while paused, so timeouts still fire.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Optional

from couchbase._requests import ServiceRequest
from couchbase._services import RowStream
from couchbase.exceptions import InvalidArgumentException, RequestCanceledException

if TYPE_CHECKING:
    from couchbase._instance import Connection

HIGH_WATER = 2000
LOW_WATER = 200


class AsyncRows:
    """The rows and metadata of one request; front ends subclass it for their idiom."""

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
        if len(self.buffer) >= HIGH_WATER:
            conn = self._conn
            if not self._behind:
                self._behind = True
                conn.streams_behind += 1
            iops = conn.iops
            if iops is not None and not iops.paused and conn.streams_behind >= len(conn.pending):
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
        if iops is not None and iops.paused and not self._conn.closed:
            iops.resume_reading()

    # ---- for consumers -------------------------------------------------------
    def take(self) -> Any:
        """The next buffered row (the buffer must not be empty)."""
        row = self.buffer.popleft()
        if len(self.buffer) <= LOW_WATER and self._behind:
            self._caught_up()
            self._resume()
        return row

    def take_all(self) -> list:
        """Every buffered row."""
        rows = list(self.buffer)
        self.buffer.clear()
        self._caught_up()
        self._resume()
        return rows

    def metadata(self) -> Any:
        """The request's metadata object (``QueryMetaData``, ``SearchMetaData``, …), once done."""
        if not self.done:
            raise InvalidArgumentException(message="metadata() is available once every row has been received")
        if self.error is not None:
            raise self.error
        return self._request.metadata(self._meta or {})

    def cancel(self) -> None:
        """Stop the request; rows not yet received are dropped."""
        stream = self._stream
        if stream is not None and not stream.done:
            stream.cancel()
        elif not self.done:
            self._fail(RequestCanceledException(message="the request was cancelled"))
        self._resume()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} buffered={len(self.buffer)} done={self.done}>"
