"""The wire floor: a minimal hand-written pipelined memcached-binary client.

It does what any client must (HELLO, SCRAM-SHA512 auth, SELECT_BUCKET,
vBucket routing from the cluster map) and nothing else: requests are packed
into one buffer, written with one ``sendall`` per batch, and replies parsed
with ``struct`` from one receive buffer. Its CPU per operation is what the
wire and the server cost a client written in Python, the bar every SDK front
end is measured against (see bench/README.md).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import zlib
from typing import Dict, List, Optional, Tuple

HEADER = struct.Struct(">BBHBBHIIQ")
OP_GET, OP_SET, OP_HELLO, OP_SASL_AUTH, OP_SASL_STEP = 0x00, 0x01, 0x1F, 0x21, 0x22
OP_SELECT_BUCKET, OP_GET_CLUSTER_CONFIG = 0x89, 0xB5


class Node:
    """One KV connection (pipelined requests, batched replies)."""

    def __init__(self, host: str, port: int, user: str, password: str, bucket: str) -> None:
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self._request(OP_HELLO, key=b'{"a":"floor"}', value=struct.pack(">HH", 0x03, 0x08))
        self._scram(user, password)
        status, _ = self._request(OP_SELECT_BUCKET, key=bucket.encode())
        if status:
            raise RuntimeError(f"SELECT_BUCKET {bucket!r} failed: status {status:#x}")

    def _send(self, opcode: int, key: bytes = b"", value: bytes = b"", extras: bytes = b"", vb: int = 0,
              opaque: int = 0) -> bytes:
        body = len(extras) + len(key) + len(value)
        return HEADER.pack(0x80, opcode, len(key), len(extras), 0, vb, body, opaque, 0) + extras + key + value

    def _request(self, opcode: int, key: bytes = b"", value: bytes = b"",
                 extras: bytes = b"") -> Tuple[int, bytes]:
        self.sock.sendall(self._send(opcode, key, value, extras))
        (_m, _op, klen, elen, _dt, status, blen, _op2, _cas), body = self._read_one()
        return status, body[elen + klen:]

    def _read_one(self) -> Tuple[tuple, bytes]:
        while True:
            if len(self.buf) >= 24:
                hdr = HEADER.unpack_from(self.buf)
                total = 24 + hdr[6]
                if len(self.buf) >= total:
                    body = bytes(self.buf[24:total])
                    del self.buf[:total]
                    return hdr, body
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk

    def _scram(self, user: str, password: str) -> None:
        nonce = base64.b64encode(os.urandom(12)).decode()
        first_bare = f"n={user},r={nonce}"
        status, server_first = self._request(OP_SASL_AUTH, b"SCRAM-SHA512", ("n,," + first_bare).encode())
        if status != 0x21:
            raise RuntimeError(f"SCRAM start failed: status {status:#x}")
        attrs = dict(part.split("=", 1) for part in server_first.decode().split(","))
        salted = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(attrs["s"]),
                                     int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", "sha512").digest()
        stored = hashlib.sha512(client_key).digest()
        final_bare = f"c=biws,r={attrs['r']}"
        auth_msg = f"{first_bare},{server_first.decode()},{final_bare}".encode()
        signature = hmac.new(stored, auth_msg, "sha512").digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
        status, _ = self._request(OP_SASL_STEP, b"SCRAM-SHA512", f"{final_bare},p={proof}".encode())
        if status:
            raise RuntimeError(f"SCRAM failed: status {status:#x}")

    def config(self) -> Dict:
        status, body = self._request(OP_GET_CLUSTER_CONFIG)
        if status:
            raise RuntimeError(f"GET_CLUSTER_CONFIG failed: status {status:#x}")
        return json.loads(body.decode().replace("$HOST", "127.0.0.1"))

    def pipeline(self, packets: bytes, count: int) -> int:
        """Send ``count`` packed requests at once, read their replies; return failures."""
        self.sock.sendall(packets)
        failed = 0
        buf = self.buf
        recv = self.sock.recv
        unpack = HEADER.unpack_from
        while count:
            while len(buf) >= 24:
                hdr = unpack(buf)
                total = 24 + hdr[6]
                if len(buf) < total:
                    break
                if hdr[5]:
                    failed += 1
                del buf[:total]
                count -= 1
                if not count:
                    break
            if count:
                chunk = recv(1 << 20)
                if not chunk:
                    raise ConnectionError("server closed the connection")
                buf += chunk
        return failed


class FloorClient:
    """Routes keys to nodes by the cluster map and runs pipelined batches."""

    def __init__(self, kv_endpoints: List[Tuple[str, int]], user: str, password: str, bucket: str) -> None:
        first = Node(kv_endpoints[0][0], kv_endpoints[0][1], user, password, bucket)
        cfg = first.config()
        servers = [("127.0.0.1", n["services"]["kv"]) for n in cfg["nodesExt"]
                   if "kv" in n.get("services", {})]
        self.vbmap = [row[0] for row in cfg["vBucketServerMap"]["vBucketMap"]]
        self.nodes: List[Optional[Node]] = [None] * len(servers)
        for i, (host, port) in enumerate(servers):
            self.nodes[i] = first if port == kv_endpoints[0][1] else Node(host, port, user, password, bucket)

    def _route(self, key: bytes) -> Tuple[int, int]:
        vb = ((zlib.crc32(key) >> 16) & 0x7FFF) % len(self.vbmap)
        return self.vbmap[vb], vb

    def batch(self, opcode: int, keys: List[bytes], value: bytes = b"") -> int:
        """One pipelined batch of GETs or SETs; returns the number of failures."""
        per_node: Dict[int, List[bytes]] = {}
        extras = struct.pack(">II", 0, 0) if opcode == OP_SET else b""
        pack = HEADER.pack
        for key in keys:
            node, vb = self._route(key)
            body = len(extras) + len(key) + len(value)
            per_node.setdefault(node, []).append(
                pack(0x80, opcode, len(key), len(extras), 0, vb, body, 0, 0) + extras + key + value)
        failed = 0
        for node, packets in per_node.items():
            failed += self.nodes[node].pipeline(b"".join(packets), len(packets))  # type: ignore[union-attr]
        return failed
