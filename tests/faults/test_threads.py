"""Fault suite, threads: one cluster used from many threads, and from the wrong one.

* The blocking API (``sync``) is shared between threads: with the default
  ``LOCKMODE_WAIT`` 16 threads run a few thousand mixed operations with no
  error and every value right; with ``LOCKMODE_EXC`` a second thread that
  calls while another is inside an operation gets ObjectThreadException.
* An event-loop front end (``raw``, ``asyncio``, ``uvloop``, ``twisted``,
  ``txraw``, ``gevent``) belongs to the thread that created it: any call from
  another thread, ``close()`` included, raises ObjectThreadException and
  leaves the cluster working on its own thread.

Every wait has a hard deadline (:data:`lifecycle_support.WAIT`).
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Iterator, List

import pytest
from lifecycle_support import (  # tests/faults on sys.path
    ASYNC_FRONT_ENDS,
    WAIT,
    Driver,
    Leaks,
    only,
    spin_until,
)

from couchbase._instance import LOCKMODE_EXC, LOCKMODE_WAIT
from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import CasMismatchException, ObjectThreadException
from couchbase.options import ClusterOptions

THREADS = 16
ROUNDS = 25  # per thread; each round is 8 operations: 16 * 25 * 8 = 3,200


def _cluster(mock: Any, **kw: Any) -> Cluster:
    return Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                   kv_timeout=10, **kw)


def _run_threads(target: Callable[[int], None], count: int) -> List[BaseException]:
    """Run ``target(i)`` on ``count`` threads released together; their exceptions, in order."""
    errors: List[BaseException] = []
    gate = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            gate.wait(WAIT)
            target(i)
        except BaseException as exc:  # noqa: BLE001 - collected
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"fault-{i}") for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 3)
    assert not any(t.is_alive() for t in threads), "a thread is still inside an operation (hang)"
    return errors


@pytest.fixture
def leaks() -> Leaks:
    return Leaks()


@pytest.mark.parametrize("front_end", only("sync"))
def test_sixteen_threads_share_one_blocking_cluster(mock, front_end, leaks, key):
    """16 threads x 25 rounds of upsert, get, replace with a stale and a fresh CAS, a shared counter,
    upsert_multi, get_multi, remove: no error, every value is the thread's own, the counter exact."""
    cluster = _cluster(mock)
    assert cluster._lockmode == LOCKMODE_WAIT  # the default
    coll = cluster.bucket("default").default_collection()
    counter = f"{key}-counter"
    coll.increment(counter, initial=0)
    counted: Dict[int, int] = {}

    def work(t: int) -> None:
        for n in range(ROUNDS):
            mine = f"{key}-{t}-{n % 4}"
            put = coll.upsert(mine, {"t": t, "n": n})
            got = coll.get(mine)
            assert got.value == {"t": t, "n": n} and got.cas == put.cas
            with pytest.raises(CasMismatchException):
                coll.replace(mine, {"stale": True}, cas=put.cas + 1)
            coll.replace(mine, {"t": t, "n": -n}, cas=got.cas)
            counted[t] = coll.binary().increment(counter).content
            batch = {f"{key}-{t}-m{j}": {"t": t, "n": n, "j": j} for j in range(3)}
            coll.upsert_multi(batch)
            back = coll.get_multi(list(batch))
            assert {k: r.value for k, r in back.items()} == batch
            coll.remove(f"{key}-{t}-m{n % 3}")

    try:
        errors = _run_threads(work, THREADS)
        assert errors == []
        assert coll.get(counter).value == THREADS * ROUNDS
        assert max(counted.values()) == THREADS * ROUNDS
        for t in range(THREADS):
            assert coll.get(f"{key}-{t}-{(ROUNDS - 1) % 4}").value == {"t": t, "n": -(ROUNDS - 1)}
        assert not cluster._conn.pending and not coll._conn.pending
    finally:
        cluster.close()
    leaks.assert_clean()


@pytest.mark.parametrize("front_end", only("sync"))
def test_lockmode_exc_refuses_a_second_thread(mock, front_end, leaks, key):
    """A thread is inside a slow operation (every reply waits 300 ms); another thread's call on the
    same connection raises ObjectThreadException naming the problem, at once, for KV, multi and
    bucket-level calls. The first operation completes; afterwards the connection is free again."""
    cluster = _cluster(mock, lockmode=LOCKMODE_EXC)
    bucket = cluster.bucket("default")
    coll = bucket.default_collection()
    coll.upsert(key, {"v": 1})
    lock = coll._conn._lock
    slow: List[Any] = []
    mock.set_latency(300)
    try:
        inside = threading.Thread(target=lambda: slow.append(coll.get(key)))
        inside.start()
        spin_until(lock.locked, what="the first thread inside its operation")
        calls = {
            "get": lambda: coll.get(key),
            "upsert": lambda: coll.upsert(key, 2),
            "get_multi": lambda: coll.get_multi([key, f"{key}-2"]),
            "ping": lambda: bucket.ping(),
        }
        for name, call in calls.items():
            assert lock.locked(), "the slow operation ended before every call was tried"
            with pytest.raises(ObjectThreadException) as err:
                call()
            assert "another thread" in str(err.value) and "LOCKMODE_EXC" in str(err.value), name
        inside.join(WAIT)
        assert not inside.is_alive()
    finally:
        mock.set_latency(0)
    assert slow and slow[0].value == {"v": 1}
    assert coll.get(key).value == {"v": 1}  # the first thread let go of the connection
    cluster.close()
    leaks.assert_clean()


@pytest.fixture
def driver(mock: Any, front_end: str, leaks: Leaks) -> Iterator[Driver]:
    d = Driver(front_end, mock)
    try:
        yield d
    finally:
        d.shutdown()


@pytest.mark.parametrize("front_end", only(*ASYNC_FRONT_ENDS))
def test_event_loop_front_ends_refuse_a_foreign_thread(mock, driver, leaks, key):
    """Calls from a thread that did not create the cluster (KV, multi, query, bucket, ping, on_connect,
    close) raise ObjectThreadException; the cluster keeps working on its own thread."""
    d = driver
    put = d.start(lambda c: c.upsert(key, {"v": 1}))
    d.settle()
    assert put.ok
    coll, cluster = d.coll, d.cluster
    calls = {
        "get": lambda: coll.get(key),
        "upsert": lambda: coll.upsert(key, 2),
        "get_multi": lambda: coll.get_multi([key]),
        "query": lambda: cluster.query("SELECT 1"),
        "bucket": lambda: cluster.bucket("other"),
        "ping": lambda: cluster.ping(),
        "close": lambda: cluster.close(),
    }
    if d.name != "gevent":  # gcouchbase connects in its constructor: it has no on_connect()
        calls["on_connect"] = lambda: cluster.on_connect()
    for name, call in calls.items():
        errors = _run_threads(lambda i, call=call: call(), 1)
        assert len(errors) == 1 and isinstance(errors[0], ObjectThreadException), (name, errors)
        assert "thread" in str(errors[0]), name
    assert not cluster.closed
    got = d.start(lambda c: c.get(key))
    d.settle()
    assert got.ok and got.value.value == {"v": 1}
    assert d.loop_errors() == []
