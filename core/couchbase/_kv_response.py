"""The response side of key-value operations: what libcouchbase's replies become.

An :class:`AsyncResult` is the one object allocated per operation: it sits in
the connection's pending registry under an integer cookie (a
:class:`~couchbase._pending.Pending`), is completed from the response
callback by the decoder of its kind (``_DECODERS``), and carries the result or
the typed exception. How to decode is said by its :class:`Decode` context,
shared between operations wherever it can be (most calls allocate none).
A :class:`MultiCollector` completes once, when every key of a multi operation
has, with the MultiResult (or the first failure, ``.all_results`` attached).

The request side (validation, encoding, scheduling) is :mod:`couchbase._kv`.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Optional, Tuple, Type, TypeVar

from couchbase import subdocument as SD
from couchbase._binding import ffi, lib
from couchbase._json import loads as _json_loads
from couchbase._pending import Hook, Pending
from couchbase.exceptions import (
    CasMismatchException,
    CouchbaseException,
    DocumentLockedException,
    DocumentNotFoundException,
    DocumentUnretrievableException,
    KeyValueErrorContext,
    PathNotFoundException,
    SubdocumentErrorContext,
    ValueFormatException,
    exception_for,
)
from couchbase.results import (
    CounterResult,
    DiagnosticsResult,
    ExistsResult,
    GetReplicaResult,
    GetResult,
    LookupInResult,
    MultiResult,
    MutateInResult,
    MutationResult,
    MutationToken,
    OperationResult,
    PingResult,
    SubdocField,
)
from couchbase.transcoder import FMT_JSON, DefaultTranscoder, JSONTranscoder, Transcoder, decode_with

_buffer = ffi.buffer
_unpack = ffi.unpack
_NULL = ffi.NULL
# The hot paths read the signed twins of pycb_RESP's unsigned 64-bit fields (i_cas, ...: see
# _bridge.h); a negative one is this much below the unsigned value.
_TWO64 = 1 << 64

_JSON_COMMON = 0x02 << 24  # common flags: JSON
_COMMON_MASK = 0xFF << 24

# What each operation kind decodes into; see _DECODERS below.
(K_GET, K_REPLICA, K_REPLICAS, K_MUTATION, K_EXISTS, K_COUNTER, K_LOOKUP, K_MUTATE, K_GET_EXPIRY, K_PROJECT,
 K_STATS, K_PING, K_DIAG) = range(13)
# Kinds that get one response per node/replica before the final one.
_MANY_RESPONSES = (K_REPLICAS, K_STATS)
# Transcoders whose FMT_JSON documents Decode.json parses directly (for their default decoder).
_FAST_JSON = (DefaultTranscoder, JSONTranscoder)


class Decode:
    """How to decode one operation's response (immutable; shared between operations).

    :param transcoder: decodes document bodies (reads).
    :param no_format: keep the stored bytes (``get(no_format=True)``).
    :param quiet: a failed read/mutation gives a result with ``success == False`` instead of raising.
    :param specs: sub-document specs (lookup_in/mutate_in), or the paths of a projection.
    :param lazy: a read's result decodes its document on first access (SDK 4.x); False: at once,
        so that a document the transcoder cannot decode fails the read (the 1.x API).
    """

    __slots__ = ("transcoder", "no_format", "quiet", "specs", "vbid", "json", "lazy")

    def __init__(self, transcoder: Optional[Transcoder] = None, no_format: bool = False, quiet: bool = False,
                 specs: Optional[List[Any]] = None, vbid: Optional[int] = None, lazy: bool = True) -> None:
        self.transcoder = transcoder
        self.no_format = no_format
        self.quiet = quiet
        self.specs = specs
        self.vbid = vbid  # a mutation's vBucket when mutation tokens are off (its token names it)
        self.lazy = lazy
        # A FMT_JSON document read with a built-in JSON transcoder (JSONTranscoder, the default, or
        # DefaultTranscoder) and its default JSON decoder is decoded here directly: what
        # decode_value would do, without its calls (a failure still goes through the transcoder,
        # which raises its own error).
        self.json = (_json_loads if type(transcoder) in _FAST_JSON and not no_format
                     and getattr(transcoder, "_loads", None) is _json_loads else None)

    def with_vbucket(self, instance: Any, key: bytes) -> "Decode":
        """A copy that also carries the vBucket of ``key`` (for the token of a mutation)."""
        vbid = lib.pycb_key_vbucket(instance, key, len(key))
        return Decode(self.transcoder, self.no_format, self.quiet, self.specs, vbid if vbid >= 0 else None,
                      self.lazy)

    def decode(self, raw: bytes, flags: int) -> Any:
        """The document ``raw`` stored with ``flags``, as this context's transcoder decodes it.

        Raises:
            ValueFormatException: The transcoder cannot decode it (its own error, or
                DecodingFailureException wrapping another).
        """
        loads = self.json
        if loads is not None and flags == FMT_JSON:
            try:
                return loads(raw)
            except Exception:  # noqa: BLE001 - the transcoder raises the error it always raised
                pass
        return decode_with(self.transcoder, raw, flags, no_format=self.no_format)

    def __repr__(self) -> str:
        return (f"Decode(transcoder={self.transcoder!r}, no_format={self.no_format}, quiet={self.quiet}, "
                f"specs={self.specs!r}, lazy={self.lazy})")


NOT_QUIET = Decode()
UNLOCK = Decode()  # an unlock (its LOCKED answer is a CAS mismatch)
QUIET = Decode(quiet=True)


#: What an operation completes with (``AsyncResult[GetResult]``, ``MultiCollector[MultiGetResult]``).
R = TypeVar("R")


class AsyncResult(Pending, Generic[R]):
    """One scheduled key-value operation; completed from the response callback.

    Raw-async users set ``callback(result)`` and ``errback(op, exc_type, exc_value, traceback)``
    before the loop delivers the response (see :mod:`couchbase.asynchronous`). Front ends use the
    ``Pending`` protocol (``on_done``, ``outcome()``) instead.

    Args:
        key: The document key.
        kind: The operation's kind (which decoder turns its response into a result).
        ctx: The decode context (transcoder, quiet, sub-document specs).
        bucket: The bucket's name (for mutation tokens).
    """

    __slots__ = ("key", "kind", "ctx", "callback", "errback", "cookie", "_bucket")

    if TYPE_CHECKING:  # the type checker's view of what the operation completes with
        callback: Optional[Callable[[R], Any]]

        def outcome(self) -> R: ...

    def __init__(self, key: Any, kind: int, ctx: Decode, bucket: Optional[str]) -> None:
        # Pending's fields are set here rather than through Pending.__init__: one call less per operation.
        self.done = False
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.on_done: Optional[Hook] = None
        self.waiter: Any = None
        self.key = key
        self.kind = kind
        self.ctx = ctx
        self.callback = None
        self.errback: Optional[Callable[..., Any]] = None
        self.cookie = 0
        self._bucket = bucket

    def _complete(self, resp: Any) -> None:
        if self.done:
            return
        kind = self.kind
        try:
            _DECODERS[kind](self, resp)
        except CouchbaseException as exc:
            self.error = exc
        except Exception as exc:  # noqa: BLE001 - decoding must not lose the operation
            self.error = ValueFormatException(message=f"decoding the value of {self.key!r} failed: {exc}",
                                              inner_cause=exc)
        if kind in _MANY_RESPONSES and not resp.is_final:
            return
        self.done = True
        hook = self.on_done
        if hook is not None:
            hook(self)

    @property
    def value(self) -> Any:
        """The result's value (``res.value`` also works on a batch placeholder)."""
        return self.outcome().value  # type: ignore[attr-defined]  # every KV result but a list has one

    @property
    def success(self) -> bool:
        """True once the operation completed without an error (and its result says success)."""
        return self.done and self.error is None and getattr(self.result, "success", True)

    def describe(self) -> str:
        """What the operation is, for messages (``operation on key 'k'``).

        Returns:
            str: The description.

        Never raises.
        """
        return f"operation on key {self.key!r}"

    def __repr__(self) -> str:
        state = "pending" if not self.done else ("error" if self.error is not None else "done")
        return f"<AsyncResult key={self.key!r} {state} result={self.result!r} error={self.error!r}>"


def placeholder() -> AsyncResult[Any]:
    """An AsyncResult with no operation of its own yet (completed through ``_adopt`` or ``_resolve``)."""
    return AsyncResult(None, -1, NOT_QUIET, None)


# ---- decoders: (op, resp) -> fill op.result / op.error ------------------

def _bytes(ptr: Any, n: int) -> bytes:
    return _buffer(ptr, n)[:] if n else b""


def _token(op: AsyncResult[Any], resp: Any) -> Optional[MutationToken]:
    if not resp.has_token:
        vbid = op.ctx.vbid
        # tokens off: SDK 4.x still gives a token naming the vBucket, with uuid and seqno 0
        return None if vbid is None else MutationToken(vbid, 0, 0, op._bucket or "")
    uuid, seqno = resp.i_token_uuid, resp.i_token_seqno
    if uuid < 0:
        uuid += _TWO64
    if seqno < 0:
        seqno += _TWO64
    return MutationToken(resp.token_vbid, uuid, seqno, op._bucket or "")


def _error(op: AsyncResult[Any], resp: Any) -> CouchbaseException:
    raw = ffi.new("pycb_ERRCTX *")
    lib.pycb_errctx(resp.errctx, raw)
    context = (SubdocumentErrorContext if op.kind in (K_LOOKUP, K_MUTATE) else KeyValueErrorContext)(
        key=op.key,
        status_code=raw.status_code,
        opaque=raw.opaque,
        ref=_bytes(raw.ref, raw.nref).decode("utf-8", "replace") or None,
        context=_bytes(raw.context, raw.ncontext).decode("utf-8", "replace") or None,
        endpoint=_bytes(raw.endpoint, raw.nendpoint).decode("utf-8", "replace") or None,
        bucket=op._bucket,
    )
    if resp.rc == _LCB_ERR_TIMEOUT and raw.status_code in _UNKNOWN_COLLECTION_STATUS:
        # libcouchbase retries an unknown collection (it may be a stale cache) until the timeout;
        # the server's last word was that the collection (or scope) does not exist.
        from couchbase.exceptions import CollectionNotFoundException, ScopeNotFoundException

        cls = CollectionNotFoundException if raw.status_code == 0x88 else ScopeNotFoundException
        return cls(message=f"{cls.__name__[:-9]}: the server does not know the collection of {op.key!r} "
                           f"(retried until the timeout)", rc=resp.rc, context=context)
    if raw.status_code == _EINVAL_STATUS and resp.rc == _LCB_ERR_KVENGINE_INVALID_PACKET:
        # the server refused the request's arguments (e.g. a mutation macro in array_addunique);
        # libcouchbase calls that an invalid packet, SDK 4.x an invalid argument
        from couchbase.exceptions import InvalidArgumentException

        return InvalidArgumentException(message=f"the server refused the request for {op.key!r} as invalid "
                                                f"(status EINVAL)", rc=resp.rc, context=context)
    if raw.status_code == _NOT_LOCKED_STATUS:  # Server 7.6+; libcouchbase 3.3 has no code of its own for it
        from couchbase.exceptions import DocumentNotLockedException

        return DocumentNotLockedException(message=f"unlock: {op.key!r} is not locked", rc=resp.rc,
                                          context=context)
    return exception_for(resp.rc, context=context)


_LCB_ERR_TIMEOUT = 201
_NOT_LOCKED_STATUS = 0x0E
_EINVAL_STATUS = 0x04
_LCB_ERR_KVENGINE_INVALID_PACKET = 1031
_UNKNOWN_COLLECTION_STATUS = (0x88, 0x8C)


def _quiet_or_raise(op: AsyncResult[Any], resp: Any, factory: Callable[[], Any]) -> bool:
    """True when the op failed; with quiet, a failed result is stored instead of an error."""
    if resp.rc == 0:
        return False
    if op.ctx.quiet:
        op.result = factory()
    else:
        op.error = _error(op, resp)
    return True


def _decode_get(op: AsyncResult[Any], resp: Any) -> None:
    if resp.rc and _quiet_or_raise(op, resp, lambda: GetResult(op.key, resp.rc)):
        return
    ctx = op.ctx
    raw = _unpack(resp.value, resp.i_nvalue)
    cas = resp.i_cas
    if cas < 0:
        cas += _TWO64
    if ctx.no_format:
        op.result = GetResult(op.key, 0, cas, raw, resp.flags)
    elif ctx.lazy:
        op.result = _undecoded_get(op.key, cas, raw, resp.flags, ctx)
    else:
        op.result = GetResult(op.key, 0, cas, ctx.decode(raw, resp.flags), resp.flags)


_undecoded_get = GetResult._undecoded


class ReplicaResults(list):  # type: ignore[type-arg]
    """``get_all_replicas``' GetReplicaResults: a list, and also an iterator (``next(result)``) as
    SDK 4.x returns them."""

    _pos = 0

    def __next__(self) -> Any:
        if self._pos >= len(self):
            raise StopIteration
        self._pos += 1
        return self[self._pos - 1]


def _decode_replica(op: AsyncResult[Any], resp: Any) -> None:
    if resp.rc:
        if op.kind == K_REPLICAS:
            if op.result is None:
                op.result = ReplicaResults()
            if not resp.is_final or op.result:
                return  # one replica failing is not the whole read failing
        err = _error(op, resp)
        if isinstance(err, DocumentNotFoundException):  # no copy has it (SDK 4.x)
            err = DocumentUnretrievableException(f"no copy of {op.key!r} could be read: {err.message}",
                                                 rc=err.rc, context=err.context)
        op.error = err
        return
    raw = _buffer(resp.value, resp.nvalue)[:]
    ctx = op.ctx
    if ctx.lazy:
        res = GetReplicaResult._undecoded(op.key, resp.cas, raw, resp.flags, ctx,
                                          is_replica=not resp.is_active)
    else:
        res = GetReplicaResult(op.key, 0, resp.cas, ctx.decode(raw, resp.flags), resp.flags,
                               is_replica=not resp.is_active)
    if op.kind == K_REPLICAS:
        if op.result is None:
            op.result = ReplicaResults()
        op.result.append(res)
    else:
        op.result = res


def _decode_mutation(op: AsyncResult[Any], resp: Any) -> None:
    if resp.rc and _quiet_or_raise(op, resp, lambda: MutationResult(op.key, resp.rc)):
        if op.ctx is UNLOCK and isinstance(op.error, DocumentLockedException):
            # a server answers an unlock with the wrong CAS "locked": that is a CAS mismatch (SDK 4.x)
            err = op.error
            op.error = CasMismatchException(f"unlock of {op.key!r}: the CAS does not match the lock's",
                                            rc=err.rc, context=err.context)
        return
    cas = resp.i_cas
    if cas < 0:
        cas += _TWO64
    op.result = MutationResult(op.key, 0, cas, _token(op, resp))


def _decode_exists(op: AsyncResult[Any], resp: Any) -> None:
    if resp.rc:
        op.error = _error(op, resp)
        return
    op.result = ExistsResult(op.key, 0, resp.cas, bool(resp.is_found))


def _decode_counter(op: AsyncResult[Any], resp: Any) -> None:
    if _quiet_or_raise(op, resp, lambda: CounterResult(op.key, resp.rc)):
        return
    op.result = CounterResult(op.key, 0, resp.cas, resp.counter, _token(op, resp))


def _subdoc_fields(op: AsyncResult[Any], resp: Any, specs: List[SD.Spec]) -> List[SubdocField]:
    raw = resp.raw
    count = lib.lcb_respsubdoc_result_size(raw)
    fields = []
    pval = ffi.new("const char **")
    plen = ffi.new("size_t *")
    for i in range(count):
        status = lib.lcb_respsubdoc_result_status(raw, i)
        lib.lcb_respsubdoc_result_value(raw, i, pval, plen)
        data = _bytes(pval[0], plen[0]) if pval[0] != _NULL else b""
        fields.append(subdoc_field(specs[i] if i < len(specs) else None, status, data))
    return fields


def subdoc_field(spec: Optional[SD.Spec], status: int, data: bytes) -> SubdocField:
    """One path's outcome from its libcouchbase status and raw value (GET_DOC values stay raw)."""
    path = spec.path if spec is not None else ""
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
    return SubdocField(path, status, value, error)


def _decode_lookup(op: AsyncResult[Any], resp: Any) -> None:
    specs: List[SD.Spec] = op.ctx.specs  # type: ignore[assignment]  # lookup_in always sets specs
    if resp.rc:
        op.error = _error(op, resp)
        return
    fields = _subdoc_fields(op, resp, specs)
    for index, (f, spec) in enumerate(zip(fields, specs)):
        if spec.kind == SD.GET_DOC and f.error is None:
            f.value = SD.decode_value(f.value)
        elif f.error is not None:
            _subdoc_context(op, resp, f, index)
    op.result = LookupInResult(op.key, 0, resp.cas, fields, bool(resp.is_deleted))


def _subdoc_context(op: AsyncResult[Any], resp: Any, field: SubdocField, index: int) -> None:
    """Give a failed spec's error the SubdocumentErrorContext SDK 4.x has (only failures pay for it)."""
    if isinstance(field.error, CouchbaseException) and field.error.context is None:
        field.error.context = SubdocumentErrorContext(
            key=op.key, bucket=op._bucket, status_code=field.status, first_error_path=field.path,
            first_error_index=index, deleted=bool(resp.is_deleted))


def _decode_mutate(op: AsyncResult[Any], resp: Any) -> None:
    if resp.rc:
        op.error = _error(op, resp)
        return
    specs: List[SD.Spec] = op.ctx.specs  # type: ignore[assignment]  # mutate_in always sets specs
    fields = _subdoc_fields(op, resp, specs)
    for index, f in enumerate(fields):
        if f.error is not None:
            _subdoc_context(op, resp, f, index)
            op.error = f.error
            return
    op.result = MutateInResult(op.key, 0, resp.cas, fields, bool(resp.is_deleted), _token(op, resp))


def _decode_get_expiry(op: AsyncResult[Any], resp: Any) -> None:
    ctx = op.ctx
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
    if ctx.lazy and not ctx.no_format:
        op.result = GetResult._undecoded(op.key, resp.cas, parts[2], flags, ctx, expiry=expiry)
    else:
        op.result = GetResult(op.key, 0, resp.cas, ctx.decode(parts[2], flags), flags, expiry=expiry)


def _decode_project(op: AsyncResult[Any], resp: Any) -> None:
    paths: List[str] = op.ctx.specs  # type: ignore[assignment]  # a projection always sets its paths
    if _quiet_or_raise(op, resp, lambda: GetResult(op.key, resp.rc)):
        return
    raw = resp.raw
    pval = ffi.new("const char **")
    plen = ffi.new("size_t *")
    doc: Dict[str, Any] = {}
    if len(paths) > 16:  # the whole document was read: pick the paths from it
        lib.lcb_respsubdoc_result_value(raw, 0, pval, plen)
        whole = SD.decode_value(_bytes(pval[0], plen[0]))
        for path in paths:
            found, value = _get_path(whole, path)
            if found:
                _set_path(doc, path, value)
        op.result = GetResult(op.key, 0, resp.cas, doc, _JSON_COMMON)
        return
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


def _get_path(doc: Any, path: str) -> Tuple[bool, Any]:
    """(found, value) of a dotted path (``a.b``, ``a[0]``) in a decoded document."""
    import re

    cur = doc
    for part in path.split("."):
        m = re.fullmatch(r"([^\[\]]*)((?:\[\d+\])*)", part)
        if m is None:
            return False, None
        name, indexes = m.group(1), re.findall(r"\[(\d+)\]", m.group(2))
        if name:
            if not isinstance(cur, dict) or name not in cur:
                return False, None
            cur = cur[name]
        for idx in indexes:
            if not isinstance(cur, list) or int(idx) >= len(cur):
                return False, None
            cur = cur[int(idx)]
    return True, cur


def _set_path(doc: Dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = doc
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def _decode_stats(op: AsyncResult[Any], resp: Any) -> None:
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


def _decode_json_report(op: AsyncResult[Any], resp: Any) -> None:
    if resp.rc:
        op.error = _error(op, resp)
        return
    report = json.loads(_bytes(resp.value, resp.nvalue) or b"{}")
    extra = getattr(op, "report", None) or {}  # report_id / service_types (ReportOp)
    op.result = PingResult(report, **extra) if op.kind == K_PING else DiagnosticsResult(report, **extra)


_BY_KIND: Dict[int, Callable[[AsyncResult[Any], Any], None]] = {
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
# The decoder of each kind, indexed by it (kinds are 0..12: a tuple index is cheaper than a dict lookup).
_DECODERS: Tuple[Callable[[AsyncResult[Any], Any], None], ...] = tuple(
    _BY_KIND[k] for k in range(len(_BY_KIND)))



class ReportOp(AsyncResult[Any]):
    """A ping/diagnostics operation: carries the ``report_id``/``service_types`` of its options."""

    __slots__ = ("report",)

    report: Optional[Dict[str, Any]]


class MultiCollector(Pending, Generic[R]):
    """The pending result of a multi operation: completes once, when every key's operation has.

    Args:
        quiet: Return failures in the result instead of raising the first one.
        items: key -> Item, for the Item API (results are stored into them).
        result_class: The MultiResult subclass to build.
    """

    __slots__ = ("ops", "remaining", "quiet", "items", "callback", "errback", "result_class")

    if TYPE_CHECKING:
        callback: Optional[Callable[[R], Any]]

        def outcome(self) -> R: ...

    def __init__(self, quiet: bool, items: Optional[Dict[Any, Any]] = None,
                 result_class: Type[MultiResult] = MultiResult) -> None:
        super().__init__()
        self.result_class = result_class  # the SDK 4.x Multi*Result of the operation
        self.ops: List[AsyncResult[Any]] = []
        self.remaining = 0
        self.quiet = quiet
        self.items = items  # key -> Item, for the Item API: results are stored into them
        self.callback = None
        self.errback: Optional[Callable[..., Any]] = None

    def add(self, op: AsyncResult[Any]) -> None:
        """Count ``op`` in: the collector completes when it and every other added operation have.

        Args:
            op: One key's operation.

        Never raises.
        """
        self.ops.append(op)
        if op.done:  # decided without the server (e.g. no copy in the preferred server group)
            return
        self.remaining += 1
        op.on_done = self._one_done

    def _one_done(self, op: AsyncResult[Any]) -> None:
        self.remaining -= 1
        if self.remaining == 0:
            self.finish()

    def finish(self) -> None:
        """Build the MultiResult and complete (also for an empty multi operation).

        Never raises (a failed key, unless quiet, becomes the collector's error).
        """
        if self.done:
            return
        multi = self._build()
        self.result = multi
        if multi.exceptions and not self.quiet:
            first = next(iter(multi.exceptions.values()))
            try:
                first.all_results = multi  # type: ignore[attr-defined]
            except AttributeError:
                pass
            self.error = first
        self._notify()

    def _build(self) -> MultiResult:
        multi = self.result_class()
        for op in self.ops:
            op.on_done = None  # its hook (_one_done) has run: no cycle left for the collector to find
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

    def describe(self) -> str:
        """What the operation is, for messages.

        Returns:
            str: The description.

        Never raises.
        """
        return f"multi operation on {len(self.ops)} keys"

    def __repr__(self) -> str:
        return f"<MultiCollector keys={len(self.ops)} remaining={self.remaining} done={self.done}>"


__all__ = ["AsyncResult", "Decode", "MultiCollector", "NOT_QUIET", "QUIET", "UNLOCK", "placeholder"]
