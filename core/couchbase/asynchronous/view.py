"""1.x ``couchbase.async.view`` (``async`` is a keyword in Python 3: ``couchbase.asynchronous.view``).

:class:`AsyncViewBase` receives a view's rows as they arrive: subclass it, implement
``on_rows(rows)``, ``on_error(exc)`` and ``on_done()``, and pass the class (not an
instance) to ``queryEx`` of an event-loop connection (Twisted's
``txcouchbase.connection.Connection.queryEx(MyHandler, "design", "view", **params)``).
After ``on_done``, ``indexed_rows`` holds the index's row count.
"""
from __future__ import annotations

from typing import Any, Iterable

from couchbase.views.iterator import View

__all__ = ["AsyncViewBase"]


class AsyncViewBase(View):
    """A view query whose rows are pushed to ``on_rows`` (constructed by ``queryEx``:
    ``cls(connection, design, view, **params)``)."""

    def on_rows(self, rows: Iterable[Any]) -> None:
        """A batch of rows (what the row processor made of them: ViewRow by default).

        Args:
            rows: The rows.

        Raises:
            NotImplementedError: Not overridden by the subclass.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement on_rows(rows)")

    def on_error(self, ex: BaseException) -> None:
        """The query failed with ``ex`` (an exception, not a Failure); called at most once.

        Args:
            ex: The typed exception.

        Raises:
            NotImplementedError: Not overridden by the subclass.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement on_error(ex)")

    def on_done(self) -> None:
        """Every row has been delivered.

        Raises:
            NotImplementedError: Not overridden by the subclass.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement on_done()")

    def __iter__(self) -> Any:
        from couchbase.exceptions import InvalidArgumentException

        raise InvalidArgumentException(message="an AsyncViewBase is not iterated: its rows go to on_rows "
                                               "(pass the class to queryEx)")
