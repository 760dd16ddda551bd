"""Blocking-API behaviour that is about the cluster rather than one operation:
connecting, closing, threads, TLS, topology changes, durability, logging."""
from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from couchbase import LOCKMODE_EXC
from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import (
    AuthenticationException,
    BucketNotFoundException,
    CouchbaseException,
    DurabilityImpossibleException,
    ObjectClosedException,
    ObjectThreadException,
)
from couchbase.options import ClusterOptions, Durability, ServerDurability
from support.frontends import FRONT_ENDS


def _opts(mock, password=None):
    return ClusterOptions(PasswordAuthenticator(mock.username, password or mock.password))


def test_wrong_password_fails_fast(mock):
    start = time.monotonic()
    with pytest.raises(AuthenticationException) as info:
        Cluster(mock.connstr, _opts(mock, "wrong-password"))
    assert time.monotonic() - start < 5
    assert "wrong-password" not in repr(info.value) and "wrong-password" not in str(info.value)


def test_unknown_bucket(cluster):
    with pytest.raises(BucketNotFoundException):
        cluster.bucket("no-such-bucket")


def test_connection_refused_is_typed_and_prompt():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(CouchbaseException):
        Cluster(f"couchbase://127.0.0.1:{port}=mcd", ClusterOptions(PasswordAuthenticator("u", "p")),
                config_total_timeout=2)
    assert time.monotonic() - start < 10


def test_bad_connection_string():
    from couchbase.exceptions import InvalidArgumentException

    with pytest.raises(InvalidArgumentException):
        Cluster("mysql://x", ClusterOptions(PasswordAuthenticator("u", "p")))


def test_repr_hides_password(mock, cluster):
    auth = PasswordAuthenticator("user", "s3cret-pw")
    assert "s3cret-pw" not in repr(auth)
    assert mock.password not in repr(cluster) or mock.password == mock.username


def test_use_after_close(mock):
    c = Cluster(mock.connstr, _opts(mock))
    coll = c.bucket("default").default_collection()
    coll.upsert("closing", 1)
    c.close()
    with pytest.raises(ObjectClosedException):
        coll.get("closing")
    with pytest.raises(ObjectClosedException):
        c.bucket("default")
    # SDK 4.x raises a RuntimeError with these words for operations on a closed cluster
    for op in (lambda: c.query("SELECT 1"), lambda: c.analytics_query("SELECT 1"),
               lambda: coll.get("closing")):
        with pytest.raises(RuntimeError, match="Cannot perform operations on a closed cluster"):
            op()


def test_context_manager_closes(mock):
    with Cluster(mock.connstr, _opts(mock)) as c:
        coll = c.bucket("default").default_collection()
        coll.upsert("cm", 1)
    assert c.closed


def test_named_collection_is_separate(cluster, key):
    bucket = cluster.bucket("default")
    users = bucket.scope("app").collection("users")
    users.upsert(key, {"in": "users"})
    bucket.default_collection().upsert(key, {"in": "default"})
    assert users.get(key).value == {"in": "users"}
    assert bucket.default_collection().get(key).value == {"in": "default"}


def test_second_bucket(cluster, key):
    cluster.bucket("other").default_collection().upsert(key, "other")
    assert not cluster.bucket("default").default_collection().exists(key).exists


def test_eight_threads_share_one_cluster(cluster, key):
    coll = cluster.bucket("default").default_collection()
    errors = []

    def work(n):
        try:
            for i in range(50):
                k = f"{key}-{n}-{i}"
                coll.upsert(k, {"n": n, "i": i})
                assert coll.get(k).value == {"n": n, "i": i}
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors


def test_lockmode_exc_refuses_concurrent_use(mock):
    c = Cluster(mock.connstr, _opts(mock), lockmode=LOCKMODE_EXC)
    coll = c.bucket("default").default_collection()
    conn = coll._conn
    with conn.locked():  # another thread holds the instance
        seen = []
        t = threading.Thread(target=lambda: seen.append(_catch(lambda: coll.get("x"))))
        t.start()
        t.join()
    assert isinstance(seen[0], ObjectThreadException)
    c.close()


def _catch(fn):
    try:
        fn()
    except BaseException as exc:  # noqa: BLE001
        return exc
    return None


def test_server_durability_met(kv, key):
    coll = kv
    assert coll.upsert(key, 1, durability=Durability.MAJORITY).success
    assert coll.upsert(key, 2, durability=ServerDurability(Durability.PERSIST_TO_MAJORITY)).success
    assert coll.remove(key, durability=Durability.MAJORITY).success


def test_observe_durability_met(kv, key):
    coll = kv
    assert coll.upsert(key, 1, persist_to=1, replicate_to=1).success
    assert coll.upsert(key, 2, persist_to=-1, replicate_to=-1).success
    with coll.durability(persist_to=2, replicate_to=1):
        assert coll.upsert(key, 3).success


def test_observe_durability_impossible(kv, key):
    coll = kv
    with pytest.raises(CouchbaseException) as info:
        coll.upsert(key, 1, replicate_to=3)
    assert "DURABILITY" in str(info.value).upper()


def test_server_durability_impossible_without_replicas(front_end):
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as single:
        coll, close = FRONT_ENDS[front_end](single)
        try:
            with pytest.raises(DurabilityImpossibleException):
                coll.upsert("k", 1, durability=Durability.MAJORITY)
        finally:
            close()


def test_replica_read_after_node_stopped(front_end):
    from couchbase.exceptions import TimeoutException
    from couchbase_mock import MockCluster

    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as m:
        coll, close = FRONT_ENDS[front_end](m, kv_timeout=1)
        try:
            keys = [f"replica-{i}" for i in range(30)]
            coll.upsert_multi({k: {"k": k} for k in keys})
            on_node_1 = [k for k in keys if m.vbucket_owners("default", k)[0] == 1]
            assert on_node_1
            m.stop_node(1, failover=False)  # crashed, not yet failed over: the map still names it
            with pytest.raises((TimeoutException, CouchbaseException)):
                coll.get(on_node_1[0])
            for k in on_node_1:
                res = coll.get_any_replica(k)
                assert res.value == {"k": k} and res.is_replica
            copies = coll.get_all_replicas(on_node_1[0])
            assert [c.value for c in copies] == [{"k": on_node_1[0]}] and copies[0].is_replica
        finally:
            close()


def test_stats_and_ping(cluster):
    bucket = cluster.bucket("default")
    stats = bucket.stats()
    assert len(stats) == 3 and all(isinstance(v, dict) and v for v in stats.values())
    ping = bucket.ping()
    assert "kv" in ping.endpoints


def test_batch_sends_together(cluster, key):
    coll = cluster.bucket("default").default_collection()
    with coll.batch():
        a = coll.upsert(key + "a", 1)
        b = coll.upsert(key + "b", 2)
        assert not a.done
    assert a.done and b.done and a.result.success
    with coll.batch():
        g = coll.get(key + "a")
    assert g.value == 1


def test_batch_that_raises_sends_nothing(cluster, key):
    coll = cluster.bucket("default").default_collection()
    with pytest.raises(RuntimeError):
        with coll.batch():
            op = coll.upsert(key, 1)
            raise RuntimeError("boom")
    assert op.done and op.error is not None
    assert not coll.exists(key).exists


def test_lcb_logs_reach_logging(mock, caplog):
    with caplog.at_level(logging.DEBUG, logger="couchbase.lcb"):
        c = Cluster(mock.connstr, _opts(mock))
        c.close()
    lines = [r for r in caplog.records if r.name.startswith("couchbase.lcb.")]  # one logger per subsystem
    assert lines, "libcouchbase wrote nothing to the couchbase.lcb logger"
    assert all(mock.password not in r.getMessage() for r in lines)


def test_timeouts_as_properties(mock):
    import datetime

    with Cluster(mock.connstr, _opts(mock), kv_timeout=1.5) as c:
        assert c.kv_timeout == datetime.timedelta(seconds=1.5)
        c.kv_timeout = datetime.timedelta(seconds=3)
        assert c.kv_timeout == datetime.timedelta(seconds=3)


def test_client_durability_on_remove_counter_subdoc(kv, key):
    import couchbase.subdocument as SD

    coll = kv
    coll.upsert(key, {"n": 1})
    assert coll.mutate_in(key, [SD.increment("n", 1)], persist_to=1, replicate_to=1).success
    assert coll.increment(key + "c", delta=1, initial=1, replicate_to=1).content == 1
    assert coll.remove(key, persist_to=2, replicate_to=1).success
    from couchbase.exceptions import DurabilityTooManyException

    with pytest.raises(DurabilityTooManyException):
        coll.remove(key + "c", replicate_to=2)


def test_observe(cluster, key):
    coll = cluster.bucket("default").default_collection()
    coll.upsert(key, 1)
    infos = coll.observe(key)
    assert len(infos) == 2 and infos[0].from_master and not infos[1].from_master
    assert all(i.state in ("found", "persisted") for i in infos)
    assert infos[0].cas == coll.get(key).cas
    assert len(coll.observe(key, master_only=True)) == 1
    coll.remove(key)
    assert all(i.state in ("not_found", "logically_deleted") for i in coll.observe(key))


def test_tls_with_certificate_verification():
    from couchbase.exceptions import NetworkException, SSLException, TimeoutException
    from couchbase_mock import MockCluster

    with MockCluster(nodes=2, replicas=1, buckets=["default"], tls=True) as m:
        with Cluster(m.tls_connstr, _opts(m), cert_path=m.ca_cert_path) as c:
            coll = c.bucket("default").default_collection()
            coll.upsert("tls", {"secure": True})
            assert coll.get("tls").value == {"secure": True}
        import trustme

        other = trustme.CA()
        with other.cert_pem.tempfile() as wrong_ca:
            with pytest.raises((SSLException, NetworkException, TimeoutException)) as info:
                Cluster(m.tls_connstr, _opts(m), cert_path=wrong_ca, config_total_timeout=3)
        assert "SSL" in str(info.value) or "verif" in str(info.value).lower() or "TIMEOUT" in str(info.value)


def test_cntl_escape_hatch(cluster):
    from couchbase.exceptions import InvalidArgumentException

    bucket = cluster.bucket("default")
    bucket._cntl("operation_timeout", "3.5")
    assert bucket._cntl(0x00) == 3_500_000  # LCB_CNTL_OP_TIMEOUT, in microseconds
    bucket._cntl(0x00, 2_500_000)
    assert bucket._cntl(0x00) == 2_500_000
    with pytest.raises(InvalidArgumentException):
        bucket._cntl(0x00, -1)
    with pytest.raises(CouchbaseException):
        bucket._cntl("no_such_setting", "1")


def test_item_api(cluster, key):
    from couchbase.items import Item, ItemOptionDict, ItemSequence

    coll = cluster.bucket("default").default_collection()
    items = [Item(f"{key}-{i}", {"i": i}) for i in range(3)]
    coll.upsert_multi(ItemSequence(items))
    assert all(it.cas and it.success for it in items)
    fresh = [Item(it.key) for it in items]
    coll.get_multi(ItemSequence(fresh))
    assert [it.value for it in fresh] == [{"i": 0}, {"i": 1}, {"i": 2}]
    opts = ItemOptionDict()
    short = opts.create_and_add(key + "-short", "v", expiry=100)
    coll.upsert_multi(opts)
    assert short.cas and coll.get(key + "-short", with_expiry=True).expiry_time is not None


def test_use_after_fork_is_a_clear_error(kv, key):
    import os

    from couchbase.exceptions import ObjectClosedException

    kv.upsert(key, 1)
    pid = os.fork()
    if pid == 0:  # the child: the parent's connection must refuse, not hang or crash
        code = 3
        try:
            kv.get(key)
        except ObjectClosedException as exc:
            code = 0 if "fork" in str(exc) else 4
        except BaseException:  # noqa: BLE001
            code = 5
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, f"child exit status {os.WEXITSTATUS(status)}"
    assert kv.get(key).value == 1  # the parent's connection still works


def test_tracing_and_metrics_can_be_turned_off(mock, key):
    from couchbase.exceptions import InvalidArgumentException

    with Cluster(mock.connstr, _opts(mock)) as default:
        bucket = default.bucket("default")
        assert bucket._cntl(0x4E) == 1  # LCB_CNTL_ENABLE_TRACING: libcouchbase's default, kept
    with Cluster(mock.connstr, _opts(mock), enable_tracing=False, enable_metrics=False) as quiet:
        bucket = quiet.bucket("default")
        assert bucket._cntl(0x4E) == 0
        assert bucket._cntl(0x67) == 0  # LCB_CNTL_ENABLE_OP_METRICS
        bucket.default_collection().upsert(key, {"a": 1})
        assert bucket.default_collection().get(key).content_as[dict] == {"a": 1}
    with pytest.raises(InvalidArgumentException, match="enable_tracing"):
        Cluster(mock.connstr, _opts(mock), enable_tracing="no")
