"""Start and stop the HTTP ports of one node (mgmt, capi, n1ql, fts, cbas, eventing).

Each service is its own module with a ``make_router(view, node)``; this module
binds one :class:`~couchbase_mock.http.server.HTTPServer` per service on the
node's port for it (or a free port, written back to the node before returning).
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Dict, List

from . import capi, cbas, eventing, fts, mgmt, n1ql
from .cluster_view import ClusterView, view_for
from .server import HTTPServer, Router, start_http_server

__all__ = ["start_node_http", "stop_node_http", "set_node_http_hung", "node_http_servers", "SERVICE_ROUTERS"]

# service name -> router factory; the order is the bind order.
SERVICE_ROUTERS: Dict[str, Callable[[ClusterView, Any], Router]] = {
    "mgmt": mgmt.make_router,
    "capi": capi.make_router,
    "n1ql": n1ql.make_router,
    "fts": fts.make_router,
    "cbas": cbas.make_router,
    "eventing": eventing.make_router,
}

# id(node) -> its running servers (nodes need not be hashable or weak-referenceable)
_running: Dict[int, List[HTTPServer]] = {}


async def start_node_http(cluster: Any, node: Any) -> List[asyncio.AbstractServer]:
    """Bind every HTTP service of ``node`` and return the listening servers.

    A service whose port attribute (``node.mgmt_port`` etc.) is non-zero is bound
    there; otherwise a free port is chosen and stored in that attribute.  When the
    cluster has a TLS context the HTTPS ports (``node.mgmt_ssl_port`` etc.) are
    bound the same way.
    """
    if id(node) in _running:
        raise RuntimeError("HTTP services of node %r are already running" % (node,))
    view = view_for(cluster)
    host = view.node_host(node)
    context = view.ssl_context()
    started: List[HTTPServer] = []
    try:
        for tls in (False, True) if context is not None else (False,):
            for service, make_router in SERVICE_ROUTERS.items():
                server = await start_http_server(
                    make_router(view, node),
                    host,
                    view.get_port(node, service, tls),
                    view.check_credentials,
                    name="node%d-%s%s" % (view.node_index(node), service, "SSL" if tls else ""),
                    ssl=context if tls else None,
                    identify=_identify(cluster) if tls else None,
                )
                started.append(server)
                view.set_port(node, service, server.port, tls)
    except BaseException:
        for server in started:
            server.close()
        raise
    _running[id(node)] = started
    return [server.server for server in started if server.server is not None]


def _identify(cluster: Any) -> Any:
    settings = getattr(cluster, "client_cert_auth", None)
    if settings is None:
        return None

    def identify(transport: Any) -> Any:
        presented, name = settings.identify(transport)
        if presented and (name is None or not cluster.directory.exists(name)):
            cluster.auth_failures += 1
            return True, None
        return presented, name

    return identify


async def stop_node_http(node: Any) -> None:
    """Close the node's HTTP ports and abort their connections (streams included)."""
    servers = _running.pop(id(node), [])
    for server in servers:
        server.close()
    for server in servers:
        await server.wait_closed()


def set_node_http_hung(node: Any, hung: bool) -> None:
    """Make the node's HTTP ports read requests without ever answering (or undo it)."""
    for server in _running.get(id(node), []):
        server.hung = hung


def node_http_servers(node: Any) -> Dict[str, HTTPServer]:
    """The running servers of ``node`` by name (``mgmt``, ..., ``mgmtSSL``, ...)."""
    names = list(SERVICE_ROUTERS) + [name + "SSL" for name in SERVICE_ROUTERS]
    return dict(zip(names, _running.get(id(node), [])))
