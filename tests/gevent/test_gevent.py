"""gcouchbase beyond the shared KV suite: concurrency, fairness, killed waiters, lifetime, the WSGI example.

Tests that need ``gevent.monkey.patch_all()`` run a script in a subprocess
(patching must happen before every other import); the rest run here, unpatched,
in the main greenlet.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("gevent")

import gevent
import gevent.event
import gevent.socket

from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import (
    AuthenticationException,
    BucketNotFoundException,
    CouchbaseException,
    ObjectClosedException,
    ObjectThreadException,
    TimeoutException,
)
from couchbase.iops import live_iops
from couchbase.options import ClusterOptions
from gcouchbase.cluster import Cluster

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))


def _opts(mock, password=None):
    return ClusterOptions(PasswordAuthenticator(mock.username, password or mock.password))


@pytest.fixture
def gcluster(mock):
    cluster = Cluster(mock.connstr, _opts(mock), kv_timeout=5)
    try:
        yield cluster
    finally:
        cluster.close()


def test_hundred_greenlets_and_a_ticker_under_monkey_patching():
    """100 greenlets x 4 operations at 600 ms per reply: concurrent, and the ticker never starves.

    The reply delay is long so that a blocked hub (a gap of at least one delay) stands far above
    what a loaded 2-core machine's scheduling alone can add to a 10 ms tick."""
    out = subprocess.run([sys.executable, str(HERE / "ticker_script.py"), "--greenlets", "100", "--ops", "2",
                          "--latency-ms", "600"], capture_output=True, text=True, timeout=120, env=_env())
    assert out.returncode == 0, out.stderr[-3000:]
    state = json.loads(out.stdout.strip().splitlines()[-1])
    print("ticker:", state)
    assert state["errors"] == 0 and state["done"] == 400
    assert state["max_in_flight"] >= 90  # every greenlet had an operation in flight at once
    assert state["elapsed"] < 12.0  # one at a time would take 400 x 0.6 s = 240 s
    assert state["worst_gap"] < 0.3, state  # a 10 ms ticker; a blocked hub would show >= 600 ms
    assert state["live_iops"] == 0


def test_wsgi_example_answers_a_thousand_concurrent_requests():
    proc = subprocess.Popen([sys.executable, str(ROOT / "examples" / "gevent_wsgi.py"), "--port", "0",
                             "--latency-ms", "100", "--docs", "100"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    try:
        first = proc.stdout.readline()
        assert first.startswith("serving on http://127.0.0.1:"), first + proc.stderr.read()[-3000:]
        port = int(first.split(":")[2].split("/")[0])

        def fetch(i: int):
            sock = gevent.socket.create_connection(("127.0.0.1", port), timeout=30)
            try:
                sock.sendall(f"GET /doc/doc-{i % 100} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
                chunks = []
                while True:
                    data = sock.recv(65536)
                    if not data:
                        break
                    chunks.append(data)
            finally:
                sock.close()
            head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
            return int(head.split()[1]), json.loads(body)

        start = time.monotonic()
        assert fetch(7) == (200, {"id": 7, "name": "document 7"})
        assert time.monotonic() - start >= 0.09  # the mock's latency is really there
        start = time.monotonic()
        jobs = [gevent.spawn(fetch, i) for i in range(1000)]
        gevent.joinall(jobs, timeout=60)
        elapsed = time.monotonic() - start
        results = [j.value for j in jobs]
        errors = [j.exception for j in jobs if j.exception is not None]
        assert not errors, errors[:3]
        assert [s for s, _ in results] == [200] * 1000
        expected = [{"id": i % 100, "name": f"document {i % 100}"} for i in range(1000)]
        assert [body for _, body in results] == expected
        print(f"WSGI: 1000 concurrent requests, all 200, in {elapsed:.2f} s (mock latency 100 ms)")
        assert elapsed < 30
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-3000:]
    assert "stopped" in out


def _until(check, what: str, seconds: float = 10.0) -> None:
    """Yield to the hub until ``check()`` holds (no fixed sleep: the machine may be loaded)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        gevent.sleep(0.005)


def test_killing_a_waiting_greenlet_drops_the_late_result(mock, gcluster, key):
    coll = gcluster.bucket("default").default_collection()
    coll.upsert(key, 1)
    conn = coll._conn
    mock.set_latency(1000)  # far longer than a loaded machine takes to start the greenlet
    try:
        waiting = gevent.spawn(coll.get, key)
        _until(lambda: conn.pending_count() == 1, "the get was never scheduled")
        waiting.kill()
        assert waiting.dead and isinstance(waiting.value, gevent.GreenletExit)
        # the late reply arrives and is dropped
        _until(lambda: conn.pending_count() == 0, "the late reply never settled the operation")
    finally:
        mock.set_latency(0)
    assert coll.get(key).value == 1  # the SDK is fine


def test_waiting_greenlets_resume_outside_libcouchbase(gcluster, key):
    """A result wakes its greenlet from the hub after libcouchbase's dispatch returned, never inside it."""
    from couchbase.iops import dispatching

    coll = gcluster.bucket("default").default_collection()
    coll.upsert(key, 1)
    seen = []

    def reader():
        coll.get(key)
        seen.append(dispatching())

    gevent.joinall([gevent.spawn(reader) for _ in range(20)], raise_error=True)
    assert seen == [False] * 20


def test_many_results_of_one_read_resume_their_greenlets_in_order(mock, gcluster, key):
    """200 greenlets parked on gets whose replies arrive together (one socket read): each resumes
    once, with its own result, in the order the results came (one hub callback resumes them)."""
    coll = gcluster.bucket("default").default_collection()
    for i in range(200):
        coll.upsert(f"{key}-{i}", i)
    order = []

    def reader(i):
        value = coll.get(f"{key}-{i}").value
        order.append(i)
        return value

    mock.set_latency(200)
    try:
        jobs = [gevent.spawn(reader, i) for i in range(200)]
        gevent.joinall(jobs, raise_error=True)
    finally:
        mock.set_latency(0)
    assert [j.value for j in jobs] == list(range(200))
    assert sorted(order) == list(range(200))


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="hand-offs are CPython's (gcouchbase._park)")
def test_resumed_greenlets_hand_off_to_each_other_not_through_the_hub(mock, gcluster, key):
    """200 greenlets x 5 gets whose replies arrive together: a greenlet that parks again switches
    straight to the next one due, so the hub switches into a worker once per batch of replies (and
    to start each, and after each ends: a greenlet that ends returns to the hub), not once per
    completed operation."""
    import greenlet

    coll = gcluster.bucket("default").default_collection()
    coll.upsert(key, 7)
    hub = gevent.get_hub()
    workers: set = set()
    counts = {"from_hub": 0, "from_worker": 0}

    def trace(event, args):
        if event == "switch":
            origin, target = args
            if target in workers:
                counts["from_hub" if origin is hub else "from_worker"] += 1

    def worker():
        return [coll.get(key).value for _ in range(5)]

    mock.set_latency(100)  # each round's 200 replies come together
    old = greenlet.settrace(trace)
    try:
        jobs = [gevent.spawn(worker) for _ in range(200)]
        workers.update(jobs)
        gevent.joinall(jobs, raise_error=True)
    finally:
        greenlet.settrace(old)
        mock.set_latency(0)
    assert [j.value for j in jobs] == [[7] * 5] * 200
    # from the hub: 200 starts, 200 resumes after a worker ended (the last round), one per batch;
    # resuming through the hub, each of the 1,000 resumes would come from it (1,200)
    assert counts["from_hub"] <= 200 + 200 + 50, counts
    assert counts["from_worker"] >= 750, counts


def test_hand_offs_mixed_with_other_waits_deaths_and_errors(mock, gcluster, key):
    """Greenlets resumed in one chain that park on a timer or an Event, end, time out or (a raw
    greenlet) raise: the others all get their results, the error reaches the hub's error handler."""
    import greenlet

    coll = gcluster.bucket("default").default_collection()
    coll.upsert(key, 3)
    hub = gevent.get_hub()
    event = gevent.event.Event()
    errors = []
    handle_error = hub.handle_error
    hub.handle_error = lambda context, *exc: errors.append(exc[1])

    def sleeper():
        value = coll.get(key).value
        gevent.sleep(0.01)
        return value + coll.get(key).value

    def event_waiter():
        value = coll.get(key).value
        event.wait()
        return value + coll.get(key).value

    def short_lived():
        return coll.get(key).value

    def timed_out():
        with gevent.Timeout(0.05, False):
            coll.get(key)
            coll.get(key)  # the replies take 0.1 s: the timeout falls here
            return "not timed out"
        return "timed out"

    def raising():
        coll.get(key)
        raise ValueError("raised after its get")

    mock.set_latency(100)
    try:
        kinds = [(sleeper, 20), (event_waiter, 20), (short_lived, 20), (timed_out, 5)]
        jobs = [gevent.spawn(fn) for fn, n in kinds for _ in range(n)]
        raw = greenlet.greenlet(raising, parent=hub)
        hub.loop.run_callback(raw.switch)
        gevent.sleep(0.15)
        event.set()
        gevent.joinall(jobs, raise_error=True, timeout=10)
    finally:
        mock.set_latency(0)
        hub.handle_error = handle_error
    assert [j.value for j in jobs] == [6] * 40 + [3] * 20 + ["timed out"] * 5
    assert raw.dead
    assert [str(e) for e in errors] == ["raised after its get"]
    assert coll.get(key).value == 3


def test_a_long_chain_of_resumes_yields_to_the_hub(mock, gcluster, key):
    """2,000 greenlets resumed by batches of replies, each busy 0.3 ms: the chain of hand-offs gives
    the hub its turn (I/O and timers, not only loop callbacks) every switch interval, so a 5 ms
    ticker is never held up for a whole batch (≈ 0.6 s)."""
    coll = gcluster.bucket("default").default_collection()
    coll.upsert(key, 1)
    gaps = []
    running = [True]
    resuming = [False]  # from the first resume on (not while the 2,000 greenlets start)

    def ticker():
        last = time.perf_counter()
        while running[0]:
            gevent.sleep(0.005)
            now = time.perf_counter()
            if resuming[0]:
                gaps.append(now - last)
            last = now

    def busy_reader():
        coll.get(key)
        resuming[0] = True
        until = time.perf_counter() + 0.0003
        while time.perf_counter() < until:
            pass
        coll.get(key)

    gevent.joinall([gevent.spawn(busy_reader) for _ in range(200)], raise_error=True)  # warm (a JIT)
    resuming[0] = False
    mock.set_latency(100)
    tick = gevent.spawn(ticker)
    try:
        jobs = [gevent.spawn(busy_reader) for _ in range(2000)]
        gevent.joinall(jobs, raise_error=True)
    finally:
        running[0] = False
        mock.set_latency(0)
    tick.join()
    assert gaps and max(gaps) < 0.25, f"worst ticker gap {max(gaps):.3f} s"


def test_a_greenlet_that_stopped_waiting_is_not_resumed_by_its_late_result():
    """Killed while parked (GreenletExit caught, then parked on a timer), a greenlet whose result
    comes afterwards is not switched to: its 0.2 s sleep is not cut short."""
    from couchbase._pending import Pending
    from gcouchbase.cluster import wait

    pending = Pending()
    slept = []

    def stubborn():
        try:
            wait(pending)
        except gevent.GreenletExit:
            started = time.monotonic()
            gevent.sleep(0.2)
            slept.append(time.monotonic() - started)

    glet = gevent.spawn(stubborn)
    gevent.sleep(0)  # parked on the pending
    glet.kill(block=False)  # the GreenletExit is thrown in from the hub, before ...
    pending._resolve(42)  # ... the resumption this completion asks for
    glet.join(2)
    assert glet.dead and slept and slept[0] >= 0.18, slept
    assert pending.waiter is None


def test_operation_timeouts_hold_with_operations_always_in_flight(mock, key):
    """Operations with other deadlines in flight (5 s gets, replies taking 2 s): a get with the
    connection's 0.5 s timeout, then one with its own 0.3 s, each time out on time. libcouchbase armed
    its timer for the earliest of the requests already sent (here 5 s), not counting the one being
    scheduled, so both waited for their replies and succeeded after 2 s (build_lcb.py)."""
    cluster = Cluster(mock.connstr, _opts(mock), kv_timeout=0.5)
    try:
        coll = cluster.bucket("default").default_collection()
        coll.upsert(key, 1)
        mock.set_latency(2000)
        try:
            slow = [gevent.spawn(coll.get, key, timeout=5) for _ in range(20)]
            gevent.sleep(0.05)
            took = []
            for timeout in (None, 0.3):
                started = time.monotonic()
                with pytest.raises(TimeoutException):
                    coll.get(key) if timeout is None else coll.get(key, timeout=timeout)
                took.append(time.monotonic() - started)
            gevent.joinall(slow, raise_error=True)
        finally:
            mock.set_latency(0)
        assert [j.value.value for j in slow] == [1] * 20
        assert 0.45 <= took[0] < 1.2 and 0.25 <= took[1] < 1.0, took
    finally:
        cluster.close()


def test_greenlets_share_one_cluster_unpatched(mock, gcluster, key):
    coll = gcluster.bucket("default").default_collection()
    mock.set_latency(100)
    try:
        start = time.monotonic()
        jobs = [gevent.spawn(coll.upsert, f"{key}-{i}", i) for i in range(50)]
        gevent.joinall(jobs, raise_error=True)
        elapsed = time.monotonic() - start
    finally:
        mock.set_latency(0)
    assert all(j.value.success for j in jobs)
    assert elapsed < 2.5  # 50 sequential replies would take 5 s


def test_close_with_operations_in_flight_fails_them_and_leaks_nothing(mock, key):
    before = set(map(id, live_iops()))
    cluster = Cluster(mock.connstr, _opts(mock))
    coll = cluster.bucket("default").default_collection()
    coll.upsert(key, 1)
    mock.set_latency(1000)  # far longer than a loaded machine takes to start 50 greenlets
    try:
        def get_or_error():
            try:
                return coll.get(key)
            except CouchbaseException as exc:
                return exc

        jobs = [gevent.spawn(get_or_error) for _ in range(50)]
        _until(lambda: coll._conn.pending_count() == 50, "the 50 gets were never all scheduled")
        cluster.close()  # from another greenlet than the waiters
        gevent.joinall(jobs, timeout=5)
    finally:
        mock.set_latency(0)
    assert all(j.ready() for j in jobs)
    assert all(isinstance(j.value, ObjectClosedException) for j in jobs)
    gevent.sleep(0)
    assert set(map(id, live_iops())) <= before
    iops = [c.iops for c in cluster.connections()]
    assert all(io.released and not io.watchers and not io.timers for io in iops)
    with pytest.raises(ObjectClosedException):
        coll.get(key)


def test_connection_errors_are_typed(mock):
    with pytest.raises(AuthenticationException):
        Cluster(mock.connstr, _opts(mock, password="wrong"))
    with pytest.raises(CouchbaseException):
        Cluster("couchbase://127.0.0.1:1=mcd", _opts(mock), config_total_timeout=2)
    with Cluster(mock.connstr, _opts(mock)) as cluster:
        with pytest.raises(BucketNotFoundException):
            cluster.bucket("no-such-bucket")
        assert cluster.bucket("default").default_collection().exists("x").exists is False


def test_other_threads_are_refused(gcluster, key):
    coll = gcluster.bucket("default").default_collection()
    caught = []

    def other() -> None:
        try:
            coll.get(key)
        except BaseException as exc:
            caught.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join(10)
    assert len(caught) == 1 and isinstance(caught[0], ObjectThreadException)


def test_blocking_api_surface_matches(gcluster):
    """Every public name of the blocking Cluster/Bucket/Scope/Collection exists in gcouchbase."""
    import gcouchbase.cluster as g
    from couchbase import bucket as b_mod
    from couchbase import cluster as c_mod
    from couchbase import collection as coll_mod

    def public(cls):
        return {n for n in dir(cls) if not n.startswith("_")}

    from couchbase import scope as s_mod

    for blocking, gevent_cls in ((coll_mod.Collection, g.Collection), (s_mod.Scope, g.Scope),
                                 (b_mod.Bucket, g.Bucket), (c_mod.Cluster, g.Cluster)):
        missing = public(blocking) - public(gevent_cls)
        assert not missing, (gevent_cls, missing)
    assert hasattr(g.Bucket, "_cntl")
    for name in ("bucket", "ping", "diagnostics", "close", "closed", "connect", "kv_timeout", "query_timeout",
                 "views_timeout", "management_timeout", "durability_timeout", "config_total_timeout",
                 "__enter__", "__exit__"):
        assert hasattr(c_mod.Cluster, name) and hasattr(g.Cluster, name), name
    for name in ("scope", "default_scope", "collection", "default_collection", "stats", "ping", "diagnostics",
                 "close", "closed"):
        assert hasattr(b_mod.Bucket, name) and hasattr(g.Bucket, name), name
    gcluster.kv_timeout = 3
    assert gcluster.kv_timeout.total_seconds() == 3
    bucket = gcluster.bucket("default")
    assert set(bucket.stats()) and bucket.ping().endpoints
