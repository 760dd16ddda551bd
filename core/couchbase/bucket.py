"""Bucket: one bucket-level libcouchbase connection, its scopes and collections."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict

from couchbase import _health, _kv
from couchbase.collection import DEFAULT, Collection, _check_name
from couchbase._instance import Connection
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
            conn.wait_for(lambda: op.done)
        return op.outcome()

    def stats(self, group: str = "") -> Dict[str, Dict[str, str]]:
        """Memcached STATS from every node: ``{server: {stat: value}}``."""
        return self._run(lambda: _kv.schedule_stats(self._conn, group))

    def ping(self, *options: Any, **kwargs: Any) -> PingResult:
        """Ping every service the bucket's nodes offer (``PingOptions``; ``ping(timeout)`` still works)."""
        return self._run(_health.ping_schedule(self._conn, options, kwargs))

    def diagnostics(self, *options: Any, **kwargs: Any) -> DiagnosticsResult:
        """State of each open connection."""
        return self._run(_health.diagnostics_schedule(self._conn, options, kwargs))

    def wait_until_ready(self, timeout: Any, *options: Any, **kwargs: Any) -> None:
        """Wait until the bucket's services answer a ping (see Cluster.wait_until_ready)."""
        import time

        _health.wait_until_ready(self, timeout, options, kwargs, time.sleep)

    def view_query(self, design_doc: str, view: str, *options: Any, **kwargs: Any) -> Any:
        """Query a view; rows (ViewRow) stream as they arrive.

        Options: ViewOptions fields (``key``, ``keys``, ``startkey``/``endkey``,
        ``mapkey_range``, ``descending``, ``stale``, ``limit``, ``skip``, ``reduce``,
        ``group``, ``group_level``, ``include_docs``, ``namespace``), or a raw
        query string as a positional argument.
        """
        from couchbase import _requests

        request = _requests.view(design_doc, view, options, kwargs, self._transcoder)
        return _requests.blocking(request, self._conn)

    def view_indexes(self) -> Any:
        """Design-document management (ViewIndexManager) for this bucket."""
        from couchbase.management.views import ViewIndexManager

        return ViewIndexManager(self._conn, self.name, self._run_http)

    bucket_manager = view_indexes

    def _run_http(self, schedule: Callable[[], Any], then: Callable[[Any], Any]) -> Any:
        conn = self._conn
        with conn.locked():
            req = schedule()
            conn.wait_for(lambda: req.done)
        if req.error is not None:
            raise req.error
        return then(req.response)

    def _cntl(self, setting: Any, value: Any = None) -> Any:
        """Escape hatch to libcouchbase settings.

        ``_cntl("operation_timeout", "2.5")`` sets a setting by its connection-string
        name; ``_cntl(code)`` reads and ``_cntl(code, n)`` writes a 32-bit setting by
        its ``LCB_CNTL_*`` code.
        """
        from couchbase.exceptions import InvalidArgumentException

        conn = self._conn
        with conn.locked():
            if isinstance(setting, str):
                if value is None:
                    raise InvalidArgumentException(message="_cntl by name needs a value to set")
                conn.cntl_string(setting, str(value))
                return None
            if not isinstance(setting, int) or isinstance(setting, bool) or not 0 <= setting <= 0xFFFF:
                raise InvalidArgumentException(message=f"_cntl setting must be a name or an LCB_CNTL_* code, got {setting!r}")
            from couchbase._binding import lib

            if value is None:
                return lib.lcb_cntl_getu32(conn.instance, setting)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFFFFFF:
                raise InvalidArgumentException(message=f"_cntl value must be a 32-bit unsigned int, got {value!r}")
            rc = lib.lcb_cntl_setu32(conn.instance, setting, value)
            if rc:
                from couchbase.exceptions import exception_for

                raise exception_for(rc, f"_cntl({setting:#x}, {value}) failed")
            return None

    def close(self) -> None:
        self._conn.close()

    @property
    def closed(self) -> bool:
        return self._conn.closed

    def __repr__(self) -> str:
        return f"Bucket(name={self.name!r})"


# 3.x spelling: ``from couchbase.bucket import PingOptions``
from couchbase.options import PingOptions, ViewOptions  # noqa: E402,F401
