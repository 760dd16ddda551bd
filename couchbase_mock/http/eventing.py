"""The eventing (``eventingAdminPort``, "8096") port of one node: functions as REST state.

``POST|GET|DELETE /api/v1/functions/<name>``, ``GET /api/v1/functions``,
``POST /api/v1/functions/<name>/{deploy,undeploy,pause,resume}`` and
``GET /api/v1/status``; ``?bucket=<b>&scope=<s>`` selects a scope's functions
(without it: the admin scope ``*.*``). Functions do not run: deploying moves
the state machine (undeployed -> deployed <-> paused -> undeployed) as the
service reports it. Errors are the service's JSON (``name``, ``code``,
``description``, ``runtime_info``): ERR_APP_NOT_FOUND_TS, ERR_APP_NOT_DEPLOYED,
ERR_APP_ALREADY_DEPLOYED, ERR_APP_NOT_UNDEPLOYED, ERR_HANDLER_COMPILATION
(unbalanced braces or no handler), ERR_SRC_MB_SAME, ERR_COLLECTION_MISSING,
ERR_BUCKET_MISSING, ERR_APP_NOT_BOOTSTRAPPED (pausing an undeployed function). URL bindings'
passwords and bearer keys are listed masked (``*****``); an upsert sending the mask back keeps
the stored secret.

RBAC, as the 7.1+ service checks it (its ``rbac`` package asking cbauth): a function whose
function scope is ``b.s`` is managed (changed, dropped, deployed, undeployed, paused, resumed)
with ``cluster.collection[b:s:*].eventing.function!manage`` -- ``eventing_manage_functions[b:s]``
(or ``[b]``), ``eventing_admin``, ``admin``, ``backup_admin`` -- and an admin-scope (``*.*``)
function only by the last three (``cluster.eventing.functions!manage``). Reading one needs either
permission (or ``cluster.admin.security!read``, which no role the mock models grants besides
``admin``); the listing and ``/api/v1/status`` show only the functions the user may read. Creating
a function also needs, all at once, ``data.dcpstream!read`` on its source keyspace and
``data.docs!read|insert|upsert|delete`` on its metadata keyspace; the creator becomes the
function's owner, whose permissions are checked again on deploy and resume (a deleted owner
fails too). A missing function is 404 before any permission is checked. A refusal is HTTP 403
``{"name": "ERR_FORBIDDEN", "code": 60, "description": "Forbidden. User needs atleast one of the
following permissions: [...]"}`` (the service's wording and Go list formatting).
"""
from __future__ import annotations

import uuid
import weakref
from typing import Any, Dict, List, Optional, Tuple

from couchbase_mock.rbac import DATA_PRIVILEGES, EVENTING_MANAGE_ALL, EVENTING_MANAGE_SCOPE, Directory

from .cluster_view import ClusterView
from .server import Request, Response, Router

__all__ = ["make_router"]

_CODES = {"ERR_APP_NOT_FOUND_TS": 20, "ERR_APP_NOT_DEPLOYED": 17, "ERR_APP_ALREADY_DEPLOYED": 22,
          "ERR_APP_NOT_UNDEPLOYED": 28, "ERR_HANDLER_COMPILATION": 35, "ERR_SRC_MB_SAME": 12,
          "ERR_COLLECTION_MISSING": 35, "ERR_BUCKET_MISSING": 34, "ERR_INVALID_CONFIG": 39,
          "ERR_FORBIDDEN": 60}
_STATUS = {"ERR_APP_NOT_FOUND_TS": 404, "ERR_HANDLER_COMPILATION": 422, "ERR_FORBIDDEN": 403}

_MANAGE_ALL = "cluster.eventing.functions!manage"
_SECURITY_READ = "cluster.admin.security!read"
_OWNER = "_owner"  # the creating user, kept with the function and never listed

_functions: "weakref.WeakKeyDictionary[Any, Dict[Tuple[str, str, str], Dict[str, Any]]]" = \
    weakref.WeakKeyDictionary()


_MASK = "*****"
_SECRETS = ("password", "bearer_key")


def _masked(fn: Dict[str, Any]) -> Dict[str, Any]:
    """A function as the service lists it: URL bindings' passwords and bearer keys masked, no owner."""
    fn = {k: v for k, v in fn.items() if k != _OWNER}
    curl = (fn.get("depcfg") or {}).get("curl")
    if not curl:
        return fn
    masked = [dict(b, **{k: _MASK for k in _SECRETS if b.get(k)}) for b in curl]
    return dict(fn, depcfg=dict(fn["depcfg"], curl=masked))


def _keep_masked_secrets(fn: Dict[str, Any], old: Optional[Dict[str, Any]]) -> None:
    """An upsert sending a listed (masked) secret back keeps the stored one, as the service does."""
    old_curl = {b.get("value"): b for b in ((old or {}).get("depcfg") or {}).get("curl") or []}
    for binding in (fn.get("depcfg") or {}).get("curl") or []:
        for k in _SECRETS:
            if binding.get(k) == _MASK and binding.get("value") in old_curl:
                binding[k] = old_curl[binding["value"]].get(k)


def _error(name: str, description: str, info: str = "") -> Response:
    body: Dict[str, Any] = {"name": name, "code": _CODES.get(name, 10), "description": description,
                            "attributes": None,
                            "runtime_info": {"code": _CODES.get(name, 10), "info": info or description}}
    return Response.json(body, _STATUS.get(name, 400))


def _rbac_name(part: Optional[str]) -> str:
    return "*" if part in (None, "", "*") else str(part)


def _scope_permission(bucket: str, scope: str) -> str:
    """The permission to manage the functions of function scope ``bucket.scope``."""
    return f"cluster.collection[{_rbac_name(bucket)}:{_rbac_name(scope)}:*].eventing.function!manage"


def _data_permission(keyspace: Tuple[Optional[str], Optional[str], Optional[str]], privilege: str) -> str:
    bucket, scope, collection = keyspace
    return (f"cluster.collection[{_rbac_name(bucket)}:{_rbac_name(scope or '_default')}:"
            f"{_rbac_name(collection or '_default')}].data.{privilege}")


def _forbidden(missing: List[str], who: str = "User needs atleast one of") -> Response:
    """The service's ERR_FORBIDDEN, listing the missing permissions as Go prints a slice."""
    return _error("ERR_FORBIDDEN", f"Forbidden. {who} the following permissions: [{' '.join(missing)}]")


def _compiles(code: str) -> bool:
    """A rough compile check: balanced brackets and an OnUpdate or OnDelete handler."""
    depth = 0
    for ch in code:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and ("OnUpdate" in code or "OnDelete" in code)


def make_router(view: ClusterView, node: Any) -> Router:
    """The eventing-port router of ``node`` (state shared by every node of the cluster)."""
    router = Router()
    cluster = view.cluster
    functions = _functions.setdefault(cluster, {})

    def scope_of(req: Request) -> Tuple[str, str]:
        return req.arg("bucket", "*") or "*", req.arg("scope", "*") or "*"

    def lookup(req: Request) -> Tuple[Tuple[str, str, str], Optional[Dict[str, Any]]]:
        bucket, scope = scope_of(req)
        key = (bucket, scope, req.params["name"])
        return key, functions.get(key)

    def directory() -> Directory:
        return cluster.directory  # type: ignore[no-any-return]  # read per request: roles change live

    def may_manage(user: Optional[str], bucket: str, scope: str) -> bool:
        """``eventing.function!manage`` on function scope ``bucket.scope`` (the admin scope ``*.*``:
        only the cluster-wide ``eventing.functions!manage``)."""
        if directory().allowed(user, EVENTING_MANAGE_ALL):
            return True
        if "*" in (bucket, scope):
            return False
        return directory().allowed_exactly(user, EVENTING_MANAGE_SCOPE, bucket, scope)

    def may_read(user: Optional[str], key: Tuple[str, str, str]) -> bool:
        return may_manage(user, key[0], key[1])  # cluster.admin.security!read: admin only here

    def may_data(user: Optional[str], keyspace: Tuple[Optional[str], Optional[str], Optional[str]],
                 privilege: str) -> bool:
        bucket, scope, collection = keyspace
        return directory().allowed(user, DATA_PRIVILEGES[privilege], bucket or "", scope or "_default",
                                 collection or "_default")

    def missing_to_create(user: Optional[str], key: Tuple[str, str, str], fn: Dict[str, Any]) -> List[str]:
        """What ``user`` lacks to own ``fn`` (eventing's HandlerManagePermissions plus
        HandlerBucketPermissions: all are needed)."""
        dep = fn.get("depcfg") or {}
        src = (dep.get("source_bucket"), dep.get("source_scope"), dep.get("source_collection"))
        meta = (dep.get("metadata_bucket"), dep.get("metadata_scope"), dep.get("metadata_collection"))
        missing = [] if may_manage(user, key[0], key[1]) else [_scope_permission(key[0], key[1])]
        wanted = [(src, "dcpstream!read")] + [(meta, p) for p in ("docs!read", "docs!insert", "docs!upsert",
                                                                   "docs!delete")]
        missing += [_data_permission(ks, p) for ks, p in wanted if not may_data(user, ks, p)]
        return missing

    def refuse_manage(req: Request, key: Tuple[str, str, str]) -> Optional[Response]:
        if may_manage(req.user, key[0], key[1]):
            return None
        return _forbidden([_scope_permission(key[0], key[1])])

    def refuse_read(req: Request, key: Tuple[str, str, str]) -> Optional[Response]:
        if may_read(req.user, key):
            return None
        return _forbidden([_scope_permission(key[0], key[1]), _MANAGE_ALL, _SECURITY_READ])

    def refuse_owner(key: Tuple[str, str, str], fn: Dict[str, Any]) -> Optional[Response]:
        """Deploying or resuming runs the function as its owner: the owner must still hold it all."""
        owner = fn.get(_OWNER)
        if owner is None:
            return None
        if directory().password_of(owner) is None:
            return _error("ERR_FORBIDDEN", "User who created the function does not exist in the system")
        missing = missing_to_create(owner, key, fn)
        if missing:
            return _forbidden(missing, "User who created the function is missing all of")
        return None

    def keyspace_missing(bucket: Optional[str], scope: Optional[str],
                         collection: Optional[str]) -> Optional[str]:
        b = cluster.buckets.get(bucket or "")
        if b is None:
            return "ERR_BUCKET_MISSING"
        cid, _ = b.store.manifest.cid(scope or "_default", collection or "_default")
        return "ERR_COLLECTION_MISSING" if cid is None else None

    async def upsert(req: Request) -> Response:
        key, old = lookup(req)
        try:
            body = req.json()
        except ValueError as exc:
            return _error("ERR_INVALID_CONFIG", f"Unable to unmarshal the function definition: {exc}")
        if not isinstance(body, dict) or body.get("appname") not in (None, req.params["name"]):
            return _error("ERR_INVALID_CONFIG", "Function name in the URL and the body differ")
        if old is None:
            lacking = missing_to_create(req.user, key, body)
            if lacking:
                return _forbidden(lacking)
        else:
            refused = refuse_manage(req, key)
            if refused is not None:
                return refused
        if old is not None and old["settings"].get("deployment_status"):
            return _error("ERR_APP_NOT_UNDEPLOYED", f"Function: {key[2]} is deployed; undeploy it first")
        dep = body.get("depcfg") or {}
        src = (dep.get("source_bucket"), dep.get("source_scope"), dep.get("source_collection"))
        meta = (dep.get("metadata_bucket"), dep.get("metadata_scope"), dep.get("metadata_collection"))
        for ks in (src, meta):
            missing = keyspace_missing(*ks)
            if missing:
                return _error(missing, f"Keyspace {'.'.join(str(p) for p in ks)} does not exist")
        if src == meta:
            return _error("ERR_SRC_MB_SAME", "Source keyspace and metadata keyspace are the same")
        if not _compiles(str(body.get("appcode", ""))):
            return _error("ERR_HANDLER_COMPILATION", "Function compilation failed")
        settings = dict(body.get("settings") or {})
        settings.setdefault("dcp_stream_boundary", "everything")
        settings.setdefault("language_compatibility", "7.2.0")
        settings.setdefault("log_level", "INFO")
        settings.setdefault("execution_timeout", 60)
        settings["deployment_status"] = False
        settings["processing_status"] = False
        fn = dict(body, appname=key[2], settings=settings, version=body.get("version") or "evt-7.6.2-3721-ee",
                  handleruuid=body.get("handleruuid") or uuid.uuid4().int & 0xFFFFFFFF,
                  function_instance_id=uuid.uuid4().hex[:8],
                  function_scope={"bucket": key[0], "scope": key[1]})
        fn.pop(_OWNER, None)
        fn[_OWNER] = req.user if old is None else old.get(_OWNER)
        _keep_masked_secrets(fn, functions.get(key))
        functions[key] = fn
        return Response.json({"code": 0, "info": {"status": "Stored function: '%s' in metakv" % key[2]}})

    async def get_one(req: Request) -> Response:
        key, fn = lookup(req)
        if fn is None:
            return _error("ERR_APP_NOT_FOUND_TS", f"Function: {key[2]} not found")
        return refuse_read(req, key) or Response.json(_masked(fn))

    async def get_all(req: Request) -> Response:
        bucket, scope = scope_of(req)
        return Response.json([_masked(fn) for (b, s, n), fn in functions.items()
                              if (b, s) == (bucket, scope) and may_read(req.user, (b, s, n))])

    async def drop(req: Request) -> Response:
        key, fn = lookup(req)
        if fn is None:
            return _error("ERR_APP_NOT_FOUND_TS", f"Function: {key[2]} not found")
        refused = refuse_manage(req, key)
        if refused is not None:
            return refused
        if fn["settings"].get("deployment_status"):
            return _error("ERR_APP_NOT_UNDEPLOYED", f"Function: {key[2]} is deployed; undeploy it first")
        del functions[key]
        return Response.json({"code": 0, "info": {"status": "Deleted function: '%s'" % key[2]}})

    async def action(req: Request) -> Response:
        key, fn = lookup(req)
        if fn is None:
            return _error("ERR_APP_NOT_FOUND_TS", f"Function: {key[2]} not found")
        what = req.params["action"]
        if what not in ("deploy", "undeploy", "pause", "resume"):
            return Response.text("Requested resource not found.\r\n", 404)
        refused = refuse_manage(req, key)
        if refused is not None:
            return refused
        settings = fn["settings"]
        deployed, running = bool(settings.get("deployment_status")), bool(settings.get("processing_status"))
        if what == "deploy":
            if deployed:
                return _error("ERR_APP_ALREADY_DEPLOYED", f"Function: {key[2]} is already deployed")
            refused = refuse_owner(key, fn)
            if refused is not None:
                return refused
            settings["deployment_status"] = settings["processing_status"] = True
        elif what == "undeploy":
            if not deployed:
                return _error("ERR_APP_NOT_DEPLOYED", f"Function: {key[2]} not deployed")
            settings["deployment_status"] = settings["processing_status"] = False
        elif what == "pause":
            if not deployed:  # 7.x: an undeployed function was never bootstrapped
                return _error("ERR_APP_NOT_BOOTSTRAPPED", f"Function: {key[2]} is not bootstrapped")
            if not running:
                return _error("ERR_APP_NOT_DEPLOYED", f"Function: {key[2]} not deployed",
                              "Function is already in paused state")
            settings["processing_status"] = False
        elif what == "resume":
            if not deployed:
                return _error("ERR_APP_NOT_DEPLOYED", f"Function: {key[2]} not deployed")
            if running:
                return _error("ERR_APP_ALREADY_DEPLOYED", f"Function: {key[2]} is already running")
            refused = refuse_owner(key, fn)
            if refused is not None:
                return refused
            settings["processing_status"] = True
        return Response.json({"code": 0, "info": {"status": f"{what} request accepted"}})

    async def status(req: Request) -> Response:
        apps = []
        for (b, s_, name), fn in functions.items():
            if not may_read(req.user, (b, s_, name)):
                continue
            s = fn["settings"]
            deployed, running = bool(s.get("deployment_status")), bool(s.get("processing_status"))
            composite = "undeployed" if not deployed else ("deployed" if running else "paused")
            apps.append({"name": name, "composite_status": composite, "num_bootstrapping_nodes": 0,
                         "num_deployed_nodes": len(view.nodes()) if deployed else 0,
                         "deployment_status": deployed,
                         "processing_status": running, "redeploy_required": False,
                         "function_scope": fn["function_scope"]})
        return Response.json({"apps": apps, "num_eventing_nodes": len(view.nodes())})

    router.add("GET", "/api/v1/functions", get_all)
    router.add("GET", "/api/v1/functions/{name}", get_one)
    router.add("POST", "/api/v1/functions/{name}", upsert)
    router.add("DELETE", "/api/v1/functions/{name}", drop)
    router.add("POST", "/api/v1/functions/{name}/{action}", action)
    router.add("GET", "/api/v1/status", status)
    return router


