"""The key-value surface, written once for every front end.

:class:`KVOperations` validates arguments, encodes values and schedules each
operation through the connection; it never waits. A front end subclasses it
and provides two methods that decide how results are delivered:

``_submit(schedule)``
    ``schedule()`` schedules one operation and returns its
    :class:`AsyncResult`. The blocking front end waits for it and returns the
    result (or raises); raw async returns the AsyncResult; acouchbase wraps it
    in a future; txcouchbase in a Deferred.

``_submit_multi(schedules, multi)``
    the same for a multi operation, scheduled as one pipelined batch; ``multi``
    is a :class:`MultiCollector` that completes once, when every key has.

An :class:`AsyncResult` is the one object allocated per operation: it sits in
the connection's pending registry under an integer cookie, is completed from
the response callback, and carries the result or the typed exception.
"""
from __future__ import annotations

import contextlib
from types import MappingProxyType
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, Type

from couchbase import options as _o
from couchbase import subdocument as SD
from couchbase._binding import ffi, lib
from couchbase.exceptions import (
    CouchbaseException,
    InvalidArgumentException,
    PathNotFoundException,
    exception_for,
)
from couchbase.results import (
    CounterResult,
    ExistsResult,
    GetReplicaResult,
    GetResult,
    LookupInResult,
    MultiCounterResult,
    MultiExistsResult,
    MultiGetReplicaResult,
    MultiGetResult,
    MultiMutationResult,
    MultiResult,
    MutateInResult,
    MutationResult,
    MutationToken,
    OperationResult,
    SubdocField,
)
from couchbase.transcoder import Transcoder, decode_with, encode_with
from couchbase._datastructures import DataStructuresMixin

_buffer = ffi.buffer
_unpack = ffi.unpack
# The options of a call that passed none: shared and read-only, so the common call skips options.merge.
_NO_OPTIONS: Mapping[str, Any] = MappingProxyType({})
_NOT_QUIET = (False,)
_NULL = ffi.NULL

# Store operations (lcb_STORE_OPERATION).
UPSERT, INSERT, REPLACE, APPEND, PREPEND = 0, 1, 2, 4, 5
# pycb_get modes.
GET_PLAIN, GET_TOUCH, GET_LOCK = 0, 1, 2
# Replica modes (lcb_REPLICA_MODE).
REPLICA_ANY, REPLICA_ALL = 0, 1

_JSON_COMMON = 0x02 << 24
_COMMON_MASK = 0xFF << 24

# What each op kind decodes into; see _DECODERS below.
(K_GET, K_REPLICA, K_REPLICAS, K_MUTATION, K_EXISTS, K_COUNTER, K_LOOKUP, K_MUTATE, K_GET_EXPIRY, K_PROJECT,
 K_STATS, K_PING, K_DIAG) = range(13)


class AsyncResult:
    """One scheduled operation; completed from the response callback.

    Raw-async users set ``callback(result)`` and ``errback(op, exc_type,
    exc_value, traceback)`` before the loop delivers the response. Front ends
    set the internal ``_on_done`` hook instead.
    """

    __slots__ = ("key", "kind", "ctx", "result", "error", "done", "callback", "errback", "_on_done", "cookie",
                 "_bucket", "waiter")

    def __init__(self, key: Any, kind: int, ctx: Any, bucket: Optional[str]) -> None:
        self.key = key
        self.kind = kind
        self.ctx = ctx
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.done = False
        self.callback: Optional[Callable[[Any], Any]] = None
        self.errback: Optional[Callable[..., Any]] = None
        self._on_done: Optional[Callable[["AsyncResult"], Any]] = None
        self.cookie = 0
        self._bucket = bucket
        self.waiter: Any = None  # the front end's future/Deferred/greenlet waiting for this op

    # ---- completion (called from _callbacks via Connection) --------------
    def _complete(self, resp: Any) -> None:
        if self.done:
            return
        try:
            _DECODERS[self.kind](self, resp)
        except CouchbaseException as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - decoding must not lose the operation
            from couchbase.exceptions import ValueFormatException

            self.error = ValueFormatException(message=f"decoding the value of {self.key!r} failed: {exc}",
                                              inner_cause=exc)
        if (self.kind == K_REPLICAS or self.kind == K_STATS) and not resp.is_final:
            return
        self.done = True
        hook = self._on_done
        if hook is not None:
            hook(self)

    def _set_result(self, result: Any) -> None:
        """Complete successfully without a response of its own (connect, durability chains)."""
        if self.done:
            return
        self.result = result
        self.done = True
        hook = self._on_done
        if hook is not None:
            hook(self)

    def _fail(self, exc: BaseException) -> None:
        """Complete with an error without a response (close, cancel, schedule failure)."""
        if self.done:
            return
        self.error = exc
        self.done = True
        hook = self._on_done
        if hook is not None:
            hook(self)

    # ---- outcome ---------------------------------------------------------
    def outcome(self) -> Any:
        """The result, or raise the operation's exception."""
        if self.error is not None:
            raise self.error
        return self.result

    @property
    def value(self) -> Any:
        """The result's value (for batch placeholders: ``res.value``)."""
        return self.outcome().value

    @property
    def success(self) -> bool:
        return self.done and self.error is None and getattr(self.result, "success", True)

    def describe(self) -> str:
        return f"operation on key {self.key!r}"

    def __repr__(self) -> str:
        state = "pending" if not self.done else ("error" if self.error is not None else "done")
        return f"<AsyncResult key={self.key!r} {state} result={self.result!r} error={self.error!r}>"


# ---- decoders: (op, resp) -> fill op.result / op.error ------------------

def _bytes(ptr: Any, n: int) -> bytes:
    return _buffer(ptr, n)[:] if n else b""


def _token(op: AsyncResult, resp: Any) -> Optional[MutationToken]:
    if not resp.has_token:
        return None
    return MutationToken(resp.token_vbid, resp.token_uuid, resp.token_seqno, op._bucket or "")


def _error(op: AsyncResult, resp: Any) -> CouchbaseException:
    from couchbase.exceptions import KeyValueErrorContext

    raw = ffi.new("pycb_ERRCTX *")
    lib.pycb_errctx(resp.errctx, raw)
    context = KeyValueErrorContext(
        key=op.key,
        status_code=raw.status_code,
        opaque=raw.opaque,
        ref=_bytes(raw.ref, raw.nref).decode("utf-8", "replace") or None,
        context=_bytes(raw.context, raw.ncontext).decode("utf-8", "replace") or None,
        endpoint=_bytes(raw.endpoint, raw.nendpoint).decode("utf-8", "replace") or None,
        bucket=op._bucket,
    )
    return exception_for(resp.rc, context=context)


def _quiet_or_raise(op: AsyncResult, resp: Any, factory: Callable[[], Any]) -> bool:
    """True when the op failed; with quiet, a failed result is stored instead of an error."""
    if resp.rc == 0:
        return False
    if op.ctx and op.ctx[-1] is True:  # quiet flag is always the last ctx item
        op.result = factory()
    else:
        op.error = _error(op, resp)
    return True


def _decode_get(op: AsyncResult, resp: Any) -> None:
    if resp.rc and _quiet_or_raise(op, resp, lambda: GetResult(op.key, resp.rc)):
        return
    transcoder, no_format, _quiet = op.ctx
    raw = _unpack(resp.value, resp.nvalue)
    flags = resp.flags
    value = raw if no_format else decode_with(transcoder, raw, flags)
    op.result = GetResult(op.key, 0, resp.cas, value, flags)


def _decode_replica(op: AsyncResult, resp: Any) -> None:
    transcoder, quiet = op.ctx
    if resp.rc:
        if op.kind == K_REPLICAS:
            if op.result is None:
                op.result = []
            if not resp.is_final or op.result:
                return  # one replica failing is not the whole read failing
        op.error = _error(op, resp)
        return
    raw = _buffer(resp.value, resp.nvalue)[:]
    res = GetReplicaResult(op.key, 0, resp.cas, decode_with(transcoder, raw, resp.flags), resp.flags,
                           is_replica=not resp.is_active)
    if op.kind == K_REPLICAS:
        if op.result is None:
            op.result = []
        op.result.append(res)
    else:
        op.result = res


def _decode_mutation(op: AsyncResult, resp: Any) -> None:
    if resp.rc and _quiet_or_raise(op, resp, lambda: MutationResult(op.key, resp.rc)):
        return
    op.result = MutationResult(op.key, 0, resp.cas, _token(op, resp))


def _decode_exists(op: AsyncResult, resp: Any) -> None:
    if resp.rc:
        op.error = _error(op, resp)
        return
    op.result = ExistsResult(op.key, 0, resp.cas, bool(resp.is_found))


def _decode_counter(op: AsyncResult, resp: Any) -> None:
    if _quiet_or_raise(op, resp, lambda: CounterResult(op.key, resp.rc)):
        return
    op.result = CounterResult(op.key, 0, resp.cas, resp.counter, _token(op, resp))


def _subdoc_fields(op: AsyncResult, resp: Any, specs: List[SD.Spec]) -> List[SubdocField]:
    raw = resp.raw
    count = lib.lcb_respsubdoc_result_size(raw)
    fields = []
    pval = ffi.new("const char **")
    plen = ffi.new("size_t *")
    for i in range(count):
        spec = specs[i] if i < len(specs) else None
        path = spec.path if spec is not None else ""
        status = lib.lcb_respsubdoc_result_status(raw, i)
        lib.lcb_respsubdoc_result_value(raw, i, pval, plen)
        data = _bytes(pval[0], plen[0]) if pval[0] != _NULL else b""
        error: Optional[BaseException] = None
        value: Any = None
        kind = spec.kind if spec is not None else SD.GET
        if kind == SD.EXISTS:
            if status == 0:
                value = True
            else:
                err = exception_for(status)
                if isinstance(err, PathNotFoundException):
                    value = False
                else:
                    error = err
        elif status:
            error = exception_for(status, f"path {path!r}: {exception_for(status).message}")
        elif kind in (SD.GET, SD.GET_COUNT, SD.GET_DOC, SD.COUNTER):
            value = SD.decode_value(data) if kind != SD.GET_DOC else data
        fields.append(SubdocField(path, status, value, error))
    return fields


def _decode_lookup(op: AsyncResult, resp: Any) -> None:
    specs, quiet = op.ctx
    if resp.rc:
        op.error = _error(op, resp)
        return
    fields = _subdoc_fields(op, resp, specs)
    for f, spec in zip(fields, specs):
        if spec.kind == SD.GET_DOC and f.error is None:
            f.value = SD.decode_value(f.value)
    op.result = LookupInResult(op.key, 0, resp.cas, fields, bool(resp.is_deleted))


def _decode_mutate(op: AsyncResult, resp: Any) -> None:
    specs, quiet = op.ctx
    if resp.rc:
        op.error = _error(op, resp)
        return
    fields = _subdoc_fields(op, resp, specs)
    for f in fields:
        if f.error is not None:
            op.error = f.error
            return
    op.result = MutateInResult(op.key, 0, resp.cas, fields, bool(resp.is_deleted), _token(op, resp))


def _decode_get_expiry(op: AsyncResult, resp: Any) -> None:
    transcoder, no_format, quiet = op.ctx
    if _quiet_or_raise(op, resp, lambda: GetResult(op.key, resp.rc)):
        return
    raw = resp.raw
    pval = ffi.new("const char **")
    plen = ffi.new("size_t *")
    parts = []
    for i in range(3):
        status = lib.lcb_respsubdoc_result_status(raw, i)
        if status:
            op.error = exception_for(status)
            return
        lib.lcb_respsubdoc_result_value(raw, i, pval, plen)
        parts.append(_bytes(pval[0], plen[0]))
    expiry = int(parts[0] or b"0")
    flags = int(parts[1] or b"0")
    value = parts[2] if no_format else decode_with(transcoder, parts[2], flags)
    op.result = GetResult(op.key, 0, resp.cas, value, flags, expiry=expiry)


def _decode_project(op: AsyncResult, resp: Any) -> None:
    paths, quiet = op.ctx
    if _quiet_or_raise(op, resp, lambda: GetResult(op.key, resp.rc)):
        return
    raw = resp.raw
    pval = ffi.new("const char **")
    plen = ffi.new("size_t *")
    doc: Dict[str, Any] = {}
    for i, path in enumerate(paths):
        status = lib.lcb_respsubdoc_result_status(raw, i)
        if status:
            err = exception_for(status)
            if isinstance(err, PathNotFoundException):
                continue
            op.error = err
            return
        lib.lcb_respsubdoc_result_value(raw, i, pval, plen)
        _set_path(doc, path, SD.decode_value(_bytes(pval[0], plen[0])))
    op.result = GetResult(op.key, 0, resp.cas, doc, _JSON_COMMON)


def _set_path(doc: Dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = doc
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def _decode_stats(op: AsyncResult, resp: Any) -> None:
    if op.result is None:
        op.result = {}
    if resp.rc:
        if op.error is None:
            op.error = _error(op, resp)
        return
    if resp.nkey:
        server_p = lib.pycb_stats_server(resp.raw)
        server = ffi.string(server_p).decode("utf-8", "replace") if server_p != _NULL else "?"
        key = _bytes(resp.key, resp.nkey).decode("utf-8", "replace")
        op.result.setdefault(server, {})[key] = _bytes(resp.value, resp.nvalue).decode("utf-8", "replace")


def _decode_json_report(op: AsyncResult, resp: Any) -> None:
    import json

    from couchbase.results import DiagnosticsResult, PingResult

    if resp.rc:
        op.error = _error(op, resp)
        return
    report = json.loads(_bytes(resp.value, resp.nvalue) or b"{}")
    extra = op.ctx or {}  # report_id / service_types of PingOptions and DiagnosticsOptions
    op.result = PingResult(report, **extra) if op.kind == K_PING else DiagnosticsResult(report, **extra)


_DECODERS: Dict[int, Callable[[AsyncResult, Any], None]] = {
    K_STATS: _decode_stats,
    K_PING: _decode_json_report,
    K_DIAG: _decode_json_report,
    K_GET: _decode_get,
    K_REPLICA: _decode_replica,
    K_REPLICAS: _decode_replica,
    K_MUTATION: _decode_mutation,
    K_EXISTS: _decode_exists,
    K_COUNTER: _decode_counter,
    K_LOOKUP: _decode_lookup,
    K_MUTATE: _decode_mutate,
    K_GET_EXPIRY: _decode_get_expiry,
    K_PROJECT: _decode_project,
}


# ---- connection-wide operations ------------------------------------------

def _conn_op(conn: Any, key: Any, kind: int) -> Tuple[AsyncResult, int]:
    cookie = conn.next_cookie()
    op = AsyncResult(key, kind, None, conn.bucket_name)
    op.cookie = cookie
    conn.pending[cookie] = op
    return op, cookie


def _conn_check(conn: Any, op: AsyncResult, rc: int, what: str) -> AsyncResult:
    if rc:
        conn.pending.pop(op.cookie, None)
        raise exception_for(rc, f"{what} could not be scheduled: {exception_for(rc).message}")
    return op


def schedule_stats(conn: Any, group: str = "") -> AsyncResult:
    """STATS on every node; the result is ``{server: {stat: value}}``."""
    if not isinstance(group, str):
        raise InvalidArgumentException(message=f"stats group must be a str, got {type(group).__name__}")
    g = group.encode("utf-8")
    op, cookie = _conn_op(conn, group, K_STATS)
    return _conn_check(conn, op, lib.pycb_stats(conn.instance, cookie, g, len(g)), "stats")


def schedule_ping(conn: Any, timeout: Any = None, report: Optional[Dict[str, Any]] = None) -> AsyncResult:
    """Ping every service; the result is a PingResult (``report``: its report_id/service_types)."""
    tmo = _o.timeout_us(timeout)
    op, cookie = _conn_op(conn, "ping", K_PING)
    op.ctx = report
    return _conn_check(conn, op, lib.pycb_ping(conn.instance, cookie, tmo), "ping")


def schedule_diagnostics(conn: Any, report: Optional[Dict[str, Any]] = None) -> AsyncResult:
    """Connection states; the result is a DiagnosticsResult."""
    op, cookie = _conn_op(conn, "diagnostics", K_DIAG)
    op.ctx = report
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
        from couchbase.exceptions import InvalidArgumentTypeException

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
    from couchbase.exceptions import KeyFormatException

    return KeyFormatException(message=f"document key {key[:40]!r} is not valid UTF-8 text ({exc.reason} at "
                                      f"index {exc.start}); pass bytes for binary keys")


def _multi_key(key: Any, name: str) -> None:
    """Check a key of a multi operation: a valid key that can index its MultiResult."""
    key_bytes(key)
    try:
        hash(key)
    except TypeError:
        from couchbase.exceptions import KeyFormatTypeException

        raise KeyFormatTypeException(
            message=f"{name}: keys index the MultiResult, so they must be str or bytes, "
                    f"got {type(key).__name__}: {key[:40]!r}") from None


def cancel_scheduled(conn: Any, ops: List[AsyncResult]) -> None:
    """A ``batch()`` block raised: drop what it scheduled (nothing was sent) and fail each op."""
    from couchbase.exceptions import RequestCanceledException

    conn.sched_fail()
    for op in ops:
        conn.pending.pop(op.cookie, None)
        op._fail(RequestCanceledException(message="the batch block raised; nothing was sent"))


class MultiCollector:
    """Completes once when every operation of a multi call has."""

    __slots__ = ("ops", "remaining", "on_done", "quiet", "items", "callback", "errback", "waiter", "done", "error",
                 "result_class")

    def __init__(self, quiet: bool, items: Optional[Dict[Any, Any]] = None,
                 result_class: Type[MultiResult] = MultiResult) -> None:
        self.result_class = result_class
        self.ops: List[AsyncResult] = []
        self.remaining = 0
        self.on_done: Optional[Callable[["MultiCollector"], Any]] = None
        self.quiet = quiet
        self.items = items  # key -> Item, for the Item API: results are stored into them
        # raw async mode: the user's callback(MultiResult) / errback(multi, type, exc, tb)
        self.callback: Optional[Callable[[Any], Any]] = None
        self.errback: Optional[Callable[..., Any]] = None
        self.waiter: Any = None
        self.done = False
        self.error: Optional[BaseException] = None  # the whole call failed (e.g. never connected)

    def add(self, op: AsyncResult) -> None:
        self.ops.append(op)
        self.remaining += 1
        op._on_done = self._one_done

    def _one_done(self, op: AsyncResult) -> None:
        self.remaining -= 1
        if self.remaining == 0:
            self.finish()

    def finish(self) -> None:
        """Mark complete and run ``on_done`` once (also for an empty multi operation)."""
        if self.done:
            return
        self.done = True
        if self.on_done is not None:
            self.on_done(self)

    def build(self) -> MultiResult:
        """The MultiResult; failed keys hold their exceptions in ``.exceptions``."""
        multi = self.result_class()
        for op in self.ops:
            if op.error is not None:
                multi.exceptions[op.key] = op.error
                rc = getattr(op.error, "rc", -1) or -1
                multi[op.key] = OperationResult(op.key, rc, op.error)
            else:
                multi[op.key] = op.result
        if self.items:
            for key, res in multi.items():
                item = self.items.get(key)
                if item is not None:
                    item._store_result(res)
        return multi

    def outcome(self) -> MultiResult:
        """The MultiResult, or raise the first failure with ``.all_results`` attached."""
        if self.error is not None:
            raise self.error
        multi = self.build()
        if multi.exceptions and not self.quiet:
            first = next(iter(multi.exceptions.values()))
            try:
                first.all_results = multi  # type: ignore[attr-defined]
            except AttributeError:
                pass
            raise first
        return multi


# ---- the KV surface -------------------------------------------------------

_COMMON = ("timeout", "transcoder")
_MUT = _COMMON + ("expiry", "durability", "persist_to", "replicate_to")
A_GET = _o.allowed(*_COMMON, "with_expiry", "project", "quiet", "no_format")
A_GAT = _o.allowed(*_COMMON, "quiet", "no_format")
A_LOCK = _o.allowed(*_COMMON, "quiet", "no_format")
A_REPLICA = _o.allowed(*_COMMON)
A_EXISTS = _o.allowed("timeout")
A_TOUCH = _o.allowed("timeout")
A_UNLOCK = _o.allowed("timeout")
A_STORE = _o.allowed(*_MUT, "cas", "preserve_expiry", "format")
A_INSERT = _o.allowed(*_MUT, "format")
A_REMOVE = _o.allowed("timeout", "cas", "durability", "persist_to", "replicate_to", "quiet")
A_BINARY = _o.allowed("timeout", "cas", "durability", "persist_to", "replicate_to")
A_COUNTER = _o.allowed("timeout", "delta", "initial", "expiry", "durability", "persist_to", "replicate_to")
A_LOOKUP = _o.allowed("timeout", "access_deleted")
A_MUTATE = _o.allowed("timeout", "cas", "expiry", "durability", "persist_to", "replicate_to", "store_semantics",
                      "preserve_expiry", "access_deleted", "upsert_doc", "insert_doc", "replace_doc")


_MULTI_EXTRA = frozenset({"return_exceptions", "quiet", "per_key_options"})


def _int_opt(op: str, name: str, value: Any, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgumentException(message=f"{op}: {name} must be an int, got {type(value).__name__}")
    if not lo <= value <= hi:
        raise InvalidArgumentException(message=f"{op}: {name}={value} is out of range")
    return value


def _counter_number(op: str, name: str, value: Any) -> int:
    value = getattr(value, "value", value)
    return _int_opt(op, name, value, -(2**63), 2**64 - 1)


class KVOperations(DataStructuresMixin):
    """Every key-value operation of SPEC section 2 (and the data structures of
    :mod:`couchbase._datastructures`); mixed into each front end's Collection."""

    # Set by the concrete collection.
    _conn: Any
    _scope_b: bytes = b""
    _coll_b: bytes = b""
    _bucket_name: Optional[str] = None
    _transcoder: Transcoder
    _quiet_default: bool = False
    _durability_stack: List[Dict[str, Any]]

    # Front ends implement these two.
    def _submit(self, schedule: Callable[[], AsyncResult]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _submit_multi(self, schedules: List[Callable[[], AsyncResult]], multi: MultiCollector) -> Any:
        raise NotImplementedError  # pragma: no cover - abstract

    def _schedule_multi(self, schedules: List[Callable[[], AsyncResult]], multi: MultiCollector) -> None:
        """Schedule every operation of a multi call as one pipelined batch, or into the
        open ``batch()`` block (sent when it ends). Nothing is sent if one fails to schedule."""
        batch = getattr(self, "_batch", None)
        if batch is not None:
            for schedule in schedules:
                op = schedule()
                multi.add(op)
                batch.append(op)
            return
        conn = self._conn
        conn.sched_enter()
        try:
            for schedule in schedules:
                multi.add(schedule())
        except BaseException:
            conn.sched_fail()
            for op in multi.ops:
                conn.pending.pop(op.cookie, None)
            raise
        conn.sched_leave()

    @contextlib.contextmanager
    def _scheduling_block(self) -> Iterator[List[AsyncResult]]:
        """The core of every front end's ``batch()``: what the block schedules is held in one
        libcouchbase scheduling context (and collected in the yielded list), sent when the
        block ends, or dropped and failed with RequestCanceledException if it raises."""
        conn = self._conn
        ops: List[AsyncResult] = []
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

    def _submit_durable(self, schedule: Callable[[], AsyncResult], persist_to: int, replicate_to: int) -> Any:
        """Run a mutation, then poll observe-based durability from its mutation token."""
        raise NotImplementedError  # pragma: no cover - abstract

    def _submit_maybe_durable(self, schedule: Callable[[], AsyncResult], opts: Mapping[str, Any]) -> Any:
        _level, persist_to, replicate_to = self._durability(opts)
        if persist_to or replicate_to:
            return self._submit_durable(schedule, persist_to, replicate_to)
        return self._submit(schedule)

    def _bind(self, scope: Any, name: str) -> None:
        """Attach to ``scope`` (any front end's Scope) as collection ``name``; every front end's
        Collection starts with this."""
        from couchbase.collection import DEFAULT, _check_name

        self._scope = scope
        self.name = _check_name("collection", name)
        bucket = scope.bucket
        self._bucket_name = bucket.name
        self._conn = bucket._conn
        self._transcoder = bucket._transcoder
        self._quiet_default = bucket._quiet_default
        default = scope.name == DEFAULT and name == DEFAULT
        self._scope_b = b"" if default else scope.name.encode("utf-8")
        self._coll_b = b"" if default else name.encode("utf-8")
        self._durability_stack = []

    @property
    def scope_name(self) -> str:
        return self._scope.name

    # ---- helpers ---------------------------------------------------------
    def _new_op(self, key: Any, kind: int, ctx: Any) -> Tuple[AsyncResult, int]:
        conn = self._conn
        cookie = conn.next_cookie()
        op = AsyncResult(key, kind, ctx, self._bucket_name)
        op.cookie = cookie
        conn.pending[cookie] = op
        return op, cookie

    def _check_rc(self, op: AsyncResult, rc: int, what: str) -> AsyncResult:
        if rc:
            self._conn.pending.pop(op.cookie, None)
            raise exception_for(rc, f"{what} of {op.key!r} could not be scheduled: "
                                    f"{exception_for(rc).message}")
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
            raise InvalidArgumentException(message=f"transcoder must implement encode_value/decode_value, got {tc!r}")
        return tc

    # ---- reads -------------------------------------------------------------
    def _sched_get(self, key: Any, opts: Mapping[str, Any], mode: int = GET_PLAIN, arg: int = 0) -> AsyncResult:
        kb = key_bytes(key)
        if not opts:  # the common call: no options at all
            quiet, tc, tmo, no_format = self._quiet_default, self._transcoder, 0, False
        else:
            quiet = bool(opts.get("quiet", self._quiet_default))
            tc = self._tc(opts)
            tmo = _o.timeout_us(opts.get("timeout"))
            no_format = bool(opts.get("no_format", False))
            if mode == GET_PLAIN and opts.get("with_expiry"):
                specs = [SD.Spec(SD.GET, "$document.exptime", flags=1 << 18),
                         SD.Spec(SD.GET, "$document.flags", flags=1 << 18), SD.Spec(SD.GET_DOC, "")]
                return self._sched_subdoc(key, kb, specs, K_GET_EXPIRY, (tc, no_format, quiet),
                                          {"timeout": opts.get("timeout")})
            if mode == GET_PLAIN and opts.get("project"):
                paths = opts["project"]
                if isinstance(paths, str) or not all(isinstance(p, str) for p in paths):
                    raise InvalidArgumentException(message="get: project must be a list of path strings")
                paths = list(paths)
                if not paths or len(paths) > 16:
                    raise InvalidArgumentException(message="get: project takes 1..16 paths")
                specs = [SD.get(p) for p in paths]
                return self._sched_subdoc(key, kb, specs, K_PROJECT, (paths, quiet), {"timeout": opts.get("timeout")})
        op, cookie = self._new_op(key, K_GET, (tc, no_format, quiet))
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_get(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), mode, arg, tmo)
        return self._check_rc(op, rc, "get") if rc else op

    def get(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        """Read a document.

        Options: ``timeout``, ``with_expiry`` (fill ``expiry_time``), ``project``
        (list of paths), ``transcoder``, ``quiet`` (return a failed result instead
        of raising DocumentNotFound), ``no_format`` (the stored bytes).
        """
        opts = _o.merge("get", A_GET, options, kwargs) if options or kwargs else _NO_OPTIONS
        return self._submit(lambda: self._sched_get(key, opts))

    def get_and_touch(self, key: Any, expiry: Any, *options: Any, **kwargs: Any) -> Any:
        """Read a document and set its expiry."""
        opts = _o.merge("get_and_touch", A_GAT, options, kwargs)
        exp = _o.expiry_value(expiry)
        return self._submit(lambda: self._sched_get(key, opts, GET_TOUCH, exp))

    def get_and_lock(self, key: Any, lock_time: Any, *options: Any, **kwargs: Any) -> Any:
        """Read and lock a document for ``lock_time`` (seconds or timedelta, max 30 s)."""
        opts = _o.merge("get_and_lock", A_LOCK, options, kwargs)
        secs = int(_o.to_seconds("lock_time", lock_time))
        if secs > 30:
            raise InvalidArgumentException(message=f"get_and_lock: lock_time must be at most 30 seconds, got {secs}")
        return self._submit(lambda: self._sched_get(key, opts, GET_LOCK, secs))

    lock = get_and_lock

    def _sched_replica(self, key: Any, opts: Mapping[str, Any], mode: int) -> AsyncResult:
        kb = key_bytes(key)
        kind = K_REPLICAS if mode == REPLICA_ALL else K_REPLICA
        tmo = _o.timeout_us(opts.get("timeout"))  # may raise: before the op is registered
        op, cookie = self._new_op(key, kind, (self._tc(opts), False))
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_getreplica(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), mode, tmo)
        return self._check_rc(op, rc, "replica read")

    def get_any_replica(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        """Read from the first copy (active or replica) that answers."""
        opts = _o.merge("get_any_replica", A_REPLICA, options, kwargs)
        return self._submit(lambda: self._sched_replica(key, opts, REPLICA_ANY))

    def get_all_replicas(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        """Read every copy; returns a list of GetReplicaResult."""
        opts = _o.merge("get_all_replicas", A_REPLICA, options, kwargs)
        return self._submit(lambda: self._sched_replica(key, opts, REPLICA_ALL))

    def _sched_exists(self, key: Any, opts: Mapping[str, Any]) -> AsyncResult:
        kb = key_bytes(key)
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_EXISTS, None)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_exists(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), tmo)
        return self._check_rc(op, rc, "exists")

    def exists(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        """Does the document exist (ExistsResult.exists)."""
        opts = _o.merge("exists", A_EXISTS, options, kwargs)
        return self._submit(lambda: self._sched_exists(key, opts))

    # ---- simple mutations --------------------------------------------------
    def _sched_touch(self, key: Any, expiry: Any, opts: Mapping[str, Any]) -> AsyncResult:
        kb = key_bytes(key)
        exp = _o.expiry_value(expiry)
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_MUTATION, (False,))
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_touch(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), exp, tmo)
        return self._check_rc(op, rc, "touch")

    def touch(self, key: Any, expiry: Any, *options: Any, **kwargs: Any) -> Any:
        """Set a document's expiry."""
        opts = _o.merge("touch", A_TOUCH, options, kwargs)
        return self._submit(lambda: self._sched_touch(key, expiry, opts))

    def _sched_unlock(self, key: Any, cas: Any, opts: Mapping[str, Any]) -> AsyncResult:
        kb = key_bytes(key)
        cas = _int_opt("unlock", "cas", cas, 1, 2**64 - 1)
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_MUTATION, (False,))
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_unlock(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), cas, tmo)
        return self._check_rc(op, rc, "unlock")

    def unlock(self, key: Any, cas: int, *options: Any, **kwargs: Any) -> Any:
        """Release a lock taken with get_and_lock, given the CAS it returned."""
        opts = _o.merge("unlock", A_UNLOCK, options, kwargs)
        return self._submit(lambda: self._sched_unlock(key, cas, opts))

    def _sched_store(self, operation: int, key: Any, value: Any, opts: Mapping[str, Any]) -> AsyncResult:
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
        else:
            data, flags = encode_with(tc, value, opts.get("format"))
        if len(data) > 20 * 1024 * 1024:
            from couchbase.exceptions import ValueTooLargeException

            raise ValueTooLargeException(message=f"value for {key!r} is {len(data)} bytes; the limit is 20 MiB")
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
        datatype = 1 if (flags & _COMMON_MASK) == _JSON_COMMON or flags == 0 and operation not in (APPEND, PREPEND) and data[:1] in (b"{", b"[") else 0
        tmo = _o.timeout_us(opts.get("timeout")) if opts else 0  # may raise: before the op is registered
        op, cookie = self._new_op(key, K_MUTATION, _NOT_QUIET)
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_store(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), data, len(data),
                            operation, flags, exp, cas, datatype, level, persist_to, replicate_to, preserve, tmo)
        return self._check_rc(op, rc, "store") if rc else op

    def upsert(self, key: Any, value: Any, *options: Any, **kwargs: Any) -> Any:
        """Create or replace a document.

        Options: ``expiry``, ``cas``, ``durability`` (Durability level,
        ServerDurability or ClientDurability), ``persist_to``/``replicate_to``,
        ``preserve_expiry``, ``transcoder``, ``format``, ``timeout``.
        """
        opts = _o.merge("upsert", A_STORE, options, kwargs) if options or kwargs else _NO_OPTIONS
        return self._submit(lambda: self._sched_store(UPSERT, key, value, opts))

    def insert(self, key: Any, value: Any, *options: Any, **kwargs: Any) -> Any:
        """Create a document; DocumentExistsException if it exists."""
        opts = _o.merge("insert", A_INSERT, options, kwargs) if options or kwargs else _NO_OPTIONS
        return self._submit(lambda: self._sched_store(INSERT, key, value, opts))

    def replace(self, key: Any, value: Any, *options: Any, **kwargs: Any) -> Any:
        """Replace an existing document (optionally only if ``cas`` matches)."""
        opts = _o.merge("replace", A_STORE, options, kwargs) if options or kwargs else _NO_OPTIONS
        return self._submit(lambda: self._sched_store(REPLACE, key, value, opts))

    def _sched_remove(self, key: Any, opts: Mapping[str, Any]) -> AsyncResult:
        kb = key_bytes(key)
        cas = opts.get("cas", 0) or 0
        if cas:
            cas = _int_opt("remove", "cas", cas, 0, 2**64 - 1)
        level = self._durability(opts)[0]
        quiet = bool(opts.get("quiet", self._quiet_default))
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_MUTATION, (quiet,))
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_remove(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), cas, level, tmo)
        return self._check_rc(op, rc, "remove")

    def remove(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        """Delete a document (optionally only if ``cas`` matches)."""
        opts = _o.merge("remove", A_REMOVE, options, kwargs)
        return self._submit_maybe_durable(lambda: self._sched_remove(key, opts), opts)

    # ---- binary ------------------------------------------------------------
    def _sched_counter(self, key: Any, delta: int, opts: Mapping[str, Any]) -> AsyncResult:
        kb = key_bytes(key)
        initial = opts.get("initial")
        has_initial = initial is not None
        init = _counter_number("counter", "initial", initial) if has_initial else 0
        if init < 0:  # SDK 4.x: a negative initial means "do not create a missing counter"
            has_initial, init = False, 0
        exp = _o.expiry_value(opts.get("expiry"))
        level = self._durability(opts)[0]
        tmo = _o.timeout_us(opts.get("timeout"))
        op, cookie = self._new_op(key, K_COUNTER, (False,))
        s, c = self._scope_b, self._coll_b
        rc = lib.pycb_counter(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), delta, init,
                              has_initial, exp, level, tmo)
        return self._check_rc(op, rc, "counter")

    def _counter(self, name: str, key: Any, sign: int, options: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
        # SDK 4.x default: initial=0, a missing counter is created (initial=SignedInt64(-1): it is not)
        opts = _o.merge(name, A_COUNTER, options, kwargs, defaults={"initial": 0})
        delta = _counter_number(name, "delta", opts.get("delta", 1))
        if not 0 < delta < 2**63:  # libcouchbase takes a signed 64-bit delta
            raise InvalidArgumentException(message=f"{name}: delta must be in 1..2**63-1, got {delta}")
        return self._submit_maybe_durable(lambda: self._sched_counter(key, sign * delta, opts), opts)

    def increment(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        """Add ``delta`` (default 1); with ``initial`` a missing counter is created."""
        return self._counter("increment", key, 1, options, kwargs)

    def decrement(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        """Subtract ``delta`` (default 1, stops at 0); ``initial`` creates a missing counter."""
        return self._counter("decrement", key, -1, options, kwargs)

    def counter(self, key: Any, delta: int = 1, initial: Optional[int] = None, **kwargs: Any) -> Any:
        """1.x/2.x spelling: signed ``delta``."""
        d = _counter_number("counter", "delta", delta)
        if d == 0 or not -(2**63) <= d < 2**63:
            raise InvalidArgumentException(message=f"counter: delta must be a non-zero signed 64-bit int, got {d}")
        opts = _o.merge("counter", A_COUNTER, (), dict(kwargs, initial=initial))
        return self._submit_maybe_durable(lambda: self._sched_counter(key, d, opts), opts)

    def append(self, key: Any, value: Any, *options: Any, **kwargs: Any) -> Any:
        """Append raw bytes/str to a document."""
        opts = _o.merge("append", A_BINARY, options, kwargs)
        return self._submit(lambda: self._sched_store(APPEND, key, value, opts))

    def prepend(self, key: Any, value: Any, *options: Any, **kwargs: Any) -> Any:
        """Prepend raw bytes/str to a document."""
        opts = _o.merge("prepend", A_BINARY, options, kwargs)
        return self._submit(lambda: self._sched_store(PREPEND, key, value, opts))

    def binary(self) -> "BinaryView":
        """The binary operations (append, prepend, increment, decrement)."""
        return BinaryView(self)

    # ---- sub-document --------------------------------------------------
    def _sched_subdoc(self, key: Any, kb: bytes, specs: List[SD.Spec], kind: int, ctx: Any,
                      opts: Mapping[str, Any]) -> AsyncResult:
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
        semantics = opts.get("store_semantics")
        if semantics is None:  # the 3.x booleans
            picked = [sem for name, sem in (("upsert_doc", 1), ("insert_doc", 2), ("replace_doc", 0)) if opts.get(name)]
            if len(picked) > 1:
                raise InvalidArgumentException(message="mutate_in: upsert_doc, insert_doc and replace_doc exclude "
                                                       "each other")
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
        rc = lib.pycb_subdoc(self._conn.instance, cookie, s, len(s), c, len(c), kb, len(kb), n, ops_a, flags_a,
                             paths_a, npaths_a, vals_a, nvals_a, deltas_a, cas, exp, preserve, sem,
                             bool(opts.get("access_deleted", False)), level, tmo)
        return self._check_rc(op, rc, "sub-document operation")

    def lookup_in(self, key: Any, specs: Iterable[SD.Spec], *options: Any, **kwargs: Any) -> Any:
        """Read paths of a document: ``lookup_in(key, [SD.get("a"), SD.exists("b")])``."""
        opts = _o.merge("lookup_in", A_LOOKUP, options, kwargs)
        checked = SD.check_specs(specs, lookup=True)
        return self._submit(lambda: self._sched_subdoc(key, key_bytes(key), checked, K_LOOKUP, (checked, False), opts))

    def mutate_in(self, key: Any, specs: Iterable[SD.Spec], *options: Any, **kwargs: Any) -> Any:
        """Change paths of a document atomically: ``mutate_in(key, [SD.upsert("a", 1)])``."""
        opts = _o.merge("mutate_in", A_MUTATE, options, kwargs)
        checked = SD.check_specs(specs, lookup=False)
        return self._submit_maybe_durable(
            lambda: self._sched_subdoc(key, key_bytes(key), checked, K_MUTATE, (checked, False), opts), opts)

    # ---- multi operations ------------------------------------------------
    def _multi(self, name: str, items: List[Tuple[Any, Callable[[], AsyncResult]]], quiet: bool,
               item_map: Optional[Dict[Any, Any]] = None) -> Any:
        multi = MultiCollector(quiet, item_map, _MULTI_RESULT.get(name, MultiResult))
        return self._submit_multi([sched for _, sched in items], multi)

    def _reject_multi_client_durability(self, name: str, opts: Mapping[str, Any]) -> None:
        if any(self._durability(opts)[1:]):
            raise InvalidArgumentException(
                message=f"{name}: persist_to/replicate_to apply to single operations; use "
                        f"durability=Durability.MAJORITY (server durability) for multi operations"
            )

    @staticmethod
    def _keys_of(keys: Any, name: str) -> List[Any]:
        if isinstance(keys, Mapping):  # e.g. get_multi(docs): almost certainly the wrong argument
            raise InvalidArgumentException(message=f"{name} takes a list of keys, not a dict")
        if isinstance(keys, (str, bytes)):
            raise InvalidArgumentException(message=f"{name} takes an iterable of keys, not a single key {keys!r}")
        try:
            out = list(keys)
        except TypeError:
            raise InvalidArgumentException(message=f"{name} takes an iterable of keys, got {type(keys).__name__}") from None
        for k in out:
            _multi_key(k, name)
        return out

    @staticmethod
    def _pairs_of(kvs: Any, name: str) -> List[Tuple[Any, Any, Dict[str, Any]]]:
        """(key, value, per-item options) from a dict, an ItemSequence or pairs."""
        from couchbase.items import Item, ItemCollection

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
                    message=f"{name} takes a dict of key -> value (or Items), got {type(kvs).__name__}") from None
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
        """``per_key_options={key: *Options}`` of a 4.x multi operation, each block checked."""
        per_key = opts.pop("per_key_options", None) or {}
        if not isinstance(per_key, Mapping):
            raise InvalidArgumentException(message=f"{name}: per_key_options must be a dict of key -> options")
        return {k: _o.merge(name, allowed_, (v,), {}) for k, v in per_key.items()}

    def _keyed(self, name: str, keys: Any, opts: Dict[str, Any], allowed_: Any,
               sched: Callable[[Any, Mapping[str, Any]], AsyncResult]) -> List[Tuple[Any, Callable[[], AsyncResult]]]:
        per_key = self._per_key(name, opts, allowed_)
        return [(k, (lambda k=k, o=(dict(opts, **per_key[k]) if k in per_key else opts): sched(k, o)))
                for k in keys]

    def get_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        """Read many documents in one pipelined batch; returns a MultiGetResult (a MultiResult)."""
        opts = dict(_o.merge("get_multi", A_GET | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        item_map = _item_map(keys)
        keys = list(item_map) if item_map else self._keys_of(keys, "get_multi")
        return self._multi("get_multi", self._keyed("get_multi", keys, opts, A_GET, self._sched_get), quiet, item_map)

    def get_any_replica_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        """get_any_replica() for many keys, pipelined; a MultiGetReplicaResult."""
        opts = dict(_o.merge("get_any_replica_multi", A_REPLICA | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "get_any_replica_multi")
        return self._multi("get_any_replica_multi", self._keyed(
            "get_any_replica_multi", keys, opts, A_REPLICA, lambda k, o: self._sched_replica(k, o, REPLICA_ANY)), quiet)

    def get_all_replicas_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        """get_all_replicas() for many keys, pipelined; a MultiGetReplicaResult of lists."""
        opts = dict(_o.merge("get_all_replicas_multi", A_REPLICA | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "get_all_replicas_multi")
        return self._multi("get_all_replicas_multi", self._keyed(
            "get_all_replicas_multi", keys, opts, A_REPLICA, lambda k, o: self._sched_replica(k, o, REPLICA_ALL)),
            quiet)

    def _counter_multi(self, name: str, sign: int, keys: Any, options: Tuple[Any, ...],
                       kwargs: Mapping[str, Any]) -> Any:
        opts = dict(_o.merge(name, A_COUNTER | _MULTI_EXTRA, options, kwargs, defaults={"initial": 0}))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, name)
        self._reject_multi_client_durability(name, opts)

        def sched(k: Any, o: Mapping[str, Any]) -> AsyncResult:
            delta = _counter_number(name, "delta", o.get("delta", 1))
            if not 0 < delta < 2**63:
                raise InvalidArgumentException(message=f"{name}: delta must be in 1..2**63-1, got {delta}")
            return self._sched_counter(k, sign * delta, o)

        return self._multi(name, self._keyed(name, keys, opts, A_COUNTER, sched), quiet)

    def increment_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        """increment() many counters in one pipelined batch (``IncrementMultiOptions(delta=…, initial=…)``)."""
        return self._counter_multi("increment_multi", 1, keys, options, kwargs)

    def decrement_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        """decrement() many counters in one pipelined batch."""
        return self._counter_multi("decrement_multi", -1, keys, options, kwargs)

    def _binary_multi(self, name: str, operation: int, kvs: Any, options: Tuple[Any, ...],
                      kwargs: Mapping[str, Any]) -> Any:
        opts = dict(_o.merge(name, A_BINARY | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        per_key = self._per_key(name, opts, A_BINARY)
        items = []
        for k, v, _ in self._pairs_of(kvs, name):
            o = dict(opts, **per_key[k]) if k in per_key else opts
            items.append((k, (lambda k=k, v=v, o=o: self._sched_store(operation, k, v, o))))
        return self._multi(name, items, quiet)

    def append_multi(self, keys_and_values: Any, *options: Any, **kwargs: Any) -> Any:
        """append() to many documents (a dict key -> str/bytes) in one pipelined batch."""
        return self._binary_multi("append_multi", APPEND, keys_and_values, options, kwargs)

    def prepend_multi(self, keys_and_values: Any, *options: Any, **kwargs: Any) -> Any:
        """prepend() to many documents (a dict key -> str/bytes) in one pipelined batch."""
        return self._binary_multi("prepend_multi", PREPEND, keys_and_values, options, kwargs)

    def exists_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        """exists() for many keys, pipelined."""
        opts = dict(_o.merge("exists_multi", A_EXISTS | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "exists_multi")
        return self._multi("exists_multi", self._keyed("exists_multi", keys, opts, A_EXISTS, self._sched_exists), quiet)

    def _store_multi(self, name: str, operation: int, kvs: Any, options: Tuple[Any, ...],
                     kwargs: Mapping[str, Any]) -> Any:
        opts = dict(_o.merge(name, A_STORE | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        per_key = self._per_key(name, opts, A_STORE)
        pairs = self._pairs_of(kvs, name)
        items = []
        for k, v, iopts in pairs:
            if k in per_key:
                iopts = dict(iopts, **per_key[k])
            merged = dict(opts, **iopts) if iopts else opts
            items.append((k, (lambda k=k, v=v, m=merged: self._sched_store(operation, k, v, m))))
        return self._multi(name, items, quiet, _item_map(kvs))

    def upsert_multi(self, kvs: Any, *options: Any, **kwargs: Any) -> Any:
        """upsert() many documents in one pipelined batch."""
        return self._store_multi("upsert_multi", UPSERT, kvs, options, kwargs)

    def insert_multi(self, kvs: Any, *options: Any, **kwargs: Any) -> Any:
        """insert() many documents in one pipelined batch."""
        return self._store_multi("insert_multi", INSERT, kvs, options, kwargs)

    def replace_multi(self, kvs: Any, *options: Any, **kwargs: Any) -> Any:
        """replace() many documents in one pipelined batch."""
        return self._store_multi("replace_multi", REPLACE, kvs, options, kwargs)

    def remove_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        """remove() many documents in one pipelined batch."""
        opts = dict(_o.merge("remove_multi", A_REMOVE | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "remove_multi")
        self._reject_multi_client_durability("remove_multi", opts)
        return self._multi("remove_multi", self._keyed("remove_multi", keys, opts, A_REMOVE, self._sched_remove), quiet)

    def touch_multi(self, keys: Iterable[Any], expiry: Any, *options: Any, **kwargs: Any) -> Any:
        """touch() many documents in one pipelined batch."""
        opts = dict(_o.merge("touch_multi", A_TOUCH | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        keys = self._keys_of(keys, "touch_multi")
        return self._multi("touch_multi", self._keyed("touch_multi", keys, opts, A_TOUCH,
                                                      lambda k, o: self._sched_touch(k, expiry, o)), quiet)

    def lock_multi(self, keys: Iterable[Any], lock_time: Any, *options: Any, **kwargs: Any) -> Any:
        """get_and_lock() many documents in one pipelined batch."""
        opts = dict(_o.merge("lock_multi", A_LOCK | _MULTI_EXTRA, options, kwargs))
        quiet = self._multi_quiet(opts)
        secs = int(_o.to_seconds("lock_time", lock_time))
        keys = self._keys_of(keys, "lock_multi")
        return self._multi("lock_multi", self._keyed("lock_multi", keys, opts, A_LOCK,
                                                     lambda k, o: self._sched_get(k, o, GET_LOCK, secs)), quiet)

    get_and_lock_multi = lock_multi

    def unlock_multi(self, keys_and_cas: Any, *options: Any, **kwargs: Any) -> Any:
        """unlock() many documents: a dict key -> CAS (or key -> lock result)."""
        opts = dict(_o.merge("unlock_multi", A_UNLOCK | _MULTI_EXTRA, options, kwargs))
        opts.pop("per_key_options", None)
        quiet = self._multi_quiet(opts)
        if not isinstance(keys_and_cas, Mapping):
            raise InvalidArgumentException(message="unlock_multi takes a dict of key -> cas")
        pairs = [(k, getattr(v, "cas", v)) for k, v in keys_and_cas.items()]
        return self._multi("unlock_multi",
                           [(k, (lambda k=k, c=c: self._sched_unlock(k, c, opts))) for k, c in pairs], quiet)

    def counter_multi(self, keys: Any, delta: int = 1, initial: Optional[int] = None, **kwargs: Any) -> Any:
        """counter() on many keys (a list, or a dict key -> delta)."""
        opts = dict(_o.merge("counter_multi", A_COUNTER | {"return_exceptions", "quiet"}, (), dict(kwargs, initial=initial)))
        quiet = self._multi_quiet(opts)
        if isinstance(keys, Mapping):
            pairs = [(k, _counter_number("counter_multi", "delta", d)) for k, d in keys.items()]
        else:
            d = _counter_number("counter_multi", "delta", delta)
            pairs = [(k, d) for k in self._keys_of(keys, "counter_multi")]
        self._reject_multi_client_durability("counter_multi", opts)
        for k, d in pairs:
            key_bytes(k)
            if d == 0 or not -(2**63) <= d < 2**63:
                raise InvalidArgumentException(
                    message=f"counter_multi: delta for {k!r} must be a non-zero signed 64-bit int, got {d}")
        return self._multi("counter_multi",
                           [(k, (lambda k=k, d=d: self._sched_counter(k, d, opts))) for k, d in pairs], quiet)

    # ---- context managers ----------------------------------------------
    @contextlib.contextmanager
    def durability(self, persist_to: int = 0, replicate_to: int = 0,
                   durability: Any = None) -> Iterator[None]:
        """Apply durability requirements to every mutation inside the block."""
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


_MULTI_RESULT: Dict[str, Type[MultiResult]] = {
    "get_multi": MultiGetResult, "lock_multi": MultiGetResult, "exists_multi": MultiExistsResult,
    "upsert_multi": MultiMutationResult, "insert_multi": MultiMutationResult, "replace_multi": MultiMutationResult,
    "remove_multi": MultiMutationResult, "touch_multi": MultiMutationResult, "unlock_multi": MultiMutationResult,
    "append_multi": MultiMutationResult, "prepend_multi": MultiMutationResult,
    "counter_multi": MultiCounterResult, "increment_multi": MultiCounterResult, "decrement_multi": MultiCounterResult,
    "get_any_replica_multi": MultiGetReplicaResult, "get_all_replicas_multi": MultiGetReplicaResult,
}


def _item_map(obj: Any) -> Optional[Dict[Any, Any]]:
    from couchbase.items import ItemCollection

    if isinstance(obj, ItemCollection):
        return {item.key: item for item, _ in obj.items_and_options()}
    return None


class BinaryView:
    """``collection.binary()``: append, prepend, increment, decrement."""

    def __init__(self, kv: KVOperations) -> None:
        self._kv = kv

    def append(self, key: Any, value: Any, *options: Any, **kwargs: Any) -> Any:
        return self._kv.append(key, value, *options, **kwargs)

    def prepend(self, key: Any, value: Any, *options: Any, **kwargs: Any) -> Any:
        return self._kv.prepend(key, value, *options, **kwargs)

    def increment(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        return self._kv.increment(key, *options, **kwargs)

    def decrement(self, key: Any, *options: Any, **kwargs: Any) -> Any:
        return self._kv.decrement(key, *options, **kwargs)

    def increment_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        return self._kv.increment_multi(keys, *options, **kwargs)

    def decrement_multi(self, keys: Iterable[Any], *options: Any, **kwargs: Any) -> Any:
        return self._kv.decrement_multi(keys, *options, **kwargs)

    def append_multi(self, keys_and_values: Any, *options: Any, **kwargs: Any) -> Any:
        return self._kv.append_multi(keys_and_values, *options, **kwargs)

    def prepend_multi(self, keys_and_values: Any, *options: Any, **kwargs: Any) -> Any:
        return self._kv.prepend_multi(keys_and_values, *options, **kwargs)


__all__ = ["AsyncResult", "KVOperations", "MultiCollector", "BinaryView", "key_bytes"]
