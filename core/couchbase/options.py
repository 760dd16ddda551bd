"""Option objects (SDK 4.x names) and the one place they are checked.

Every operation takes positional option objects and/or keyword arguments:
``coll.get("k", GetOptions(timeout=timedelta(seconds=1)), with_expiry=True)``.
:func:`merge` folds them into one dict, rejecting unknown names with an
:class:`~couchbase.exceptions.InvalidArgumentException` that names the option
and the operation.
"""
from __future__ import annotations

import datetime
import enum
import math
import time
from typing import Any, Dict, FrozenSet, Iterable, Mapping, Optional, Tuple, Union

from couchbase.auth import Authenticator, PasswordAuthenticator
from couchbase.exceptions import InvalidArgumentException

Seconds = Union[int, float, datetime.timedelta]


class Durability(enum.IntEnum):
    """Server-side (synchronous) durability levels."""

    NONE = 0
    MAJORITY = 1
    MAJORITY_AND_PERSIST_TO_ACTIVE = 2
    PERSIST_TO_MAJORITY = 3


DurabilityLevel = Durability


class ServerDurability:
    """``durability=ServerDurability(Durability.MAJORITY)`` (SDK 4.x spelling)."""

    def __init__(self, level: Durability) -> None:
        self.level = Durability(level)

    def __repr__(self) -> str:
        return f"ServerDurability({self.level.name})"


class ClientDurability:
    """Observe-based durability: poll until persisted to / replicated to N nodes.

    A negative number means "as many as are available".
    """

    def __init__(self, replicate_to: int = 0, persist_to: int = 0) -> None:
        for name, val in (("replicate_to", replicate_to), ("persist_to", persist_to)):
            if not isinstance(val, int) or isinstance(val, bool):
                raise InvalidArgumentException(message=f"{name} must be an int, got {type(val).__name__}")
        self.replicate_to = replicate_to
        self.persist_to = persist_to

    def __repr__(self) -> str:
        return f"ClientDurability(replicate_to={self.replicate_to}, persist_to={self.persist_to})"


class OptionBlock(dict):  # type: ignore[type-arg]
    """Base of every ``*Options`` class: a dict of the given keyword arguments."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__({k: v for k, v in kwargs.items() if v is not None})

    def __repr__(self) -> str:
        shown = {k: "***" if "password" in str(k).lower() else v for k, v in self.items()}
        return f"{type(self).__name__}({shown!r})"


class ClusterTimeoutOptions(OptionBlock):
    """Timeouts: ``kv_timeout``, ``query_timeout``, ``views_timeout``, ``analytics_timeout``,
    ``search_timeout``, ``management_timeout``, ``connect_timeout``, ``config_total_timeout``,
    ``durability_timeout`` (timedelta or seconds)."""


class ClusterOptions(OptionBlock):
    """``ClusterOptions(PasswordAuthenticator(user, pw), timeout_options=..., lockmode=..., ...)``.

    Other keywords: ``transcoder``, ``quiet`` (default for get/remove), ``lockmode``,
    ``enable_mutation_tokens``, ``enable_tracing`` / ``enable_metrics`` (libcouchbase's
    threshold-logging tracer and operation metrics, both on by default; turning tracing off
    saves CPU on every operation), ``timeout_options`` and any timeout keyword of
    :class:`ClusterTimeoutOptions` directly.
    """

    def __init__(self, authenticator: Optional[Authenticator] = None, **kwargs: Any) -> None:
        super().__init__(authenticator=authenticator, **kwargs)


class GetOptions(OptionBlock):
    pass


class GetAndTouchOptions(OptionBlock):
    pass


class GetAndLockOptions(OptionBlock):
    pass


class GetAnyReplicaOptions(OptionBlock):
    pass


class GetAllReplicasOptions(OptionBlock):
    pass


class ExistsOptions(OptionBlock):
    pass


class TouchOptions(OptionBlock):
    pass


class UnlockOptions(OptionBlock):
    pass


class InsertOptions(OptionBlock):
    pass


class UpsertOptions(OptionBlock):
    pass


class ReplaceOptions(OptionBlock):
    pass


class RemoveOptions(OptionBlock):
    pass


class AppendOptions(OptionBlock):
    pass


class PrependOptions(OptionBlock):
    pass


class IncrementOptions(OptionBlock):
    pass


class DecrementOptions(OptionBlock):
    pass


class LookupInOptions(OptionBlock):
    pass


class MutateInOptions(OptionBlock):
    pass


class StoreSemantics(enum.IntEnum):
    """mutate_in document semantics."""

    REPLACE = 0
    UPSERT = 1
    INSERT = 2


def merge(op: str, allowed: FrozenSet[str], blocks: Tuple[Any, ...], kwargs: Mapping[str, Any],
          defaults: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Fold option objects and keywords into one dict, checking every name."""
    out: Dict[str, Any] = dict(defaults) if defaults else {}
    for block in blocks:
        if block is None:
            continue
        if not isinstance(block, Mapping):
            raise InvalidArgumentException(
                message=f"{op}: unexpected positional argument {block!r} (options must be an *Options object)"
            )
        out.update(block)
    out.update((k, v) for k, v in kwargs.items() if v is not None)
    unknown = set(out) - allowed - (set(defaults) if defaults else set())
    if unknown:
        raise InvalidArgumentException(
            message=f"{op}: unknown option(s) {', '.join(sorted(unknown))}; "
                    f"allowed: {', '.join(sorted(allowed))}"
        )
    return out


def to_seconds(name: str, value: Any) -> float:
    """A non-negative duration in seconds from a timedelta or a number."""
    if isinstance(value, datetime.timedelta):
        secs = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        secs = float(value)
    else:
        raise InvalidArgumentException(
            message=f"{name} must be a timedelta or a number of seconds, got {type(value).__name__}"
        )
    if secs < 0:
        raise InvalidArgumentException(message=f"{name} must not be negative, got {secs}")
    if not math.isfinite(secs):  # nan/inf would fail later as a bare ValueError/OverflowError
        raise InvalidArgumentException(message=f"{name} must be a finite number of seconds, got {secs}")
    return secs


def timeout_us(value: Any) -> int:
    """Per-operation timeout in microseconds (0 = the connection's default)."""
    if value is None:
        return 0
    secs = to_seconds("timeout", value)
    us = int(secs * 1_000_000)
    if us > 0xFFFFFFFF:
        raise InvalidArgumentException(message=f"timeout too large: {value!r}")
    return max(us, 1) if secs > 0 else us  # a sub-microsecond timeout is not "the default"


_THIRTY_DAYS = 30 * 24 * 60 * 60


def expiry_value(value: Any) -> int:
    """Server expiry: 0 (never), relative seconds up to 30 days, else absolute unix time.

    Accepts seconds (int/float), a timedelta (converted to an absolute time when
    longer than 30 days, as the server reads larger numbers as timestamps) or an
    aware/naive datetime (absolute).
    """
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        try:
            ts = value.timestamp()
        except (ValueError, OverflowError, OSError):  # naive datetimes near year 1 or 9999
            raise InvalidArgumentException(message=f"expiry datetime {value!r} is out of range") from None
        if ts <= 0:
            raise InvalidArgumentException(message=f"expiry datetime {value!r} is before the epoch")
        return _expiry_u32(ts, value)
    if isinstance(value, datetime.timedelta):
        secs = value.total_seconds()
        if secs < 0:
            raise InvalidArgumentException(message=f"expiry must not be negative, got {value!r}")
        if secs > _THIRTY_DAYS:
            return _expiry_u32(time.time() + secs, value)
        return _expiry_u32(secs, value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentException(
            message=f"expiry must be seconds (int), a timedelta or a datetime, got {type(value).__name__}"
        )
    if value < 0:
        raise InvalidArgumentException(message=f"expiry must not be negative, got {value}")
    return _expiry_u32(value, value)


def _expiry_u32(secs: float, given: Any) -> int:
    """Seconds as the server's 32-bit expiry; a positive fraction of a second is 1 (0 means never)."""
    if secs != secs:
        raise InvalidArgumentException(message=f"expiry must be a number of seconds, got {given!r}")
    if secs > 0xFFFFFFFF:
        raise InvalidArgumentException(
            message=f"expiry too large: {given!r} is past what the server can store (year 2106)")
    return max(int(secs), 1) if secs > 0 else 0


def durability_args(opts: Mapping[str, Any]) -> Tuple[int, int, int]:
    """(server level, persist_to, replicate_to) from ``durability=``/``persist_to=``/``replicate_to=``."""
    level = 0
    persist_to = opts.get("persist_to", 0) or 0
    replicate_to = opts.get("replicate_to", 0) or 0
    dur = opts.get("durability")
    if dur is not None:
        if isinstance(dur, ServerDurability):
            level = int(dur.level)
        elif isinstance(dur, ClientDurability):
            persist_to, replicate_to = dur.persist_to, dur.replicate_to
        elif isinstance(dur, (Durability, int)) and not isinstance(dur, bool):
            try:
                level = int(Durability(dur))
            except ValueError:
                raise InvalidArgumentException(message=f"unknown durability level {dur!r}") from None
        else:
            raise InvalidArgumentException(
                message=f"durability must be a Durability, ServerDurability or ClientDurability, got {dur!r}"
            )
    for name, val in (("persist_to", persist_to), ("replicate_to", replicate_to)):
        if not isinstance(val, int) or isinstance(val, bool):
            raise InvalidArgumentException(message=f"{name} must be an int, got {type(val).__name__}")
        if val > 4:
            raise InvalidArgumentException(message=f"{name}={val} is more than a cluster can have (max 4)")
    # any negative number means "all available"; one value keeps it inside a C int
    persist_to, replicate_to = max(persist_to, -1), max(replicate_to, -1)
    if level and (persist_to or replicate_to):
        raise InvalidArgumentException(
            message="server durability levels and persist_to/replicate_to cannot be combined"
        )
    return level, persist_to, replicate_to


def allowed(*names: str) -> FrozenSet[str]:
    return frozenset(names)


def flatten(names: Iterable[str]) -> FrozenSet[str]:
    return frozenset(names)


__all__ = [
    "ClusterOptions", "ClusterTimeoutOptions", "PasswordAuthenticator", "Durability", "DurabilityLevel",
    "ServerDurability", "ClientDurability", "StoreSemantics", "GetOptions", "GetAndTouchOptions",
    "GetAndLockOptions", "GetAnyReplicaOptions", "GetAllReplicasOptions", "ExistsOptions", "TouchOptions",
    "UnlockOptions", "InsertOptions", "UpsertOptions", "ReplaceOptions", "RemoveOptions", "AppendOptions",
    "PrependOptions", "IncrementOptions", "DecrementOptions", "LookupInOptions", "MutateInOptions",
]


class QueryOptions(OptionBlock):
    """N1QL options: ``positional_parameters``, ``named_parameters``, ``adhoc``,
    ``scan_consistency``, ``consistent_with``, ``client_context_id``, ``readonly``,
    ``metrics``, ``profile``, ``max_parallelism``, ``pipeline_batch``, ``pipeline_cap``,
    ``scan_cap``, ``scan_wait``, ``timeout``, ``flex_index``, ``preserve_expiry``,
    ``query_context``, ``raw`` (extra JSON fields)."""


class AnalyticsOptions(OptionBlock):
    """Analytics options: ``positional_parameters``, ``named_parameters``, ``priority``,
    ``readonly``, ``scan_consistency``, ``client_context_id``, ``timeout``,
    ``query_context``, ``raw``."""


class SearchOptions(OptionBlock):
    """Search options: ``limit``, ``skip``, ``explain``, ``fields``, ``sort``, ``facets``,
    ``highlight_style``, ``highlight_fields``, ``scan_consistency``, ``timeout``, ``raw``."""


class ViewOptions(OptionBlock):
    """View options: ``key``, ``keys``, ``startkey``, ``endkey``, ``startkey_docid``,
    ``endkey_docid``, ``mapkey_range``, ``descending``, ``inclusive_end``, ``limit``,
    ``skip``, ``reduce``, ``group``, ``group_level``, ``stale``/``scan_consistency``,
    ``include_docs``, ``namespace`` (production/development), ``timeout``, ``raw``
    (extra query-string parameters)."""
