"""An OpenTelemetry tracer for ``ClusterOptions(tracer=...)`` (SDK 4.x module ``couchbase.otel_tracer``).

Needs the ``opentelemetry-api`` package (``pip install couchbase-cffi[otel]``)::

    from opentelemetry import trace
    from couchbase.otel_tracer import CouchbaseOtelTracer

    tracer = CouchbaseOtelTracer(trace.get_tracer(__name__))
    cluster = Cluster(connstr, ClusterOptions(auth, tracer=tracer))

Each operation is then an OpenTelemetry span (with the attributes libcouchbase sets, see
:mod:`couchbase.tracing`); a ``parent_span`` option takes a :class:`CouchbaseOtelSpan`
(``CouchbaseOtelSpan(otel_span)``).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

try:
    from opentelemetry.trace import Span, Tracer, set_span_in_context
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("couchbase.otel_tracer needs the opentelemetry-api package: "
                      "pip install 'couchbase-cffi[otel]' (or opentelemetry-api)") from exc

from couchbase.tracing import CouchbaseSpan, CouchbaseTracer


class CouchbaseOtelSpan(CouchbaseSpan):
    """An OpenTelemetry span as a :class:`~couchbase.tracing.CouchbaseSpan`.

    Args:
        otel_span: The OpenTelemetry span.
    """

    def __init__(self, otel_span: Span) -> None:
        super().__init__(otel_span)

    def set_attribute(self, key: str, value: Any) -> None:
        """Set an attribute of the OpenTelemetry span.

        Args:
            key: The attribute's name.
            value: Its value.

        Returns:
            None

        Raises:
            Exception: Whatever the OpenTelemetry span raises.
        """
        self.span.set_attribute(key, value)

    def finish(self) -> None:
        """End the OpenTelemetry span.

        Returns:
            None

        Raises:
            Exception: Whatever the OpenTelemetry span raises.
        """
        self.span.end()


class CouchbaseOtelTracer(CouchbaseTracer):
    """An OpenTelemetry tracer as a :class:`~couchbase.tracing.CouchbaseTracer`.

    Args:
        otel_tracer: The OpenTelemetry tracer (``opentelemetry.trace.get_tracer(...)``).
    """

    def __init__(self, otel_tracer: Tracer) -> None:
        super().__init__(otel_tracer)

    def start_span(self, name: str, parent: Optional[CouchbaseSpan] = None) -> CouchbaseOtelSpan:
        """Start an OpenTelemetry span, a child of ``parent``'s when there is one.

        Args:
            name: The span's name.
            parent: The parent span (a :class:`CouchbaseOtelSpan`), or None.

        Returns:
            CouchbaseOtelSpan: The new span.

        Raises:
            Exception: Whatever the OpenTelemetry tracer raises.
        """
        if parent is not None:
            return CouchbaseOtelSpan(self._external_tracer.start_span(
                name, context=set_span_in_context(parent.span)))
        return CouchbaseOtelSpan(self._external_tracer.start_span(name))

    def __deepcopy__(self, memo: Dict[int, Any]) -> None:
        # an OpenTelemetry tracer cannot be deep-copied: a copied options object holds None
        memo[id(self)] = None
        return None


__all__ = ["CouchbaseOtelSpan", "CouchbaseOtelTracer"]
