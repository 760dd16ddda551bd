"""The analytics (cbas, "8095") port of one node.

For now only the ping (``GET /admin/ping``); ``POST /query/service`` (the path
both clients use on this port) answers a fatal error until analytics exists.
"""

from __future__ import annotations

from typing import Any

from .cluster_view import ClusterView
from .server import Request, Response, Router

__all__ = ["make_router"]


def make_router(view: ClusterView, node: Any) -> Router:
    """The cbas-port router of ``node``."""
    router = Router()

    async def ping(req: Request) -> Response:
        return Response.json({})

    async def not_implemented(req: Request) -> Response:
        return Response.json(
            {
                "requestID": "00000000-0000-0000-0000-000000000000",
                "errors": [{"code": 25000, "msg": "analytics is not implemented by couchbase_mock yet"}],
                "status": "fatal",
            },
            500,
        )

    router.add("GET", "/admin/ping", ping, auth=False)
    router.add("POST", "/query/service", not_implemented)
    router.add("POST", "/analytics/service", not_implemented)
    return router
