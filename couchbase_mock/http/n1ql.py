"""The query (n1ql, "8093") port of one node.

For now only the ping (``GET /admin/ping``) that ``wait_until_ready()`` and
``ping()`` use; ``POST /query/service`` answers a fatal N1QL error until the
query service is implemented.
"""

from __future__ import annotations

from typing import Any

from .cluster_view import ClusterView
from .server import Request, Response, Router

__all__ = ["make_router"]


def make_router(view: ClusterView, node: Any) -> Router:
    """The n1ql-port router of ``node``."""
    router = Router()

    async def ping(req: Request) -> Response:
        return Response.json({})

    async def not_implemented(req: Request) -> Response:
        return Response.json(
            {
                "requestID": "00000000-0000-0000-0000-000000000000",
                "errors": [
                    {"code": 5000, "msg": "the query service is not implemented by couchbase_mock yet"}
                ],
                "status": "fatal",
                "metrics": {"elapsedTime": "0s", "executionTime": "0s", "resultCount": 0, "resultSize": 0},
            },
            500,
        )

    router.add("GET", "/admin/ping", ping, auth=False)
    router.add("POST", "/query/service", not_implemented)
    router.add("GET", "/query/service", not_implemented)
    return router
