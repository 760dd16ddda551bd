"""UserManager for acouchbase: ``cluster.users()`` (see :mod:`couchbase.management.users`)."""
from __future__ import annotations

from couchbase.management.users import (  # noqa: F401 - re-exported
    UserManager,
    Group,
    Origin,
    Role,
    RoleAndDescription,
    RoleAndOrigins,
    User,
    UserAndMetadata,
)

__all__ = ['UserManager', 'Group', 'Origin', 'Role', 'RoleAndDescription', 'RoleAndOrigins', 'User', 'UserAndMetadata']
