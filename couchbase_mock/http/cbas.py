"""The analytics (cbas, "8095") port of one node.

``POST /query/service`` (the path both clients use on this port) and
``POST /analytics/service`` run SQL++ queries through the same engine as the
query service, in analytics mode: datasets are buckets (``FROM b`` or
```Default`.`b```), no index is needed, DML is refused, and responses carry
``plans`` and ``metrics.processedObjects``; analytics DDL (dataverses, datasets,
indexes, links) is kept by :mod:`couchbase_mock.query.analytics_ddl`.
``GET /analytics/node/agg/stats/remaining`` reports pending mutations,
``GET /admin/ping`` is the health check and ``/analytics/link`` manages remote links
(:mod:`couchbase_mock.http.cbas_links`).
"""

from __future__ import annotations

from typing import Any, Union

from couchbase_mock.query.service import handle, service_for

from . import cbas_links
from .cluster_view import ClusterView
from .server import Request, Response, Router, StreamResponse

__all__ = ["make_router"]


def make_router(view: ClusterView, node: Any) -> Router:
    """The cbas-port router of ``node``."""
    router = Router()

    async def ping(req: Request) -> Response:
        return Response.json({})

    async def query(req: Request) -> Union[Response, StreamResponse]:
        return await handle(req, view.cluster, analytics=True)

    async def pending(req: Request) -> Response:
        """Mutations not yet ingested, per dataverse and dataset (the mock ingests at once: 0); a
        multi-part dataverse is named with dots here, as the service displays it."""
        catalog = service_for(view.cluster).analytics_catalog
        out: dict = {}
        for (dataverse, dataset) in catalog.datasets:
            out.setdefault(dataverse.replace("/", "."), {})[dataset] = 0
        return Response.json(out)

    router.add("GET", "/analytics/node/agg/stats/remaining", pending)
    router.add("GET", "/admin/ping", ping, auth=False)
    router.add("POST", "/query/service", query)
    router.add("POST", "/analytics/service", query)
    cbas_links.add_routes(router, view)
    return router
