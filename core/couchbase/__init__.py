"""couchbase-cffi: the Couchbase SDK on one cffi binding of libcouchbase.

Blocking API: :class:`couchbase.cluster.Cluster`; raw callbacks:
``couchbase.asynchronous``; asyncio, Twisted and gevent front ends live in
the ``acouchbase``, ``txcouchbase`` and ``gcouchbase`` packages.
"""
from __future__ import annotations

from couchbase import _binding
from couchbase._instance import LOCKMODE_EXC, LOCKMODE_NONE, LOCKMODE_WAIT  # noqa: F401
from couchbase.transcoder import (  # noqa: F401
    FMT_AUTO,
    FMT_BYTES,
    FMT_JSON,
    FMT_PICKLE,
    FMT_UTF8,
)

__version__ = "0.1.0"


def lcb_version() -> str:
    """The libcouchbase version this process runs with."""
    return _binding.ffi.string(_binding.lib.lcb_get_version(_binding.ffi.NULL)).decode()
