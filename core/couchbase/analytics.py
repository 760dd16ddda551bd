"""Analytics queries: options → request payload, and the blocking result."""
from __future__ import annotations

import enum
import uuid
from typing import Any, Dict, Mapping, Optional, Tuple

from couchbase import _observe
from couchbase import options as _o
from couchbase.exceptions import InvalidArgumentException
from couchbase.n1ql import QueryMetaData, QueryMetrics, QueryResult

ANALYTICS_OPTIONS = frozenset({
    "positional_parameters", "named_parameters", "priority", "readonly", "read_only", "scan_consistency",
    "client_context_id",
    "timeout", "query_context", "raw", "parent_span",
})


class AnalyticsScanConsistency(enum.Enum):
    NOT_BOUNDED = "not_bounded"
    REQUEST_PLUS = "request_plus"


def build_payload(statement: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any],
                  query_context: Optional[str] = None) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(JSON body, merged options) of an analytics query."""
    if not isinstance(statement, str) or not statement.strip():
        raise InvalidArgumentException(
            message=f"analytics statement must be a non-empty str, got {statement!r}")
    blocks = tuple(a for a in args if isinstance(a, _o.OptionBlock))
    positional = [a for a in args if not isinstance(a, _o.OptionBlock)]
    # SDK 4.x: keyword arguments that are not analytics options are named parameters (they
    # override the options' named_parameters); positional arguments replace the options' list
    extra_named = {k: v for k, v in kwargs.items() if k not in ANALYTICS_OPTIONS}
    kwargs = {k: v for k, v in kwargs.items() if k in ANALYTICS_OPTIONS}
    opts = _o.merge("analytics_query", ANALYTICS_OPTIONS, blocks, kwargs)
    if opts.get("parent_span") is not None:
        _observe.check_span(opts["parent_span"])
    body: Dict[str, Any] = {"statement": statement}
    params = positional if positional else list(opts.get("positional_parameters") or [])
    if params:
        body["args"] = params
    named = opts.get("named_parameters") or {}
    if not isinstance(named, Mapping):
        raise InvalidArgumentException(message="named_parameters must be a dict")
    for name, value in {**named, **extra_named}.items():
        body[name if name.startswith("$") else "$" + name] = value
    if opts.get("scan_consistency") is not None:
        sc = opts["scan_consistency"]
        body["scan_consistency"] = AnalyticsScanConsistency(getattr(sc, "value", sc)).value
    cid = opts.get("client_context_id")
    body["client_context_id"] = str(cid) if cid is not None else str(uuid.uuid4())
    if "read_only" in opts:  # the SDK 4.x name
        opts["readonly"] = opts.pop("read_only")
    if "readonly" in opts:
        body["readonly"] = bool(opts["readonly"])
    if opts.get("timeout") is not None:
        # libcouchbase 3.3 times an analytics request by the body's "timeout" (a Go duration) and
        # ignores the command's own timeout: the per-request timeout has to travel in the body.
        body["timeout"] = f"{_o.timeout_us(opts['timeout'])}us"
    qc = opts.get("query_context", query_context)
    if qc:
        body["query_context"] = qc
    body.update(opts.get("raw") or {})
    return body, opts


class AnalyticsMetrics(QueryMetrics):
    """Analytics metrics: the query metrics' methods plus ``processed_objects()``."""

    def processed_objects(self) -> Any:
        """The number of objects the analytics service processed.

        Returns:
            UnsignedInt64: The count (0 when not reported).

        Never raises.
        """
        return self._count("processedObjects", "processed_objects")


class AnalyticsMetaData(QueryMetaData):
    """Request id, status, signature, metrics (with processedObjects) and warnings."""

    def metrics(self) -> Optional[AnalyticsMetrics]:
        """The metrics.

        Returns:
            AnalyticsMetrics: The metrics, or None when the request asked for none.

        Never raises.
        """
        m = self._raw.get("metrics")
        return AnalyticsMetrics(m) if m is not None else None


class AnalyticsResult(QueryResult):
    """Rows of an analytics query as they arrive; ``metadata()`` once they are read."""

    def metadata(self) -> AnalyticsMetaData:
        return AnalyticsMetaData(self._finish())


# SDK 4.x names of the analytics metadata types (analytics answers have the query service's shape)
from couchbase.n1ql import QueryStatus as AnalyticsStatus  # noqa: E402
from couchbase.n1ql import QueryWarning as AnalyticsWarning  # noqa: E402

__all__ = ["AnalyticsMetaData", "AnalyticsMetrics", "AnalyticsResult", "AnalyticsScanConsistency",
           "AnalyticsStatus", "AnalyticsWarning"]
