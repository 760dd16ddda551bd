"""The IOPS interface alone drives libcouchbase: what an adapter is asked to do, and when.

A recording adapter (the selectors reference plus a log of every call) checks
the promises of couchbase.iops: watch() only on a change of flags, timers
cancelled before they are re-armed, everything unwatched, cancelled and
released when the connection closes, readiness for destroyed watchers ignored.
"""
from __future__ import annotations

import gc
import socket
from typing import Any, List, Tuple

import pytest

from couchbase import iops as I
from couchbase.asynchronous import AsyncCluster
from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import InvalidArgumentException, ObjectThreadException
from couchbase.options import ClusterOptions


class RecordingIOPS(I.SelectorIOPS):
    def __init__(self, loop: I.SelectorLoop, log: List[Tuple[Any, ...]]) -> None:
        super().__init__(loop)
        self.log = log

    def watch(self, watcher: I.Watcher, flags: int) -> None:
        self.log.append(("watch", self.id, id(watcher), watcher.flags, flags))
        super().watch(watcher, flags)

    def release(self, watcher: I.Watcher) -> None:
        self.log.append(("release", self.id, id(watcher), watcher.flags))

    def schedule(self, timer: I.Timer, delay: float) -> None:
        # the reference loop keeps the due time in timer.data until the timer fires or is cancelled
        self.log.append(("schedule", self.id, id(timer), timer.data is None))
        super().schedule(timer, delay)

    def cancel(self, timer: I.Timer) -> None:
        self.log.append(("cancel", self.id, id(timer)))
        super().cancel(timer)

    def release_timer(self, timer: I.Timer) -> None:
        self.log.append(("release_timer", self.id, id(timer), timer.armed))


def _auth(mock: Any) -> ClusterOptions:
    return ClusterOptions(PasswordAuthenticator(mock.username, mock.password))


def _run(loop: I.SelectorLoop, op: Any) -> Any:
    box: list = []
    op.callback = lambda r: box.append(("ok", r))
    op.errback = lambda o, t, e, tb: box.append(("err", e))
    loop.run_until(lambda: bool(box), 30)
    return box[0]


def test_adapter_calls_follow_the_contract(mock, key):
    loop = I.SelectorLoop()
    log: List[Tuple[Any, ...]] = []
    made: List[RecordingIOPS] = []

    def factory() -> RecordingIOPS:
        made.append(RecordingIOPS(loop, log))
        return made[-1]

    cluster = AsyncCluster(mock.connstr, _auth(mock), iops_factory=factory)
    coll = cluster.bucket("default").default_collection()
    assert _run(loop, coll.upsert(key, {"n": 1}))[0] == "ok"
    assert _run(loop, coll.get(key))[1].value == {"n": 1}
    assert len(made) == 2  # one IOPS per connection: cluster-level and bucket
    watches = [e for e in log if e[0] == "watch"]
    assert watches, "libcouchbase never asked for a socket to be watched"
    assert all(old != new for _, _, _, old, new in watches), "watch() called without a change of flags"
    assert any(new & I.READ for *_, new in watches) and any(new & I.WRITE for *_, new in watches)
    assert all(e[3] for e in log if e[0] == "schedule"), "a timer was scheduled while still scheduled"
    # every live watcher is registered with the selector for exactly its flags
    for io in made:
        for w in io.watchers.values():
            if w.flags:
                assert loop.selector.get_key(w.fd).data is w

    before = sum(1 for e in log if e[0] in ("schedule", "cancel"))
    for i in range(200):
        assert _run(loop, coll.upsert(f"{key}-{i}", i))[0] == "ok"
    per_op = (sum(1 for e in log if e[0] in ("schedule", "cancel")) - before) / 200
    # libcouchbase re-arms its timeout timers on every operation; the core re-arms lazily
    assert per_op < 1.5, f"{per_op:.2f} timer schedule/cancel calls per operation"

    watchers = [w for io in made for w in io.watchers.values()]
    cluster.close()
    assert all(io.released for io in made), "libcouchbase did not release the IOPS tables on close"
    assert not set(map(id, made)) & set(map(id, I.live_iops()))
    assert all(not w.alive and w.flags == 0 for w in watchers)
    assert all(not io.watchers and not io.timers for io in made)
    assert loop.selector.get_map() == {} or len(loop.selector.get_map()) == 0
    released = {e[2] for e in log if e[0] == "release"}
    assert {id(w) for w in watchers} <= released
    # readiness reported late, for watchers libcouchbase destroyed, is ignored
    for w in watchers:
        w.on_readable()
        w.on_writable()
        w.ready(I.READ | I.WRITE)
    loop.close()


def test_a_new_loop_needs_only_the_interface(mock, key):
    """A loop written from scratch here, on select() over a socketpair-free dict: the interface is enough."""
    import select
    import time

    class TinyLoop(I.IOPS):
        def __init__(self) -> None:
            super().__init__()
            self.readers: dict = {}
            self.writers: dict = {}
            self.due: dict = {}

        def watch(self, watcher: I.Watcher, flags: int) -> None:
            for mask, table in ((I.READ, self.readers), (I.WRITE, self.writers)):
                if flags & mask:
                    table[watcher.fd] = watcher
                else:
                    table.pop(watcher.fd, None)

        def schedule(self, timer: I.Timer, delay: float) -> None:
            self.due[timer] = time.monotonic() + delay

        def cancel(self, timer: I.Timer) -> None:
            self.due.pop(timer, None)

        def turn(self) -> None:
            r, w, _ = select.select(list(self.readers), list(self.writers), [], 0.01)
            for fd in r:
                if fd in self.readers:
                    self.readers[fd].on_readable()
            for fd in w:
                if fd in self.writers:
                    self.writers[fd].on_writable()
            now = time.monotonic()
            for timer, when in list(self.due.items()):
                if when <= now and self.due.pop(timer, None) is not None:
                    timer.fire()

    loops: List[TinyLoop] = []
    cluster = AsyncCluster(mock.connstr, _auth(mock),
                           iops_factory=lambda: loops.append(TinyLoop()) or loops[-1])
    coll = cluster.bucket("default").default_collection()
    res = coll.upsert(key, "tiny")
    box: list = []
    res.callback = box.append
    res.errback = lambda *a: box.append(a)
    deadline = time.monotonic() + 20
    while not box and time.monotonic() < deadline:
        for lp in list(loops):
            lp.turn()
    assert box and box[0].success
    cluster.close()
    assert I.live_iops() == []


def test_raw_result_without_handlers_is_reported_not_lost(mock, key):
    loop = I.SelectorLoop()
    cluster = AsyncCluster(mock.connstr, _auth(mock), iops_factory=lambda: I.SelectorIOPS(loop))
    coll = cluster.bucket("default").default_collection()
    op = coll.upsert(key, 1)  # no callback, no errback
    with pytest.raises(InvalidArgumentException, match="neither callback nor errback"):
        loop.run_until(lambda: op.done, 20)
    cluster.close()
    loop.close()


def test_close_inside_a_callback_and_use_after_close(mock, key):
    loop = I.SelectorLoop()
    cluster = AsyncCluster(mock.connstr, _auth(mock), iops_factory=lambda: I.SelectorIOPS(loop))
    coll = cluster.bucket("default").default_collection()
    others = [coll.upsert(f"{key}-{i}", i) for i in range(50)]
    errors: list = []
    for o in others:
        o.callback = lambda r: None
        o.errback = lambda op, t, e, tb: errors.append(e)
    first = coll.get(key + "-absent")
    closed: list = []
    first.callback = lambda r: None
    first.errback = lambda *a: (cluster.close(), closed.append(True))
    loop.run_until(lambda: bool(closed), 20)
    loop.run_until(lambda: all(o.done for o in others) and not I.live_iops(), 20)
    from couchbase.exceptions import ObjectClosedException

    with pytest.raises(ObjectClosedException):
        coll.get(key)
    loop.close()


def test_async_cluster_refuses_a_foreign_thread(mock):
    import threading

    loop = I.SelectorLoop()
    cluster = AsyncCluster(mock.connstr, _auth(mock), iops_factory=lambda: I.SelectorIOPS(loop))
    coll = cluster.bucket("default").default_collection()
    caught: list = []

    def other() -> None:
        try:
            coll.get("x")
        except ObjectThreadException as exc:
            caught.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert caught and "thread" in str(caught[0])
    cluster.close()
    loop.close()


def test_bad_iops_factory_is_a_typed_error(mock):
    with pytest.raises(InvalidArgumentException, match="iops_factory"):
        AsyncCluster(mock.connstr, _auth(mock), iops_factory=lambda: object())
    with pytest.raises(InvalidArgumentException, match="iops_factory"):
        AsyncCluster(mock.connstr, _auth(mock), iops_factory=None)
    gc.collect()
    assert I.live_iops() == []


def test_socketpair_watcher_dispatch_on_selector_loop():
    """The reference loop reports exactly the watched directions to a watcher."""
    a, b = socket.socketpair()
    loop = I.SelectorLoop()
    seen: list = []

    class Probe(I.Watcher):
        __slots__ = ()

        def ready(self, flags: int) -> None:
            seen.append(flags)

    w = Probe(None, a.fileno())
    w.flags = I.READ
    loop.set_interest(a.fileno(), w, I.READ)
    loop.run_once(0)
    assert seen == []  # nothing to read yet
    b.send(b"x")
    loop.run_once(1)
    assert seen == [I.READ]
    w.flags = I.READ | I.WRITE
    loop.set_interest(a.fileno(), w, I.READ | I.WRITE)
    loop.run_once(1)
    assert seen[-1] == I.READ | I.WRITE
    loop.set_interest(a.fileno(), w, 0)
    assert loop.selector.get_map() is None or len(loop.selector.get_map()) == 0
    loop.close()
    a.close()
    b.close()


def _registered(loop: I.SelectorLoop, fd: int) -> int:

    try:
        return loop.selector.get_key(fd).events
    except KeyError:
        return 0


@pytest.mark.parametrize("finishes", [True, False], ids=["written", "socket-full"])
def test_a_new_write_interest_is_tried_before_the_selector_watches_it(finishes):
    """SelectorIOPS reports a watcher that starts wanting WRITE writable at the start of the next
    turn, watching its socket only for READ; only a watcher that still wants WRITE after that
    (its data did not all fit) gets its socket watched for writability."""
    import selectors

    a, b = socket.socketpair()
    loop = I.SelectorLoop()
    iops = I.SelectorIOPS(loop)
    seen: list = []

    class Probe(I.Watcher):
        __slots__ = ()

        def ready(self, flags: int) -> None:
            seen.append(flags)
            if finishes:  # what the core does when libcouchbase drops WRITE after writing
                iops.watch(self, I.READ)
                self.flags = I.READ

    w = Probe(object(), a.fileno(), iops)
    iops.watch(w, I.READ | I.WRITE)
    w.flags = I.READ | I.WRITE
    assert _registered(loop, a.fileno()) == selectors.EVENT_READ
    loop.run_once(0)
    if finishes:
        assert seen == [I.WRITE]
        assert _registered(loop, a.fileno()) == selectors.EVENT_READ
        loop.run_once(0)
        assert seen == [I.WRITE]  # not watched for writability: no more reports
    else:  # tried, then watched: the selector reports the (writable) socket in the same turn
        assert seen == [I.WRITE, I.WRITE]
        assert _registered(loop, a.fileno()) == selectors.EVENT_READ | selectors.EVENT_WRITE
    loop.close()
    a.close()
    b.close()


def test_call_soon_runs_in_order_before_the_next_wait_and_reports_errors():
    import time

    loop = I.SelectorLoop()
    iops = I.SelectorIOPS(loop)
    ran: list = []

    def boom() -> None:
        ran.append("boom")
        raise ValueError("from a call_soon")

    iops.call_soon(lambda: ran.append(1))
    iops.call_soon(boom)
    iops.call_soon(lambda: ran.append(2))
    started = time.monotonic()
    with pytest.raises(ValueError, match="from a call_soon"):
        loop.run_once(5)  # queued before the turn: run before its wait, whose error ends it at once
    assert ran == [1, "boom", 2]
    assert time.monotonic() - started < 2
    loop.run_once(0)
    assert ran == [1, "boom", 2]  # each ran once
    loop.close()


def test_a_turns_operations_are_held_and_sent_together(mock, key):
    """Operations started in one loop turn while others are in flight are held
    (Connection.cork) and sent when the turn ends; a lone operation is not held, nor is one
    started inside libcouchbase's dispatch."""
    loop = I.SelectorLoop()
    cluster = AsyncCluster(mock.connstr, _auth(mock), iops_factory=lambda: I.SelectorIOPS(loop))
    try:
        coll = cluster.bucket("default").default_collection()
        assert _run(loop, coll.upsert(key, 1))[0] == "ok"
        conn = coll._conn
        served = mock.info()["ops"]
        ops = [coll.get(key)]
        assert not conn.corked  # nothing else in flight: libcouchbase sends it as usual
        ops += [coll.get(key) for _ in range(199)]
        assert conn.corked and conn.iops.held is not None
        import time

        time.sleep(0.2)
        assert mock.info()["ops"] == served  # held: nothing has been sent yet
        done: list = []
        inner: list = []

        def on_first(result: Any) -> None:  # runs inside libcouchbase's dispatch
            inner.append(coll.get(key))
            inner.append(conn.corked)
            done.append(result)

        ops[0].callback, ops[0].errback = on_first, lambda *a: done.append(a)
        for op in ops[1:]:
            op.callback = done.append
            op.errback = lambda o, t, e, tb: done.append(e)
        loop.run_until(lambda: len(done) == 200, 30)
        assert not conn.corked and conn.iops.held is None
        assert all(getattr(r, "value", None) == 1 for r in done)
        assert inner[1] is False  # not held inside a dispatch
        assert _run(loop, inner[0])[0] == "ok"
    finally:
        cluster.close()
        loop.close()
