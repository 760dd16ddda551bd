"""The views (capi, "8092") port of one node.

For now only what ``wait_until_ready()``/ping needs: ``GET /`` answers the
CouchDB-style welcome object.  View queries and design documents come later.
"""

from __future__ import annotations

from typing import Any

from .cluster_view import VERSION, ClusterView
from .server import Request, Response, Router

__all__ = ["make_router"]


def make_router(view: ClusterView, node: Any) -> Router:
    """The capi-port router of ``node``."""
    router = Router()

    async def welcome(req: Request) -> Response:
        return Response.json({"couchdb": "Welcome", "version": "v4.5.1-mock", "couchbase": VERSION})

    router.add("GET", "/", welcome, auth=False)
    return router
