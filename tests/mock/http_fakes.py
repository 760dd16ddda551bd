"""Test doubles and helpers for the HTTP tests: a tiny cluster model, an event-loop thread, and
basic-auth requests to a mock's service ports.

``FakeCluster`` implements exactly the interface ``couchbase_mock.http`` relies on
(see ``couchbase_mock/http/cluster_view.py``), so the HTTP servers can be tested
without the KV side.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Tuple

USER, PASSWORD = "Administrator", "password"


def auth_header(user: str = USER, password: str = PASSWORD) -> Dict[str, str]:
    token = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return {"Authorization": "Basic " + token}


def request(port: int, method: str, path: str, body: Optional[bytes] = None, *, user: str = USER,
            password: str = PASSWORD, content_type: str = "application/json") -> Tuple[int, Any]:
    """One HTTP request with basic auth to ``127.0.0.1:port``; an error status is returned, not raised.

    Returns ``(status, body)``: the body decoded from JSON, None when empty, else its bytes.
    """
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method,
                                 headers={**auth_header(user, password), "Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    if not raw:
        return status, None
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def service_request(mock: Any, service: str, method: str, path: str, body: Any = None, *,
                    user: Optional[str] = None, password: str = "", form: bool = False) -> Tuple[int, Any]:
    """:func:`request` to node 0's ``service`` port (``"mgmt"``, ``"fts"``, ``"capi"``…) of a
    ``MockCluster``, as ``user``/``password`` or, without a user, as the cluster's administrator.
    ``body`` is sent JSON-encoded, or as it is (bytes of a form) with ``form=True``.
    """
    port = mock.pinned_ports()[f"node0.{service}"]
    data = body if form or body is None else json.dumps(body).encode()
    who, secret = (user, password) if user else (mock.username, mock.password)
    return request(port, method, path, data, user=who, password=secret,
                   content_type="application/x-www-form-urlencoded" if form else "application/json")


class LoopThread:
    """An asyncio loop running in a daemon thread; ``run(coro)`` blocks for the result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="http-test-loop", daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, func: Callable[[], Any]) -> Any:
        async def wrapper() -> Any:
            return func()

        return self.run(wrapper())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class FakeNode:
    def __init__(self, index: int, kv_port: int) -> None:
        self.index = index
        self.host = "127.0.0.1"
        self.kv_port = kv_port
        self.mgmt_port = 0
        self.capi_port = 0
        self.n1ql_port = 0
        self.fts_port = 0
        self.cbas_port = 0
        self.running = True


class FakeControl:
    def __init__(self, cluster: "FakeCluster") -> None:
        self._cluster = cluster

    def bump(self) -> int:
        """Bump the config revision."""
        return self._cluster.bump()

    def failover(self, idx: int, bucket: Optional[str] = None, rebalance: bool = True) -> Dict[str, Any]:
        if not 0 <= idx < len(self._cluster.nodes):
            raise ValueError("no node with index %d" % idx)
        self._cluster.live = [n for n in self._cluster.live if n.index != idx]
        self._cluster.bump()
        return {"idx": idx, "bucket": bucket, "rebalance": rebalance}

    async def slow_echo(self, value: Any, delay: float = 0.0) -> Any:
        await asyncio.sleep(delay)
        return value

    def boom(self) -> None:
        raise RuntimeError("kaboom")

    def lookup(self, key: str) -> str:
        return {"a": "A"}[key]


class FakeCluster:
    """Config model: every node live, vbucket i -> node i % n, one replica."""

    def __init__(
        self,
        nodes: int = 2,
        buckets: Optional[List[str]] = None,
        vbuckets: int = 64,
        replicas: int = 1,
        kv_base: int = 1,
        dollar_host: bool = False,
    ) -> None:
        self.nodes = [FakeNode(i, kv_base + i) for i in range(nodes)]
        self.live = list(self.nodes)
        self.buckets = {name: {"uuid": "%032x" % (i + 1)} for i, name in enumerate(buckets or ["default"])}
        self.vbuckets = vbuckets
        self.replicas = replicas
        self.rev = 1
        self.dollar_host = dollar_host
        self.listeners: List[Callable[[], None]] = []
        self.control = FakeControl(self)
        self.uuid = "c0ffee00c0ffee00c0ffee00c0ffee00"

    # ---- the interface couchbase_mock.http uses
    def check_credentials(self, user: str, password: str) -> bool:
        return (user, password) == (USER, PASSWORD)

    def bucket_names(self) -> List[str]:
        return list(self.buckets)

    def _nodes_ext(self) -> List[Dict[str, Any]]:
        out = []
        for node in self.live:
            services = {
                "kv": node.kv_port,
                "mgmt": node.mgmt_port,
                "capi": node.capi_port,
                "n1ql": node.n1ql_port,
                "fts": node.fts_port,
                "cbas": node.cbas_port,
            }
            out.append({"hostname": "$HOST" if self.dollar_host else node.host, "services": services})
        return out

    def bucket_config_json(self, bucket: str) -> str:
        if bucket not in self.buckets:
            raise KeyError(bucket)
        n = len(self.live)
        vbmap = [
            [(vb + r) % n if r < n else -1 for r in range(self.replicas + 1)] for vb in range(self.vbuckets)
        ]
        config = {
            "rev": self.rev,
            "revEpoch": 1,
            "name": bucket,
            "uuid": self.buckets[bucket]["uuid"],
            "nodeLocator": "vbucket",
            "bucketCapabilities": [
                "couchapi",
                "collections",
                "durableWrite",
                "tombstonedUserXAttrs",
                "dcp",
                "cbhello",
                "touch",
                "cccp",
                "xdcrCheckpointing",
                "nodesExt",
                "xattr",
            ],
            "collectionsManifestUid": "0",
            "clusterCapabilitiesVer": [1, 0],
            "clusterCapabilities": {"n1ql": ["enhancedPreparedStatements"]},
            "nodesExt": self._nodes_ext(),
            "vBucketServerMap": {
                "hashAlgorithm": "CRC",
                "numReplicas": self.replicas,
                "serverList": ["%s:%d" % (nd.host, nd.kv_port) for nd in self.live],
                "vBucketMap": vbmap,
            },
        }
        return json.dumps(config)

    def global_config_json(self) -> str:
        return json.dumps(
            {
                "rev": self.rev,
                "revEpoch": 1,
                "nodesExt": self._nodes_ext(),
                "clusterCapabilitiesVer": [1, 0],
                "clusterCapabilities": {"n1ql": ["enhancedPreparedStatements"]},
            }
        )

    def add_config_listener(self, cb: Callable[[], None]) -> None:
        self.listeners.append(cb)

    def remove_config_listener(self, cb: Callable[[], None]) -> None:
        self.listeners.remove(cb)

    # ---- test helpers
    def bump(self) -> int:
        self.rev += 1
        for cb in list(self.listeners):
            cb()
        return self.rev
