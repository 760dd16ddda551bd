"""UserManager for txcouchbase: ``cluster.users()`` (see :mod:`couchbase.management.users`)."""
from __future__ import annotations

from couchbase.management.users import (  # noqa: F401 - re-exported
    Group,
    Origin,
    Role,
    RoleAndDescription,
    RoleAndOrigins,
    User,
    UserAndMetadata,
    UserManager,
)

__all__ = [
    'UserManager',
    'Group',
    'Origin',
    'Role',
    'RoleAndDescription',
    'RoleAndOrigins',
    'User',
    'UserAndMetadata',
]
