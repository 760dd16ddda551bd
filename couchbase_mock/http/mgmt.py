"""The management (mgmt, "8091") port of one node.

Serves the REST endpoints clients use to bootstrap and to manage buckets:
``/pools``, ``/pools/default`` (also as ``/pools/nodes``), ``/pools/default/buckets[/<b>]`` (full bucket
objects with every key couchbase-cxx-client reads with ``at()``), the terse
``/pools/default/b/<b>``, ``/pools/default/nodeServices``, the collections
manifest ``/pools/default/buckets/<b>/scopes`` and the streaming configs
``/pools/default/bs/<b>``, ``/pools/default/bucketsStreaming/<b>`` and
``/poolsStreaming/default`` (chunked; each config followed by ``"\\n\\n\\n\\n"``;
a new one is pushed after every revision bump; the connection stays open).

``$HOST`` in configs is replaced with the host the client connected to.
"""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Callable, Dict, Optional

from . import admin
from .cluster_view import VERSION, ClusterView
from .server import Request, Response, Router, StreamResponse

__all__ = ["make_router", "bucket_object", "pools_default", "node_object"]

_DELIMITER = b"\n\n\n\n"
_NOT_FOUND = "Requested resource not found.\r\n"

# nodesExt service key -> management service name
_SERVICE_NAMES = {
    "kv": "kv",
    "n1ql": "n1ql",
    "fts": "fts",
    "cbas": "cbas",
    "indexAdmin": "index",
    "eventingAdminPort": "eventing",
    "backupAPI": "backup",
}


def _sub_host(text: str, host: str) -> str:
    return text.replace("$HOST", host)


def _node_host(ext: Dict[str, Any], host: str) -> str:
    name = ext.get("hostname") or host
    return host if name == "$HOST" else name


def node_object(
    ext: Dict[str, Any],
    position: int,
    host: str,
    this_mgmt_port: int,
    bucket: Optional[str] = None,
    bucket_uuid: str = "",
    version: str = VERSION,
    compatibility: int = 458758,
) -> Dict[str, Any]:
    """A management ``nodes[]`` entry built from one ``nodesExt`` entry."""
    services = ext.get("services", {})
    hostname = _node_host(ext, host)
    mgmt = services.get("mgmt", 8091)
    capi = services.get("capi")
    ports: Dict[str, Any] = {"distTCP": 21100, "distTLS": 21150}
    if "kv" in services:
        ports["direct"] = services["kv"]
    if "mgmtSSL" in services:
        ports["httpsMgmt"] = services["mgmtSSL"]
    if "capiSSL" in services:
        ports["httpsCAPI"] = services["capiSSL"]
    names = sorted({_SERVICE_NAMES[k] for k in services if k in _SERVICE_NAMES})
    obj: Dict[str, Any] = {
        "clusterMembership": "active",
        "recoveryType": "none",
        "status": "healthy",
        "otpNode": "n_%d@%s" % (position, hostname),
        "thisNode": mgmt == this_mgmt_port,
        "hostname": "%s:%d" % (hostname, mgmt),
        "nodeUUID": "%032x" % (0x5EED0000 + position),
        "clusterCompatibility": compatibility,  # 458758: 7.6
        "version": version,
        "os": "x86_64-unknown-linux-gnu",
        "cpuCount": 2,
        "ports": ports,
        "services": names,
        "nodeEncryption": False,
        "addressFamily": "inet",
        "configuredHostname": "%s:%d" % (hostname, mgmt),
        "serverGroup": ext.get("serverGroup", "Group 1"),
        "externalListeners": [{"afamily": "inet", "nodeEncryption": False}],
        "memoryTotal": 8 * 1024**3,
        "memoryFree": 4 * 1024**3,
        "mcdMemoryReserved": 6553,
        "mcdMemoryAllocated": 6553,
        "interestingStats": {},
        "uptime": "1000",
        "systemStats": {
            "cpu_utilization_rate": 1.0,
            "swap_total": 0,
            "swap_used": 0,
            "mem_total": 8 * 1024**3,
        },
    }
    if capi is not None:
        if bucket is None:
            obj["couchApiBase"] = "http://%s:%d/" % (hostname, capi)
        else:
            obj["couchApiBase"] = "http://%s:%d/%s%%2B%s" % (hostname, capi, bucket, bucket_uuid)
        if "capiSSL" in services:
            obj["couchApiBaseHTTPS"] = "https://%s:%d/%s" % (hostname, services["capiSSL"], bucket or "")
    if bucket is not None:
        obj["replication"] = 1
    return obj


def _bucket_type(config: Dict[str, Any], settings: Dict[str, Any]) -> str:
    if settings.get("bucket_type"):
        kind = str(settings["bucket_type"])
        return "membase" if kind == "couchbase" else kind
    if config.get("nodeLocator") == "ketama":
        return "memcached"
    if "couchapi" not in config.get("bucketCapabilities", []):
        return "ephemeral"
    return "membase"


def bucket_object(view: ClusterView, name: str, host: str, this_mgmt_port: int) -> Optional[Dict[str, Any]]:
    """The full management bucket object (a superset of the terse config), or None."""
    text = view.bucket_config_text(name)
    if text is None:
        return None
    config = json.loads(_sub_host(text, host))
    settings = view.bucket_settings(name)
    uuid = str(config.get("uuid") or settings.get("uuid") or "")
    btype = _bucket_type(config, settings)
    vbmap = config.get("vBucketServerMap") or {}
    replicas = int(settings.get("replicas", vbmap.get("numReplicas", 0)))
    quota = int(settings.get("ram_quota_mb", 100)) * 1024 * 1024
    base = "/pools/default/buckets/%s" % name
    controllers = {
        "compactAll": base + "/controller/compactBucket",
        "compactDB": base + "/controller/compactDatabases",
        "purgeDeletes": base + "/controller/unsafePurgeBucket",
        "startRecovery": base + "/controller/startRecovery",
    }
    if settings.get("flush_enabled", False):
        controllers["flush"] = base + "/controller/doFlush"
    nodes = [
        node_object(ext, i, host, this_mgmt_port, name, uuid, view.version, view.compatibility)
        for i, ext in enumerate(config.get("nodesExt", []))
    ]
    obj: Dict[str, Any] = dict(config)
    obj.update(
        {
            "name": name,
            "nodeLocator": config.get("nodeLocator", "vbucket"),
            "bucketType": btype,
            "storageBackend": settings.get("storage_backend", "couchstore"),
            "uuid": uuid,
            "uri": "%s?bucket_uuid=%s" % (base, uuid),
            "streamingUri": "/pools/default/bucketsStreaming/%s?bucket_uuid=%s" % (name, uuid),
            "localRandomKeyUri": base + "/localRandomKey",
            "controllers": controllers,
            "nodes": nodes,
            "stats": {
                "uri": base + "/stats",
                "directoryURI": base + "/stats/Directory",
                "nodeStatsListURI": base + "/nodes",
            },
            "ddocs": {"uri": base + "/ddocs"},
            "authType": "sasl",
            "autoCompactionSettings": False,
            "replicaIndex": bool(settings.get("replica_index", False)),
            "replicaNumber": replicas,
            "threadsNumber": 3,
            "quota": {"ram": quota * max(1, len(nodes)), "rawRAM": quota},
            "basicStats": {
                "quotaPercentUsed": 0.0,
                "opsPerSec": 0,
                "diskFetches": 0,
                "itemCount": int(settings.get("item_count", 0)),
                "diskUsed": 0,
                "dataUsed": 0,
                "memUsed": 0,
                "vbActiveNumNonResident": 0,
            },
            "evictionPolicy": settings.get(
                "eviction_policy", "noEviction" if btype == "ephemeral" else "valueOnly"
            ),
            "durabilityMinLevel": settings.get("durability_min_level", "none"),
            "conflictResolutionType": settings.get("conflict_resolution", "seqno"),
            "maxTTL": int(settings.get("max_ttl", 0)),
            "compressionMode": settings.get("compression_mode", "passive"),
            "bucketCapabilitiesVer": "",
            "numVBuckets": int(settings.get("numVBuckets", len(vbmap.get("vBucketMap", [])) or 1024)),
        }
    )
    if btype in ("ephemeral", "memcached"):
        del obj["storageBackend"]  # the server has no storage backend for buckets without disk
    elif obj["storageBackend"] == "magma":
        obj["historyRetentionCollectionDefault"] = bool(settings.get("history_default", True))
        obj["historyRetentionBytes"] = int(settings.get("history_bytes", 0))
        obj["historyRetentionSeconds"] = int(settings.get("history_seconds", 0))
    if btype == "memcached":
        obj.pop("vBucketServerMap", None)
    return obj


def pools_default(view: ClusterView, host: str, this_mgmt_port: int) -> Dict[str, Any]:
    """The ``/pools/default`` object (plus the global config's rev/nodesExt)."""
    config = json.loads(_sub_host(view.global_config_text(), host))
    uuid = view.uuid
    nodes = [node_object(ext, i, host, this_mgmt_port, version=view.version, compatibility=view.compatibility)
             for i, ext in enumerate(config.get("nodesExt", []))]
    obj: Dict[str, Any] = dict(config)
    obj.update(
        {
            "name": "default",
            "nodes": nodes,
            "buckets": {
                "uri": "/pools/default/buckets?v=%d&uuid=%s" % (int(config.get("rev", 1)), uuid),
                "terseBucketsBase": "/pools/default/b/",
                "terseStreamingBucketsBase": "/pools/default/bs/",
            },
            "remoteClusters": {"uri": "/pools/default/remoteClusters?uuid=" + uuid},
            "controllers": {"rebalance": {"uri": "/controller/rebalance?uuid=" + uuid}},
            "rebalanceStatus": "none",
            "rebalanceProgressUri": "/pools/default/rebalanceProgress",
            "stopRebalanceUri": "/controller/stopRebalance?uuid=" + uuid,
            "nodeStatusesUri": "/nodeStatuses",
            "clusterName": "",
            "balanced": True,
            "memoryQuota": 1024,
            "indexMemoryQuota": 512,
            "ftsMemoryQuota": 512,
            "cbasMemoryQuota": 1024,
            "eventingMemoryQuota": 256,
            "storageTotals": {
                "ram": {"total": 8 * 1024**3, "quotaTotal": 1024**3, "quotaUsed": 0, "used": 0},
                "hdd": {
                    "total": 100 * 1024**3,
                    "quotaTotal": 100 * 1024**3,
                    "used": 0,
                    "free": 100 * 1024**3,
                },
            },
        }
    )
    return obj


def pools(view: ClusterView, admin: bool) -> Dict[str, Any]:
    uuid = view.uuid
    return {
        "isAdminCreds": admin,
        "isROAdminCreds": False,
        "isEnterprise": True,
        "allowedServices": ["kv", "n1ql", "index", "fts", "cbas", "eventing", "backup"],
        "isDeveloperPreview": False,
        "packageVariant": "linux",
        "pools": [
            {
                "name": "default",
                "uri": "/pools/default?uuid=" + uuid,
                "streamingUri": "/poolsStreaming/default?uuid=" + uuid,
            }
        ],
        "settings": {
            "maxParallelIndexers": "/settings/maxParallelIndexers?uuid=" + uuid,
            "viewUpdateDaemon": "/settings/viewUpdateDaemon?uuid=" + uuid,
        },
        "uuid": uuid,
        "implementationVersion": view.version,
        "componentsVersion": {"ns_server": view.version, "kernel": "8.0", "stdlib": "3.17"},
    }


# ----------------------------------------------------------------------------- streaming


async def _config_stream(view: ClusterView, produce: Callable[[], Optional[str]]) -> AsyncIterator[bytes]:
    """Yield ``produce()`` now and again after each config change, until it returns None."""
    sub = view.subscribe()
    try:
        last: Optional[str] = None
        while True:
            text = produce()
            if text is None:
                return  # the bucket is gone: end the stream
            if text != last:
                last = text
                yield text.encode("utf-8") + _DELIMITER
            await sub.event.wait()
            sub.event.clear()
    finally:
        view.unsubscribe(sub)


def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


# ----------------------------------------------------------------------------- router


def make_router(view: ClusterView, node: Any) -> Router:
    """The mgmt-port router of ``node``."""
    router = Router()

    def this_port(req: Request) -> int:
        return int(req.local[1]) if isinstance(req.local, tuple) and len(req.local) > 1 else 0

    async def root(req: Request) -> Response:
        return Response(200, "<html><body>Couchbase Server (mock)</body></html>", content_type="text/html")

    async def get_pools(req: Request) -> Response:
        if req.user is not None:
            if req.cert_user is None and not view.check_credentials(req.user, req.password or ""):
                return Response(401, b"", {"WWW-Authenticate": 'Basic realm="Couchbase Server Admin / REST"'})
            return Response.json(pools(view, True))
        return Response.json(pools(view, False))

    async def get_versions(req: Request) -> Response:
        return Response.json({"implementationVersion": view.version,
                              "componentsVersion": {"ns_server": view.version}})

    async def get_pools_default(req: Request) -> Response:
        return Response.json(pools_default(view, req.host, this_port(req)))

    async def get_node_services(req: Request) -> Response:
        config = json.loads(_sub_host(view.global_config_text(), req.host))
        return Response.json({"rev": config.get("rev", 1), "nodesExt": config.get("nodesExt", [])})

    async def get_buckets(req: Request) -> Response:
        host, port = req.host, this_port(req)
        names = [name for name in view.bucket_names() if admin.bucket_read_denied(view, req, name) is None]
        objs = [bucket_object(view, name, host, port) for name in names]
        return Response.json([obj for obj in objs if obj is not None])

    async def get_bucket(req: Request) -> Response:
        if view.has_bucket(req.params["bucket"]):
            denied = admin.bucket_read_denied(view, req, req.params["bucket"])
            if denied:
                return denied
        obj = bucket_object(view, req.params["bucket"], req.host, this_port(req))
        if obj is None:
            return Response.text(_NOT_FOUND, 404)
        return Response.json(obj)

    async def get_terse_bucket(req: Request) -> Response:
        text = view.bucket_config_text(req.params["bucket"])
        if text is None:
            return Response.text(_NOT_FOUND, 404)
        return Response.json(_sub_host(text, req.host))

    async def get_scopes(req: Request) -> Response:
        if not view.has_bucket(req.params["bucket"]):
            return Response.text(_NOT_FOUND, 404)
        denied = admin.bucket_read_denied(view, req, req.params["bucket"])
        if denied:
            return denied
        return Response.json(view.collections_manifest(req.params["bucket"]))

    async def stream_terse(req: Request) -> Any:
        name, host = req.params["bucket"], req.host
        if not view.has_bucket(name):
            return Response.text(_NOT_FOUND, 404)

        def produce() -> Optional[str]:
            text = view.bucket_config_text(name)
            return None if text is None else _sub_host(text, host)

        return StreamResponse(_config_stream(view, produce))

    async def stream_full(req: Request) -> Any:
        name, host, port = req.params["bucket"], req.host, this_port(req)
        if not view.has_bucket(name):
            return Response.text(_NOT_FOUND, 404)

        def produce() -> Optional[str]:
            obj = bucket_object(view, name, host, port)
            return None if obj is None else _compact(obj)

        return StreamResponse(_config_stream(view, produce))

    async def stream_pools(req: Request) -> Any:
        if req.params["pool"] != "default":
            return Response.text(_NOT_FOUND, 404)
        host, port = req.host, this_port(req)
        return StreamResponse(_config_stream(view, lambda: _compact(pools_default(view, host, port))))

    router.add("GET", "/", root, auth=False)
    router.add("GET", "/pools", get_pools, auth=False)
    router.add("GET", "/versions", get_versions, auth=False)
    router.add("GET", "/pools/default", get_pools_default)
    router.add("GET", "/pools/nodes", get_pools_default)  # the same pool details, as a server answers
    router.add("GET", "/pools/default/nodeServices", get_node_services)
    router.add("GET", "/pools/default/buckets", get_buckets)
    router.add("GET", "/pools/default/buckets/{bucket}", get_bucket)
    router.add("GET", "/pools/default/b/{bucket}", get_terse_bucket)
    router.add("GET", "/pools/default/buckets/{bucket}/scopes", get_scopes)

    async def get_ddocs(req: Request) -> Response:
        from couchbase_mock.http.capi import views_refusal
        from couchbase_mock.views import ddocs_listing, views_of

        store = view.bucket_store(req.params["bucket"])
        if store is None:
            return Response.text(_NOT_FOUND, 404)
        refused = views_refusal(view, req, req.params["bucket"], "read")
        if refused is not None:
            return refused
        return Response.json(ddocs_listing(req.params["bucket"], views_of(store).ddocs))

    router.add("GET", "/pools/default/buckets/{bucket}/ddocs", get_ddocs)
    if hasattr(view.cluster, "directory"):
        admin.add_routes(router, view)
    router.add("GET", "/pools/default/bs/{bucket}", stream_terse)
    router.add("GET", "/pools/default/bucketsStreaming/{bucket}", stream_full)
    router.add("GET", "/poolsStreaming/{pool}", stream_pools)
    return router
