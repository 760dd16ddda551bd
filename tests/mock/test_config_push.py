"""Config pushes go only to connections that asked for them (DUPLEX + 0x0d)."""
from __future__ import annotations

import json
import socket
import struct

HEADER = struct.Struct(">BBHBBHIIQ")


def _frame(sock: socket.socket):
    data = b""
    while len(data) < 24:
        data += sock.recv(24 - len(data))
    hdr = HEADER.unpack(data)
    body = b""
    while len(body) < hdr[6]:
        body += sock.recv(hdr[6] - len(body))
    return hdr, body


def _connect(mock, features):
    sock = socket.create_connection(("127.0.0.1", mock.nodes[0].kv_port), timeout=3)

    def request(opcode, key=b"", value=b""):
        sock.sendall(HEADER.pack(0x80, opcode, len(key), 0, 0, 0, len(key) + len(value), 7, 0) + key + value)
        return _frame(sock)

    request(0x1F, b"push-test", b"".join(struct.pack(">H", f) for f in features))
    auth = b"\x00" + mock.username.encode() + b"\x00" + mock.password.encode()
    assert request(0x21, b"PLAIN", auth)[0][5] == 0
    assert request(0x89, b"default")[0][5] == 0
    return sock


def test_push_only_to_connections_that_asked(mock):
    asked = _connect(mock, [0x0C, 0x0D])
    silent = _connect(mock, [0x03])
    before = mock.info()["rev"]
    mock.rebalance()
    hdr, body = _frame(asked)
    magic, opcode, keylen, extlen = hdr[0], hdr[1], hdr[2], hdr[3]
    assert (magic, opcode) == (0x82, 0x01)
    rev = struct.unpack(">I", body[:4])[0]
    assert body[extlen:extlen + keylen] == b"default"
    config = json.loads(body[extlen + keylen:])
    assert rev == config["rev"] > before
    silent.settimeout(0.5)
    try:
        silent.recv(1)
        raise AssertionError("a connection that did not ask got a push")
    except socket.timeout:
        pass
    asked.close()
    silent.close()
