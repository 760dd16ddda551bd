"""The cluster model: nodes, buckets, vBucket maps and the cluster map JSON.

One :class:`Cluster` lives on the mock's event loop. Topology changes
(stopping a node, failing it over, silent vBucket moves) rebuild the map and
bump ``rev`` so clients always see a newer configuration (NOT_MY_VBUCKET
replies carry it, GET_CLUSTER_CONFIG returns it, HTTP streams push it).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import re
import uuid
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from couchbase_mock.client_cert import ClientCertAuth
from couchbase_mock.rbac import Directory
from couchbase_mock.store import BucketStore, Clock

HOST = "127.0.0.1"
#: The version a mock cluster reports unless told otherwise (``MockCluster(server_version=...)``).
DEFAULT_SERVER_VERSION = "7.6.2-3721-enterprise"


def version_tuple(version: str) -> Tuple[int, int, int]:
    """``"7.6.2-3721-enterprise"`` as (7, 6, 2); ValueError when it does not start with a dotted version."""
    found = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version) if isinstance(version, str) else None
    if found is None:
        raise ValueError(f"server_version must look like '7.6.2' (optionally '-build-edition'), "
                         f"got {version!r}")
    return int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)


class Node:
    """One cluster node: its ports, listeners and open KV connections."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.host = HOST
        self.kv_port = 0
        self.mgmt_port = self.capi_port = self.n1ql_port = self.fts_port = self.cbas_port = 0
        self.eventing_port = 0
        self.running = False
        self.hung = False
        self.failed_over = False
        self.paused_until = 0.0
        self.latency = 0.0
        self.server: Optional[asyncio.AbstractServer] = None
        self.tls_server: Optional[asyncio.AbstractServer] = None
        self.kv_ssl_port = 0
        self.connections: Set[Any] = set()
        self.server_group = "Group 1"  # the server group the node is in (7.6 configs say so)

    def __repr__(self) -> str:
        return f"Node({self.index}, kv={self.kv_port}, running={self.running})"


class Bucket:
    """A bucket's store and its vBucket map over the active node list."""

    def __init__(self, name: str, replicas: int, num_vbuckets: int, clock: Clock) -> None:
        self.name = name
        self.replicas = replicas
        self.num_vbuckets = num_vbuckets
        self.store = BucketStore(name, num_vbuckets, clock)
        self.uuid = uuid.uuid4().hex
        # vb -> [node index of active, replica1, ...] (indexes into Cluster.nodes; -1 = none)
        self.vbmap: List[List[int]] = []
        # management settings (REST names), as created or last edited
        self.settings: Dict[str, Any] = {}


class Cluster:
    """Nodes and buckets; everything here runs on the mock's loop thread."""

    def __init__(self, nodes: int, replicas: int, buckets: List[str], num_vbuckets: int, username: str,
                 password: str) -> None:
        if not 1 <= nodes <= 16:
            raise ValueError(f"nodes must be 1..16, got {nodes}")
        if not 0 <= replicas <= 3:
            raise ValueError(f"replicas must be 0..3, got {replicas}")
        if num_vbuckets < 1 or num_vbuckets > 1024:
            raise ValueError(f"vbuckets must be 1..1024, got {num_vbuckets}")
        if not buckets:
            raise ValueError("at least one bucket is needed")
        self.clock = Clock()
        self.nodes = [Node(i) for i in range(nodes)]
        self.username = username
        self.password = password
        self.extra_users: Dict[str, str] = {}
        self.directory = Directory(username, password, self.extra_users)
        self.num_vbuckets = num_vbuckets
        self.rev = 1
        self.buckets: Dict[str, Bucket] = {b: Bucket(b, replicas, num_vbuckets, self.clock) for b in buckets}
        self._listeners: List[Callable[[], None]] = []
        self.control: Any = None
        self.uuid = uuid.uuid4().hex
        self.ops = 0
        self.opcodes: Dict[int, int] = {}  # KV opcode -> requests dispatched (as counted in ``ops``)
        self.injected: List[Dict[str, Any]] = []
        self.chaos: List[Dict[str, Any]] = []
        self.auth_mechanisms: Dict[str, int] = {}  # SASL mechanism -> times clients started it
        self.auth_failures = 0  # credentials rejected (SASL on KV, Basic auth on HTTP)
        self.protocol_errors = 0  # KV frames with an invalid magic (the connection was dropped)
        self.replication_lag = 0.0  # seconds before a mutation counts as replicated
        self.persistence_lag = 0.0  # ... and as persisted
        # Server 7.5+: sub-document lookups may read a replica (the ReplicaRead doc flag), and
        # bucket configurations say so ("subdoc.ReplicaRead"). Off: answered as a 7.0 server does.
        self.subdoc_replica_read = True
        # The Couchbase Server version the cluster reports (REST, stats); it decides the
        # clusterCapabilities of the configurations and what the search service accepts.
        self.server_version = DEFAULT_SERVER_VERSION
        self.server_ssl_context: Any = None  # set for TLS ports (also read by the HTTP side)
        self.client_cert_auth = ClientCertAuth()  # /settings/clientCertAuth
        self.rebalance()

    # ---- credentials -------------------------------------------------------
    def password_of(self, user: str) -> Any:
        """The password of ``user``: the administrator, an RBAC user created over REST, or a
        bucket-named user added with ``add_user`` (how 1.x clients authenticate: the bucket name
        and its password)."""
        return self.directory.password_of(user)

    def check_credentials(self, user: str, password: str) -> bool:
        ok = self.directory.check(user, password)
        if not ok:
            self.auth_failures += 1
        return ok

    # ---- buckets -------------------------------------------------------------
    def add_bucket(self, name: str, replicas: int, settings: Dict[str, Any]) -> Bucket:
        """Create a bucket, place its vBuckets and push the new config (usable over KV at once)."""
        bucket = Bucket(name, replicas, self.num_vbuckets, self.clock)
        bucket.settings = dict(settings)
        self.buckets[name] = bucket
        self.rebalance()
        return bucket

    def remove_bucket(self, name: str) -> None:
        """Delete a bucket: connections that selected it are closed, the config is pushed."""
        bucket = self.buckets.pop(name)
        for node in self.nodes:
            for conn in list(node.connections):
                if getattr(conn, "bucket", None) is bucket:
                    conn.close()
        self.bump()

    def drop_user_connections(self, user: str) -> None:
        """The server closes a deleted user's KV connections."""
        for node in self.nodes:
            for conn in list(node.connections):
                if getattr(conn, "user", None) == user:
                    conn.close()

    # ---- topology ------------------------------------------------------------
    def active_nodes(self) -> List[Node]:
        """Nodes in the map (not failed over), in map order."""
        return [n for n in self.nodes if n.running or n.hung]

    def rebalance(self) -> None:
        """Recompute every map over the active nodes and bump the revision."""
        active = [n.index for n in self.nodes if not n.failed_over]
        for bucket in self.buckets.values():
            reps = min(bucket.replicas, max(0, len(active) - 1))
            bucket.vbmap = [
                [active[(vb + r) % len(active)] if active else -1 for r in range(reps + 1)]
                + [-1] * (bucket.replicas - reps)
                for vb in range(bucket.num_vbuckets)
            ]
        self.bump()

    def fail_over(self, index: int) -> None:
        """Drop a node from every map, promoting the first replica where it was active."""
        node = self.nodes[index]
        node.failed_over = True
        for bucket in self.buckets.values():
            for row in bucket.vbmap:
                if index in row:
                    rest = [x for x in row if x != index and x >= 0]
                    row[:] = rest + [-1] * (len(row) - len(rest))
                    if row[0] < 0:
                        alive = [n.index for n in self.nodes if not n.failed_over]
                        row[0] = alive[0] if alive else -1
        self.bump()

    def move_silently(self) -> None:
        """Shift every vBucket to the next node without telling clients (they learn via NMVB)."""
        alive = [n.index for n in self.nodes if not n.failed_over]
        for bucket in self.buckets.values():
            for row in bucket.vbmap:
                row[:] = [alive[(alive.index(x) + 1) % len(alive)] if x >= 0 else -1 for x in row]
        self.rev += 1  # no listener notification: that is the point

    def bump(self) -> None:
        self.rev += 1
        for cb in list(self._listeners):
            try:
                cb()
            except Exception:  # noqa: BLE001 - a listener must not break topology changes
                pass

    def add_config_listener(self, cb: Callable[[], None]) -> None:
        self._listeners.append(cb)

    def remove_config_listener(self, cb: Callable[[], None]) -> None:
        if cb in self._listeners:
            self._listeners.remove(cb)

    # ---- config JSON -----------------------------------------------------------
    def _map_nodes(self) -> List[Node]:
        return [n for n in self.nodes if not n.failed_over]

    def _nodes_ext(self, nodes: List[Node]) -> List[Dict[str, Any]]:
        out = []
        for n in nodes:
            services = {"kv": n.kv_port, "mgmt": n.mgmt_port, "capi": n.capi_port, "n1ql": n.n1ql_port,
                        "fts": n.fts_port, "cbas": n.cbas_port, "kvSSL": n.kv_ssl_port,
                        "eventingAdminPort": n.eventing_port}
            for svc in ("mgmt", "capi", "n1ql", "fts", "cbas"):
                services[svc + "SSL"] = getattr(n, svc + "_ssl_port", 0)
            services["eventingSSL"] = getattr(n, "eventing_ssl_port", 0)
            out.append({"hostname": n.host, "services": {k: v for k, v in services.items() if v},
                        "thisNode": False, "serverGroup": n.server_group})
        return out

    def bucket_config(self, name: str) -> Dict[str, Any]:
        bucket = self.buckets[name]
        nodes = self._map_nodes()
        position = {n.index: i for i, n in enumerate(nodes)}
        vbmap = [[position.get(x, -1) if x >= 0 else -1 for x in row] for row in bucket.vbmap]
        return {
            "rev": self.rev, "revEpoch": 1, "name": name, "uuid": bucket.uuid, "nodeLocator": "vbucket",
            "bucketCapabilitiesVer": "",
            "bucketCapabilities": ["couchapi", "collections", "durableWrite", "tombstonedUserXAttrs", "dcp",
                                   "cbhello", "touch", "cccp", "xdcrCheckpointing", "nodesExt", "xattr"]
                                  + (["subdoc.ReplicaRead"] if self.subdoc_replica_read else []),
            "collectionsManifestUid": f"{bucket.store.manifest.uid:x}",
            "clusterCapabilitiesVer": [1, 0],
            "clusterCapabilities": self.cluster_capabilities(),
            "nodes": [{"hostname": f"{n.host}:{n.mgmt_port}", "ports": {"direct": n.kv_port},
                       "couchApiBase": f"http://{n.host}:{n.capi_port}/{name}"} for n in nodes],
            "nodesExt": self._nodes_ext(nodes),
            "vBucketServerMap": {"hashAlgorithm": "CRC", "numReplicas": bucket.replicas,
                                 "serverList": [f"{n.host}:{n.kv_port}" for n in nodes], "vBucketMap": vbmap},
        }

    def bucket_config_json(self, name: str) -> str:
        return json.dumps(self.bucket_config(name), separators=(",", ":"))

    def global_config_json(self) -> str:
        return json.dumps({"rev": self.rev, "revEpoch": 1, "nodesExt": self._nodes_ext(self._map_nodes()),
                           "clusterCapabilitiesVer": [1, 0],
                           "clusterCapabilities": self.cluster_capabilities()},
                          separators=(",", ":"))

    def version(self) -> Tuple[int, int, int]:
        """``server_version`` as (major, minor, patch)."""
        return version_tuple(self.server_version)

    def cluster_capabilities(self) -> Dict[str, List[str]]:
        """The configurations' ``clusterCapabilities``: Server 7.6 added the search service's
        ``vectorSearch`` and ``scopedSearchIndex`` (clients refuse those features without them)."""
        caps: Dict[str, List[str]] = {"n1ql": ["enhancedPreparedStatements"]}
        if self.version() >= (7, 6, 0):
            caps["search"] = ["vectorSearch", "scopedSearchIndex"]
        return caps

    def bucket_names(self) -> List[str]:
        return list(self.buckets)

    def collections_manifest_json(self, bucket: str) -> str:
        return self.buckets[bucket].store.manifest.as_json()

    def bucket_settings(self, bucket: str) -> Dict[str, Any]:
        """Settings for the management bucket object (keys of ClusterView.bucket_settings)."""
        b = self.buckets[bucket]
        out: Dict[str, Any] = {"replicas": b.replicas, "numVBuckets": b.num_vbuckets, "ram_quota_mb": 100,
                               "flush_enabled": False, "item_count": len(b.store.docs)}
        out.update(b.settings)
        return out

    def take_injected(self, opcode: int, key: bytes, node: int) -> Optional[int]:
        """The status to answer instead of handling, when an injected error rule matches."""
        for rule in self.injected:
            if rule["count"] > 0 and _injected_matches(rule, opcode, key, node):
                rule["count"] -= 1
                if rule["count"] == 0:
                    self.injected.remove(rule)
                return int(rule["status"])
        return None

    def take_chaos(self, node: int) -> Optional[str]:
        """``truncate``/``corrupt`` when a chaos rule for this node still has a count left."""
        for rule in self.chaos:
            if rule["count"] > 0 and rule.get("node") in (None, node):
                rule["count"] -= 1
                if rule["count"] == 0:
                    self.chaos.remove(rule)
                return str(rule["mode"])
        return None


def scram_salt(password: str, mech: str) -> bytes:
    """A stable per-password salt (the mock has one user)."""
    return hashlib.sha256(("couchbase-mock:" + mech + password).encode()).digest()[:16]


def _injected_matches(rule: Dict[str, Any], opcode: int, key: bytes, node: int) -> bool:
    return ((rule.get("opcode") is None or rule["opcode"] == opcode)
            and (rule.get("node") is None or rule["node"] == node)
            and (rule.get("key") is None or key.endswith(rule["key"])))
