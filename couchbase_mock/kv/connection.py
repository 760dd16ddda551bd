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
import struct
from typing import TYPE_CHECKING, Any, List, Optional, Set

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
             F_SYNC_REPL, F_COLLECTIONS, F_PRESERVE_TTL, F_DUPLEX, F_CLUSTERMAP_NOTIF}


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
        self.cluster.ops += 1
        injected = self.cluster.take_injected(opcode, req.key, self.node.index)
        if injected is not None:
            return P.response(opcode, req.opaque, injected)
        return handler(self, req)

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
    cluster = conn.cluster
    return cluster.password_of


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
    if bucket is None:
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


def _error_map(conn: KVConnection, req: Request) -> bytes:
    # XERROR is not acknowledged, so no error map is offered (MOCK.md 0.4).
    return P.response(req.opcode, req.opaque, P.UNKNOWN_COMMAND)


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
