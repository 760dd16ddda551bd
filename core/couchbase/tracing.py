"""Plugging your own tracer in (SDK 4.x module ``couchbase.tracing``).

Pass a :class:`CouchbaseTracer` as ``ClusterOptions(tracer=...)``: libcouchbase then reports
every operation's spans to it instead of its own threshold-logging tracer (``enable_tracing``
and the ``tracing_options`` block no longer apply). A key-value operation is one span named
after it (``get``, ``upsert``, ``lookup_in``, …); a query is a ``query`` span with a ``dispatch``
child per HTTP request. libcouchbase sets their attributes: ``db.system`` (``couchbase``),
``db.couchbase.service`` (``kv``, ``query``, …), ``db.operation``, ``db.name`` (the bucket),
``db.couchbase.scope`` / ``db.couchbase.collection``, ``db.couchbase.operation_id``,
``db.couchbase.retries``, ``db.couchbase.server_duration`` (µs), ``net.peer.name`` /
``net.peer.port``, ``db.statement`` for queries, …

The ``parent_span`` option of the key-value operations (single and multi), query, analytics and
search (``GetOptions(parent_span=span)``) makes the operation's span a child of a span of yours (one
your tracer returned or wraps). With no tracer it is accepted and has no effect.

Spans are started, tagged and finished from inside libcouchbase's I/O, on the thread (or event
loop) that runs the operation. A tracer or span method that raises is logged (the
``couchbase.observability`` logger, with its traceback) and the operation carries on. See
:mod:`couchbase.otel_tracer` for an OpenTelemetry tracer ready to use.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Optional


class CouchbaseSpan(ABC):
    """A span of your tracing library, as the SDK sees it.

    Derive from it and implement :meth:`set_attribute` and :meth:`finish` on the span you wrap.

    Args:
        span: The span of your tracing library this object wraps (:attr:`span`).
    """

    def __init__(self, span: Any) -> None:
        self._span = span
        super().__init__()

    @property
    def span(self) -> Any:
        """The wrapped span.

        Returns:
            Any: The span given to the constructor.
        """
        return self._span

    @abstractmethod
    def set_attribute(self, key: str, value: Any) -> None:
        """Set one attribute of the span.

        Args:
            key: The attribute's name (``db.system``, ``db.couchbase.service``, …).
            value: Its value: a str or an int.

        Returns:
            None

        Raises:
            Exception: Whatever the wrapped span raises; it is logged, never passed to the operation.
        """

    @abstractmethod
    def finish(self) -> None:
        """End the span (the operation it stands for is done).

        Returns:
            None

        Raises:
            Exception: Whatever the wrapped span raises; it is logged, never passed to the operation.
        """


class CouchbaseTracer(ABC):
    """A tracer of your tracing library, as the SDK sees it (``ClusterOptions(tracer=...)``).

    Derive from it and implement :meth:`start_span`.

    Args:
        external_tracer: The tracer of your tracing library this object wraps.
    """

    def __init__(self, external_tracer: Any) -> None:
        self._external_tracer = external_tracer
        super().__init__()

    @abstractmethod
    def start_span(self, name: str, parent: Optional[CouchbaseSpan] = None) -> CouchbaseSpan:
        """Start a span.

        Args:
            name: The span's name (the operation: ``get``, ``upsert``, ``query``, ``dispatch``, …).
            parent: The parent span: a ``parent_span`` option or a span started for the same
                operation; None for a top-level span.

        Returns:
            CouchbaseSpan: The new span, wrapping one started by the wrapped tracer.

        Raises:
            Exception: Whatever the wrapped tracer raises; it is logged, and the operation carries
                on untraced.
        """


__all__ = ["CouchbaseSpan", "CouchbaseTracer"]
