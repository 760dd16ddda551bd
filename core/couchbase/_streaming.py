"""Blocking iteration over a streaming service request (shared by every
blocking result type: QueryResult, AnalyticsResult, SearchResult, ViewResult).

Rows are yielded as they arrive: the iterator drains the stream's buffer and
runs libcouchbase's loop only when it is empty, so at most ``high_water`` rows
(``high_water_bytes`` of row JSON), plus what one socket read holds, are held at
once however large the result.
"""
from __future__ import annotations

from abc import ABCMeta
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional

from couchbase._services import RowStream
from couchbase.exceptions import AlreadyQueriedException

if TYPE_CHECKING:
    from couchbase._instance import Connection


class IterateOnce(metaclass=ABCMeta):
    """Rows that can be iterated once, plus rows kept by an early ``metadata()``.

    An abstract base (``ABCMeta``) so that the event-loop front ends' result classes
    register as virtual subclasses of the blocking ones: SDK 4.x code checks
    ``isinstance(result, couchbase.result.QueryResult)`` whatever the front end.

    Subclasses provide ``_generate()`` (the rows as they arrive) and start with
    ``_consumed = False`` and ``_kept = None``; ``_keep_unread()`` is what
    ``metadata()`` calls before it waits for the end of the request.
    """

    _consumed: bool
    _kept: Optional[List[Any]]

    def _generate(self) -> Iterator[Any]:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        if self._kept is not None:
            kept, self._kept = self._kept, None
            self._consumed = True
            return iter(kept)
        if self._consumed:
            raise AlreadyQueriedException(
                message="the rows of a result can be iterated once; use rows() to keep them")
        self._consumed = True
        return self._generate()

    def rows(self) -> Iterator[Any]:
        """Iterate the rows as they arrive (once)."""
        return iter(self)

    def all(self) -> List[Any]:
        """Every row, as a list (runs the request to completion)."""
        return list(self)

    def _keep_unread(self) -> None:
        """Before waiting for the end: keep rows nobody has iterated, for a later iteration."""
        if not self._consumed and self._kept is None:
            self._kept = list(self._generate())


class BlockingRows(IterateOnce):
    """Rows of one request, pulled by iteration; ``metadata()`` after the rows."""

    def __init__(self, conn: "Connection", schedule: Callable[[], RowStream]) -> None:
        self._conn = conn
        with conn.locked():
            self._stream = schedule()
        self._consumed = False
        self._kept: Optional[List[Any]] = None

    def _pump(self) -> None:
        """Run the loop until the stream has rows to give or is done."""
        stream = self._stream
        conn = self._conn
        if not stream.rows:
            stream.buffered_bytes = 0
        with conn.locked():
            conn.wait_for(lambda: bool(stream.rows) or stream.done)

    def _generate(self) -> Iterator[Any]:
        stream = self._stream
        rows = stream.rows
        while True:
            while rows:
                yield rows.popleft()
            if stream.done:
                if stream.error is not None:
                    raise stream.error
                return
            self._pump()

    def _finish(self) -> Dict[str, Any]:
        """Wait for the end of the stream; rows not yet iterated are kept for later iteration."""
        stream = self._stream
        self._keep_unread()
        while not stream.done:
            self._pump()
        if stream.error is not None:
            raise stream.error
        return stream.meta

    def cancel(self) -> None:
        """Stop the request; rows not yet received are dropped."""
        with self._conn.locked():
            self._stream.cancel()

    @property
    def done(self) -> bool:
        return self._stream.done

    @property
    def error(self) -> Optional[BaseException]:
        return self._stream.error
