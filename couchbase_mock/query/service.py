"""HTTP face of the query and analytics services: request body -> streamed response.

:func:`handle` reads a ``/query/service`` (or ``/analytics/service``) request
the way the server does (JSON body, form body or URL parameters), runs it
through :class:`~couchbase_mock.query.engine.QueryService` and answers:

* errors found before execution (syntax, unknown keyspace, no index, no such
  prepared statement, read-only, a privilege the user's roles do not grant) as
  one complete JSON response with the server's HTTP status and
  ``"status":"fatal"``;
* everything else as a chunked 200 response whose ``results`` array is
  written a few kilobytes at a time while rows are produced, followed by
  ``status``, ``errors`` (timeouts, per-key DML failures) and ``metrics``.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any, AsyncIterator, Dict, List, Optional, Union

from couchbase_mock.http.server import Request, Response, StreamResponse
from couchbase_mock.query.authorize import Authorizer
from couchbase_mock.query.engine import Execution, Options, parse_duration, service_for
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params
from couchbase_mock.query.keyspace import parse_query_context
from couchbase_mock.query.values import spelled

__all__ = ["handle", "CHUNK_BYTES"]

log = logging.getLogger("couchbase_mock.query")

CHUNK_BYTES = 16 * 1024
_strict_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _dumps(v: Any) -> str:
    try:
        return _strict_dumps(v)
    except ValueError:  # a NaN or an infinity somewhere: rare, so only then walk the value
        return _strict_dumps(spelled(v))


def _duration(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.6f}s"
    if seconds >= 0.001:
        return f"{seconds * 1000:.6f}ms"
    return f"{seconds * 1e6:.3f}µs"


def _body(req: Request) -> Dict[str, Any]:
    """The request's fields: JSON object body, form body or URL parameters."""
    fields: Dict[str, Any] = {k: v[-1] for k, v in req.query.items()}
    text = req.body.decode("utf-8", "replace").strip()
    ctype = req.headers.get("content-type", "")
    if text and (text[:1] == "{" or "json" in ctype):
        try:
            data = json.loads(text)
        except ValueError:
            raise QueryError(1050, "Invalid request body: not valid JSON", 400) from None
        if not isinstance(data, dict):
            raise QueryError(1050, "Invalid request body: expected a JSON object", 400)
        fields.update(data)
    elif text:
        fields.update({k: v[-1] for k, v in req.form().items()})
        for name in list(fields):
            if name == "args" or name.startswith("$"):
                try:
                    fields[name] = json.loads(fields[name])
                except (TypeError, ValueError):
                    pass
    return fields


def _bool(fields: Dict[str, Any], name: str, default: bool) -> bool:
    v = fields.get(name, default)
    if isinstance(v, str):
        return v.lower() == "true"
    return bool(v)


def _options(fields: Dict[str, Any], analytics: bool, method: str) -> Options:
    args = fields.get("args", [])
    if not isinstance(args, list):
        raise QueryError(1050, "Invalid value for args: expected an array", 400)
    named = {k: v for k, v in fields.items() if k.startswith("$")}
    timeout_text = fields.get("timeout")
    timeout = None
    if timeout_text is not None:
        try:
            timeout = parse_duration(timeout_text)
        except ValueError:
            raise QueryError(1050, f"Invalid value for timeout: {timeout_text}", 400) from None
    return Options(Params(args, named), parse_query_context(fields.get("query_context")), timeout or None,
                   str(timeout_text or ""), _bool(fields, "readonly", method == "GET"), analytics,
                   _bool(fields, "preserve_expiry", False))


def _error_response(err: QueryError, request_id: str, fields: Dict[str, Any], started: float,
                    analytics: bool) -> Response:
    if analytics and err.code == 3000:
        err = QueryError(24000, "Syntax error: " + err.msg.replace("syntax error - ", ""), 400)
    body: Dict[str, Any] = {"requestID": request_id}
    if "client_context_id" in fields:
        body["clientContextID"] = fields["client_context_id"]
    body["errors"] = [err.as_json()]
    body["status"] = "fatal"
    if _bool(fields, "metrics", True):
        elapsed = _duration(time.monotonic() - started)
        body["metrics"] = {"elapsedTime": elapsed, "executionTime": elapsed, "resultCount": 0,
                           "resultSize": 0, "errorCount": 1}
        if analytics:
            body["metrics"]["processedObjects"] = 0
    return Response.json(body, err.status)


async def _stream(ex: Execution, request_id: str, fields: Dict[str, Any], started: float,
                  analytics: bool) -> AsyncIterator[bytes]:
    head: Dict[str, Any] = {"requestID": request_id}
    if "client_context_id" in fields:
        head["clientContextID"] = fields["client_context_id"]
    if ex.signature is not None:
        head["signature"] = ex.signature
    if ex.prepared_name is not None:
        head["prepared"] = ex.prepared_name
    prefix = _dumps(head)[:-1] + ',"results":['
    buf: List[str] = [prefix]
    size = 0
    count = 0
    result_size = 0
    errors: List[QueryError] = []
    try:
        for row in ex.rows:
            text = _dumps(row)
            if count:
                buf.append(",")
            buf.append(text)
            count += 1
            result_size += len(text)
            size += len(text) + 1
            if size >= CHUNK_BYTES:
                yield "".join(buf).encode("utf-8")
                buf, size = [], 0
                ex.check()
                await asyncio.sleep(0)
    except QueryError as err:
        errors.append(err)
    except Exception as exc:  # noqa: BLE001 - a bug must come back as a server error, not a dead socket
        log.exception("query execution failed")
        errors.append(QueryError(5000 if not analytics else 25000, f"Internal error: {exc!r}", 200))
    if not errors:
        try:
            ex.check()  # the request outlived its timeout while its last rows were computed
        except QueryError as err:
            errors.append(err)
    errors = ex.errors + errors
    tail: Dict[str, Any] = {}
    if errors:
        tail["errors"] = [e.as_json() for e in errors]
    if ex.warnings:
        tail["warnings"] = [w.as_json() for w in ex.warnings]
    if analytics:
        tail["plans"] = {}
    if any(e.code in (1080, 21002) for e in errors):
        tail["status"] = "timeout"
    else:
        tail["status"] = ("fatal" if analytics else "errors") if errors else "success"
    if _bool(fields, "metrics", True):
        elapsed = _duration(time.monotonic() - started)
        metrics: Dict[str, Any] = {"elapsedTime": elapsed, "executionTime": elapsed, "resultCount": count,
                                   "resultSize": result_size}
        if ex.is_dml:
            metrics["mutationCount"] = ex.mutation_count
        if errors:
            metrics["errorCount"] = len(errors)
        if ex.warnings:
            metrics["warningCount"] = len(ex.warnings)
        if analytics:
            metrics["processedObjects"] = ex.processed
        tail["metrics"] = metrics
    profile = fields.get("profile")
    if not analytics and profile in ("phases", "timings"):
        tail["profile"] = _profile(profile, time.monotonic() - started, count, ex.processed)
    buf.append("]," + _dumps(tail)[1:])
    yield "".join(buf).encode("utf-8")


def _profile(level: str, elapsed: float, count: int, processed: int) -> Dict[str, Any]:
    """The ``profile`` trailer of ``profile=phases|timings``: phase times and counts (and, for
    timings, the executed plan with its operators' times), as the server reports them."""
    took = _duration(elapsed)
    out: Dict[str, Any] = {"phaseTimes": {"authorize": "0s", "fetch": took, "instantiate": "0s",
                                          "parse": "0s", "plan": "0s", "run": took},
                           "phaseCounts": {"fetch": processed},
                           "phaseOperators": {"authorize": 1, "fetch": 1},
                           "requestTime": time.strftime("%Y-%m-%d %H:%M:%S"), "servicingHost": "127.0.0.1"}
    if level == "timings":
        out["executionTimings"] = {"#operator": "Authorize",
                                   "#stats": {"#phaseSwitches": 3, "execTime": took},
                                   "~child": {"#operator": "Sequence", "#stats": {"#itemsOut": count},
                                              "~children": []}}
    return out


async def handle(req: Request, cluster: Any, analytics: bool = False) -> Union[Response, StreamResponse]:
    """Answer one query-service (or, with ``analytics``, analytics-service) request."""
    started = time.monotonic()
    request_id = str(uuid.uuid4())
    fields: Dict[str, Any] = {}
    try:
        fields = _body(req)
        log.debug("%s request: %s", "analytics" if analytics else "query", fields)
        opts = _options(fields, analytics, req.method)
        directory = getattr(cluster, "directory", None)
        if directory is not None:
            opts.authorizer = Authorizer(directory, req.user, analytics)
        statement: Optional[str] = fields.get("statement")
        prepared = fields.get("prepared")
        if statement is not None and not isinstance(statement, str):
            raise QueryError(1050, "Invalid value for statement: expected a string", 400)
        if prepared is not None and not isinstance(prepared, str):
            raise QueryError(1050, "Invalid value for prepared: expected a string", 400)
        if statement is None and prepared is None:
            raise QueryError(1050, "No statement or prepared value", 400)
        ex = service_for(cluster).start(statement, opts, prepared, fields.get("encoded_plan"),
                                        _bool(fields, "auto_execute", False))
    except QueryError as err:
        return _error_response(err, request_id, fields, started, analytics)
    return StreamResponse(_stream(ex, request_id, fields, started, analytics))
