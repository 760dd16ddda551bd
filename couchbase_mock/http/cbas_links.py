"""The analytics service's link REST API (``/analytics/link``): remote Couchbase, S3 and Azure
blob links of each dataverse, as REST state (nothing is ever fetched through them).

Two addressings, as the server has them:

* ``/analytics/link`` with ``dataverse`` and ``name`` in the form body (POST/PUT/DELETE) or the
  query string (GET): one-part dataverse names (6.6 style, still accepted by 7.x);
* ``/analytics/link/<scope>[/<name>]`` with the dataverse percent-encoded as one path segment
  (``bucket%2Fscope``): any dataverse name (7.0+).

POST creates, PUT replaces, DELETE drops, GET lists (``type=`` narrows; a named link that does
not exist lists as ``[]``). Errors are the service's ``{"errors": [{"code", "msg"}],
"status": "fatal"}``: 24055 link exists, 24006 link does not exist, 24034 dataverse not found;
a missing or invalid field is a 400. Secrets (password, client key, secret access key, account
key, shared access signature) are stored but listed redacted, as the server does. Managing
links needs ``cluster.analytics!manage`` (``admin``, ``analytics_admin``, ``eventing_admin``,
``backup_admin``), or for a ``bucket/scope`` dataverse the bucket's (also ``analytics_manager``
and ``data_backup`` on it); listing also ``ro_admin`` and ``analytics_reader``.

The links of a dataverse go with it: a dropped dataverse (even if re-created) has none.
"""
from __future__ import annotations

import weakref
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlsplit

from couchbase_mock.query.engine import service_for
from couchbase_mock.rbac import ANALYTICS_MANAGE_BUCKET, ANALYTICS_MANAGE_CLUSTER

from .admin import forbidden
from .cluster_view import ClusterView
from .server import Request, Response, Router

__all__ = ["add_routes"]

_REDACTED = "<redacted sensitive entry>"
# form field -> (required, secret) per link type
_FIELDS: Dict[str, Dict[str, Tuple[bool, bool]]] = {
    "couchbase": {"hostname": (True, False), "encryption": (False, False), "username": (False, False),
                  "password": (False, True), "certificate": (False, False),
                  "clientCertificate": (False, False), "clientKey": (False, True)},
    "s3": {"accessKeyId": (True, False), "secretAccessKey": (True, True), "region": (True, False),
           "sessionToken": (False, True), "serviceEndpoint": (False, False)},
    "azureblob": {"connectionString": (False, True), "accountName": (False, False),
                  "accountKey": (False, True), "sharedAccessSignature": (False, True),
                  "blobEndpoint": (False, False),
                  "endpointSuffix": (False, False)},
}
_MANAGE = ANALYTICS_MANAGE_CLUSTER
_READ = _MANAGE | {"ro_admin", "analytics_reader"}

# catalog -> {(dataverse, name): (the dataverse's catalogue entry when created, link fields)}
_links: "weakref.WeakKeyDictionary[Any, Dict[Tuple[str, str], Tuple[Any, Dict[str, str]]]]" = \
    weakref.WeakKeyDictionary()


def _error(status: int, code: int, msg: str) -> Response:
    return Response.json({"errors": [{"code": code, "msg": msg}], "status": "fatal"}, status)


def _fields(req: Request) -> Dict[str, str]:
    source = req.query if req.method == "GET" else parse_qs(req.body.decode("utf-8", "replace"),
                                                             keep_blank_values=True)
    return {k: v[-1] for k, v in source.items()}


def _address(req: Request, fields: Dict[str, str]) -> Tuple[Optional[str], Optional[str]]:
    """(dataverse, link name) from the path segments (percent-decoded one by one) or the fields."""
    raw = urlsplit(req.target).path.rstrip("/")
    segments = [unquote(s) for s in raw.split("/")[3:]]  # "", "analytics", "link", ...
    if segments:
        return segments[0], (segments[1] if len(segments) > 1 else None)
    return fields.get("dataverse") or fields.get("scope"), fields.get("name")


def _validate(kind: Optional[str], fields: Dict[str, str]) -> Optional[str]:
    if kind not in _FIELDS:
        return f"Invalid value for parameter 'type': {kind!r} (couchbase, s3, azureblob)"
    missing = [name for name, (required, _) in _FIELDS[kind].items() if required and not fields.get(name)]
    if missing:
        return f"Parameter(s) {missing} must be specified"
    if kind == "couchbase":
        level = fields.get("encryption") or "none"
        if level not in ("none", "half", "full"):
            return f"Invalid value for parameter 'encryption': {level}"
        if level in ("none", "half") and not (fields.get("username") and fields.get("password")):
            return "Parameter(s) [username, password] must be specified"
        if level == "full" and not (fields.get("certificate") and fields.get("clientCertificate")
                                    and fields.get("clientKey")):
            return "Parameter(s) [certificate, clientCertificate, clientKey] must be specified"
    if kind == "azureblob" and not fields.get("connectionString") and not (
            fields.get("accountName") and (fields.get("accountKey") or fields.get("sharedAccessSignature"))):
        return ("Parameter(s) [connectionString] or [accountName, accountKey|sharedAccessSignature] "
                "must be specified")
    return None


def add_routes(router: Router, view: ClusterView) -> None:
    """Register ``/analytics/link`` on the cbas router of a node."""
    cluster = view.cluster

    def table() -> Tuple[Any, Dict[Tuple[str, str], Tuple[Any, Dict[str, str]]]]:
        catalog = service_for(cluster).analytics_catalog
        links = _links.setdefault(catalog, {})
        for key in [k for k, (owner, _) in links.items() if catalog.dataverses.get(k[0]) is not owner]:
            del links[key]  # its dataverse was dropped
        return catalog, links

    def allowed(req: Request, roles: Any, dataverse: Optional[str]) -> bool:
        directory = cluster.directory
        if directory.allowed(req.user, roles):
            return True
        parts = (dataverse or "").split("/")
        return len(parts) == 2 and directory.allowed(req.user, ANALYTICS_MANAGE_BUCKET, parts[0])

    def listing(dataverse: str, name: str, entry: Dict[str, str]) -> Dict[str, Any]:
        out: Dict[str, Any] = {"scope": dataverse, "name": name, "type": entry["type"]}
        for field, (_, secret) in _FIELDS[entry["type"]].items():
            value = entry.get(field)
            out[field] = _REDACTED if secret and value else (value or None)
        if entry["type"] == "couchbase":
            out["activeHostname"] = entry.get("hostname")
            out["encryption"] = entry.get("encryption") or "none"
        return out

    async def handle(req: Request) -> Response:
        fields = _fields(req)
        dataverse, name = _address(req, fields)
        if not allowed(req, _READ if req.method == "GET" else _MANAGE, dataverse):
            return forbidden("cluster.analytics!manage" if req.method != "GET" else "cluster.analytics!read")
        catalog, links = table()
        if req.method == "GET":
            kind = fields.get("type")
            if dataverse is not None and dataverse not in catalog.dataverses:
                return _error(404, 24034, f"Cannot find analytics scope with name {dataverse}")
            rows: List[Dict[str, Any]] = [
                listing(dv, ln, entry) for (dv, ln), (_, entry) in sorted(links.items())
                if (dataverse is None or dv == dataverse) and (name is None or ln == name)
                and (kind is None or entry["type"] == kind)]
            return Response.json(rows)
        if not dataverse:
            return _error(400, 24000, "Parameter(s) [dataverse] must be specified")
        if not name:
            return _error(400, 24000, "Parameter(s) [name] must be specified")
        if dataverse not in catalog.dataverses or dataverse == "Metadata":
            return _error(404, 24034, f"Cannot find analytics scope with name {dataverse}")
        key = (dataverse, name)
        if req.method == "DELETE":
            if key not in links:
                return _error(404, 24006, f"Link [{dataverse}.{name}] does not exist")
            del links[key]
            return Response(200)
        kind = fields.get("type")
        if req.method == "POST" and (key in links or name == "Local"):
            return _error(409, 24055, f"Link [{dataverse}.{name}] already exists")
        if req.method == "PUT" and key not in links:  # (the Local link is not REST state either)
            return _error(404, 24006, f"Link [{dataverse}.{name}] does not exist")
        problem = _validate(kind, fields)
        if problem is None and req.method == "PUT" and links[key][1]["type"] != kind:
            problem = f"Link [{dataverse}.{name}] is of type {links[key][1]['type']}, not {kind}"
        if problem is not None:
            return _error(400, 24000, problem)
        entry = {"type": str(kind)}
        entry.update({f: fields[f] for f in _FIELDS[str(kind)] if fields.get(f)})
        links[key] = (catalog.dataverses[dataverse], entry)
        return Response(200)

    for method in ("GET", "POST", "PUT", "DELETE"):
        router.add(method, "/analytics/link", handle)
        router.add(method, "/analytics/link/{rest:path}", handle)
