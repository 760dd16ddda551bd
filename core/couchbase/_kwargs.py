"""The keyword arguments of each key-value operation, as ``TypedDict``s for the type checker.

``coll.get(key, **kwargs: Unpack[GetKwargs])`` and ``GetOptions(**kwargs: Unpack[GetKwargs])``:
a misspelt option or a wrong type (``expiry="soon"``) is flagged by mypy before it is
rejected at run time by :func:`couchbase.options.merge`. Each ``TypedDict`` names exactly the
options the operation accepts (``A_*`` in :mod:`couchbase._kv`); every value may be ``None``,
which means "not given", as at run time. Only annotations refer to the types here, so this
module costs nothing at run time beyond defining the classes.
"""
from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, Sequence, Tuple, TypedDict, Union

if TYPE_CHECKING:
    from couchbase.diagnostics import ClusterState, ServiceType
    from couchbase.options import (
        AcceptableInts,
        AnalyticsOptions,
        ClientDurability,
        DeltaValue,
        DiagnosticsOptions,
        OptionBlock,
        PingOptions,
        QueryOptions,
        ServerDurability,
        SignedInt64,
        StoreSemantics,
        ViewOptions,
    )
    from couchbase.replica_reads import ReadPreference
    from couchbase.search import SearchQuery, SearchRequest
    from couchbase.transcoder import Transcoder

#: A duration: seconds (int or float) or a timedelta.
Seconds = Union[int, float, datetime.timedelta]
#: A document expiry: relative seconds, a timedelta, or an absolute datetime.
Expiry = Union[int, float, datetime.timedelta, datetime.datetime]
#: Server durability (a :class:`~couchbase.options.Durability` level, an int or ServerDurability)
#: or observe-based ClientDurability.
DurabilityType = Union[int, "ServerDurability", "ClientDurability"]
#: A positional parameter (``$1``, ``$2`` ...) of a SQL++ or analytics statement given as a positional
#: argument: a JSON value. (A JSON object parameter goes in ``positional_parameters=[...]``: a dict
#: argument is not told apart from a wrong options block by the type checker.)
PositionalParameter = Union[str, int, float, bool, None, List[Any], Tuple[Any, ...]]
#: What ``query(statement, *args)`` takes positionally: QueryOptions blocks and positional parameters.
QueryArg = Union["QueryOptions", PositionalParameter]
#: What ``analytics_query(statement, *args)`` takes positionally: AnalyticsOptions and positional parameters.
AnalyticsArg = Union["AnalyticsOptions", PositionalParameter]
#: The query of ``search_query(index, query)`` and ``search(index, request)``: a SearchQuery, or a
#: SearchRequest holding one.
SearchQueryArg = Union["SearchQuery", "SearchRequest"]
#: What ``ping(*args)`` takes positionally: PingOptions blocks, or a timeout (the earlier spelling).
PingArg = Union["PingOptions", Seconds]
#: What ``diagnostics(*args)`` takes positionally: DiagnosticsOptions blocks, or a timeout.
DiagnosticsArg = Union["DiagnosticsOptions", Seconds]
#: What ``view_query(design_doc, view, *args)`` takes positionally: ViewOptions blocks or a raw query
#: string (``"limit=10&stale=false"``, the 2.x spelling).
ViewArg = Union["ViewOptions", str]


class TimeoutKwargs(TypedDict, total=False):
    """The data structures' reads."""

    timeout: Optional[Seconds]


class OperationKwargs(TimeoutKwargs, total=False):
    """``exists``, ``touch``, ``unlock``; the base of every key-value operation's options."""

    #: The parent of the operation's span (a :class:`~couchbase.tracing.CouchbaseSpan`; with
    #: ``ClusterOptions(tracer=...)``); in a ``*_multi`` operation, of each key's span.
    parent_span: Optional[Any]


class _Transcoded(OperationKwargs, total=False):
    transcoder: Optional[Transcoder]


class _Durable(TypedDict, total=False):
    durability: Optional[DurabilityType]
    persist_to: Optional[int]
    replicate_to: Optional[int]


class GetAndTouchKwargs(_Transcoded, total=False):
    """``get_and_touch`` and ``get_and_lock``."""

    quiet: Optional[bool]
    no_format: Optional[bool]


GetAndLockKwargs = GetAndTouchKwargs


class GetKwargs(GetAndTouchKwargs, total=False):
    """``get``."""

    with_expiry: Optional[bool]
    project: Optional[Sequence[str]]


class ReplicaKwargs(_Transcoded, total=False):
    """``get_any_replica`` and ``get_all_replicas``."""

    read_preference: Optional[ReadPreference]


class InsertKwargs(_Transcoded, _Durable, total=False):
    """``insert``."""

    expiry: Optional[Expiry]
    format: Optional[int]


class UpsertKwargs(InsertKwargs, total=False):
    """``upsert`` and ``replace``."""

    cas: Optional[int]
    preserve_expiry: Optional[bool]


ReplaceKwargs = UpsertKwargs


class BinaryKwargs(OperationKwargs, _Durable, total=False):
    """``append`` and ``prepend``."""

    cas: Optional[int]


class RemoveKwargs(BinaryKwargs, total=False):
    """``remove``."""

    quiet: Optional[bool]


class CounterKwargs(OperationKwargs, _Durable, total=False):
    """``increment`` and ``decrement``."""

    delta: Optional[AcceptableInts]
    initial: Optional[AcceptableInts]
    expiry: Optional[Expiry]


class LookupInKwargs(OperationKwargs, total=False):
    """``lookup_in``."""

    access_deleted: Optional[bool]


class LookupInReplicaKwargs(OperationKwargs, total=False):
    """``lookup_in_any_replica`` and ``lookup_in_all_replicas``."""

    read_preference: Optional[ReadPreference]


class BinaryCounterKwargs(OperationKwargs, _Durable, total=False):
    """``binary().increment`` and ``binary().decrement``: SDK 4.x's typed counter values."""

    delta: Optional[DeltaValue]
    initial: Optional[SignedInt64]
    expiry: Optional[Expiry]


class MutateInKwargs(OperationKwargs, _Durable, total=False):
    """``mutate_in``."""

    cas: Optional[int]
    expiry: Optional[Expiry]
    store_semantics: Optional[StoreSemantics]
    preserve_expiry: Optional[bool]
    access_deleted: Optional[bool]
    upsert_doc: Optional[bool]
    insert_doc: Optional[bool]
    replace_doc: Optional[bool]


class _Multi(TypedDict, total=False):
    return_exceptions: Optional[bool]
    quiet: Optional[bool]
    per_key_options: Optional[Mapping[str, OptionBlock]]


class GetMultiKwargs(_Multi, GetKwargs, total=False):
    """``get_multi``."""


class LockMultiKwargs(_Multi, GetAndLockKwargs, total=False):
    """``lock_multi``."""


class ReplicaMultiKwargs(_Multi, ReplicaKwargs, total=False):
    """``get_any_replica_multi`` and ``get_all_replicas_multi``."""


class TimeoutMultiKwargs(_Multi, TimeoutKwargs, total=False):
    """``exists_multi``, ``touch_multi`` and ``unlock_multi``."""


class UpsertMultiKwargs(_Multi, UpsertKwargs, total=False):
    """``upsert_multi``, ``insert_multi`` and ``replace_multi``."""


class RemoveMultiKwargs(_Multi, RemoveKwargs, total=False):
    """``remove_multi``."""


class BinaryMultiKwargs(_Multi, BinaryKwargs, total=False):
    """``append_multi`` and ``prepend_multi``."""


class CounterMultiKwargs(_Multi, CounterKwargs, total=False):
    """``increment_multi`` and ``decrement_multi``."""


class BinaryCounterMultiKwargs(_Multi, BinaryCounterKwargs, total=False):
    """``binary().increment_multi`` and ``binary().decrement_multi``."""


class LegacyCounterKwargs(OperationKwargs, _Durable, total=False):
    """``counter`` (1.x/2.x spelling: ``delta`` and ``initial`` are parameters)."""

    expiry: Optional[Expiry]


class LegacyCounterMultiKwargs(LegacyCounterKwargs, total=False):
    """``counter_multi``."""

    return_exceptions: Optional[bool]
    quiet: Optional[bool]


class PingKwargs(TimeoutKwargs, total=False):
    """``ping``."""

    report_id: Optional[str]
    service_types: Optional[Sequence[Union[ServiceType, str]]]


class DiagnosticsKwargs(TimeoutKwargs, total=False):
    """``diagnostics``."""

    report_id: Optional[str]


class WaitUntilReadyKwargs(TypedDict, total=False):
    """``wait_until_ready``."""

    desired_state: Optional[ClusterState]
    service_types: Optional[Sequence[Union[ServiceType, str]]]
