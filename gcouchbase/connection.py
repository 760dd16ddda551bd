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
    """A 1.x Connection for gevent: every call parks only the calling greenlet.

    Args:
        bucket: The bucket name (default ``"default"``).
        host: A node, ``"host:port"``, or a list of them (default ``"localhost"``).
        port: The REST port of nodes given without one (default 8091).
        password: The bucket's password (1.x SASL: the user is the bucket name).
        quiet: Return failed results instead of raising NotFoundError from get/delete.
        timeout: KV operation timeout in seconds (default 2.5).
        lockmode: Accepted for 1.x compatibility (a gevent cluster belongs to its hub's thread).
        transcoder: A Transcoder; default: the 1.x conversions (JSON, UTF-8, bytes, pickle).
        default_format: The format of stores that pass none (default FMT_JSON).
        unlock_gil: Accepted for 1.x compatibility.
        username: An RBAC user to authenticate as instead of the bucket name.
        connection_string: A ``couchbase://`` string instead of host/port.
        **kwargs: The 1.x options accepted and ignored: ``config_cache``, ``conncache``,
            ``experimental_gevent_support``.

    Raises:
        ArgumentError: An unknown keyword, or an argument of the wrong type or value.
        BucketNotFoundError: No such bucket.
        AuthError: Wrong credentials.
        TimeoutError: No node answered in time.
    """

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
        self._kv._decode_at_once()  # 1.x: a read fails when its document cannot be decoded
        self.default_format = s.default_format
        self.unlock_gil = s.unlock_gil

    def _sleep(self, seconds: float) -> None:
        import gevent

        gevent.sleep(seconds)

    def close(self) -> None:
        """Close the connection (and its cluster).

        Raises:
            ObjectThreadException: Called from a thread other than the hub's.
        """
        self._cluster.close()

    _close = close

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.__dict__["_kv"], name)

    def __repr__(self) -> str:
        return f"GConnection(bucket={self.bucket!r})"
