"""Cluster administration REST on the mgmt port: buckets, scopes/collections, users/groups/roles.

What Couchbase Server 7.6 answers, as far as a client can tell:

* ``POST /pools/default/buckets`` (form: ``name``, ``bucketType``, ``ramQuotaMB``,
  ``replicaNumber``, ``flushEnabled``, ``evictionPolicy``, ``maxTTL``, ...) gives
  202 and the bucket is usable over KV at once (the new config is pushed);
  ``POST /pools/default/buckets/<b>`` edits, ``DELETE`` drops,
  ``POST .../controller/doFlush`` empties a bucket with flush enabled;
  validation failures are 400 ``{"errors": {field: message}, "summaries": ...}``.
* ``POST /pools/default/buckets/<b>/scopes`` (``name``), ``.../scopes/<s>/collections``
  (``name``, ``maxTTL``, ``history``), ``DELETE`` of either, ``PATCH`` of a collection
  (``maxTTL``, ``history``; POST is accepted too, because libcouchbase cannot send
  PATCH): each answers ``{"uid": "<manifest uid, hex>"}`` and bumps the manifest
  uid; clients are told through a config push.
* ``/settings/rbac/users[/local/<name>]``, ``/settings/rbac/groups[/<name>]``,
  ``/settings/rbac/roles``: PUT/GET/DELETE as the server does.

RBAC: a caller without the permission gets 403 with the server's JSON body naming
the permission; bad credentials 401 (checked before the handler runs).
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Optional

from couchbase_mock import rbac
from couchbase_mock.rbac import Group, RoleError, User
from couchbase_mock.store import collection_name_error

from .cluster_view import ClusterView
from .server import Request, Response, Router

__all__ = ["add_routes"]

_NOT_FOUND = "Requested resource not found.\r\n"
_NAME_RE = re.compile(r"^[A-Za-z0-9_.%-]+$")
_DURABILITY = ("none", "majority", "majorityAndPersistActive", "persistToMajority")


def forbidden(permission: str) -> Response:
    """The server's 403 body for a missing permission."""
    return Response.json({"message": "Forbidden. User needs the following permissions",
                          "permissions": [permission]}, 403)


def _form(req: Request) -> Dict[str, str]:
    return {k: v[-1] for k, v in req.form().items()}


def _errors(errors: Dict[str, str]) -> Response:
    return Response.json({"errors": errors, "summaries": {}}, 400)


def _int(form: Dict[str, str], name: str, errors: Dict[str, str], lo: int, hi: int,
         message: str) -> Optional[int]:
    if name not in form:
        return None
    try:
        value = int(form[name])
    except ValueError:
        errors[name] = "%s must be an integer" % name
        return None
    if not lo <= value <= hi:
        errors[name] = message
        return None
    return value


def _bool01(form: Dict[str, str], name: str, errors: Dict[str, str]) -> Optional[bool]:
    if name not in form:
        return None
    value = form[name].lower()
    if value in ("1", "true"):
        return True
    if value in ("0", "false"):
        return False
    errors[name] = "%s must be 0 or 1" % name
    return None


def _bucket_settings(form: Dict[str, str], create: bool, current: Dict[str, Any]) -> Any:
    """(settings dict, replicas or None) or an error Response."""
    errors: Dict[str, str] = {}
    out: Dict[str, Any] = {}
    btype = form.get("bucketType", current.get("bucket_type", "membase") if not create else "membase")
    if btype == "couchbase":
        btype = "membase"
    if btype not in ("membase", "memcached", "ephemeral"):
        errors["bucketType"] = "invalid bucket type"
    elif create:
        out["bucket_type"] = btype
    elif "bucketType" in form and btype != current.get("bucket_type", "membase"):
        errors["bucketType"] = "Cannot change bucket type."
    quota = _int(form, "ramQuotaMB", errors, 100, 1 << 20, "RAM quota cannot be less than 100 MiB")
    if quota is None and "ramQuota" in form:
        quota = _int(form, "ramQuota", errors, 100, 1 << 20, "RAM quota cannot be less than 100 MiB")
    if quota is not None:
        out["ram_quota_mb"] = quota
    elif create and "ramQuotaMB" not in errors:
        errors["ramQuota"] = "RAM quota size is required"
    replicas = _int(form, "replicaNumber", errors, 0, 3, "Replica number must be between 0 and 3")
    flush = _bool01(form, "flushEnabled", errors)
    if flush is not None:
        out["flush_enabled"] = flush
    index = _bool01(form, "replicaIndex", errors)
    if index is not None:
        out["replica_index"] = index
    max_ttl = _int(form, "maxTTL", errors, 0, 2147483647,
                   "Max TTL must be an integer between 0 and 2147483647")
    if max_ttl is not None:
        out["max_ttl"] = max_ttl
    if "evictionPolicy" in form:
        allowed = ("noEviction", "nruEviction") if btype == "ephemeral" else ("valueOnly", "fullEviction")
        if form["evictionPolicy"] not in allowed:
            errors["evictionPolicy"] = "Eviction policy must be either %s" % " or ".join(allowed)
        else:
            out["eviction_policy"] = form["evictionPolicy"]
    if "compressionMode" in form:
        if form["compressionMode"] not in ("off", "passive", "active"):
            errors["compressionMode"] = "compressionMode can be set to 'off', 'passive' or 'active'"
        else:
            out["compression_mode"] = form["compressionMode"]
    if "conflictResolutionType" in form:
        if not create:
            errors["conflictResolutionType"] = "Conflict resolution type not allowed in update bucket"
        elif form["conflictResolutionType"] not in ("seqno", "lww", "custom"):
            errors["conflictResolutionType"] = "Conflict resolution type must be 'seqno' or 'lww' or 'custom'"
        elif form["conflictResolutionType"] == "custom":  # the mock is never in developer preview
            errors["conflictResolutionType"] = ("Conflict resolution type 'custom' is supported only with "
                                                "developer preview enabled")
        else:
            out["conflict_resolution"] = form["conflictResolutionType"]
    if "durabilityMinLevel" in form:
        level = form["durabilityMinLevel"]
        if level not in _DURABILITY or (btype == "ephemeral" and level in _DURABILITY[2:]):
            errors["durability_min_level"] = ("Durability minimum level must be one of %s"
                                              % ", ".join(_DURABILITY))
        else:
            out["durability_min_level"] = level
    if "storageBackend" in form:
        if form["storageBackend"] not in ("couchstore", "magma"):
            errors["storageBackend"] = "storage backend must be couchstore or magma"
        elif not create and form["storageBackend"] != current.get("storage_backend", "couchstore"):
            out["storage_backend"] = form["storageBackend"]  # 7.6 migrates the backend
        else:
            out["storage_backend"] = form["storageBackend"]
    for field, key in (("historyRetentionCollectionDefault", "history_default"),):
        value = _bool01(form, field, errors)
        if value is not None:
            out[key] = value
    for field, key in (("historyRetentionBytes", "history_bytes"),
                       ("historyRetentionSeconds", "history_seconds")):
        number = _int(form, field, errors, 0, 1 << 62, "%s must be a non-negative integer" % field)
        if number is not None:
            out[key] = number
    history = ("history_default", "history_bytes", "history_seconds")
    # an update is checked against the bucket's backend as it is: a backend migration (7.6) has not
    # happened yet when the same request asks for history retention
    backend = (out if create else current).get("storage_backend", "couchstore")
    if any(out.get(k) for k in history) and backend != "magma":
        errors["historyRetentionCollectionDefault"] = "History retention can only used with Magma"
    if errors:
        return _errors(errors)
    return out, replicas


def add_routes(router: Router, view: ClusterView) -> None:  # noqa: C901 - one route table
    """Register the administration endpoints on the mgmt router."""
    cluster = view.cluster
    directory: rbac.Directory = cluster.directory

    def need(req: Request, roles: Any, permission: str, bucket: Optional[str] = None) -> Optional[Response]:
        if directory.allowed(req.user, roles, bucket):
            return None
        return forbidden(permission)

    # ---- buckets -------------------------------------------------------------------
    async def create_bucket(req: Request) -> Response:
        denied = need(req, rbac.BUCKET_MANAGE, "cluster.buckets!create")
        if denied:
            return denied
        form = _form(req)
        name = form.get("name", "")
        errors: Dict[str, str] = {}
        if not name:
            errors["name"] = "Bucket name cannot be empty"
        elif not _NAME_RE.match(name) or name.startswith(".") or len(name) > 100:
            errors["name"] = "Bucket name can only contain characters in range A-Z, a-z, 0-9 as well as " \
                             "underscore, period, dash & percent. Consult the documentation."
        elif name in cluster.buckets:
            errors["name"] = "Bucket with given name already exists"
        parsed = _bucket_settings(form, True, {})
        if isinstance(parsed, Response):
            body = json.loads(parsed.body)
            body["errors"].update(errors)
            return Response.json(body, 400)
        if errors:
            return _errors(errors)
        settings, replicas = parsed
        if replicas is None:
            replicas = 1
        if settings.get("bucket_type") == "memcached":
            replicas = 0
        cluster.add_bucket(name, replicas, settings)
        return Response(202, b"")

    async def edit_bucket(req: Request) -> Response:
        name = req.params["bucket"]
        denied = need(req, rbac.BUCKET_MANAGE, "cluster.bucket[%s].settings!write" % name)
        if denied:
            return denied
        bucket = cluster.buckets.get(name)
        if bucket is None:
            return Response.text(_NOT_FOUND, 404)
        parsed = _bucket_settings(_form(req), False, bucket.settings)
        if isinstance(parsed, Response):
            return parsed
        settings, replicas = parsed
        bucket.settings.update(settings)
        if replicas is not None and replicas != bucket.replicas:
            bucket.replicas = replicas
            cluster.rebalance()
        else:
            cluster.bump()
        return Response(200, b"")

    async def drop_bucket(req: Request) -> Response:
        name = req.params["bucket"]
        denied = need(req, rbac.BUCKET_MANAGE, "cluster.buckets!delete")
        if denied:
            return denied
        if name not in cluster.buckets:
            return Response.text(_NOT_FOUND, 404)
        cluster.remove_bucket(name)
        return Response(200, b"")

    async def flush_bucket(req: Request) -> Response:
        name = req.params["bucket"]
        denied = need(req, rbac.BUCKET_MANAGE | {"bucket_admin"}, "cluster.bucket[%s].data!write" % name,
                      name)
        if denied:
            return denied
        bucket = cluster.buckets.get(name)
        if bucket is None:
            return Response.text(_NOT_FOUND, 404)
        if not bucket.settings.get("flush_enabled", False):
            return Response.json({"_": "Flush is disabled for the bucket"}, 400)
        bucket.store.docs.clear()
        return Response(200, b"")

    router.add("POST", "/pools/default/buckets", create_bucket)
    router.add("POST", "/pools/default/buckets/{bucket}", edit_bucket)
    router.add("DELETE", "/pools/default/buckets/{bucket}", drop_bucket)
    router.add("POST", "/pools/default/buckets/{bucket}/controller/doFlush", flush_bucket)

    # ---- scopes and collections ---------------------------------------------------
    def manifest_of(req: Request) -> Any:
        bucket = cluster.buckets.get(req.params["bucket"])
        return None if bucket is None else bucket.store.manifest

    def changed(manifest: Any) -> Response:
        cluster.bump()  # pushes the config whose collectionsManifestUid moved
        return Response.json({"uid": "%x" % manifest.uid})

    def check_manage(req: Request) -> Optional[Response]:
        name = req.params["bucket"]
        return need(req, rbac.COLLECTION_MANAGE, "cluster.bucket[%s].collections!write" % name, name)

    def target(req: Request, scope: bool = False, collection: bool = False) -> Any:
        """The bucket's manifest for a scope/collection write, or the server's refusal: the
        caller's permission, the bucket, and (when asked) the path's scope and collection."""
        denied = check_manage(req)
        if denied:
            return denied
        manifest = manifest_of(req)
        if manifest is None:
            return Response.text(_NOT_FOUND, 404)
        name = req.params.get("scope")
        if scope and name not in manifest.scopes:
            return Response.json({"errors": {"_": "Scope with name \"%s\" is not found" % name}}, 404)
        if collection and req.params["collection"] not in manifest.scopes[name][1]:
            return Response.json({"errors": {"_": "Collection with name \"%s\" in scope \"%s\" is not found"
                                                  % (req.params["collection"], name)}}, 404)
        return manifest

    def bad_name(name: str) -> Optional[Response]:
        error = collection_name_error(name)
        return _errors({"name": error}) if error else None

    async def create_scope(req: Request) -> Response:
        manifest = target(req)
        if isinstance(manifest, Response):
            return manifest
        name = _form(req).get("name", "")
        refused = bad_name(name)
        if refused:
            return refused
        if name in manifest.scopes:
            return _errors({"_": "Scope with name \"%s\" already exists" % name})
        manifest.create(name, None)
        return changed(manifest)

    async def drop_scope(req: Request) -> Response:
        manifest = target(req, scope=True)
        if isinstance(manifest, Response):
            return manifest
        if req.params["scope"] == "_default":
            return _errors({"_": "Deleting _default scope is not allowed"})
        for cid in manifest.drop_scope(req.params["scope"]):
            _drop_docs(req, cid)
        return changed(manifest)

    def _drop_docs(req: Request, cid: int) -> None:
        cluster.buckets[req.params["bucket"]].store.drop_collection_docs(cid)

    def _collection_settings(req: Request, form: Dict[str, str]) -> Any:
        """The settings a create/update asks for, or the server's refusal."""
        settings: Dict[str, Any] = {}
        if "maxTTL" in form:
            try:
                ttl = int(form["maxTTL"])
            except ValueError:
                ttl = -2
            if ttl < -1 or ttl > 2147483647:
                return _errors({"maxTTL": "Max TTL must be an integer between -1 and 2147483647"})
            settings["maxTTL"] = ttl
        if "history" in form:
            value = form["history"].lower()
            if value not in ("true", "false"):
                return _errors({"history": "history must be true or false"})
            settings["history"] = value == "true"
            if cluster.buckets[req.params["bucket"]].settings.get("storage_backend", "couchstore") != "magma":
                return _errors({"history": "Not allowed on this type of bucket"})
        return settings

    async def create_collection(req: Request) -> Response:
        manifest = target(req, scope=True)
        if isinstance(manifest, Response):
            return manifest
        scope, form = req.params["scope"], _form(req)
        name = form.get("name", "")
        refused = bad_name(name)
        if refused:
            return refused
        if name in manifest.scopes[scope][1]:
            return _errors({"_": "Collection with name \"%s\" in scope \"%s\" already exists"
                                 % (name, scope)})
        settings = _collection_settings(req, form)
        if isinstance(settings, Response):
            return settings
        manifest.create(scope, name, settings)
        return changed(manifest)

    async def drop_collection(req: Request) -> Response:
        manifest = target(req, scope=True, collection=True)
        if isinstance(manifest, Response):
            return manifest
        _drop_docs(req, manifest.drop_collection(req.params["scope"], req.params["collection"]))
        return changed(manifest)

    async def update_collection(req: Request) -> Response:
        manifest = target(req, scope=True, collection=True)
        if isinstance(manifest, Response):
            return manifest
        settings = _collection_settings(req, _form(req))
        if isinstance(settings, Response):
            return settings
        manifest.update(manifest.scopes[req.params["scope"]][1][req.params["collection"]], settings)
        return changed(manifest)

    router.add("POST", "/pools/default/buckets/{bucket}/scopes", create_scope)
    router.add("DELETE", "/pools/default/buckets/{bucket}/scopes/{scope}", drop_scope)
    router.add("POST", "/pools/default/buckets/{bucket}/scopes/{scope}/collections", create_collection)
    router.add("DELETE", "/pools/default/buckets/{bucket}/scopes/{scope}/collections/{collection}",
               drop_collection)
    router.add("PATCH", "/pools/default/buckets/{bucket}/scopes/{scope}/collections/{collection}",
               update_collection)
    router.add("POST", "/pools/default/buckets/{bucket}/scopes/{scope}/collections/{collection}",
               update_collection)

    # ---- users, groups, roles -------------------------------------------------------
    def security(req: Request, write: bool) -> Optional[Response]:
        roles = rbac.SECURITY_MANAGE if write else rbac.SECURITY_MANAGE | {"ro_admin", "cluster_admin"}
        return need(req, roles, "cluster.admin.security!%s" % ("write" if write else "read"))

    def bucket_known(name: str) -> bool:
        return name in cluster.buckets

    async def get_roles(req: Request) -> Response:
        denied = security(req, False)
        return denied or Response.json(rbac.roles_catalogue())

    async def get_users(req: Request) -> Response:
        denied = security(req, False)
        if denied:
            return denied
        domain = req.params.get("domain")
        users = [directory.user_json(u) for u in directory.users.values() if domain in (None, u.domain)]
        return Response.json(users)

    async def get_user(req: Request) -> Response:
        denied = security(req, False)
        if denied:
            return denied
        entry = directory.users.get(req.params["name"])
        if entry is None or entry.domain != req.params["domain"]:
            return Response.json('"Unknown user."', 404)
        return Response.json(directory.user_json(entry))

    async def put_user(req: Request) -> Response:
        denied = security(req, True)
        if denied:
            return denied
        domain, name = req.params["domain"], req.params["name"]
        if domain not in ("local", "external"):
            return Response.text(_NOT_FOUND, 404)
        form = _form(req)
        errors: Dict[str, str] = {}
        try:
            roles = rbac.parse_roles(form.get("roles", ""), bucket_known)
        except RoleError as exc:
            errors["roles"] = str(exc)
            roles = []
        groups = [g for g in form.get("groups", "").split(",") if g]
        missing = [g for g in groups if g not in directory.groups]
        if missing:
            errors["groups"] = "Groups do not exist: %s" % ", ".join(missing)
        existing = directory.users.get(name)
        password = form.get("password")
        if domain == "local":
            if password is None and existing is None:
                errors["password"] = "Password is required for a new local user"
            elif password is not None and len(password) < 6:
                errors["password"] = "The password must be at least 6 characters long."
        elif password is not None:
            errors["password"] = "Password is not allowed for external users"
        if name == directory.admin_user:
            errors["id"] = "Username must not be the same as the administrator's"
        if errors:
            return _errors(errors)
        if existing is None or existing.domain != domain:
            existing = User(name, password or "", domain=domain)
            directory.users[name] = existing
        if password is not None:
            existing.password = password
            existing.password_change_date = directory.now_text()
        existing.display_name = form.get("name", existing.display_name)
        existing.roles = roles
        existing.groups = groups
        return Response(200, b'""', content_type="application/json")

    async def delete_user(req: Request) -> Response:
        denied = security(req, True)
        if denied:
            return denied
        entry = directory.users.get(req.params["name"])
        if entry is None or entry.domain != req.params["domain"]:
            return Response.json('"Unknown user."', 404)
        del directory.users[entry.name]
        cluster.drop_user_connections(entry.name)
        return Response(200, b'""', content_type="application/json")

    async def get_groups(req: Request) -> Response:
        denied = security(req, False)
        return denied or Response.json([g.as_json() for g in directory.groups.values()])

    async def get_group(req: Request) -> Response:
        denied = security(req, False)
        if denied:
            return denied
        group = directory.groups.get(req.params["name"])
        if group is None:
            return Response.json('"Unknown group."', 404)
        return Response.json(group.as_json())

    async def put_group(req: Request) -> Response:
        denied = security(req, True)
        if denied:
            return denied
        form = _form(req)
        try:
            roles = rbac.parse_roles(form.get("roles", ""), bucket_known)
        except RoleError as exc:
            return _errors({"roles": str(exc)})
        name = req.params["name"]
        directory.groups[name] = Group(name, form.get("description", ""), roles,
                                       form.get("ldap_group_ref", ""))
        return Response(200, b'""', content_type="application/json")

    async def delete_group(req: Request) -> Response:
        denied = security(req, True)
        if denied:
            return denied
        name = req.params["name"]
        if name not in directory.groups:
            return Response.json('"Unknown group."', 404)
        del directory.groups[name]
        for user in directory.users.values():
            if name in user.groups:
                user.groups.remove(name)
        return Response(200, b'""', content_type="application/json")

    async def whoami(req: Request) -> Response:
        user = req.user or ""
        entry = directory.users.get(user)
        roles = [r.as_json() for r in directory.effective_roles(user)]
        return Response.json({"id": user, "domain": entry.domain if entry else "admin", "roles": roles,
                              "name": entry.display_name if entry else ""})

    async def change_password(req: Request) -> Response:
        password = _form(req).get("password", "")
        if len(password) < 6:
            return _errors({"password": "The password must be at least 6 characters long."})
        if req.user == directory.admin_user:
            directory.admin_password = password
            cluster.password = password
        elif req.user in directory.users:
            directory.users[req.user].password = password
            directory.users[req.user].password_change_date = directory.now_text()
        return Response(200, b"")

    router.add("GET", "/settings/rbac/roles", get_roles)
    router.add("GET", "/settings/rbac/users", get_users)
    router.add("GET", "/settings/rbac/users/{domain}", get_users)
    router.add("GET", "/settings/rbac/users/{domain}/{name}", get_user)
    router.add("PUT", "/settings/rbac/users/{domain}/{name}", put_user)
    router.add("DELETE", "/settings/rbac/users/{domain}/{name}", delete_user)
    router.add("GET", "/settings/rbac/groups", get_groups)
    router.add("GET", "/settings/rbac/groups/{name}", get_group)
    router.add("PUT", "/settings/rbac/groups/{name}", put_group)
    router.add("DELETE", "/settings/rbac/groups/{name}", delete_group)
    async def get_client_cert_auth(req: Request) -> Response:
        denied = security(req, False)
        return denied or Response.json(cluster.client_cert_auth.to_json())

    async def post_client_cert_auth(req: Request) -> Response:
        denied = security(req, True)
        if denied:
            return denied
        try:
            body = json.loads(req.body.decode("utf-8") or "null")
        except ValueError:
            return Response.json({"errors": ["Invalid JSON"]}, 400)
        errors = cluster.client_cert_auth.update(body)
        return Response.json({"errors": errors}, 400) if errors else Response(202, b"")

    router.add("GET", "/settings/clientCertAuth", get_client_cert_auth)
    router.add("POST", "/settings/clientCertAuth", post_client_cert_auth)
    router.add("GET", "/whoami", whoami)
    router.add("POST", "/controller/changePassword", change_password)


def bucket_read_denied(view: ClusterView, req: Request, bucket: str) -> Optional[Response]:
    """403 unless the caller may see ``bucket`` (its config, manifest, design documents)."""
    directory: Optional[rbac.Directory] = getattr(view.cluster, "directory", None)
    if (directory is None or directory.can_open_bucket(req.user, bucket)
            or directory.allowed(req.user, rbac.ADMIN_READ)):
        return None
    return forbidden("cluster.bucket[%s].settings!read" % bucket)

