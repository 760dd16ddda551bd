"""EventingFunctionManager for acouchbase: ``cluster.eventing_functions()`` and ``scope.eventing_functions()``
(see :mod:`couchbase.management.eventing`).
"""
from __future__ import annotations

from couchbase.management.eventing import (  # noqa: F401 - re-exported
    EventingFunction,
    EventingFunctionManager,
    EventingFunctionSettings,
    ScopeEventingFunctionManager,
)

__all__ = [
    'EventingFunctionManager',
    'ScopeEventingFunctionManager',
    'EventingFunction',
    'EventingFunctionSettings',
]
