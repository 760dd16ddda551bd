"""N1QL (SQL++) queries: options → request payload, and the blocking result."""
from __future__ import annotations

import enum
import json
from typing import Any, Dict, List, Mapping, Optional, Tuple

from couchbase import options as _o
from couchbase._streaming import BlockingRows
from couchbase.exceptions import InvalidArgumentException

QUERY_OPTIONS = frozenset({
    "positional_parameters", "named_parameters", "adhoc", "scan_consistency", "consistent_with",
    "client_context_id", "readonly", "metrics", "profile", "max_parallelism", "pipeline_batch",
    "pipeline_cap", "scan_cap", "scan_wait", "timeout", "flex_index", "preserve_expiry", "query_context",
    "raw",
})


class QueryScanConsistency(enum.Enum):
    NOT_BOUNDED = "not_bounded"
    REQUEST_PLUS = "request_plus"
    AT_PLUS = "at_plus"


class QueryProfile(enum.Enum):
    OFF = "off"
    PHASES = "phases"
    TIMINGS = "timings"


def _ms(name: str, value: Any) -> str:
    return f"{int(_o.to_seconds(name, value) * 1000)}ms"


def build_payload(statement: str, args: Tuple[Any, ...], kwargs: Mapping[str, Any],
                  query_context: Optional[str] = None) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(JSON body, merged options) of a query: ``query(statement, *options_or_params, **options)``.

    Positional arguments that are not QueryOptions are positional parameters.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise InvalidArgumentException(message=f"query statement must be a non-empty str, got {statement!r}")
    blocks = tuple(a for a in args if isinstance(a, _o.OptionBlock))
    positional = [a for a in args if not isinstance(a, _o.OptionBlock)]
    opts = _o.merge("query", QUERY_OPTIONS, blocks, kwargs)
    body: Dict[str, Any] = {"statement": statement}
    params = list(opts.get("positional_parameters") or []) + positional
    if params:
        body["args"] = params
    named = opts.get("named_parameters") or {}
    if not isinstance(named, Mapping):
        raise InvalidArgumentException(message="named_parameters must be a dict")
    for name, value in named.items():
        body[name if name.startswith("$") else "$" + name] = value
    consistency = opts.get("scan_consistency")
    if consistency is not None:
        body["scan_consistency"] = QueryScanConsistency(getattr(consistency, "value", consistency)).value
    if opts.get("consistent_with") is not None:
        state = opts["consistent_with"]
        body["scan_consistency"] = "at_plus"
        body["scan_vectors"] = state.scan_vectors() if hasattr(state, "scan_vectors") else state
    if opts.get("client_context_id") is not None:
        body["client_context_id"] = str(opts["client_context_id"])
    for name in ("readonly", "metrics", "flex_index", "preserve_expiry"):
        if name in opts:
            body["use_fts" if name == "flex_index" else name] = bool(opts[name])
    if opts.get("profile") is not None:
        body["profile"] = QueryProfile(getattr(opts["profile"], "value", opts["profile"])).value
    for name in ("max_parallelism", "pipeline_batch", "pipeline_cap", "scan_cap"):
        if name in opts:
            body[name] = str(int(opts[name]))
    if "scan_wait" in opts:
        body["scan_wait"] = _ms("scan_wait", opts["scan_wait"])
    qc = opts.get("query_context", query_context)
    if qc:
        body["query_context"] = qc
    raw = opts.get("raw") or {}
    if not isinstance(raw, Mapping):
        raise InvalidArgumentException(message="raw must be a dict of extra request fields")
    body.update(raw)
    try:
        json.dumps(body)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentException(message=f"query parameters are not JSON-serializable: {exc}") from exc
    return body, opts


class QueryMetaData:
    """Request id, status, signature, metrics, warnings and profile of a query."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)

    def request_id(self) -> Optional[str]:
        return self._raw.get("requestID")

    def client_context_id(self) -> Optional[str]:
        return self._raw.get("clientContextID")

    def status(self) -> Optional[str]:
        return self._raw.get("status")

    def signature(self) -> Any:
        return self._raw.get("signature")

    def warnings(self) -> List[Dict[str, Any]]:
        return list(self._raw.get("warnings", []))

    def metrics(self) -> Dict[str, Any]:
        return dict(self._raw.get("metrics", {}))

    def profile(self) -> Any:
        return self._raw.get("profile")

    def raw(self) -> Dict[str, Any]:
        return dict(self._raw)

    def __repr__(self) -> str:
        return (f"QueryMetaData(request_id={self.request_id()!r}, status={self.status()!r}, "
                f"metrics={self.metrics()!r})")


class QueryResult(BlockingRows):
    """Rows of a N1QL query as they arrive; ``metadata()`` once they are read."""

    def metadata(self) -> QueryMetaData:
        return QueryMetaData(self._finish())

    def execute(self) -> List[Any]:
        """All rows, as a list (runs the query to completion)."""
        return list(self)

    def __repr__(self) -> str:
        return f"QueryResult(done={self.done})"

