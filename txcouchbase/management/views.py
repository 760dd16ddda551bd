"""ViewIndexManager for txcouchbase: ``cluster.bucket(...).view_indexes()``
(see :mod:`couchbase.management.views`).
"""
from __future__ import annotations

from couchbase.management.views import (  # noqa: F401 - re-exported
    ViewIndexManager,
)

__all__ = ['ViewIndexManager']
