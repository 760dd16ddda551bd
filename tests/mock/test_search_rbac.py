"""The search service's RBAC over real sockets, as cbft checks it (rest_auth.go, rest_perm.go):
``fts!read`` on each source of an index to query, count or read it, ``fts!write`` to create or delete,
``fts!manage`` for the control endpoints; a refusal is cbauth's 403 naming the permission."""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator, Optional, Tuple

import pytest
from http_fakes import service_request

from couchbase_mock import MockCluster

PASSWORD = "search-pw"
USERS = {
    "reader": "data_reader[default]",
    "app": "bucket_full_access[default]",
    "searcher": "fts_searcher[default]",
    "hotels": "fts_searcher[default:inv:hotels]",
    "fts-admin": "fts_admin[default]",
    "other-admin": "fts_admin[other]",
}
COLLECTION_INDEX = {
    "type": "fulltext-index", "sourceName": "default", "sourceType": "couchbase",
    "params": {"doc_config": {"mode": "scope.collection.type_field", "type_field": "type"},
               "mapping": {"default_mapping": {"enabled": False},
                           "types": {"inv.hotels": {"enabled": True, "dynamic": True}}}}}


@pytest.fixture(scope="module")
def smock() -> Iterator[MockCluster]:
    with MockCluster(nodes=1, buckets=["default", "other"]) as m:
        m.put_docs("default", {f"d{i}": json.dumps({"tag": "x"}).encode() for i in range(3)})
        m.create_collection("default", "inv", "hotels")
        m.put_doc("default", "h1", b'{"tag": "x"}', scope="inv", collection="hotels")
        m.create_search_index("bucket_idx", "default")
        for name, roles in USERS.items():
            status, body = call(m, "mgmt", "PUT", f"/settings/rbac/users/local/{name}",
                                f"password={PASSWORD}&roles={roles}".encode(), form=True)
            assert status == 200, body
        status, body = call(m, "fts", "PUT", "/api/index/coll_idx", COLLECTION_INDEX)
        assert status == 200, body
        yield m


def call(m: MockCluster, service: str, method: str, path: str, body: Any = None, user: str = "",
         form: bool = False) -> Tuple[int, Any]:
    return service_request(m, service, method, path, body, user=user, password=PASSWORD, form=form)


QUERY = {"query": {"match": "x", "field": "tag"}}


def forbidden(permission: str) -> Dict[str, Any]:
    return {"message": "Forbidden. User needs one of the following permissions", "permissions": [permission]}


def query(m: MockCluster, index: str, user: str) -> Tuple[int, Any]:
    return call(m, "fts", "POST", f"/api/index/{index}/query", QUERY, user)


@pytest.mark.parametrize("user", ["reader", "app", "other-admin"])
def test_roles_without_fts_read_are_refused(smock: MockCluster, user: str) -> None:
    assert query(smock, "bucket_idx", user) == (403, forbidden("cluster.bucket[default].fts!read"))
    assert call(smock, "fts", "GET", "/api/index/bucket_idx/count", user=user)[0] == 403
    assert call(smock, "fts", "GET", "/api/index/bucket_idx", user=user)[0] == 403
    collection_read = "cluster.collection[default:inv:hotels].fts!read"
    assert query(smock, "coll_idx", user) == (403, forbidden(collection_read))
    status, body = call(smock, "fts", "GET", "/api/index", user=user)
    assert status == 200 and body["indexDefs"]["indexDefs"] == {}  # the listing shows what it may read


def test_fts_searcher_reads_but_does_not_write(smock: MockCluster) -> None:
    status, body = query(smock, "bucket_idx", "searcher")
    assert status == 200 and body["total_hits"] == 3
    assert query(smock, "coll_idx", "searcher")[1]["total_hits"] == 1
    assert call(smock, "fts", "GET", "/api/index/bucket_idx/count", user="searcher")[1]["count"] == 3
    assert sorted(call(smock, "fts", "GET", "/api/index", user="searcher")[1]["indexDefs"]["indexDefs"]) == \
        ["bucket_idx", "coll_idx"]
    assert call(smock, "fts", "DELETE", "/api/index/bucket_idx", user="searcher") == \
        (403, forbidden("cluster.bucket[default].fts!write"))
    assert call(smock, "fts", "POST", "/api/index/bucket_idx/ingestControl/pause", user="searcher") == \
        (403, forbidden("cluster.bucket[default].fts!manage"))
    definition = {"type": "fulltext-index", "sourceName": "default", "sourceType": "couchbase"}
    assert call(smock, "fts", "PUT", "/api/index/new_idx", definition, "searcher")[0] == 403
    assert query(smock, "bucket_idx", "searcher")[0] == 200  # nothing changed


def test_a_collection_role_reads_only_indexes_of_its_collection(smock: MockCluster) -> None:
    status, body = query(smock, "coll_idx", "hotels")
    assert status == 200 and body["total_hits"] == 1
    # a bucket-level index needs the permission on the whole bucket
    assert query(smock, "bucket_idx", "hotels") == (403, forbidden("cluster.bucket[default].fts!read"))
    assert list(call(smock, "fts", "GET", "/api/index", user="hotels")[1]["indexDefs"]["indexDefs"]) == \
        ["coll_idx"]


def test_fts_admin_manages_its_buckets_indexes(smock: MockCluster) -> None:
    definition = {"type": "fulltext-index", "sourceName": "default", "sourceType": "couchbase"}
    assert call(smock, "fts", "PUT", "/api/index/adm_idx", definition, "fts-admin")[0] == 200
    assert call(smock, "fts", "POST", "/api/index/adm_idx/ingestControl/pause", user="fts-admin")[0] == 200
    assert query(smock, "adm_idx", "fts-admin")[0] == 200
    elsewhere = {"type": "fulltext-index", "sourceName": "other", "sourceType": "couchbase"}
    assert call(smock, "fts", "PUT", "/api/index/adm_other", elsewhere, "fts-admin") == \
        (403, forbidden("cluster.bucket[other].fts!write"))
    # replacing an index needs the permission on its old sources too
    assert call(smock, "fts", "PUT", "/api/index/adm_idx", elsewhere, "other-admin") == \
        (403, forbidden("cluster.bucket[default].fts!write"))
    assert call(smock, "fts", "DELETE", "/api/index/adm_idx", user="fts-admin")[0] == 200


def test_an_unknown_index_is_reported_before_permissions(smock: MockCluster) -> None:
    status, body = query(smock, "nope", "reader")
    assert status == 400 and "index not found" in body["error"]


def _revoke(smock: MockCluster, user: str, roles: Optional[str]) -> None:
    body = f"password={PASSWORD}&roles={roles}".encode()
    assert call(smock, "mgmt", "PUT", f"/settings/rbac/users/local/{user}", body, form=True)[0] == 200


def test_roles_are_read_live(smock: MockCluster) -> None:
    _revoke(smock, "other-admin", "fts_searcher[default]")
    try:
        assert query(smock, "bucket_idx", "other-admin")[0] == 200
    finally:
        _revoke(smock, "other-admin", "fts_admin[other]")
    assert query(smock, "bucket_idx", "other-admin")[0] == 403
