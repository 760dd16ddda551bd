"""couchbase-cffi: the Couchbase SDK on one cffi binding of libcouchbase.

Blocking API: :class:`couchbase.cluster.Cluster`; raw callbacks:
``couchbase.asynchronous``; asyncio, Twisted and gevent front ends live in
the ``acouchbase``, ``txcouchbase`` and ``gcouchbase`` packages.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from couchbase import _binding
from couchbase._instance import LOCKMODE_EXC, LOCKMODE_NONE, LOCKMODE_WAIT  # noqa: F401
from couchbase.transcoder import (  # noqa: F401
    FMT_AUTO,
    FMT_BYTES,
    FMT_JSON,
    FMT_PICKLE,
    FMT_UTF8,
)

if TYPE_CHECKING:
    from couchbase.connection import Connection

__version__ = "0.1.0"


def lcb_version() -> str:
    """The libcouchbase version this process runs with.

    Returns:
        str: Its version (``3.3.4``).

    Never raises.
    """
    version: str = _binding.ffi.string(_binding.lib.lcb_get_version(_binding.ffi.NULL)).decode()
    return version


#: The bits of the flags the FMT_* constants use in 1.x (custom transcoders put their own
#: flags above them: ``FMT_ZLIB = (FMT_MASK << 1) & ~FMT_MASK``).
FMT_MASK = 0x07


class Couchbase:
    """The 1.x entry point: ``Couchbase.connect(bucket="default", host="localhost")``."""

    @classmethod
    def connect(cls, bucket: str = "default", **kwargs: Any) -> "Connection":
        """A 1.x :class:`couchbase.connection.Connection` to ``bucket``.

        Args:
            bucket: The bucket's name.
            **kwargs: Every keyword of Connection: ``host``, ``port``, ``password``, ``quiet``, ``timeout``,
                ``lockmode``, ``transcoder``, ``default_format``, ``unlock_gil``, ...

        Returns:
            Connection: The connected connection.

        Raises:
            ArgumentError: A bad argument.
            BucketNotFoundError: No such bucket.
            AuthError: Wrong credentials.
            TimeoutError: No node answered in time.
        """
        from couchbase.connection import Connection

        return Connection(bucket=bucket, **kwargs)
