"""The official SDK 4.x's managers against the mock: the reference client for the mock's management REST.

Where the official SDK and the mock disagree, the mock is wrong. One snippet per
area runs in the official SDK's own venv; the test checks what it reports and
what the mock then holds.
"""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from support.official_sdk import mock_args, run


@pytest.fixture(scope="module")
def omock() -> Iterator[Any]:
    from couchbase_mock import MockCluster

    with MockCluster(nodes=2, replicas=1, buckets=["default"]) as m:
        yield m


BUCKETS = """
from couchbase.management.buckets import CreateBucketSettings, BucketSettings, BucketType
from couchbase.exceptions import BucketAlreadyExistsException, BucketDoesNotExistException, \
BucketNotFlushableException
bm = cluster.buckets()
out = {}
bm.create_bucket(CreateBucketSettings(name="ob", bucket_type=BucketType.COUCHBASE, ram_quota_mb=128, \
num_replicas=1))
got = bm.get_bucket("ob")
out["got"] = [got.name, got.ram_quota_mb, got.num_replicas, got.flush_enabled, str(got.bucket_type)]
try:
    bm.create_bucket(CreateBucketSettings(name="ob", ram_quota_mb=100))
except BucketAlreadyExistsException:
    out["dup"] = "exists"
cluster.bucket("ob").default_collection().upsert("k", {"v": 1})
out["kv"] = cluster.bucket("ob").default_collection().get("k").content_as[dict]
try:
    bm.flush_bucket("ob")
except BucketNotFlushableException:
    out["flush"] = "not flushable"
bm.update_bucket(BucketSettings(name="ob", ram_quota_mb=256, flush_enabled=True, num_replicas=1))
bm.flush_bucket("ob")
out["all"] = sorted(b.name for b in bm.get_all_buckets())
bm.drop_bucket("ob")
try:
    bm.get_bucket("ob")
except BucketDoesNotExistException:
    out["dropped"] = True
print(json.dumps(out))
"""


def test_official_bucket_manager(omock: Any) -> None:
    out = run(BUCKETS, **mock_args(omock))
    assert out["got"] == ["ob", 128, 1, False, "BucketType.COUCHBASE"]
    assert out["dup"] == "exists" and out["flush"] == "not flushable"
    assert out["kv"] == {"v": 1}
    assert out["all"] == ["default", "ob"] and out["dropped"] is True
    assert "ob" not in omock.cluster.buckets


COLLECTIONS = """
from couchbase.management.collections import CreateCollectionSettings, UpdateCollectionSettings
from couchbase.exceptions import (ScopeAlreadyExistsException, CollectionAlreadyExistsException,
                                  CollectionNotFoundException, ScopeNotFoundException)
cm = cluster.bucket("default").collections()
out = {}
cm.create_scope("os")
try:
    cm.create_scope("os")
except ScopeAlreadyExistsException:
    out["scope_dup"] = True
cm.create_collection("os", "oc", CreateCollectionSettings(max_expiry=timedelta(seconds=30)))
try:
    cm.create_collection("os", "oc")
except CollectionAlreadyExistsException:
    out["coll_dup"] = True
c = cluster.bucket("default").scope("os").collection("oc")
c.upsert("k", {"v": 2})
out["kv"] = c.get("k").content_as[dict]
cm.update_collection("os", "oc", UpdateCollectionSettings(max_expiry=timedelta(seconds=5)))
out["scopes"] = {s.name: {x.name: x.max_expiry.total_seconds() for x in s.collections} \
for s in cm.get_all_scopes()}
cm.drop_collection("os", "oc")
try:
    cm.drop_collection("os", "oc")
except CollectionNotFoundException:
    out["coll_gone"] = True
cm.drop_scope("os")
try:
    cm.drop_scope("os")
except ScopeNotFoundException:
    out["scope_gone"] = True
print(json.dumps(out))
"""


def test_official_collection_manager(omock: Any) -> None:
    out = run(COLLECTIONS, **mock_args(omock))
    assert out["scope_dup"] and out["coll_dup"] and out["coll_gone"] and out["scope_gone"]
    assert out["kv"] == {"v": 2}
    assert out["scopes"]["os"] == {"oc": 5.0}


USERS = """
from couchbase.management.users import User, Role, Group
from couchbase.exceptions import UserNotFoundException, GroupNotFoundException
um = cluster.users()
out = {}
um.upsert_group(Group("og", "g", {Role("data_reader", "default")}))
um.upsert_user(User("ou", "O U", {"og"}, {Role("data_writer", "default", "_default", "_default")}, \
"password1"))
u = um.get_user("ou")
out["user"] = [u.user.username, u.user.display_name, sorted(u.user.groups), \
sorted(r.name for r in u.user.roles)]
out["effective"] = sorted([r.role.name, [o.type for o in r.origins]] for r in u.effective_roles)
out["roles"] = "data_reader" in [r.role.name for r in um.get_roles()]
out["groups"] = [g.name for g in um.get_all_groups()]
um.drop_user("ou")
try:
    um.get_user("ou")
except UserNotFoundException:
    out["user_gone"] = True
um.drop_group("og")
try:
    um.get_group("og")
except GroupNotFoundException:
    out["group_gone"] = True
print(json.dumps(out))
"""


def test_official_user_manager(omock: Any) -> None:
    out = run(USERS, **mock_args(omock))
    assert out["user"] == ["ou", "O U", ["og"], ["data_writer"]]
    assert out["effective"] == [["data_reader", ["group"]], ["data_writer", ["user"]]]
    assert out["roles"] and out["groups"] == ["og"] and out["user_gone"] and out["group_gone"]


QUERY_INDEXES = """
from couchbase.management.options import CreateQueryIndexOptions, WatchQueryIndexOptions
from couchbase.exceptions import QueryIndexAlreadyExistsException, QueryIndexNotFoundException
qm = cluster.query_indexes()
out = {}
qm.create_primary_index("default")
try:
    qm.create_primary_index("default")
except QueryIndexAlreadyExistsException:
    out["dup"] = True
qm.create_index("default", "oix", ["a"], CreateQueryIndexOptions(deferred=True))
out["before"] = sorted([i.name, i.state] for i in qm.get_all_indexes("default"))
qm.build_deferred_indexes("default")
qm.watch_indexes("default", ["oix"], WatchQueryIndexOptions(timeout=timedelta(seconds=10)))
out["after"] = sorted([i.name, i.state] for i in qm.get_all_indexes("default"))
qm.drop_index("default", "oix")
qm.drop_primary_index("default")
try:
    qm.drop_primary_index("default")
except QueryIndexNotFoundException:
    out["gone"] = True
info = cluster.cluster_info()
out["version"] = info.server_version_short
print(json.dumps(out))
"""


def test_official_query_index_manager_and_cluster_info(omock: Any) -> None:
    out = run(QUERY_INDEXES, **mock_args(omock))
    assert out["dup"] and out["gone"]
    assert out["before"] == [["#primary", "online"], ["oix", "deferred"]]
    assert out["after"] == [["#primary", "online"], ["oix", "online"]]
    assert out["version"] == 7.6


REFUSALS = """
from couchbase.management.eventing import EventingFunction, EventingFunctionKeyspace
out = {}
fn = EventingFunction("of", "function OnUpdate(doc, meta) {}",
                      source_keyspace=EventingFunctionKeyspace("default"),
                      metadata_keyspace=EventingFunctionKeyspace("default", "_default", "ometa"))
for what, call in (("eventing", lambda: cluster.eventing_functions().upsert_function(fn)),
                   ("analytics", lambda: cluster.analytics_indexes().create_dataverse("odv"))):
    try:
        call()
        out[what] = "allowed"
    except Exception as exc:
        out[what] = [type(exc).__name__, str(exc)]
print(json.dumps(out))
"""


def test_official_managers_report_the_mocks_permission_refusals(omock: Any) -> None:
    # the reference client parses the mock's ERR_FORBIDDEN and 20001 bodies; it has no specific type for
    # them (couchbase-cxx-client maps both to internal_server_failure), this SDK raises
    # AuthenticationException (tests/mgmt/test_service_rbac.py)
    import base64
    import urllib.parse
    import urllib.request

    form = urllib.parse.urlencode({"password": "pw-oreader", "roles": "data_reader[default]"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{omock.nodes[0].mgmt_port}/settings/rbac/users/local/oreader",
                                 data=form, method="PUT")
    token = base64.b64encode(f"{omock.username}:{omock.password}".encode()).decode()
    req.add_header("Authorization", "Basic " + token)
    req.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
    args = dict(mock_args(omock), username="oreader", password="pw-oreader")
    out = run(REFUSALS, **args)
    assert out["eventing"][0] == "InternalServerFailureException" and "ERR_FORBIDDEN" in out["eventing"][1]
    # data_reader reads the source's documents but has no DCP stream on it
    assert "cluster.collection[default:_default:_default].data.dcpstream!read" in out["eventing"][1]
    assert out["analytics"][0] == "InternalServerFailureException"
    assert "cluster.analytics!manage" in out["analytics"][1]
