"""Bucket: one bucket-level libcouchbase connection, its scopes and collections."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict

from couchbase import _kv
from couchbase.collection import DEFAULT, Collection, _check_name
from couchbase.connection import Connection
from couchbase.results import DiagnosticsResult, PingResult
from couchbase.scope import Scope

if TYPE_CHECKING:
    from couchbase.cluster import Cluster


class Bucket:
    """A bucket of a cluster. Open it with ``cluster.bucket(name)``."""

    def __init__(self, cluster: "Cluster", name: str, conn: Connection) -> None:
        self._cluster = cluster
        self.name = _check_name("bucket", name)
        self._conn = conn
        self._transcoder = cluster._transcoder
        self._quiet_default = cluster._quiet_default

    def scope(self, name: str) -> Scope:
        """The named scope of this bucket."""
        return Scope(self, name)

    def default_scope(self) -> Scope:
        return Scope(self, DEFAULT)

    def collection(self, name: str) -> Collection:
        """A collection of the default scope."""
        return Scope(self, DEFAULT).collection(name)

    def default_collection(self) -> Collection:
        """The bucket's ``_default._default`` collection."""
        return Scope(self, DEFAULT).default_collection()

    def _run(self, schedule: Callable[[], "_kv.AsyncResult"]) -> Any:
        conn = self._conn
        with conn.locked():
            op = schedule()
            conn.wait()
        return op.outcome()

    def stats(self, group: str = "") -> Dict[str, Dict[str, str]]:
        """Memcached STATS from every node: ``{server: {stat: value}}``."""
        return self._run(lambda: _kv.schedule_stats(self._conn, group))

    def ping(self, timeout: Any = None) -> PingResult:
        """Ping every service the bucket's nodes offer."""
        return self._run(lambda: _kv.schedule_ping(self._conn, timeout))

    def diagnostics(self) -> DiagnosticsResult:
        """State of each open connection."""
        return self._run(lambda: _kv.schedule_diagnostics(self._conn))

    def close(self) -> None:
        self._conn.close()

    @property
    def closed(self) -> bool:
        return self._conn.closed

    def __repr__(self) -> str:
        return f"Bucket(name={self.name!r})"
