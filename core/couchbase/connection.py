"""The 1.x blocking API: ``Couchbase.connect(bucket=...)`` returns a :class:`Connection`.

::

    from couchbase import Couchbase
    from couchbase.exceptions import NotFoundError

    cb = Couchbase.connect(bucket="default", host="localhost")
    cb.set("k", {"a": 1}, ttl=60)
    print(cb.get("k").value)
    cb.incr("counter", initial=10)
    for row in cb.query("beer", "by_name", limit=10):
        print(row.key, row.docid)

A Connection is one bucket connection; its operations run on the same core as
``couchbase.cluster.Cluster`` (it holds the bucket's default collection and maps the 1.x
names onto it, see :mod:`couchbase._legacy`; the SDK 3/4 names such as ``upsert`` reach the
collection too), so results, exceptions and formats are the same objects:
``result.value/.cas/.rc/.success/.key/.flags``, ``MultiResult.all_ok``, and
the 1.x exception names in :mod:`couchbase.exceptions` (``NotFoundError``,
``KeyExistsError``, ...) are the typed exceptions of today.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, List, Optional

from couchbase import _connstr
from couchbase._common import DEFAULT
from couchbase._instance import LOCKMODE_WAIT
from couchbase._instance import Connection as _LcbConnection
from couchbase._legacy import LegacyAPI, LegacySettings, legacy_settings
from couchbase.bucket import Bucket
from couchbase.collection import Collection
from couchbase.scope import Scope
from couchbase.transcoder import FMT_JSON

__all__ = ["Connection", "Pipeline", "open_bucket"]


class _Owner:
    """What a Bucket needs of its cluster: the transcoder and the quiet default."""

    def __init__(self, transcoder: Any, quiet: bool) -> None:
        self._transcoder = transcoder
        self._quiet_default = quiet


def open_bucket(settings: LegacySettings, lockmode: int) -> Bucket:
    """Open one bucket connection (not yet connected) from checked 1.x constructor arguments.

    Args:
        settings: The checked constructor arguments (``legacy_settings``).
        lockmode: ``LOCKMODE_WAIT``, ``LOCKMODE_EXC`` or ``LOCKMODE_NONE``.

    Returns:
        Bucket: The bucket, its connection not started.

    Raises:
        ArgumentError: A malformed connection string.
    """
    full = _connstr.build(settings.connstr, settings.bucket,
                          {} if settings.timeout is None else {"operation_timeout": repr(settings.timeout)})
    conn = _LcbConnection(full, settings.username, settings.password, cluster_level=False, lockmode=lockmode,
                   bucket_name=settings.bucket)
    return Bucket(_Owner(settings.transcoder, settings.quiet), settings.bucket, conn)  # type: ignore[arg-type]


class Connection(LegacyAPI):
    """A connection to one bucket, with the 1.x API (blocking).

    Args:
        bucket: The bucket name (default ``"default"``).
        host: A node, ``"host:port"``, or a list of them (default ``"localhost"``).
        port: The REST port of nodes given without one (default 8091).
        password: The bucket's password (1.x SASL: the user is the bucket name).
        username: An RBAC user to authenticate as instead of the bucket name.
        quiet: Return failed results instead of raising NotFoundError from get/delete.
        timeout: KV operation timeout in seconds (default 2.5).
        lockmode: ``LOCKMODE_WAIT`` (default), ``LOCKMODE_EXC`` or ``LOCKMODE_NONE``.
        transcoder: A Transcoder; default: the 1.x conversions (JSON, UTF-8, bytes, pickle).
        default_format: The format of stores that pass none (default FMT_JSON).
        unlock_gil: Accepted for 1.x compatibility (the GIL is always released while waiting).
        connection_string: A ``couchbase://`` string instead of host/port.
        **kwargs: The 1.x options accepted and ignored: ``config_cache``, ``conncache``,
            ``experimental_gevent_support``.

    Raises:
        ArgumentError: An unknown keyword, or an argument of the wrong type or value.
        BucketNotFoundError: No such bucket.
        AuthError: Wrong credentials.
        NetworkError: No node could be reached.
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
        settings = legacy_settings(bucket, host, port, password, username, quiet, timeout, transcoder,
                                   default_format, unlock_gil, connection_string, kwargs)
        b = open_bucket(settings, lockmode)
        try:
            b._conn.connect_blocking()
        except BaseException:
            b._conn.close()
            raise
        self._bucket = b
        self._kv = Collection(Scope(b, DEFAULT), DEFAULT)
        self._kv._decode_at_once()  # 1.x: a read fails when its document cannot be decoded
        self.default_format = settings.default_format
        self.unlock_gil = settings.unlock_gil

    # ---- pipeline -------------------------------------------------------------------
    @contextlib.contextmanager
    def pipeline(self) -> Iterator["Pipeline"]:
        """Batch every operation in the block into one network round trip::

            with cb.pipeline() as pl:
                cb.set("a", 1)
                r = cb.get("b")
            print(pl.results, r.value)

        Results are filled in when the block ends; then the first failure is raised (unless quiet),
        with every result available in ``pl.results``.

        Yields:
            Pipeline: Its ``results`` are set when the block ends.

        Raises:
            CouchbaseError: The first failed operation's exception (unless ``quiet``).
            ArgumentError: A pipeline inside a pipeline.
        """
        pl = Pipeline()
        with self._kv.batch() as ops:
            yield pl
        pl.results = ops
        if not self._kv._quiet_default:
            for op in ops:
                err = getattr(op, "error", None)
                if err is not None:
                    raise err

    # ---- life cycle -------------------------------------------------------------------
    def _close(self) -> None:
        """Close the connection (1.x name)."""
        self._bucket.close()

    def close(self) -> None:
        """Close the connection; operations then raise ObjectDestroyedError.

        Never raises (closing twice is harmless).
        """
        self._bucket.close()

    @property
    def closed(self) -> bool:
        """True once the connection is closed."""
        closed: bool = self._bucket.closed
        return closed

    def __enter__(self) -> "Connection":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        # the SDK 3/4 names of the same collection (upsert, insert, lookup_in, ...)
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.__dict__["_kv"], name)

    def __repr__(self) -> str:
        return f"Connection(bucket={self.bucket!r})"


class Pipeline:
    """What ``with cb.pipeline() as pl`` yields; ``pl.results`` holds the block's results."""

    def __init__(self) -> None:
        self.results: List[Any] = []
