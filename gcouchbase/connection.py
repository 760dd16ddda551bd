"""The 1.x gevent API: ``GConnection(bucket=..., host=...)``, the 1.x Connection methods
(:mod:`couchbase._legacy`) on gevent's collection: each call parks only the calling greenlet."""

from __future__ import annotations

from typing import Any, Optional

from couchbase._instance import LOCKMODE_WAIT
from couchbase._legacy import LegacyAPI, legacy_settings
from couchbase.transcoder import FMT_JSON
from gcouchbase.cluster import Cluster

__all__ = ["GConnection"]


class GConnection(LegacyAPI):
    """A 1.x Connection for gevent (same arguments as :class:`couchbase.connection.Connection`)."""

    def __init__(
        self,
        bucket: str = "default",
        host: Any = "localhost",
        port: int = 8091,
        password: Optional[str] = None,
        quiet: bool = False,
        timeout: Optional[float] = None,
        lockmode: int = LOCKMODE_WAIT,
        transcoder: Any = None,
        default_format: int = FMT_JSON,
        unlock_gil: bool = True,
        username: Optional[str] = None,
        connection_string: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        s = legacy_settings(bucket, host, port, password, username, quiet, timeout, transcoder,
                            default_format, unlock_gil, connection_string, kwargs)
        connstr, options, opts = s.cluster_arguments()
        self._cluster = Cluster(connstr, options, **opts)
        try:
            self._bucket = self._cluster.bucket(s.bucket)
        except BaseException:
            self._cluster.close()
            raise
        self._kv = self._bucket.default_collection()
        self.default_format = s.default_format
        self.unlock_gil = s.unlock_gil

    def _sleep(self, seconds: float) -> None:
        import gevent

        gevent.sleep(seconds)

    def close(self) -> None:
        """Close the connection."""
        self._cluster.close()

    _close = close

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.__dict__["_kv"], name)

    def __repr__(self) -> str:
        return f"GConnection(bucket={self.bucket!r})"
