"""The 1.x view iterator: what ``cb.query(design, view, ...)`` returns.

Iterating a :class:`View` runs the query (through the same view request every API uses)
and yields what its row processor makes of the raw rows: by default :class:`ViewRow`
named tuples ``(key, value, docid, doc)``, where ``doc`` is the document's result when
``include_docs=True`` (fetched with one pipelined ``get_multi`` per batch of rows).

A custom row processor is any object with ``handle_rows(rows, connection, include_docs)``
that takes a list of raw rows (dicts with ``id``, ``key``, ``value``) and returns an
iterable of whatever the application wants (see :class:`RowProcessor`).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Dict, Iterable, Iterator, List, Optional

from couchbase.exceptions import InvalidArgumentException
from couchbase.views.params import UNSPEC, Query, query_from_class

__all__ = ["View", "ViewRow", "RowProcessor", "MAX_URIPATH_LENGTH"]

MAX_URIPATH_LENGTH = 2048


class ViewRow(namedtuple("ViewRow", ["key", "value", "docid", "doc"])):
    """One view row: ``key``, ``value``, ``docid`` (also ``id``) and ``doc`` (a result, with
    include_docs; else None)."""

    __slots__ = ()

    @property
    def id(self) -> Any:  # noqa: A003 - the 1.x name, beside docid
        return self.docid


class RowProcessor:
    """Turns raw view rows into :class:`ViewRow` objects (subclass or duck-type it)."""

    def __init__(self, rowclass: Any = ViewRow) -> None:
        self.rowclass = rowclass

    def handle_rows(self, rows: List[Dict[str, Any]], connection: Any, include_docs: bool) -> Iterable[Any]:
        """Rows → objects. ``connection`` is the Connection (for include_docs' ``get_multi``)."""
        docs: Dict[Any, Any] = {}
        if include_docs:
            ids = list(dict.fromkeys(r["id"] for r in rows if r.get("id") is not None))
            if ids:
                docs = dict(connection.get_multi(ids, quiet=True).items())
        return [self.rowclass(r.get("key"), r.get("value"), r.get("id"), docs.get(r.get("id"))) for r in rows]


# options the query method handles itself; everything else goes to the server
_METHOD_OPTIONS = ("include_docs", "streaming", "row_processor", "query", "use_devmode", "itercls")


class View:
    """An iterable view query (1.x ``couchbase.views.iterator.View``).

    :param parent: the Connection the query runs on.
    :param design: design document name; :param view: view name.
    :param row_processor: object with ``handle_rows(rows, connection, include_docs)``.
    :param include_docs: fetch each row's document (``row.doc``).
    :param query: a :class:`~couchbase.views.params.Query`, or an encoded query string.
    :param streaming: hand rows to the row processor in batches as they arrive, instead of
        all at once (the rows and their order are the same).
    :param params: other view parameters (``limit=``, ``mapkey_range=``, ``stale=``, ...),
        merged over ``query``.

    After iteration, ``indexed_rows`` (also ``total_rows``) holds the index's row count.
    """

    def __init__(
        self,
        parent: Any,
        design: str,
        view: str,
        row_processor: Any = None,
        include_docs: bool = False,
        query: Any = None,
        streaming: bool = False,
        use_devmode: bool = False,
        **params: Any,
    ) -> None:
        for what, value in (("design", design), ("view", view)):
            if not isinstance(value, str) or not value:
                raise InvalidArgumentException(
                    message=f"query: the {what} name must be a non-empty str, got {value!r}"
                )
        if row_processor is not None and not callable(getattr(row_processor, "handle_rows", None)):
            raise InvalidArgumentException(
                message="row_processor must have handle_rows(rows, connection, include_docs), "
                        f"got {row_processor!r}"
            )
        self._parent = parent
        self.design = ("dev_" + design) if use_devmode and not design.startswith("dev_") else design
        self.view = view
        self.row_processor = row_processor if row_processor is not None else RowProcessor()
        self.include_docs = bool(include_docs)
        self.streaming = bool(streaming)
        self._raw_query: Optional[str] = None
        if isinstance(query, str):
            self._raw_query = query
            query_obj = Query()
        elif isinstance(query, type) and issubclass(query, Query):
            query_obj = query_from_class(query)
        elif query is None:
            query_obj = Query()
        elif isinstance(query, Query):
            query_obj = query._copy()
        else:
            raise InvalidArgumentException(message=f"query must be a Query or a query string, got {query!r}")
        query_obj.update(**{k: v for k, v in params.items()})
        self.query = query_obj
        self.indexed_rows: Optional[int] = None
        self._rows_per_call = 100

    @property
    def total_rows(self) -> Optional[int]:
        return self.indexed_rows

    def _options(self) -> Dict[str, Any]:
        return self.query.options()

    def _raw_rows(self) -> Iterator[List[Dict[str, Any]]]:
        """Batches of raw rows as dicts (one batch unless streaming)."""
        args = (self._raw_query,) if self._raw_query else ()
        result = self._parent._view_rows(self.design, self.view, args, self._options())
        batch: List[Dict[str, Any]] = []
        for row in result:
            batch.append({"id": row.id, "key": row.key, "value": row.value})
            if self.streaming and len(batch) >= self._rows_per_call:
                yield batch
                batch = []
        if batch:
            yield batch
        self.indexed_rows = result.metadata().total_rows()

    def __iter__(self) -> Iterator[Any]:
        for batch in self._raw_rows():
            for obj in self.row_processor.handle_rows(batch, self._parent, self.include_docs):
                yield obj

    def __repr__(self) -> str:
        return f"View(design={self.design!r}, view={self.view!r}, query={self.query!r})"


# UNSPEC re-exported for code that imports it from here
UNSPEC = UNSPEC
