"""The one place where the HTTP side touches the cluster model.

Every HTTP module talks to a :class:`ClusterView`, never to the cluster object
directly, so a rename in the cluster model is a one-line change here.  What the
view needs from the cluster (the contract with ``couchbase_mock.cluster``):

* ``check_credentials(user, password) -> bool``
* ``bucket_names() -> list[str]``
* ``bucket_config_json(bucket) -> str`` (terse config, as GET_CLUSTER_CONFIG
  returns it; may raise KeyError or return None for an unknown bucket)
* ``global_config_json() -> str``
* ``add_config_listener(cb)`` / ``remove_config_listener(cb)``: ``cb()`` is called
  after each config revision bump (from any thread; the view hops to its loop)
* ``nodes``: objects with ``index``, ``host`` (optional, default 127.0.0.1),
  ``<service>_port`` attributes and ``running``
* ``control``: the object behind the HTTP control port

Optional TLS: a ``server_ssl_context`` (or ``ssl_context``/``tls_context``)
attribute or method giving an ``ssl.SSLContext`` makes each node also serve
HTTPS on ``<service>_ssl_port`` (advertise them as ``mgmtSSL``, ``capiSSL``, ...).

Optional, used when present: ``bucket_settings(bucket) -> dict`` (keys as in
:meth:`ClusterView.bucket_settings`), ``collections_manifest_json(bucket)`` (or
``collections_manifest(bucket)``), ``uuid``.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import weakref
from typing import Any, Dict, List, Optional, Set

__all__ = ["DEFAULT_HOST", "SERVICES", "TLS_SERVICES", "VERSION", "ClusterView", "view_for"]

DEFAULT_HOST = "127.0.0.1"
VERSION = "7.6.2-3721-enterprise"  # the default; a cluster's own is ``ClusterView.version``

# HTTP service name -> node attribute holding its port.
SERVICES = {
    "mgmt": "mgmt_port",
    "capi": "capi_port",
    "n1ql": "n1ql_port",
    "fts": "fts_port",
    "cbas": "cbas_port",
    "eventing": "eventing_port",
}

# HTTPS variants, bound only when the cluster has a server TLS context.
TLS_SERVICES = {
    "mgmt": "mgmt_ssl_port",
    "capi": "capi_ssl_port",
    "n1ql": "n1ql_ssl_port",
    "fts": "fts_ssl_port",
    "cbas": "cbas_ssl_port",
    "eventing": "eventing_ssl_port",
}

_DEFAULT_MANIFEST = {
    "uid": "0",
    "scopes": [
        {"name": "_default", "uid": "0", "collections": [{"name": "_default", "uid": "0", "maxTTL": 0}]}
    ],
}


class _Subscription:
    """A stream's wake-up flag: set whenever the cluster config may have changed."""

    __slots__ = ("event",)

    def __init__(self) -> None:
        self.event = asyncio.Event()


class ClusterView:
    """Adapter over the cluster model for the HTTP servers (one per cluster)."""

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self._subs: Set[_Subscription] = set()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._listening = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ auth
    @property
    def version(self) -> str:
        """The server version the cluster reports (``Cluster.server_version``)."""
        return str(getattr(self.cluster, "server_version", VERSION))

    @property
    def compatibility(self) -> int:
        """``clusterCompatibility`` of the version: major * 0x10000 + minor."""
        parts = (self.version.split("-")[0].split(".") + ["0", "0"])[:2]
        return int(parts[0]) * 0x10000 + int(parts[1])

    def check_credentials(self, user: str, password: str) -> bool:
        return bool(self.cluster.check_credentials(user, password))

    # ------------------------------------------------------------------ buckets
    def bucket_names(self) -> List[str]:
        return list(self.cluster.bucket_names())

    def has_bucket(self, name: str) -> bool:
        return name in self.bucket_names()

    def bucket_config_text(self, name: str) -> Optional[str]:
        """The terse bucket config JSON, or None if there is no such bucket."""
        if not self.has_bucket(name):
            return None
        try:
            text = self.cluster.bucket_config_json(name)
        except KeyError:
            return None
        if text is None:
            return None
        return text.decode("utf-8") if isinstance(text, bytes) else str(text)

    def bucket_config(self, name: str) -> Optional[Dict[str, Any]]:
        text = self.bucket_config_text(name)
        return None if text is None else json.loads(text)

    def global_config_text(self) -> str:
        text = self.cluster.global_config_json()
        return text.decode("utf-8") if isinstance(text, bytes) else str(text)

    def global_config(self) -> Dict[str, Any]:
        config: Dict[str, Any] = json.loads(self.global_config_text())
        return config

    def bucket_store(self, name: str) -> Optional[Any]:
        """The document store of a bucket (``cluster.buckets[name].store``), or None."""
        bucket = getattr(self.cluster, "buckets", {}).get(name)
        return getattr(bucket, "store", None)

    def bucket_settings(self, name: str) -> Dict[str, Any]:
        """Management settings of a bucket, with defaults for what the model lacks.

        Keys: ``ram_quota_mb``, ``bucket_type`` (couchbase/memcached/ephemeral),
        ``flush_enabled``, ``eviction_policy``, ``max_ttl``, ``compression_mode``,
        ``durability_min_level``, ``storage_backend``, ``conflict_resolution``,
        ``replica_index``, ``item_count``.
        """
        getter = getattr(self.cluster, "bucket_settings", None)
        settings: Dict[str, Any] = {}
        if getter is not None:
            try:
                settings = dict(getter(name) or {})
            except KeyError:
                settings = {}
        return settings

    def collections_manifest(self, name: str) -> Dict[str, Any]:
        for attr in ("collections_manifest_json", "collections_manifest", "manifest_json"):
            getter = getattr(self.cluster, attr, None)
            if getter is None:
                continue
            value = getter(name)
            if isinstance(value, (bytes, str)):
                value = json.loads(value)
            if isinstance(value, dict):
                return value
        manifest: Dict[str, Any] = json.loads(json.dumps(_DEFAULT_MANIFEST))  # a fresh deep copy
        return manifest

    @property
    def uuid(self) -> str:
        value = getattr(self.cluster, "uuid", None)
        return str(value) if value else "8f3e6d1a0b2c4d5e9f7a6b5c4d3e2f1a"

    # ------------------------------------------------------------------ nodes
    def nodes(self) -> List[Any]:
        return list(self.cluster.nodes)

    @staticmethod
    def node_host(node: Any) -> str:
        return str(getattr(node, "host", None) or DEFAULT_HOST)

    @staticmethod
    def node_index(node: Any) -> int:
        return int(getattr(node, "index", 0))

    @staticmethod
    def get_port(node: Any, service: str, tls: bool = False) -> int:
        return int(getattr(node, (TLS_SERVICES if tls else SERVICES)[service], 0) or 0)

    @staticmethod
    def set_port(node: Any, service: str, port: int, tls: bool = False) -> None:
        setattr(node, (TLS_SERVICES if tls else SERVICES)[service], port)

    def ssl_context(self) -> Optional[ssl.SSLContext]:
        """The server-side TLS context, or None when the cluster has no TLS."""
        for attr in ("server_ssl_context", "ssl_context", "tls_context"):
            value = getattr(self.cluster, attr, None)
            if callable(value) and not isinstance(value, ssl.SSLContext):
                value = value()
            if isinstance(value, ssl.SSLContext):
                return value
        return None

    def node_by_mgmt_port(self, port: int) -> Optional[Any]:
        for node in self.nodes():
            if self.get_port(node, "mgmt") == port:
                return node
        return None

    # ------------------------------------------------------------------ control
    @property
    def control(self) -> Any:
        return self.cluster.control

    # ------------------------------------------------------------------ config change fan-out
    def subscribe(self) -> _Subscription:
        """Register a config stream; its ``event`` is set on every config change."""
        sub = _Subscription()
        with self._lock:
            self._subs.add(sub)
            if not self._listening:
                self._loop = asyncio.get_running_loop()
                self.cluster.add_config_listener(self._on_config_change)
                self._listening = True
        return sub

    def unsubscribe(self, sub: _Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)
            if not self._subs and self._listening:
                self._listening = False
                try:
                    self.cluster.remove_config_listener(self._on_config_change)
                except (KeyError, ValueError):
                    pass

    def _on_config_change(self, *_args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._wake_all()
        else:
            loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for sub in list(self._subs):
            sub.event.set()


_views: "weakref.WeakKeyDictionary[Any, ClusterView]" = weakref.WeakKeyDictionary()
_views_lock = threading.Lock()


def view_for(cluster: Any) -> ClusterView:
    """The (shared) :class:`ClusterView` of ``cluster``."""
    if isinstance(cluster, ClusterView):
        return cluster
    with _views_lock:
        view = _views.get(cluster)
        if view is None:
            view = ClusterView(cluster)
            _views[cluster] = view
        return view
