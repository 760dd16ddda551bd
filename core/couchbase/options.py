"""Option objects (SDK 4.x names) and the one place they are checked.

Every operation takes positional option objects and/or keyword arguments:
``coll.get("k", GetOptions(timeout=timedelta(seconds=1)), with_expiry=True)``.
``merge`` folds them into one dict, rejecting unknown names with an
:class:`~couchbase.exceptions.InvalidArgumentException` that names the option
and the operation.
"""
from __future__ import annotations

import datetime
import enum
import math
import time
from typing import TYPE_CHECKING, Any, Dict, FrozenSet, Iterable, Mapping, Optional, Tuple, Union

from couchbase.auth import Authenticator, PasswordAuthenticator
from couchbase.exceptions import InvalidArgumentException

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase._kwargs import (
        BinaryKwargs,
        BinaryMultiKwargs,
        CounterKwargs,
        CounterMultiKwargs,
        GetAndLockKwargs,
        GetAndTouchKwargs,
        GetKwargs,
        GetMultiKwargs,
        InsertKwargs,
        LockMultiKwargs,
        LookupInKwargs,
        MutateInKwargs,
        RemoveKwargs,
        RemoveMultiKwargs,
        ReplaceKwargs,
        ReplicaKwargs,
        ReplicaMultiKwargs,
        TimeoutKwargs,
        TimeoutMultiKwargs,
        UpsertKwargs,
        UpsertMultiKwargs,
    )

Seconds = Union[int, float, datetime.timedelta]


class Durability(enum.IntEnum):
    """Server-side (synchronous) durability levels."""

    NONE = 0
    MAJORITY = 1
    MAJORITY_AND_PERSIST_TO_ACTIVE = 2
    PERSIST_TO_MAJORITY = 3


DurabilityLevel = Durability


class ServerDurability:
    """``durability=ServerDurability(DurabilityLevel.MAJORITY)`` (SDK 4.x spelling).

    Args:
        level: A :class:`~couchbase.durability.DurabilityLevel` (or its int value).

    Raises:
        ValueError: Not a durability level.
    """

    def __init__(self, level: Durability) -> None:
        self.level = Durability(level)

    def __repr__(self) -> str:
        return f"ServerDurability({self.level.name})"


class ClientDurability:
    """Observe-based durability: poll until persisted to / replicated to N nodes.

    A negative number means "as many as are available". ``replicate_to`` takes an int or
    :class:`couchbase.durability.ReplicateTo`; ``persist_to`` an int (number of nodes, the master
    included) or :class:`couchbase.durability.PersistTo` / ``PersistToExtended`` (SDK 4.x values:
    ``ACTIVE`` and ``ONE`` are one node, ``FOUR`` four).

    Args:
        replicate_to: Replicas that must hold the mutation.
        persist_to: Nodes that must have persisted it.

    Raises:
        InvalidArgumentException: A value that is not an int.
    """

    def __init__(self, replicate_to: int = 0, persist_to: int = 0) -> None:
        for name, val in (("replicate_to", replicate_to), ("persist_to", persist_to)):
            if not isinstance(val, int) or isinstance(val, bool):
                raise InvalidArgumentException(message=f"{name} must be an int, got {type(val).__name__}")
        self.replicate_to = int(replicate_to)
        if type(persist_to).__name__ in ("PersistTo", "PersistToExtended"):
            # the 4.x enums count the active node as 1 and "at least one node" as 2
            persist_to = max(int(persist_to) - 1, 1) if int(persist_to) else 0
        self.persist_to = int(persist_to)

    def __repr__(self) -> str:
        return f"ClientDurability(replicate_to={self.replicate_to}, persist_to={self.persist_to})"


class OptionBlock(dict):  # type: ignore[type-arg]
    """Base of every ``*Options`` class: a dict of the given keyword arguments (None values dropped).

    Each operation checks its options when it is called: an unknown name or a value of the wrong
    type raises InvalidArgumentException there.

    Args:
        **kwargs: The options by name (see each operation's ``**kwargs``).
    """

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

    Args:
        authenticator: A :class:`~couchbase.auth.PasswordAuthenticator`.
        **kwargs: ``transcoder``, ``quiet`` (default for get/remove), ``lockmode``,
            ``enable_mutation_tokens``, ``enable_tracing`` / ``enable_metrics`` (libcouchbase's
            threshold-logging tracer and operation metrics, both on by default; turning tracing
            off saves CPU on every operation), ``timeout_options`` and any timeout keyword of
            :class:`ClusterTimeoutOptions` directly; checked when the cluster is created.
    """

    def __init__(self, authenticator: Optional[Authenticator] = None, **kwargs: Any) -> None:
        super().__init__(authenticator=authenticator, **kwargs)


class GetOptions(OptionBlock):
    if TYPE_CHECKING:  # the options GetKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[GetKwargs]) -> None: ...


class GetAndTouchOptions(OptionBlock):
    if TYPE_CHECKING:  # the options GetAndTouchKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[GetAndTouchKwargs]) -> None: ...


class GetAndLockOptions(OptionBlock):
    if TYPE_CHECKING:  # the options GetAndLockKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[GetAndLockKwargs]) -> None: ...


class GetAnyReplicaOptions(OptionBlock):
    if TYPE_CHECKING:  # the options ReplicaKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[ReplicaKwargs]) -> None: ...


class GetAllReplicasOptions(OptionBlock):
    if TYPE_CHECKING:  # the options ReplicaKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[ReplicaKwargs]) -> None: ...


class ExistsOptions(OptionBlock):
    if TYPE_CHECKING:  # the options TimeoutKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[TimeoutKwargs]) -> None: ...


class TouchOptions(OptionBlock):
    if TYPE_CHECKING:  # the options TimeoutKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[TimeoutKwargs]) -> None: ...


class UnlockOptions(OptionBlock):
    if TYPE_CHECKING:  # the options TimeoutKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[TimeoutKwargs]) -> None: ...


class InsertOptions(OptionBlock):
    if TYPE_CHECKING:  # the options InsertKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[InsertKwargs]) -> None: ...


class UpsertOptions(OptionBlock):
    if TYPE_CHECKING:  # the options UpsertKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[UpsertKwargs]) -> None: ...


class ReplaceOptions(OptionBlock):
    if TYPE_CHECKING:  # the options ReplaceKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[ReplaceKwargs]) -> None: ...


class RemoveOptions(OptionBlock):
    if TYPE_CHECKING:  # the options RemoveKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[RemoveKwargs]) -> None: ...


class AppendOptions(OptionBlock):
    if TYPE_CHECKING:  # the options BinaryKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[BinaryKwargs]) -> None: ...


class PrependOptions(OptionBlock):
    if TYPE_CHECKING:  # the options BinaryKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[BinaryKwargs]) -> None: ...


class IncrementOptions(OptionBlock):
    if TYPE_CHECKING:  # the options CounterKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[CounterKwargs]) -> None: ...


class DecrementOptions(OptionBlock):
    if TYPE_CHECKING:  # the options CounterKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[CounterKwargs]) -> None: ...


class LookupInOptions(OptionBlock):
    if TYPE_CHECKING:  # the options LookupInKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[LookupInKwargs]) -> None: ...


class MutateInOptions(OptionBlock):
    if TYPE_CHECKING:  # the options MutateInKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[MutateInKwargs]) -> None: ...


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
    """Search options: ``limit``, ``skip``, ``explain``, ``fields``, ``sort`` (str or Sort objects),
    ``facets`` (name -> Facet), ``highlight_style``, ``highlight_fields``, ``include_locations``,
    ``disable_scoring``, ``collections``, ``scan_consistency``, ``consistent_with``
    (a MutationState), ``client_context_id``, ``timeout``, ``raw``; ``show_request``/``log_request``
    and ``log_response`` log the request and the response's trailer (logger ``couchbase.search``)."""


class ViewOptions(OptionBlock):
    """View options: ``key``, ``keys``, ``startkey``, ``endkey``, ``startkey_docid``,
    ``endkey_docid``, ``mapkey_range``, ``descending``, ``inclusive_end``, ``limit``,
    ``skip``, ``reduce``, ``group``, ``group_level``, ``stale``/``scan_consistency``,
    ``include_docs``, ``namespace`` (production/development), ``timeout``, ``raw``
    (extra query-string parameters)."""


# ---- SDK 4.x option classes added for drop-in compatibility ---------------------------------
class PingOptions(OptionBlock):
    """``ping(PingOptions(report_id=..., service_types=[ServiceType.KeyValue], timeout=...))``."""


class DiagnosticsOptions(OptionBlock):
    """``diagnostics(DiagnosticsOptions(report_id=...))``."""


class WaitUntilReadyOptions(OptionBlock):
    """``wait_until_ready(timeout, WaitUntilReadyOptions(desired_state=ClusterState.Online,
    service_types=[...]))``."""


class ClusterTracingOptions(OptionBlock):
    """Settings of libcouchbase's threshold-logging tracer (on by default), which logs the slowest
    operations over a threshold to ``couchbase.lcb.tracer`` at each interval.

    Args:
        **kwargs: ``enable_tracing`` (bool); ``tracing_threshold_kv``, ``tracing_threshold_query``,
            ``tracing_threshold_view``, ``tracing_threshold_search``, ``tracing_threshold_analytics``
            (timedelta or seconds: an operation of that service taking longer is reported);
            ``tracing_threshold_queue_size`` (int: how many of the slowest operations each report
            lists per service); ``tracing_threshold_queue_flush_interval`` (how often reports are
            logged); ``tracing_orphaned_queue_size`` / ``tracing_orphaned_queue_flush_interval`` (the
            same for orphaned responses; :class:`ClusterOrphanReportingOptions` is the newer
            spelling). ``tracing_threshold_eventing`` and ``tracing_threshold_management`` are
            accepted as in the official SDK and have no effect: libcouchbase traces no eventing or
            management requests. Any other field raises InvalidArgumentException when the cluster
            is created.
    """


class ClusterMetricsOptions(OptionBlock):
    """Settings of libcouchbase's operation metrics (latency percentiles logged per interval).

    Args:
        **kwargs: ``enable_metrics`` (bool); ``emit_interval`` or ``metrics_emit_interval``
            (timedelta or seconds between two metrics reports).
    """


class ClusterOrphanReportingOptions(OptionBlock):
    """Orphaned-response reporting: responses that arrive after their operation timed out are
    logged, the slowest first, to ``couchbase.lcb.tracer``.

    Args:
        **kwargs: ``enable_orphan_reporting`` (bool; False reports none); ``sample_size`` (int: how
            many each report lists); ``emit_interval`` (timedelta or seconds between reports).
    """


class LookupInAnyReplicaOptions(OptionBlock):
    pass


class LookupInAllReplicasOptions(OptionBlock):
    pass


class ScanOptions(OptionBlock):
    pass


class _MultiOptions(OptionBlock):
    """Options of a multi operation: the single operation's options for every key, plus
    ``per_key_options`` ({key: the single operation's *Options}) and ``return_exceptions``
    (default True, as in SDK 4.x: failed keys are in the result's ``exceptions``; False raises
    the first failure, which carries the whole result as ``all_results``)."""


class GetMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options GetMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[GetMultiKwargs]) -> None: ...


class GetAllReplicasMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options ReplicaMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[ReplicaMultiKwargs]) -> None: ...


class GetAnyReplicaMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options ReplicaMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[ReplicaMultiKwargs]) -> None: ...


class ExistsMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options TimeoutMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[TimeoutMultiKwargs]) -> None: ...


class UpsertMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options UpsertMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[UpsertMultiKwargs]) -> None: ...


class InsertMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options UpsertMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[UpsertMultiKwargs]) -> None: ...


class ReplaceMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options UpsertMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[UpsertMultiKwargs]) -> None: ...


class RemoveMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options RemoveMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[RemoveMultiKwargs]) -> None: ...


class TouchMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options TimeoutMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[TimeoutMultiKwargs]) -> None: ...


class GetAndLockMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options LockMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[LockMultiKwargs]) -> None: ...


LockMultiOptions = GetAndLockMultiOptions


class UnlockMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options TimeoutMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[TimeoutMultiKwargs]) -> None: ...


class IncrementMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options CounterMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[CounterMultiKwargs]) -> None: ...


class DecrementMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options CounterMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[CounterMultiKwargs]) -> None: ...


class AppendMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options BinaryMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[BinaryMultiKwargs]) -> None: ...


class PrependMultiOptions(_MultiOptions):
    if TYPE_CHECKING:  # the options BinaryMultiKwargs names (checked at run time by merge())
        def __init__(self, **kwargs: Unpack[BinaryMultiKwargs]) -> None: ...


def _int_of(other: Any) -> Optional[int]:
    value = getattr(other, "value", other)
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    return value


class ConstrainedInt:
    """An int checked against ``min()``..``max()``.

    Args:
        value: The int.

    Raises:
        InvalidArgumentException: Not an int, or out of range.
    """

    def __init__(self, value: Any) -> None:
        self.value = type(self).verify_value(value)

    @classmethod
    def verify_value(cls, item: Any) -> int:
        """Check ``item`` against the class's range.

        Args:
            item: An int (or a ConstrainedInt).

        Returns:
            int: The value.

        Raises:
            InvalidArgumentException: Not an int, or out of range.
        """
        value = getattr(item, "value", item)
        if not isinstance(value, int) or isinstance(value, bool) or not cls.min() <= value <= cls.max():
            raise InvalidArgumentException(
                message=f"{cls.__name__} takes an int in {cls.min()}..{cls.max()}, got {item!r}")
        return value

    @classmethod
    def is_valid(cls, item: Any) -> bool:
        """Whether ``item`` is an instance of this class (so already checked).

        Args:
            item: The value to check.

        Returns:
            bool: True when it is.

        Never raises.
        """
        return isinstance(item, cls)

    @classmethod
    def min(cls) -> int:
        raise NotImplementedError

    @classmethod
    def max(cls) -> int:
        raise NotImplementedError

    def __int__(self) -> int:
        return self.value

    def __index__(self) -> int:
        return self.value

    def __neg__(self) -> int:
        return -self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(self, type(other)) and self.value == getattr(other, "value", None)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.value))

    # Ordered by value against another constrained int or a plain int (SDK 4.x compares
    # metrics such as ``result_size() > UnsignedInt64(0)``).
    def __lt__(self, other: Any) -> bool:
        other_value = _int_of(other)
        return NotImplemented if other_value is None else self.value < other_value

    def __le__(self, other: Any) -> bool:
        other_value = _int_of(other)
        return NotImplemented if other_value is None else self.value <= other_value

    def __gt__(self, other: Any) -> bool:
        other_value = _int_of(other)
        return NotImplemented if other_value is None else self.value > other_value

    def __ge__(self, other: Any) -> bool:
        other_value = _int_of(other)
        return NotImplemented if other_value is None else self.value >= other_value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value})"


class SignedInt64(ConstrainedInt):
    """A signed 64-bit int (``initial=SignedInt64(10)`` of increment/decrement)."""

    @classmethod
    def min(cls) -> int:
        """The smallest value: -2**63.

        Returns:
            int: The bound.

        Never raises.
        """
        return -0x8000000000000000

    @classmethod
    def max(cls) -> int:
        """The largest value: 2**63-1.

        Returns:
            int: The bound.

        Never raises.
        """
        return 0x7FFFFFFFFFFFFFFF


class UnsignedInt32(ConstrainedInt):
    @classmethod
    def min(cls) -> int:
        """The smallest value: 0.

        Returns:
            int: The bound.

        Never raises.
        """
        return 0

    @classmethod
    def max(cls) -> int:
        """The largest value: 2**32-1.

        Returns:
            int: The bound.

        Never raises.
        """
        return 0xFFFFFFFF


class UnsignedInt64(ConstrainedInt):
    """An unsigned 64-bit int."""

    @classmethod
    def min(cls) -> int:
        """The smallest value: 0.

        Returns:
            int: The bound.

        Never raises.
        """
        return 0

    @classmethod
    def max(cls) -> int:
        """The largest value: 2**64-1.

        Returns:
            int: The bound.

        Never raises.
        """
        return 0xFFFFFFFFFFFFFFFF


class DeltaValue(ConstrainedInt):
    """The ``delta=`` of increment/decrement: 0..2**63-1."""

    @classmethod
    def min(cls) -> int:
        """The smallest delta: 0.

        Returns:
            int: The bound.

        Never raises.
        """
        return 0

    @classmethod
    def max(cls) -> int:
        """The largest delta: 2**63-1.

        Returns:
            int: The bound.

        Never raises.
        """
        return 0x7FFFFFFFFFFFFFFF


AcceptableInts = Union[ConstrainedInt, int]


class TLSVerifyMode(enum.Enum):
    """``ClusterOptions(tls_verify=...)``: ``NO_VERIFY``/``NONE`` skip certificate checks."""

    NONE = "none"
    PEER = "peer"
    NO_VERIFY = "no_verify"


class IpProtocol(enum.Enum):
    """``ClusterOptions(ip_protocol=...)``."""

    Any = "any"
    ForceIPv4 = "force_ipv4"
    ForceIPv6 = "force_ipv6"


class KnownConfigProfiles(enum.Enum):
    WanDevelopment = "wan_development"


class ConfigProfile:
    """A named set of cluster options applied by ``ClusterOptions.apply_profile(name)``."""

    def apply(self, options: "ClusterOptions") -> None:
        """Apply this profile's settings to ``options``.

        Args:
            options: The ClusterOptions to change.

        Raises:
            NotImplementedError: On the base class (a profile overrides it).
        """
        raise NotImplementedError


class WanDevelopmentProfile(ConfigProfile):
    """Longer timeouts for a cluster reached over a WAN (values as in SDK 4.x)."""

    def apply(self, options: "ClusterOptions") -> None:
        for name, secs in (("kv_timeout", 20), ("connect_timeout", 20), ("query_timeout", 120),
                           ("analytics_timeout", 120), ("search_timeout", 120), ("views_timeout", 120),
                           ("management_timeout", 120), ("durability_timeout", 20)):
            options[name] = datetime.timedelta(seconds=secs)


class ConfigProfiles:
    """The registry of configuration profiles (``CONFIG_PROFILES``)."""

    def __init__(self) -> None:
        self._profiles: Dict[str, ConfigProfile] = {
            KnownConfigProfiles.WanDevelopment.value: WanDevelopmentProfile()}

    def apply_profile(self, name: Any, options: "ClusterOptions") -> None:
        key = getattr(name, "value", name)
        if key not in self._profiles:
            raise InvalidArgumentException(message=f"unknown configuration profile {name!r}")
        self._profiles[key].apply(options)

    def register_profile(self, name: str, profile: ConfigProfile) -> None:
        if not isinstance(profile, ConfigProfile):
            raise InvalidArgumentException(message="profile must be a ConfigProfile")
        self._profiles[name] = profile

    def unregister_profile(self, name: str) -> Optional[ConfigProfile]:
        return self._profiles.pop(name, None)


CONFIG_PROFILES = ConfigProfiles()


def _apply_profile(self: "ClusterOptions", profile_name: Any) -> None:
    """Apply a configuration profile (``KnownConfigProfiles.WanDevelopment``) to these options.

    Args:
        profile_name: A KnownConfigProfiles member or a registered profile's name.

    Raises:
        InvalidArgumentException: An unknown profile.
    """
    CONFIG_PROFILES.apply_profile(profile_name, self)


ClusterOptions.apply_profile = _apply_profile  # type: ignore[attr-defined]


class TransactionConfig(OptionBlock):
    """Accepted by name only: libcouchbase 3 has no distributed transactions, so a
    ``ClusterOptions(transaction_config=...)`` is refused with FeatureUnavailableException."""


class TransactionOptions(OptionBlock):
    """See :class:`TransactionConfig`."""


__all__ += [
    "PingOptions", "DiagnosticsOptions", "WaitUntilReadyOptions", "ClusterTracingOptions",
    "ClusterMetricsOptions", "ClusterOrphanReportingOptions", "LookupInAnyReplicaOptions",
    "LookupInAllReplicasOptions", "GetMultiOptions",
    "GetAllReplicasMultiOptions", "GetAnyReplicaMultiOptions", "ExistsMultiOptions", "UpsertMultiOptions",
    "InsertMultiOptions", "ReplaceMultiOptions", "RemoveMultiOptions", "TouchMultiOptions",
    "GetAndLockMultiOptions",
    "LockMultiOptions", "UnlockMultiOptions", "IncrementMultiOptions", "DecrementMultiOptions",
    "AppendMultiOptions", "PrependMultiOptions", "SignedInt64", "UnsignedInt32", "UnsignedInt64",
    "DeltaValue",
    "TLSVerifyMode", "IpProtocol", "KnownConfigProfiles", "ConfigProfile", "CONFIG_PROFILES", "QueryOptions",
    "AnalyticsOptions", "SearchOptions", "VectorSearchOptions", "ViewOptions", "TransactionConfig",
]


class VectorSearchOptions(OptionBlock):
    """Options of a :class:`~couchbase.vector_search.VectorSearch`:
    ``VectorSearch(queries, VectorSearchOptions(vector_query_combination=VectorQueryCombination.AND))``.

    Args:
        vector_query_combination: How the hits of several vector queries combine: a
            :class:`~couchbase.vector_search.VectorQueryCombination` (or ``"and"``/``"or"``;
            None: the service's default, OR). Checked when the VectorSearch is made.
        **kwargs: Other options by name: there are none, VectorSearch refuses them
            (InvalidArgumentException).
    """

    def __init__(self, vector_query_combination: Any = None, **kwargs: Any) -> None:
        super().__init__(vector_query_combination=vector_query_combination, **kwargs)
