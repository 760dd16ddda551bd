"""The request side of key-value operations, written once for every front end.

:class:`KVOperations` validates arguments, encodes values and schedules each
operation through the connection; it never waits. A front end subclasses it
and provides the method that decides how results are delivered:

``_submit(schedule, *args)``
    ``schedule(*args)`` schedules one operation and returns its pending
    :class:`~couchbase._kv_response.AsyncResult` (the arguments ride along
    rather than in a closure: this runs once per operation). The blocking
    front end waits for it and returns the result (or raises); raw async
    returns the AsyncResult; acouchbase wraps it in a future; txcouchbase in
    a Deferred.

``_submit_multi(schedules, multi)``
    the same for a multi operation, scheduled as one pipelined batch; ``multi``
    is a :class:`~couchbase._kv_response.MultiCollector` that completes once,
    when every key has. Both are :class:`~couchbase._pending.Pending`, so a
    front end turns either into its idiom the same way.

What responses become is :mod:`couchbase._kv_response`.
"""
from __future__ import annotations

import contextlib
import functools
import time
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Generic,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
)

from couchbase import _durability, _observe, _replica_lookup
from couchbase import options as _o
from couchbase import subdocument as SD
from couchbase._binding import ffi, lib
from couchbase._common import DEFAULT, check_name
from couchbase._datastructures import DataStructuresMixin
from couchbase._generic import (
    CouchbaseListT,
    CouchbaseMapT,
    CouchbaseQueueT,
    CouchbaseSetT,
    CounterT,
    DsFlagT,
    DsItemT,
    DsMaybeMutationT,
    DsMutationT,
    DsSizeT,
    ExistsT,
    GetT,
    LookupInReplicasT,
    LookupInReplicaT,
    LookupInT,
    MultiCounterT,
    MultiExistsT,
    MultiGetT,
    MultiMutationT,
    MultiReplicaT,
    MutateInT,
    MutationT,
    ReplicasT,
    ReplicaT,
    Specialized,
)
from couchbase._json import dumps_compact
from couchbase._kv_response import (
    _COMMON_MASK,
    _JSON_COMMON,
    K_COUNTER,
    K_DIAG,
    K_EXISTS,
    K_GET,
    K_GET_EXPIRY,
    K_LOOKUP,
    K_MUTATE,
    K_MUTATION,
    K_PING,
    K_PROJECT,
    K_REPLICA,
    K_REPLICAS,
    K_STATS,
    NOT_QUIET,
    QUIET,
    UNLOCK,
    AsyncResult,
    Decode,
    MultiCollector,
    ReportOp,
    placeholder,
)
from couchbase.exceptions import (
    CouchbaseException,
    DocumentUnretrievableException,
    FeatureUnavailableException,
    InvalidArgumentException,
    InvalidArgumentTypeException,
    KeyFormatException,
    KeyFormatTypeException,
    RequestCanceledException,
    ValueTooLargeException,
)
from couchbase.items import Item, ItemCollection
from couchbase.replica_reads import ReadPreference
from couchbase.results import (
    MultiCounterResult,
    MultiExistsResult,
    MultiGetReplicaResult,
    MultiGetResult,
    MultiMutationResult,
    MultiResult,
)
from couchbase.transcoder import FMT_JSON, JSONTranscoder, Transcoder, encode_with

if TYPE_CHECKING:
    from typing_extensions import TypeAlias, Unpack

    from couchbase._instance import Connection
    from couchbase._kwargs import (
        BinaryCounterKwargs,
        BinaryCounterMultiKwargs,
        BinaryKwargs,
        BinaryMultiKwargs,
        CounterKwargs,
        CounterMultiKwargs,
        Expiry,
        GetAndLockKwargs,
        GetAndTouchKwargs,
        GetKwargs,
        GetMultiKwargs,
        InsertKwargs,
        LegacyCounterKwargs,
        LegacyCounterMultiKwargs,
        LockMultiKwargs,
        LookupInKwargs,
        LookupInReplicaKwargs,
        MutateInKwargs,
        OperationKwargs,
        RemoveKwargs,
        RemoveMultiKwargs,
        ReplaceKwargs,
        ReplicaKwargs,
        ReplicaMultiKwargs,
        Seconds,
        TimeoutMultiKwargs,
        UpsertKwargs,
        UpsertMultiKwargs,
    )
    from couchbase.options import (
        AppendMultiOptions,
        AppendOptions,
        DecrementMultiOptions,
        DecrementOptions,
        ExistsMultiOptions,
        ExistsOptions,
        GetAllReplicasMultiOptions,
        GetAllReplicasOptions,
        GetAndLockMultiOptions,
        GetAndLockOptions,
        GetAndTouchOptions,
        GetAnyReplicaMultiOptions,
        GetAnyReplicaOptions,
        GetMultiOptions,
        GetOptions,
        IncrementMultiOptions,
        IncrementOptions,
        InsertMultiOptions,
        InsertOptions,
        LookupInAllReplicasOptions,
        LookupInAnyReplicaOptions,
        LookupInOptions,
        MutateInOptions,
        PrependMultiOptions,
        PrependOptions,
        RemoveMultiOptions,
        RemoveOptions,
        ReplaceMultiOptions,
        ReplaceOptions,
        TouchMultiOptions,
        TouchOptions,
        UnlockMultiOptions,
        UnlockOptions,
        UpsertMultiOptions,
        UpsertOptions,
    )

    #: What a multi store takes: a dict key -> value, an ItemCollection, or (key, value) pairs.
    KeysAndValues: TypeAlias = Union[Mapping[str, Any], ItemCollection, Iterable[Tuple[str, Any]]]

# The options of a call that passed none: shared and read-only, so the common call skips options.merge.
_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})

# Store operations (lcb_STORE_OPERATION).
UPSERT, INSERT, REPLACE, APPEND, PREPEND = 0, 1, 2, 4, 5
# pycb_get modes.
GET_PLAIN, GET_TOUCH, GET_LOCK = 0, 1, 2
# Replica modes (lcb_REPLICA_MODE).
REPLICA_ANY, REPLICA_ALL = 0, 1
_LCB_REPLICA_MODE_IDX0 = 2  # LCB_REPLICA_MODE_IDX0; IDX1, IDX2 follow


# ---- connection-wide operations ------------------------------------------

def _conn_op(conn: "Connection", key: Any, kind: int) -> Tuple[AsyncResult[Any], int]:
    op: AsyncResult[Any] = AsyncResult(key, kind, NOT_QUIET, conn.bucket_name)
    return op, conn.register(op)


def _conn_check(conn: "Connection", op: AsyncResult[Any], rc: int, what: str) -> AsyncResult[Any]:
    if rc:
        raise conn.not_scheduled(op, rc, what)
    return op


def schedule_stats(conn: "Connection", group: str = "") -> AsyncResult[Any]:
    """STATS on every node; the result is ``{server: {stat: value}}``."""
    if not isinstance(group, str):
        raise InvalidArgumentException(message=f"stats group must be a str, got {type(group).__name__}")
    g = group.encode("utf-8")
    op, cookie = _conn_op(conn, group, K_STATS)
    return _conn_check(conn, op, lib.pycb_stats(conn.instance, cookie, g, len(g)), "stats")


def schedule_ping(conn: "Connection", timeout: Any = None,
                  report: Optional[Dict[str, Any]] = None) -> AsyncResult[Any]:
    """Ping every service; the result is a PingResult (``report``: its report_id/service_types)."""
    tmo = _o.timeout_us(timeout)
    op = ReportOp("ping", K_PING, NOT_QUIET, conn.bucket_name)
    op.report = report
    cookie = conn.register(op)
    return _conn_check(conn, op, lib.pycb_ping(conn.instance, cookie, tmo), "ping")


def schedule_diagnostics(conn: "Connection", report: Optional[Dict[str, Any]] = None) -> AsyncResult[Any]:
    """Connection states; the result is a DiagnosticsResult."""
    op = ReportOp("diagnostics", K_DIAG, NOT_QUIET, conn.bucket_name)
    op.report = report
    cookie = conn.register(op)
    return _conn_check(conn, op, lib.pycb_diag(conn.instance, cookie), "diagnostics")


# ---- argument checks ----------------------------------------------------

def key_bytes(key: Any) -> bytes:
    """The wire form of a document key; raises a typed error naming a bad key."""
    if type(key) is str:
        try:
            data = key.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _not_utf8(key, exc) from None
    elif type(key) is bytes:
        data = key
    elif isinstance(key, str):
        try:
            data = str(key).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _not_utf8(key, exc) from None
    elif isinstance(key, (bytes, bytearray)):
        data = bytes(key)
    else:
        raise InvalidArgumentTypeException(
            message=f"document keys must be str or bytes, got {type(key).__name__}: {key!r}"
        )
    n = len(data)
    if n == 0 or n > 250:
        raise InvalidArgumentException(
            message=f"document key must be 1..250 bytes, got {n} bytes: {key[:40]!r}{'...' if n > 40 else ''}"
        )
    return data


def _not_utf8(key: str, exc: UnicodeEncodeError) -> CouchbaseException:
    """A str key with a lone surrogate: no UTF-8 form, so no key the server can store."""
    return KeyFormatException(message=f"document key {key[:40]!r} is not valid UTF-8 text ({exc.reason} at "
                                      f"index {exc.start}); pass bytes for binary keys")


def _multi_key(key: Any, name: str) -> None:
    """Check a key of a multi operation: a valid key that can index its MultiResult."""
    key_bytes(key)
    try:
        hash(key)
    except TypeError:
        raise KeyFormatTypeException(
            message=f"{name}: keys index the MultiResult, so they must be str or bytes, "
                    f"got {type(key).__name__}: {key[:40]!r}") from None


def cancel_scheduled(conn: "Connection", ops: List[AsyncResult[Any]]) -> None:
    """A ``batch()`` block raised: drop what it scheduled (nothing was sent) and fail each op."""
    conn.sched_fail()
    for op in ops:
        conn.unregister(op)
        op._fail(RequestCanceledException(message="the batch block raised; nothing was sent"))


# ---- the KV surface -------------------------------------------------------

_COMMON = ("timeout", "transcoder", "parent_span")
_MUT = _COMMON + ("expiry", "durability", "persist_to", "replicate_to")
A_GET = _o.allowed(*_COMMON, "with_expiry", "project", "quiet", "no_format")
A_GAT = _o.allowed(*_COMMON, "quiet", "no_format")
A_LOCK = _o.allowed(*_COMMON, "quiet", "no_format")
A_REPLICA = _o.allowed(*_COMMON, "read_preference")
A_EXISTS = _o.allowed("timeout", "parent_span")
A_TOUCH = _o.allowed("timeout", "parent_span")
A_UNLOCK = _o.allowed("timeout", "parent_span")
A_STORE = _o.allowed(*_MUT, "cas", "preserve_expiry", "format")
A_INSERT = _o.allowed(*_MUT, "format")
A_REMOVE = _o.allowed("timeout", "parent_span", "cas", "durability", "persist_to", "replicate_to", "quiet")
A_BINARY = _o.allowed("timeout", "parent_span", "cas", "durability", "persist_to", "replicate_to")
A_COUNTER = _o.allowed("timeout", "parent_span", "delta", "initial", "expiry", "durability", "persist_to",
                       "replicate_to")
A_LOOKUP = _o.allowed("timeout", "parent_span", "access_deleted")
A_LOOKUP_REPLICA = _o.allowed("timeout", "parent_span", "read_preference")
A_MUTATE = _o.allowed("timeout", "parent_span", "cas", "expiry", "durability", "persist_to", "replicate_to",
                      "store_semantics", "preserve_expiry", "access_deleted",
                      "upsert_doc", "insert_doc", "replace_doc")


_LCB_ERR_DURABILITY_TOO_MANY = 1032
_MULTI_EXTRA = frozenset({"return_exceptions", "quiet", "per_key_options"})


@functools.lru_cache(maxsize=None)
def _multi_opts(single: FrozenSet[str]) -> FrozenSet[str]:
    """A multi operation's options: its single operation's and the multi ones."""
    return single | _MULTI_EXTRA
_MUTATING = frozenset({K_MUTATION, K_COUNTER, K_MUTATE})


def _int_opt(op: str, name: str, value: Any, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgumentException(message=f"{op}: {name} must be an int, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise InvalidArgumentException(message=f"{op}: {name}={value} is out of range")
    return value


def _counter_number(op: str, name: str, value: Any) -> int:
    value = getattr(value, "value", value)
    return _int_opt(op, name, value, -(2**63), 2**64 - 1)


class KVOperations(Specialized,
                   DataStructuresMixin[DsMutationT, DsMaybeMutationT, DsItemT, DsSizeT, DsFlagT,
                                       CouchbaseListT, CouchbaseMapT, CouchbaseSetT, CouchbaseQueueT],
                   Generic[GetT, ReplicaT, ReplicasT, ExistsT, MutationT, CounterT, LookupInT, MutateInT,
                           MultiGetT, MultiReplicaT, MultiExistsT, MultiMutationT, MultiCounterT,
                           LookupInReplicaT, LookupInReplicasT, DsMutationT, DsMaybeMutationT, DsItemT,
                           DsSizeT, DsFlagT, CouchbaseListT, CouchbaseMapT, CouchbaseSetT, CouchbaseQueueT]):
    """Every key-value operation of SPEC section 2; mixed into each front end's Collection."""

    # Set by the concrete collection (see _bind).
    _conn: "Connection"
    _scope_b: bytes = b""
    _coll_b: bytes = b""
    _bucket_name: Optional[str] = None
    _transcoder: Transcoder
    _quiet: bool = False  # see _quiet_default
    _durability_stack: List[Dict[str, Any]]

    _get_ctx: Decode  # the decode context of a get without options
    # A read's result decodes its document on first access (SDK 4.x); the 1.x API turns this off
    # (``_decode_at_once``) so that its reads fail when the document cannot be decoded, as 1.x's did.
    _lazy: bool = True
    _batch: Optional[List[AsyncResult[Any]]] = None  # the open batch() block's operations

    # Front ends implement these.
    def _submit(self, schedule: Callable[..., AsyncResult[Any]], *args: Any) -> Any:  # pragma: no cover
        raise NotImplementedError  # abstract

    def _submit_multi(self, schedules: List[Callable[[], AsyncResult[Any]]],
                      multi: MultiCollector[Any]) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract

    def _schedule_multi(self, schedules: List[Callable[[], AsyncResult[Any]]],
                        multi: MultiCollector[Any]) -> None:
        """Schedule every operation of a multi call as one pipelined batch, or into the
        open ``batch()`` block (sent when it ends). Nothing is sent if one fails to schedule."""
        batch = self._batch
        if batch is not None:
            for schedule in schedules:
                op = schedule()
                multi.add(op)
                batch.append(op)
        else:
            conn = self._conn
            conn.sched_enter()
            try:
                for schedule in schedules:
                    multi.add(schedule())
            except BaseException:
                conn.sched_fail()
                for op in multi.ops:
                    conn.unregister(op)
                raise
            conn.sched_leave()
        if multi.remaining == 0:  # no keys: complete now, nothing will
            multi.finish()

    @contextlib.contextmanager
    def _scheduling_block(self) -> Iterator[List[AsyncResult[Any]]]:
        """The core of every front end's ``batch()``: what the block schedules is held in one
        libcouchbase scheduling context (and collected in the yielded list), sent when the
        block ends, or dropped and failed with RequestCanceledException if it raises."""
        conn = self._conn
        ops: List[AsyncResult[Any]] = []
        conn.sched_enter()
        self._batch = ops
        try:
            yield ops
        except BaseException:
            self._batch = None
            cancel_scheduled(conn, ops)
            raise
        self._batch = None
        conn.sched_leave()

    def _submit_durable(self, schedule: Callable[[], AsyncResult[Any]], persist_to: int,
                        replicate_to: int) -> Any:
        """Run a mutation, then poll observe-based durability from its mutation token."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _submit_maybe_durable(self, schedule: Callable[[], AsyncResult[Any]], opts: Mapping[str, Any]) -> Any:
        if "parent_span" in opts:
            schedule = functools.partial(self._with_parent, opts["parent_span"], schedule)
        _level, persist_to, replicate_to = self._durability(opts)
        if persist_to or replicate_to:
            return self._submit_durable(schedule, persist_to, replicate_to)
        return self._submit(schedule)

    def _submit_with(self, opts: Mapping[str, Any], schedule: Callable[..., AsyncResult[Any]],
                     *args: Any) -> Any:
        """``self._submit(schedule, *args)``, under the ``parent_span`` option when ``opts`` has one."""
        if "parent_span" in opts:
            return self._submit(self._with_parent, opts["parent_span"], schedule, *args)
        return self._submit(schedule, *args)

    def _with_parent(self, parent: Any, schedule: Callable[..., AsyncResult[Any]],
                     *args: Any) -> AsyncResult[Any]:
        """``schedule(*args)`` with ``parent`` (a parent_span option) as the parent of the spans
        libcouchbase starts for it (see couchbase._observe)."""
        conn = self._conn
        with _observe.parent_span(conn.instance, conn.tracer_id, parent):
            return schedule(*args)

    def _bind(self, scope: Any, name: str) -> None:
        """Attach to ``scope`` (any front end's Scope) as collection ``name``; every front end's
        Collection starts with this."""
        self._scope = scope
        self.name = check_name("collection", name)
        bucket = scope.bucket
        self._bucket_name = bucket.name
        self._conn = bucket._conn
        self._transcoder = bucket._transcoder
        self._quiet_default = bucket._quiet_default  # also builds _get_ctx
        default = scope.name == DEFAULT and name == DEFAULT
        self._scope_b = b"" if default else scope.name.encode("utf-8")
        self._coll_b = b"" if default else name.encode("utf-8")
        self._durability_stack = []
        # mutation tokens turned off: results still name the vBucket (SDK 4.x), which then costs a lookup
        cluster = getattr(bucket, "_cluster", None)
        self._tokens_off = getattr(cluster, "_settings", {}).get("enable_mutation_tokens") == "false"
        self._server_group: Optional[str] = getattr(cluster, "_preferred_server_group", None)

    @property
    def default_transcoder(self) -> Transcoder:
        """The transcoder this collection uses when an operation names none (the cluster's by default)."""
        return self._transcoder

    @default_transcoder.setter
    def default_transcoder(self, transcoder: Transcoder) -> None:
        if not (hasattr(transcoder, "encode_value") and hasattr(transcoder, "decode_value")):
            raise InvalidArgumentException(
                message=f"transcoder must implement encode_value/decode_value, got {transcoder!r}")
        self._transcoder = transcoder
        self._cache_get_ctx()

    @property
    def _quiet_default(self) -> bool:
        """Failed reads/removes return a result with ``success == False`` instead of raising
        (set by the cluster's ``quiet``, or the 1.x ``Connection.quiet``)."""
        return self._quiet

    @_quiet_default.setter
    def _quiet_default(self, quiet: bool) -> None:
        self._quiet = quiet
        self._cache_get_ctx()

    def _decode_at_once(self) -> None:
        """Reads on this collection decode their document before they complete (the 1.x API)."""
        self._lazy = False
        self._cache_get_ctx()

    def _cache_get_ctx(self) -> None:
        """The decode context of a get without options, made again when what it holds changes."""
        self._get_ctx = Decode(self._transcoder, False, self._quiet, lazy=self._lazy)

    @property
    def scope_name(self) -> str:
        """The name of the collection's scope."""
        return self._scope.name

    # ---- helpers ---------------------------------------------------------
    def _new_op(self, key: Any, kind: int, ctx: Decode) -> Tuple[AsyncResult[Any], int]:
        if self._tokens_off and kind in _MUTATING and ctx is not UNLOCK:
            ctx = ctx.with_vbucket(self._conn.instance, key_bytes(key))
        op: AsyncResult[Any] = AsyncResult(key, kind, ctx, self._bucket_name)
        return op, self._conn.register(op)

    def _check_rc(self, op: AsyncResult[Any], rc: int, what: str) -> AsyncResult[Any]:
        if rc:
            exc = self._conn.not_scheduled(op, rc, f"{what} of {op.key!r}")
            if rc == _LCB_ERR_DURABILITY_TOO_MANY:
                # the bucket has too few copies for the request: that is this operation's outcome
                # (in a multi operation, this key's exception), as in SDK 4.x
                op._fail(exc)
                return op
            raise exc
        return op

    def _durability(self, opts: Mapping[str, Any]) -> Tuple[int, int, int]:
        stack = self.__dict__.get("_durability_stack")
        if stack and not any(k in opts for k in ("durability", "persist_to", "replicate_to")):
            opts = stack[-1]
        return _o.durability_args(opts)

    def _tc(self, opts: Mapping[str, Any]) -> Transcoder:
        tc = opts.get("transcoder")
        if tc is None:
            return self._transcoder
        if not (hasattr(tc, "encode_value") and hasattr(tc, "decode_value")):
            raise InvalidArgumentException(
                message=f"transcoder must implement encode_value/decode_value, got {tc!r}")
        return tc

    # ---- reads -------------------------------------------------------------
    def _sched_get(self, key: Any, opts: Mapping[str, Any], mode: int = GET_PLAIN,
                   arg: int = 0) -> AsyncResult[Any]:
        kb = key_bytes(key)
        if not opts:  # the common call: no options at all
            ctx, tmo = self._get_ctx, 0
        else:
            quiet = bool(opts.get("quiet", self._quiet_default))
            tc = self._tc(opts)
            tmo = _o.timeout_us(opts.get("timeout"))
            no_format = bool(opts.get("no_format", False))
            if mode == GET_PLAIN and opts.get("with_expiry"):
                specs = [SD.Spec(SD.GET, "$document.exptime", flags=1 << 18),
                         SD.Spec(SD.GET, "$document.flags", flags=1 << 18), SD.Spec(SD.GET_DOC, "")]
                return self._sched_subdoc(key, kb, specs, K_GET_EXPIRY,
                                          Decode(tc, no_format, quiet, lazy=self._lazy),
                                          {"timeout": opts.get("timeout")})
            if mode == GET_PLAIN and opts.get("project"):
                paths = opts["project"]
                if isinstance(paths, str) or not all(isinstance(p, str) for p in paths):
                    raise InvalidArgumentException(message="get: project must be a list of path strings")
                paths = list(paths)
                if not paths:
                    raise InvalidArgumentException(message="get: project needs at least one path")
                # a lookup takes at most 16 paths; with more the whole document is read and the
                # paths are picked from it here (as SDK 4.x does)
                specs = [SD.get(p) for p in paths] if len(paths) <= 16 else [SD.Spec(SD.GET_DOC, "")]
                return self._sched_subdoc(key, kb, specs, K_PROJECT, Decode(quiet=quiet, specs=paths),
                                          {"timeout": opts.get("timeout")})
            ctx = Decode(tc, no_format, quiet, lazy=self._lazy)
        op: AsyncResult[Any] = AsyncResult(key, K_GET, ctx, self._bucket_name)  # _new_op, inline
        conn = self._conn
        cookie = conn.register(op)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_get(conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), mode, arg, tmo)
        return self._check_rc(op, rc, "get") if rc else op

    def get(self, key: str, *options: GetOptions, **kwargs: Unpack[GetKwargs]) -> GetT:
        """Read a document.

        Args:
            key: The document key (str or bytes, 1 to 250 bytes as UTF-8).
            *options: :class:`~couchbase.options.GetOptions` blocks.
            **kwargs: The same options by name: ``timeout`` (timedelta or seconds), ``with_expiry``
                (also read the expiry into ``expiry_time``), ``project`` (a list of paths: the result
                holds only those), ``transcoder``, ``quiet`` (return a result with ``success`` False
                instead of raising when the document is missing), ``no_format`` (the stored bytes,
                undecoded).

        Returns:
            GetResult: The value (``content_as[...]``, ``value``: decoded by the transcoder on first
            access, which raises ValueFormatException for a document it cannot decode), CAS and flags.

        Raises:
            InvalidArgumentException: A bad key, an unknown option or an option of the wrong type or
                value (an empty ``project``).
            DocumentNotFoundException: No such document (unless ``quiet``).
            TimeoutException: No reply within the timeout.
        """
        if not (options or kwargs):  # the common call: no options, no lookups
            return self._submit(self._sched_get, key, _NO_OPTIONS)
        opts = _o.merge("get", A_GET, options, kwargs)
        return self._submit_with(opts, self._sched_get, key, opts)

    def get_and_touch(self, key: str, expiry: Expiry, *options: GetAndTouchOptions,
                      **kwargs: Unpack[GetAndTouchKwargs]) -> GetT:
        """Read a document and set its expiry in one operation.

        Args:
            key: The document key.
            expiry: The new expiry: a timedelta, seconds (up to 30 days: relative; above: a Unix
                time), or 0 for none.
            *options: :class:`~couchbase.options.GetAndTouchOptions` blocks.
            **kwargs: ``timeout``, ``transcoder``, ``quiet``, ``no_format`` (as for :meth:`get`).

        Returns:
            GetResult: The value and the CAS after the touch.

        Raises:
            InvalidArgumentException: A bad key, expiry or option.
            DocumentNotFoundException: No such document (unless ``quiet``).
            DocumentLockedException: The document is locked.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("get_and_touch", A_GAT, options, kwargs)
        exp = _o.expiry_value(expiry)
        return self._submit_with(opts, self._sched_get, key, opts, GET_TOUCH, exp)

    def get_and_lock(self, key: str, lock_time: Seconds, *options: GetAndLockOptions,
                     **kwargs: Unpack[GetAndLockKwargs]) -> GetT:
        """Read a document and lock it against writes for ``lock_time``.

        A locked document is written only with the CAS this returns (or once the lock expires);
        :meth:`unlock` releases it. ``lock`` is the 1.x name of this method.

        Args:
            key: The document key.
            lock_time: How long to hold the lock: a timedelta or seconds, at most 30.
            *options: :class:`~couchbase.options.GetAndLockOptions` blocks.
            **kwargs: ``timeout``, ``transcoder``, ``quiet``, ``no_format`` (as for :meth:`get`).

        Returns:
            GetResult: The value and the CAS that unlocks the document.

        Raises:
            InvalidArgumentException: A bad key or option, or ``lock_time`` above 30 seconds.
            DocumentNotFoundException: No such document (unless ``quiet``).
            DocumentLockedException: The document is already locked.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("get_and_lock", A_LOCK, options, kwargs)
        secs = int(_o.to_seconds("lock_time", lock_time))
        if secs > 30:
            raise InvalidArgumentException(
                message=f"get_and_lock: lock_time must be at most 30 seconds, got {secs}")
        return self._submit_with(opts, self._sched_get, key, opts, GET_LOCK, secs)

    lock = get_and_lock

    def _selected_group(self, opts: Mapping[str, Any]) -> Optional[str]:
        """The server group a replica read is limited to (SELECTED_SERVER_GROUP with
        ``ClusterOptions(preferred_server_group=...)``), else None."""
        pref = opts.get("read_preference")
        if pref is None or int(pref) == ReadPreference.NO_PREFERENCE:
            return None
        return getattr(self, "_server_group", None)

    def _check_read_preference(self, key: Any, opts: Mapping[str, Any]) -> Optional[AsyncResult[Any]]:
        """SELECTED_SERVER_GROUP reads only copies on nodes of the cluster's preferred server
        group (their groups come from the bucket configuration, Server 7.6+; libcouchbase 3.3 does
        not read them). With no group configured no copy qualifies, and the read's outcome is
        DocumentUnretrievableException (as SDK 4.x; returned as a failed operation, so a multi read
        reports it per key)."""
        pref = opts.get("read_preference")
        if pref is None:
            return None
        try:
            pref = ReadPreference(pref)
        except ValueError:
            raise InvalidArgumentException(
                message=f"read_preference must be a ReadPreference, got {pref!r}") from None
        if pref is ReadPreference.NO_PREFERENCE:
            return None
        group = getattr(self, "_server_group", None)
        if group is None:
            key_bytes(key)  # a bad key is still refused as such
            op = placeholder()
            op.key = key
            op._fail(DocumentUnretrievableException(
                f"no copy of {key!r} is in the preferred server group: read_preference="
                "SELECTED_SERVER_GROUP needs ClusterOptions(preferred_server_group=...)"))
            return op
        return None

    def _sched_replica(self, key: Any, opts: Mapping[str, Any], mode: int) -> AsyncResult[Any]:
        unreadable = self._check_read_preference(key, opts)
        if unreadable is not None:
            return unreadable
        group = self._selected_group(opts)
        if group is not None:
            return self._sched_replica_in_group(key, opts, mode, group)
        kb = key_bytes(key)
        kind = K_REPLICAS if mode == REPLICA_ALL else K_REPLICA
        tmo = _o.timeout_us(opts.get("timeout"))  # may raise: before the op is registered
        op, cookie = self._new_op(key, kind, Decode(self._tc(opts), lazy=self._lazy))
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_getreplica(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), mode, tmo)
        return self._check_rc(op, rc, "replica read")

    def _sched_replica_in_group(self, key: Any, opts: Mapping[str, Any], mode: int,
                                group: str) -> AsyncResult[Any]:
        """get_*_replica limited to the copies on nodes of ``group``: the active copy with a plain
        get, replica n with libcouchbase's replica read of that index."""
        kb = key_bytes(key)
        tmo = _o.timeout_us(opts.get("timeout"))
        tc = self._tc(opts)
        s, c = self._scope_b, self._coll_b

        def copy_op(copy: int) -> AsyncResult[Any]:
            if copy == 0:
                op, cookie = self._new_op(key, K_GET, Decode(tc, lazy=self._lazy))
                rc = lib.pycb_get(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), GET_PLAIN,
                                  0, tmo)
            else:
                op, cookie = self._new_op(key, K_REPLICA, Decode(tc, lazy=self._lazy))
                rc = lib.pycb_getreplica(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb),
                                         _LCB_REPLICA_MODE_IDX0 + copy - 1, tmo)
            return self._check_rc(op, rc, "replica read")

        inner = _replica_lookup.start(self._conn, key, kb, s, c, [], mode == REPLICA_ANY, group, copy_op,
                                      timeout_us=tmo)
        return self._adopted(key, inner)

    def _adopted(self, key: Any, inner: Any) -> AsyncResult[Any]:
        """An AsyncResult (what every front end's _wrap takes) completing as ``inner`` does."""
        op = placeholder()
        op.key = key
        inner.on_done = op._adopt
        if inner.done:
            op._adopt(inner)
        return op

    def get_any_replica(self, key: str, *options: GetAnyReplicaOptions,
                        **kwargs: Unpack[ReplicaKwargs]) -> ReplicaT:
        """Read a document from the first copy (active or replica) that answers.

        Args:
            key: The document key.
            *options: :class:`~couchbase.options.GetAnyReplicaOptions` blocks.
            **kwargs: ``timeout``, ``transcoder``, ``read_preference`` (only
                ``ReadPreference.NO_PREFERENCE``).

        Returns:
            GetReplicaResult: The value, and ``is_replica`` telling which copy answered.

        Raises:
            InvalidArgumentException: A bad key or option.
            FeatureUnavailableException: ``read_preference=SELECTED_SERVER_GROUP`` (libcouchbase 3 has no
                server groups).
            DocumentUnretrievableException: No copy has the document.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("get_any_replica", A_REPLICA, options, kwargs)
        return self._submit_with(opts, self._sched_replica, key, opts, REPLICA_ANY)

    def get_all_replicas(self, key: str, *options: GetAllReplicasOptions,
                         **kwargs: Unpack[ReplicaKwargs]) -> ReplicasT:
        """Read a document from the active node and every replica.

        Args:
            key: The document key.
            *options: :class:`~couchbase.options.GetAllReplicasOptions` blocks.
            **kwargs: ``timeout``, ``transcoder``, ``read_preference`` (as for :meth:`get_any_replica`).

        Returns:
            list[GetReplicaResult]: One result per copy that answered.

        Raises:
            InvalidArgumentException: A bad key or option.
            FeatureUnavailableException: ``read_preference=SELECTED_SERVER_GROUP``.
            DocumentUnretrievableException: No copy has the document.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("get_all_replicas", A_REPLICA, options, kwargs)
        return self._submit_with(opts, self._sched_replica, key, opts, REPLICA_ALL)

    def _sched_exists(self, key: Any, opts: Mapping[str, Any]) -> AsyncResult[Any]:
        kb = key_bytes(key)
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_EXISTS, NOT_QUIET)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_exists(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), tmo)
        return self._check_rc(op, rc, "exists")

    def exists(self, key: str, *options: ExistsOptions, **kwargs: Unpack[OperationKwargs]) -> ExistsT:
        """Tell whether a document exists, without reading it.

        Args:
            key: The document key.
            *options: :class:`~couchbase.options.ExistsOptions` blocks.
            **kwargs: ``timeout``.

        Returns:
            ExistsResult: ``exists`` (a missing document is not an error) and the CAS.

        Raises:
            InvalidArgumentException: A bad key or option.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("exists", A_EXISTS, options, kwargs)
        return self._submit_with(opts, self._sched_exists, key, opts)

    # ---- simple mutations --------------------------------------------------
    def _sched_touch(self, key: Any, expiry: Any, opts: Mapping[str, Any]) -> AsyncResult[Any]:
        kb = key_bytes(key)
        exp = _o.expiry_value(expiry)
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_MUTATION, NOT_QUIET)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_touch(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), exp, tmo)
        return self._check_rc(op, rc, "touch")

    def touch(self, key: str, expiry: Expiry, *options: TouchOptions,
              **kwargs: Unpack[OperationKwargs]) -> MutationT:
        """Set a document's expiry without reading or changing its value.

        Args:
            key: The document key.
            expiry: The new expiry: a timedelta, seconds (up to 30 days: relative; above: a Unix
                time), or 0 for none.
            *options: :class:`~couchbase.options.TouchOptions` blocks.
            **kwargs: ``timeout``.

        Returns:
            MutationResult: The new CAS.

        Raises:
            InvalidArgumentException: A bad key, expiry or option.
            DocumentNotFoundException: No such document.
            DocumentLockedException: The document is locked.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("touch", A_TOUCH, options, kwargs)
        return self._submit_with(opts, self._sched_touch, key, expiry, opts)

    def _sched_unlock(self, key: Any, cas: Any, opts: Mapping[str, Any]) -> AsyncResult[Any]:
        kb = key_bytes(key)
        cas = _int_opt("unlock", "cas", cas, 1, 2**64 - 1)
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_MUTATION, UNLOCK)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_unlock(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), cas, tmo)
        return self._check_rc(op, rc, "unlock")

    def unlock(self, key: str, cas: int, *options: UnlockOptions,
               **kwargs: Unpack[OperationKwargs]) -> MutationT:
        """Release a lock taken with :meth:`get_and_lock`.

        Args:
            key: The document key.
            cas: The CAS :meth:`get_and_lock` returned.
            *options: :class:`~couchbase.options.UnlockOptions` blocks.
            **kwargs: ``timeout``.

        Returns:
            MutationResult: The result of the unlock.

        Raises:
            InvalidArgumentException: A bad key or option, or ``cas`` not a positive 64-bit int.
            DocumentNotFoundException: No such document.
            DocumentNotLockedException: The document is not locked (server 7.0 and later).
            CasMismatchException: ``cas`` is not the lock's CAS (``DocumentLockedException`` from
                servers that report it so).
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("unlock", A_UNLOCK, options, kwargs)
        return self._submit_with(opts, self._sched_unlock, key, cas, opts)

    def _sched_store(self, operation: int, key: Any, value: Any, opts: Mapping[str, Any]) -> AsyncResult[Any]:
        kb = key_bytes(key)
        tc = self._tc(opts) if opts else self._transcoder
        if operation in (APPEND, PREPEND):
            if isinstance(value, str):
                data, flags = value.encode("utf-8"), 0
            elif isinstance(value, (bytes, bytearray, memoryview)):
                data, flags = bytes(value), 0
            else:
                raise InvalidArgumentException(message=f"append/prepend values must be str or bytes, got "
                                                       f"{type(value).__name__}")
        elif type(tc) is JSONTranscoder and tc._dumps is dumps_compact and opts.get("format") is None:
            # the 4.x default transcoder with its own serializer: what encode_value gives, without its
            # calls (a value it refuses goes through it, to raise its error)
            try:
                data, flags = dumps_compact(value), FMT_JSON
            except Exception:  # noqa: BLE001 - encode_with raises the transcoder's own error
                data, flags = encode_with(tc, value, None)
        else:
            data, flags = encode_with(tc, value, opts.get("format"))
        if len(data) > 20 * 1024 * 1024:
            raise ValueTooLargeException(
                message=f"value for {key!r} is {len(data)} bytes; the limit is 20 MiB")
        if opts or self.__dict__.get("_durability_stack"):
            exp = _o.expiry_value(opts.get("expiry"))
            cas = opts.get("cas", 0) or 0
            if cas:
                cas = _int_opt("store", "cas", cas, 0, 2**64 - 1)
                if operation == UPSERT:  # libcouchbase drops the CAS of an upsert; a CAS'd store is a replace
                    operation = REPLACE
            level, persist_to, replicate_to = self._durability(opts)
            preserve = bool(opts.get("preserve_expiry", False))
            if preserve and exp:
                raise InvalidArgumentException(message="preserve_expiry cannot be combined with expiry")
        else:  # the common call: no options, no durability() block
            exp = cas = level = persist_to = replicate_to = 0
            preserve = False
        datatype = 1 if ((flags & _COMMON_MASK) == _JSON_COMMON
                         or flags == 0 and operation not in (APPEND, PREPEND)
                         and data[:1] in (b"{", b"[")) else 0
        tmo = _o.timeout_us(opts.get("timeout")) if opts else 0  # may raise: before the op is registered
        op, cookie = self._new_op(key, K_MUTATION, NOT_QUIET)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_store(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), data, len(data),
                            operation, flags, exp, cas, datatype, level, persist_to, replicate_to, preserve,
                            tmo)
        return self._check_rc(op, rc, "store") if rc else op

    def upsert(self, key: str, value: Any, *options: UpsertOptions,
               **kwargs: Unpack[UpsertKwargs]) -> MutationT:
        """Create a document, or replace it if it exists.

        Args:
            key: The document key.
            value: The value; the transcoder encodes it (the default JSONTranscoder stores any
                JSON-serializable value, a str as a JSON string, and refuses bytes: use
                RawBinaryTranscoder for them).
            *options: :class:`~couchbase.options.UpsertOptions` blocks.
            **kwargs: The same options by name: ``expiry``, ``cas`` (store only if the document's CAS
                still matches), ``durability`` (a :class:`~couchbase.durability.DurabilityLevel`,
                ``ServerDurability`` or ``ClientDurability``), ``persist_to``/``replicate_to``,
                ``preserve_expiry``, ``transcoder``, ``format`` (a 1.x ``FMT_*``), ``timeout``.

        Returns:
            MutationResult: The new CAS and the mutation token.

        Raises:
            InvalidArgumentException: A bad key or option (``preserve_expiry`` with ``expiry``).
            ValueFormatException: The transcoder cannot encode ``value``.
            ValueTooLargeException: The encoded value is above 20 MiB.
            CasMismatchException: ``cas`` no longer matches.
            DocumentLockedException: The document is locked.
            DurabilityImpossibleException: Too few replicas for the requested durability.
            TimeoutException: No reply within the timeout (AmbiguousTimeoutException: the write may
                have happened).
        """
        if not (options or kwargs):  # the common call: no options, no lookups
            return self._submit(self._sched_store, UPSERT, key, value, _NO_OPTIONS)
        opts = _o.merge("upsert", A_STORE, options, kwargs)
        return self._submit_with(opts, self._sched_store, UPSERT, key, value, opts)

    def insert(self, key: str, value: Any, *options: InsertOptions,
               **kwargs: Unpack[InsertKwargs]) -> MutationT:
        """Create a document that must not exist yet.

        Args:
            key: The document key.
            value: The value, encoded by the transcoder.
            *options: :class:`~couchbase.options.InsertOptions` blocks.
            **kwargs: ``expiry``, ``durability``, ``persist_to``/``replicate_to``, ``transcoder``,
                ``format``, ``timeout`` (as for :meth:`upsert`).

        Returns:
            MutationResult: The new CAS and the mutation token.

        Raises:
            InvalidArgumentException: A bad key or option.
            DocumentExistsException: A document with this key exists.
            ValueFormatException: The transcoder cannot encode ``value``.
            ValueTooLargeException: The encoded value is above 20 MiB.
            DurabilityImpossibleException: Too few replicas for the requested durability.
            TimeoutException: No reply within the timeout.
        """
        if not (options or kwargs):  # the common call: no options, no lookups
            return self._submit(self._sched_store, INSERT, key, value, _NO_OPTIONS)
        opts = _o.merge("insert", A_INSERT, options, kwargs)
        return self._submit_with(opts, self._sched_store, INSERT, key, value, opts)

    def replace(self, key: str, value: Any, *options: ReplaceOptions,
                **kwargs: Unpack[ReplaceKwargs]) -> MutationT:
        """Replace a document that must exist (optionally only if its CAS matches).

        Args:
            key: The document key.
            value: The new value, encoded by the transcoder.
            *options: :class:`~couchbase.options.ReplaceOptions` blocks.
            **kwargs: ``cas``, ``expiry``, ``preserve_expiry``, ``durability``,
                ``persist_to``/``replicate_to``, ``transcoder``, ``format``, ``timeout`` (as for
                :meth:`upsert`).

        Returns:
            MutationResult: The new CAS and the mutation token.

        Raises:
            InvalidArgumentException: A bad key or option.
            DocumentNotFoundException: No such document.
            CasMismatchException: ``cas`` no longer matches.
            DocumentLockedException: The document is locked.
            ValueFormatException: The transcoder cannot encode ``value``.
            ValueTooLargeException: The encoded value is above 20 MiB.
            TimeoutException: No reply within the timeout.
        """
        if not (options or kwargs):  # the common call: no options, no lookups
            return self._submit(self._sched_store, REPLACE, key, value, _NO_OPTIONS)
        opts = _o.merge("replace", A_STORE, options, kwargs)
        return self._submit_with(opts, self._sched_store, REPLACE, key, value, opts)

    def _sched_remove(self, key: Any, opts: Mapping[str, Any]) -> AsyncResult[Any]:
        kb = key_bytes(key)
        cas = opts.get("cas", 0) or 0
        if cas:
            cas = _int_opt("remove", "cas", cas, 0, 2**64 - 1)
        level = self._durability(opts)[0]
        quiet = bool(opts.get("quiet", self._quiet_default))
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_MUTATION, QUIET if quiet else NOT_QUIET)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_remove(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), cas, level, tmo)
        return self._check_rc(op, rc, "remove")

    def remove(self, key: str, *options: RemoveOptions, **kwargs: Unpack[RemoveKwargs]) -> MutationT:
        """Delete a document (optionally only if its CAS matches).

        Args:
            key: The document key.
            *options: :class:`~couchbase.options.RemoveOptions` blocks.
            **kwargs: ``cas``, ``durability``, ``persist_to``/``replicate_to``, ``quiet`` (return a
                result with ``success`` False instead of raising when the document is missing),
                ``timeout``.

        Returns:
            MutationResult: The CAS of the deletion and the mutation token.

        Raises:
            InvalidArgumentException: A bad key or option.
            DocumentNotFoundException: No such document (unless ``quiet``).
            CasMismatchException: ``cas`` no longer matches.
            DocumentLockedException: The document is locked.
            DurabilityImpossibleException: Too few replicas for the requested durability.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("remove", A_REMOVE, options, kwargs)
        return self._submit_maybe_durable(lambda: self._sched_remove(key, opts), opts)

    # ---- binary ------------------------------------------------------------
    def _sched_counter(self, key: Any, delta: int, opts: Mapping[str, Any]) -> AsyncResult[Any]:
        kb = key_bytes(key)
        initial = opts.get("initial")
        has_initial = initial is not None
        init = _counter_number("counter", "initial", initial) if has_initial else 0
        if init < 0:  # SDK 4.x: a negative initial means "do not create a missing counter"
            has_initial, init = False, 0
        exp = _o.expiry_value(opts.get("expiry"))
        level = self._durability(opts)[0]
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_COUNTER, NOT_QUIET)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_counter(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), delta, init,
                              has_initial, exp, level, tmo)
        return self._check_rc(op, rc, "counter")

    def _counter(self, name: str, key: Any, sign: int, options: Tuple[Any, ...],
                 kwargs: Mapping[str, Any]) -> Any:
        # SDK 4.x default: initial=0, a missing counter is created (initial=SignedInt64(-1): it is not)
        opts = _o.merge(name, A_COUNTER, options, kwargs, defaults={"initial": 0})
        delta = _counter_number(name, "delta", opts.get("delta", 1))
        if not 0 < delta < 2**63:  # libcouchbase takes a signed 64-bit delta
            raise InvalidArgumentException(message=f"{name}: delta must be in 1..2**63-1, got {delta}")
        return self._submit_maybe_durable(lambda: self._sched_counter(key, sign * delta, opts), opts)

    def increment(self, key: str, *options: IncrementOptions, **kwargs: Unpack[CounterKwargs]) -> CounterT:
        """Add to a counter document (a decimal number stored as its text).

        Args:
            key: The counter's key.
            *options: :class:`~couchbase.options.IncrementOptions` blocks.
            **kwargs: ``delta`` (int or ``DeltaValue``, 1 to 2**63-1, default 1), ``initial`` (the
                value a missing counter is created with, default 0; a negative ``SignedInt64``: do not
                create it), ``expiry``, ``durability``, ``persist_to``/``replicate_to``, ``timeout``.

        Returns:
            CounterResult: The new ``content`` of the counter and its CAS.

        Raises:
            InvalidArgumentException: A bad key or option, or ``delta`` out of range.
            DocumentNotFoundException: The counter is missing and ``initial`` is negative.
            InvalidDeltaException: The stored value is not a number (DeltaBadvalError in 1.x).
            TimeoutException: No reply within the timeout.
        """
        return self._counter("increment", key, 1, options, kwargs)

    def decrement(self, key: str, *options: DecrementOptions, **kwargs: Unpack[CounterKwargs]) -> CounterT:
        """Subtract from a counter document; it stops at 0.

        Args:
            key: The counter's key.
            *options: :class:`~couchbase.options.DecrementOptions` blocks.
            **kwargs: ``delta``, ``initial``, ``expiry``, ``durability``, ``persist_to``/``replicate_to``,
                ``timeout`` (as for :meth:`increment`).

        Returns:
            CounterResult: The new ``content`` of the counter and its CAS.

        Raises:
            InvalidArgumentException: A bad key or option, or ``delta`` out of range.
            DocumentNotFoundException: The counter is missing and ``initial`` is negative.
            InvalidDeltaException: The stored value is not a number.
            TimeoutException: No reply within the timeout.
        """
        return self._counter("decrement", key, -1, options, kwargs)

    def counter(self, key: str, delta: int = 1, initial: Optional[int] = None,
                **kwargs: Unpack[LegacyCounterKwargs]) -> CounterT:
        """Add a signed ``delta`` to a counter (the 1.x/2.x spelling of increment/decrement).

        Args:
            key: The counter's key.
            delta: A non-zero signed 64-bit int (negative: decrement, stopping at 0).
            initial: The value a missing counter is created with; None: a missing counter raises.
            **kwargs: ``expiry``, ``durability``, ``persist_to``/``replicate_to``, ``timeout``.

        Returns:
            CounterResult: The new value and CAS.

        Raises:
            InvalidArgumentException: A bad key or option, or ``delta`` zero or out of range.
            DocumentNotFoundException: The counter is missing and ``initial`` is None.
            InvalidDeltaException: The stored value is not a number.
            TimeoutException: No reply within the timeout.
        """
        d = _counter_number("counter", "delta", delta)
        if d == 0 or not -(2**63) <= d < 2**63:
            raise InvalidArgumentException(
                message=f"counter: delta must be a non-zero signed 64-bit int, got {d}")
        opts = _o.merge("counter", A_COUNTER, (), dict(kwargs, initial=initial))
        return self._submit_maybe_durable(lambda: self._sched_counter(key, d, opts), opts)

    def append(self, key: str, value: Union[str, bytes], *options: AppendOptions,
               **kwargs: Unpack[BinaryKwargs]) -> MutationT:
        """Append raw bytes (or UTF-8 text) to a document's stored value.

        Args:
            key: The document key.
            value: str or bytes, appended as they are (no transcoding).
            *options: :class:`~couchbase.options.AppendOptions` blocks.
            **kwargs: ``cas``, ``durability``, ``persist_to``/``replicate_to``, ``timeout``.

        Returns:
            MutationResult: The new CAS and the mutation token.

        Raises:
            InvalidArgumentException: A bad key or option, or ``value`` neither str nor bytes.
            DocumentNotFoundException: No such document (NotStoredError in 1.x).
            CasMismatchException: ``cas`` no longer matches.
            ValueTooLargeException: The document would grow above 20 MiB.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("append", A_BINARY, options, kwargs)
        return self._submit_with(opts, self._sched_store, APPEND, key, value, opts)

    def prepend(self, key: str, value: Union[str, bytes], *options: PrependOptions,
                **kwargs: Unpack[BinaryKwargs]) -> MutationT:
        """Prepend raw bytes (or UTF-8 text) to a document's stored value.

        Args:
            key: The document key.
            value: str or bytes, prepended as they are (no transcoding).
            *options: :class:`~couchbase.options.PrependOptions` blocks.
            **kwargs: ``cas``, ``durability``, ``persist_to``/``replicate_to``, ``timeout``.

        Returns:
            MutationResult: The new CAS and the mutation token.

        Raises:
            InvalidArgumentException: A bad key or option, or ``value`` neither str nor bytes.
            DocumentNotFoundException: No such document.
            CasMismatchException: ``cas`` no longer matches.
            ValueTooLargeException: The document would grow above 20 MiB.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("prepend", A_BINARY, options, kwargs)
        return self._submit_with(opts, self._sched_store, PREPEND, key, value, opts)

    def binary(self) -> BinaryView[MutationT, CounterT, MultiMutationT, MultiCounterT]:
        """The binary operations of this collection (SDK 4.x ``collection.binary()``).

        Returns:
            BinaryCollection: append, prepend, increment and decrement (and their ``_multi`` forms)
            on this collection.

        Never raises (its operations raise what the collection's do).
        """
        return BinaryView(self)

    # ---- sub-document --------------------------------------------------
    def _sched_subdoc(self, key: Any, kb: bytes, specs: List[SD.Spec], kind: int, ctx: Any,
                      opts: Mapping[str, Any]) -> AsyncResult[Any]:
        n = len(specs)
        keep = [s.path.encode("utf-8") for s in specs]
        ops_a = ffi.new("int[]", [s.kind for s in specs])
        flags_a = ffi.new("uint32_t[]", [s.flags for s in specs])
        path_bufs = [ffi.from_buffer(p) for p in keep]
        val_bufs = [ffi.from_buffer(s.value) for s in specs]
        paths_a = ffi.new("const char *[]", path_bufs)
        npaths_a = ffi.new("size_t[]", [len(p) for p in keep])
        vals_a = ffi.new("const char *[]", val_bufs)
        nvals_a = ffi.new("size_t[]", [len(s.value) for s in specs])
        deltas_a = ffi.new("int64_t[]", [s.delta for s in specs])
        mutation = kind == K_MUTATE
        cas = opts.get("cas", 0) or 0
        if cas:
            cas = _int_opt("mutate_in", "cas", cas, 0, 2**64 - 1)
        exp = _o.expiry_value(opts.get("expiry")) if mutation else 0
        preserve = bool(opts.get("preserve_expiry", False))
        if preserve and mutation:  # the combinations SDK 4.x refuses
            kinds = {s.kind for s in specs}
            if SD.DICT_ADD in kinds:
                raise InvalidArgumentException(
                    message="mutate_in: preserve_expiry cannot be set with insert operations")
            if SD.REPLACE in kinds and exp:
                raise InvalidArgumentException(
                    message="mutate_in: expiry and preserve_expiry cannot both be set with replace "
                            "operations")
        semantics = opts.get("store_semantics")
        if semantics is None:  # the 3.x booleans
            spellings = (("upsert_doc", 1), ("insert_doc", 2), ("replace_doc", 0))
            picked = [sem for name, sem in spellings if opts.get(name)]
            if len(picked) > 1:
                raise InvalidArgumentException(
                    message="mutate_in: upsert_doc, insert_doc and replace_doc exclude each other")
            semantics = picked[0] if picked else None
        if semantics is None:
            sem = -1
        else:
            try:
                sem = int(_o.StoreSemantics(semantics))
            except ValueError:
                raise InvalidArgumentException(message=f"unknown store_semantics {semantics!r}") from None
        level = 0
        if mutation:
            level = self._durability(opts)[0]
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, kind, ctx)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_subdoc(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), n, ops_a,
                             flags_a, paths_a, npaths_a, vals_a, nvals_a, deltas_a, cas, exp, preserve, sem,
                             bool(opts.get("access_deleted", False)), level, tmo)
        return self._check_rc(op, rc, "sub-document operation")

    def lookup_in(self, key: str, specs: Iterable[SD.Spec], *options: LookupInOptions,
                  **kwargs: Unpack[LookupInKwargs]) -> LookupInT:
        """Read paths of one document in one operation: ``lookup_in(key, [SD.get("a"), SD.exists("b")])``.

        Args:
            key: The document key.
            specs: Up to 16 lookup specs from :mod:`couchbase.subdocument` (``get``, ``exists``,
                ``count``, ``get_full``).
            *options: :class:`~couchbase.options.LookupInOptions` blocks.
            **kwargs: ``timeout``, ``access_deleted`` (read a deleted document's extended attributes).

        Returns:
            LookupInResult: Each spec's value by index (``content_as[...](i)``, ``exists(i)``).

        Raises:
            InvalidArgumentException: A bad key or option, no spec, more than 16, or a mutation spec.
            DocumentNotFoundException: No such document.
            PathNotFoundException: Raised by ``content_as`` for a path the document lacks (not here).
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("lookup_in", A_LOOKUP, options, kwargs)
        checked = SD.check_specs(specs, lookup=True)
        if "parent_span" in opts:
            return self._submit(self._with_parent, opts["parent_span"],
                                self._sched_subdoc, key, key_bytes(key),
                                checked, K_LOOKUP, Decode(specs=checked), opts)
        return self._submit(lambda: self._sched_subdoc(key, key_bytes(key), checked, K_LOOKUP,
                                                       Decode(specs=checked), opts))

    def _sched_lookup_replica(self, key: Any, specs: List[SD.Spec], opts: Mapping[str, Any],
                              any_: bool) -> Any:
        kb = key_bytes(key)
        tmo = _o.timeout_us(opts.get("timeout"))
        unreadable = self._check_read_preference(key, opts)
        if unreadable is not None:
            return unreadable
        inner = _replica_lookup.start(self._conn, key, kb, self._scope_b, self._coll_b, specs, any_,
                                      self._selected_group(opts), timeout_us=tmo)
        return self._adopted(key, inner)

    def lookup_in_any_replica(self, key: str, specs: Iterable[SD.Spec], *options: LookupInAnyReplicaOptions,
                              **kwargs: Unpack[LookupInReplicaKwargs]) -> LookupInReplicaT:
        """``lookup_in`` on the first copy (active or replica) that answers.

        Needs a cluster with sub-document replica reads (Server 7.5+).

        Args:
            key: The document key.
            specs: Up to 16 lookup specs (``SD.get``, ``SD.exists``, ``SD.count``).
            *options: :class:`~couchbase.options.LookupInAnyReplicaOptions` blocks.
            **kwargs: ``timeout`` (bounds the whole operation), ``read_preference``
                (``ReadPreference.SELECTED_SERVER_GROUP``: only copies in the cluster's preferred server
                group).

        Returns:
            LookupInReplicaResult: Each spec's value, and ``is_replica``.

        Raises:
            InvalidArgumentException: A bad key, spec or option.
            FeatureUnavailableException: The cluster has no sub-document replica reads.
            DocumentUnretrievableException: No copy could be read (none in the preferred server group).
            TimeoutException: No answer within the timeout.
        """
        opts = _o.merge("lookup_in_any_replica", A_LOOKUP_REPLICA, options, kwargs)
        checked = SD.check_specs(specs, lookup=True)
        return self._submit_with(opts, self._sched_lookup_replica, key, checked, opts, True)

    def lookup_in_all_replicas(self, key: str, specs: Iterable[SD.Spec], *options: LookupInAllReplicasOptions,
                               **kwargs: Unpack[LookupInReplicaKwargs]) -> LookupInReplicasT:
        """``lookup_in`` on the active node and every replica.

        Args:
            key: The document key.
            specs: Up to 16 lookup specs (``SD.get``, ``SD.exists``, ``SD.count``).
            *options: :class:`~couchbase.options.LookupInAllReplicasOptions` blocks.
            **kwargs: ``timeout`` (bounds the whole operation), ``read_preference``
                (``ReadPreference.SELECTED_SERVER_GROUP``: only copies in the cluster's preferred server
                group).

        Returns:
            list[LookupInReplicaResult]: One per copy that answered, the active's first.

        Raises:
            InvalidArgumentException: A bad key, spec or option.
            FeatureUnavailableException: The cluster has no sub-document replica reads.
            DocumentUnretrievableException: No copy could be read.
            TimeoutException: No answer within the timeout.
        """
        opts = _o.merge("lookup_in_all_replicas", A_LOOKUP_REPLICA, options, kwargs)
        checked = SD.check_specs(specs, lookup=True)
        return self._submit_with(opts, self._sched_lookup_replica, key, checked, opts, False)

    def mutate_in(self, key: str, specs: Iterable[SD.Spec], *options: MutateInOptions,
                  **kwargs: Unpack[MutateInKwargs]) -> MutateInT:
        """Change paths of one document atomically: ``mutate_in(key, [SD.upsert("a", 1)])``.

        Args:
            key: The document key.
            specs: Up to 16 mutation specs from :mod:`couchbase.subdocument` (``upsert``, ``insert``,
                ``replace``, ``remove``, ``array_*``, ``increment``/``decrement``).
            *options: :class:`~couchbase.options.MutateInOptions` blocks.
            **kwargs: ``cas``, ``expiry``, ``preserve_expiry``, ``store_semantics``
                (:class:`~couchbase.subdocument.StoreSemantics`; or the 3.x ``upsert_doc``,
                ``insert_doc``, ``replace_doc``), ``access_deleted``, ``durability``,
                ``persist_to``/``replicate_to``, ``timeout``.

        Returns:
            MutateInResult: The new CAS, the mutation token and each counter spec's new value.

        Raises:
            InvalidArgumentException: A bad key, spec or option (two store semantics at once).
            DocumentNotFoundException: No such document (and no ``store_semantics`` creating it).
            DocumentExistsException: ``StoreSemantics.INSERT`` and the document exists.
            CasMismatchException: ``cas`` no longer matches.
            PathNotFoundException: A path the operation needs is missing.
            PathExistsException: An insert to a path that exists.
            PathMismatchException: A path's type does not allow the operation.
            TimeoutException: No reply within the timeout.
        """
        opts = _o.merge("mutate_in", A_MUTATE, options, kwargs)
        checked = SD.check_specs(specs, lookup=False)
        return self._submit_maybe_durable(
            lambda: self._sched_subdoc(key, key_bytes(key), checked, K_MUTATE, Decode(specs=checked), opts),
            opts)

    # ---- multi operations ------------------------------------------------
    def _multi(self, name: str, items: Sequence[Tuple[Any, Callable[..., AsyncResult[Any]]]], quiet: bool,
               item_map: Optional[Dict[Any, Any]] = None, parent: Any = None) -> Any:
        multi: MultiCollector[Any] = MultiCollector(quiet, item_map, _MULTI_RESULT.get(name, MultiResult))
        if parent is not None:  # a parent_span option: each key's span is its child
            _observe.check_span(parent)
            wrap = functools.partial
            return self._submit_multi([wrap(self._with_parent, parent, sched) for _, sched in items], multi)
        return self._submit_multi([sched for _, sched in items], multi)

    def _client_durable(self, items: List[Tuple[Any, Callable[..., AsyncResult[Any]]]],
                        opts: Mapping[str, Any]) -> List[Tuple[Any, Callable[..., AsyncResult[Any]]]]:
        """Client durability (persist_to/replicate_to) for the operations of a multi call whose
        libcouchbase command has no observe option (remove, counters): each key's operation
        completes once its mutation is durable (observe rounds, :mod:`couchbase._durability`),
        or fails with that key's exception. A requirement the bucket cannot meet fails the key
        before anything is sent (DurabilityImpossibleException), as libcouchbase does for stores."""
        _level, persist_to, replicate_to = self._durability(opts)
        if not (persist_to or replicate_to):
            return items
        conn = self._conn
        iops = conn.iops
        call_later: Callable[[float, Callable[[], Any]], Any]
        if iops is not None:
            call_later = iops.call_later
        else:  # blocking: the connection's lock is held; wait between rounds in this thread
            def call_later(delay: float, fn: Callable[[], Any]) -> None:
                time.sleep(delay)
                fn()

        def durable(key: Any, schedule: Callable[[], AsyncResult[Any]]) -> Callable[[], AsyncResult[Any]]:
            def sched() -> AsyncResult[Any]:
                outer = placeholder()
                outer.key = key
                kb = key_bytes(key)
                try:
                    vbid = lib.pycb_key_vbucket(conn.instance, kb, len(kb))
                    nrep, servers = _durability.servers_for(conn, max(vbid, 0))
                    _durability.requirements(nrep, servers, persist_to, replicate_to)
                except CouchbaseException as exc:
                    outer._fail(exc)
                    return outer
                inner = schedule()

                def mutated(op: Any) -> None:
                    if op.error is not None:
                        outer._fail(op.error)
                        return
                    result = op.result
                    _durability.poll_async(
                        conn, result.mutation_token(), persist_to, replicate_to, call_later,
                        lambda exc: outer._fail(exc) if exc is not None else outer._resolve(result))

                if inner.done:
                    mutated(inner)
                else:
                    inner.on_done = mutated
                return outer
            return sched

        return [(k, durable(k, sched)) for k, sched in items]

    @staticmethod
    def _keys_of(keys: Any, name: str) -> List[Any]:
        if isinstance(keys, Mapping):  # e.g. get_multi(docs): almost certainly the wrong argument
            raise InvalidArgumentException(message=f"{name} takes a list of keys, not a dict")
        if isinstance(keys, (str, bytes)):
            raise InvalidArgumentException(
                message=f"{name} takes an iterable of keys, not a single key {keys!r}")
        try:
            out = list(keys)
        except TypeError:
            raise InvalidArgumentException(
                message=f"{name} takes an iterable of keys, got {type(keys).__name__}") from None
        for k in out:
            _multi_key(k, name)
        return out

    @staticmethod
    def _pairs_of(kvs: Any, name: str) -> List[Tuple[Any, Any, Dict[str, Any]]]:
        """(key, value, per-item options) from a dict, an ItemSequence or pairs."""
        out: List[Tuple[Any, Any, Dict[str, Any]]] = []
        if isinstance(kvs, ItemCollection):
            for item, iopts in kvs.items_and_options():
                out.append((item.key, item.value, iopts))
        elif isinstance(kvs, Mapping):
            out = [(k, v, {}) for k, v in kvs.items()]
        else:
            try:
                for entry in kvs:
                    if isinstance(entry, Item):
                        out.append((entry.key, entry.value, {}))
                    else:
                        k, v = entry
                        out.append((k, v, {}))
            except (TypeError, ValueError):
                raise InvalidArgumentException(
                    message=f"{name} takes a dict of key -> value (or Items), "
                            f"got {type(kvs).__name__}") from None
        for k, _, _ in out:
            _multi_key(k, name)
        return out

    def _multi_quiet(self, opts: Dict[str, Any]) -> bool:
        """SDK 4.x default: failed keys are returned in the result (``return_exceptions=True``);
        ``return_exceptions=False`` (or ``quiet=False``) raises the first failure with ``.all_results``."""
        ret = opts.pop("return_exceptions", None)
        quiet = opts.pop("quiet", None)
        if ret is None:
            ret = True if quiet is None else quiet
        return bool(ret)

    @staticmethod
    def _per_key(name: str, opts: Dict[str, Any], allowed_: Any) -> Dict[Any, Dict[str, Any]]:
        """``per_key_options={key: *Options}`` of a 4.x multi operation, each block checked; client
        and server durability cannot be mixed in one call (as in SDK 4.x)."""
        per_key = opts.pop("per_key_options", None) or {}
        if not isinstance(per_key, Mapping):
            raise InvalidArgumentException(
                message=f"{name}: per_key_options must be a dict of key -> options")
        out = {k: _o.merge(name, allowed_ - {"parent_span"}, (v,), {}) for k, v in per_key.items()}

        def kind(o: Mapping[str, Any]) -> Optional[str]:
            dur = o.get("durability")
            if isinstance(dur, _o.ClientDurability) or o.get("persist_to") or o.get("replicate_to"):
                return "client"
            return None if dur is None else "server"

        kinds = {kind(o) for o in [opts, *out.values()]} - {None}
        if len(kinds) > 1:
            raise InvalidArgumentException(
                message=f"{name}: Durability must be either client or server for all operations.")
        return out

    def _keyed(self, name: str, keys: Any, opts: Dict[str, Any], allowed_: Any,
               sched: Callable[[Any, Mapping[str, Any]], AsyncResult[Any]],
               ) -> List[Tuple[Any, Callable[..., AsyncResult[Any]]]]:
        per_key = self._per_key(name, opts, allowed_)
        return [(k, (lambda k=k, o=(dict(opts, **per_key[k]) if k in per_key else opts): sched(k, o)))
                for k in keys]

    def get_multi(self, keys: Union[Iterable[str], ItemCollection], *options: GetMultiOptions,
                  **kwargs: Unpack[GetMultiKwargs]) -> MultiGetT:
        """Read many documents in one pipelined batch.

        Args:
            keys: An iterable of keys (or an ``ItemCollection``: the result then holds its Items).
            *options: :class:`~couchbase.options.GetMultiOptions` blocks.
            **kwargs: The :meth:`get` options applied to every key, and ``per_key_options`` (a dict key
                -> GetOptions), ``return_exceptions`` (default True: failures are returned in the result;
                False: the first failure is raised) and ``quiet`` (the 1.x spelling).

        Returns:
            MultiGetResult: ``results`` (key -> GetResult), ``exceptions`` (key -> exception),
            ``all_ok``.

        Raises:
            InvalidArgumentException: A bad key or option, a dict or a single key instead of keys.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception,
                carrying the whole result as ``all_results``.
        """
        opts = dict(_o.merge("get_multi", _multi_opts(A_GET), options, kwargs))
        quiet = self._multi_quiet(opts)
        item_map = _item_map(keys)
        keys = list(item_map) if item_map else self._keys_of(keys, "get_multi")
        items = self._keyed("get_multi", keys, opts, A_GET, self._sched_get)
        return self._multi("get_multi", items, quiet, item_map, parent=opts.get("parent_span"))

    def get_any_replica_multi(self, keys: Iterable[str], *options: GetAnyReplicaMultiOptions,
                              **kwargs: Unpack[ReplicaMultiKwargs]) -> MultiReplicaT:
        """:meth:`get_any_replica` for many keys in one pipelined batch.

        Args:
            keys: An iterable of keys.
            *options: :class:`~couchbase.options.GetAnyReplicaMultiOptions` blocks.
            **kwargs: The :meth:`get_any_replica` options, ``per_key_options`` and
                ``return_exceptions`` (as for :meth:`get_multi`).

        Returns:
            MultiGetReplicaResult: key -> GetReplicaResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option.
            FeatureUnavailableException: ``read_preference=SELECTED_SERVER_GROUP``.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        opts = dict(_o.merge("get_any_replica_multi", _multi_opts(A_REPLICA), options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "get_any_replica_multi")
        items = self._keyed("get_any_replica_multi", keys, opts, A_REPLICA,
                            lambda k, o: self._sched_replica(k, o, REPLICA_ANY))
        return self._multi("get_any_replica_multi", items, quiet, parent=opts.get("parent_span"))

    def get_all_replicas_multi(self, keys: Iterable[str], *options: GetAllReplicasMultiOptions,
                               **kwargs: Unpack[ReplicaMultiKwargs]) -> MultiReplicaT:
        """:meth:`get_all_replicas` for many keys in one pipelined batch.

        Args:
            keys: An iterable of keys.
            *options: :class:`~couchbase.options.GetAllReplicasMultiOptions` blocks.
            **kwargs: The :meth:`get_all_replicas` options, ``per_key_options`` and
                ``return_exceptions`` (as for :meth:`get_multi`).

        Returns:
            MultiGetReplicaResult: key -> list of GetReplicaResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option.
            FeatureUnavailableException: ``read_preference=SELECTED_SERVER_GROUP``.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        opts = dict(_o.merge("get_all_replicas_multi", _multi_opts(A_REPLICA), options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "get_all_replicas_multi")
        items = self._keyed("get_all_replicas_multi", keys, opts, A_REPLICA,
                            lambda k, o: self._sched_replica(k, o, REPLICA_ALL))
        return self._multi("get_all_replicas_multi", items, quiet, parent=opts.get("parent_span"))

    def _counter_multi(self, name: str, sign: int, keys: Any, options: Tuple[Any, ...],
                       kwargs: Mapping[str, Any]) -> Any:
        opts = dict(_o.merge(name, _multi_opts(A_COUNTER), options, kwargs, defaults={"initial": 0}))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, name)

        def sched(k: Any, o: Mapping[str, Any]) -> AsyncResult[Any]:
            delta = _counter_number(name, "delta", o.get("delta", 1))
            if not 0 < delta < 2**63:
                raise InvalidArgumentException(message=f"{name}: delta must be in 1..2**63-1, got {delta}")
            return self._sched_counter(k, sign * delta, o)

        items = self._keyed(name, keys, opts, A_COUNTER, sched)  # checks mixed durability first
        return self._multi(name, self._client_durable(items, opts), quiet, parent=opts.get("parent_span"))

    def increment_multi(self, keys: Iterable[str], *options: IncrementMultiOptions,
                        **kwargs: Unpack[CounterMultiKwargs]) -> MultiCounterT:
        """:meth:`increment` many counters in one pipelined batch.

        Args:
            keys: An iterable of keys.
            *options: :class:`~couchbase.options.IncrementMultiOptions` blocks
                (``IncrementMultiOptions(delta=DeltaValue(2), initial=SignedInt64(0))``).
            **kwargs: The :meth:`increment` options, ``per_key_options`` and ``return_exceptions`` (as
                for :meth:`get_multi`); ``durability`` only as a server level.

        Returns:
            MultiCounterResult: key -> CounterResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option, ``delta`` out of range,
                ``persist_to``/``replicate_to`` (single operations only), or client and server
                durability mixed.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        return self._counter_multi("increment_multi", 1, keys, options, kwargs)

    def decrement_multi(self, keys: Iterable[str], *options: DecrementMultiOptions,
                        **kwargs: Unpack[CounterMultiKwargs]) -> MultiCounterT:
        """:meth:`decrement` many counters in one pipelined batch.

        Args:
            keys: An iterable of keys.
            *options: :class:`~couchbase.options.DecrementMultiOptions` blocks.
            **kwargs: As for :meth:`increment_multi`.

        Returns:
            MultiCounterResult: key -> CounterResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option, ``delta`` out of range, or client durability.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        return self._counter_multi("decrement_multi", -1, keys, options, kwargs)

    def _binary_multi(self, name: str, operation: int, kvs: Any, options: Tuple[Any, ...],
                      kwargs: Mapping[str, Any]) -> Any:
        opts = dict(_o.merge(name, _multi_opts(A_BINARY), options, kwargs))
        quiet = self._multi_quiet(opts)
        per_key = self._per_key(name, opts, A_BINARY)
        items = []
        for k, v, _ in self._pairs_of(kvs, name):
            o = dict(opts, **per_key[k]) if k in per_key else opts
            items.append((k, (lambda k=k, v=v, o=o: self._sched_store(operation, k, v, o))))
        return self._multi(name, items, quiet, parent=opts.get("parent_span"))

    def append_multi(self, keys_and_values: KeysAndValues, *options: AppendMultiOptions,
                     **kwargs: Unpack[BinaryMultiKwargs]) -> MultiMutationT:
        """:meth:`append` to many documents in one pipelined batch.

        Args:
            keys_and_values: A dict key -> str/bytes (or pairs, or Items).
            *options: :class:`~couchbase.options.AppendMultiOptions` blocks.
            **kwargs: The :meth:`append` options, ``per_key_options`` and ``return_exceptions`` (as for
                :meth:`get_multi`).

        Returns:
            MultiMutationResult: key -> MutationResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key, value or option.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        return self._binary_multi("append_multi", APPEND, keys_and_values, options, kwargs)

    def prepend_multi(self, keys_and_values: KeysAndValues, *options: PrependMultiOptions,
                      **kwargs: Unpack[BinaryMultiKwargs]) -> MultiMutationT:
        """:meth:`prepend` to many documents in one pipelined batch.

        Args:
            keys_and_values: A dict key -> str/bytes (or pairs, or Items).
            *options: :class:`~couchbase.options.PrependMultiOptions` blocks.
            **kwargs: As for :meth:`append_multi`.

        Returns:
            MultiMutationResult: key -> MutationResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key, value or option.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        return self._binary_multi("prepend_multi", PREPEND, keys_and_values, options, kwargs)

    def exists_multi(self, keys: Iterable[str], *options: ExistsMultiOptions,
                     **kwargs: Unpack[TimeoutMultiKwargs]) -> MultiExistsT:
        """:meth:`exists` for many keys in one pipelined batch.

        Args:
            keys: An iterable of keys.
            *options: :class:`~couchbase.options.ExistsMultiOptions` blocks.
            **kwargs: ``timeout``, ``per_key_options`` and ``return_exceptions`` (as for
                :meth:`get_multi`).

        Returns:
            MultiExistsResult: key -> ExistsResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        opts = dict(_o.merge("exists_multi", _multi_opts(A_EXISTS), options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "exists_multi")
        items = self._keyed("exists_multi", keys, opts, A_EXISTS, self._sched_exists)
        return self._multi("exists_multi", items, quiet, parent=opts.get("parent_span"))

    def _store_multi(self, name: str, operation: int, kvs: Any, options: Tuple[Any, ...],
                     kwargs: Mapping[str, Any]) -> Any:
        opts = dict(_o.merge(name, _multi_opts(A_STORE), options, kwargs))
        quiet = self._multi_quiet(opts)
        per_key = self._per_key(name, opts, A_STORE)
        pairs = self._pairs_of(kvs, name)
        items = []
        for k, v, iopts in pairs:
            if k in per_key:
                iopts = dict(iopts, **per_key[k])
            merged = dict(opts, **iopts) if iopts else opts
            items.append((k, (lambda k=k, v=v, m=merged: self._sched_store(operation, k, v, m))))
        return self._multi(name, items, quiet, _item_map(kvs), parent=opts.get("parent_span"))

    def upsert_multi(self, kvs: KeysAndValues, *options: UpsertMultiOptions,
                     **kwargs: Unpack[UpsertMultiKwargs]) -> MultiMutationT:
        """:meth:`upsert` many documents in one pipelined batch.

        Args:
            kvs: A dict key -> value, pairs, Items, or an ``ItemOptionDict`` (per-item options).
            *options: :class:`~couchbase.options.UpsertMultiOptions` blocks.
            **kwargs: The :meth:`upsert` options applied to every document, ``per_key_options`` and
                ``return_exceptions`` (as for :meth:`get_multi`).

        Returns:
            MultiMutationResult: key -> MutationResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option, or ``kvs`` not key/value pairs.
            ValueFormatException: A value the transcoder cannot encode.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        return self._store_multi("upsert_multi", UPSERT, kvs, options, kwargs)

    def insert_multi(self, kvs: KeysAndValues, *options: InsertMultiOptions,
                     **kwargs: Unpack[UpsertMultiKwargs]) -> MultiMutationT:
        """:meth:`insert` many documents in one pipelined batch.

        Args:
            kvs: A dict key -> value, pairs, Items, or an ``ItemOptionDict``.
            *options: :class:`~couchbase.options.InsertMultiOptions` blocks.
            **kwargs: As for :meth:`upsert_multi`.

        Returns:
            MultiMutationResult: key -> MutationResult, and the failures (DocumentExistsException).

        Raises:
            InvalidArgumentException: A bad key or option, or ``kvs`` not key/value pairs.
            ValueFormatException: A value the transcoder cannot encode.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        return self._store_multi("insert_multi", INSERT, kvs, options, kwargs)

    def replace_multi(self, kvs: KeysAndValues, *options: ReplaceMultiOptions,
                      **kwargs: Unpack[UpsertMultiKwargs]) -> MultiMutationT:
        """:meth:`replace` many documents in one pipelined batch.

        Args:
            kvs: A dict key -> value, pairs, Items, or an ``ItemOptionDict``.
            *options: :class:`~couchbase.options.ReplaceMultiOptions` blocks.
            **kwargs: As for :meth:`upsert_multi`.

        Returns:
            MultiMutationResult: key -> MutationResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option, or ``kvs`` not key/value pairs.
            ValueFormatException: A value the transcoder cannot encode.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        return self._store_multi("replace_multi", REPLACE, kvs, options, kwargs)

    def remove_multi(self, keys: Iterable[str], *options: RemoveMultiOptions,
                     **kwargs: Unpack[RemoveMultiKwargs]) -> MultiMutationT:
        """:meth:`remove` many documents in one pipelined batch.

        Args:
            keys: An iterable of keys.
            *options: :class:`~couchbase.options.RemoveMultiOptions` blocks.
            **kwargs: The :meth:`remove` options, ``per_key_options`` and ``return_exceptions``;
                ``durability`` only as a server level.

        Returns:
            MultiMutationResult: key -> MutationResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option, or ``persist_to``/``replicate_to``.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        opts = dict(_o.merge("remove_multi", _multi_opts(A_REMOVE), options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "remove_multi")
        items = self._keyed("remove_multi", keys, opts, A_REMOVE, self._sched_remove)
        return self._multi("remove_multi", self._client_durable(items, opts), quiet,
                           parent=opts.get("parent_span"))

    def touch_multi(self, keys: Iterable[str], expiry: Expiry, *options: TouchMultiOptions,
                    **kwargs: Unpack[TimeoutMultiKwargs]) -> MultiMutationT:
        """:meth:`touch` many documents in one pipelined batch.

        Args:
            keys: An iterable of keys.
            expiry: The new expiry of every document (timedelta or seconds).
            *options: :class:`~couchbase.options.TouchMultiOptions` blocks.
            **kwargs: ``timeout``, ``per_key_options`` and ``return_exceptions``.

        Returns:
            MultiMutationResult: key -> MutationResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key, expiry or option.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        opts = dict(_o.merge("touch_multi", _multi_opts(A_TOUCH), options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "touch_multi")
        return self._multi("touch_multi", self._keyed("touch_multi", keys, opts, A_TOUCH,
                                                      lambda k, o: self._sched_touch(k, expiry, o)), quiet,
                           parent=opts.get("parent_span"))

    def lock_multi(self, keys: Iterable[str], lock_time: Seconds, *options: GetAndLockMultiOptions,
                   **kwargs: Unpack[LockMultiKwargs]) -> MultiGetT:
        """:meth:`get_and_lock` many documents in one pipelined batch (``get_and_lock_multi``).

        Args:
            keys: An iterable of keys.
            lock_time: How long to hold each lock (timedelta or seconds, at most 30).
            *options: :class:`~couchbase.options.GetAndLockMultiOptions` blocks.
            **kwargs: The :meth:`get_and_lock` options, ``per_key_options`` and ``return_exceptions``.

        Returns:
            MultiGetResult: key -> GetResult (with the CAS that unlocks), and the failures.

        Raises:
            InvalidArgumentException: A bad key, ``lock_time`` or option.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        opts = dict(_o.merge("lock_multi", _multi_opts(A_LOCK), options, kwargs))
        quiet = self._multi_quiet(opts)
        secs = int(_o.to_seconds("lock_time", lock_time))
        keys = self._keys_of(keys, "lock_multi")
        items = self._keyed("lock_multi", keys, opts, A_LOCK,
                            lambda k, o: self._sched_get(k, o, GET_LOCK, secs))
        return self._multi("lock_multi", items, quiet, parent=opts.get("parent_span"))

    get_and_lock_multi = lock_multi

    def unlock_multi(self, keys_and_cas: Mapping[str, Any], *options: UnlockMultiOptions,
                     **kwargs: Unpack[TimeoutMultiKwargs]) -> MultiMutationT:
        """:meth:`unlock` many documents in one pipelined batch.

        Args:
            keys_and_cas: A dict key -> CAS (or key -> the result of a lock, whose ``cas`` is used).
            *options: :class:`~couchbase.options.UnlockMultiOptions` blocks.
            **kwargs: ``timeout`` and ``return_exceptions``.

        Returns:
            MultiMutationResult: key -> MutationResult, and the failures.

        Raises:
            InvalidArgumentException: ``keys_and_cas`` not a dict, a bad key, CAS or option.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        opts = dict(_o.merge("unlock_multi", _multi_opts(A_UNLOCK), options, kwargs))
        opts.pop("per_key_options", None)
        quiet = self._multi_quiet(opts)
        if not isinstance(keys_and_cas, Mapping):
            raise InvalidArgumentException(message="unlock_multi takes a dict of key -> cas")
        pairs = [(k, getattr(v, "cas", v)) for k, v in keys_and_cas.items()]
        return self._multi("unlock_multi",
                           [(k, (lambda k=k, c=c: self._sched_unlock(k, c, opts))) for k, c in pairs], quiet,
                           parent=opts.get("parent_span"))

    def counter_multi(self, keys: Union[Iterable[str], Mapping[str, int]], delta: int = 1,
                      initial: Optional[int] = None,
                      **kwargs: Unpack[LegacyCounterMultiKwargs]) -> MultiCounterT:
        """:meth:`counter` on many keys in one pipelined batch (the 1.x/2.x spelling).

        Args:
            keys: A list of keys (each gets ``delta``), or a dict key -> its own delta.
            delta: The signed delta of keys given as a list.
            initial: The value missing counters are created with; None: they raise.
            **kwargs: ``expiry``, ``durability``, ``timeout``, ``return_exceptions``/``quiet``.

        Returns:
            MultiCounterResult: key -> CounterResult, and the failures.

        Raises:
            InvalidArgumentException: A bad key or option, a delta zero or out of range, or
                ``persist_to``/``replicate_to``.
            CouchbaseException: With ``return_exceptions=False``, the first failed key's exception.
        """
        allowed = (A_COUNTER - {"parent_span"}) | {"return_exceptions", "quiet"}
        opts = dict(_o.merge("counter_multi", allowed, (),
                             dict(kwargs, initial=initial)))
        quiet = self._multi_quiet(opts)
        if isinstance(keys, Mapping):
            pairs = [(k, _counter_number("counter_multi", "delta", d)) for k, d in keys.items()]
        else:
            d = _counter_number("counter_multi", "delta", delta)
            pairs = [(k, d) for k in self._keys_of(keys, "counter_multi")]
        for k, d in pairs:
            key_bytes(k)
            if d == 0 or not -(2**63) <= d < 2**63:
                raise InvalidArgumentException(
                    message=f"counter_multi: delta for {k!r} must be a non-zero signed 64-bit int, got {d}")
        items = [(k, (lambda k=k, d=d: self._sched_counter(k, d, opts))) for k, d in pairs]
        return self._multi("counter_multi", self._client_durable(items, opts), quiet)

    # ---- context managers ----------------------------------------------
    @contextlib.contextmanager
    def durability(self, persist_to: int = 0, replicate_to: int = 0,
                   durability: Any = None) -> Iterator[None]:
        """Apply durability requirements to every mutation inside the ``with`` block.

        Args:
            persist_to: Nodes that must have persisted each mutation (observe-based, client side).
            replicate_to: Replicas that must hold each mutation (observe-based, client side).
            durability: A server durability level instead (``DurabilityLevel.MAJORITY``, ...).

        Yields:
            None: Mutations in the block that name no durability of their own use these.

        Raises:
            InvalidArgumentException: A value out of range or of the wrong type (checked on entry).
        """
        spec = {"persist_to": persist_to, "replicate_to": replicate_to}
        if durability is not None:
            spec = {"durability": durability}
        _o.durability_args(spec)  # validate now
        stack = self.__dict__.setdefault("_durability_stack", [])
        stack.append(spec)
        try:
            yield
        finally:
            stack.pop()


class ObserveMixin:
    """``observe()`` (1.x API) of the front ends whose calls return results (blocking, gevent).

    Written once; each front end's ``_run(schedule)`` schedules and waits its own way."""

    _conn: "Connection"
    _coll_b: bytes
    _batch: Optional[List[AsyncResult[Any]]]
    _run: Callable[[Callable[[], Any]], Any]

    def observe(self, key: Any, master_only: bool = False) -> List[_durability.ObserveInfo]:
        """Each node's view of ``key``: found, persisted or not found, its CAS, master or replica.

        Args:
            key: The document key.
            master_only: Ask the active node only.

        Returns:
            list[ObserveInfo]: One entry per node that answered.

        Raises:
            FeatureUnavailableException: On a named collection (OBSERVE carries no collection id).
            InvalidArgumentException: Inside ``batch()``, or a bad key.
            TimeoutException: No node answered in time.
        """
        if self._coll_b:
            raise FeatureUnavailableException(message="observe() works on the default collection only")
        if self._batch is not None:
            raise InvalidArgumentException(message="observe() cannot be used inside batch()")
        kb = key_bytes(key)
        replies = self._run(lambda: _durability.schedule_observe(self._conn, kb, master_only))
        return _durability.observe_results(replies)


_MULTI_RESULT: Dict[str, Type[MultiResult]] = {
    "get_multi": MultiGetResult, "lock_multi": MultiGetResult, "exists_multi": MultiExistsResult,
    "upsert_multi": MultiMutationResult, "insert_multi": MultiMutationResult,
    "replace_multi": MultiMutationResult, "remove_multi": MultiMutationResult,
    "touch_multi": MultiMutationResult, "unlock_multi": MultiMutationResult,
    "append_multi": MultiMutationResult, "prepend_multi": MultiMutationResult,
    "counter_multi": MultiCounterResult, "increment_multi": MultiCounterResult,
    "decrement_multi": MultiCounterResult,
    "get_any_replica_multi": MultiGetReplicaResult, "get_all_replicas_multi": MultiGetReplicaResult,
}


def _item_map(obj: Any) -> Optional[Dict[Any, Any]]:
    if isinstance(obj, ItemCollection):
        return {item.key: item for item, _ in obj.items_and_options()}
    return None


class BinaryCollection(Generic[MutationT, CounterT, MultiMutationT, MultiCounterT]):
    """``collection.binary()``: append, prepend, increment, decrement (SDK 4.x BinaryCollection).

    Each method is the collection's own (same arguments, results and exceptions), so it returns
    what the collection's front end returns.

    Args:
        kv: The collection whose operations these are.
    """

    def __init__(self, kv: KVOperations[Any, Any, Any, Any, MutationT, CounterT, Any, Any, Any, Any, Any,
                                        MultiMutationT, MultiCounterT, Any, Any, Any, Any, Any, Any, Any,
                                        Any, Any, Any, Any]) -> None:
        self._kv = kv

    def append(self, key: str, value: Union[str, bytes], *options: AppendOptions,
               **kwargs: Unpack[BinaryKwargs]) -> MutationT:
        return self._kv.append(key, value, *options, **kwargs)

    def prepend(self, key: str, value: Union[str, bytes], *options: PrependOptions,
                **kwargs: Unpack[BinaryKwargs]) -> MutationT:
        return self._kv.prepend(key, value, *options, **kwargs)

    @staticmethod
    def _typed_counter_args(name: str, options: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        """SDK 4.x's BinaryCollection takes ``delta`` as a DeltaValue and ``initial`` as a
        SignedInt64 only (a plain int is refused with InvalidArgumentException); the counters on
        the collection itself (``collection.increment(key, delta=5)``, this SDK's earlier API)
        still take plain ints."""
        given: Dict[str, Any] = {}
        for block in options:
            if isinstance(block, Mapping):
                given.update(block)
        given.update((k, v) for k, v in kwargs.items() if v is not None)
        for field, cls in (("delta", _o.DeltaValue), ("initial", _o.SignedInt64)):
            if field in given and not isinstance(given[field], cls):
                raise InvalidArgumentException(
                    message=f"binary().{name}: {field} must be a {cls.__name__}, got {given[field]!r} "
                            f"(e.g. {field}={cls.__name__}(5))")

    def increment(self, key: str, *options: IncrementOptions,
                  **kwargs: Unpack[BinaryCounterKwargs]) -> CounterT:
        """Add ``delta`` (a DeltaValue, default 1); ``initial`` (a SignedInt64, default 0) creates
        a missing counter, ``SignedInt64(-1)`` does not."""
        self._typed_counter_args("increment", options, kwargs)
        return self._kv.increment(key, *options, **kwargs)

    def decrement(self, key: str, *options: DecrementOptions,
                  **kwargs: Unpack[BinaryCounterKwargs]) -> CounterT:
        """Subtract ``delta`` (a DeltaValue, default 1; never below 0); ``initial`` as increment."""
        self._typed_counter_args("decrement", options, kwargs)
        return self._kv.decrement(key, *options, **kwargs)

    def increment_multi(self, keys: Iterable[str], *options: IncrementMultiOptions,
                        **kwargs: Unpack[BinaryCounterMultiKwargs]) -> MultiCounterT:
        self._typed_counter_args("increment_multi", options, kwargs)
        return self._kv.increment_multi(keys, *options, **kwargs)

    def decrement_multi(self, keys: Iterable[str], *options: DecrementMultiOptions,
                        **kwargs: Unpack[BinaryCounterMultiKwargs]) -> MultiCounterT:
        self._typed_counter_args("decrement_multi", options, kwargs)
        return self._kv.decrement_multi(keys, *options, **kwargs)

    def append_multi(self, keys_and_values: KeysAndValues, *options: AppendMultiOptions,
                     **kwargs: Unpack[BinaryMultiKwargs]) -> MultiMutationT:
        return self._kv.append_multi(keys_and_values, *options, **kwargs)

    def prepend_multi(self, keys_and_values: KeysAndValues, *options: PrependMultiOptions,
                      **kwargs: Unpack[BinaryMultiKwargs]) -> MultiMutationT:
        return self._kv.prepend_multi(keys_and_values, *options, **kwargs)


for _name in ("append", "prepend", "increment", "decrement", "increment_multi", "decrement_multi",
              "append_multi", "prepend_multi"):  # one text per operation: the collection's
    getattr(BinaryCollection, _name).__doc__ = (getattr(KVOperations, _name).__doc__ or "").replace(
        ":meth:`", ":meth:`~couchbase.collection.Collection.")
BinaryView = BinaryCollection  # the earlier name


__all__ = ["KVOperations", "ObserveMixin", "BinaryCollection", "BinaryView", "key_bytes"]
