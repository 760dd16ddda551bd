"""Sub-document lookups on replicas (``lookup_in_any_replica`` / ``lookup_in_all_replicas``,
server 7.5+ semantics), on every front end."""
from __future__ import annotations

import time
from typing import Any

import pytest

import couchbase.subdocument as SD
from couchbase.exceptions import (
    CollectionNotFoundException,
    DocumentNotFoundException,
    DocumentUnretrievableException,
    FeatureUnavailableException,
    InvalidArgumentException,
    PathNotFoundException,
    TimeoutException,
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


GET_COLLECTION_ID = 0xBB


def test_lookup_in_replica_caches_the_collection_id(mock, front_end, key):
    """The id of a named collection is fetched once per connection. A collection dropped and created
    again under the same name (a new id) is read at its new id: the old one is answered
    UNKNOWN_COLLECTION, the id fetched again and every copy read once more."""
    name = f"cids_{front_end}"
    mock.create_collection("default", "app", name)
    view, close = FRONT_ENDS[front_end](mock, scope="app", collection=name)
    try:
        view.upsert(key, {"who": "first"})
        before = mock.opcode_count(GET_COLLECTION_ID)
        assert view.lookup_in_any_replica(key, [SD.get("who")]).content_as[str](0) == "first"
        assert mock.opcode_count(GET_COLLECTION_ID) == before + 1  # not cached yet: one fetch
        got = view.lookup_in_all_replicas(key, [SD.get("who")])
        assert [(r.is_replica, r.content_as[str](0)) for r in got] == [(False, "first"), (True, "first")]
        assert view.lookup_in_any_replica(key, [SD.get("who")]).content_as[str](0) == "first"
        assert mock.opcode_count(GET_COLLECTION_ID) == before + 1  # the cached id served both

        old_cid = mock.drop_collection("default", "app", name)
        assert mock.create_collection("default", "app", name) != old_cid
        # written behind the client's back: nothing but the lookups tells it the id changed
        mock.put_doc("default", key, b'{"who": "second"}', scope="app", collection=name)
        before = mock.opcode_count(GET_COLLECTION_ID)
        got = view.lookup_in_all_replicas(key, [SD.get("who")])
        assert [(r.is_replica, r.content_as[str](0)) for r in got] == [(False, "second"), (True, "second")]
        assert view.lookup_in_any_replica(key, [SD.get("who")]).content_as[str](0) == "second"
        assert mock.opcode_count(GET_COLLECTION_ID) == before + 1  # fetched again once, then cached

        mock.drop_collection("default", "app", name)  # gone for good: the id fetched again says so
        with pytest.raises(CollectionNotFoundException):
            view.lookup_in_any_replica(key, [SD.get("who")])
    finally:
        close()


LOOKUP = 0xD0


def test_lookup_in_replica_collection_id_retired_by_a_newer_manifest(mock, front_end, key):
    """A bucket configuration naming a newer collections manifest than the cached id was fetched
    under retires the id before any copy is asked with it (no UNKNOWN_COLLECTION round)."""
    from couchbase._binding import lib

    name = f"manifest_{front_end}"
    mock.create_collection("default", "app", name)
    view, close = FRONT_ENDS[front_end](mock, scope="app", collection=name, config_poll_interval=0.1)
    try:
        view.upsert(key, {"who": "first"})
        assert view.lookup_in_any_replica(key, [SD.get("who")]).content_as[str](0) == "first"
        mock.drop_collection("default", "app", name)
        mock.create_collection("default", "app", name)
        mock.put_doc("default", key, b'{"who": "second"}', scope="app", collection=name)
        conn = getattr(view, "_target", view)._conn  # the sync front end hands out the collection itself
        rev = mock.info()["rev"]

        def polled() -> None:  # the client polls for configurations; a key-value call drives its loop
            view.exists("any")
            assert lib.pycb_vb_revision(conn.instance) >= rev
        _eventually(polled)
        cids, lookups = mock.opcode_count(GET_COLLECTION_ID), mock.opcode_count(LOOKUP)
        got = view.lookup_in_all_replicas(key, [SD.get("who")])
        assert [(r.is_replica, r.content_as[str](0)) for r in got] == [(False, "second"), (True, "second")]
        assert mock.opcode_count(GET_COLLECTION_ID) == cids + 1
        assert mock.opcode_count(LOOKUP) == lookups + 2  # one per copy: none sent with the old id
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


def _eventually(check: Any, seconds: float = 15.0) -> Any:
    """``check()`` once the client has the configuration that makes it pass (it polls for them)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_replica_reads_in_a_server_group(mock, front_end, key):
    pref = ReadPreference.SELECTED_SERVER_GROUP
    view, close = FRONT_ENDS[front_end](mock, preferred_server_group="Group 1")
    active, replica = mock.vbucket_owners("default", key)[:2]
    try:
        view.upsert(key, DOC)
        # every node in the preferred group: every copy qualifies
        assert [r.is_replica for r in view.get_all_replicas(key, read_preference=pref)] == [False, True]
        lookups = view.lookup_in_all_replicas(key, [SD.get("name")], read_preference=pref)
        assert [r.is_replica for r in lookups] == [False, True]
        mock.set_server_group(active, "elsewhere")  # only the replica is left in the group

        def only_the_replica() -> None:
            got = view.get_all_replicas(key, read_preference=pref)
            assert [(r.is_replica, r.value) for r in got] == [(True, DOC)]
        _eventually(only_the_replica)
        assert view.get_any_replica(key, read_preference=pref).is_replica is True
        res = view.lookup_in_any_replica(key, [SD.get("name")],
                                         LookupInAnyReplicaOptions(read_preference=pref))
        assert res.is_replica is True and res.content_as[str](0) == "n"
        assert [r.is_replica for r in view.lookup_in_all_replicas(key, [SD.get("name")],
                                                                   read_preference=pref)] == [True]
        assert view.get_any_replica(key).value == DOC  # no preference: any copy
        mock.set_server_group(replica, "elsewhere")  # no copy left in the group

        def none_left() -> None:
            try:
                view.get_all_replicas(key, read_preference=pref)
            except DocumentUnretrievableException:
                return
            raise AssertionError("a copy is still read from the group")
        _eventually(none_left)
        with pytest.raises(DocumentUnretrievableException):
            view.get_any_replica(key, read_preference=pref)
        with pytest.raises(DocumentUnretrievableException):
            view.lookup_in_any_replica(key, [SD.get("name")], read_preference=pref)
        with pytest.raises(DocumentUnretrievableException):
            view.lookup_in_all_replicas(key, [SD.get("name")], read_preference=pref)
    finally:
        mock.set_server_group(active, "Group 1")
        mock.set_server_group(replica, "Group 1")
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


def test_lookup_in_replica_timeout_option_applies(kv, key, mock):
    """The ``timeout`` option bounds the forwarded lookups: with every node answering after 1.5 s
    (inside the connection's 2.5 s KV timeout), a 0.2 s timeout fails the lookup instead of
    waiting for the answers."""
    kv.upsert(key, DOC)
    mock.set_latency(1500)
    try:
        with pytest.raises((DocumentUnretrievableException, TimeoutException)) as info:
            kv.lookup_in_any_replica(key, [SD.get("name")], LookupInAnyReplicaOptions(timeout=0.2))
        assert "timeout" in str(info.value).lower() or isinstance(info.value, TimeoutException)
        with pytest.raises((DocumentUnretrievableException, TimeoutException)):
            kv.lookup_in_all_replicas(key, [SD.get("name")], LookupInAllReplicasOptions(timeout=0.2))
    finally:
        mock.set_latency(0)
    # and the connection's own timeout still applies to lookups without the option afterwards
    assert kv.lookup_in_any_replica(key, [SD.get("name")]).content_as[str](0) == "n"
