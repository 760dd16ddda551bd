"""N1QL (SQL++) queries: options → request payload, and the blocking result."""
from __future__ import annotations

import datetime
import enum
import json
import re
import uuid
from typing import Any, Dict, List, Mapping, Optional, Tuple

from couchbase import _observe
from couchbase import options as _o
from couchbase._streaming import BlockingRows
from couchbase.exceptions import InvalidArgumentException

QUERY_OPTIONS = frozenset({
    "positional_parameters", "named_parameters", "adhoc", "scan_consistency", "consistent_with",
    "client_context_id", "readonly", "metrics", "profile", "max_parallelism", "pipeline_batch",
    "pipeline_cap", "scan_cap", "scan_wait", "timeout", "flex_index", "preserve_expiry", "query_context",
    "raw", "parent_span",
    "read_only", "use_replica",  # SDK 4.x names (read_only is readonly)
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

    Positional arguments that are not QueryOptions are positional parameters; keyword arguments
    that are not query options are named parameters (SDK 4.x).

    Args:
        statement: The N1QL statement.
        args: QueryOptions blocks and positional parameters.
        kwargs: Query options and named parameters.
        query_context: ``default:`bucket`.`scope``` for a scoped query.

    Returns:
        tuple: ``(body, options)``: the request's JSON object and the merged options.

    Raises:
        InvalidArgumentException: An empty or non-str statement, named_parameters not a dict, or a bad option.
    """
    if not isinstance(statement, str) or not statement.strip():
        raise InvalidArgumentException(message=f"query statement must be a non-empty str, got {statement!r}")
    blocks = tuple(a for a in args if isinstance(a, _o.OptionBlock))
    positional = [a for a in args if not isinstance(a, _o.OptionBlock)]
    # SDK 4.x: keyword arguments that are not query options are named parameters
    extra_named = {k: v for k, v in kwargs.items() if k not in QUERY_OPTIONS}
    kwargs = {k: v for k, v in kwargs.items() if k in QUERY_OPTIONS}
    opts = _o.merge("query", QUERY_OPTIONS, blocks, kwargs)
    if opts.get("parent_span") is not None:
        _observe.check_span(opts["parent_span"])
    body: Dict[str, Any] = {"statement": statement}
    # SDK 4.x: positional parameters given as arguments replace the options' list
    params = positional if positional else list(opts.get("positional_parameters") or [])
    if params:
        body["args"] = params
    named = opts.get("named_parameters") or {}
    if not isinstance(named, Mapping):
        raise InvalidArgumentException(message="named_parameters must be a dict")
    if extra_named:
        named = {**named, **extra_named}
    for name, value in named.items():
        body[name if name.startswith("$") else "$" + name] = value
    consistency = opts.get("scan_consistency")
    if consistency is not None:
        body["scan_consistency"] = QueryScanConsistency(getattr(consistency, "value", consistency)).value
    if opts.get("consistent_with") is not None:
        state = opts["consistent_with"]
        body["scan_consistency"] = "at_plus"
        body["scan_vectors"] = state.scan_vectors() if hasattr(state, "scan_vectors") else state
    # Every request carries a client context id (a new UUID unless given), as SDK 4.x
    # sends one: the server echoes it and error contexts name it.
    cid = opts.get("client_context_id")
    body["client_context_id"] = str(cid) if cid is not None else str(uuid.uuid4())
    if "read_only" in opts:
        opts["readonly"] = opts.pop("read_only")
    if opts.get("use_replica") is not None:
        body["use_replica"] = "on" if opts["use_replica"] else "off"
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


class QueryStatus(str, enum.Enum):
    """Status of a query (SDK 4.x); a ``str`` enum, so ``status() == "success"`` still holds."""

    RUNNING = "running"
    SUCCESS = "success"
    ERRORS = "errors"
    COMPLETED = "completed"
    STOPPED = "stopped"
    TIMEOUT = "timeout"
    CLOSED = "closed"
    FATAL = "fatal"
    ABORTED = "aborted"
    UNKNOWN = "unknown"

    @classmethod
    def from_str(cls, value: Any) -> "QueryStatus":
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


_UNITS = (("ns", 1e-3), ("µs", 1.0), ("us", 1.0), ("ms", 1e3), ("s", 1e6), ("m", 60e6), ("h", 3600e6))


def parse_duration(value: Any) -> datetime.timedelta:
    """A Go-style duration from the query services (``"1.5ms"``, ``"1m2.5s"``) as a timedelta.

    Args:
        value: The duration text, or a number of nanoseconds.

    Returns:
        datetime.timedelta: The duration (parts it cannot read count as 0).

    Never raises.
    """
    if isinstance(value, (int, float)):
        return datetime.timedelta(microseconds=value / 1000)  # a number is nanoseconds
    text = str(value or "0").strip()
    total_us = 0.0
    for num, unit in re.findall(r"([0-9.]+)\s*(ns|µs|us|ms|s|m|h)?", text):
        factor = dict(_UNITS).get(unit or "s", 1e6)
        try:
            total_us += float(num) * factor
        except ValueError:
            continue
    return datetime.timedelta(microseconds=total_us)


class QueryMetrics(dict):  # type: ignore[type-arg]
    """Query metrics (SDK 4.x methods ``elapsed_time()``, ``result_count()``, …); also the raw dict."""

    def _count(self, *names: str) -> Any:
        from couchbase.options import UnsignedInt64

        for name in names:
            if name in self:
                return UnsignedInt64(int(self[name]))
        return UnsignedInt64(0)

    def elapsed_time(self) -> datetime.timedelta:
        """The time the query took, from the request to the last row.

        Returns:
            datetime.timedelta: The duration.

        Never raises.
        """
        return parse_duration(self.get("elapsedTime", self.get("elapsed_time")))

    def execution_time(self) -> datetime.timedelta:
        """The time the query ran.

        Returns:
            datetime.timedelta: The duration.

        Never raises.
        """
        return parse_duration(self.get("executionTime", self.get("execution_time")))

    def sort_count(self) -> Any:
        """The number of rows sorted.

        Returns:
            UnsignedInt64: The count (0 when the service did not report it).

        Never raises.
        """
        return self._count("sortCount", "sort_count")

    def result_count(self) -> Any:
        """The number of rows returned.

        Returns:
            UnsignedInt64: The count (0 when the service did not report it).

        Never raises.
        """
        return self._count("resultCount", "result_count")

    def result_size(self) -> Any:
        """The number of bytes of rows returned.

        Returns:
            UnsignedInt64: The count (0 when the service did not report it).

        Never raises.
        """
        return self._count("resultSize", "result_size")

    def mutation_count(self) -> Any:
        """The number of documents changed.

        Returns:
            UnsignedInt64: The count (0 when the service did not report it).

        Never raises.
        """
        return self._count("mutationCount", "mutation_count")

    def error_count(self) -> Any:
        """The number of errors.

        Returns:
            UnsignedInt64: The count (0 when the service did not report it).

        Never raises.
        """
        return self._count("errorCount", "error_count")

    def warning_count(self) -> Any:
        """The number of warnings.

        Returns:
            UnsignedInt64: The count (0 when the service did not report it).

        Never raises.
        """
        return self._count("warningCount", "warning_count")


class QueryProblem(dict):  # type: ignore[type-arg]
    """One warning or error of a query: ``code()`` and ``message()``; also the raw dict."""

    def code(self) -> Optional[int]:
        """The problem's code.

        Returns:
            int: The code, or None.

        Never raises.
        """
        return self.get("code")

    def message(self) -> Optional[str]:
        """The problem's message.

        Returns:
            str: The message, or None.

        Never raises.
        """
        return self.get("msg", self.get("message"))


class QueryWarning(QueryProblem):
    pass


class QueryError(QueryProblem):
    pass


class QueryMetaData:
    """Request id, status, signature, metrics, warnings and profile of a query.

    Args:
        raw: The response's JSON without its rows.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)

    def request_id(self) -> Optional[str]:
        """The request's id.

        Returns:
            str: The id, or None.

        Never raises.
        """
        return self._raw.get("requestID")

    def client_context_id(self) -> Optional[str]:
        """The request's client context id.

        Returns:
            str: The id, or None.

        Never raises.
        """
        return self._raw.get("clientContextID")

    def status(self) -> Optional[QueryStatus]:
        """The query's final status.

        Returns:
            QueryStatus: The status, or None.

        Never raises.
        """
        status = self._raw.get("status")
        return QueryStatus.from_str(status) if status is not None else None

    def signature(self) -> Any:
        """The rows' signature (their shape) as the service reports it.

        Returns:
            The signature JSON, or None.

        Never raises.
        """
        return self._raw.get("signature")

    def warnings(self) -> List[QueryWarning]:
        """The query's warnings.

        Returns:
            list[QueryWarning]: The warnings.

        Never raises.
        """
        return [QueryWarning(w) for w in self._raw.get("warnings", [])]

    def metrics(self) -> Optional[QueryMetrics]:
        """The query's metrics.

        Returns:
            QueryMetrics: The metrics, or None when the request asked for none (``metrics=False``).

        Never raises.
        """
        m = self._raw.get("metrics")
        return QueryMetrics(m) if m is not None else None

    def profile(self) -> Any:
        """The query's profile (with ``profile=`` set).

        Returns:
            The profile JSON, or None.

        Never raises.
        """
        return self._raw.get("profile")

    def raw(self) -> Dict[str, Any]:
        """The metadata as the service sent it.

        Returns:
            dict: The JSON object (a copy).

        Never raises.
        """
        return dict(self._raw)

    def __repr__(self) -> str:
        return (f"QueryMetaData(request_id={self.request_id()!r}, status={self.status()!r}, "
                f"metrics={self.metrics()!r})")


class QueryResult(BlockingRows):
    """Rows of a N1QL query as they arrive; ``metadata()`` once they are read."""

    def metadata(self) -> QueryMetaData:
        """Status, metrics, warnings, request id, once every row is read (reads the rest if needed).

        Returns:
            QueryMetaData: The query's metadata.

        Raises:
            QueryException: The query failed (its typed subclass).
            TimeoutException: No complete answer within the query timeout.
        """
        return QueryMetaData(self._finish())

    def execute(self) -> List[Any]:
        """All rows, as a list (runs the query to completion).

        Returns:
            list: The rows.

        Raises:
            AlreadyQueriedException: The rows were already iterated.
            QueryException: The query failed (its typed subclass).
            TimeoutException: No complete answer in time.
        """
        return list(self)

    def __repr__(self) -> str:
        return f"QueryResult(done={self.done})"

