"""The one import of the generated cffi module ``couchbase._lcb``.

Everything else imports ``ffi`` and ``lib`` from here, so a missing or broken
build fails in one place with a message that says how to build it.
"""
from __future__ import annotations

try:
    from couchbase._lcb import ffi, lib  # type: ignore[import-not-found]
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "couchbase._lcb (the compiled libcouchbase binding) is missing or cannot load: "
        f"{exc}. A wheel carries libcouchbase inside; a build from source (`pip install .`, "
        "`pip install -e .`) compiles the binding with build_ffi.py and links the libcouchbase it "
        "found or built (see build_lcb.py), which must stay where it was: rebuild after moving "
        "or deleting libcouchbase's cache."
    ) from exc

NULL = ffi.NULL

__all__ = ["ffi", "lib", "NULL"]
