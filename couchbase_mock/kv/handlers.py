"""Key-value operations: one function per opcode, ``(conn, req) -> reply bytes``.

Each checks routing (NOT_MY_VBUCKET with the current map), the collection,
document state (expiry via the mock clock, locks, CAS, tombstones) and
answers as a Couchbase Server 7.0 does: a locked document gives LOCKED to a client that
negotiated XERROR and ETMPFAIL to one that did not. Persistence and replication are instant:
every copy is durable as soon as the active node applies the mutation.
"""
from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

from couchbase_mock import subdoc as SD
from couchbase_mock.kv import protocol as P
from couchbase_mock.store import BucketStore as Store
from couchbase_mock.store import Doc, is_json

if TYPE_CHECKING:
    from couchbase_mock.kv.connection import KVConnection, Request

LOCKED_CAS = 0xFFFFFFFFFFFFFFFF
DEFAULT_LOCK, MAX_LOCK = 15, 30
_U32 = struct.Struct(">I")
_II = struct.Struct(">II")
XERROR = 0x07  # the HELLO feature (see connection.py)


def _reply(req: "Request", status: int = 0, value: bytes = b"", extras: bytes = b"", cas: int = 0,
           datatype: int = 0) -> bytes:
    return P.response(req.opcode, req.opaque, status, value, extras, b"", cas, datatype)


class _Refused(Exception):
    """A request answered with an error status before the operation ran (see :func:`_handler`)."""

    def __init__(self, reply: bytes) -> None:
        super().__init__()
        self.reply = reply


class _Locked(_Refused):
    """The document is locked against the request: LOCKED to a client that negotiated XERROR
    (as Couchbase Server 7.x answers), ETMPFAIL to one that did not."""

    def __init__(self, req: "Request") -> None:
        super().__init__(_reply(req, P.ETMPFAIL))
        self.req = req


def locked_reply(conn: "KVConnection", req: "Request") -> bytes:
    return _reply(req, P.LOCKED if XERROR in conn.features else P.ETMPFAIL)


def _handler(
    fn: Callable[["KVConnection", "Request"], bytes],
) -> Callable[["KVConnection", "Request"], bytes]:
    """An opcode handler whose checks (``_target``, ``_existing``) refuse by raising :class:`_Refused`."""

    def handle(conn: "KVConnection", req: "Request") -> bytes:
        try:
            return fn(conn, req)
        except _Locked as locked:
            return locked_reply(conn, locked.req)
        except _Refused as refused:
            return refused.reply

    handle.__name__ = fn.__name__
    handle.__doc__ = fn.__doc__
    return handle


def _target(conn: "KVConnection", req: "Request", *, replica: bool = False, durable: bool = False) -> Store:
    """The store a document request addresses: routed to this node (a replica copy with
    ``replica``), its collection known, and (``durable``) its sync-write level achievable."""
    bad = _route(conn, req, replica) or (_durability(conn, req) if durable else None)
    if bad:
        raise _Refused(bad)
    return conn.bucket.store  # type: ignore[union-attr]


def _existing(store: Store, req: "Request", *, unlocked: bool = False, missing: int = P.KEY_ENOENT) -> Doc:
    """The request's live document, else a ``missing`` reply (KEY_ENOENT); with ``unlocked``
    a document locked against this request's CAS is refused (:class:`_Locked`)."""
    doc = store.live(req.cid, req.key)
    if doc is None:
        raise _Refused(_reply(req, missing))
    if unlocked and store.is_locked(doc) and req.cas != doc.lock_cas:
        raise _Locked(req)
    return doc


def _route(conn: "KVConnection", req: "Request", replica: bool = False) -> Optional[bytes]:
    """NMVB reply unless this node owns the vBucket; also strips the collection id."""
    bucket = conn.bucket
    assert bucket is not None
    if req.vbucket >= bucket.num_vbuckets:
        return _reply(req, P.NOT_MY_VBUCKET, conn.cluster.bucket_config_json(bucket.name).encode())
    row = bucket.vbmap[req.vbucket]
    owners = row[1:] if replica else row[:1]
    if conn.node.index not in owners:
        return conn.not_my_vbucket(req)
    if conn.collections:
        try:
            cid, used = P.leb128(req.key)
        except ValueError:
            return _reply(req, P.EINVAL)
        req.key, req.cid = req.key[used:], cid
        if cid and not bucket.store.manifest.known(cid):
            return _reply(req, P.UNKNOWN_COLLECTION)
    if not req.key:
        return _reply(req, P.EINVAL)
    return None


def _dtype(conn: "KVConnection", doc: Doc) -> int:
    return 1 if conn.json and doc.datatype & 1 else 0


def _durability(conn: "KVConnection", req: "Request") -> Optional[bytes]:
    """DURABILITY_INVALID_LEVEL / IMPOSSIBLE for a sync-write frame that cannot be met."""
    if not req.framing:
        return None
    frames = P.parse_framing(req.framing)
    level = frames.get(1)
    if level is None:
        return None
    if not level or level[0] not in (1, 2, 3):
        return _reply(req, P.DURABILITY_INVALID_LEVEL)
    bucket = conn.bucket
    assert bucket is not None
    copies = bucket.replicas + 1
    row = bucket.vbmap[req.vbucket]
    live = sum(1 for x in row if x >= 0 and conn.cluster.nodes[x].running)
    if bucket.replicas == 0 or live < copies // 2 + 1:
        return _reply(req, P.DURABILITY_IMPOSSIBLE)
    return None


def _preserve_ttl(req: "Request") -> bool:
    return bool(req.framing) and 5 in P.parse_framing(req.framing)


def _store_doc(conn: "KVConnection", req: "Request", doc: Optional[Doc], value: bytes, flags: int,
               datatype: int, expiry: int) -> Doc:
    store = conn.bucket.store  # type: ignore[union-attr]
    seqno = store.next_seqno(req.vbucket)
    cas = store.next_cas()
    new = Doc(value, flags, datatype, cas, expiry, seqno)
    if doc is not None and not doc.deleted:
        new.xattrs = {k: v for k, v in doc.xattrs.items() if k.startswith("_")}
    store.docs[(req.cid, req.key)] = new
    return new


# ---- reads ----------------------------------------------------------------------------

@_handler
def get(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req)
    doc = _existing(store, req)
    cas = LOCKED_CAS if store.is_locked(doc) else doc.cas
    return _reply(req, 0, doc.value, _U32.pack(doc.flags), cas, _dtype(conn, doc))


@_handler
def get_replica(conn: "KVConnection", req: "Request") -> bytes:
    doc = _existing(_target(conn, req, replica=True), req)
    return _reply(req, 0, doc.value, _U32.pack(doc.flags), doc.cas, _dtype(conn, doc))


@_handler
def get_and_touch(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req)
    doc = _existing(store, req, unlocked=True)
    doc.expiry = store.clock.absolute(_U32.unpack_from(req.extras)[0]) if len(req.extras) >= 4 else 0
    doc.cas = store.next_cas()
    return _reply(req, 0, doc.value, _U32.pack(doc.flags), doc.cas, _dtype(conn, doc))


@_handler
def get_locked(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req)
    doc = _existing(store, req, unlocked=True)
    secs = _U32.unpack_from(req.extras)[0] if len(req.extras) >= 4 else 0
    if secs == 0 or secs > MAX_LOCK:
        secs = DEFAULT_LOCK
    doc.cas = doc.lock_cas = store.next_cas()
    doc.lock_until = store.clock.now() + secs
    return _reply(req, 0, doc.value, _U32.pack(doc.flags), doc.cas, _dtype(conn, doc))


@_handler
def unlock(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req)
    doc = _existing(store, req)
    if not store.is_locked(doc):
        # Server 7.6 answers NOT_LOCKED to clients that negotiated extended errors; TMPFAIL otherwise
        return _reply(req, P.NOT_LOCKED if XERROR in conn.features else P.ETMPFAIL)
    if req.cas != doc.lock_cas:
        return locked_reply(conn, req)
    doc.lock_until = 0.0
    return _reply(req, 0, cas=doc.cas)


@_handler
def touch(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req)
    doc = _existing(store, req, unlocked=True)
    doc.expiry = store.clock.absolute(_U32.unpack_from(req.extras)[0]) if len(req.extras) >= 4 else 0
    doc.cas = store.next_cas()
    return _reply(req, 0, cas=doc.cas)


@_handler
def get_meta(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req)
    store.live(req.cid, req.key)
    doc = store.docs.get((req.cid, req.key))
    if doc is None:
        return _reply(req, P.KEY_ENOENT)
    extras = struct.pack(">IIIQ", 1 if doc.deleted else 0, doc.flags, doc.expiry, doc.seqno)
    if req.extras[:1] == b"\x02":
        extras += bytes([doc.datatype & 0x07])
    return _reply(req, 0, extras=extras, cas=doc.cas)


# ---- mutations ----------------------------------------------------------------------------

@_handler
def store_op(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req, durable=True)
    if len(req.value) > P.MAX_VALUE:
        return _reply(req, P.E2BIG)
    if len(req.extras) < 8:
        return _reply(req, P.EINVAL)
    flags, expiry = _II.unpack_from(req.extras)
    doc = store.live(req.cid, req.key)
    add, replace = req.opcode == 0x02, req.opcode == 0x03
    if doc is not None:
        if add:
            return _reply(req, P.KEY_EEXISTS)
        doc = _existing(store, req, unlocked=True)
        if req.cas and req.cas != doc.cas and req.cas != doc.lock_cas:
            return _reply(req, P.KEY_EEXISTS)
    elif replace or req.cas:
        return _reply(req, P.KEY_ENOENT)
    if _preserve_ttl(req) and doc is not None:
        exp = doc.expiry
    else:
        exp = store.clock.absolute(expiry)
    datatype = 1 if (req.datatype & 1 or is_json(req.value)) else 0
    new = _store_doc(conn, req, doc, req.value, flags, datatype, exp)
    return _reply(req, 0, extras=conn.mutation_extras(req.vbucket, new.seqno), cas=new.cas)


@_handler
def delete(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req, durable=True)
    doc = _existing(store, req, unlocked=True)
    if req.cas and req.cas not in (doc.cas, doc.lock_cas):
        return _reply(req, P.KEY_EEXISTS)
    doc.deleted = True
    doc.value = b""
    doc.lock_until = 0.0
    doc.xattrs = {k: v for k, v in doc.xattrs.items() if k.startswith("_")}
    doc.cas = store.next_cas()
    doc.seqno = store.next_seqno(req.vbucket)
    return _reply(req, 0, extras=conn.mutation_extras(req.vbucket, doc.seqno), cas=doc.cas)


@_handler
def counter(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req, durable=True)
    if len(req.extras) != 20:
        return _reply(req, P.EINVAL)
    delta, initial, expiry = struct.unpack(">QQI", req.extras)
    doc = store.live(req.cid, req.key)
    if doc is None:
        if expiry == 0xFFFFFFFF:
            return _reply(req, P.KEY_ENOENT)
        value = initial
        new = _store_doc(conn, req, None, str(value).encode(), 0, 1, store.clock.absolute(expiry))
    else:
        doc = _existing(store, req, unlocked=True)
        text = doc.value.strip()
        if not text.isdigit() or len(text) > 20 or int(text) >= 1 << 64:
            return _reply(req, P.DELTA_BADVAL)
        current = int(text)
        value = (current + delta) % (1 << 64) if req.opcode == 0x05 else max(0, current - delta)
        new = _store_doc(conn, req, doc, str(value).encode(), doc.flags, 1, doc.expiry)
    return _reply(req, 0, struct.pack(">Q", value), conn.mutation_extras(req.vbucket, new.seqno), new.cas)


@_handler
def concat(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req, durable=True)
    doc = _existing(store, req, unlocked=True, missing=P.NOT_STORED)
    if req.cas and req.cas != doc.cas:
        return _reply(req, P.KEY_EEXISTS)
    value = doc.value + req.value if req.opcode == 0x0E else req.value + doc.value
    if len(value) > P.MAX_VALUE:
        return _reply(req, P.E2BIG)
    new = _store_doc(conn, req, doc, value, doc.flags, 1 if is_json(value) else 0, doc.expiry)
    new.xattrs = dict(doc.xattrs)
    return _reply(req, 0, extras=conn.mutation_extras(req.vbucket, new.seqno), cas=new.cas)


# ---- observe ----------------------------------------------------------------------------

def observe_seqno(conn: "KVConnection", req: "Request") -> bytes:
    bucket = conn.bucket
    assert bucket is not None
    vb = req.vbucket
    if vb >= bucket.num_vbuckets or conn.node.index not in bucket.vbmap[vb]:
        return conn.not_my_vbucket(req)
    store, cluster = bucket.store, conn.cluster
    is_active = bucket.vbmap[vb][0] == conn.node.index
    current = store.vb_seqno[vb] if is_active else store.seqno_as_of(vb, cluster.replication_lag)
    persisted = min(current, store.seqno_as_of(vb, cluster.persistence_lag))
    body = struct.pack(">BHQQQ", 0, vb, store.vb_uuid[vb], persisted, current)
    return _reply(req, 0, body)


def observe(conn: "KVConnection", req: "Request") -> bytes:
    bucket = conn.bucket
    assert bucket is not None
    store = bucket.store
    out: List[bytes] = []
    data, i = req.value, 0
    while i + 4 <= len(data):
        vb, klen = struct.unpack_from(">HH", data, i)
        raw_key = data[i + 4:i + 4 + klen]
        i += 4 + klen
        key, cid = raw_key, 0
        if conn.collections:
            cid, used = P.leb128(raw_key)
            key = raw_key[used:]
        store.live(cid, key)
        doc = store.docs.get((cid, key))
        if doc is None:
            state, cas = 0x80, 0
        elif doc.deleted:
            state, cas = 0x81, doc.cas
        else:
            persisted = store.seqno_as_of(vb, conn.cluster.persistence_lag) >= doc.seqno
            state, cas = (0x01 if persisted else 0x00), doc.cas
        out.append(struct.pack(">HH", vb, len(raw_key)) + raw_key + struct.pack(">BQ", state, cas))
    return _reply(req, 0, b"".join(out))


# ---- collections ----------------------------------------------------------------------------

def collections_manifest(conn: "KVConnection", req: "Request") -> bytes:
    body = conn.bucket.store.manifest.as_json().encode()  # type: ignore[union-attr]
    return _reply(req, 0, body, datatype=1 if conn.json else 0)


def collection_id(conn: "KVConnection", req: "Request") -> bytes:
    manifest = conn.bucket.store.manifest  # type: ignore[union-attr]
    path = (req.value or req.key).decode("utf-8", "replace")
    scope, _, coll = path.partition(".")
    cid, scope_known = manifest.cid(scope or "_default", coll or "_default")
    if not scope_known:
        return _reply(req, P.UNKNOWN_SCOPE)
    if cid is None:
        return _reply(req, P.UNKNOWN_COLLECTION)
    return _reply(req, 0, extras=struct.pack(">QI", manifest.uid, cid))


# ---- stats ----------------------------------------------------------------------------

def stats(conn: "KVConnection", req: "Request") -> bytes:
    bucket = conn.bucket
    assert bucket is not None
    group = req.key.decode("utf-8", "replace")
    items = [d for d in bucket.store.docs.values() if not d.deleted]
    values: Dict[str, object] = {
        "pid": os.getpid(), "version": "7.0.0-mock", "curr_items": len(items),
        "curr_connections": len(conn.node.connections), "total_ops": conn.cluster.ops,
        "ep_num_vbuckets": bucket.num_vbuckets, "ep_bucket_name": bucket.name,
    }
    if group not in ("", "memory", "timings"):
        values = {"stat_group": group}
    out = [P.response(req.opcode, req.opaque, 0, str(v).encode(), key=k.encode()) for k, v in values.items()]
    out.append(P.response(req.opcode, req.opaque, 0))
    return b"".join(out)


# ---- sub-document ----------------------------------------------------------------------------

def _virtual(conn: "KVConnection", req: "Request", doc: Doc) -> Dict[str, object]:
    store = conn.bucket.store  # type: ignore[union-attr]
    return {"cas": doc.cas, "seqno": doc.seqno, "exptime": doc.expiry, "flags": doc.flags,
            "datatype": doc.datatype, "deleted": doc.deleted, "vbucket_uuid": store.vb_uuid[req.vbucket]}


@_handler
def subdoc_lookup(conn: "KVConnection", req: "Request") -> bytes:
    doc_flags = req.extras[0] if req.extras else 0
    replica = bool(doc_flags & SD.DOC_REPLICA_READ)
    if replica and not conn.cluster.subdoc_replica_read:
        return _reply(req, P.EINVAL)  # a server before 7.5 knows no such doc flag
    # ReplicaRead: only a replica copy answers (the active node says NOT_MY_VBUCKET)
    store = _target(conn, req, replica=replica)
    specs: List[SD.LookupSpec] = []
    data, i = req.value, 0
    while i + 4 <= len(data):
        opcode, flags, plen = struct.unpack_from(">BBH", data, i)
        specs.append(SD.LookupSpec(opcode, flags, data[i + 4:i + 4 + plen].decode("utf-8", "replace")))
        i += 4 + plen
    doc = store.live(req.cid, req.key)
    if doc is None and doc_flags & SD.DOC_ACCESS_DELETED:
        doc = store.any(req.cid, req.key)
    if doc is None:
        return _reply(req, P.KEY_ENOENT)
    try:
        results = SD.lookup(None if doc.deleted else doc.value, specs, doc.xattrs, _virtual(conn, req, doc),
                            doc_flags=doc_flags)
    except SD.SubdocRequestError as exc:
        return _reply(req, exc.status)
    body = b"".join(struct.pack(">HI", status, len(value)) + value for status, value in results)
    failed = any(status for status, _ in results)
    if doc.deleted:
        top = P.SUBDOC_MULTI_PATH_FAILURE_DELETED if failed else P.SUBDOC_SUCCESS_DELETED
    else:
        top = P.SUBDOC_MULTI_PATH_FAILURE if failed else 0
    cas = LOCKED_CAS if store.is_locked(doc) else doc.cas
    return _reply(req, top, body, cas=cas)


@_handler
def subdoc_mutate(conn: "KVConnection", req: "Request") -> bytes:
    store = _target(conn, req, durable=True)
    ext = req.extras
    expiry, doc_flags = 0, 0
    if len(ext) in (4, 5):
        expiry = _U32.unpack_from(ext)[0]
        doc_flags = ext[4] if len(ext) == 5 else 0
    elif len(ext) == 1:
        doc_flags = ext[0]
    elif ext:
        return _reply(req, P.EINVAL)
    specs: List[SD.MutationSpec] = []
    data, i = req.value, 0
    while i + 8 <= len(data):
        opcode, flags, plen, vlen = struct.unpack_from(">BBHI", data, i)
        path = data[i + 8:i + 8 + plen].decode("utf-8", "replace")
        specs.append(SD.MutationSpec(opcode, flags, path, data[i + 8 + plen:i + 8 + plen + vlen]))
        i += 8 + plen + vlen
    doc = store.live(req.cid, req.key)
    create = doc_flags & (SD.DOC_MKDOC | SD.DOC_ADD)
    if doc is None and not create:
        return _reply(req, P.KEY_ENOENT)
    if doc is not None:
        if doc_flags & SD.DOC_ADD:
            return _reply(req, P.KEY_EEXISTS)
        doc = _existing(store, req, unlocked=True)
        if req.cas and req.cas not in (doc.cas, doc.lock_cas):
            return _reply(req, P.KEY_EEXISTS)
    elif req.cas:
        return _reply(req, P.KEY_ENOENT)
    new_cas = store.next_cas()
    new_seqno = store.vb_seqno[req.vbucket] + 1
    try:
        outcome = SD.mutate(doc.value if doc is not None else None, specs, doc.xattrs if doc else {},
                            {"cas": new_cas, "seqno": new_seqno}, doc_flags=doc_flags, cas=req.cas)
    except SD.SubdocRequestError as exc:
        return _reply(req, exc.status)
    if not outcome.ok:
        return _reply(req, P.SUBDOC_MULTI_PATH_FAILURE,
                      struct.pack(">BH", outcome.failed_index, outcome.status))
    store.next_seqno(req.vbucket)
    if outcome.doc is None:
        target = doc or Doc(b"", 0, 0, new_cas, 0, new_seqno)
        target.deleted, target.value = True, b""
        target.cas, target.seqno = new_cas, new_seqno
        store.docs[(req.cid, req.key)] = target
    else:
        # as a server does: a mutation without an expiry (and without PreserveTTL) clears the TTL
        if _preserve_ttl(req) and doc is not None:
            exp = doc.expiry
        else:
            exp = store.clock.absolute(expiry)
        new = Doc(outcome.doc, doc.flags if doc else 0x02000000, 1 if is_json(outcome.doc) else 0, new_cas,
                  exp, new_seqno)
        new.xattrs = dict(outcome.xattrs)
        store.docs[(req.cid, req.key)] = new
    body = b"".join(struct.pack(">BHI", index, 0, len(value)) + value for index, value in outcome.results)
    return _reply(req, 0, body, conn.mutation_extras(req.vbucket, new_seqno), new_cas)


HANDLERS: Dict[int, Callable[["KVConnection", "Request"], bytes]] = {
    0x00: get, 0x01: store_op, 0x02: store_op, 0x03: store_op, 0x04: delete, 0x05: counter, 0x06: counter,
    0x0E: concat, 0x0F: concat, 0x10: stats, 0x1C: touch, 0x1D: get_and_touch, 0x83: get_replica,
    0x91: observe_seqno, 0x92: observe, 0x94: get_locked, 0x95: unlock, 0xA0: get_meta,
    0xBA: collections_manifest, 0xBB: collection_id, 0xD0: subdoc_lookup, 0xD1: subdoc_mutate,
}

__all__ = ["HANDLERS", "Tuple"]
