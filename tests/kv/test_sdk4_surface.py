"""SDK 4.x behaviour the official SDK's own test suite revealed (issue 14), one body per behaviour,
run on every front end through the ``kv`` blocking view."""
from __future__ import annotations

import pytest

import couchbase.subdocument as SD
from couchbase.datastructures import CouchbaseList, CouchbaseMap, CouchbaseQueue, CouchbaseSet
from couchbase.exceptions import (
    DocumentNotFoundException,
    FeatureUnavailableException,
    InvalidArgumentException,
    QueueEmpty,
)
from couchbase.options import (
    GetMultiOptions,
    GetOptions,
    IncrementMultiOptions,
    IncrementOptions,
    SignedInt64,
    UpsertMultiOptions,
    UpsertOptions,
)
from couchbase.result import (
    CounterResult,
    GetResult,
    MultiCounterResult,
    MultiGetResult,
    MultiMutationResult,
    MutationResult,
    OperationResult,
)
from couchbase.transcoder import RawStringTranscoder


def test_multi_results_default_return_exceptions(kv, key):
    docs = {f"{key}-{i}": {"i": i} for i in range(3)}
    res = kv.upsert_multi(docs)
    assert isinstance(res, MultiMutationResult) and res.all_ok and res.exceptions == {}
    assert all(isinstance(r, MutationResult) for r in res.results.values())
    got = kv.get_multi(list(docs) + [key + "-missing"])  # 4.x default: failures are returned
    assert isinstance(got, MultiGetResult) and not got.all_ok
    assert set(got.results) == set(docs) and all(isinstance(r, GetResult) for r in got.results.values())
    assert isinstance(got.exceptions[key + "-missing"], DocumentNotFoundException)
    with pytest.raises(DocumentNotFoundException):
        kv.get_multi(list(docs) + [key + "-missing"], GetMultiOptions(return_exceptions=False))
    with pytest.raises(InvalidArgumentException):
        kv.get_multi(docs)  # a dict where a list of keys is expected


def test_per_key_options(kv, key):
    keys = [f"{key}-{i}" for i in range(3)]
    opts = UpsertMultiOptions(expiry=100, per_key_options={keys[0]: UpsertOptions(expiry=5)})
    assert kv.upsert_multi({k: 1 for k in keys}, opts).all_ok
    got = kv.get_multi(keys, GetMultiOptions(with_expiry=True,
                                             per_key_options={keys[1]: GetOptions(with_expiry=False)}))
    assert got.results[keys[1]].expiry_time is None  # the key's own options win over the call's
    assert got.results[keys[0]].expiry_time < got.results[keys[2]].expiry_time  # 5 s against 100 s
    with pytest.raises(InvalidArgumentException):
        kv.upsert_multi({keys[0]: 1}, UpsertMultiOptions(per_key_options={keys[0]: {"nonsense": 1}}))


def test_binary_multi_operations(kv, key):
    keys = [f"{key}-{i}" for i in range(3)]
    b = kv.binary()
    res = b.increment_multi(keys)  # 4.x default initial=0: created
    assert isinstance(res, MultiCounterResult) and res.all_ok
    assert all(isinstance(r, CounterResult) and r.content == 0 for r in res.results.values())
    opts = IncrementMultiOptions(initial=SignedInt64(3), per_key_options={keys[0]: IncrementOptions(delta=5)})
    res = b.increment_multi(keys, opts)
    assert res.results[keys[0]].content == 5 and res.results[keys[1]].content == 1
    assert b.decrement_multi(keys).results[keys[1]].content == 0
    missing = b.increment_multi([key + "-none"], IncrementMultiOptions(initial=SignedInt64(-1)))
    assert isinstance(missing.exceptions[key + "-none"], DocumentNotFoundException)
    tc = RawStringTranscoder()
    kv.upsert_multi({k: "mid" for k in keys}, UpsertMultiOptions(transcoder=tc))
    assert b.append_multi({k: "-end" for k in keys}).all_ok
    assert b.prepend_multi({k: "start-" for k in keys}).all_ok
    assert kv.get(keys[2], transcoder=tc).content_as[str] == "start-mid-end"


def test_mutate_in_store_semantics_spellings(kv, key):
    kv.mutate_in(key, [SD.upsert("a", 1)], store_semantics=SD.StoreSemantics.INSERT)
    kv.mutate_in(key, [SD.upsert("b", 2)], upsert_doc=True)  # 3.x spelling
    assert kv.get(key).value == {"a": 1, "b": 2}
    with pytest.raises(InvalidArgumentException):
        kv.mutate_in(key, [SD.upsert("c", 3)], upsert_doc=True, insert_doc=True)
    kv.mutate_in(key, [SD.array_append("arr", SD.ArrayValues(1, 2), create_parents=True)])
    assert kv.lookup_in(key, [SD.get(SD.LookupInMacro.document(), xattr=True)]).exists(0)
    assert kv.get(key).value["arr"] == [1, 2]


def _ds(kv, obj):
    """A data structure of ``kv``'s collection, its results resolved on the front end's loop."""
    if not hasattr(kv, "_resolve"):  # the blocking collection itself
        return obj
    return type(kv)(obj, kv._resolve, kv._is_pending)


def test_data_structures_classes(kv, key, front_end):
    coll = getattr(kv, "_target", kv)
    if front_end in ("raw", "txraw"):
        with pytest.raises(FeatureUnavailableException):
            coll.couchbase_list(key).size()
        return
    lst = _ds(kv, coll.couchbase_list(key + "-l"))
    assert isinstance(getattr(lst, "_target", lst), CouchbaseList)
    lst.append("world")
    lst.prepend("hello")
    assert lst.get_all() == ["hello", "world"] and lst.size() == 2 and lst.index_of("world") == 1
    lst.set_at(1, "after")
    assert lst.get_at(1) == "after"
    with pytest.raises(InvalidArgumentException):
        lst.get_at(7)
    lst.remove_at(0)
    assert kv.get(key + "-l").value == ["after"]
    lst.clear()
    assert lst.size() == 0

    mp = _ds(kv, coll.couchbase_map(key + "-m"))
    assert isinstance(getattr(mp, "_target", mp), CouchbaseMap)
    mp.add("k1", "v1")
    mp.add("k2", "v2")
    assert mp.get("k1") == "v1" and mp.keys() == ["k1", "k2"] and mp.values() == ["v1", "v2"]
    assert mp.exists("k1") is True and mp.exists("nope") is False
    with pytest.raises(InvalidArgumentException):
        mp.remove("nope")
    mp.remove("k1")
    assert mp.size() == 1

    st = _ds(kv, coll.couchbase_set(key + "-s"))
    assert isinstance(getattr(st, "_target", st), CouchbaseSet)
    assert st.add(123) is True and st.add(123) is False and st.size() == 1
    assert st.contains(123) is True
    st.remove(123)
    assert st.contains(123) is False and st.remove(123) is None

    q = _ds(kv, coll.couchbase_queue(key + "-q"))
    assert isinstance(getattr(q, "_target", q), CouchbaseQueue)
    for i in (1, 2, 3):
        q.push(i)
    assert [q.pop(), q.pop(), q.pop()] == [1, 2, 3]
    with pytest.raises(QueueEmpty):
        q.pop()
    if front_end in ("asyncio", "uvloop"):  # ``async for`` over a structure, as in SDK 4.x
        q.push(7)

        async def collect():
            return [v async for v in coll.couchbase_queue(key + "-q")]
        assert kv.loop.run_until_complete(collect()) == [7]

        async def pairs():
            return list(await coll.couchbase_map(key + "-m").items())
        assert kv.loop.run_until_complete(pairs()) == [("k2", "v2")]
        with pytest.raises(TypeError):  # a map is not async-iterable (as SDK 4.x)
            coll.couchbase_map(key + "-m").__aiter__()


def test_data_structures_retry_a_cas_conflict(kv, key, front_end, mock):
    """A pop that loses a compare-and-swap race waits (the driver's sleep, in the front end's idiom)
    and tries again."""
    coll = getattr(kv, "_target", kv)
    if front_end in ("raw", "txraw"):
        pytest.skip("no data structures on the raw front ends")
    q = _ds(kv, coll.couchbase_queue(key))
    q.push(1)
    q.push(2)
    mock.inject_error(0x02, opcode=0xD1, key=key, count=2)  # KEY_EEXISTS: the CAS did not match
    assert q.pop() == 1
    assert mock.info()["injected_pending"] == 0  # both conflicts were met, and retried past
    assert kv.get(key).value == [2]


def test_data_structures_collection_methods(kv, key, front_end):
    if front_end in ("raw", "txraw"):
        with pytest.raises(FeatureUnavailableException):
            kv._target.list_append(key, 1, create=True)
        return
    with pytest.raises(DocumentNotFoundException):
        kv.list_append(key + "-l", "x")
    assert isinstance(kv.list_append(key + "-l", "world", create=True), OperationResult)
    kv.list_prepend(key + "-l", "hello")
    assert kv.list_get(key + "-l", 0) == "hello" and kv.list_size(key + "-l") == 2
    kv.map_add(key + "-m", "a", 1, create=True)
    assert kv.map_get(key + "-m", "a") == 1 and kv.map_size(key + "-m") == 1
    with pytest.raises(IndexError):
        kv.map_remove(key + "-m", "nope")
    assert isinstance(kv.set_add(key + "-s", 5, create=True), OperationResult)
    assert kv.set_add(key + "-s", 5) is None and kv.set_contains(key + "-s", 5) is True
    assert isinstance(kv.set_remove(key + "-s", 5), OperationResult) and kv.set_remove(key + "-s", 5) is None
    kv.queue_push(key + "-q", 1, create=True)
    kv.queue_push(key + "-q", 2)
    assert kv.queue_pop(key + "-q") == 1 and kv.queue_size(key + "-q") == 1


def test_data_structure_reads_take_a_timeout_and_refuse_other_options(kv, key, front_end):
    # SDK 4.x passes these kwargs to the operations underneath; an option none of them reads must not
    # be dropped silently
    if front_end in ("raw", "txraw"):
        return  # no data-structure methods in raw mode (see test_data_structures_collection_methods)
    kv.list_append(key + "-l", "a", create=True)
    kv.map_add(key + "-m", "k", 1, create=True)
    kv.set_add(key + "-s", 1, create=True)
    kv.queue_push(key + "-q", 1, create=True)
    reads = [("list_get", (key + "-l", 0), "a"), ("list_size", (key + "-l",), 1),
             ("map_get", (key + "-m", "k"), 1), ("map_size", (key + "-m",), 1),
             ("set_contains", (key + "-s", 1), True), ("set_size", (key + "-s",), 1),
             ("queue_size", (key + "-q",), 1)]
    for name, args, expected in reads:
        assert getattr(kv, name)(*args, timeout=5) == expected, name
        with pytest.raises(InvalidArgumentException, match=f"{name}: unknown option.*'cas_typo'"):
            getattr(kv, name)(*args, cas_typo=1)
        with pytest.raises(InvalidArgumentException, match="timeout"):
            getattr(kv, name)(*args, timeout="soon")
    with pytest.raises(InvalidArgumentException, match="set_remove: unknown option"):
        kv.set_remove(key + "-s", 1, durability=1)
    assert kv.set_contains(key + "-s", 1) is True  # nothing was removed
    assert isinstance(kv.set_remove(key + "-s", 1, timeout=5), OperationResult)
    with pytest.raises(InvalidArgumentException, match="queue_pop: unknown option"):
        kv.queue_pop(key + "-q", expiry=10)
    assert kv.queue_pop(key + "-q", timeout=5) == 1 and kv.queue_size(key + "-q") == 0


def _settle(kv, value):
    """Resolve what a front end returned (a coroutine of acouchbase too)."""
    import asyncio

    if asyncio.iscoroutine(value):
        value = asyncio.ensure_future(value, loop=kv.loop)
    if hasattr(kv, "_is_pending") and kv._is_pending(value):
        return kv._resolve(value)
    return value


def test_cluster_info_ping_and_diagnostics_options(kv, front_end):
    from couchbase.diagnostics import ClusterState, EndpointState, PingState, ServiceType
    from couchbase.options import DiagnosticsOptions, PingOptions
    from couchbase.result import ClusterInfoResult, DiagnosticsResult, PingResult

    cluster = kv.cluster
    info = _settle(kv, cluster.cluster_info())
    assert isinstance(info, ClusterInfoResult) and info.server_version_short >= 7.0
    assert info.server_version_full.startswith(info.server_version) and len(info.nodes) >= 1
    ping = _settle(kv, cluster.ping(PingOptions(report_id="my-report", service_types=[ServiceType.KeyValue])))
    assert isinstance(ping, PingResult) and ping.id == "my-report"
    assert list(ping.endpoints) == [ServiceType.KeyValue]
    kv_eps = ping.endpoints[ServiceType.KeyValue]
    assert all(e.state == PingState.OK and e.latency is not None for e in kv_eps)
    assert ping.endpoints["kv"] == ping.endpoints[ServiceType.KeyValue]  # libcouchbase's name still works
    assert '"my-report"' in ping.as_json()
    diag = _settle(kv, cluster.diagnostics(DiagnosticsOptions(report_id="d1")))
    assert isinstance(diag, DiagnosticsResult) and diag.id == "d1"
    assert diag.state in (ClusterState.Online, ClusterState.Degraded)
    assert any(e.state == EndpointState.Connected for eps in diag.endpoints.values() for e in eps)
    with pytest.raises(InvalidArgumentException):
        cluster.ping(PingOptions(service_types=["no-such-service"]))
    with pytest.raises(InvalidArgumentException):  # a list is required
        cluster.ping(PingOptions(service_types=ServiceType.KeyValue))
    import json

    as_json = json.loads(diag.as_json())
    assert as_json["id"] == "d1" and as_json["state"] in ("online", "degraded")
    assert all(e["state"] for eps in as_json["services"].values() for e in eps)
    kv_json = json.loads(ping.as_json())["services"]["key_value"]
    assert all("latency_us" in e and e["state"] == "ok" for e in kv_json)


def test_wait_until_ready(kv, front_end):
    import datetime

    from couchbase.diagnostics import ClusterState, ServiceType
    from couchbase.exceptions import UnAmbiguousTimeoutException
    from couchbase.options import WaitUntilReadyOptions

    cluster = kv.cluster
    if front_end in ("raw", "txraw"):  # the raw callback API has no polling helper
        assert not hasattr(cluster, "wait_until_ready")
        return
    _settle(kv, cluster.wait_until_ready(datetime.timedelta(seconds=10)))
    _settle(kv, cluster.wait_until_ready(5, WaitUntilReadyOptions(desired_state=ClusterState.Online,
                                                                  service_types=[ServiceType.KeyValue,
                                                                                 ServiceType.Query])))
    with pytest.raises(UnAmbiguousTimeoutException):  # eventing is not served by the cluster
        eventing = WaitUntilReadyOptions(service_types=[ServiceType.Eventing])
        _settle(kv, cluster.wait_until_ready(0.3, eventing))
    with pytest.raises(InvalidArgumentException):  # raised by the call, or by awaiting it (acouchbase)
        _settle(kv, cluster.wait_until_ready(1, WaitUntilReadyOptions(desired_state="sleepy")))


def test_cluster_options_4x_fields(mock):
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions, ClusterTracingOptions, TransactionConfig
    from couchbase.serializer import DefaultJsonSerializer

    auth = PasswordAuthenticator(mock.username, mock.password)
    with pytest.raises(FeatureUnavailableException, match="transactions"):
        Cluster(mock.connstr, ClusterOptions(auth, transaction_config=TransactionConfig()))
    with pytest.raises(InvalidArgumentException):
        Cluster(mock.connstr, ClusterOptions(auth, enable_compression="yes"))

    class Marking(DefaultJsonSerializer):
        def serialize(self, value):
            return super().serialize({"wrapped": value})

    c = Cluster(mock.connstr, ClusterOptions(auth, enable_compression=False, serializer=Marking(),
                                             tracing_options=ClusterTracingOptions(tracing_threshold_kv=0.5)))
    try:
        coll = c.bucket("default").default_collection()
        coll.upsert("serializer-doc", {"a": 1})
        assert coll.get("serializer-doc").value == {"wrapped": {"a": 1}}
    finally:
        c.close()


def test_locked_document_is_reported_as_locked(kv, key):
    """The mock negotiates XERROR and serves an error map, as Couchbase Server 7.x: a write to a
    locked document fails with DocumentLockedException (libcouchbase retries a locked document
    until the operation's timeout, as the SDK retry RFC says; it used to end in TemporaryFail)."""
    from couchbase.exceptions import DocumentLockedException
    from couchbase.options import UnlockOptions, UpsertOptions

    kv.upsert(key, 1)
    locked = kv.get_and_lock(key, 10)
    with pytest.raises(DocumentLockedException):
        kv.upsert(key, 2, UpsertOptions(timeout=0.3))
    from couchbase.exceptions import CasMismatchException

    with pytest.raises(CasMismatchException):  # a wrong CAS does not unlock (SDK 4.x: a CAS mismatch)
        kv.unlock(key, 100, UnlockOptions(timeout=0.3))
    kv.unlock(key, locked.cas)
    assert kv.upsert(key, 3).success


def test_default_transcoder_of_a_collection(kv, key):
    from couchbase.transcoder import RawStringTranscoder

    coll = getattr(kv, "_target", kv)
    coll.default_transcoder = RawStringTranscoder()
    try:
        kv.upsert(key, "plain text")
        assert kv.get(key).value == "plain text"
        with pytest.raises(InvalidArgumentException):
            coll.default_transcoder = object()
    finally:
        coll.default_transcoder = coll._scope.bucket._transcoder


def test_expiry_time_and_aware_datetime_expiries(kv, key):
    import datetime

    from couchbase.options import GetOptions, MutateInOptions

    plus5 = datetime.timezone(datetime.timedelta(hours=5))
    aware = datetime.datetime.now(plus5) + datetime.timedelta(hours=1)
    kv.upsert(key, {"a": 1}, UpsertOptions(expiry=aware))
    got = kv.get(key, GetOptions(with_expiry=True))
    assert got.expiry == int(aware.timestamp())  # an aware datetime is an absolute time
    assert got.expiry_time.tzinfo is None and got.expiry_time == datetime.datetime.fromtimestamp(got.expiry)
    assert got.expiry_time - datetime.datetime.now() > datetime.timedelta(0)  # naive local, as SDK 4.x
    kv.mutate_in(key, [SD.upsert("b", 2)], MutateInOptions(expiry=datetime.timedelta(seconds=1000)))
    assert kv.get(key, GetOptions(with_expiry=True)).expiry_time > datetime.datetime.now()


def test_replica_reads_4x(kv, key):
    from couchbase.exceptions import DocumentUnretrievableException
    from couchbase.result import GetReplicaResult

    kv.upsert(key, {"r": 1})
    copies = kv.get_all_replicas(key)
    first = next(copies)  # SDK 4.x: an iterator (and still a list)
    assert isinstance(first, GetReplicaResult) and first.value == {"r": 1} and len(copies) >= 1
    with pytest.raises(DocumentUnretrievableException):  # also a DocumentNotFoundException
        kv.get_any_replica(key + "-missing")
    from couchbase.options import GetAnyReplicaOptions
    from couchbase.replica_reads import ReadPreference

    any_pref = GetAnyReplicaOptions(read_preference=ReadPreference.NO_PREFERENCE)
    assert kv.get_any_replica(key, any_pref).value == {"r": 1}
    # no preferred server group configured: no copy qualifies (SDK 4.x)
    with pytest.raises(DocumentUnretrievableException):
        kv.get_any_replica(key, read_preference=ReadPreference.SELECTED_SERVER_GROUP)
    with pytest.raises(DocumentUnretrievableException):
        kv.get_all_replicas(key, read_preference=ReadPreference.SELECTED_SERVER_GROUP)
    # ... which a multi read reports per key
    many = kv.get_any_replica_multi([key, key + "-2"], read_preference=ReadPreference.SELECTED_SERVER_GROUP,
                                    return_exceptions=True)
    assert not many.all_ok and not many.results
    assert all(isinstance(e, DocumentUnretrievableException) for e in many.exceptions.values())
    assert set(many.exceptions) == {key, key + "-2"}
    res = kv.get_any_replica_multi([key, key + "-missing"])
    assert res.results[key].value == {"r": 1}
    assert isinstance(res.exceptions[key + "-missing"], DocumentNotFoundException)


def test_projection_of_more_than_16_paths(kv, key):
    from couchbase.options import GetOptions

    doc = {f"f{i}": i for i in range(1, 21)}
    doc["nested"] = {"a": [10, {"b": 2}]}
    kv.upsert(key, doc)
    paths = [f"f{i}" for i in range(1, 19)] + ["nested.a[1].b", "missing"]
    got = kv.get(key, GetOptions(project=paths))
    assert got.content_as[dict] == {**{f"f{i}": i for i in range(1, 19)}, "nested": {"a[1]": {"b": 2}}}
    assert kv.get(key, project=["f1", "f20"]).value == {"f1": 1, "f20": 20}


def test_mutation_tokens_turned_off(mock, front_end):
    """With enable_mutation_tokens=False a mutation's token still names its vBucket, with uuid and
    sequence number 0 (as SDK 4.x)."""
    from support.frontends import FRONT_ENDS  # tests/ is on sys.path, as in conftest

    view, close = FRONT_ENDS[front_end](mock, enable_mutation_tokens=False)
    try:
        token = view.upsert("tokens-off", {"a": 1}).mutation_token()
        vbid, uuid, seqno, bucket = token.as_tuple()
        assert isinstance(vbid, int) and uuid == 0 and seqno == 0 and bucket == "default"
        assert view.remove("tokens-off").mutation_token().partition_id == vbid
    finally:
        close()
