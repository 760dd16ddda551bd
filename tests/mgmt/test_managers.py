"""Management APIs on every front end: one body per behaviour, checked against the mock's state.

Buckets, scopes/collections, users/groups/roles, query indexes and cluster_info,
each through the front end's own manager objects (AsyncResults, futures,
Deferreds, greenlets) made blocking by ``support.mgmt.blocking``.
"""
from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from couchbase.exceptions import (
    BucketAlreadyExistsException,
    BucketDoesNotExistException,
    BucketNotFlushableException,
    CollectionAlreadyExistsException,
    CollectionNotFoundException,
    GroupNotFoundException,
    InvalidArgumentException,
    QueryIndexAlreadyExistsException,
    QueryIndexNotFoundException,
    ScopeAlreadyExistsException,
    ScopeNotFoundException,
    SearchIndexNotFoundException,
    UserNotFoundException,
    WatchQueryIndexTimeoutException,
)
from couchbase.management.buckets import BucketSettings, BucketType, CreateBucketSettings, EvictionPolicyType
from couchbase.management.collections import (
    CollectionSpec,
    CreateCollectionSettings,
    UpdateCollectionSettings,
)
from couchbase.management.options import CreateQueryIndexOptions, GetUserOptions, WatchQueryIndexOptions
from couchbase.management.search import SearchIndex
from couchbase.management.users import Group, Role, User
from support.mgmt import blocking, managers


def _coll(fe: Any, bucket: str, scope: str = "_default", collection: str = "_default") -> Any:
    return blocking(fe, fe.cluster.bucket(bucket).scope(scope).collection(collection))


def test_cluster_info_reports_server_7_6(fe: Any) -> None:
    info = blocking(fe, fe.cluster).cluster_info()
    assert info.server_version_short == 7.6
    assert info.server_version_full.startswith("7.6.") and info.is_enterprise
    assert len(info.nodes) == 2


def test_bucket_lifecycle(fe: Any, front_end_name: str, mmock: Any) -> None:
    bm, _users, _q = managers(fe)
    name = f"bkt-{front_end_name}"
    bm.create_bucket(CreateBucketSettings(name=name, bucket_type=BucketType.COUCHBASE, ram_quota_mb=128,
                                          num_replicas=1, flush_enabled=False,
                                          max_expiry=datetime.timedelta(seconds=60)))
    try:
        got = bm.get_bucket(name)
        assert (got.name, got.ram_quota_mb, got.num_replicas, got.flush_enabled) == (name, 128, 1, False)
        assert got.max_expiry == datetime.timedelta(seconds=60)
        assert got.eviction_policy is EvictionPolicyType.VALUE_ONLY
        assert name in [b.name for b in bm.get_all_buckets()]
        with pytest.raises(BucketAlreadyExistsException):
            bm.create_bucket(CreateBucketSettings(name=name, ram_quota_mb=100))

        # usable over KV at once, on this front end
        coll = _coll(fe, name)
        coll.upsert("doc", {"n": 1})
        assert coll.get("doc").content_as[dict] == {"n": 1}

        with pytest.raises(BucketNotFlushableException):
            bm.flush_bucket(name)
        assert mmock.get_doc(name, "doc") is not None  # the refused flush removed nothing
        bm.update_bucket(BucketSettings(name=name, ram_quota_mb=256, flush_enabled=True))
        assert bm.get_bucket(name).ram_quota_mb == 256
        bm.flush_bucket(name)
        assert mmock.get_doc(name, "doc") is None
    finally:
        bm.drop_bucket(name)
    with pytest.raises(BucketDoesNotExistException):
        bm.get_bucket(name)
    with pytest.raises(BucketDoesNotExistException):
        bm.drop_bucket(name)
    assert name not in mmock.cluster.buckets


def test_bucket_settings_rejected_before_io(fe: Any) -> None:
    bm, _users, _q = managers(fe)
    with pytest.raises(InvalidArgumentException):
        BucketSettings(name="")
    with pytest.raises(InvalidArgumentException):
        bm.create_bucket(CreateBucketSettings(name="x", ram_quota_mb="lots"))
    with pytest.raises(InvalidArgumentException):
        bm.create_bucket({"name": "x"})
    with pytest.raises(InvalidArgumentException):  # the server's 400 (quota too small), typed
        bm.create_bucket(CreateBucketSettings(name="tiny", ram_quota_mb=10))
    with pytest.raises(InvalidArgumentException):
        bm.get_bucket("default", bogus_option=1)


def test_scopes_and_collections(fe: Any, front_end_name: str, mmock: Any) -> None:
    cm = blocking(fe, fe.cluster.bucket("default").collections())
    scope = f"sc-{front_end_name}"
    cm.create_scope(scope)
    with pytest.raises(ScopeAlreadyExistsException):
        cm.create_scope(scope)
    cm.create_collection(scope, "c1", CreateCollectionSettings(max_expiry=datetime.timedelta(seconds=30)))
    cm.create_collection(CollectionSpec("c2", scope))  # the deprecated 4.0 form
    with pytest.raises(CollectionAlreadyExistsException):
        cm.create_collection(scope, "c1")
    with pytest.raises(ScopeNotFoundException):
        cm.create_collection("no-such-scope", "c1")

    specs = {s.name: s for s in cm.get_all_scopes()}
    assert {c.name for c in specs[scope].collections} == {"c1", "c2"}
    c1 = next(c for c in specs[scope].collections if c.name == "c1")
    assert c1.max_expiry == datetime.timedelta(seconds=30) and c1.scope_name == scope

    coll = _coll(fe, "default", scope, "c1")  # KV on the new collection works at once
    coll.upsert("k", {"v": 1})
    assert coll.get("k").content_as[dict] == {"v": 1}
    assert json.loads(mmock.get_doc("default", "k", scope, "c1")["value"]) == {"v": 1}

    cm.update_collection(scope, "c1", UpdateCollectionSettings(max_expiry=datetime.timedelta(seconds=5)))
    c1 = next(c for s in cm.get_all_scopes() if s.name == scope for c in s.collections if c.name == "c1")
    assert c1.max_expiry == datetime.timedelta(seconds=5)

    cm.drop_collection(scope, "c1")
    with pytest.raises(CollectionNotFoundException):
        coll.get("k")
    with pytest.raises(CollectionNotFoundException):
        cm.drop_collection(scope, "c1")
    cm.drop_scope(scope)
    with pytest.raises(ScopeNotFoundException):
        cm.drop_scope(scope)
    assert scope not in {s.name for s in cm.get_all_scopes()}


def test_users_groups_roles(fe: Any, front_end_name: str) -> None:
    _bm, um, _q = managers(fe)
    group, user = f"grp-{front_end_name}", f"usr-{front_end_name}"
    um.upsert_group(Group(group, "readers", {Role("data_reader", "default")}))
    um.upsert_user(User(user, "Some One", {group}, {Role("data_writer", "default", "_default", "_default")},
                        password="s3cret-pw"))
    got = um.get_user(user)
    assert got.user.username == user and got.user.display_name == "Some One"
    assert got.user.groups == {group}
    assert got.user.roles == {Role("data_writer", "default", "_default", "_default")}
    origins = {r.role.name: [(o.type, o.name) for o in r.origins] for r in got.effective_roles}
    assert origins == {"data_writer": [("user", None)], "data_reader": [("group", group)]}
    assert got.password_changed is not None
    assert "s3cret-pw" not in repr(got) + repr(User(user, password="s3cret-pw"))
    assert user in [u.user.username for u in um.get_all_users()]
    assert group in [g.name for g in um.get_all_groups()]
    assert um.get_group(group).roles == {Role("data_reader", "default", "*", "*")}  # as the server shows it
    assert "data_reader" in {r.role.name for r in um.get_roles()}

    with pytest.raises(InvalidArgumentException):  # the server rejects an unknown role (400)
        um.upsert_user(User(user, roles={Role("no_such_role")}, password="s3cret-pw"))
    with pytest.raises(InvalidArgumentException):
        um.get_user(user, GetUserOptions(domain_name="nowhere"))

    um.drop_user(user)
    with pytest.raises(UserNotFoundException):
        um.get_user(user)
    with pytest.raises(UserNotFoundException):
        um.drop_user(user)
    um.drop_group(group)
    with pytest.raises(GroupNotFoundException):
        um.get_group(group)


def test_query_indexes(fe: Any, front_end_name: str, mmock: Any) -> None:
    _bm, _um, qm = managers(fe)
    cm = blocking(fe, fe.cluster.bucket("other").collections())
    scope = f"qi-{front_end_name}"
    cm.create_scope(scope)
    cm.create_collection(scope, "c")
    try:
        opts = {"scope_name": scope, "collection_name": "c"}
        qm.create_primary_index("other", **opts)
        qm.create_primary_index("other", ignore_if_exists=True, **opts)
        with pytest.raises(QueryIndexAlreadyExistsException):
            qm.create_primary_index("other", **opts)
        qm.create_index("other", "by_a", ["a", "b"], CreateQueryIndexOptions(deferred=True, **opts))
        states = {ix.name: ix.state for ix in qm.get_all_indexes("other", **opts)}
        assert states == {"#primary": "online", "by_a": "deferred"}
        with pytest.raises(WatchQueryIndexTimeoutException):
            qm.watch_indexes("other", ["by_a"],
                             WatchQueryIndexOptions(timeout=datetime.timedelta(seconds=0.3), **opts))
        qm.build_deferred_indexes("other", **opts)
        qm.watch_indexes("other", ["by_a"], WatchQueryIndexOptions(timeout=5, watch_primary=True, **opts))
        ix = next(i for i in qm.get_all_indexes("other", **opts) if i.name == "by_a")
        assert (ix.bucket_name, ix.scope_name, ix.collection_name, ix.index_key) == ("other", scope, "c",
                                                                                    ["`a`", "`b`"])
        with pytest.raises(QueryIndexNotFoundException):
            qm.watch_indexes("other", ["nope"], timeout=1, **opts)

        # the collection-level manager sees the same indexes and drops them
        cq = blocking(fe, fe.cluster.bucket("other").scope(scope).collection("c").query_indexes())
        assert {i.name for i in cq.get_all_indexes()} == {"#primary", "by_a"}
        cq.drop_index("by_a")
        cq.drop_primary_index()
        with pytest.raises(QueryIndexNotFoundException):
            cq.drop_index("by_a")
        cq.drop_index("by_a", ignore_if_not_exists=True)
        assert cq.get_all_indexes() == []
        with pytest.raises(InvalidArgumentException):
            cq.create_index("x", "a")  # keys must be a list
    finally:
        cm.drop_scope(scope)


def test_search_indexes(fe: Any, front_end_name: str, mmock: Any) -> None:
    sm = blocking(fe, fe.cluster.search_indexes())
    name = f"fts-{front_end_name}"
    mmock.put_doc("default", f"{name}-doc", b'{"text": "quick brown fox"}')
    sm.upsert_index(SearchIndex(name, source_name="default"))
    try:
        with pytest.raises(QueryIndexAlreadyExistsException):  # a create without the uuid of the existing one
            sm.upsert_index(SearchIndex(name, source_name="default"))
        got = sm.get_index(name)
        assert (got.name, got.source_name, got.idx_type) == (name, "default", "fulltext-index") and got.uuid
        sm.upsert_index(got)  # an update names the current uuid
        assert name in [i.name for i in sm.get_all_indexes()]
        assert sm.get_indexed_documents_count(name) >= 1
        analyzed = sm.analyze_document(name, {"text": "Hello There"})
        assert [t["term"] for t in analyzed["analysis"]] == ["hello", "there"]
        for op in ("pause_ingest", "resume_ingest", "disallow_querying", "allow_querying", "freeze_plan",
                   "unfreeze_plan"):
            getattr(sm, op)(name)
    finally:
        sm.drop_index(name)
    with pytest.raises(SearchIndexNotFoundException):
        sm.get_index(name)
    with pytest.raises(SearchIndexNotFoundException):
        sm.pause_ingest(name)
    with pytest.raises(InvalidArgumentException):
        sm.upsert_index(SearchIndex("", source_name="default"))

    scoped = blocking(fe, fe.cluster.bucket("default").scope("_default").search_indexes())
    scoped.upsert_index(SearchIndex(name, source_name="default"))
    try:
        assert [i.name for i in scoped.get_all_indexes()] == [name]  # shown without "bucket.scope."
        assert f"default._default.{name}" in [i.name for i in sm.get_all_indexes()]
        assert scoped.get_index(name).source_name == "default"
    finally:
        scoped.drop_index(name)


def test_view_indexes(fe: Any, front_end_name: str) -> None:
    from couchbase.exceptions import DesignDocumentNotFoundException
    from couchbase.views import DesignDocument, DesignDocumentNamespace, View

    vm = blocking(fe, fe.cluster.bucket("default").view_indexes())
    name = f"ddoc_{front_end_name}"
    ddoc = DesignDocument(name, {"by_n": View("function (doc, meta) { emit(doc.n, null); }")})
    vm.upsert_design_document(ddoc, DesignDocumentNamespace.DEVELOPMENT)
    got = vm.get_design_document(name, DesignDocumentNamespace.DEVELOPMENT)
    assert list(got.views) == ["by_n"]
    vm.publish_design_document(name)  # two requests in sequence, as one pending result
    assert name in [d.name for d in vm.get_all_design_documents(DesignDocumentNamespace.PRODUCTION)]
    vm.drop_design_document(name, DesignDocumentNamespace.PRODUCTION)
    vm.drop_design_document(name, DesignDocumentNamespace.DEVELOPMENT)
    with pytest.raises(DesignDocumentNotFoundException):
        vm.get_design_document(name, DesignDocumentNamespace.PRODUCTION)


def test_eventing_functions(fe: Any, front_end_name: str) -> None:
    import couchbase.management.eventing as ev
    from couchbase.exceptions import (
        EventingFunctionAlreadyDeployedException,
        EventingFunctionCompilationFailureException,
        EventingFunctionIdenticalKeyspaceException,
        EventingFunctionNotBootstrappedException,
        EventingFunctionNotDeployedException,
        EventingFunctionNotFoundException,
        EventingFunctionNotUnDeployedException,
    )

    em = blocking(fe, fe.cluster.eventing_functions())
    name = f"fn-{front_end_name}"
    src, meta = ev.EventingFunctionKeyspace("default"), ev.EventingFunctionKeyspace("other")
    fn = ev.EventingFunction(
        name, "function OnUpdate(doc, meta) { log(meta.id); }", source_keyspace=src, metadata_keyspace=meta,
        bucket_bindings=[ev.EventingFunctionBucketBinding("dst", src,
                                                          ev.EventingFunctionBucketAccess.ReadWrite)],
        constant_bindings=[ev.EventingFunctionConstantBinding("LIMIT", "10")],
        settings=ev.EventingFunctionSettings(description="demo", worker_count=2,
                                             execution_timeout=datetime.timedelta(seconds=30)))
    em.upsert_function(fn)
    try:
        got = em.get_function(name)
        assert ((got.name, got.source_keyspace.bucket, got.metadata_keyspace.bucket)
                == (name, "default", "other"))
        assert got.bucket_bindings[0].access is ev.EventingFunctionBucketAccess.ReadWrite
        assert (got.settings.description, got.settings.worker_count) == ("demo", 2)
        assert got.settings.execution_timeout == datetime.timedelta(seconds=30)
        assert name in [f.name for f in em.get_all_functions()]

        def state() -> Any:
            return next(s for s in em.functions_status().functions if s.name == name).state

        assert state() is ev.EventingFunctionState.Undeployed
        with pytest.raises(EventingFunctionNotBootstrappedException):  # 7.x: never deployed
            em.pause_function(name)
        em.deploy_function(name)
        assert state() is ev.EventingFunctionState.Deployed
        with pytest.raises(EventingFunctionAlreadyDeployedException):
            em.deploy_function(name)
        with pytest.raises(EventingFunctionNotUnDeployedException):
            em.drop_function(name)
        em.pause_function(name)
        assert state() is ev.EventingFunctionState.Paused
        with pytest.raises(EventingFunctionNotDeployedException):  # already paused
            em.pause_function(name)
        em.resume_function(name)
        em.undeploy_function(name)
        assert state() is ev.EventingFunctionState.Undeployed
    finally:
        em.drop_function(name)
    with pytest.raises(EventingFunctionNotFoundException):
        em.get_function(name)
    with pytest.raises(EventingFunctionCompilationFailureException):
        em.upsert_function(ev.EventingFunction(name, "function OnUpdate(doc {", source_keyspace=src,
                                               metadata_keyspace=meta))
    with pytest.raises(EventingFunctionIdenticalKeyspaceException):
        em.upsert_function(ev.EventingFunction(name, "function OnUpdate(doc, meta) {}", source_keyspace=src,
                                               metadata_keyspace=src))


def test_history_retention_needs_a_magma_bucket(fe: Any, front_end_name: str, mmock: Any) -> None:
    from couchbase.management.buckets import StorageBackend

    bm, _users, _q = managers(fe)
    name = f"hist-{front_end_name}"
    bm.create_bucket(CreateBucketSettings(name=name, storage_backend=StorageBackend.COUCHSTORE,
                                          ram_quota_mb=128))
    try:
        got = bm.get_bucket(name)
        assert got.storage_backend == StorageBackend.COUCHSTORE
        assert got.history_retention_collection_default is None
        # asking for magma and history at once: the bucket is not magma yet, so history is refused
        with pytest.raises(InvalidArgumentException):
            bm.update_bucket(BucketSettings(name=name, storage_backend=StorageBackend.MAGMA, ram_quota_mb=128,
                                            history_retention_collection_default=True,
                                            history_retention_bytes=2**31,
                                            history_retention_duration=datetime.timedelta(minutes=10)))
        got = bm.get_bucket(name)  # nothing of the refused request was applied
        assert (got.storage_backend, got.history_retention_bytes) == (StorageBackend.COUCHSTORE, None)
    finally:
        bm.drop_bucket(name)
    magma = f"histm-{front_end_name}"
    bm.create_bucket(CreateBucketSettings(name=magma, storage_backend=StorageBackend.MAGMA, ram_quota_mb=1024,
                                          history_retention_collection_default=True))
    try:
        bm.update_bucket(BucketSettings(name=magma, storage_backend=StorageBackend.MAGMA, ram_quota_mb=1024,
                                        history_retention_bytes=2**31,
                                        history_retention_duration=datetime.timedelta(minutes=10)))
        got = bm.get_bucket(magma)
        assert got.history_retention_bytes == 2**31
        assert got.history_retention_duration == datetime.timedelta(minutes=10)
    finally:
        bm.drop_bucket(magma)


def test_eventing_url_binding_secrets_are_not_listed(fe: Any, front_end_name: str, mmock: Any) -> None:
    import base64
    import urllib.request

    import couchbase.management.eventing as ev

    em = blocking(fe, fe.cluster.eventing_functions())
    name = f"fn-url-{front_end_name}"
    src, meta = ev.EventingFunctionKeyspace("default"), ev.EventingFunctionKeyspace("other")
    bindings = [ev.EventingFunctionUrlBinding("http://h1", "basic", True, False,
                                              ev.EventingFunctionUrlAuthBasic("alice", "basic-secret")),
                ev.EventingFunctionUrlBinding("http://h2", "bearer", False, True,
                                              ev.EventingFunctionUrlAuthBearer("bearer-secret"))]
    fn = ev.EventingFunction(name, "function OnUpdate(doc, meta) {}", source_keyspace=src,
                             metadata_keyspace=meta, url_bindings=bindings)
    assert "basic-secret" not in repr(fn) and "bearer-secret" not in repr(fn)
    em.upsert_function(fn)
    try:
        got = {b.alias: b for b in em.get_function(name).url_bindings}
        assert got["basic"].hostname == "http://h1"
        assert got["basic"].auth == ev.EventingFunctionUrlAuthBasic("alice")
        assert got["basic"].auth.password is None and got["bearer"].auth.key is None
        # the service lists them masked and keeps the stored secret when the mask comes back
        url = f"http://127.0.0.1:{mmock.nodes[0].eventing_port}/api/v1/functions/{name}"
        creds = base64.b64encode(f"{mmock.username}:{mmock.password}".encode()).decode()
        headers = {"Authorization": "Basic " + creds, "Content-Type": "application/json"}
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            listed = r.read().decode()
        assert "basic-secret" not in listed and "bearer-secret" not in listed and "*****" in listed
        put_back = urllib.request.Request(url, data=listed.encode(), method="POST", headers=headers)
        urllib.request.urlopen(put_back).read()
        from couchbase_mock.http import eventing as mock_eventing

        stored = next(f for k, f in mock_eventing._functions[mmock.cluster].items() if k[2] == name)
        assert [b.get("password") or b.get("bearer_key") for b in stored["depcfg"]["curl"]] == [
            "basic-secret", "bearer-secret"]
    finally:
        em.drop_function(name)


def test_watch_indexes_times_out_typed_when_the_service_does_not_answer(fe: Any, mmock: Any) -> None:
    from couchbase_mock.http.node import node_http_servers

    _bm, _um, qm = managers(fe)
    qm.get_all_indexes("default")  # connected, the query service known
    servers = [node_http_servers(node)["n1ql"] for node in mmock.nodes]
    for server in servers:
        server.hung = True
    try:
        # the listing request gets what is left of the watch's time, and times out with it
        with pytest.raises(WatchQueryIndexTimeoutException):
            qm.watch_indexes("default", ["#primary"], timeout=datetime.timedelta(seconds=0.5))
    finally:
        for server in servers:
            server.hung = False
    qm.get_all_indexes("default")  # and the service answers again


def _pending_kind(front_end_name: str) -> Any:
    """What the front end's manager calls return at run time, as couchbase/_bound.py types them."""
    import asyncio

    from couchbase._kv_response import AsyncResult

    if front_end_name in ("raw", "txraw"):
        return AsyncResult
    if front_end_name in ("asyncio", "uvloop"):
        return asyncio.Future
    if front_end_name == "twisted":
        from twisted.internet.defer import Deferred

        return Deferred
    return None  # sync, gevent: the value itself


def test_manager_results_are_what_their_types_say(fe: Any, front_end_name: str) -> None:
    """Each front end's managers return the kind of result its annotations promise (an AsyncResult on
    the raw front ends, TxRawCluster's included; a Future, a Deferred; the value on sync and gevent)."""
    from couchbase.management.collections import ScopeSpec
    from couchbase.results import ClusterInfoResult

    kind = _pending_kind(front_end_name)
    bucket = fe.cluster.bucket("default")
    if front_end_name == "txraw":  # TxRawCluster.bucket() chain as typed (the camelCase multi methods)
        from txcouchbase.cluster import TxRawBucket, TxRawCollection, TxRawScope

        assert isinstance(bucket, TxRawBucket) and isinstance(bucket.scope("_default"), TxRawScope)
        assert isinstance(bucket.scope("_default").collection("_default"), TxRawCollection)
        assert isinstance(bucket.default_collection(), TxRawCollection)
    calls = [
        (lambda: fe.cluster.buckets().get_all_buckets(), BucketSettings),
        (lambda: fe.cluster.cluster_info(), ClusterInfoResult),
        (lambda: bucket.collections().get_all_scopes(), ScopeSpec),
        (lambda: bucket.default_collection().query_indexes().get_all_indexes(), None),
        (lambda: bucket.view_indexes().get_all_design_documents(), None),
    ]
    for call, item_type in calls:
        out = call()
        if kind is None:
            value = out
        else:
            assert isinstance(out, kind), (front_end_name, out)
            value = fe._resolve(out)
        if item_type is ClusterInfoResult:
            assert isinstance(value, ClusterInfoResult)
            continue
        assert isinstance(value, list), (front_end_name, value)
        assert item_type is None or (value and all(isinstance(v, item_type) for v in value)), value
