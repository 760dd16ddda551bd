"""Users, groups and roles of the mock cluster, and the permission checks KV and HTTP make.

The built-in administrator (``MockCluster(username=, password=)``) holds the
``admin`` role. Other users are created over REST (``PUT
/settings/rbac/users/local/<name>``) and get their roles directly or through
groups. The checks follow Couchbase Server 7.x semantics, reduced to what a
client can observe:

* opening a bucket (SELECT_BUCKET, bucket REST reads) needs any role on that
  bucket (or ``*``) or a cluster-wide role;
* KV reads need ``data_reader``/``data_writer``-free read access:
  ``admin``, ``bucket_full_access``, ``data_reader``; KV writes need ``admin``,
  ``bucket_full_access`` or ``data_writer`` (a reader's write gets EACCESS);
* managing buckets needs ``admin`` or ``cluster_admin``; managing users and
  groups ``admin``, ``security_admin_local`` or ``user_admin_local``;
  collections ``admin``, ``cluster_admin``, ``bucket_admin``, ``scope_admin``;
* the query service's privileges (:data:`QUERY_PRIVILEGES`): ``query_select``,
  ``query_insert``, ``query_update``, ``query_delete``, ``query_manage_index`` on the
  keyspace (or ``admin``, ``bucket_full_access``, ``mobile_sync_gateway``, ``eventing_admin``,
  ``backup_admin``); ``data_reader``/``data_writer`` grant none of them;
* search (:data:`FTS_PRIVILEGES`): ``fts!read|write|manage`` on an index's
  sources; analytics (:data:`ANALYTICS_SELECT`): ``analytics!select`` on a
  dataset's source collection, and analytics DDL ``analytics!manage`` on the
  cluster (:data:`ANALYTICS_MANAGE_CLUSTER`) or the dataset's bucket
  (:data:`ANALYTICS_MANAGE_BUCKET`); views (:data:`VIEWS_PRIVILEGES`):
  ``views!read|write`` on the bucket;
* eventing: ``eventing.function!manage`` on a function's scope
  (:data:`EVENTING_MANAGE_SCOPE`, :data:`EVENTING_MANAGE_ALL` for the admin scope),
  and the owner's data privileges on its keyspaces (:data:`DATA_PRIVILEGES`).

Role parameters are ``bucket[:scope[:collection]]`` with ``*`` meaning all.
"""
from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple

__all__ = ["ROLES", "Role", "User", "Group", "Directory", "parse_roles", "RoleError", "QUERY_PRIVILEGES",
           "FTS_PRIVILEGES", "ANALYTICS_SELECT", "VIEWS_PRIVILEGES", "ANALYTICS_MANAGE_CLUSTER",
           "ANALYTICS_MANAGE_BUCKET", "EVENTING_MANAGE_ALL", "EVENTING_MANAGE_SCOPE", "DATA_PRIVILEGES"]

# role name -> (display name, description, takes a bucket parameter, takes scope/collection)
ROLES: Dict[str, Tuple[str, str, bool, bool]] = {
    "admin": ("Full Admin", "Can manage all cluster features (including security). This user can access the "
                            "web console. This user can read and write all data.", False, False),
    "ro_admin": ("Read-Only Admin", "Can view all cluster statistics.", False, False),
    "cluster_admin": ("Cluster Admin", "Can manage all cluster features except security.", False, False),
    "security_admin_local": ("Local User Security Admin", "Can manage local users and groups.", False, False),
    "security_admin_external": ("External User Security Admin", "Can manage external users.", False, False),
    "user_admin_local": ("Local User Admin", "Can manage local users.", False, False),
    "replication_admin": ("XDCR Admin", "Can administer XDCR features.", False, False),
    "query_external_access": ("Manage External Query Access", "Can execute CURL statements.", False, False),
    "query_system_catalog": ("Query System Catalog", "Can look up system catalog information.", False, False),
    "analytics_reader": ("Analytics Reader", "Can query datasets.", False, False),
    "analytics_admin": ("Analytics Admin", "Can manage dataverses and links.", False, False),
    "eventing_admin": ("Eventing Full Admin", "Can create/manage eventing functions.", False, False),
    "backup_admin": ("Full Admin Backup", "Can perform backup related tasks.", False, False),
    "bucket_admin": ("Bucket Admin", "Can manage ALL bucket features for a given bucket.", True, False),
    "bucket_full_access": ("Application Access", "Full access to bucket data.", True, False),
    "views_admin": ("Views Admin", "Can create and manage views of a given bucket.", True, False),
    "views_reader": ("Views Reader", "Can read data from the views of a given bucket.", True, False),
    "replication_target": ("XDCR Inbound", "Can create XDCR streams into a given bucket.", True, False),
    "analytics_manager": ("Analytics Manager", "Can manage analytics links.", True, False),
    "analytics_select": ("Analytics Select", "Can query datasets on a given bucket, scope or collection.",
                         True, True),
    "mobile_sync_gateway": ("Sync Gateway", "Full access to bucket data as required by Sync Gateway.",
                            True, False),
    "scope_admin": ("Manage Scopes", "Can create/delete scopes and collections.", True, True),
    "data_reader": ("Data Reader", "Can read data from a given bucket, scope or collection.", True, True),
    "data_writer": ("Data Writer", "Can write data to a given bucket, scope or collection.", True, True),
    "data_dcp_reader": ("Data DCP Reader", "Can initiate DCP streams.", True, True),
    "data_backup": ("Data Backup & Restore", "Can backup and restore a given bucket's data.", True, False),
    "data_monitoring": ("Data Monitor", "Can read statistics.", True, True),
    "fts_admin": ("Search Admin", "Can administer all Full Text Search features.", True, False),
    "fts_searcher": ("Search Reader", "Can query Full Text Search indexes.", True, True),
    "query_select": ("Query Select", "Can execute a SELECT statement.", True, True),
    "query_update": ("Query Update", "Can execute an UPDATE statement.", True, True),
    "query_insert": ("Query Insert", "Can execute an INSERT statement.", True, True),
    "query_delete": ("Query Delete", "Can execute a DELETE statement.", True, True),
    "query_manage_index": ("Query Manage Index", "Can manage indexes.", True, True),
    "query_use_sequential_scans": ("Query Use Sequential Scans", "Can use sequential scans.", True, True),
    "eventing_manage_functions": ("Eventing Manage Scope Functions", "Can manage eventing functions.",
                                  True, True),
}

CLUSTER_WIDE = {"admin", "ro_admin", "cluster_admin"}
KV_READ = {"admin", "bucket_full_access", "data_reader", "mobile_sync_gateway"}
KV_WRITE = {"admin", "bucket_full_access", "data_writer", "mobile_sync_gateway"}
BUCKET_MANAGE = {"admin", "cluster_admin"}
SECURITY_MANAGE = {"admin", "security_admin_local", "user_admin_local"}
COLLECTION_MANAGE = {"admin", "cluster_admin", "bucket_admin", "scope_admin"}
ADMIN_READ = {"admin", "ro_admin", "cluster_admin", "security_admin_local", "user_admin_local"}

# The query service's privileges (Couchbase Server 7.x ns_server menelaus_roles: n1ql.select/insert/
# update/delete!execute, n1ql.index!create/build/drop/list, n1ql.meta!read) and the roles granting each.
# data_reader/data_writer grant none; cluster_admin and ro_admin no data ones; the query_* roles take
# bucket[:scope[:collection]] parameters.
_QUERY_DATA = {"admin", "bucket_full_access", "mobile_sync_gateway", "eventing_admin", "backup_admin"}
QUERY_PRIVILEGES: Dict[str, FrozenSet[str]] = {
    "select": frozenset(_QUERY_DATA | {"query_select"}),
    "insert": frozenset(_QUERY_DATA | {"query_insert"}),
    "update": frozenset(_QUERY_DATA | {"query_update"}),
    "delete": frozenset(_QUERY_DATA | {"query_delete"}),
    "create_index": frozenset(_QUERY_DATA | {"query_manage_index", "data_backup"}),
    "build_index": frozenset(_QUERY_DATA | {"query_manage_index", "data_backup"}),
    "drop_index": frozenset(_QUERY_DATA | {"query_manage_index"}),
    "list_index": frozenset(_QUERY_DATA | {"query_manage_index", "data_backup", "query_system_catalog",
                                           "ro_admin"}),
    # CREATE/DROP SCOPE (on the whole bucket) and CREATE/DROP COLLECTION (on the scope): ns_server's
    # collections!write, which the query service asks for these statements
    "manage_scopes": frozenset(COLLECTION_MANAGE),
    "manage_collections": frozenset(COLLECTION_MANAGE),
    # the system catalog (system:indexes shows each user what it may see)
    "system_read": frozenset({"admin", "ro_admin", "cluster_admin", "query_system_catalog", "eventing_admin",
                              "backup_admin"}),
}

# Querying an analytics dataset needs analytics!select on its source collection (ns_server 7.x):
# analytics_reader everywhere, analytics_manager/data_backup on their bucket, analytics_select on its
# bucket, scope or collection; analytics_admin manages but does not read.
ANALYTICS_SELECT: FrozenSet[str] = frozenset({"admin", "analytics_reader", "eventing_admin", "backup_admin",
                                              "analytics_manager", "data_backup", "analytics_select"})

# Analytics DDL (ns_server 7.x): cluster.analytics!manage (dataverses, a one-part dataverse's Local
# link) -- analytics_admin and the roles with [analytics] all; cluster.bucket[b].analytics!manage (datasets
# and their indexes on b, the Local link of a b/scope dataverse) -- those, analytics_admin on every bucket,
# analytics_manager and data_backup on theirs. analytics_reader/analytics_select, the data, query and
# bucket roles manage nothing.
ANALYTICS_MANAGE_CLUSTER: FrozenSet[str] = frozenset({"admin", "analytics_admin", "eventing_admin",
                                                      "backup_admin"})
ANALYTICS_MANAGE_BUCKET: FrozenSet[str] = frozenset(ANALYTICS_MANAGE_CLUSTER | {"analytics_manager",
                                                                                "data_backup"})

# The eventing service (7.1+, eventing's rbac package over cbauth): cluster.eventing.functions!manage
# (every function, the admin scope *.* included) and cluster.collection[b:s:*].eventing.function!manage
# (the functions whose function scope is b.s: eventing_manage_functions[b:s] or [b]).
EVENTING_MANAGE_ALL: FrozenSet[str] = frozenset({"admin", "eventing_admin", "backup_admin"})
EVENTING_MANAGE_SCOPE: FrozenSet[str] = frozenset(EVENTING_MANAGE_ALL | {"eventing_manage_functions"})

# Data privileges on a collection (cluster.collection[b:s:c].data.docs!read|insert|upsert|delete and
# data.dcpstream!read) that the eventing service asks of a function's owner for its source and metadata
# keyspaces. The query DML roles carry the matching docs privilege in ns_server 7.x.
_DATA_ALL = {"admin", "eventing_admin", "backup_admin", "bucket_full_access", "data_backup",
             "mobile_sync_gateway"}
DATA_PRIVILEGES: Dict[str, FrozenSet[str]] = {
    "docs!read": frozenset(_DATA_ALL | {"data_reader", "data_dcp_reader", "query_select"}),
    "docs!insert": frozenset(_DATA_ALL | {"data_writer", "query_insert"}),
    "docs!upsert": frozenset(_DATA_ALL | {"data_writer", "query_update"}),
    "docs!delete": frozenset(_DATA_ALL | {"data_writer", "query_delete"}),
    "dcpstream!read": frozenset(_DATA_ALL | {"data_dcp_reader"}),
}

# The views service (capi) and the design-document listing: cluster.bucket[b].views!read|write
# (ns_server 7.x). ro_admin reads (read/list everywhere but data); data and query roles do neither.
_VIEWS_ALL = {"admin", "bucket_full_access", "views_admin", "mobile_sync_gateway", "data_backup",
              "eventing_admin", "backup_admin"}
VIEWS_PRIVILEGES: Dict[str, FrozenSet[str]] = {
    "read": frozenset(_VIEWS_ALL | {"views_reader", "ro_admin"}),
    "write": frozenset(_VIEWS_ALL),
}

# The search service's permissions (cluster.bucket[b].fts!read|write|manage, or cluster.collection[b:s:c]
# for a collection-aware index's sources) and the roles granting each (ns_server 7.x): bucket_full_access,
# data_reader and the query roles grant none.
_FTS_ALL = {"admin", "fts_admin", "data_backup", "eventing_admin", "backup_admin"}
FTS_PRIVILEGES: Dict[str, FrozenSet[str]] = {
    "read": frozenset(_FTS_ALL | {"fts_searcher"}),
    "write": frozenset(_FTS_ALL),
    "manage": frozenset(_FTS_ALL),
}


# The roles of a bucket-named user of 1.x clients (MockCluster.add_user): a bucket password predates
# RBAC and opened every service of its bucket -- data, views, N1QL, full-text search, analytics.
LEGACY_BUCKET_ROLES = ("bucket_full_access", "fts_admin", "analytics_select")


class RoleError(ValueError):
    """A role specification the server would reject (400)."""


@dataclass(frozen=True)
class Role:
    name: str
    bucket: Optional[str] = None
    scope: Optional[str] = None
    collection: Optional[str] = None

    def spec(self) -> str:
        if self.bucket is None:
            return self.name
        params = [p for p in (self.bucket, self.scope, self.collection) if p is not None]
        return "%s[%s]" % (self.name, ":".join(params))

    def as_json(self, origins: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
        out: Dict[str, Any] = {"role": self.name}
        if self.bucket is not None:
            out["bucket_name"] = self.bucket
            if ROLES[self.name][3]:
                out["scope_name"] = self.scope or "*"
                out["collection_name"] = self.collection or "*"
        if origins is not None:
            out["origins"] = origins
        return out

    def covers(self, bucket: Optional[str], scope: str = "*", collection: str = "*") -> bool:
        """Does this role apply to ``bucket`` (and scope/collection)?"""
        if self.bucket is None:
            return True
        if bucket is None:
            return False
        if self.bucket not in ("*", bucket):
            return False
        if self.scope not in (None, "*", scope) and scope != "*":
            return False
        if self.collection not in (None, "*", collection) and collection != "*":
            return False
        return True


def parse_roles(text: str, bucket_exists: Any = None) -> List[Role]:
    """``"data_reader[default],admin"`` -> Roles; RoleError names the bad one."""
    roles: List[Role] = []
    for part in _split_roles(text):
        name, _, rest = part.partition("[")
        name = name.strip()
        if name not in ROLES:
            raise RoleError("Unknown role: %s" % part)
        takes_bucket, takes_scope = ROLES[name][2], ROLES[name][3]
        if not rest:
            if takes_bucket:
                raise RoleError("Malformed role: %s (needs a bucket)" % part)
            roles.append(Role(name))
            continue
        if not takes_bucket or not rest.endswith("]"):
            raise RoleError("Malformed role: %s" % part)
        params = rest[:-1].split(":")
        if len(params) > (3 if takes_scope else 1) or not all(params):
            raise RoleError("Malformed role: %s" % part)
        if bucket_exists is not None and params[0] != "*" and not bucket_exists(params[0]):
            raise RoleError("Unknown bucket in role: %s" % part)
        params += [None] * (3 - len(params))  # type: ignore[list-item]
        roles.append(Role(name, params[0], params[1], params[2]))
    return roles


def _split_roles(text: str) -> Iterable[str]:
    depth, cur = 0, ""
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            if cur.strip():
                yield cur.strip()
            cur = ""
        else:
            cur += ch
    if cur.strip():
        yield cur.strip()


@dataclass
class Group:
    name: str
    description: str = ""
    roles: List[Role] = field(default_factory=list)
    ldap_group_ref: str = ""

    def as_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"id": self.name, "roles": [r.as_json() for r in self.roles]}
        if self.description:
            out["description"] = self.description
        if self.ldap_group_ref:
            out["ldap_group_ref"] = self.ldap_group_ref
        return out


@dataclass
class User:
    name: str
    password: str
    display_name: str = ""
    roles: List[Role] = field(default_factory=list)
    groups: List[str] = field(default_factory=list)
    domain: str = "local"
    password_change_date: str = ""


class Directory:
    """The users and groups of one cluster (lives on the mock's loop thread)."""

    def __init__(self, admin_user: str, admin_password: str, extra: Optional[Dict[str, str]] = None) -> None:
        self.admin_user = admin_user
        self.admin_password = admin_password
        self.users: Dict[str, User] = {}
        self.groups: Dict[str, Group] = {}
        # bucket-named users of 1.x clients (MockCluster.add_user): full access to that bucket
        self.extra: Dict[str, str] = extra if extra is not None else {}

    # ---- credentials ---------------------------------------------------------
    def password_of(self, user: str) -> Optional[str]:
        if user == self.admin_user:
            return self.admin_password
        entry = self.users.get(user)
        if entry is not None:
            return entry.password if entry.domain == "local" else None
        return self.extra.get(user)

    def exists(self, user: str) -> bool:
        """Is ``user`` the administrator, an RBAC user (local or external) or a bucket-named user?"""
        return user == self.admin_user or user in self.users or user in self.extra

    def check(self, user: str, password: str) -> bool:
        expected = self.password_of(user)
        if expected is None:
            hmac.compare_digest(password.encode(), password.encode())  # similar timing either way
            return False
        return hmac.compare_digest(password.encode(), expected.encode())

    # ---- roles -----------------------------------------------------------------
    def effective_roles(self, user: Optional[str]) -> List[Role]:
        if user is None:
            return []
        if user == self.admin_user:
            return [Role("admin")]
        entry = self.users.get(user)
        if entry is None:
            # what a bucket password granted before RBAC: everything on that bucket, nothing else
            return [Role(name, user) for name in LEGACY_BUCKET_ROLES] if user in self.extra else []
        roles = list(entry.roles)
        for gname in entry.groups:
            group = self.groups.get(gname)
            if group is not None:
                roles.extend(group.roles)
        return roles

    def allowed(self, user: Optional[str], names: Iterable[str], bucket: Optional[str] = None,
                scope: str = "*", collection: str = "*") -> bool:
        wanted = set(names)
        return any(r.name in wanted and r.covers(bucket, scope, collection)
                   for r in self.effective_roles(user))

    def allowed_exactly(self, user: Optional[str], names: Iterable[str], bucket: str,
                        scope: Optional[str] = None, collection: Optional[str] = None) -> bool:
        """Like :meth:`allowed` for a permission on a whole bucket (``scope`` None) or scope
        (``collection`` None): a role limited to one of its scopes or collections does not grant it."""
        wanted = set(names)
        for r in self.effective_roles(user):
            if r.name not in wanted:
                continue
            if r.bucket is None:
                return True
            if r.bucket not in ("*", bucket):
                continue
            if r.scope not in (None, "*") and r.scope != scope:
                continue
            if r.collection not in (None, "*") and r.collection != collection:
                continue
            return True
        return False

    def can_open_bucket(self, user: Optional[str], bucket: str) -> bool:
        return any(r.name in CLUSTER_WIDE or (r.bucket is not None and r.covers(bucket))
                   for r in self.effective_roles(user))

    # ---- JSON ------------------------------------------------------------------
    def user_json(self, entry: User) -> Dict[str, Any]:
        roles: List[Dict[str, Any]] = []
        seen: Dict[Role, Dict[str, Any]] = {}
        for role in entry.roles:
            obj = role.as_json([{"type": "user"}])
            seen[role] = obj
            roles.append(obj)
        for gname in entry.groups:
            group = self.groups.get(gname)
            for role in group.roles if group else []:
                if role in seen:
                    seen[role]["origins"].append({"type": "group", "name": gname})
                else:
                    obj = role.as_json([{"type": "group", "name": gname}])
                    seen[role] = obj
                    roles.append(obj)
        out: Dict[str, Any] = {"id": entry.name, "domain": entry.domain, "roles": roles,
                               "groups": list(entry.groups), "external_groups": [],
                               "name": entry.display_name}
        if entry.domain == "local":
            out["password_change_date"] = entry.password_change_date
        return out

    @staticmethod
    def now_text() -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def roles_catalogue() -> List[Dict[str, Any]]:
    """``GET /settings/rbac/roles``: every role with its parameters."""
    out = []
    for name, (display, desc, takes_bucket, takes_scope) in ROLES.items():
        obj: Dict[str, Any] = {"role": name, "name": display, "desc": desc}
        if takes_bucket:
            obj["bucket_name"] = "*"
        if takes_scope:
            obj["scope_name"] = "*"
            obj["collection_name"] = "*"
        out.append(obj)
    return out
