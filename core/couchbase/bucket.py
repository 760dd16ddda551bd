"""Bucket: one bucket-level libcouchbase connection, its scopes and collections."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict

from couchbase import _health, _kv, _requests
from couchbase._common import DEFAULT, BucketCommon, check_name
from couchbase._instance import Connection
from couchbase._pending import Pending
from couchbase.collection import Collection
from couchbase.management._access import BucketManagement
from couchbase.management.views import ViewIndexManager
from couchbase.results import DiagnosticsResult, PingResult
from couchbase.scope import Scope

if TYPE_CHECKING:
    from couchbase.cluster import Cluster
    from couchbase.views import ViewResult


class Bucket(BucketCommon, BucketManagement):
    """A bucket of a cluster. Open it with ``cluster.bucket(name)``."""

    def __init__(self, cluster: "Cluster", name: str, conn: Connection) -> None:
        self._cluster = cluster
        self.name = check_name("bucket", name)
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

    def _run(self, schedule: Callable[[], Pending]) -> Any:
        return self._conn.run(schedule)

    def stats(self, group: str = "") -> Dict[str, Dict[str, str]]:
        """Memcached STATS from every node: ``{server: {stat: value}}``."""
        result: Dict[str, Dict[str, str]] = self._run(lambda: _kv.schedule_stats(self._conn, group))
        return result

    def ping(self, *options: Any, **kwargs: Any) -> PingResult:
        """Ping every service the bucket's nodes offer (``PingOptions``; ``ping(timeout)`` still works)."""
        result: PingResult = self._run(_health.ping_schedule(self._conn, options, kwargs))
        return result

    def diagnostics(self, *options: Any, **kwargs: Any) -> DiagnosticsResult:
        """State of each open connection."""
        result: DiagnosticsResult = self._run(_health.diagnostics_schedule(self._conn, options, kwargs))
        return result

    def wait_until_ready(self, timeout: Any, *options: Any, **kwargs: Any) -> None:
        """Wait until the bucket's services answer a ping (see Cluster.wait_until_ready)."""
        import time

        _health.wait_until_ready(self, timeout, options, kwargs, time.sleep)

    def view_query(self, design_doc: str, view: str, *options: Any, **kwargs: Any) -> ViewResult:
        """Query a view; rows (ViewRow) stream as they arrive.

        Options: ViewOptions fields (``key``, ``keys``, ``startkey``/``endkey``,
        ``mapkey_range``, ``descending``, ``stale``, ``limit``, ``skip``, ``reduce``,
        ``group``, ``group_level``, ``include_docs``, ``namespace``), or a raw
        query string as a positional argument.
        """
        request = _requests.view(design_doc, view, options, kwargs, self._transcoder)
        result: ViewResult = _requests.blocking(request, self._conn)
        return result

    def view_indexes(self) -> ViewIndexManager:
        """Design-document management (ViewIndexManager) for this bucket."""
        return ViewIndexManager(self._conn, self.name, self._run_http)

    bucket_manager = view_indexes

    def _run_http(self, schedule: Callable[[], Pending], then: Callable[[Any], Any]) -> Any:
        return then(self._conn.run(schedule))

    def __repr__(self) -> str:
        return f"Bucket(name={self.name!r})"


# 3.x spelling: ``from couchbase.bucket import PingOptions``
from couchbase.options import PingOptions, ViewOptions  # noqa: E402,F401
