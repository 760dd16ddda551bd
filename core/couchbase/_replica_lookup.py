"""``lookup_in_any_replica`` / ``lookup_in_all_replicas``: sub-document lookups on replicas.

Server 7.5 added the ReplicaRead doc flag: a SUBDOC_MULTI_LOOKUP carrying it is served by a
node holding a *replica* of the document's vBucket. libcouchbase 3.3.4 has no API for it, so
the requests are built here and sent with ``lcb_pktfwd3`` (the public raw-packet primitive
that observe and client durability use, see :mod:`couchbase._durability`):

1. a first round asks the active node for the bucket configuration (GET_CLUSTER_CONFIG), to
   check the ``subdoc.ReplicaRead`` bucket capability (cached per connection and configuration
   revision) and, on a named collection, for the collection's id (GET_COLLECTION_ID, cached per
   connection by ``scope.collection`` in ``Connection.replica_cids``); with both cached there is
   no first round;
2. then one lookup goes to the active node (no flag) and one to each replica (ReplicaRead flag).

A cached collection id goes stale when the collection is dropped (and maybe created again under
the same name, with a new id): the server answers UNKNOWN_COLLECTION. As libcouchbase does for its
own operations, the entry is then dropped, the id fetched again and every copy read once more, once.
(libcouchbase passes that answer on for a forwarded packet only with the fix in build_lcb.py; an
unpatched one rewrites and resends the packet itself, to the active node.) The entry also records the
collections manifest uid it was fetched under: a bucket configuration naming a newer manifest
(``collectionsManifestUid``, read whenever the configuration revision moves) retires it too.

With SELECTED_SERVER_GROUP only the copies on nodes of the preferred server group are read (the
groups come from the same configuration, ``nodesExt[].serverGroup``); get_*_replica uses this too,
reading each qualifying copy with libcouchbase's own get / indexed replica get.

``any``: the first copy that answers wins; when none can, DocumentUnretrievableException.
``all``: a list of every copy that answered; when none did, DocumentUnretrievableException (a
DocumentNotFoundException). A cluster without the capability: FeatureUnavailableException.
Every packet is timed as libcouchbase times a forwarded one (its deadline is set when it is
scheduled, from the connection's KV timeout); a ``timeout`` option covers the whole operation:
each stage's packets get what remains of it (see :func:`_send`).

The operation is a :class:`~couchbase._pending.Pending`, so every front end waits for it with
its usual ``_submit``.
"""
from __future__ import annotations

import json
import struct
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Union

from couchbase import subdocument as SD
from couchbase._binding import ffi, lib
from couchbase._durability import servers_for
from couchbase._kv_response import ReplicaResults, subdoc_field
from couchbase._pending import Pending
from couchbase.exceptions import (
    CouchbaseException,
    DocumentUnretrievableException,
    FeatureUnavailableException,
    exception_for,
)
from couchbase.results import GetReplicaResult, LookupInReplicaResult

if TYPE_CHECKING:
    from couchbase._instance import Connection

# magic, opcode, keylen, extlen, datatype, vbucket, bodylen, opaque, cas
_HEADER = struct.Struct(">BBHBBHIIQ")
_MAGIC_REQUEST = 0x80
_OP_LOOKUP, _OP_GET_CID, _OP_GET_CONFIG = 0xD0, 0xBB, 0xB5
_UNKNOWN_COLLECTION = 0x88
_DOC_REPLICA_READ = 0x20
_WIRE_XATTR = 0x04
_SPEC_OPCODE = {SD.GET: 0xC5, SD.EXISTS: 0xC6, SD.GET_COUNT: 0xD2, SD.GET_DOC: 0x00}
_DATATYPE_SNAPPY = 0x02
CAPABILITY = "subdoc.ReplicaRead"

# memcached statuses -> libcouchbase statuses (what exception_for knows)
_PATH_STATUS = {0xC0: 313, 0xC1: 314, 0xC2: 315, 0xC3: 316, 0xC4: 317, 0xC5: 319, 0xC6: 320, 0xC7: 321,
                0xC8: 322, 0xC9: 323, 0xCA: 318, 0xCB: 203, 0xCE: 325, 0xCF: 326, 0xD0: 324, 0xD1: 327,
                0xD2: 328, 0xD4: 329}
_TOP_STATUS = {0x01: 301, 0x04: 203, 0x07: 1038, 0x09: 303, 0x0D: 303, 0x20: 206, 0x24: 206, 0x81: 214,
               0x83: 214, 0x86: 207, 0x88: 211, 0x8C: 217, 0x8D: 211}
_OK_STATUSES = (0x00, 0xCC, 0xCD, 0xD3)  # success, multi-path failure, and their *_DELETED forms
_UNSUPPORTED = (0x04, 0x81, 0x83)  # how a server without the ReplicaRead flag refuses it
LCB_ERR_NO_CONFIGURATION = 1016
LCB_ERR_TIMEOUT = 201


def _leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def packet(opcode: int, key: bytes = b"", extras: bytes = b"", value: bytes = b"", vbucket: int = 0) -> bytes:
    """One memcached binary request."""
    return _HEADER.pack(_MAGIC_REQUEST, opcode, len(key), len(extras), 0, vbucket,
                        len(extras) + len(key) + len(value), 0, 0) + extras + key + value


def lookup_packet(wire_key: bytes, vbucket: int, specs: List[SD.Spec], replica: bool) -> bytes:
    """SUBDOC_MULTI_LOOKUP of ``specs`` (already in wire order: xattrs first)."""
    body = bytearray()
    for spec in specs:
        path = spec.path.encode("utf-8")
        flags = _WIRE_XATTR if spec.flags & SD._F_XATTRPATH else 0
        body += struct.pack(">BBH", _SPEC_OPCODE[spec.kind], flags, len(path)) + path
    extras = bytes([_DOC_REPLICA_READ]) if replica else b""
    return packet(_OP_LOOKUP, wire_key, extras, bytes(body), vbucket)


class _Raw:
    """Pending-registry entry for one forwarded packet; ``then(rc, status, extras, body, datatype, cas)``."""

    __slots__ = ("done", "cookie", "then")

    def __init__(self, then: Callable[[int, int, bytes, bytes, int, int], None]) -> None:
        self.done = False
        self.cookie = 0
        self.then = then

    def _complete(self, resp: Any) -> None:
        if self.done:
            return
        self.done = True
        extras = ffi.buffer(resp.key, resp.nkey)[:] if resp.nkey else b""
        body = ffi.buffer(resp.value, resp.nvalue)[:] if resp.nvalue else b""
        self.then(resp.rc, resp.kv_status, extras, body, resp.datatype, resp.cas)

    def _fail(self, exc: BaseException) -> None:
        if not self.done:
            self.done = True
            self.then(getattr(exc, "rc", None) or 100, 0, b"", b"", 0, 0)

    def describe(self) -> str:
        return "a replica lookup packet"


def _send(conn: "Connection", server: int, pkt: bytes,
          then: Callable[[int, int, bytes, bytes, int, int], None], deadline: Optional[float] = None) -> None:
    """Forward ``pkt`` to server ``server``; a refusal to schedule is reported through ``then``.

    ``deadline`` (``time.monotonic()``): libcouchbase gives a forwarded packet the connection's KV
    timeout from the moment it is scheduled, so the packet is scheduled with that setting lowered to
    what remains until the deadline (and restored at once: nothing else runs in between, the
    caller holds the connection's scheduling lock). Past the deadline it is not sent at all.
    """
    saved = None
    if deadline is not None:
        remaining_us = int((deadline - time.monotonic()) * 1_000_000)
        if remaining_us <= 0:
            then(LCB_ERR_TIMEOUT, 0, b"", b"", 0, 0)
            return
        saved = lib.lcb_cntl_getu32(conn.instance, lib.LCB_CNTL_OP_TIMEOUT)
        lib.lcb_cntl_setu32(conn.instance, lib.LCB_CNTL_OP_TIMEOUT, remaining_us)
    raw = _Raw(then)
    cookie = conn.register(raw)
    buf = ffi.from_buffer(pkt)
    try:
        rc = lib.pycb_forward_packet(conn.instance, cookie, server, buf, len(pkt))
    finally:
        if saved is not None:
            lib.lcb_cntl_setu32(conn.instance, lib.LCB_CNTL_OP_TIMEOUT, saved)
    if rc:
        conn.unregister(raw)
        raw.done = True
        then(rc, 0, b"", b"", 0, 0)


def _status_error(status: int, what: str) -> CouchbaseException:
    rc = _TOP_STATUS.get(status, 1040)  # LCB_ERR_KVENGINE_UNKNOWN_ERROR
    return exception_for(rc, f"{what}: server status 0x{status:02x}")


class ReplicaLookup(Pending):
    """One lookup_in_any_replica / lookup_in_all_replicas in flight."""

    __slots__ = ("conn", "key", "kb", "scope", "coll", "specs", "order", "any", "vbucket", "servers",
                 "remaining", "found", "errors", "stage", "collections", "group", "scheduler", "deadline",
                 "path", "stale", "retried", "cid_uid")

    def __init__(self, conn: "Connection", key: Any, kb: bytes, scope: bytes, coll: bytes,
                 specs: List[SD.Spec], any_: bool, group: Optional[str] = None,
                 scheduler: Optional[Callable[[int], Any]] = None, timeout_us: int = 0) -> None:
        """``group``: read only copies on nodes of this server group (SELECTED_SERVER_GROUP).
        ``scheduler(copy)``: instead of sub-document lookups, schedule a read of copy ``copy``
        (0 = active, n = replica n) and return its operation (replica gets in a server group).
        ``timeout_us``: the whole operation's timeout (0: each packet gets the KV timeout)."""
        super().__init__()
        self.conn = conn
        self.key = key
        self.kb = kb
        self.scope = scope
        self.coll = coll
        # the server wants xattr paths first; results are put back in the caller's order
        self.order = sorted(range(len(specs)), key=lambda i: not specs[i].flags & SD._F_XATTRPATH)
        self.specs = specs
        self.any = any_
        self.vbucket = 0
        self.servers: List[int] = []
        self.remaining = 0
        self.found: List[Union[LookupInReplicaResult, GetReplicaResult]] = []  # lookups / replica gets
        self.errors: List[BaseException] = []
        self.stage: List[Any] = []
        self.collections = True  # whether keys on the wire carry their collection id
        self.group = group
        self.scheduler = scheduler
        self.deadline = time.monotonic() + timeout_us / 1_000_000 if timeout_us else None
        self.path = scope + b"." + coll  # the key of Connection.replica_cids
        self.stale = False  # a copy answered UNKNOWN_COLLECTION to the collection id sent
        self.retried = False  # the id was fetched again after that (done once)
        self.cid_uid: Optional[int] = None  # the manifest uid the collection id was fetched under

    def describe(self) -> str:
        return f"a replica lookup of {self.key!r}"

    # ---- stage 1: capability (and collection id) ----------------------------
    def start(self) -> "ReplicaLookup":
        conn = self.conn
        vbid = lib.pycb_key_vbucket(conn.instance, self.kb, len(self.kb))
        if vbid < 0:
            raise exception_for(LCB_ERR_NO_CONFIGURATION, "no cluster configuration to route the lookup")
        self.vbucket = vbid
        _nrep, self.servers = servers_for(conn, vbid)
        if self.servers[0] < 0:
            raise exception_for(LCB_ERR_NO_CONFIGURATION, f"vBucket {vbid} has no active node")
        rev = lib.pycb_vb_revision(conn.instance)
        cached: Any = getattr(conn, "_replica_read_caps", None)
        need_config = cached is None or cached[0] != rev
        lookups = self.scheduler is None
        named = bool(self.coll) and lookups  # replica gets: libcouchbase routes the collection
        collections = self.collections = bool(lib.lcb_cntl_getu32(conn.instance,
                                                                  lib.LCB_CNTL_ENABLE_COLLECTIONS))
        if named and not collections:
            raise FeatureUnavailableException(message="lookup_in on replicas of a named collection needs "
                                                      "collections enabled on the connection")
        entry = conn.replica_cids.get(self.path) if named else None
        manifest = cached[3] if cached is not None else None
        if entry is not None and manifest is not None and entry[0] < manifest:
            entry = None  # fetched under an older manifest than the configuration names
        cid = entry[1] if entry is not None else None
        self.cid_uid = entry[0] if entry is not None else None
        need_cid = named and cid is None
        if not need_config and not need_cid:
            if lookups and not cached[1]:
                raise self._unsupported()
            self.stage = [cached[1], cid, cached[2], cached[3]]
            conn.sched_enter()
            try:
                self._fan_out(self._wire_key())
            finally:
                conn.sched_leave()
            return self
        # [capability ok, collection id, server index -> server group, manifest uid]; filled by the replies
        self.stage = [None, cid, {}, None]
        self.remaining = int(need_config) + int(need_cid)
        conn.sched_enter()
        try:
            if need_config:
                _send(conn, self.servers[0], packet(_OP_GET_CONFIG), lambda *r: self._config(rev, *r),
                      self.deadline)
            else:
                self.stage[0], self.stage[2], self.stage[3] = cached[1], cached[2], cached[3]
            if need_cid:
                self._fetch_cid()
        finally:
            conn.sched_leave()
        return self

    def _fetch_cid(self) -> None:
        _send(self.conn, self.servers[0], packet(_OP_GET_CID, value=self.path), self._cid, self.deadline)

    def _wire_key(self) -> bytes:
        return _leb128(self.stage[1] or 0) + self.kb if self.collections else self.kb

    def _unsupported(self) -> FeatureUnavailableException:
        return FeatureUnavailableException(
            message="sub-document lookups on replicas need a cluster with the subdoc.ReplicaRead "
                    "capability (Couchbase Server 7.5 or later)")

    def _config(self, rev: int, rc: int, status: int, _extras: bytes, body: bytes, datatype: int,
                _cas: int) -> None:
        if rc or status or datatype & _DATATYPE_SNAPPY:
            self._stage_failed(exception_for(rc) if rc else _status_error(status, "GET_CLUSTER_CONFIG"))
            return
        try:
            config = json.loads(body.decode("utf-8"))
            ok = CAPABILITY in (config.get("bucketCapabilities") or [])
            groups = server_groups(config)
            uid = config.get("collectionsManifestUid")
            manifest = int(uid, 16) if isinstance(uid, str) else None
        except (ValueError, UnicodeDecodeError, AttributeError, TypeError):
            self._stage_failed(exception_for(1050, "the bucket configuration could not be parsed"))
            return
        self.conn._replica_read_caps = (rev, ok, groups, manifest)  # type: ignore[attr-defined]
        self.stage[0], self.stage[2], self.stage[3] = ok, groups, manifest
        self._stage_done()

    def _cid(self, rc: int, status: int, extras: bytes, _body: bytes, _datatype: int, _cas: int) -> None:
        if rc or status or len(extras) < 12:
            what = f"collection {self.scope.decode()}.{self.coll.decode()}"
            self._stage_failed(exception_for(rc, what) if rc else _status_error(status, what))
            return
        self.cid_uid, self.stage[1] = struct.unpack_from(">QI", extras, 0)
        self.conn.replica_cids[self.path] = (self.cid_uid, self.stage[1])
        self._stage_done()

    def _stage_failed(self, exc: BaseException) -> None:
        self.remaining = -1  # the other stage-1 reply is ignored
        self._fail(exc)

    def _stage_done(self) -> None:
        if self.done:
            return
        self.remaining -= 1
        if self.remaining:
            return
        if self.scheduler is None and not self.stage[0]:
            self._fail(self._unsupported())
            return
        manifest = self.stage[3]
        if self.stage[1] is not None and self.cid_uid is not None and manifest is not None \
                and self.cid_uid < manifest and not self.retried:
            self._refetch()  # the configuration names a newer manifest than the cached id's
            return
        self.conn.sched_enter()  # called from a response: open a schedule context of our own
        try:
            self._fan_out(self._wire_key())
        except BaseException as exc:  # noqa: BLE001 - delivered as the operation's error
            self._fail(exc)
        finally:
            self.conn.sched_leave()

    # ---- stage 2: one lookup per copy -----------------------------------------
    def _fan_out(self, wire_key: bytes) -> None:
        live = [(i, s) for i, s in enumerate(self.servers) if s >= 0]
        if self.group is not None:
            groups = self.stage[2]
            live = [(i, s) for i, s in live if groups.get(s) == self.group]
            if not live:
                self._fail(DocumentUnretrievableException(
                    f"no copy of {self.key!r} is on a node of the preferred server group {self.group!r}"))
                return
        self.remaining = len(live)
        if self.scheduler is not None:
            for copy, _server in live:
                try:
                    op = self.scheduler(copy)
                except CouchbaseException as exc:
                    self._got(copy, None, exc)
                    continue
                if op.done:
                    self._got(copy, op)
                else:
                    op.on_done = lambda done, copy=copy: self._got(copy, done)
            return
        wire_specs = [self.specs[i] for i in self.order]
        for copy, server in live:
            pkt = lookup_packet(wire_key, self.vbucket, wire_specs, replica=copy > 0)
            _send(self.conn, server, pkt, lambda *r, copy=copy: self._reply(copy, *r), self.deadline)

    def _reply(self, copy: int, rc: int, status: int, _extras: bytes, body: bytes, _datatype: int,
               cas: int) -> None:
        self.remaining -= 1
        if self.done:
            return
        if rc:
            self.errors.append(exception_for(rc))
        elif status == _UNKNOWN_COLLECTION and self.coll and not self.retried:
            self.stale = True  # the cached id is out of date: see _finish
        elif status in _OK_STATUSES:
            self.found.append(self._result(body, status, cas, copy > 0))
            if self.any:
                self._resolve(self.found[0])
                return
        elif copy > 0 and status in _UNSUPPORTED:
            self.errors.append(self._unsupported())
        else:
            self.errors.append(_status_error(status, f"lookup of {self.key!r}"))
        if self.remaining == 0:
            self._finish()

    def _got(self, copy: int, op: Any, exc: Optional[BaseException] = None) -> None:
        """One copy read by ``scheduler`` completed."""
        self.remaining -= 1
        if self.done:
            return
        error = exc if op is None else op.error
        if error is not None:
            self.errors.append(error)
        else:
            res = op.result
            if not isinstance(res, GetReplicaResult):  # the active copy, read with a plain get
                res = res._retyped(GetReplicaResult, is_replica=False)
            self.found.append(res)
            if self.any:
                self._resolve(res)
                return
        if self.remaining == 0:
            self._finish()

    def _refetch(self) -> None:
        """The collection id used is out of date: fetch it again (and then read every copy, once more
        after UNKNOWN_COLLECTION: libcouchbase's answer to it); what a stale round read is dropped."""
        entry = self.conn.replica_cids.get(self.path)
        if entry is not None and entry[1] == self.stage[1]:
            del self.conn.replica_cids[self.path]  # unless a newer lookup has fetched it since
        self.stale, self.retried = False, True
        self.found, self.errors = [], []
        self.stage[1] = None
        self.remaining = 1
        self.conn.sched_enter()  # called from a response: open a schedule context of our own
        try:
            self._fetch_cid()
        finally:
            self.conn.sched_leave()

    def _result(self, body: bytes, status: int, cas: int, is_replica: bool) -> LookupInReplicaResult:
        entries: List[Tuple[int, bytes]] = []
        pos = 0
        while pos + 6 <= len(body):
            st, n = struct.unpack_from(">HI", body, pos)
            entries.append((st, body[pos + 6:pos + 6 + n]))
            pos += 6 + n
        fields: List[Any] = [None] * len(self.specs)
        for wire_index, spec_index in enumerate(self.order):
            st, data = entries[wire_index] if wire_index < len(entries) else (0xC0, b"")
            spec = self.specs[spec_index]
            field = subdoc_field(spec, _PATH_STATUS.get(st, 1040) if st else 0, data)
            if spec.kind == SD.GET_DOC and field.error is None:
                field.value = SD.decode_value(field.value)
            fields[spec_index] = field
        return LookupInReplicaResult(self.key, 0, cas, fields, status in (0xCD, 0xD3), is_replica)

    def _finish(self) -> None:
        if self.stale:
            self._refetch()
            return
        unsupported = [e for e in self.errors if isinstance(e, FeatureUnavailableException)]
        if unsupported:  # a replica knows no such flag: the capability cached is out of date
            self.conn._replica_read_caps = None  # type: ignore[attr-defined]
            self._fail(unsupported[0])
            return
        if self.found and not self.any:
            out = ReplicaResults()
            out.extend(sorted(self.found, key=lambda r: r.is_replica))
            self._resolve(out)
            return
        detail = "; ".join(sorted({str(e) for e in self.errors}))[:300]
        self._fail(DocumentUnretrievableException(f"no copy of {self.key!r} could be read ({detail})"))


def server_groups(config: Any) -> Dict[int, str]:
    """Server index -> server group, from a bucket configuration (``nodesExt[].serverGroup``,
    Server 7.6). libcouchbase numbers servers as ``vBucketServerMap.serverList`` lists them."""
    by_endpoint: Dict[Tuple[Optional[str], int], str] = {}
    for ext in config.get("nodesExt") or []:
        port = (ext.get("services") or {}).get("kv")
        if port is None or "serverGroup" not in ext:
            continue
        by_endpoint[(ext.get("hostname"), int(port))] = ext["serverGroup"]
        if ext.get("thisNode") or not ext.get("hostname"):
            by_endpoint[(None, int(port))] = ext["serverGroup"]  # the "$HOST" of the answering node
    out: Dict[int, str] = {}
    for index, endpoint in enumerate((config.get("vBucketServerMap") or {}).get("serverList") or []):
        host, _, port = str(endpoint).rpartition(":")
        host = host.strip("[]")
        if not port.isdigit():
            continue
        group = by_endpoint.get((host, int(port)))
        if group is None and host == "$HOST":
            group = by_endpoint.get((None, int(port)))
        if group is not None:
            out[index] = group
    return out


def start(conn: "Connection", key: Any, kb: bytes, scope: bytes, coll: bytes, specs: List[SD.Spec],
          any_: bool, group: Optional[str] = None,
          scheduler: Optional[Callable[[int], Any]] = None, timeout_us: int = 0) -> ReplicaLookup:
    """Schedule the lookups (or, with ``scheduler``, the reads); returns the operation (a Pending)."""
    return ReplicaLookup(conn, key, kb, scope, coll, specs, any_, group, scheduler, timeout_us).start()
