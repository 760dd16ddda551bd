"""The views (capi, "8092") port of one node.

``GET /`` answers the CouchDB-style welcome object (``ping``). Design
documents: ``GET|PUT|DELETE /<bucket>/_design/<name>``. Queries:
``GET|POST /<bucket>/_design/<ddoc>/_view/<view>?<params>`` (POST bodies are
``{"keys": [...]}`` from lcb or ``{}`` from couchbase-cxx-client). Rows are
streamed in chunks as the index is walked. RBAC as ns_server: reading a design
document or querying a view needs ``cluster.bucket[<b>].views!read``, changing
design documents ``views!write`` (else its 403). The views logic itself is in
:mod:`couchbase_mock.views`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator, Optional, Union

from couchbase_mock.rbac import VIEWS_PRIVILEGES
from couchbase_mock.views import (
    BucketViews,
    CollationMissing,
    DesignDocError,
    JSEngineMissing,
    JSError,
    ParamError,
    ReduceError,
    ViewNotFound,
    parse_params,
    views_of,
)
from couchbase_mock.views.query import ViewResult

from .admin import forbidden
from .cluster_view import ClusterView
from .server import Request, Response, Router, StreamResponse

__all__ = ["make_router"]

CHUNK_BYTES = 32 * 1024


def _error(status: int, error: str, reason: str) -> Response:
    return Response.json({"error": error, "reason": reason}, status)


def _state(view: ClusterView, bucket: str) -> Optional[BucketViews]:
    store = view.bucket_store(bucket)
    return None if store is None else views_of(store)


_NO_BUCKET = ("not_found", "no_couchbase_bucket_exists")


async def _stream_rows(result: ViewResult) -> AsyncIterator[bytes]:
    """The response body, about CHUNK_BYTES at a time."""
    head = ('{"total_rows":%d,"rows":[\r\n' % result.total_rows if result.total_rows is not None
            else '{"rows":[\r\n')
    parts = [head]
    size = len(head)
    sep = ""
    for row in result.rows:
        text = sep + json.dumps(row, separators=(",", ":"))
        sep = ",\r\n"
        parts.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
            await asyncio.sleep(0)  # let KV traffic (include_docs GETs) through
    parts.append("\r\n]\r\n}")
    yield "".join(parts).encode("utf-8")


def views_refusal(view: ClusterView, req: Request, bucket: str, op: str) -> Optional[Response]:
    """ns_server's 403 if the request's user lacks ``cluster.bucket[<bucket>].views!<op>`` (roles read
    now); None when allowed or when the cluster has no user directory."""
    directory = getattr(view.cluster, "directory", None)
    if directory is None or directory.allowed_exactly(req.user, VIEWS_PRIVILEGES[op], bucket):
        return None
    return forbidden(f"cluster.bucket[{bucket}].views!{op}")


def make_router(view: ClusterView, node: Any) -> Router:
    """The capi-port router of ``node``."""
    router = Router()

    async def welcome(req: Request) -> Response:
        return Response.json({"couchdb": "Welcome", "version": "v4.5.1-mock", "couchbase": view.version})

    async def get_ddoc(req: Request) -> Response:
        state = _state(view, req.params["bucket"])
        if state is None:
            return _error(404, *_NO_BUCKET)
        refused = views_refusal(view, req, req.params["bucket"], "read")
        if refused is not None:
            return refused
        name = req.params["ddoc"]
        body = state.ddocs.get(name)
        if body is None:
            return _error(404, "not_found", "missing")
        meta = {"id": "_design/" + name, "rev": state.ddocs.rev(name), "type": "json"}
        return Response.json(body, headers={"X-Couchbase-Meta": json.dumps(meta, separators=(",", ":"))})

    async def put_ddoc(req: Request) -> Response:
        state = _state(view, req.params["bucket"])
        if state is None:
            return _error(404, *_NO_BUCKET)
        refused = views_refusal(view, req, req.params["bucket"], "write")
        if refused is not None:
            return refused
        try:
            body = req.json()
        except ValueError:
            return _error(400, "bad_request", "invalid UTF-8 JSON")
        try:
            state.put_ddoc(req.params["ddoc"], body)
        except DesignDocError as exc:
            return _error(400, "invalid_design_document", str(exc))
        return Response.json({"ok": True, "id": "_design/" + req.params["ddoc"]}, 201)

    async def delete_ddoc(req: Request) -> Response:
        state = _state(view, req.params["bucket"])
        if state is None:
            return _error(404, *_NO_BUCKET)
        refused = views_refusal(view, req, req.params["bucket"], "write")
        if refused is not None:
            return refused
        if not state.delete_ddoc(req.params["ddoc"]):
            return _error(404, "not_found", "missing")
        return Response.json({"ok": True, "id": "_design/" + req.params["ddoc"]})

    async def query(req: Request) -> Union[Response, StreamResponse]:
        state = _state(view, req.params["bucket"])
        if state is None:
            return _error(404, *_NO_BUCKET)
        refused = views_refusal(view, req, req.params["bucket"], "read")
        if refused is not None:
            return refused
        try:
            body = req.json() if req.method == "POST" else None
        except ValueError:
            return _error(400, "bad_request", "invalid UTF-8 JSON in the request body")
        try:
            params = parse_params(req.query, body)
            result = await state.query(req.params["ddoc"], req.params["view"], params)
        except ParamError as exc:
            return Response.json(exc.body(), exc.status)
        except ViewNotFound as exc:
            return _error(404, "not_found", exc.reason)
        except (ReduceError, JSError) as exc:
            return _error(500, "reduce_error", str(exc))
        except (JSEngineMissing, CollationMissing) as exc:
            return _error(501, "not_implemented", str(exc))
        return StreamResponse(_stream_rows(result))

    router.add("GET", "/", welcome, auth=False)
    router.add("GET", "/{bucket}/_design/{ddoc}", get_ddoc)
    router.add("PUT", "/{bucket}/_design/{ddoc}", put_ddoc)
    router.add("DELETE", "/{bucket}/_design/{ddoc}", delete_ddoc)
    router.add("GET", "/{bucket}/_design/{ddoc}/_view/{view}", query)
    router.add("POST", "/{bucket}/_design/{ddoc}/_view/{view}", query)
    return router
