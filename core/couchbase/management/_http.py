"""The one HTTP management request path, shared by every manager and every front end.

A manager method is written once, as a generator (a *program*): it yields
:class:`Call` (one HTTP request through libcouchbase) or :class:`Sleep` (a
pause between polls) and receives the :class:`~couchbase._services.HttpResponse`
(or ``None`` after a sleep); its return value is the method's result, and an
exception it raises is the method's error. The front end only picks a driver:

* :func:`run_blocking` — the blocking API: each request under the connection's
  lock, waited with ``lcb_wait`` (GIL released), sleeps with ``time.sleep``;
* :func:`run_async` — every event-loop front end: returns an
  :class:`~couchbase._kv.AsyncResult` completed from libcouchbase's callbacks
  (requests wait for the connection to be ready; sleeps are loop timers); the
  front end wraps it as it wraps any Pending (AsyncResult, future,
  Deferred, or a parked greenlet for gevent).

A response with an HTTP status goes back to the program whatever the status:
the program maps 4xx/5xx bodies to typed exceptions (as the server's messages
are what tells "bucket exists" from "bad argument"). Only a request that got no
HTTP answer (timeout, network, closed connection) fails the program directly.
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Dict, Generator, List, NamedTuple, Optional, Union
from urllib.parse import quote, urlencode

from couchbase._services import HttpResponse, schedule_http
from couchbase.exceptions import (
    AuthenticationException,
    CouchbaseException,
    InternalServerFailureException,
    InvalidArgumentException,
    ManagementErrorContext,
    QuotaLimitedException,
    RateLimitedException,
)

__all__ = ["Call", "Sleep", "Scheduled", "Program", "run_blocking", "run_async", "form", "path_escape",
           "http_error", "json_body", "statement_results", "options_timeout_us", "timed_call"]


class Call(NamedTuple):
    """One HTTP request: ``service`` is ``management``, ``query``, ``search``, ``analytics``,
    ``view`` or ``eventing``; libcouchbase picks a node of that service and adds credentials."""

    service: str
    method: str
    path: str
    body: bytes = b""
    content_type: str = "application/x-www-form-urlencoded"
    timeout_us: int = 0


class Sleep(NamedTuple):
    seconds: float


class Scheduled(NamedTuple):
    """A request its caller schedules itself: ``schedule()`` returns the HttpRequest (the view
    index manager's requests go through the bucket's connection this way)."""

    schedule: Callable[[], Any]


# ``yield Call(...)`` (or Scheduled) evaluates to the response; ``yield Sleep(...)`` to None, which no
# program reads, so the send type is the response's.
Program = Generator[Union[Call, Sleep, Scheduled], HttpResponse, Any]


def form(**fields: Any) -> bytes:
    """An ``application/x-www-form-urlencoded`` body of the fields that are not None."""
    return urlencode({k: v for k, v in fields.items() if v is not None}).encode()


def path_escape(segment: str) -> str:
    """One path segment, percent-encoded."""
    return quote(segment, safe="")


def json_body(resp: HttpResponse) -> Any:
    """The response parsed as JSON (InternalServerFailureException if it is not JSON)."""
    try:
        return json.loads(resp.body) if resp.body else None
    except ValueError:
        raise InternalServerFailureException(
            message=f"{resp.path}: HTTP {resp.status}: the server sent a body that is not JSON: "
                    f"{resp.body[:200]!r}") from None


def statement_results(resp: HttpResponse, what: str,
                      error: Callable[[Dict[str, Any], int, str], CouchbaseException]) -> List[Any]:
    """The ``results`` of a SQL++ statement's response (query or analytics service), or the
    exception ``error(meta, status, what)`` makes of its errors."""
    try:
        meta = json_body(resp) or {}
    except CouchbaseException:
        meta = {}
    if resp.status != 200 or meta.get("status") not in (None, "success"):
        raise error(meta, resp.status, what)
    results: List[Any] = meta.get("results", [])
    return results


def http_error(resp: HttpResponse, what: str) -> CouchbaseException:
    """The typed exception for a failure status nothing more specific matched."""
    text = resp.body[:500].decode("utf-8", "replace")
    message = f"{what}: HTTP {resp.status}: {text}" if text else f"{what}: HTTP {resp.status}"
    if resp.status == 401:
        return AuthenticationException(message=message)
    if resp.status == 403:
        # The server names the permission it wanted; the official SDK reports it as an
        # authentication failure (insufficient permissions).
        return AuthenticationException(message=message)
    if resp.status == 429:
        if "Maximum number of collections has been reached" in text:
            return QuotaLimitedException(message=message)
        return RateLimitedException(message=message)
    if resp.status == 400:
        return InvalidArgumentException(message=message)
    return InternalServerFailureException(message=message)


_MAX_TIMEOUT_US = 0xFFFFFFFF  # libcouchbase takes a 32-bit microsecond timeout (about 71 minutes)


def options_timeout_us(opts: Dict[str, Any]) -> int:
    """The per-request timeout of merged options (0 = the connection's management timeout); longer
    than libcouchbase can take (a day, say) means "as long as possible"."""
    from couchbase.options import to_seconds

    value = opts.get("timeout")
    if value is None:
        return 0
    return max(1, min(int(to_seconds("timeout", value) * 1_000_000), _MAX_TIMEOUT_US))


def timed_call(service: str, method: str, path: str, body: bytes = b"",
               content_type: str = "application/x-www-form-urlencoded", *, opts: Dict[str, Any]) -> Call:
    """A :class:`Call` whose timeout is that of a method's merged options (``timeout``, see
    :func:`options_timeout_us`): how every manager method builds its request."""
    return Call(service, method, path, body, content_type, options_timeout_us(opts))


# ----------------------------------------------------------------------------- drivers


# libcouchbase joins the service's base URL and the path of these request types with a "/" of its
# own (and sends query-type requests to <base>/query/service whatever the path).
_JOINS_WITH_SLASH = frozenset({"search", "analytics", "eventing"})


def _schedule(conn: Any, call: Call) -> Any:
    path = call.path[1:] if call.service in _JOINS_WITH_SLASH and call.path.startswith("/") else call.path
    return schedule_http(conn, call.service, call.method, path, call.body, call.content_type, call.timeout_us)


def _outcome(req: Any) -> HttpResponse:
    """The response, or raise when the request got no HTTP answer."""
    if req.response is not None and req.response.status:
        response: HttpResponse = req.response
        return response
    if req.error is not None:
        raise req.error
    raise InternalServerFailureException(message=f"{req.context.get('path')}: no HTTP response")


def _with_context(exc: BaseException, call: Any, response: Optional[HttpResponse]) -> BaseException:
    """A program's error, given the ManagementErrorContext (SDK 4.x) of the request it last made
    when it has no context of its own."""
    if isinstance(exc, CouchbaseException) and exc.context is None and isinstance(call, Call):
        exc.context = ManagementErrorContext(
            method=call.method, path=call.path, http_status=response.status if response is not None else None,
            content=response.body.decode("utf-8", "replace") if response is not None else None)
    return exc


def run_blocking(conn: Any, program: Program, sleep: Callable[[float], None] = time.sleep) -> Any:
    """Run ``program`` to completion on a blocking connection; returns its value or raises."""
    value: Any = None
    error: Optional[BaseException] = None
    last: Any = None  # the last request, and its response
    response: Optional[HttpResponse] = None
    while True:
        try:
            step = program.throw(error) if error is not None else program.send(value)
        except StopIteration as stop:
            return stop.value
        except BaseException as exc:
            raise _with_context(exc, last, response)
        value, error = None, None
        if isinstance(step, Sleep):
            sleep(step.seconds)
            continue
        last, response = step, None
        with conn.locked():
            req = step.schedule() if isinstance(step, Scheduled) else _schedule(conn, step)
            conn.wait_for(lambda: req.done)
        try:
            value = response = _outcome(req)
        except BaseException as exc:  # noqa: BLE001 - handed to the program, which may handle it
            error = exc


def run_async(owner: Any, conn: Any, program: Program) -> Any:
    """Run ``program`` on an event-loop connection; returns an AsyncResult completed with its value.

    ``owner`` is the front end's object holding ``conn`` (its ``_when_connected`` waits
    for the bootstrap before the first request)."""
    from couchbase._kv_response import placeholder

    op = placeholder()  # an AsyncResult, so raw callback users get callback/errback on it
    last: List[Any] = [None, None]  # the last request, and its response

    def advance(value: Any = None, error: Optional[BaseException] = None) -> None:
        if isinstance(value, HttpResponse):
            last[1] = value
        try:
            step = program.throw(error) if error is not None else program.send(value)
        except StopIteration as stop:
            op._resolve(stop.value)
            return
        except BaseException as exc:  # noqa: BLE001 - the program's error is the operation's error
            op._fail(_with_context(exc, last[0], last[1]))
            return
        if isinstance(step, Sleep):
            conn.iops.call_later(step.seconds, lambda: advance())
            return
        last[:] = [step, None]

        def send() -> None:
            req = step.schedule() if isinstance(step, Scheduled) else _schedule(conn, step)

            def done(req: Any) -> None:
                try:
                    response = _outcome(req)
                except BaseException as exc:  # noqa: BLE001
                    advance(error=exc)
                    return
                advance(response)

            if req.done:
                done(req)
            else:
                req.on_done = done

        try:
            owner._when_connected(conn, send, lambda exc: advance(error=exc))
        except BaseException as exc:  # noqa: BLE001 - closed connection: the program decides
            advance(error=exc)

    owner._check_thread()
    advance()
    return op
