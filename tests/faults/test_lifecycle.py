"""Fault suite, lifecycle: closing, forgetting, stopping, cancelling and forking with operations in flight.

Every test runs one body on each front end it applies to (``sync``, ``raw``,
``asyncio``, ``uvloop``, ``twisted``, ``txraw``, ``gevent``) and ends by
checking that nothing is left behind: no connection in
``live_connections()``, no IOPS in ``live_iops()``, no pending entry.

The outcome every operation must reach when its cluster is closed under it is
stated once: success, or :class:`ObjectClosedException` whose message says the
connection was closed (``"connection closed before operation on key ...
completed"`` for an operation in flight, ``"the connection is closed"`` for
one started after). Each is delivered exactly once; nothing hangs (every wait
has a hard deadline, :data:`lifecycle_support.WAIT`).
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import subprocess
import warnings
import weakref
from typing import Any, Callable, Dict, Iterator, List, Optional

import pytest
from lifecycle_support import (  # tests/faults is on sys.path
    WAIT,
    Driver,
    Leaks,
    Outcome,
    child_command,
    connections_of,
    only,
)

from couchbase._instance import live_connections
from couchbase.exceptions import CouchbaseException, ObjectClosedException
from couchbase.results import GetResult, MutationResult
from couchbase.transcoder import JSONTranscoder

N = 1000  # operations in flight when the cluster is closed
SLOW_NODE = 1


@contextlib.contextmanager
def slow_node(mock: Any, ms: float, node: Optional[int] = SLOW_NODE) -> Iterator[None]:
    """Replies of one node (None: all) of the shared mock wait ``ms`` (reset afterwards: it is shared)."""
    mock.set_latency(ms, node=node)
    try:
        yield
    finally:
        mock.set_latency(0)


@pytest.fixture
def leaks() -> Leaks:
    return Leaks()


@pytest.fixture
def driver(mock: Any, front_end: str, leaks: Leaks) -> Iterator[Driver]:
    """One cluster of the front end under test (opened after the ``leaks`` baseline was taken)."""
    d = Driver(front_end, mock)
    try:
        yield d
    finally:
        d.shutdown()


SEEDS = 10  # documents the gets read: {key}-s0 .. {key}-s9 holding {"i": 0} .. {"i": 9}


def seed(d: Driver, key: str, value: Any = "seed") -> None:
    """Store ``key`` and the documents the gets read, and wait (the cluster is then connected and warm)."""
    outs = [d.start(lambda c: c.upsert(key, value))]
    outs += [d.start(lambda c, j=j: c.upsert(f"{key}-s{j}", {"i": j})) for j in range(SEEDS)]
    d.settle()
    assert all(out.ok for out in outs), [out.value for out in outs if not out.ok]


def start_pairs(d: Driver, key: str, count: int,
                then: Optional[Callable[[Outcome], Any]] = None) -> List[tuple]:
    """``count`` operations: upserts of distinct keys and gets of the seeded documents, alternating;
    returns ``(i, kind, outcome)`` per operation (a get ``i`` reads ``{"i": i}``)."""
    ops = []
    for i in range(count // 2):
        k, s = f"{key}-{i}", f"{key}-s{i % SEEDS}"
        ops.append((i, "upsert", d.start(lambda c, k=k, i=i: c.upsert(k, {"i": i}), then)))
        ops.append((i % SEEDS, "get", d.start(lambda c, s=s: c.get(s), then)))
    return ops


def check_closed_outcomes(ops: List[tuple]) -> Dict[str, int]:
    """Each operation delivered once: a correct result, or ObjectClosedException naming the close."""
    tally = {"ok": 0, "closed": 0}
    for i, kind, out in ops:
        assert len(out.deliveries) == 1, f"operation {kind} #{i} delivered {len(out.deliveries)} times"
        if out.ok:
            if kind == "upsert":
                assert isinstance(out.value, MutationResult) and out.value.cas
            else:
                assert isinstance(out.value, GetResult) and out.value.value == {"i": i}
            tally["ok"] += 1
        else:
            assert isinstance(out.value, ObjectClosedException), f"{kind} #{i}: {out.value!r}"
            assert "closed" in str(out.value)
            tally["closed"] += 1
    return tally


def resolved(ops: List[tuple]) -> int:
    return sum(1 for _, _, out in ops if out.resolved)


# ---- close with operations in flight ------------------------------------------------------

def test_close_with_a_thousand_operations_in_flight(mock, driver, leaks, key):
    """1,000 upserts and gets in flight, the cluster closed when half have resolved (async front ends:
    the replies of one node of three wait 2 s; sync: 16 threads work through the list). Every
    operation resolves once, with its correct result or ObjectClosedException; close() itself
    delivers the failures on the callback front ends; later replies are never delivered."""
    d = driver
    seed(d, key)
    latency = 0 if d.name == "sync" else 2000  # the blocking API runs one operation at a time
    with slow_node(mock, latency):
        ops = start_pairs(d, key, N)
        # async: replies of two nodes of three arrive, the slow node's stay in flight;
        # sync: a pool of 16 threads is part way through the list
        d.run_until(lambda: resolved(ops) >= (N // 2 if latency else 50), what="half of the replies")
        d.close_cluster()
        if d.name in ("raw", "txraw", "twisted"):  # failed and delivered by close() itself
            assert not d.unresolved(), "close() returned with operations still unresolved"
        d.settle()
        d.turn(0.1)  # late replies must not be delivered a second time
    tally = check_closed_outcomes(ops)
    assert tally["ok"] >= 1 and tally["closed"] >= 1, tally
    assert d.loop_errors() == []
    leaks.assert_clean(d)


# ---- close from inside the front end's delivery ----------------------------------------------

def test_close_from_inside_a_result_callback(mock, driver, leaks, key):
    """The first delivered result closes the cluster: from a raw callback (inside libcouchbase's
    dispatch), a future's done-callback, a Deferred callback, the greenlet or thread that waited."""
    d = driver
    seed(d, key)
    closer: List[int] = []
    failures: List[BaseException] = []

    def close_once(out: Outcome) -> None:
        if not closer:
            closer.append(out.index)
            try:
                d.close_cluster()
            except BaseException as exc:  # noqa: BLE001 - checked below
                failures.append(exc)

    latency = 0 if d.name == "sync" else 1000
    with slow_node(mock, latency):
        ops = start_pairs(d, key, 200, close_once)
        d.settle()
        d.turn(0.05)
    assert failures == []
    tally = check_closed_outcomes(ops)
    assert closer and d.outcomes[closer[0]].ok  # the result that closed was itself delivered intact
    assert tally["closed"] >= 1, tally
    assert d.loop_errors() == []
    leaks.assert_clean(d)


class ClosingTranscoder(JSONTranscoder):
    """Closes the cluster while decoding a value: inside libcouchbase's response callback."""

    def __init__(self, close: Callable[[], Any]) -> None:
        super().__init__()
        self.close = close
        self.calls = 0

    def decode_value(self, value: bytes, flags: int) -> Any:
        self.calls += 1
        self.close()
        return super().decode_value(value, flags)


def _get_decoding_at_once(coll, key, transcoder):
    coll._decode_at_once()  # what the 1.x API's collection does: decode inside the dispatch
    return coll.get(key, transcoder=transcoder)


def test_close_while_decoding_a_response(mock, driver, leaks, key):
    """close() called by a transcoder that decodes as the response arrives (the 1.x API's reads;
    4.x results decode on first access) runs inside libcouchbase's dispatch on every front end
    (inside lcb_wait on the blocking API): the instance must outlive the callback."""
    d = driver
    seed(d, key, {"v": 1})
    with slow_node(mock, 0 if d.name == "sync" else 300):
        ops = start_pairs(d, key, 100)
        tc = ClosingTranscoder(d.cluster.close)
        first = d.start(lambda c: _get_decoding_at_once(c, key, tc))
        d.settle()
    assert tc.calls == 1
    assert first.ok and first.value.value == {"v": 1}, first.deliveries
    check_closed_outcomes(ops)
    assert d.loop_errors() == []
    leaks.assert_clean(d)


# ---- garbage collection of a forgotten cluster -------------------------------------------------

def test_forgotten_cluster_finishes_its_operations_then_is_released(mock, driver, leaks, key):
    """Drop every reference to a cluster with operations in flight (keep only their pending
    results) and collect: the operations still complete, then the libcouchbase instances, their
    sockets and IOPS are released without close()."""
    d = driver
    seed(d, key)
    ops = start_pairs(d, key, 200)
    cluster_ref = weakref.ref(d.cluster)
    conn_ids = {c.id for c in connections_of(d.cluster)}
    d.forget()
    gc.collect()
    if d.name not in ("sync", "gevent"):  # there, the threads / greenlets in flight hold the collection
        assert cluster_ref() is None, f"the cluster is kept alive by: {gc.get_referrers(cluster_ref())}"
    d.settle()
    for i, kind, out in ops:
        assert len(out.deliveries) == 1 and out.ok, (kind, i, out.deliveries)
    d.greenlets.clear()
    gc.collect()
    assert cluster_ref() is None
    leaks.assert_clean(d)
    assert not conn_ids & {c.id for c in live_connections()}
    assert d.loop_errors() == []


# ---- use after close ------------------------------------------------------------------------------

def _closed_error(d: Driver, call: Callable[[], Any]) -> BaseException:
    """The exception ``call()`` raises at once or resolves with, on a closed cluster."""
    try:
        pending = call()
    except ObjectClosedException as exc:
        return exc
    except CouchbaseException as exc:
        raise AssertionError(f"expected ObjectClosedException, got {exc!r}") from exc
    out = d.start(lambda c: pending) if d.name not in ("sync", "gevent") else None
    if out is None:
        raise AssertionError(f"{call} on a closed cluster returned {pending!r}")
    d.settle()
    assert not out.ok, out.value
    return out.value


def test_use_after_close_raises_object_closed(mock, driver, leaks, key):
    """After close(): KV, multi, query, bucket and ping calls raise ObjectClosedException saying the
    cluster / connection is closed (at the call, or as the resolution of what it returned)."""
    d = driver
    seed(d, key)
    coll, cluster = d.coll, d.cluster
    bucket = cluster.bucket("default")
    closed = d.close_cluster()
    if d.name in ("twisted", "txraw"):
        d.run_until(lambda: closed.called, what="close() Deferred")
    calls = {
        "get": lambda: coll.get(key),
        "upsert": lambda: coll.upsert(key, 1),
        "increment": lambda: coll.binary().increment(f"{key}-n"),
        "get_multi": lambda: coll.get_multi([key, f"{key}-2"]),
        "upsert_multi": lambda: coll.upsert_multi({key: 1, f"{key}-2": 2}),
        "query": lambda: cluster.query("SELECT 1"),
        "scope query": lambda: bucket.scope("_default").query("SELECT 1"),
        "bucket": lambda: cluster.bucket("default"),
        "ping": lambda: cluster.ping(),
    }
    for name, call in calls.items():
        exc = _closed_error(d, call)
        assert isinstance(exc, ObjectClosedException), f"{name}: {exc!r}"
        assert "closed" in str(exc), f"{name}: {exc}"
    assert d.loop_errors() == []
    leaks.assert_clean(d)


# ---- cancelling, stopping and killing what waits ------------------------------------------------

@pytest.mark.parametrize("front_end", only("asyncio", "uvloop"))
def test_cancelling_thousands_of_awaiting_tasks(mock, driver, leaks, key):
    """3,000 tasks awaiting operations: a thousand cancelled before they run, a thousand while their
    operation is in flight, a thousand timed out by ``asyncio.wait_for``. No warning and no
    never-retrieved exception; the pending registry empties as the late replies are dropped; the
    cluster still works."""
    d = driver
    seed(d, key)
    coll, loop = d.coll, d.loop
    conn = coll._conn

    async def one(i: int) -> Any:
        if i % 2:
            return await coll.upsert(f"{key}-{i}", {"i": i})
        return await coll.get(f"{key}-s{i % SEEDS}")

    async def timed(i: int) -> Any:
        return await asyncio.wait_for(one(i), 0.05)

    async def main() -> List[Any]:
        tasks = [asyncio.ensure_future(one(i)) for i in range(2000)]
        tasks += [asyncio.ensure_future(timed(i)) for i in range(2000, 3000)]
        for t in tasks[:1000]:
            t.cancel()  # before its first step: no operation is ever scheduled
        for _ in range(3):  # the others start (wait_for's inner task one step later): all in flight
            await asyncio.sleep(0)
        assert len(conn.pending) == 2000  # every reply waits 2 s (scheduling 2,000 under load is slow)
        for t in tasks[1000:2000]:
            t.cancel()
        return await asyncio.gather(*tasks, return_exceptions=True)

    with slow_node(mock, 2000, node=None), warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        results = loop.run_until_complete(asyncio.wait_for(main(), WAIT))
        assert all(isinstance(r, asyncio.CancelledError) for r in results[:2000])
        assert all(isinstance(r, asyncio.TimeoutError) for r in results[2000:])
        d.run_until(lambda: not conn.pending, what="late replies dropped")
        del results
        gc.collect()
        d.turn(0.01)
    assert [str(w.message) for w in warned] == []
    assert d.loop_errors() == [], "a never-retrieved exception or a callback error reached the loop"
    out = d.start(lambda c: c.get(f"{key}-s3"))
    d.settle()
    assert out.ok and out.value.value == {"i": 3}
    assert not conn.pending
    d.close_cluster()
    leaks.assert_clean(d)


@pytest.mark.parametrize("front_end", only("asyncio", "uvloop"))
@pytest.mark.parametrize("then", ["close the cluster", "close the loop, then the cluster",
                                  "close the loop, then forget the cluster"])
def test_stopping_the_asyncio_loop_with_operations_in_flight(mock, driver, leaks, key, then):
    """``loop.stop()`` while a thousand operations are in flight, then close: every future fails
    with ObjectClosedException; with the loop already closed nothing raises and nothing leaks."""
    d = driver
    seed(d, key)
    loop = d.loop
    ops: List[tuple] = []

    def begin() -> None:
        ops.extend(start_pairs(d, key, N))
        loop.stop()

    with slow_node(mock, 300, node=None):
        loop.call_soon(begin)
        loop.run_forever()
        assert resolved(ops) == 0 and len(ops) == N
        if then == "close the cluster":
            d.close_cluster()
            loop.run_until_complete(asyncio.sleep(0))  # the done-callbacks
            tally = check_closed_outcomes(ops)
            assert tally["closed"] == N, tally
        else:
            d.close_loop()
            if then.endswith("then the cluster"):
                d.close_cluster()
            else:
                d.forget()
                gc.collect()
            # nothing is delivered through a closed loop; what matters: no exception, no leak
            assert all(len(out.deliveries) <= 1 for _, _, out in ops)
    assert d.loop_errors() == []
    leaks.assert_clean()


def _run_child(function: str, timeout: float = 60, **kwargs: Any) -> Dict[str, Any]:
    """Run a lifecycle_support child function in a new interpreter; it must exit cleanly."""
    proc = subprocess.run(child_command(function, **kwargs), capture_output=True, text=True, timeout=timeout,
                          check=False,
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    for marker in ("Traceback", "Unhandled error", "Segmentation fault", "Fatal Python error",
                   "Exception ignored"):
        assert marker not in proc.stderr, proc.stderr
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("front_end", only("twisted", "txraw"))
@pytest.mark.parametrize("close", [True, False], ids=["then-close", "then-exit"])
def test_stopping_the_reactor_with_operations_in_flight(mock, front_end, close):
    """In a subprocess (a reactor cannot restart): 1,000 upserts in flight, ``reactor.stop()``.
    Then either close the cluster (every Deferred / AsyncResult fails once, typed) or just exit:
    the process exits 0 with nothing on stderr."""
    try:
        report = _run_child("reactor_stop_child", connstr=mock.connstr, username=mock.username,
                            password=mock.password, control_url=mock.control_url, flavour=front_end,
                            close=close, count=N)
    finally:
        mock.set_latency(0)
    assert report["seeded"] and report["started"] == N
    assert report["resolved_at_stop"] == 0 and report["pending_at_stop"] == N, report
    if close:
        assert report["outcomes"] == {"ObjectClosedException": N}, report
        assert report["deliveries"] == 1
    assert report["errors"] == []


@pytest.mark.parametrize("front_end", only("gevent"))
def test_killing_greenlets_parked_in_operations(mock, driver, leaks, key):
    """Kill 500 greenlets parked in get/upsert: the kill is delivered while their operations are
    still in flight (it does not wait for them), their late replies are dropped, the cluster
    stays usable."""
    import gevent

    d = driver
    seed(d, key)
    conn = d.coll._conn
    with slow_node(mock, 800, node=None):
        ops = start_pairs(d, key, 500)
        parked = d.greenlets[-500:]
        d.run_until(lambda: len(conn.pending) == 500, what="every greenlet parked in its operation")
        gevent.killall(parked, block=True, timeout=WAIT)
        assert all(g.dead and isinstance(g.value, gevent.GreenletExit) for g in parked)
        assert conn.pending, "killall waited for the operations instead of interrupting the waits"
        assert resolved(ops) == 0
        d.run_until(lambda: not conn.pending, what="late replies dropped")
    kept = [op for op in gc.get_objects()
            if type(op).__name__ == "AsyncResult" and str(op.key).startswith(key) and op.waiter is not None]
    assert kept == [], "operations still refer to a killed greenlet's waiter"
    assert d.coll.get(f"{key}-s2").value == {"i": 2}
    assert d.loop_errors() == []
    d.close_cluster()
    leaks.assert_clean(d)


# ---- os.fork() ------------------------------------------------------------------------------------

def test_cluster_across_fork(mock, front_end, key):
    """In a subprocess: operations in flight, ``os.fork()``. The child gets ObjectClosedException
    naming the fork from the parent's cluster (never a hang), a new cluster in the child works, the
    child exits normally; the parent's operations in flight and its next one succeed."""
    report = _run_child("fork_child", front_end=front_end, connstr=mock.connstr, username=mock.username,
                        password=mock.password, control_url=mock.control_url, key=key)
    child = report["child"]
    assert report["seeded"] and report["child_exit"] == 0, report
    assert child.get("child_error") is None, child
    assert child["parent_cluster"] == "ObjectClosedException", child
    assert "os.fork()" in child["parent_cluster_message"]
    assert child["new_cluster_ops"] == ["ok", "ok"] and child["new_cluster_value"]["child"] > 0, child
    assert report["parent_in_flight"] == ["ok"] * 20, report
    assert report["parent_after"] == "ok" and report["errors"] == [], report
