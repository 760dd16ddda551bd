"""A KV request with an invalid magic drops the connection at once and is counted.

A server checks each header as soon as it has one. The mock used to wait for
the body length the garbage header announced, which left a client whose
request stream was corrupted stuck on a silent connection instead of
reconnecting (found by tests/faults/test_chaos.py).
"""
from __future__ import annotations

import socket
import struct

from couchbase_mock import MockCluster

HEADER = struct.Struct(">BBHBBHIIQ")


def _noop_answered(sock: socket.socket) -> bool:
    sock.sendall(HEADER.pack(0x80, 0x0A, 0, 0, 0, 0, 0, 9, 0))  # NOOP
    reply = b""
    while len(reply) < 24:
        chunk = sock.recv(24 - len(reply))
        if not chunk:
            return False
        reply += chunk
    return HEADER.unpack(reply)[1] == 0x0A


def test_invalid_magic_closes_the_connection_and_counts() -> None:
    with MockCluster(nodes=1, replicas=0, buckets=["default"], http=False) as mock:
        port = mock.nodes[0].kv_port
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            assert _noop_answered(sock)
            # a header whose magic is wrong and whose body length is absurd (freed memory, say)
            sock.sendall(HEADER.pack(0x42, 0x01, 0, 0, 0, 0, 0x48259125, 0, 0))
            assert sock.recv(1) == b"", "the connection should be closed, not left waiting for 1.2 GB"
        assert mock.info()["protocol_errors"] == 1
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            assert _noop_answered(sock)  # the node itself is fine
        assert mock.info()["protocol_errors"] == 1
