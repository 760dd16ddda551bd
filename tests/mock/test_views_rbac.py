"""The views service's RBAC over real sockets, as ns_server checks it: reading a design document,
querying a view or listing a bucket's design documents needs ``cluster.bucket[<b>].views!read``;
creating or deleting a design document ``views!write``; a refusal is ns_server's 403 naming it."""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator, Tuple

import pytest
from http_fakes import service_request

from couchbase_mock import MockCluster

PASSWORD = "views-pw"
USERS = {
    "reader": "data_reader[default]",
    "query": "query_select[default]",
    "views-reader": "views_reader[default]",
    "views-admin": "views_admin[default]",
    "elsewhere": "views_admin[other]",
    "ro": "ro_admin",
    "cluster": "cluster_admin",
    "app": "bucket_full_access[default]",
}
DDOC = {"views": {"by_n": {"map": "function (doc) { emit(doc.n, null); }"}}}


@pytest.fixture(scope="module")
def vmock() -> Iterator[MockCluster]:
    with MockCluster(nodes=1, buckets=["default", "other"]) as m:
        m.put_docs("default", {f"v{i}": json.dumps({"n": i}).encode() for i in range(3)})
        for name, roles in USERS.items():
            status, body = call(m, "mgmt", "PUT", f"/settings/rbac/users/local/{name}",
                                f"password={PASSWORD}&roles={roles}".encode(), form=True)
            assert status == 200, body
        assert call(m, "capi", "PUT", "/default/_design/dd", DDOC)[0] == 201
        yield m


def call(m: MockCluster, service: str, method: str, path: str, body: Any = None, user: str = "",
         form: bool = False) -> Tuple[int, Any]:
    return service_request(m, service, method, path, body, user=user, password=PASSWORD, form=form)


def forbidden(permission: str) -> Dict[str, Any]:
    return {"message": "Forbidden. User needs the following permissions", "permissions": [permission]}


READ = forbidden("cluster.bucket[default].views!read")
WRITE = forbidden("cluster.bucket[default].views!write")


@pytest.mark.parametrize("user", ["reader", "query", "elsewhere", "cluster"])
def test_roles_without_views_read_are_refused(vmock: MockCluster, user: str) -> None:
    assert call(vmock, "capi", "GET", "/default/_design/dd/_view/by_n", user=user) == (403, READ)
    assert call(vmock, "capi", "POST", "/default/_design/dd/_view/by_n", {"keys": [1]}, user) == (403, READ)
    assert call(vmock, "capi", "GET", "/default/_design/dd", user=user) == (403, READ)
    assert call(vmock, "mgmt", "GET", "/pools/default/buckets/default/ddocs", user=user) == (403, READ)
    assert call(vmock, "capi", "DELETE", "/default/_design/dd", user=user) == (403, WRITE)


@pytest.mark.parametrize("user", ["views-reader", "ro"])
def test_readers_query_but_do_not_change_design_documents(vmock: MockCluster, user: str) -> None:
    status, body = call(vmock, "capi", "GET", "/default/_design/dd/_view/by_n", user=user)
    assert status == 200 and [r["key"] for r in body["rows"]] == [0, 1, 2]
    assert call(vmock, "capi", "GET", "/default/_design/dd", user=user)[1] == DDOC
    assert call(vmock, "capi", "PUT", "/default/_design/mine", DDOC, user) == (403, WRITE)
    assert call(vmock, "capi", "DELETE", "/default/_design/dd", user=user) == (403, WRITE)
    assert call(vmock, "capi", "GET", "/default/_design/dd")[0] == 200  # still there


@pytest.mark.parametrize("user", ["views-admin", "app"])
def test_writers_manage_design_documents(vmock: MockCluster, user: str) -> None:
    assert call(vmock, "capi", "PUT", f"/default/_design/{user}", DDOC, user)[0] == 201
    assert call(vmock, "capi", "GET", f"/default/_design/{user}/_view/by_n", user=user)[0] == 200
    assert call(vmock, "capi", "DELETE", f"/default/_design/{user}", user=user)[0] == 200
    assert call(vmock, "capi", "PUT", "/other/_design/x", DDOC, user) == \
        (403, forbidden("cluster.bucket[other].views!write"))
