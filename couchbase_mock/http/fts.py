"""The search (fts, "8094") port of one node.

Routes: ``GET /api/ping``; index management ``PUT|GET|DELETE
/api/index/<name>``, ``GET /api/index``, ``GET /api/index/<name>/count``,
``POST /api/index/<name>/{ingestControl/pause|resume, queryControl/allow|disallow,
planFreezeControl/freeze|unfreeze, analyzeDoc}`` and the same under
``/api/bucket/<b>/scope/<s>/index/<name>`` (stored as ``<b>.<s>.<name>``);
queries ``POST /api/index/<name>/query`` (and the scoped form
``/api/bucket/<b>/scope/<s>/index/<name>/query``).  RBAC as cbft: reading an
index (query, count, definition, analyzeDoc) needs ``fts!read`` on each of its
sources, creating or deleting one ``fts!write``, the control endpoints
``fts!manage`` (:mod:`couchbase_mock.search.authorize`); the listing shows
what the user may read; a refusal is cbauth's 403.  The engine is
:mod:`couchbase_mock.search`; this module only adapts HTTP to it.  Results
with many hits are sent as a chunked stream so no giant buffer is built.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, List, Optional, Union

from couchbase_mock.search.authorize import FORBIDDEN_MESSAGE, Source, missing_permission, sources_of
from couchbase_mock.search.definition import DefinitionError, IndexDefinition
from couchbase_mock.search.service import SearchError, parsing_error, service_for

from .cluster_view import ClusterView
from .server import Request, Response, Router, StreamResponse

__all__ = ["make_router", "STREAM_THRESHOLD"]

# Responses with more hits than this are streamed in chunks.
STREAM_THRESHOLD = 200


def _error(exc: SearchError, request: Any = None) -> Response:
    return Response.json(exc.to_json(request), exc.status)


def _forbidden(permission: str) -> Response:
    """cbauth's 403 (cbft answers a missing permission with it)."""
    return Response.json({"message": FORBIDDEN_MESSAGE, "permissions": [permission]}, 403)


def make_router(view: ClusterView, node: Any) -> Router:
    """The fts-port router of ``node``."""
    router = Router()
    service = service_for(view.cluster)
    directory = getattr(view.cluster, "directory", None)  # None: a cluster without users (no checks)

    def denied(req: Request, sources: List[Source], op: str) -> Optional[Response]:
        """403 if the request's user lacks fts!``op`` on a source (roles read now)."""
        if directory is None:
            return None
        missing = missing_permission(directory, req.user, sources, op)
        return _forbidden(missing) if missing is not None else None

    def index_denied(req: Request, name: str, op: str) -> Optional[Response]:
        index = service.indexes.get(name)
        return None if index is None else denied(req, sources_of(index.definition), op)

    async def ping(req: Request) -> Response:
        return Response.json({})

    def full_name(req: Request) -> str:
        """Scoped paths name ``<bucket>.<scope>.<index>`` (how 7.x stores scoped indexes)."""
        name = req.params["index"]
        if "bucket" in req.params and not name.startswith(f"{req.params['bucket']}.{req.params['scope']}."):
            return f"{req.params['bucket']}.{req.params['scope']}.{name}"
        return name

    async def list_indexes(req: Request) -> Response:
        listing = service.list()
        defs = listing["indexDefs"]["indexDefs"]  # only what the user may read, as cbft filters it
        defs = {k: v for k, v in defs.items() if not index_denied(req, k, "read")}
        listing["indexDefs"]["indexDefs"] = defs
        if "bucket" in req.params:
            prefix = f"{req.params['bucket']}.{req.params['scope']}."
            defs = listing["indexDefs"]["indexDefs"]
            listing["indexDefs"]["indexDefs"] = {k: v for k, v in defs.items() if k.startswith(prefix)}
        return Response.json(listing)

    async def control(req: Request) -> Response:
        refused = index_denied(req, full_name(req), "manage")
        if refused is not None:
            return refused
        try:
            return Response.json(service.control(full_name(req), req.params["what"], req.params["op"]))
        except SearchError as exc:
            return _error(exc)

    async def analyze_doc(req: Request) -> Response:
        try:
            doc = req.json()
        except ValueError as exc:
            return _error(parsing_error(req.params["index"], f"invalid JSON: {exc}"))
        refused = index_denied(req, full_name(req), "read")
        if refused is not None:
            return refused
        try:
            return Response.json(service.analyze(full_name(req), doc))
        except SearchError as exc:
            return _error(exc)

    async def put_index(req: Request) -> Response:
        name = full_name(req)
        try:
            body = req.json()
        except ValueError as exc:
            return Response.json({"error": f"rest_create_index: error creating index: {name}, err: {exc}",
                                  "status": "fail"}, 400)
        sources: List[Source] = []
        old = service.indexes.get(name)
        if old is not None:
            sources += sources_of(old.definition)
        try:
            sources += sources_of(IndexDefinition.parse(name, body))
        except DefinitionError:
            pass  # the service answers the server's 400 for it below
        refused = denied(req, sources, "write")
        if refused is not None:
            return refused
        try:
            index = service.upsert(name, body)
        except SearchError as exc:
            return _error(exc)
        return Response.json({"status": "ok", "uuid": index.definition.uuid, "name": name})

    async def get_index(req: Request) -> Response:
        refused = index_denied(req, full_name(req), "read")
        if refused is not None:
            return refused
        try:
            return Response.json(service.get(full_name(req)))
        except SearchError as exc:
            return _error(exc)

    async def delete_index(req: Request) -> Response:
        refused = index_denied(req, full_name(req), "write")
        if refused is not None:
            return refused
        try:
            return Response.json(service.delete(full_name(req)))
        except SearchError as exc:
            return _error(exc)

    async def count(req: Request) -> Response:
        refused = index_denied(req, full_name(req), "read")
        if refused is not None:
            return refused
        try:
            return Response.json(service.count(full_name(req)))
        except SearchError as exc:
            return _error(exc)

    async def query(req: Request) -> Union[Response, StreamResponse]:
        name = req.params["index"]
        if "bucket" in req.params and name not in service.indexes:
            name = f"{req.params['bucket']}.{req.params['scope']}.{name}"
        try:
            body = req.json()
        except ValueError as exc:
            return _error(parsing_error(name, f"invalid JSON: {exc}"))
        refused = index_denied(req, name, "read")
        if refused is not None:
            return refused
        try:
            parsed = service.parse(name, body)
        except SearchError as exc:
            return _error(exc, body)
        delay = service.delay_of(name)
        if delay:
            await asyncio.sleep(delay)
        try:
            outcome = service.query(name, parsed)
        except SearchError as exc:  # deleted while we slept
            return _error(exc, body)
        if len(outcome.hits) <= STREAM_THRESHOLD:
            return Response.json(outcome.body())

        async def chunks() -> AsyncIterator[bytes]:
            for chunk in outcome.chunks():
                yield chunk
                await asyncio.sleep(0)  # let other connections run between chunks

        return StreamResponse(chunks())

    async def stats(req: Request) -> Response:
        out = {}
        for name in service.indexes:
            counts = service.count(name)
            out[f"default:{name}:doc_count"] = counts["count"]
        return Response.json(out)

    async def index_stats(req: Request) -> Response:
        name = full_name(req)
        refused = index_denied(req, name, "read")
        if refused is not None:
            return refused
        try:
            return Response.json({"doc_count": service.count(name)["count"], "num_pindexes_actual": 1,
                                  "num_pindexes_target": 1, "total_queries": 0})
        except SearchError as exc:
            return _error(exc)

    router.add("GET", "/api/stats", stats)
    router.add("GET", "/api/stats/index/{index}", index_stats)
    router.add("GET", "/api/ping", ping, auth=False)
    router.add("GET", "/api/index", list_indexes)
    router.add("GET", "/api/index/{index}/count", count)
    router.add("POST", "/api/index/{index}/query", query)
    router.add("POST", "/api/bucket/{bucket}/scope/{scope}/index/{index}/query", query)
    router.add("PUT", "/api/index/{index}", put_index)
    router.add("GET", "/api/index/{index}", get_index)
    router.add("DELETE", "/api/index/{index}", delete_index)
    router.add("POST", "/api/index/{index}/analyzeDoc", analyze_doc)
    router.add("POST", "/api/index/{index}/{what}/{op}", control)
    scoped = "/api/bucket/{bucket}/scope/{scope}/index"
    router.add("GET", scoped, list_indexes)
    router.add("GET", scoped + "/{index}/count", count)
    router.add("PUT", scoped + "/{index}", put_index)
    router.add("GET", scoped + "/{index}", get_index)
    router.add("DELETE", scoped + "/{index}", delete_index)
    router.add("POST", scoped + "/{index}/analyzeDoc", analyze_doc)
    router.add("POST", scoped + "/{index}/{what}/{op}", control)
    return router


