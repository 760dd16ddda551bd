"""The eventing service's RBAC in the mock, as eventing 7.1+ checks it (its rbac package over
cbauth): ``cluster.collection[b:s:*].eventing.function!manage`` for the functions of function scope
``b.s`` (``eventing_manage_functions[b:s]``), ``cluster.eventing.functions!manage`` for the admin scope
``*.*`` (``eventing_admin``, ``admin``, ``backup_admin``), the creator's data access to the source
(``data.dcpstream!read``) and metadata (``data.docs!read|insert|upsert|delete``) keyspaces, checked
again for the owner on deploy and resume. A refusal is ERR_FORBIDDEN (code 60) with HTTP 403.
Everything goes over real sockets to one mock."""
from __future__ import annotations

import json
import urllib.parse
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest
from http_fakes import request

from couchbase_mock import MockCluster

CODE = "function OnUpdate(doc, meta) { log(meta.id); }"
ADMIN_SCOPE = "cluster.collection[*:*:*].eventing.function!manage"
READ_ANY = "cluster.eventing.functions!manage cluster.admin.security!read"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockCluster]:
    with MockCluster(nodes=1, buckets=["default", "other"]) as m:
        ports = m.pinned_ports()
        base = "/pools/default/buckets/default/scopes"
        for path, form in ((base, "name=s"), (base, "name=t"), (f"{base}/s/collections", "name=src"),
                           (f"{base}/t/collections", "name=src")):
            status, _ = _call(ports["node0.mgmt"], "POST", path, form.encode(), m.username, m.password,
                              "application/x-www-form-urlencoded")
            assert status == 200, path
        yield m


def _call(port: int, method: str, path: str, body: Optional[bytes], who: str, password: str,
          ctype: str = "application/json") -> Tuple[int, Any]:
    return request(port, method, path, body, user=who, password=password, content_type=ctype)


class Eventing:
    """One user's view of the eventing REST API (``bucket``/``scope``: a function scope)."""

    def __init__(self, mock: MockCluster, who: str, password: str, bucket: str = "*",
                 scope: str = "*") -> None:
        self.port = mock.pinned_ports()["node0.eventing"]
        self.who, self.password = who, password
        self.query = "" if bucket == "*" else "?" + urllib.parse.urlencode({"bucket": bucket, "scope": scope})

    def __call__(self, method: str, path: str, body: Any = None) -> Tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        return _call(self.port, method, "/api/v1/" + path + self.query, data, self.who, self.password)

    def upsert(self, name: str, source: Tuple[str, str, str], meta: Tuple[str, str, str]) -> Tuple[int, Any]:
        return self("POST", f"functions/{name}", {
            "appname": name, "appcode": CODE,
            "depcfg": {"source_bucket": source[0], "source_scope": source[1], "source_collection": source[2],
                       "metadata_bucket": meta[0], "metadata_scope": meta[1], "metadata_collection": meta[2]},
            "settings": {}})


def make_user(mock: MockCluster, name: str, roles: str) -> Tuple[str, str]:
    password = f"pw-{name}"
    form = urllib.parse.urlencode({"password": password, "roles": roles}).encode()
    status, _ = _call(mock.pinned_ports()["node0.mgmt"], "PUT", f"/settings/rbac/users/local/{name}", form,
                      mock.username, mock.password, "application/x-www-form-urlencoded")
    assert status == 200
    return name, password


def drop_user(mock: MockCluster, name: str) -> None:
    _call(mock.pinned_ports()["node0.mgmt"], "DELETE", f"/settings/rbac/users/local/{name}", None,
          mock.username, mock.password)


def forbidden(reply: Tuple[int, Any], *permissions: str) -> None:
    status, body = reply
    assert status == 403, reply
    assert body["name"] == "ERR_FORBIDDEN" and body["code"] == 60
    assert body["description"] == ("Forbidden. User needs atleast one of the following permissions: [%s]"
                                   % " ".join(permissions))


SRC, META = ("default", "_default", "_default"), ("other", "_default", "_default")
DATA_NEEDED = ["cluster.collection[default:_default:_default].data.dcpstream!read",
               "cluster.collection[other:_default:_default].data.docs!read",
               "cluster.collection[other:_default:_default].data.docs!insert",
               "cluster.collection[other:_default:_default].data.docs!upsert",
               "cluster.collection[other:_default:_default].data.docs!delete"]


@pytest.fixture
def admin(mock: MockCluster) -> Iterator[Eventing]:
    ev = Eventing(mock, mock.username, mock.password)
    yield ev
    for fn in ev("GET", "functions")[1]:  # leave no function behind
        if fn["settings"].get("deployment_status"):
            ev("POST", f"functions/{fn['appname']}/undeploy")
        ev("DELETE", f"functions/{fn['appname']}")


def test_a_data_reader_may_not_create_a_function(mock: MockCluster, admin: Eventing) -> None:
    reader = Eventing(mock, *make_user(mock, "ev-reader", "data_reader[default]"))
    # data_reader reads docs on the source but has no DCP stream; nothing on the metadata bucket
    forbidden(reader.upsert("f", SRC, META), ADMIN_SCOPE, *DATA_NEEDED)
    assert admin("GET", "functions/f")[0] == 404  # nothing stored


def test_a_data_reader_may_not_touch_an_admins_function(mock: MockCluster, admin: Eventing) -> None:
    assert admin.upsert("f", SRC, META)[0] == 200
    reader = Eventing(mock, *make_user(mock, "ev-reader", "data_reader[default]"))
    forbidden(reader("GET", "functions/f"), ADMIN_SCOPE, *READ_ANY.split())
    for action in ("deploy", "undeploy", "pause", "resume"):
        forbidden(reader("POST", f"functions/f/{action}"), ADMIN_SCOPE)
    forbidden(reader("DELETE", "functions/f"), ADMIN_SCOPE)
    forbidden(reader.upsert("f", SRC, META), ADMIN_SCOPE)  # an update needs only the scope's manage
    assert reader("GET", "functions") == (200, [])  # the listing shows what it may read: nothing
    assert reader("GET", "status")[1]["apps"] == []
    assert reader("GET", "functions/nothing")[0] == 404  # a missing function: 404 before permissions
    status, body = admin("GET", "functions/f")
    assert status == 200 and body["settings"]["deployment_status"] is False  # untouched
    assert "_owner" not in body  # the owner is never listed


@pytest.mark.parametrize("roles", ["eventing_admin", "backup_admin"])
def test_cluster_wide_eventing_roles_manage_the_admin_scope(mock: MockCluster, admin: Eventing,
                                                             roles: str) -> None:
    ev = Eventing(mock, *make_user(mock, "ev-admin", roles))
    assert ev.upsert("f", SRC, META)[0] == 200
    assert ev("POST", "functions/f/deploy")[0] == 200
    assert [a["composite_status"] for a in ev("GET", "status")[1]["apps"]] == ["deployed"]
    assert ev("POST", "functions/f/undeploy")[0] == 200
    assert ev("DELETE", "functions/f")[0] == 200


@pytest.mark.parametrize("roles", ["cluster_admin", "ro_admin", "bucket_admin[default]",
                                   "bucket_full_access[*]", "eventing_manage_functions[default:s]",
                                   "eventing_manage_functions[*]"])
def test_other_roles_do_not_manage_the_admin_scope(mock: MockCluster, admin: Eventing, roles: str) -> None:
    ev = Eventing(mock, *make_user(mock, "ev-other", roles))
    reply = ev.upsert("f", SRC, META)
    assert reply[0] == 403 and ADMIN_SCOPE in reply[1]["description"]
    assert admin.upsert("f", SRC, META)[0] == 200
    forbidden(ev("POST", "functions/f/deploy"), ADMIN_SCOPE)
    assert ev("GET", "functions") == (200, [])


SCOPED_ROLES = ("eventing_manage_functions[default:s],data_dcp_reader[default:s:src],"
                "data_reader[other],data_writer[other]")


def test_a_scope_manager_manages_its_scopes_functions(mock: MockCluster, admin: Eventing) -> None:
    who = make_user(mock, "ev-scoped", SCOPED_ROLES)
    mine = Eventing(mock, *who, bucket="default", scope="s")
    src = ("default", "s", "src")
    assert mine.upsert("f", src, META)[0] == 200
    for action in ("deploy", "pause", "resume", "undeploy"):
        assert mine("POST", f"functions/f/{action}")[0] == 200, action
    assert [f["appname"] for f in mine("GET", "functions")[1]] == ["f"]
    status, body = mine("GET", "functions/f")
    assert status == 200 and body["function_scope"] == {"bucket": "default", "scope": "s"}
    # another scope of the bucket, the admin scope: no
    theirs = Eventing(mock, *who, bucket="default", scope="t")
    forbidden(theirs.upsert("g", ("default", "t", "src"), META),
              "cluster.collection[default:t:*].eventing.function!manage",
              "cluster.collection[default:t:src].data.dcpstream!read")
    assert Eventing(mock, *who).upsert("g", src, META)[0] == 403
    assert admin.upsert("g", SRC, META)[0] == 200
    assert [a["name"] for a in Eventing(mock, *who)("GET", "status")[1]["apps"]] == ["f"]  # not g
    assert mine("DELETE", "functions/f")[0] == 200


def test_the_scope_role_alone_is_not_enough_to_create(mock: MockCluster, admin: Eventing) -> None:
    ev = Eventing(mock, *make_user(mock, "ev-manage-only", "eventing_manage_functions[default:s]"),
                  bucket="default", scope="s")
    forbidden(ev.upsert("f", SRC, META), *DATA_NEEDED)  # the scope's manage is there; no data access


def test_the_owner_is_checked_again_on_deploy(mock: MockCluster, admin: Eventing) -> None:
    name, password = make_user(mock, "ev-owner", SCOPED_ROLES)
    mine = Eventing(mock, name, password, bucket="default", scope="s")
    assert mine.upsert("f", ("default", "s", "src"), META)[0] == 200
    # the owner loses its metadata access: an administrator may no longer deploy the function for it
    make_user(mock, name, "eventing_manage_functions[default:s],data_dcp_reader[default:s:src]")
    scoped_admin = Eventing(mock, mock.username, mock.password, bucket="default", scope="s")
    status, body = scoped_admin("POST", "functions/f/deploy")
    assert status == 403 and body["name"] == "ERR_FORBIDDEN"
    assert body["description"] == (
        "Forbidden. User who created the function is missing all of the following permissions: ["
        + " ".join(DATA_NEEDED[1:]) + "]")
    drop_user(mock, name)
    status, body = scoped_admin("POST", "functions/f/deploy")
    gone = "User who created the function does not exist in the system"
    assert (status, body["description"]) == (403, gone)
    assert scoped_admin("GET", "functions/f")[1]["settings"]["deployment_status"] is False
    assert scoped_admin("DELETE", "functions/f")[0] == 200  # dropping needs no owner


def test_the_body_cannot_name_an_owner(mock: MockCluster, admin: Eventing) -> None:
    make_user(mock, "ev-victim", "admin")
    ev = Eventing(mock, *make_user(mock, "ev-spoofer", "eventing_admin"))
    body: Dict[str, Any] = {"appname": "f", "appcode": CODE, "_owner": "ev-victim",
                            "depcfg": {"source_bucket": "default", "metadata_bucket": "other"}}
    assert ev("POST", "functions/f", body)[0] == 200
    from couchbase_mock.http import eventing as mock_eventing

    stored = next(f for k, f in mock_eventing._functions[mock.cluster].items() if k[2] == "f")
    assert stored["_owner"] == "ev-spoofer"
