"""The query (n1ql, "8093") port of one node.

``POST|GET /query/service`` runs SQL++ statements over the mock's documents
(see :mod:`couchbase_mock.query`); ``GET /admin/ping`` answers the health
check that ``wait_until_ready()`` and ``ping()`` use. The query engine's state
(indexes, prepared statements) is shared by every node of the cluster.
"""

from __future__ import annotations

from typing import Any, Union

from couchbase_mock.query.service import handle

from .cluster_view import ClusterView
from .server import Request, Response, Router, StreamResponse

__all__ = ["make_router"]


def make_router(view: ClusterView, node: Any) -> Router:
    """The n1ql-port router of ``node``."""
    router = Router()

    async def ping(req: Request) -> Response:
        return Response.json({})

    async def query(req: Request) -> Union[Response, StreamResponse]:
        return await handle(req, view.cluster)

    router.add("GET", "/admin/ping", ping, auth=False)
    router.add("POST", "/query/service", query)
    router.add("GET", "/query/service", query)
    return router
