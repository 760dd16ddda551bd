"""1.x ``couchbase.experimental``: Twisted and gevent support once had to be switched on
with ``experimental.enable()``. They are always on now; the module stays so code written for
1.1/1.2 imports and runs unchanged."""
from __future__ import annotations

_enabled = True


def enable() -> None:
    """No-op: every front end is enabled (kept for 1.x code).

    Never raises.
    """
    global _enabled
    _enabled = True


def enabled() -> bool:
    """Whether experimental features are on (1.x).

    Returns:
        bool: Always True.

    Never raises.
    """
    return _enabled


def enabled_or_raise() -> None:
    """No-op (1.x raised when experimental features were off).

    Never raises.
    """
