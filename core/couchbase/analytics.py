"""Analytics queries: options → request payload, and the blocking result."""
from __future__ import annotations

import enum
from typing import Any, Dict, Mapping, Optional, Tuple

from couchbase import options as _o
from couchbase.exceptions import InvalidArgumentException
from couchbase.n1ql import QueryMetaData, QueryResult

ANALYTICS_OPTIONS = frozenset({
    "positional_parameters", "named_parameters", "priority", "readonly", "read_only", "scan_consistency",
    "client_context_id",
    "timeout", "query_context", "raw",
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
    opts = _o.merge("analytics_query", ANALYTICS_OPTIONS, blocks, kwargs)
    body: Dict[str, Any] = {"statement": statement}
    params = list(opts.get("positional_parameters") or []) + positional
    if params:
        body["args"] = params
    for name, value in (opts.get("named_parameters") or {}).items():
        body[name if name.startswith("$") else "$" + name] = value
    if opts.get("scan_consistency") is not None:
        sc = opts["scan_consistency"]
        body["scan_consistency"] = AnalyticsScanConsistency(getattr(sc, "value", sc)).value
    if opts.get("client_context_id") is not None:
        body["client_context_id"] = str(opts["client_context_id"])
    if "read_only" in opts:  # the SDK 4.x name
        opts["readonly"] = opts.pop("read_only")
    if "readonly" in opts:
        body["readonly"] = bool(opts["readonly"])
    qc = opts.get("query_context", query_context)
    if qc:
        body["query_context"] = qc
    body.update(opts.get("raw") or {})
    return body, opts


class AnalyticsMetaData(QueryMetaData):
    """Request id, status, signature, metrics (with processedObjects) and warnings."""


class AnalyticsResult(QueryResult):
    """Rows of an analytics query as they arrive; ``metadata()`` once they are read."""

    def metadata(self) -> AnalyticsMetaData:
        return AnalyticsMetaData(self._finish())


# SDK 4.x names of the analytics metadata types (analytics answers have the query service's shape)
from couchbase.n1ql import QueryMetrics as AnalyticsMetrics  # noqa: E402
from couchbase.n1ql import QueryStatus as AnalyticsStatus  # noqa: E402
from couchbase.n1ql import QueryWarning as AnalyticsWarning  # noqa: E402

__all__ = ["AnalyticsMetaData", "AnalyticsMetrics", "AnalyticsResult", "AnalyticsScanConsistency",
           "AnalyticsStatus", "AnalyticsWarning"]
