"""couchbase_mock.http.server over real sockets (http.client and raw sockets)."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import time

import pytest
from http_fakes import LoopThread, auth_header

from couchbase_mock.http.server import Request, Response, Router, StreamResponse, start_http_server


@pytest.fixture(scope="module")
def loop():
    lt = LoopThread()
    yield lt
    lt.close()


class StreamProbe:
    def __init__(self) -> None:
        self.closed = False
        self.queue: "asyncio.Queue[bytes]" = None  # type: ignore[assignment]


@pytest.fixture(scope="module")
def app(loop):
    probe = StreamProbe()
    router = Router()

    async def echo(req: Request) -> Response:
        return Response.json(
            {
                "method": req.method,
                "path": req.path,
                "query": req.query,
                "body": req.body.decode(),
                "user": req.user,
                "params": req.params,
                "host": req.host,
            }
        )

    async def fail(req: Request) -> Response:
        raise RuntimeError("handler bug")

    async def stream(req: Request) -> StreamResponse:
        probe.queue = asyncio.Queue()
        probe.closed = False

        async def chunks():
            try:
                while True:
                    item = await probe.queue.get()
                    if item == b"END":
                        return
                    yield item
            finally:
                probe.closed = True

        return StreamResponse(chunks())

    router.add("GET", "/echo/{name}", echo)
    router.add("POST", "/echo/{name}", echo)
    router.add("PUT", "/open/{rest:path}", echo, auth=False)
    router.add("GET", "/open/{rest:path}", echo, auth=False)
    router.add("GET", "/fail", fail, auth=False)
    router.add("GET", "/stream", stream, auth=False)

    def authenticate(user: str, password: str) -> bool:
        return (user, password) == ("Administrator", "password")

    server = loop.run(start_http_server(router, "127.0.0.1", 0, authenticate))
    yield server, probe
    loop.call(server.close)


@pytest.fixture
def conn():
    """Factory of client connections, all closed after the test."""
    opened = []

    def make(app) -> http.client.HTTPConnection:
        c = http.client.HTTPConnection("127.0.0.1", app[0].port, timeout=5)
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


def test_basic_get_with_auth_and_params(app, conn):
    c = conn(app)
    c.request("GET", "/echo/x%20y?a=1&a=2&b=", headers=auth_header())
    r = c.getresponse()
    assert r.status == 200
    assert r.getheader("Content-Type") == "application/json"
    data = json.loads(r.read())
    assert data["path"] == "/echo/x y"
    assert data["params"] == {"name": "x y"}
    assert data["query"] == {"a": ["1", "2"], "b": [""]}
    assert data["user"] == "Administrator"
    assert data["host"] == "127.0.0.1"


def test_keep_alive_reuses_connection(app, conn):
    c = conn(app)
    for i in range(3):
        c.request("POST", "/echo/k", body=b"x" * i, headers=auth_header())
        r = c.getresponse()
        assert json.loads(r.read())["body"] == "x" * i
        assert r.getheader("Connection") is None
    assert c.sock is not None  # still the same open socket


def test_connection_close(app, conn):
    c = conn(app)
    c.request("GET", "/open/a", headers={"Connection": "close"})
    r = c.getresponse()
    assert r.getheader("Connection") == "close"
    r.read()
    assert r.will_close


def raw(app, data: bytes, read_until_close: bool = True, timeout: float = 5) -> bytes:
    s = socket.create_connection(("127.0.0.1", app[0].port), timeout=timeout)
    s.sendall(data)
    chunks = []
    if read_until_close:
        while True:
            part = s.recv(65536)
            if not part:
                break
            chunks.append(part)
    s.close()
    return b"".join(chunks)


def test_pipelined_requests_in_one_write(app):
    data = (
        b"GET /open/1 HTTP/1.1\r\nHost: h\r\n\r\n"
        b"PUT /open/2 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
        b"GET /open/3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    )
    out = raw(app, data)
    assert out.count(b"HTTP/1.1 200 OK") == 3
    assert b'"path":"/open/1"' in out and b'"body":"hello"' in out and b'"path":"/open/3"' in out


def test_http10_closes_by_default(app):
    out = raw(app, b"GET /open/x HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.0 200 OK")
    assert b"Connection: close" in out


def test_expect_100_continue(app):
    s = socket.create_connection(("127.0.0.1", app[0].port), timeout=5)
    s.sendall(
        b"PUT /open/e HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n"
    )
    assert s.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    s.sendall(b"abc")
    out = b""
    while True:
        part = s.recv(65536)
        if not part:
            break
        out += part
    s.close()
    assert b'"body":"abc"' in out


def test_not_found_and_method_not_allowed(app, conn):
    c = conn(app)
    c.request("GET", "/nope")
    r = c.getresponse()
    r.read()
    assert r.status == 404
    c.request("DELETE", "/echo/a", headers=auth_header())
    r = c.getresponse()
    r.read()
    assert r.status == 405
    assert set(r.getheader("Allow").split(", ")) == {"GET", "POST"}


@pytest.mark.parametrize(
    "headers", [{}, auth_header("Administrator", "wrong"), {"Authorization": "Basic !!!"}]
)
def test_unauthorized(app, headers, conn):
    c = conn(app)
    c.request("GET", "/echo/a", headers=headers)
    r = c.getresponse()
    r.read()
    assert r.status == 401
    assert r.getheader("WWW-Authenticate").startswith("Basic")


def test_head_has_no_body(app, conn):
    c = conn(app)
    c.request("HEAD", "/open/h")
    r = c.getresponse()
    assert r.status == 200
    assert int(r.getheader("Content-Length")) > 0
    assert r.read() == b""


def test_handler_exception_is_500(app, conn):
    c = conn(app)
    c.request("GET", "/fail")
    r = c.getresponse()
    assert r.status == 500
    assert "handler bug" in json.loads(r.read())["reason"]


def test_bad_requests(app):
    assert raw(app, b"garbage\r\n\r\n").startswith(b"HTTP/1.1 400")
    assert raw(app, b"POST /open/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").startswith(
        b"HTTP/1.1 501"
    )
    assert raw(app, b"GET /open/x HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n").startswith(b"HTTP/1.1 431")
    assert raw(app, b"PUT /open/x HTTP/1.1\r\nContent-Length: zz\r\n\r\n").startswith(b"HTTP/1.1 400")


def wait_for(pred, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return False


def test_streaming_response(app, loop, conn):
    server, probe = app
    c = conn(app)
    c.request("GET", "/stream")
    r = c.getresponse()
    assert r.status == 200
    assert r.getheader("Transfer-Encoding") == "chunked"
    assert wait_for(lambda: probe.queue is not None)
    loop.call(lambda: probe.queue.put_nowait(b"first\n\n\n\n"))
    assert r.read1(100) == b"first\n\n\n\n"
    loop.call(lambda: probe.queue.put_nowait(b"second"))
    assert r.read1(100) == b"second"
    loop.call(lambda: probe.queue.put_nowait(b"END"))
    assert r.read() == b""
    assert probe.closed


def test_stream_closed_when_client_leaves(app, loop):
    server, probe = app
    probe.queue = None
    s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    s.sendall(b"GET /stream HTTP/1.1\r\n\r\n")
    assert s.recv(1000).startswith(b"HTTP/1.1 200")
    assert wait_for(lambda: probe.queue is not None)
    s.close()
    assert wait_for(lambda: probe.closed)


def test_hung_and_hard_close(loop):
    router = Router()

    async def ok(req: Request) -> Response:
        return Response.text("ok")

    router.add("GET", "/", ok, auth=False)
    server = loop.run(start_http_server(router))
    s = socket.create_connection(("127.0.0.1", server.port), timeout=0.5)
    server.hung = True
    s.sendall(b"GET / HTTP/1.1\r\n\r\n")
    with pytest.raises(socket.timeout):
        s.recv(100)
    server.hung = False
    s.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert s.recv(1000).startswith(b"HTTP/1.1 200")
    loop.call(server.close)
    s.settimeout(5)
    try:
        assert s.recv(100) == b""
    except ConnectionResetError:
        pass
    s.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1).close()


def test_trailing_slash_is_tolerated(app, conn):
    c = conn(app)
    c.request("GET", "/echo/x/", headers=auth_header())
    r = c.getresponse()
    assert r.status == 200
    assert json.loads(r.read())["params"] == {"name": "x"}
