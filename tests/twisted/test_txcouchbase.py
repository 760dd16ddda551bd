"""txcouchbase beyond the shared KV suite: Deferred idioms, connection events, failures, lifetime.

The reactor is the installed default one (epoll on Linux), turned by hand with
``reactor.iterate`` (see tests/support/frontends/twisted_fe.py). Other reactors
run in subprocesses (reactors install once per process): see test_reactors.py.
"""
from __future__ import annotations

import gc

import pytest

pytest.importorskip("twisted")

from twisted.internet import reactor, task
from twisted.internet.defer import Deferred, DeferredList, ensureDeferred, inlineCallbacks
from twisted.python.failure import Failure

from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import (
    AuthenticationException,
    CouchbaseException,
    DocumentNotFoundException,
    InvalidArgumentException,
    ObjectClosedException,
)
from couchbase.iops import live_iops
from couchbase.options import ClusterOptions
from support.frontends.twisted_fe import run_until_fired, turn_reactor
from txcouchbase.cluster import TxCluster, TxRawCluster


def _opts(mock, password=None):
    return ClusterOptions(PasswordAuthenticator(mock.username, password or mock.password))


@pytest.fixture
def tx(mock):
    cluster = TxCluster(mock.connstr, _opts(mock), kv_timeout=2.5)
    try:
        yield cluster
    finally:
        run_until_fired(cluster.close(), 10)


def test_the_requested_reactor_is_the_one_used(tx):
    """COUCHBASE_TEST_REACTOR (set by test_reactors.py in a subprocess) really selects the reactor."""
    import os

    wanted = os.environ.get("COUCHBASE_TEST_REACTOR", "")
    expected = {"": "EPollReactor", "select": "SelectReactor", "poll": "PollReactor",
                "asyncio": "AsyncioSelectorReactor"}[wanted]
    assert type(reactor).__name__ == expected
    assert tx.reactor is reactor


def test_inline_callbacks_chain(tx, key):
    coll = tx.bucket("default").default_collection()

    @inlineCallbacks
    def flow():
        yield coll.upsert(key, {"n": 1})
        got = yield coll.get(key)
        counter = yield coll.increment(key + "-c", delta=2, initial=5)
        try:
            yield coll.get(key + "-missing")
        except DocumentNotFoundException:
            missing = True
        return got.value, counter.content, missing

    assert run_until_fired(flow()) == ({"n": 1}, 5, True)


def test_async_def_with_ensure_deferred_and_from_coroutine(tx, key):
    coll = tx.bucket("default").default_collection()

    async def flow():
        await coll.upsert(key, "v")
        res = await coll.get(key)
        multi = await coll.getMulti([key])
        return res.value, multi[key].value

    assert run_until_fired(ensureDeferred(flow())) == ("v", "v")
    assert run_until_fired(Deferred.fromCoroutine(flow())) == ("v", "v")


def test_errback_carries_the_typed_exception(tx, key):
    coll = tx.bucket("default").default_collection()
    d = coll.get(key)
    box = []
    d.addErrback(box.append)
    run_until_fired(d)
    assert isinstance(box[0], Failure) and box[0].check(DocumentNotFoundException)
    assert box[0].value.context.key == key


def test_camel_case_multi_aliases(tx, key):
    coll = tx.bucket("default").default_collection()
    keys = [f"{key}-{i}" for i in range(4)]
    assert run_until_fired(coll.upsertMulti({k: i for i, k in enumerate(keys)})).all_ok
    got = run_until_fired(coll.getMulti(keys))
    assert {k: r.value for k, r in got.items()} == {k: i for i, k in enumerate(keys)}
    assert all(r.exists for r in run_until_fired(coll.existsMulti(keys)).values())
    assert run_until_fired(coll.replaceMulti({k: "x" for k in keys})).all_ok
    assert run_until_fired(coll.touchMulti(keys, 100)).all_ok
    locked = run_until_fired(coll.lockMulti(keys, 5))
    assert run_until_fired(coll.unlockMulti({k: r.cas for k, r in locked.items()})).all_ok
    assert run_until_fired(coll.removeMulti(keys)).all_ok
    assert run_until_fired(coll.insertMulti({k: 1 for k in keys})).all_ok
    counted = run_until_fired(coll.counterMulti([key + "-c"], delta=1, initial=3))
    assert [r.content for r in counted.values()] == [3]
    with pytest.raises(DocumentNotFoundException) as info:
        run_until_fired(coll.getMulti(keys + [key + "-missing"], return_exceptions=False))
    assert info.value.all_results[keys[0]].value == 1


def test_register_deferred_connect_and_queued_operations(mock, key):
    cluster = TxCluster(mock.connstr, _opts(mock))
    assert not cluster.connected
    coll = cluster.bucket("default").default_collection()
    queued = coll.upsert(key, 1)  # before anything connected: queued, run after bootstrap
    connected = Deferred()
    cluster.registerDeferred("connect", connected)
    assert run_until_fired(connected) is cluster and cluster.connected
    assert run_until_fired(queued).success
    assert run_until_fired(cluster.on_connect()) is cluster
    late = Deferred()
    cluster.registerDeferred("connect", late)  # after connecting: fires at once
    assert late.called
    run_until_fired(cluster.close(), 10)


def test_connection_error_reaches_every_registered_deferred(mock, key):
    cluster = TxCluster(mock.connstr, _opts(mock, password="wrong"))
    ds = [Deferred() for _ in range(3)]
    for d in ds:
        cluster.registerDeferred("connect", d)
    ops = [cluster.bucket("default").default_collection().get(key), cluster.on_connect()]
    failures = []
    for d in ds + ops:
        d.addErrback(failures.append)
    run_until_fired(DeferredList(ds + ops))
    assert len(failures) == 5
    assert all(f.check(AuthenticationException, CouchbaseException) for f in failures)
    assert isinstance(failures[0].value, AuthenticationException)
    run_until_fired(cluster.close(), 10)


def test_connect_classmethod_failure_closes(mock):
    d = TxCluster.connect("couchbase://127.0.0.1:1=mcd", _opts(mock), config_total_timeout=2)
    with pytest.raises(CouchbaseException):
        run_until_fired(d)


def test_bad_arguments_are_typed(tx):
    with pytest.raises(InvalidArgumentException):
        tx.registerDeferred("bogus", Deferred())
    with pytest.raises(InvalidArgumentException):
        tx.registerDeferred("connect", object())
    with pytest.raises(InvalidArgumentException):
        tx.defer("not an operation")


def test_raw_cluster_and_defer(mock, key):
    cluster = TxRawCluster(mock.connstr, _opts(mock))
    coll = cluster.bucket("default").default_collection()
    op = coll.upsert(key, {"raw": True})
    stored = Deferred()
    op.callback = stored.callback  # the raw idiom: handlers set right after the call
    op.errback = lambda op, exc_type, exc, tb: stored.errback(Failure(exc, exc_type, tb))
    assert run_until_fired(stored).success
    missing = cluster.defer(coll.get(key + "-missing"))
    run_until_fired(missing.addErrback(lambda f: f.trap(DocumentNotFoundException)))
    assert run_until_fired(cluster.defer(coll.get(key))).value == {"raw": True}
    assert run_until_fired(cluster.defer(coll.getMulti([key])))[key].value == {"raw": True}
    run_until_fired(cluster.close(), 10)


def test_cancelled_deferred_drops_the_late_result(tx, key):
    coll = tx.bucket("default").default_collection()
    run_until_fired(coll.upsert(key, 1))
    d = coll.get(key)
    d.cancel()
    caught = []
    d.addErrback(caught.append)
    turn_reactor(0.1)
    assert caught and caught[0].check("twisted.internet.defer.CancelledError")
    assert run_until_fired(coll.get(key)).value == 1  # the connection is fine


def test_close_with_operations_in_flight_and_nothing_leaks(mock, key):
    before = set(map(id, live_iops()))
    cluster = TxCluster(mock.connstr, _opts(mock))
    coll = cluster.bucket("default").default_collection()
    run_until_fired(coll.upsert(key, 1))
    pending = [coll.get(key) for _ in range(200)]
    outcomes = []
    for d in pending:
        d.addBoth(outcomes.append)
    dtor = Deferred()
    cluster.registerDeferred("_dtor", dtor)
    assert not dtor.called
    timers = [t for io in cluster._iops for t in io.timers.values()]
    assert timers
    closed = cluster.close()
    assert len(outcomes) == 200  # every Deferred fired (at close, synchronously)
    assert all(isinstance(o, Failure) and o.check(ObjectClosedException) for o in outcomes)
    run_until_fired(closed, 10)
    turn_reactor(0)
    assert dtor.called
    assert set(map(id, live_iops())) <= before
    assert all(io.released and not io.watchers and not io.timers for io in cluster._iops)
    assert not [r for r in reactor.getReaders() if type(r).__name__ == "SocketDescriptor"]
    assert not [w for w in reactor.getWriters() if type(w).__name__ == "SocketDescriptor"]
    assert not [c for c in reactor.getDelayedCalls() if getattr(c.func, "__self__", None) in timers]
    with pytest.raises(ObjectClosedException):
        coll.get(key)
    gc.collect()


def test_close_before_connecting_fails_queued_operations(mock, key):
    cluster = TxCluster(mock.connstr, _opts(mock))
    queued = cluster.bucket("default").default_collection().get(key)
    connect = cluster.on_connect()
    caught = []
    queued.addErrback(caught.append)
    connect.addErrback(caught.append)
    run_until_fired(cluster.close(), 10)
    assert len(caught) == 2 and all(f.check(ObjectClosedException) for f in caught)


def test_reactor_dropping_the_descriptors_does_not_crash(mock, key):
    """What reactor shutdown does (removeAll + connectionLost); the cluster then closes cleanly."""
    cluster = TxCluster(mock.connstr, _opts(mock), kv_timeout=1)
    coll = cluster.bucket("default").default_collection()
    run_until_fired(coll.upsert(key, 1))
    mock.set_latency(500)  # the get stays in flight while the descriptors are dropped
    try:
        d = coll.get(key)
        box = []
        d.addBoth(box.append)
        # a reactor turn or two: the turn's operations are sent at its end (Connection.cork)
        run_until_fired(task.deferLater(reactor, 0.05, lambda: None))
        assert not box
    finally:
        mock.set_latency(0)
    removed = reactor.removeAll()
    ours = [s for s in removed if type(s).__name__ == "SocketDescriptor"]
    for other in removed:  # not ours: put back
        if other not in ours:
            reactor.addReader(other)
    assert ours
    for desc in ours:
        desc.connectionLost(Failure(ConnectionError("reactor shutting down")))
    run_until_fired(cluster.close(), 10)
    assert box and isinstance(box[0], Failure)
    assert all(io.released for io in cluster._iops)


@pytest.mark.parametrize("failover", [False, True], ids=["crash", "failover"])
def test_node_failure_mid_stream_fires_every_deferred(failover):
    """Many operations in flight while a node stops (crashed, or failed over): none is left unfired."""
    from couchbase_mock import MockCluster

    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as m:
        cluster = TxCluster(m.connstr, _opts(m), kv_timeout=1.5)
        coll = cluster.bucket("default").default_collection()
        run_until_fired(coll.upsert("warm", 1))
        outcomes = []
        pending = []
        for i in range(600):
            d = coll.upsert(f"node-fail-{i}", {"i": i})
            d.addBoth(outcomes.append)
            pending.append(d)
            if i == 200:
                turn_reactor(0)  # some complete, many still in flight
                m.stop_node(1, failover=failover)
            elif i % 100 == 0:
                turn_reactor(0)
        run_until_fired(DeferredList(pending, consumeErrors=True), 20)
        assert len(outcomes) == 600  # every Deferred fired exactly once
        failed = [o for o in outcomes if isinstance(o, Failure)]
        assert len(failed) < 600
        assert all(f.check(CouchbaseException) for f in failed), failed[:1]
        if not failover:  # operations for the dead node's vBuckets time out (typed), the rest succeed
            assert failed
        else:  # libcouchbase follows the new map and retries: they all complete
            assert not failed
            assert run_until_fired(coll.upsert("after", 1), 10).success
        run_until_fired(cluster.close(), 10)


_CHAIN_WITHOUT_A_REFERENCE = """
import gc, json, sys
from twisted.internet import reactor, task
from twisted.internet.defer import Deferred
from couchbase._instance import live_connections
from couchbase.auth import PasswordAuthenticator
from couchbase.options import ClusterOptions
from txcouchbase.cluster import TxCluster

connstr, user, password, key = sys.argv[1:5]
steps, outcome = [], []


def start():
    cluster = TxCluster(connstr, ClusterOptions(PasswordAuthenticator(user, password)), kv_timeout=2.5)
    coll = cluster.bucket("default").default_collection()
    d = Deferred()
    cluster.registerDeferred("connect", d)

    def step(name):
        def run(result):
            steps.append(name)
            return task.deferLater(reactor, 0.01, lambda: result)  # the collector runs meanwhile
        return run

    d.addCallback(step("connected"))
    d.addCallback(lambda _: coll.upsert(key, {"n": 1}))
    d.addCallback(step("stored"))
    d.addCallback(lambda _: cluster.ping())
    d.addCallback(step("pinged"))
    d.addCallback(lambda _: coll.get(key))
    d.addCallback(lambda res: steps.append(res.value))
    d.addCallback(lambda _: cluster.query("SELECT RAW 1"))
    d.addCallback(step("queried"))

    def close(_):
        released = Deferred()
        cluster.registerDeferred("_dtor", released)
        reactor.callLater(0, gc.collect)  # runs before the deferred destruction: the cluster is unreferenced
        cluster.close()
        return released

    d.addCallback(lambda _: coll.exists(key))
    d.addCallback(close)  # inside the response's dispatch: the destruction is deferred
    d.addBoth(outcome.append)  # nothing but operations in flight holds the chain
    d.addBoth(lambda _: reactor.stop())


collector = task.LoopingCall(gc.collect)  # what an allocation-heavy program triggers at any time
collector.start(0.002)
reactor.callWhenRunning(start)
reactor.callLater(30, reactor.stop)
reactor.run()
gc.collect()
print(json.dumps({"steps": steps, "outcome": repr(outcome), "live": len(live_connections())}))
"""


def test_a_chain_holding_no_reference_to_its_cluster_runs_to_the_end(mock, key):
    """The cluster is referenced only by the Deferred chain's callbacks, which are reachable only
    through operations in flight; cycle collections at every step must not take it for a forgotten
    cluster (its connections were closed mid-chain), and '_dtor' fires after close although
    nothing references the cluster any more by then. In a child process: a small heap, so the
    collector running every 2 ms does not starve the reactor."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _CHAIN_WITHOUT_A_REFERENCE, mock.connstr, mock.username,
                           mock.password, key], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["steps"] == ["connected", "stored", "pinged", {"n": 1}, "queried"], \
        (seen, proc.stderr[-2000:])
    assert seen["outcome"] == "[None]", seen  # '_dtor' fired (with None), no failure
    assert seen["live"] == 0
