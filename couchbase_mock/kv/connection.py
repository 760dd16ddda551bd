"""One client connection to a node's KV port: framing, bootstrap, dispatch.

Frames are parsed straight from a bytearray with ``struct`` (no per-byte
Python work); every complete frame of one ``data_received`` is handled and
the replies go out in one ``transport.write``. Bootstrap follows a real
server (HELLO grants only what the mock implements, SASL PLAIN/SCRAM,
SELECT_BUCKET, bucket or global GET_CLUSTER_CONFIG); data operations are in
:mod:`couchbase_mock.kv.handlers`.
"""
from __future__ import annotations

import asyncio
import json
import struct
from typing import TYPE_CHECKING, Any, List, Optional, Set

from couchbase_mock import rbac
from couchbase_mock.kv import handlers
from couchbase_mock.kv import protocol as P
from couchbase_mock.kv.sasl import MECHANISMS, SaslError, check_plain, new_scram

if TYPE_CHECKING:
    from couchbase_mock.cluster import Bucket, Cluster, Node

# HELLO features the mock implements (and so acknowledges).
F_TCPNODELAY, F_MUTATION_SEQNO, F_XATTR, F_XERROR, F_SELECT_BUCKET, F_JSON = \
    0x03, 0x04, 0x06, 0x07, 0x08, 0x0B
F_DUPLEX, F_CLUSTERMAP_NOTIF, F_UNORDERED, F_ALT_REQUEST, F_SYNC_REPL, F_COLLECTIONS, F_PRESERVE_TTL = \
    0x0C, 0x0D, 0x0E, 0x10, 0x11, 0x12, 0x14
SUPPORTED = {F_TCPNODELAY, F_MUTATION_SEQNO, F_XATTR, F_SELECT_BUCKET, F_JSON, F_UNORDERED, F_ALT_REQUEST,
             F_SYNC_REPL, F_COLLECTIONS, F_PRESERVE_TTL, F_DUPLEX, F_CLUSTERMAP_NOTIF, F_XERROR}


class Request:
    """One parsed request frame."""

    __slots__ = ("opcode", "datatype", "vbucket", "opaque", "cas", "framing", "extras", "key", "value", "cid")

    def __init__(self, opcode: int, datatype: int, vbucket: int, opaque: int, cas: int, framing: bytes,
                 extras: bytes, key: bytes, value: bytes) -> None:
        self.opcode = opcode
        self.datatype = datatype
        self.vbucket = vbucket
        self.opaque = opaque
        self.cas = cas
        self.framing = framing
        self.extras = extras
        self.key = key
        self.value = value
        self.cid = 0


class KVConnection(asyncio.Protocol):
    """Server side of one client socket."""

    def __init__(self, cluster: "Cluster", node: "Node") -> None:
        self.cluster = cluster
        self.node = node
        self.buf = bytearray()
        self.transport: Optional[asyncio.Transport] = None
        self.features: Set[int] = set()
        self.user: Optional[str] = None
        self.bucket: Optional["Bucket"] = None
        self.scram: Any = None

    # ---- asyncio.Protocol ------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.node.connections.add(self)
        presented, name = self.cluster.client_cert_auth.identify(transport)
        if presented:
            # memcached authenticates a mapped certificate's user at once (no SASL follows) and
            # disconnects a certificate that names no known user
            if name is None or not self.cluster.directory.exists(name):
                self.cluster.auth_failures += 1
                self.close()
                return
            self.user = name

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self.node.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        if self.node.hung:
            return  # a hung node swallows everything
        buf = self.buf
        buf += data
        out: List[bytes] = []
        unpack = P.HEADER.unpack_from
        while len(buf) >= 24:
            magic, opcode, keylen, extlen, datatype, vbucket, bodylen, opaque, cas = unpack(buf)
            if magic == P.ALT_REQ:
                fflen, keylen = keylen >> 8, keylen & 0xFF
            elif magic == P.REQ:
                fflen = 0
            else:
                # Checked as soon as the header is in, as a server does: waiting for a garbage
                # body length would leave the connection silently stuck instead of dropped.
                self.cluster.protocol_errors += 1
                del buf[:]
                self.close()
                return
            total = 24 + bodylen
            if len(buf) < total:
                break
            body = bytes(buf[24:total])
            del buf[:total]
            req = Request(opcode, datatype, vbucket, opaque, cas, body[:fflen], body[fflen:fflen + extlen],
                          body[fflen + extlen:fflen + extlen + keylen], body[fflen + extlen + keylen:])
            reply = self.handle(req)
            if reply:
                out.append(reply)
        if out and self.transport is not None:
            self.send(b"".join(out))

    def send(self, data: bytes) -> None:
        chaos = self.cluster.take_chaos(self.node.index)
        if chaos == "truncate":
            self._write(data[: max(1, len(data) // 2)])
            self.close(reset=True)
            return
        if chaos == "corrupt":
            data = bytes([0x42]) + data[1:]  # not a response magic: the client must drop the connection
        node = self.node
        loop = asyncio.get_event_loop()
        delay = node.latency + max(0.0, node.paused_until - loop.time())
        if delay > 0:
            loop.call_later(delay, self._write, data)
        else:
            self._write(data)

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def close(self, reset: bool = False) -> None:
        if self.transport is not None:
            if reset:
                self.transport.abort()
            else:
                self.transport.close()

    # ---- dispatch ---------------------------------------------------------------
    def handle(self, req: Request) -> bytes:
        opcode = req.opcode
        boot = BOOTSTRAP.get(opcode)
        if boot is not None:
            return boot(self, req)
        if self.user is None:
            return P.response(opcode, req.opaque, P.EACCESS)
        if self.bucket is None:
            return P.response(opcode, req.opaque, P.NO_BUCKET)
        handler = handlers.HANDLERS.get(opcode)
        if handler is None:
            return P.response(opcode, req.opaque, P.UNKNOWN_COMMAND)
        denied = self._denied(opcode)
        if denied:
            return denied_reply(req)
        self.cluster.ops += 1
        self.cluster.opcodes[opcode] = self.cluster.opcodes.get(opcode, 0) + 1
        injected = self.cluster.take_injected(opcode, req.key, self.node.index)
        if injected is not None:
            return P.response(opcode, req.opaque, injected)
        return handler(self, req)

    def _denied(self, opcode: int) -> bool:
        """RBAC: may this connection's user run ``opcode`` on its bucket (roles are read live)?"""
        if opcode in _NO_DATA_ACCESS:
            return False
        directory = self.cluster.directory
        assert self.bucket is not None
        wanted = rbac.KV_WRITE if opcode in WRITE_OPCODES else rbac.KV_READ
        return not directory.allowed(self.user, wanted, self.bucket.name)

    # ---- helpers for handlers ----------------------------------------------------
    @property
    def json(self) -> bool:
        return F_JSON in self.features

    @property
    def collections(self) -> bool:
        return F_COLLECTIONS in self.features

    def mutation_extras(self, vb: int, seqno: int) -> bytes:
        if F_MUTATION_SEQNO not in self.features or self.bucket is None:
            return b""
        return struct.pack(">QQ", self.bucket.store.vb_uuid[vb], seqno)

    def not_my_vbucket(self, req: Request) -> bytes:
        assert self.bucket is not None
        body = self.cluster.bucket_config_json(self.bucket.name).encode()
        return P.response(req.opcode, req.opaque, P.NOT_MY_VBUCKET, body, datatype=1 if self.json else 0)


# Mutations need the write privilege (a reader's attempt gets EACCESS); GET_AND_TOUCH changes the
# expiry, so it is one too (kv_engine checks Read and Upsert for it).
WRITE_OPCODES = frozenset({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0E, 0x0F, 0x1C, 0x1D, 0xD1})
# Commands a connection may send without data access (cluster map, collections, stats, noop).
_NO_DATA_ACCESS = frozenset({0x10, 0xBA, 0xBB})


def denied_reply(req: Request) -> bytes:
    """EACCESS with the server's error JSON body."""
    body = (b'{"error":{"context":"Authorization failure: '
            b'can\'t execute this operation without the required privilege"}}')
    return P.response(req.opcode, req.opaque, P.EACCESS, body)


# ---- bootstrap operations -----------------------------------------------------------

def _hello(conn: KVConnection, req: Request) -> bytes:
    asked = [struct.unpack_from(">H", req.value, i)[0] for i in range(0, len(req.value) - 1, 2)]
    acked = [f for f in asked if f in SUPPORTED]
    if F_ALT_REQUEST not in acked and F_SYNC_REPL in acked:
        acked.remove(F_SYNC_REPL)
    conn.features = set(acked)
    return P.response(req.opcode, req.opaque, 0, b"".join(struct.pack(">H", f) for f in acked))


def _list_mechs(conn: KVConnection, req: Request) -> bytes:
    return P.response(req.opcode, req.opaque, 0, MECHANISMS.encode())


def _lookup_password(conn: KVConnection) -> Any:
    return conn.cluster.password_of


def _sasl_auth(conn: KVConnection, req: Request) -> bytes:
    mech = req.key.decode("ascii", "replace")
    conn.cluster.auth_mechanisms[mech] = conn.cluster.auth_mechanisms.get(mech, 0) + 1
    if mech == "PLAIN":
        user = check_plain(req.value, conn.cluster.check_credentials)
        if user is None:
            return P.response(req.opcode, req.opaque, P.AUTH_ERROR, b"Auth failure")
        conn.user = user
        return P.response(req.opcode, req.opaque, 0, b"Authenticated")
    scram = new_scram(mech, _lookup_password(conn))
    if scram is None:
        return P.response(req.opcode, req.opaque, P.AUTH_ERROR, b"Unknown mechanism")
    try:
        server_first = scram.start(req.value.decode("utf-8"))
    except (SaslError, UnicodeDecodeError, ValueError):
        conn.cluster.auth_failures += 1
        return P.response(req.opcode, req.opaque, P.AUTH_ERROR, b"Auth failure")
    conn.scram = scram
    return P.response(req.opcode, req.opaque, P.AUTH_CONTINUE, server_first.encode())


def _sasl_step(conn: KVConnection, req: Request) -> bytes:
    scram, conn.scram = conn.scram, None
    if scram is None:
        return P.response(req.opcode, req.opaque, P.AUTH_ERROR, b"No exchange in progress")
    try:
        user, final = scram.finish(req.value.decode("utf-8"))
    except (SaslError, UnicodeDecodeError, ValueError):
        conn.cluster.auth_failures += 1
        return P.response(req.opcode, req.opaque, P.AUTH_ERROR, b"Auth failure")
    conn.user = user
    return P.response(req.opcode, req.opaque, 0, final.encode())


def _select_bucket(conn: KVConnection, req: Request) -> bytes:
    if conn.user is None:
        return P.response(req.opcode, req.opaque, P.EACCESS)
    bucket = conn.cluster.buckets.get(req.key.decode("utf-8", "replace"))
    # The server does not tell a missing bucket from a forbidden one.
    if bucket is None or not conn.cluster.directory.can_open_bucket(conn.user, bucket.name):
        return P.response(req.opcode, req.opaque, P.EACCESS)
    conn.bucket = bucket
    return P.response(req.opcode, req.opaque, 0)


def _get_cluster_config(conn: KVConnection, req: Request) -> bytes:
    if conn.user is None:
        return P.response(req.opcode, req.opaque, P.EACCESS)
    if conn.bucket is not None:
        body = conn.cluster.bucket_config_json(conn.bucket.name)
    else:
        body = conn.cluster.global_config_json()
    return P.response(req.opcode, req.opaque, 0, body.encode(), datatype=1 if conn.json else 0)


# The error map served to clients that negotiate XERROR: every status the mock sends, with
# the attributes a 7.x server gives them (libcouchbase and the C++ core act on ``attrs``).
_ERRORS = {
    0x01: ("KEY_ENOENT", "Not Found", ["item-only"]),
    0x02: ("KEY_EEXISTS", "key already exists, or CAS mismatch", ["item-only"]),
    0x03: ("E2BIG", "Value is too big", ["item-only", "invalid-input"]),
    0x04: ("EINVAL", "Invalid packet", ["internal", "invalid-input"]),
    0x05: ("NOT_STORED", "Not Stored", ["item-only"]),
    0x06: ("DELTA_BADVAL", "Existing document not a number", ["item-only", "invalid-input"]),
    0x07: ("NOT_MY_VBUCKET", "Server does not own this vBucket", ["fetch-config", "invalid-input"]),
    0x08: ("NO_BUCKET", "Not connected to a bucket", ["special-handling"]),
    0x09: ("LOCKED", "Requested resource is locked", ["item-locked", "item-only"]),  # reported at once
    0x0E: ("NOT_LOCKED", "Requested resource is not locked", ["item-only"]),
    0x20: ("AUTH_ERROR", "Authentication failed", ["auth"]),
    0x21: ("AUTH_CONTINUE", "Continue authentication", ["special-handling"]),
    0x24: ("EACCESS", "No access", ["support"]),
    0x81: ("UNKNOWN_COMMAND", "Unknown command", ["support"]),
    0x83: ("NOT_SUPPORTED", "Not supported", ["support"]),
    0x86: ("ETMPFAIL", "Temporary failure", ["temp", "retry-later"]),
    0x88: ("UNKNOWN_COLLECTION", "Unknown collection", ["fetch-config", "item-only"]),
    0x8C: ("UNKNOWN_SCOPE", "Unknown scope", ["fetch-config", "item-only"]),
    0xA0: ("DURABILITY_INVALID_LEVEL", "Invalid durability level", ["invalid-input"]),
    0xA1: ("DURABILITY_IMPOSSIBLE", "Durability impossible", ["item-only"]),
    0xC0: ("SUBDOC_PATH_ENOENT", "Subdoc: path not found", ["subdoc", "item-only"]),
    0xC1: ("SUBDOC_PATH_MISMATCH", "Subdoc: path mismatch", ["subdoc", "item-only"]),
    0xC2: ("SUBDOC_PATH_EINVAL", "Subdoc: invalid path", ["subdoc", "item-only", "invalid-input"]),
    0xC3: ("SUBDOC_PATH_E2BIG", "Subdoc: path too big", ["subdoc", "item-only", "invalid-input"]),
    0xC4: ("SUBDOC_DOC_E2DEEP", "Subdoc: document too deep", ["subdoc", "item-only"]),
    0xC5: ("SUBDOC_VALUE_CANTINSERT", "Subdoc: cannot insert value",
           ["subdoc", "item-only", "invalid-input"]),
    0xC6: ("SUBDOC_DOC_NOT_JSON", "Subdoc: document not JSON", ["subdoc", "item-only"]),
    0xC7: ("SUBDOC_NUM_ERANGE", "Subdoc: number out of range", ["subdoc", "item-only"]),
    0xC8: ("SUBDOC_DELTA_EINVAL", "Subdoc: invalid delta", ["subdoc", "item-only", "invalid-input"]),
    0xC9: ("SUBDOC_PATH_EEXISTS", "Subdoc: path exists", ["subdoc", "item-only"]),
    0xCA: ("SUBDOC_VALUE_ETOODEEP", "Subdoc: value too deep", ["subdoc", "item-only", "invalid-input"]),
    0xCB: ("SUBDOC_INVALID_COMBO", "Subdoc: invalid combination", ["subdoc", "invalid-input"]),
    0xCC: ("SUBDOC_MULTI_PATH_FAILURE", "Subdoc: some paths failed", ["subdoc"]),
    0xCD: ("SUBDOC_SUCCESS_DELETED", "Subdoc: success on a deleted document", ["subdoc", "success"]),
    0xCE: ("SUBDOC_XATTR_INVALID_FLAG_COMBO", "Subdoc: invalid xattr flag combination",
           ["subdoc", "invalid-input"]),
    0xCF: ("SUBDOC_XATTR_INVALID_KEY_COMBO", "Subdoc: invalid xattr key combination",
           ["subdoc", "invalid-input"]),
    0xD0: ("SUBDOC_XATTR_UNKNOWN_MACRO", "Subdoc: unknown macro", ["subdoc", "invalid-input"]),
    0xD1: ("SUBDOC_XATTR_UNKNOWN_VATTR", "Subdoc: unknown virtual attribute", ["subdoc", "invalid-input"]),
    0xD2: ("SUBDOC_XATTR_CANT_MODIFY_VATTR", "Subdoc: cannot modify virtual attribute",
           ["subdoc", "invalid-input"]),
    0xD3: ("SUBDOC_MULTI_PATH_FAILURE_DELETED", "Subdoc: some paths failed on a deleted document",
           ["subdoc"]),
}
ERROR_MAP = json.dumps({
    "version": 1, "revision": 1,
    "errors": {format(code, "x"): {"name": name, "desc": desc, "attrs": attrs}
               for code, (name, desc, attrs) in _ERRORS.items()},
}, separators=(",", ":")).encode()


def _error_map(conn: KVConnection, req: Request) -> bytes:
    # Served only to a client that negotiated XERROR (MOCK.md 0.4: a client that did not gets
    # UNKNOWN_COMMAND, as before).
    if F_XERROR not in conn.features:
        return P.response(req.opcode, req.opaque, P.UNKNOWN_COMMAND)
    return P.response(req.opcode, req.opaque, 0, ERROR_MAP, datatype=1 if conn.json else 0)


def _noop(conn: KVConnection, req: Request) -> bytes:
    return P.response(req.opcode, req.opaque, 0)


BOOTSTRAP = {
    0x1F: _hello,
    0x20: _list_mechs,
    0x21: _sasl_auth,
    0x22: _sasl_step,
    0x89: _select_bucket,
    0xB5: _get_cluster_config,
    0xFE: _error_map,
    0x0A: _noop,
}
