"""The query service's RBAC check: which privileges a statement needs, and the server's error.

The engine records, while it plans a statement, each privilege the statement
needs on each keyspace it reads or writes (see :class:`Authorizer`); once the
plan is complete -- after the errors planning finds (syntax, unknown keyspace,
missing index), as the server's Authorize operator runs after the planner --
:meth:`Authorizer.check` refuses the first privilege the user's roles do not
grant with the server's 13014 (HTTP 401); the analytics service, which reads
datasets through the same engine, refuses a dataset whose source collection the
user may not ``analytics!select`` with 20001 (HTTP 403), and its DDL, which the catalogue applies
before planning, asks :meth:`Authorizer.require_analytics_manage` first (20001 naming the
``analytics!manage`` permission, as the service words it). Roles are read live from the
cluster's :class:`~couchbase_mock.rbac.Directory`, so a role granted or revoked
over REST applies to the next request.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from couchbase_mock.query.errors import INSUFFICIENT_CREDENTIALS, QueryError
from couchbase_mock.rbac import (
    ANALYTICS_MANAGE_BUCKET,
    ANALYTICS_MANAGE_CLUSTER,
    ANALYTICS_SELECT,
    QUERY_PRIVILEGES,
    Directory,
)

__all__ = ["Authorizer", "Target", "ANALYTICS_DENIED"]

ANALYTICS_DENIED = 20001  # the analytics service's "Insufficient permissions ..." (HTTP 403)

# (bucket, scope, collection) of a keyspace, or None for a cluster-level privilege
Target = Optional[Tuple[str, str, str]]

# privilege -> (what the server says the user may not do, the role it names, role is per keyspace)
_DENIED: Dict[str, Tuple[str, str, bool]] = {
    "select": ("run SELECT queries on {path}", "query_select", True),
    "insert": ("run INSERT queries on {path}", "query_insert", True),
    "update": ("run UPDATE queries on {path}", "query_update", True),
    "delete": ("run DELETE queries on {path}", "query_delete", True),
    "create_index": ("run index operations", "query_manage_index", True),
    "build_index": ("run index operations", "query_manage_index", True),
    "drop_index": ("run index operations", "query_manage_index", True),
    "list_index": ("run index operations", "query_manage_index", True),
    "system_read": ("run queries accessing the system tables", "query_system_catalog", False),
    "manage_scopes": ("manage scopes and collections", "scope_admin", True),
    "manage_collections": ("manage scopes and collections", "scope_admin", True),
}


def keyspace_path(target: Target) -> str:
    """The server's name of a keyspace: ``default:b`` or ``default:b.s.c`` (a name containing a dot
    in backticks)."""
    if target is None:
        return ""
    bucket, scope, collection = target
    parts = [bucket] if (scope, collection) == ("_default", "_default") else [bucket, scope, collection]
    parts = [p for p in parts if p != "*"]  # a bucket or scope target (scope and collection DDL)
    return "default:" + ".".join(f"`{p}`" if "." in p else p for p in parts)


def denied_error(privilege: str, target: Target) -> QueryError:
    """The server's 13014 for ``privilege`` on ``target``."""
    what, role, per_keyspace = _DENIED[privilege]
    path = keyspace_path(target)
    wanted = f"{role} on {path}" if per_keyspace and path else role
    reason: Dict[str, Any] = {"missing_role": role}
    if path:
        reason["path"] = path
    msg = (f"User does not have credentials to {what.format(path=path)}. "
           f"Add role {wanted} to allow the statement to run.")
    return QueryError(INSUFFICIENT_CREDENTIALS, msg, 401, reason)


class Authorizer:
    """The privileges one request's user holds, and those its statement needs (in the order the
    planner met them; the first missing one is reported, as the server does)."""

    def __init__(self, directory: Directory, user: Optional[str], analytics: bool = False) -> None:
        self.directory = directory
        self.user = user
        # the analytics service: reading a dataset needs analytics!select on its source collection
        self.analytics = analytics
        self.needed: List[Tuple[str, Target]] = []

    def need(self, privilege: str, target: Target) -> None:
        """Record that the statement needs ``privilege`` on ``target``."""
        if privilege not in QUERY_PRIVILEGES:
            raise ValueError(f"unknown query privilege {privilege!r}")
        if (privilege, target) not in self.needed:
            self.needed.append((privilege, target))

    def holds(self, privilege: str, target: Target) -> bool:
        """Whether the user's roles (read now) grant ``privilege`` on ``target``."""
        names = QUERY_PRIVILEGES[privilege]
        if self.analytics:
            if privilege != "select":
                return True  # analytics DDL is applied before planning, unchecked
            names = ANALYTICS_SELECT
        if target is None:
            return self.directory.allowed(self.user, names)
        bucket, scope, collection = target
        if privilege in ("manage_scopes", "manage_collections"):
            # on the whole bucket or scope: a role limited to a part of it does not grant it
            return self.directory.allowed_exactly(self.user, names, bucket, None if scope == "*" else scope)
        return self.directory.allowed(self.user, names, bucket, scope, collection)

    def require_analytics_manage(self, bucket: Optional[str]) -> None:
        """Analytics DDL: refuse with the service's 20001 (HTTP 403) unless the user may manage analytics
        on ``bucket`` (``cluster.bucket[<bucket>].analytics!manage``) or, with None, on the cluster
        (``cluster.analytics!manage``)."""
        if bucket is None:
            granted = self.directory.allowed(self.user, ANALYTICS_MANAGE_CLUSTER)
            permission = "cluster.analytics!manage"
        else:
            granted = self.directory.allowed(self.user, ANALYTICS_MANAGE_BUCKET, bucket)
            permission = f"cluster.bucket[{bucket}].analytics!manage"
        if not granted:
            raise QueryError(ANALYTICS_DENIED, f"User must have permission ({permission})", 403)

    def check(self) -> None:
        """Raise the server's 13014 for the first recorded privilege the user does not hold."""
        for privilege, target in self.needed:
            if not self.holds(privilege, target):
                if self.analytics:
                    raise QueryError(ANALYTICS_DENIED,
                                     "Insufficient permissions or the requested object does not exist", 403)
                raise denied_error(privilege, target)

    def sees_index(self, target: Target) -> bool:
        """``system:indexes`` lists an index to a user who may read the system catalog, or who may
        both query its keyspace and list its indexes."""
        return self.holds("system_read", None) or (self.holds("select", target)
                                                   and self.holds("list_index", target))
