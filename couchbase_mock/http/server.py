"""A small asyncio HTTP/1.1 server for the mock's REST ports.

Scope: what Couchbase clients send -- request bodies with ``Content-Length``,
keep-alive (HTTP/1.1 default) and ``Connection: close``, pipelined requests,
``Expect: 100-continue``, Basic auth.  Responses are either complete
(:class:`Response`) or chunked streams (:class:`StreamResponse`, used for the
streaming cluster configs).  Chunked *request* bodies are refused with 501; no
client has been seen to send them.

Routing is by method plus a path pattern whose ``{name}`` segments match one path
segment and ``{name:path}`` match the rest (see :class:`Router`).  A path that
matches no pattern gives 404; a path that matches only with another method gives
405 with ``Allow``.  Routes require valid credentials unless added with
``auth=False``; bad or missing credentials give 401.

One :class:`HTTPServer` serves one listening port; :meth:`HTTPServer.close`
also aborts the open connections (a "hard stop"), and :attr:`HTTPServer.hung`
makes it swallow requests without answering (a node that hangs).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
from ssl import SSLContext
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    List,
    Mapping,
    Optional,
    Pattern,
    Set,
    Tuple,
    Union,
)
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "Request",
    "Response",
    "StreamResponse",
    "Router",
    "HTTPServer",
    "start_http_server",
]

log = logging.getLogger("couchbase_mock.http")

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
_READ_HIGH_WATER = 1024 * 1024

_REASONS = {
    100: "Continue",
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Object Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Payload Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}

Authenticator = Callable[[str, str], bool]


# ----------------------------------------------------------------------------- messages


class Request:
    """A parsed HTTP request.

    Attributes: ``method``, ``target`` (raw request target), ``path`` (percent-
    decoded), ``query`` (``{name: [values]}``), ``headers`` (lower-case names),
    ``body`` (bytes), ``version`` (``"HTTP/1.1"``), ``params`` (from the route
    pattern), ``user``/``password`` (from Basic auth, ``None`` when absent),
    ``local`` and ``peer`` socket addresses, ``cert_user`` (the user a TLS client certificate
    authenticated, see ``couchbase_mock.client_cert``; ``None`` without one) and ``cert_refused``
    (a certificate was presented that names no known user).
    """

    __slots__ = (
        "method",
        "target",
        "path",
        "query",
        "headers",
        "body",
        "version",
        "params",
        "user",
        "password",
        "local",
        "peer",
        "cert_user",
        "cert_refused",
    )

    def __init__(
        self,
        method: str,
        target: str,
        version: str,
        headers: Dict[str, str],
        body: bytes = b"",
        local: Any = None,
        peer: Any = None,
    ) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.local = local
        self.peer = peer
        parts = urlsplit(target)
        self.path = unquote(parts.path or "/")
        self.query: Dict[str, List[str]] = parse_qs(parts.query, keep_blank_values=True)
        self.params: Dict[str, str] = {}
        self.user, self.password = _basic_auth(headers.get("authorization"))
        self.cert_user: Optional[str] = None
        self.cert_refused = False

    def arg(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The last value of query parameter ``name``."""
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self) -> Any:
        """The body parsed as JSON (``None`` for an empty body); ValueError if invalid."""
        if not self.body.strip():
            return None
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> Dict[str, List[str]]:
        """The body parsed as ``application/x-www-form-urlencoded``."""
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    @property
    def host(self) -> str:
        """The host the client used to reach us (Host header, else the local address)."""
        host = self.headers.get("host", "")
        if host:
            if host.startswith("["):
                return host[1 : host.find("]")] if "]" in host else host
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        if isinstance(self.local, tuple) and self.local:
            return str(self.local[0])
        return "127.0.0.1"

    @property
    def keep_alive(self) -> bool:
        conn = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in conn
        return "close" not in conn


def _basic_auth(value: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    if not value:
        return None, None
    scheme, _, data = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(data.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None, None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None, None
    return user, password


class Response:
    """A complete HTTP response."""

    __slots__ = ("status", "headers", "body")

    def __init__(
        self,
        status: int = 200,
        body: Union[bytes, str] = b"",
        headers: Optional[Mapping[str, str]] = None,
        content_type: Optional[str] = None,
    ) -> None:
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.headers: Dict[str, str] = dict(headers or {})
        if content_type:
            self.headers["Content-Type"] = content_type

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> "Response":
        """A JSON response (compact encoding)."""
        data = obj if isinstance(obj, (bytes, str)) else json.dumps(obj, separators=(",", ":"))
        return cls(status, data, headers, "application/json")

    @classmethod
    def text(cls, text: str, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> "Response":
        return cls(status, text, headers, "text/plain")


class StreamResponse:
    """A chunked response whose body is produced by an async iterator of bytes.

    The connection stays open until the iterator ends or the client goes away; in
    the latter case the iterator is closed (``aclose``) so it can unregister.
    """

    __slots__ = ("status", "headers", "chunks")

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        status: int = 200,
        headers: Optional[Mapping[str, str]] = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        self.status = status
        self.chunks = chunks
        self.headers: Dict[str, str] = dict(headers or {})
        self.headers.setdefault("Content-Type", content_type)


Handler = Callable[[Request], Awaitable[Union[Response, StreamResponse]]]


# ----------------------------------------------------------------------------- routing


class _Route:
    __slots__ = ("method", "regex", "handler", "auth")

    def __init__(self, method: str, regex: Pattern[str], handler: Handler, auth: bool) -> None:
        self.method = method
        self.regex = regex
        self.handler = handler
        self.auth = auth


_PARAM_RE = re.compile(r"\{(\w+)(:path)?\}")


def _compile(pattern: str) -> Pattern[str]:
    out = []
    pos = 0
    for match in _PARAM_RE.finditer(pattern):
        out.append(re.escape(pattern[pos : match.start()]))
        name, greedy = match.group(1), match.group(2)
        out.append("(?P<%s>%s)" % (name, ".+" if greedy else "[^/]+"))
        pos = match.end()
    out.append(re.escape(pattern[pos:]))
    return re.compile("".join(out) + r"\Z")


class Router:
    """Method + path-pattern dispatch table.

    ``router.add("GET", "/pools/default/buckets/{bucket}", handler)``; handlers are
    ``async def handler(request) -> Response | StreamResponse`` and find the
    pattern's values in ``request.params``.  Patterns are tried in order.
    """

    def __init__(self) -> None:
        self._routes: List[_Route] = []

    def add(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        """Register ``handler`` for ``method`` (or ``"*"``) on ``pattern``."""
        self._routes.append(_Route(method.upper(), _compile(pattern), handler, auth))

    def get(self, pattern: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        """Decorator form of ``add("GET", pattern, handler)``."""
        return self._decorator("GET", pattern, auth)

    def post(self, pattern: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        return self._decorator("POST", pattern, auth)

    def route(self, method: str, pattern: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        return self._decorator(method, pattern, auth)

    def _decorator(self, method: str, pattern: str, auth: bool) -> Callable[[Handler], Handler]:
        def deco(handler: Handler) -> Handler:
            self.add(method, pattern, handler, auth=auth)
            return handler

        return deco

    def resolve(self, method: str, path: str) -> Tuple[Optional[_Route], Dict[str, str], List[str]]:
        """Return ``(route, params, allowed_methods)``; route is None on 404/405.

        A trailing slash is ignored when the path does not match with it (lcb asks
        for ``/poolsStreaming/default/``).
        """
        found = self._resolve(method, path)
        if found[0] is None and not found[2] and len(path) > 1 and path.endswith("/"):
            return self._resolve(method, path[:-1])
        return found

    def _resolve(self, method: str, path: str) -> Tuple[Optional[_Route], Dict[str, str], List[str]]:
        allowed: List[str] = []
        for route in self._routes:
            match = route.regex.match(path)
            if match is None:
                continue
            if route.method in ("*", method) or (method == "HEAD" and route.method == "GET"):
                return route, match.groupdict(), allowed
            if route.method not in allowed:
                allowed.append(route.method)
        return None, {}, allowed


# ----------------------------------------------------------------------------- protocol


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Connection(asyncio.Protocol):
    """One client connection: buffers bytes, serves requests one after another."""

    def __init__(self, server: "HTTPServer") -> None:
        self._server = server
        self._loop = asyncio.get_event_loop() if server.loop is None else server.loop
        self._buf = bytearray()
        self._eof = False
        self._data_waiter: Optional[asyncio.Future[None]] = None
        self._drain_waiter: Optional[asyncio.Future[None]] = None
        self._write_paused = False
        self._read_paused = False
        self._task: Optional[asyncio.Task[None]] = None
        self._streaming = False
        self.transport: Optional[asyncio.Transport] = None
        self._cert: Tuple[bool, Optional[str]] = (False, None)

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._server._connections.add(self)
        if self._server.identify is not None:
            self._cert = self._server.identify(transport)
        self._task = self._loop.create_task(self._serve())

    def data_received(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) > _READ_HIGH_WATER and not self._read_paused and self.transport is not None:
            self._read_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> Optional[bool]:
        self._eof = True
        self._wake()
        # Keep the write side open to finish a pending response, but a client that
        # half-closes during a stream has gone away: close, which ends the stream.
        return not self._streaming

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        self._server._connections.discard(self)
        self._eof = True
        self._wake()
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_exception(ConnectionResetError("connection lost"))
        if self._task is not None and not self._task.done():
            self._task.cancel()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    # -- helpers
    def _wake(self) -> None:
        if self._data_waiter is not None and not self._data_waiter.done():
            self._data_waiter.set_result(None)

    async def _wait_data(self) -> None:
        if self._read_paused and self.transport is not None:
            self._read_paused = False
            self.transport.resume_reading()
        self._data_waiter = self._loop.create_future()
        try:
            await self._data_waiter
        finally:
            self._data_waiter = None

    async def _drain(self) -> None:
        if self.transport is None or self.transport.is_closing():
            raise ConnectionResetError("connection closed")
        if self._write_paused:
            self._drain_waiter = self._loop.create_future()
            try:
                await self._drain_waiter
            finally:
                self._drain_waiter = None

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    # -- request loop
    async def _read_head(self) -> Optional[Tuple[str, str, str, Dict[str, str]]]:
        while True:
            # Tolerate stray CRLFs between pipelined requests.
            while self._buf[:2] == b"\r\n":
                del self._buf[:2]
            end = self._buf.find(b"\r\n\r\n")
            if end != -1:
                break
            if len(self._buf) > MAX_HEADER_BYTES:
                raise _BadRequest(431, "request headers too large")
            if self._eof:
                if self._buf.strip():
                    raise _BadRequest(400, "incomplete request")
                return None
            await self._wait_data()
        if end > MAX_HEADER_BYTES:
            raise _BadRequest(431, "request headers too large")
        head = bytes(self._buf[:end]).decode("latin-1")
        del self._buf[: end + 4]
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest(400, "malformed request line")
        method, target, version = parts
        headers: Dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise _BadRequest(400, "malformed header line")
            key = name.lower()
            value = value.strip()
            headers[key] = headers[key] + ", " + value if key in headers else value
        return method.upper(), target, version, headers

    async def _read_body(self, headers: Dict[str, str], version: str) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise _BadRequest(501, "chunked request bodies are not supported")
        length_text = headers.get("content-length")
        if not length_text:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            raise _BadRequest(400, "bad Content-Length") from None
        if length < 0:
            raise _BadRequest(400, "bad Content-Length")
        if length > MAX_BODY_BYTES:
            raise _BadRequest(413, "request body too large")
        if headers.get("expect", "").lower() == "100-continue" and len(self._buf) < length:
            self._write(b"%s 100 Continue\r\n\r\n" % version.encode("latin-1"))
        while len(self._buf) < length:
            if self._eof:
                raise _BadRequest(400, "incomplete request body")
            await self._wait_data()
        body = bytes(self._buf[:length])
        del self._buf[:length]
        return body

    async def _serve(self) -> None:
        try:
            while True:
                try:
                    head = await self._read_head()
                    if head is None:
                        break
                    method, target, version, headers = head
                    body = await self._read_body(headers, version)
                except _BadRequest as exc:
                    self._send(Response.text(str(exc) + "\n", exc.status), "HTTP/1.1", False, False)
                    break
                assert self.transport is not None
                request = Request(
                    method,
                    target,
                    version,
                    headers,
                    body,
                    self.transport.get_extra_info("sockname"),
                    self.transport.get_extra_info("peername"),
                )
                presented, cert_user = self._cert
                if presented:
                    # a certificate, not the Authorization header, says who the client is
                    request.cert_refused = cert_user is None
                    request.user, request.password, request.cert_user = cert_user, None, cert_user
                if self._server.hung:
                    # A hung node reads requests and never answers.
                    continue
                keep_alive = request.keep_alive
                response = await self._server.dispatch(request)
                if isinstance(response, StreamResponse):
                    await self._stream(request, response)
                    # A finite stream (a view response) may be followed by more requests.
                    if not keep_alive or self.transport is None or self.transport.is_closing():
                        break
                    self._streaming = False
                    continue
                self._send(response, version, keep_alive, method == "HEAD")
                if not keep_alive:
                    break
                await self._drain()
        except (asyncio.CancelledError, ConnectionError):
            pass
        except Exception:  # pragma: no cover - defensive: never leave a socket dangling
            log.exception("HTTP connection failed")
        finally:
            if self.transport is not None and not self.transport.is_closing():
                self.transport.close()

    def _head_bytes(self, status: int, headers: Mapping[str, str], version: str) -> bytes:
        lines = ["%s %d %s" % (version, status, _REASONS.get(status, "Unknown"))]
        lines.extend("%s: %s" % item for item in headers.items())
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _send(self, response: Response, version: str, keep_alive: bool, head_only: bool) -> None:
        headers = {"Server": "Couchbase Server", "Pragma": "no-cache", "Cache-Control": "no-cache"}
        headers.update(response.headers)
        headers["Content-Length"] = str(len(response.body))
        version = "HTTP/1.1" if version != "HTTP/1.0" else version
        if not keep_alive:
            headers["Connection"] = "close"
        elif version == "HTTP/1.0":
            headers["Connection"] = "keep-alive"
        data = self._head_bytes(response.status, headers, version)
        self._write(data if head_only else data + response.body)

    async def _stream(self, request: Request, response: StreamResponse) -> None:
        headers = {"Server": "Couchbase Server", "Cache-Control": "no-cache", "Pragma": "no-cache"}
        headers.update(response.headers)
        headers["Transfer-Encoding"] = "chunked"
        self._write(self._head_bytes(response.status, headers, "HTTP/1.1"))
        chunks = response.chunks
        self._streaming = True
        if self._eof and self.transport is not None:
            self.transport.close()
            return
        try:
            async for chunk in chunks:
                if not chunk:
                    continue
                self._write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await self._drain()
            self._write(b"0\r\n\r\n")
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except Exception:  # pragma: no cover
                    log.exception("closing a stream failed")


# ----------------------------------------------------------------------------- server


def _current_task() -> "Optional[asyncio.Task[Any]]":
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: close() called from outside the loop
        return None


class HTTPServer:
    """One listening HTTP port: a router, an authenticator and the open connections."""

    def __init__(
        self, router: Router, authenticate: Optional[Authenticator] = None, name: str = "http",
        identify: Optional[Callable[[Any], Tuple[bool, Optional[str]]]] = None,
    ) -> None:
        self.router = router
        self.authenticate = authenticate
        # (presented, user or None) from a TLS connection's client certificate
        self.identify = identify
        self.name = name
        self.hung = False
        self.server: Optional[asyncio.AbstractServer] = None
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._connections: Set[_Connection] = set()
        self._closing: Set["asyncio.Task[None]"] = set()
        self._port = 0

    @property
    def port(self) -> int:
        """The bound port (still known after :meth:`close`)."""
        return self._port

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, ssl: Optional[SSLContext] = None
    ) -> HTTPServer:
        """Bind and start listening (``port=0`` picks a free port; ``ssl`` for HTTPS)."""
        self.loop = asyncio.get_running_loop()
        self.server = await self.loop.create_server(
            lambda: _Connection(self), host, port, reuse_address=True, ssl=ssl
        )
        self._port = int(self.server.sockets[0].getsockname()[1])
        return self

    def close(self) -> None:
        """Stop listening and abort every open connection (clients see a reset); the connections'
        request tasks (a query streaming its rows, a handler waiting for a body) are cancelled,
        and :meth:`wait_closed` waits for them to finish."""
        if self.server is not None:
            self.server.close()
        for conn in list(self._connections):
            conn.abort()
            task = conn._task
            if task is not None and not task.done() and task is not _current_task():
                task.cancel()
                self._closing.add(task)
        self._connections.clear()

    async def wait_closed(self) -> None:
        """Wait until the port is closed and every cancelled request task has finished."""
        if self.server is not None:
            await self.server.wait_closed()
        while self._closing:
            tasks = list(self._closing)
            self._closing.clear()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def dispatch(self, request: Request) -> Union[Response, StreamResponse]:
        route, params, allowed = self.router.resolve(request.method, request.path)
        log.debug(
            "%s: %s %s (route %s)", self.name, request.method, request.target, "found" if route else "none"
        )
        if route is None:
            if allowed:
                return Response.text("Method Not Allowed\n", 405, {"Allow": ", ".join(allowed)})
            return Response.text("Requested resource not found.\r\n", 404)
        if request.cert_refused:
            return Response(401, b"", {"WWW-Authenticate": 'Basic realm="Couchbase Server Admin / REST"'})
        if route.auth and self.authenticate is not None and request.cert_user is None:
            if request.user is None or not self.authenticate(request.user, request.password or ""):
                return Response(401, b"", {"WWW-Authenticate": 'Basic realm="Couchbase Server Admin / REST"'})
        request.params = params
        try:
            return await route.handler(request)
        except Exception as exc:
            log.exception("%s handler for %s %s failed", self.name, request.method, request.path)
            return Response.json({"error": "internal error", "reason": repr(exc)}, 500)


async def start_http_server(
    router: Router,
    host: str = "127.0.0.1",
    port: int = 0,
    authenticate: Optional[Authenticator] = None,
    name: str = "http",
    ssl: Optional[SSLContext] = None,
    identify: Optional[Callable[[Any], Tuple[bool, Optional[str]]]] = None,
) -> HTTPServer:
    """Create and start an :class:`HTTPServer` (HTTPS when ``ssl`` is given; ``identify`` maps a
    connection's client certificate to a user)."""
    return await HTTPServer(router, authenticate, name, identify).start(host, port, ssl)
