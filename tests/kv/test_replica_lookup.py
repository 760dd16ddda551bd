"""Sub-document lookups on replicas (``lookup_in_any_replica`` / ``lookup_in_all_replicas``,
server 7.5+ semantics), on every front end."""
from __future__ import annotations

import pytest

import couchbase.subdocument as SD
from couchbase.exceptions import (
    DocumentNotFoundException,
    DocumentUnretrievableException,
    FeatureUnavailableException,
    InvalidArgumentException,
    PathNotFoundException,
)
from couchbase.options import LookupInAllReplicasOptions, LookupInAnyReplicaOptions
from couchbase.replica_reads import ReadPreference
from couchbase.result import LookupInReplicaResult, LookupInResult
from support.frontends import FRONT_ENDS

DOC = {"name": "n", "tags": ["a", "b", "c"], "nested": {"x": 1}}


def test_lookup_in_any_replica(kv, key):
    stored = kv.upsert(key, DOC)
    res = kv.lookup_in_any_replica(key, [SD.get("name"), SD.exists("nope"), SD.count("tags"),
                                         SD.get("$document.CAS", xattr=True), SD.get("nested.x")])
    assert isinstance(res, LookupInReplicaResult) and isinstance(res, LookupInResult)
    assert res.is_replica in (True, False)
    # the xattr spec goes first on the wire; results come back in the caller's order
    assert res.content_as[str](0) == "n"
    assert res.exists(1) is False
    assert res.content_as[int](2) == 3
    assert int(res.content_as[str](3), 16) == stored.cas
    assert res.content_as[int](4) == 1
    assert res.cas == stored.cas
    with pytest.raises(PathNotFoundException):
        kv.lookup_in_any_replica(key, [SD.get("nope")]).content_as[str](0)
    full = kv.lookup_in_any_replica(key, [SD.get_full()],
                                    LookupInAnyReplicaOptions(read_preference=ReadPreference.NO_PREFERENCE))
    assert full.content_as[dict](0) == DOC


def test_lookup_in_all_replicas(kv, key, mock):
    kv.upsert(key, DOC)
    results = kv.lookup_in_all_replicas(key, [SD.get("tags"), SD.exists("nested.x")],
                                        LookupInAllReplicasOptions(timeout=5))
    results = list(results)
    # the session's mock has one replica: the active copy (first) and the replica
    assert [r.is_replica for r in results] == [False, True]
    for r in results:
        assert isinstance(r, LookupInReplicaResult)
        assert r.content_as[list](0) == ["a", "b", "c"] and r.exists(1)


def test_lookup_in_replica_missing_document(kv, key):
    with pytest.raises(DocumentUnretrievableException):
        kv.lookup_in_any_replica(key, [SD.get("a")])
    with pytest.raises(DocumentNotFoundException):  # DocumentUnretrievable is one
        kv.lookup_in_all_replicas(key, [SD.exists("a")])


def test_lookup_in_replica_named_collection(mock, front_end, key):
    view, close = FRONT_ENDS[front_end](mock, scope="app", collection="users")
    try:
        view.upsert(key, {"who": "named"})
        assert view.lookup_in_any_replica(key, [SD.get("who")]).content_as[str](0) == "named"
        got = view.lookup_in_all_replicas(key, [SD.get("who")])
        assert sorted(r.is_replica for r in got) == [False, True]
        assert all(r.content_as[str](0) == "named" for r in got)
    finally:
        close()


def test_lookup_in_replica_read_preference(mock, front_end, kv, key):
    kv.upsert(key, DOC)
    pref = ReadPreference.SELECTED_SERVER_GROUP
    # no preferred server group configured: no copy qualifies (SDK 4.x)
    with pytest.raises(DocumentUnretrievableException):
        kv.lookup_in_any_replica(key, [SD.get("name")], LookupInAnyReplicaOptions(read_preference=pref))
    with pytest.raises(DocumentUnretrievableException):
        kv.lookup_in_all_replicas(key, [SD.get("name")], read_preference=pref)
    with pytest.raises(InvalidArgumentException):
        kv.lookup_in_any_replica(key, [SD.get("name")], read_preference=7)
    with pytest.raises(InvalidArgumentException):  # a lookup takes no mutation spec
        kv.lookup_in_any_replica(key, [SD.upsert("name", 1)])
    view, close = FRONT_ENDS[front_end](mock, preferred_server_group="group_1")
    try:  # a group configured: libcouchbase 3.3 cannot tell which nodes are in it
        with pytest.raises(FeatureUnavailableException):
            view.lookup_in_any_replica(key, [SD.get("name")], read_preference=pref)
        with pytest.raises(FeatureUnavailableException):
            view.get_any_replica(key, read_preference=pref)
    finally:
        close()


def test_lookup_in_replica_needs_the_capability(mock, front_end, key):
    mock.set_subdoc_replica_read(False)  # the cluster answers as Server 7.0 does
    try:
        view, close = FRONT_ENDS[front_end](mock)
        try:
            view.upsert(key, DOC)
            with pytest.raises(FeatureUnavailableException):
                view.lookup_in_any_replica(key, [SD.get("name")])
            with pytest.raises(FeatureUnavailableException):
                view.lookup_in_all_replicas(key, [SD.get("name")])
            assert view.lookup_in(key, [SD.get("name")]).content_as[str](0) == "n"
        finally:
            close()
    finally:
        mock.set_subdoc_replica_read(True)


def test_lookup_in_replica_without_collections(mock, key):
    # the wire key carries no collection id on a connection that did not negotiate collections
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions

    connstr = mock.connstr + ("&" if "?" in mock.connstr else "?") + "enable_collections=false"
    cluster = Cluster(connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)))
    try:
        coll = cluster.bucket("default").default_collection()
        coll.upsert(key, DOC)
        for _ in range(2):  # the capability fetched, then cached
            assert [r.is_replica for r in coll.lookup_in_all_replicas(key, [SD.get("name")])] == [False, True]
            assert coll.lookup_in_any_replica(key, [SD.get("nested.x")]).content_as[int](0) == 1
    finally:
        cluster.close()
