"""The search (fts, "8094") port of one node.

For now only the ping (``GET /api/ping``); index queries answer an error until
the search service is implemented.
"""

from __future__ import annotations

from typing import Any

from .cluster_view import ClusterView
from .server import Request, Response, Router

__all__ = ["make_router"]


def make_router(view: ClusterView, node: Any) -> Router:
    """The fts-port router of ``node``."""
    router = Router()

    async def ping(req: Request) -> Response:
        return Response.json({})

    async def not_implemented(req: Request) -> Response:
        return Response.json(
            {"status": "fail", "error": "search is not implemented by couchbase_mock yet"}, 500
        )

    router.add("GET", "/api/ping", ping, auth=False)
    router.add("POST", "/api/index/{index}/query", not_implemented)
    return router
