"""Users, groups and roles (``cluster.users()``), over ``/settings/rbac``.

Role specs travel as ``name[bucket:scope:collection]``; a user's effective roles
come back with their origins (the user itself or the groups granting them).
"""
from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Mapping, Optional, Set, Tuple

from couchbase import options as _o
from couchbase._generic import DoneT, GroupListT, GroupT, RoleListT, UserListT, UserT
from couchbase.auth import AuthDomain
from couchbase.exceptions import (
    GroupNotFoundException,
    InvalidArgumentException,
    UserNotFoundException,
)
from couchbase.management._http import (
    Call,
    Program,
    form,
    http_error,
    json_body,
    path_escape,
    timed_call,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import MgmtKwargs, UserKwargs
    from couchbase.management.options import (
        ChangePasswordOptions,
        DropGroupOptions,
        DropUserOptions,
        GetAllGroupsOptions,
        GetAllUsersOptions,
        GetGroupOptions,
        GetRolesOptions,
        GetUserOptions,
        UpsertGroupOptions,
        UpsertUserOptions,
    )

__all__ = ["UserManager", "Role", "RoleAndDescription", "Origin", "RoleAndOrigins", "User", "UserAndMetadata",
           "Group", "AuthDomain"]


class Role:
    """A role, optionally limited to a bucket, scope and collection.

    Args:
        name: The role's name (``data_reader``, ``admin``, ...).
        bucket: The bucket it applies to (None or ``*``: all).
        scope: The scope it applies to.
        collection: The collection it applies to.

    Raises:
        InvalidArgumentException: No name.
    """

    def __init__(self, name: Optional[str] = None, bucket: Optional[str] = None, scope: Optional[str] = None,
                 collection: Optional[str] = None) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentException(message=f"a Role needs a name, got {name!r}")
        self._name, self._bucket, self._scope, self._collection = name, bucket, scope, collection

    name = property(lambda self: self._name, doc="The role's name.")
    bucket = property(lambda self: self._bucket, doc="The bucket it applies to, or None.")
    scope = property(lambda self: self._scope, doc="The scope it applies to, or None.")
    collection = property(lambda self: self._collection, doc="The collection it applies to, or None.")

    def spec(self) -> str:
        """The role as the server takes it: ``name[bucket:scope:collection]``.

        Returns:
            str: The role spec.

        Never raises.
        """
        if not self._bucket:
            return self._name
        params = [self._bucket] + [p for p in (self._scope, self._collection) if p]
        return f"{self._name}[{':'.join(params)}]"

    @classmethod
    def create_role(cls, raw: Dict[str, Any]) -> "Role":
        """A role as the server reports it (scope/collection ``*`` kept, as the official SDK does).

        Args:
            raw: The server's JSON object of the role.

        Returns:
            Role: The role.

        Raises:
            InvalidArgumentException: The object names no role.
        """
        return cls(raw.get("role"), raw.get("bucket_name"), raw.get("scope_name"), raw.get("collection_name"))

    def _key(self) -> Any:
        return (self._name, self._bucket, self._scope, self._collection)

    def as_dict(self) -> Dict[str, Any]:
        """The role as a dict (``name`` and whichever of ``bucket``, ``scope``, ``collection`` are set).

        Returns:
            dict: The role's fields.

        Never raises.
        """
        out: Dict[str, Any] = {"name": self._name}
        for key, value in (("bucket", self._bucket), ("scope", self._scope),
                           ("collection", self._collection)):
            if value:
                out[key] = value
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Role) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Role({self.spec()!r})"


class RoleAndDescription:
    """A role of the catalogue with its display name and description.

    Args:
        role: The role.
        display_name: Its display name.
        description: Its description.
        ce: Whether Community Edition has it.

    Attributes:
        role (Role): The role.
        display_name (str): Its display name.
        description (str): Its description.
        ce (bool): Whether Community Edition has it.
    """

    def __init__(self, role: Role, display_name: str, description: str, ce: Optional[bool] = None) -> None:
        self.role, self.display_name, self.description, self.ce = role, display_name, description, ce

    def __repr__(self) -> str:
        return f"RoleAndDescription({self.role!r}, {self.display_name!r})"


class Origin:
    """Where an effective role comes from: ``type`` "user" or "group" (with the group's ``name``).

    Args:
        type: ``"user"`` or ``"group"``.
        name: The group's name, for a role from a group.

    Attributes:
        type (str): ``"user"`` or ``"group"``.
        name (str): The group's name, or None.
    """

    def __init__(self, type: str, name: Optional[str] = None) -> None:  # noqa: A002 - the official name
        self.type, self.name = type, name

    def __repr__(self) -> str:
        return f"Origin({self.type!r}, {self.name!r})"


class RoleAndOrigins:
    """An effective role and its origins.

    Args:
        role: The role.
        origins: Where it comes from (the user itself, groups).

    Attributes:
        role (Role): The role.
        origins (list[Origin]): Its origins.
    """

    def __init__(self, role: Role, origins: List[Origin]) -> None:
        self.role, self.origins = role, origins

    def __repr__(self) -> str:
        return f"RoleAndOrigins({self.role!r}, {self.origins!r})"


def _set(value: Any, kind: type, what: str) -> Set[Any]:
    if value is None:
        return set()
    if isinstance(value, kind):
        return {value}
    if not isinstance(value, (set, list, tuple, frozenset)) or not all(isinstance(v, kind) for v in value):
        raise InvalidArgumentException(message=f"{what} must be a {kind.__name__} or a collection of them")
    return set(value)


class User:
    """A user to upsert: ``username``, ``display_name``, ``password`` (write-only), ``roles``, ``groups``.

    Args:
        username: The user's name.
        display_name: A display name.
        groups: Group names (a str or a collection of them).
        roles: Roles (a Role or a collection of them).
        password: The password (write-only; needed for a new local user).

    Raises:
        InvalidArgumentException: No username, or groups/roles of the wrong type.
    """

    def __init__(self, username: Optional[str] = None, display_name: Optional[str] = None,
                 groups: Any = None, roles: Any = None, password: Optional[str] = None) -> None:
        if not isinstance(username, str) or not username:
            raise InvalidArgumentException(message=f"a User needs a username, got {username!r}")
        self._username = username
        self._display_name = display_name
        self._groups = _set(groups, str, "groups")
        self._roles = _set(roles, Role, "roles")
        self._password = password

    username = property(lambda self: self._username, doc="The user's name.")
    display_name = property(lambda self: self._display_name,
                            lambda self, v: setattr(self, "_display_name", v), doc="The display name.")
    groups = property(lambda self: self._groups,
                      lambda self, v: setattr(self, "_groups", _set(v, str, "groups")),
                      doc="Group names (a set).")
    roles = property(lambda self: self._roles,
                     lambda self, v: setattr(self, "_roles", _set(v, Role, "roles")), doc="Roles (a set).")
    password = property(None, lambda self, v: setattr(self, "_password", v), doc="Write-only.")

    def as_dict(self) -> Dict[str, Any]:
        """The user as a dict: username, display_name, groups and roles (never the password).

        Returns:
            dict: The user's fields.

        Never raises.
        """
        return {"username": self._username, "display_name": self._display_name,
                "groups": sorted(self._groups),
                "roles": [r.as_dict() for r in sorted(self._roles, key=lambda r: r.spec())]}

    def __repr__(self) -> str:  # never the password
        return f"User(username={self._username!r}, display_name={self._display_name!r}, " \
               f"roles={sorted(r.spec() for r in self._roles)}, groups={sorted(self._groups)})"


class UserAndMetadata:
    """A user as the server reports it: ``domain``, ``user``, ``effective_roles``, ``password_changed``,
    ``external_groups``, ``raw_data``.

    Args:
        raw: The server's JSON object of the user.

    Raises:
        InvalidArgumentException: The object names no user.
    """

    def __init__(self, raw: Dict[str, Any]) -> None:
        self._raw = raw
        own = [Role.create_role(r) for r in raw.get("roles", [])
               if any(o.get("type") == "user" for o in r.get("origins", [{"type": "user"}]))]
        self._user = User(raw.get("id"), raw.get("name"), set(raw.get("groups", [])), set(own))
        self._effective = [RoleAndOrigins(Role.create_role(r),
                                          [Origin(o.get("type"), o.get("name"))
                                           for o in r.get("origins", [])])
                           for r in raw.get("roles", [])]

    domain = property(lambda self: AuthDomain.from_str(self._raw.get("domain", "local")),
                      doc="The user's AuthDomain (Local or External).")

    @property
    def user(self) -> User:
        """A copy of the user (changing it does not change this object), ready to upsert."""
        u = self._user
        return User(u.username, u.display_name, set(u.groups), set(u.roles))

    effective_roles = property(lambda self: self._effective,
                               doc="Every role the user has (list of RoleAndOrigins), own and from groups.")
    external_groups = property(lambda self: set(self._raw.get("external_groups", [])),
                               doc="The LDAP groups of an external user (a set).")
    raw_data = property(lambda self: self._raw, doc="The server's JSON object of the user.")

    @property
    def password_changed(self) -> Optional[datetime.datetime]:
        """When the password was last changed (a naive datetime), or None."""
        text = self._raw.get("password_change_date")
        if not text:
            return None
        try:
            return datetime.datetime.strptime(text.replace("Z", ""), "%Y-%m-%dT%H:%M:%S.%f")
        except ValueError:
            return None

    def __repr__(self) -> str:
        return f"UserAndMetadata({self._user!r}, domain={self._raw.get('domain')!r})"


class Group:
    """A group: ``name``, ``description``, ``roles``, ``ldap_group_reference``.

    Args:
        name: The group's name.
        description: A description.
        roles: Roles (a Role or a collection of them).
        ldap_group_reference: The LDAP group it maps to.

    Raises:
        InvalidArgumentException: No name, or roles of the wrong type.
    """

    def __init__(self, name: Optional[str] = None, description: Optional[str] = None, roles: Any = None,
                 ldap_group_reference: Optional[str] = None) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentException(message=f"a Group needs a name, got {name!r}")
        self._name, self._description = name, description
        self._roles = _set(roles, Role, "roles")
        self._ldap = ldap_group_reference

    name = property(lambda self: self._name, doc="The group's name.")
    description = property(lambda self: self._description,
                           lambda self, v: setattr(self, "_description", v), doc="The description.")
    roles = property(lambda self: self._roles,
                     lambda self, v: setattr(self, "_roles", _set(v, Role, "roles")), doc="Roles (a set).")
    ldap_group_reference = property(lambda self: self._ldap, lambda self, v: setattr(self, "_ldap", v),
                                    doc="The LDAP group it maps to, or None.")

    def as_dict(self) -> Dict[str, Any]:
        """name, description, roles (sorted) and ldap_group_reference, for comparisons and logs.

        Returns:
            dict: The group's fields.

        Never raises.
        """
        return {"name": self._name, "description": self._description or None,
                "roles": [r.as_dict() for r in sorted(self._roles, key=lambda r: r.spec())],
                "ldap_group_reference": self._ldap or None}

    @classmethod
    def create_group(cls, raw: Dict[str, Any]) -> "Group":
        """A group as the server reports it.

        Args:
            raw: The server's JSON object of the group.

        Returns:
            Group: The group.

        Raises:
            InvalidArgumentException: The object names no group.
        """
        return cls(raw.get("id"), raw.get("description"), {Role.create_role(r) for r in raw.get("roles", [])},
                   raw.get("ldap_group_ref"))

    def __repr__(self) -> str:
        return f"Group(name={self._name!r}, roles={sorted(r.spec() for r in self._roles)})"


_OPTS = frozenset({"timeout", "parent_span"})
_USER_OPTS = frozenset({"timeout", "parent_span", "domain_name"})


def _status(resp: Any, what: str, missing: Any = None) -> None:
    if 200 <= resp.status < 300:
        return
    if resp.status == 404 and missing is not None:
        raise missing(message=f"{what}: not found")
    if resp.status == 400:
        try:
            body = json_body(resp)
        except Exception:  # noqa: BLE001
            body = None
        errors = body.get("errors") if isinstance(body, dict) else None
        text = "; ".join(f"{k}: {v}" for k, v in errors.items()) if isinstance(errors, dict) else \
            resp.body[:300].decode("utf-8", "replace")
        raise InvalidArgumentException(message=f"{what}: {text}")
    raise http_error(resp, what)


class UserManager(Generic[DoneT, UserT, UserListT, RoleListT, GroupT, GroupListT]):
    """Create, change, list and drop users and groups; list the role catalogue: ``cluster.users()``.

    Args:
        run: The front end's driver of management programs.
    """

    def __init__(self, run: Callable[[Program], Any]) -> None:
        self._run = run

    @staticmethod
    def _simple(call: Call, what: str, missing: Any = None, parse: Any = None) -> Program:
        resp = yield call
        _status(resp, what, missing)
        return parse(json_body(resp)) if parse is not None else None

    def _user_opts(self, op: str, options: Any, kwargs: Mapping[str, Any]) -> Tuple[Dict[str, Any], str]:
        opts = _o.merge(op, _USER_OPTS, options, kwargs)
        return opts, _domain(opts.get("domain_name", "local"))

    def get_user(self, username: str, *options: GetUserOptions, **kwargs: Unpack[UserKwargs]) -> UserT:
        """A user and its metadata.

        Args:
            username: The user's name.
            *options: A management options block (``GetUserOptions`` ...: ``timeout``, ``domain_name``).
            **kwargs: ``timeout``; ``domain_name`` (``local``, the default, or ``external``).

        Returns:
            UserAndMetadata: The user.

        Raises:
            InvalidArgumentException: A bad name or option (``domain_name`` not local/external).
            UserNotFoundException: No such user.
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts, domain = self._user_opts("get_user", options, kwargs)
        _name("username", username)
        call = timed_call("management", "GET", f"/settings/rbac/users/{domain}/{path_escape(username)}",
                          opts=opts)
        return self._run(self._simple(call, f"get_user {username!r}", UserNotFoundException, UserAndMetadata))

    def get_all_users(self, *options: GetAllUsersOptions, **kwargs: Unpack[UserKwargs]) -> UserListT:
        """Every user of the domain.

        Args:
            *options: A management options block (``GetUserOptions`` ...: ``timeout``, ``domain_name``).
            **kwargs: ``timeout``; ``domain_name`` (``local``, the default, or ``external``).

        Returns:
            list[UserAndMetadata]: The users.

        Raises:
            InvalidArgumentException: A bad name or option (``domain_name`` not local/external).
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts, domain = self._user_opts("get_all_users", options, kwargs)
        call = timed_call("management", "GET", f"/settings/rbac/users/{domain}", opts=opts)
        return self._run(self._simple(call, "get_all_users", None,
                                      lambda body: [UserAndMetadata(u) for u in body or []]))

    def upsert_user(self, user: User, *options: UpsertUserOptions, **kwargs: Unpack[UserKwargs]) -> DoneT:
        """Create or replace a user (a new local user needs a password).

        Args:
            user: The :class:`User`.
            *options: A management options block (``GetUserOptions`` ...: ``timeout``, ``domain_name``).
            **kwargs: ``timeout``; ``domain_name`` (``local``, the default, or ``external``).

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``user`` not a User, a password for an external user, or settings the
                server refuses.
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts, domain = self._user_opts("upsert_user", options, kwargs)
        if not isinstance(user, User):
            raise InvalidArgumentException(message=f"upsert_user needs a User, got {user!r}")
        if domain == "external" and user._password:
            raise InvalidArgumentException(message="external users cannot have a password")
        fields: Dict[str, Any] = {"name": user.display_name, "password": user._password}
        if user.groups:
            fields["groups"] = ",".join(sorted(user.groups))
        fields["roles"] = ",".join(sorted(r.spec() for r in user.roles))
        call = timed_call("management", "PUT", f"/settings/rbac/users/{domain}/{path_escape(user.username)}",
                          form(**fields), opts=opts)
        return self._run(self._simple(call, f"upsert_user {user.username!r}"))

    def drop_user(self, username: str, *options: DropUserOptions, **kwargs: Unpack[UserKwargs]) -> DoneT:
        """Delete a user; the server closes its connections.

        Args:
            username: The user's name.
            *options: A management options block (``GetUserOptions`` ...: ``timeout``, ``domain_name``).
            **kwargs: ``timeout``; ``domain_name`` (``local``, the default, or ``external``).

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option (``domain_name`` not local/external).
            UserNotFoundException: No such user.
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts, domain = self._user_opts("drop_user", options, kwargs)
        _name("username", username)
        call = timed_call("management", "DELETE", f"/settings/rbac/users/{domain}/{path_escape(username)}",
                          opts=opts)
        return self._run(self._simple(call, f"drop_user {username!r}", UserNotFoundException))

    def change_password(self, new_password: str, *options: ChangePasswordOptions,
                        **kwargs: Unpack[UserKwargs]) -> DoneT:
        """Change the password of the user this cluster is connected as.

        Args:
            new_password: The new password.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A password the server refuses, or a bad option.
            AuthenticationException: The server refused the change.
        """
        opts, _domain = self._user_opts("change_password", options, kwargs)
        _name("new_password", new_password)
        call = timed_call("management", "POST", "/controller/changePassword", form(password=new_password),
                          opts=opts)
        return self._run(self._simple(call, "change_password"))

    def get_roles(self, *options: GetRolesOptions, **kwargs: Unpack[MgmtKwargs]) -> RoleListT:
        """The role catalogue.

        Args:
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            list[RoleAndDescription]: Every role the server offers.

        Raises:
            InvalidArgumentException: A bad option.
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts = _o.merge("get_roles", _OPTS, options, kwargs)
        call = timed_call("management", "GET", "/settings/rbac/roles", opts=opts)
        return self._run(self._simple(call, "get_roles", None, lambda body: [
            RoleAndDescription(Role.create_role(r), r.get("name", ""), r.get("desc", ""), r.get("ce"))
            for r in body or []]))

    def get_group(self, group_name: str, *options: GetGroupOptions, **kwargs: Unpack[MgmtKwargs]) -> GroupT:
        """A group.

        Args:
            group_name: The group's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            Group: The group.

        Raises:
            InvalidArgumentException: A bad name or option.
            GroupNotFoundException: No such group.
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts = _o.merge("get_group", _OPTS, options, kwargs)
        _name("group_name", group_name)
        call = timed_call("management", "GET", f"/settings/rbac/groups/{path_escape(group_name)}", opts=opts)
        return self._run(self._simple(call, f"get_group {group_name!r}", GroupNotFoundException,
                                      Group.create_group))

    def get_all_groups(self, *options: GetAllGroupsOptions, **kwargs: Unpack[MgmtKwargs]) -> GroupListT:
        """Every group.

        Args:
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            list[Group]: The groups.

        Raises:
            InvalidArgumentException: A bad option.
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts = _o.merge("get_all_groups", _OPTS, options, kwargs)
        call = timed_call("management", "GET", "/settings/rbac/groups", opts=opts)
        return self._run(self._simple(call, "get_all_groups", None,
                                      lambda body: [Group.create_group(g) for g in body or []]))

    def upsert_group(self, group: Group, *options: UpsertGroupOptions, **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Create or replace a group.

        Args:
            group: The :class:`Group`.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``group`` not a Group, or settings the server refuses.
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts = _o.merge("upsert_group", _OPTS, options, kwargs)
        if not isinstance(group, Group):
            raise InvalidArgumentException(message=f"upsert_group needs a Group, got {group!r}")
        fields = {"description": group.description, "ldap_group_ref": group.ldap_group_reference,
                  "roles": ",".join(sorted(r.spec() for r in group.roles))}
        call = timed_call("management", "PUT", f"/settings/rbac/groups/{path_escape(group.name)}",
                          form(**fields), opts=opts)
        return self._run(self._simple(call, f"upsert_group {group.name!r}"))

    def drop_group(self, group_name: str, *options: DropGroupOptions, **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Delete a group.

        Args:
            group_name: The group's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            GroupNotFoundException: No such group.
            AuthenticationException: The user may not manage users (security admin role).
        """
        opts = _o.merge("drop_group", _OPTS, options, kwargs)
        _name("group_name", group_name)
        call = timed_call("management", "DELETE", f"/settings/rbac/groups/{path_escape(group_name)}",
                          opts=opts)
        return self._run(self._simple(call, f"drop_group {group_name!r}", GroupNotFoundException))


def _domain(value: Any) -> str:
    """``local``/``external`` from an AuthDomain or its name."""
    if isinstance(value, AuthDomain):
        return AuthDomain.to_str(value)
    if value in ("local", "external"):
        return str(value)
    raise InvalidArgumentException(message=f"domain_name must be 'local' or 'external', got {value!r}")


def _name(what: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgumentException(message=f"{what} must be a non-empty str")
    return value

