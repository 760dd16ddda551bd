"""Start operations on any front end without waiting, drive its loop, and check for leaks.

The lifecycle and thread tests need what a blocking view hides: many
operations in flight at once, a hook that runs where each front end delivers
a result, and the loop driven while the cluster is closed, stopped or
forgotten. A :class:`Driver` opens one cluster through the front-end
factories of ``tests/support/frontends`` and offers:

* :meth:`Driver.start` ``(call, then=None)``: begin ``call(collection)`` and
  record how it resolves, once per delivery (a second delivery is a bug the
  tests look for). ``then(outcome)`` runs where the front end delivers: inside
  the raw ``callback``/``errback`` (raw, txraw: inside libcouchbase's
  dispatch), in a future's done-callback (asyncio, uvloop), in a Deferred
  callback (twisted), in the greenlet that made the call (gevent), in the
  worker thread that made the call (sync: a pool of threads stands for
  "operations in flight" on the blocking API).
* :meth:`Driver.run_until` / :meth:`Driver.settle`: drive the loop until a
  condition holds, with a hard deadline that turns a hang into a failure.
* :meth:`Driver.forget`: drop every reference the driver holds to the
  cluster (the loop is kept) for garbage-collection tests.
* :meth:`Driver.loop_errors`: what reached the loop's error channel.

:class:`Leaks` snapshots ``live_connections()`` and ``live_iops()`` and checks
that a test left neither behind, nor pending entries in any connection.

:func:`reactor_stop_child` and :func:`fork_child` run in a new interpreter
(:func:`child_command`): a Twisted reactor cannot restart, and ``os.fork()``
is kept out of the multi-threaded test process.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Set

from couchbase._instance import live_connections
from couchbase.iops import live_iops
from support.frontends import FRONT_ENDS, load_all

load_all()

WAIT = 20.0  # hard deadline for anything the tests wait for (every timeout they set is far below)
ASYNCIO = ("asyncio", "uvloop")
RAW = ("raw", "txraw")
TWISTED = ("twisted", "txraw")
ASYNC_FRONT_ENDS = ("raw", "asyncio", "uvloop", "twisted", "txraw", "gevent")


@dataclass
class Outcome:
    """Every delivery of one operation: ``(ok, value)`` pairs (exactly one is expected)."""

    index: int
    deliveries: List[tuple] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        return bool(self.deliveries)

    @property
    def ok(self) -> bool:
        return self.deliveries[0][0]

    @property
    def value(self) -> Any:
        return self.deliveries[0][1]


class Hang(AssertionError):
    """The loop was driven until the deadline and the condition still did not hold."""


class Driver:
    """One cluster of front end ``name`` and the operations started on it (see module docstring)."""

    def __init__(self, name: str, mock: Any, **cluster_kw: Any) -> None:
        self.name = name
        view, close = FRONT_ENDS[name](mock, **cluster_kw)
        self._view: Any = view
        self._close_all: Optional[Callable[[], None]] = close
        self.cluster: Any = view.cluster
        self.coll: Any = getattr(view, "_target", view)  # the front end's own collection
        self.outcomes: List[Outcome] = []
        self._errors: List[Any] = []
        self._pool: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self.greenlets: List[Any] = []
        self.loop: Any = getattr(view, "loop", None)
        if name in ASYNCIO:
            self.loop.set_exception_handler(lambda loop, context: self._errors.append(context))
        elif name == "gevent":
            from gevent import get_hub

            hub = get_hub()
            self._hub = hub
            original = hub.handle_error

            def handle_error(context: Any, etype: Any, value: Any, tb: Any) -> None:
                self._errors.append((context, value))
                original(context, etype, value, tb)

            hub.handle_error = handle_error
        elif name in TWISTED:
            from twisted.logger import globalLogPublisher

            def observe(event: Dict[str, Any]) -> None:
                if event.get("log_failure") is not None or event.get("isError"):
                    self._errors.append(event)

            self._observer = observe
            globalLogPublisher.addObserver(observe)

    # ---- operations ------------------------------------------------------------
    def start(self, call: Callable[[Any], Any], then: Optional[Callable[[Outcome], Any]] = None) -> Outcome:
        """Begin ``call(self.coll)`` without waiting; return its :class:`Outcome` (filled in later)."""
        outcome = Outcome(len(self.outcomes))
        self.outcomes.append(outcome)

        def record(ok: bool, value: Any) -> None:
            outcome.deliveries.append((ok, value))
            if then is not None:
                then(outcome)

        name, coll = self.name, self.coll
        if name == "sync":
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(16, thread_name_prefix="lifecycle")

            def run() -> None:
                try:
                    value = call(coll)
                except Exception as exc:  # noqa: BLE001 - recorded
                    record(False, exc)
                else:
                    record(True, value)

            self._pool.submit(run)
        elif name == "gevent":
            import gevent

            def green() -> None:
                try:
                    value = call(coll)
                except Exception as exc:  # noqa: BLE001 - recorded
                    record(False, exc)
                else:
                    record(True, value)

            self.greenlets.append(gevent.spawn(green))
        else:
            pending = call(coll)
            if name in RAW:
                pending.callback = lambda result: record(True, result)
                pending.errback = lambda op, exc_type, exc, tb: record(False, exc)
            elif name in ASYNCIO:
                def done(fut: Any) -> None:
                    if fut.cancelled():
                        record(False, asyncio.CancelledError())
                    elif fut.exception() is not None:
                        record(False, fut.exception())
                    else:
                        record(True, fut.result())

                pending.add_done_callback(done)
            else:  # twisted
                def failed(failure: Any) -> None:
                    record(False, failure.value)

                pending.addCallbacks(lambda result: record(True, result), failed)
        return outcome

    def unresolved(self) -> List[Outcome]:
        return [o for o in self.outcomes if not o.resolved]

    # ---- driving the loop -----------------------------------------------------------
    def turn(self, seconds: float = 0.01) -> None:
        """Let the front end's loop run for about ``seconds``."""
        name = self.name
        if name == "raw":
            deadline = time.monotonic() + seconds
            self._raw_once(seconds)
            while time.monotonic() < deadline:
                self._raw_once(deadline - time.monotonic())
        elif name in ASYNCIO:
            self.loop.run_until_complete(asyncio.sleep(seconds))
        elif name in TWISTED:
            from twisted.internet import reactor

            deadline = time.monotonic() + seconds
            reactor.iterate(0)  # type: ignore[attr-defined]
            while time.monotonic() < deadline:
                reactor.iterate(min(0.005, max(0.0, deadline - time.monotonic())))  # type: ignore[attr-defined]
        elif name == "gevent":
            import gevent

            gevent.sleep(seconds)
        else:
            time.sleep(seconds)

    def _raw_once(self, timeout: float) -> None:
        try:
            self.loop.run_once(max(0.0, min(timeout, 0.05)))
        except Exception as exc:  # noqa: BLE001 - the selector loop re-raises reported errors
            self._errors.append(exc)

    def run_until(self, cond: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
        """Drive the loop until ``cond()``; :class:`Hang` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise Hang(f"{self.name}: {what} not reached within {timeout} s")
            self.turn(0.002)

    def settle(self, timeout: float = WAIT) -> List[Outcome]:
        """Drive the loop until every started operation has resolved."""
        self.run_until(lambda: not self.unresolved(), timeout, "every operation resolved")
        return self.outcomes

    def loop_errors(self) -> List[Any]:
        return list(self._errors)

    # ---- life cycle -------------------------------------------------------------------
    def close_cluster(self) -> Any:
        """The front end's own ``cluster.close()`` (what it returns is passed back)."""
        return self.cluster.close()

    def close_loop(self) -> None:
        """Close the asyncio loop, leaving the cluster as it is."""
        self.loop.close()

    def forget(self) -> None:
        """Drop every reference to the cluster (view, factory close, collection); keep the loop."""
        self._view = None
        self._close_all = None
        self.cluster = None
        self.coll = None

    def shutdown(self) -> None:
        """Close everything the factory opened (after :meth:`forget`: only the loop)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for g in self.greenlets:
            g.kill(block=False)
        close, self._close_all = self._close_all, None
        try:
            if self.name in ASYNCIO and self.loop.is_closed():
                if self.cluster is not None:
                    self.cluster.close()
            elif close is not None:
                close()
            elif self.name in ASYNCIO:
                self.loop.run_until_complete(asyncio.sleep(0))
                self.loop.close()
            elif self.name == "raw":
                self.loop.close()
        finally:
            if self.name == "gevent":
                self._hub.__dict__.pop("handle_error", None)
            elif self.name in TWISTED:
                from twisted.logger import globalLogPublisher

                globalLogPublisher.removeObserver(self._observer)


def connections_of(cluster: Any) -> List[Any]:
    """The cluster's connections (cluster-level and every bucket's), on any front end."""
    return [cluster._conn] + [b._conn for b in cluster._buckets.values()]


class Leaks:
    """What exists before a test, so that what it leaves behind can be found."""

    def __init__(self) -> None:
        gc.collect()
        self.connections: Set[int] = {c.id for c in live_connections()}
        self.iops: Set[int] = {i.id for i in live_iops()}

    def left(self) -> Dict[str, Any]:
        """Connections, IOPS and pending entries created since, still alive."""
        conns = [c for c in live_connections() if c.id not in self.connections]
        return {
            "connections": conns,
            "iops": [i for i in live_iops() if i.id not in self.iops],
            "pending": {c.id: len(c.pending) for c in conns if c.pending},
        }

    def clean(self) -> bool:
        left = self.left()
        return not left["connections"] and not left["iops"]

    def assert_clean(self, driver: Optional[Driver] = None, timeout: float = WAIT) -> None:
        """Drive ``driver``'s loop (a deferred destroy needs a turn) until nothing is left."""
        deadline = time.monotonic() + timeout
        while True:
            gc.collect()
            if self.clean():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"leaked after {timeout} s: {self.left()}")
            if driver is not None:
                driver.turn(0.01)
            else:
                time.sleep(0.01)


def spin_until(cond: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
    """Wait (plain sleeps, for other threads) until ``cond()``; :class:`Hang` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise Hang(f"{what} not reached within {timeout} s")
        time.sleep(0.001)


def only(*names: str) -> List[str]:
    """The selected front ends among ``names`` (for tests that apply to some front ends only)."""
    from support.frontends import selected

    return [n for n in selected() if n in names]


# ---- code that runs in a subprocess (reactor stop, os.fork) --------------------------------------
# The tests start ``python -c "<CHILD_BOOT>" <function> <json args>``: the function prints one JSON
# report on stdout; the test checks it, the exit status and that stderr holds no traceback.

CHILD_BOOT = (
    "import json, sys; sys.path[:0] = {paths!r}; import lifecycle_support as s; "
    "getattr(s, sys.argv[1])(**json.loads(sys.argv[2]))"
)


def child_command(function: str, **kwargs: Any) -> List[str]:
    """argv running ``lifecycle_support.<function>(**kwargs)`` in a new interpreter."""
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    paths = [here, os.path.dirname(here)]
    import json

    return [sys.executable, "-c", CHILD_BOOT.format(paths=paths), function, json.dumps(kwargs)]


def _report(**fields: Any) -> None:
    import json
    import sys

    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def _control(control_url: str, command: str, **params: Any) -> None:
    """A mock control command through its HTTP port (the mock runs in the test process)."""
    import urllib.parse
    import urllib.request

    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"{control_url}/{command}?{query}", timeout=10) as reply:
        reply.read()


def _label(out: Outcome) -> str:
    if not out.resolved:
        return "unresolved"
    return "ok" if out.ok else type(out.value).__name__


def reactor_stop_child(connstr: str, username: str, password: str, control_url: str, flavour: str,
                       close: bool, count: int) -> None:
    """Start ``count`` upserts on a Twisted cluster, stop the reactor with all of them in flight,
    then (``close``) close the cluster, or just exit. Reports what had resolved when."""
    from types import SimpleNamespace

    from twisted.internet import reactor

    d = Driver(flavour, SimpleNamespace(connstr=connstr, username=username, password=password), kv_timeout=10)
    seeded = d.start(lambda c: c.upsert("reactor-stop-seed", 1))
    d.settle()
    _control(control_url, "set_latency", ms=300)  # every reply now waits: all are in flight at the stop
    ops: List[Outcome] = []

    def begin() -> None:
        ops.extend(d.start(lambda c, i=i: c.upsert(f"reactor-stop-{i}", i)) for i in range(count))
        reactor.stop()  # type: ignore[attr-defined]

    reactor.callWhenRunning(begin)  # type: ignore[attr-defined]
    reactor.run()  # type: ignore[attr-defined]
    _control(control_url, "set_latency", ms=0)
    at_stop = sum(1 for o in ops if o.resolved)
    pending = sum(len(c.pending) for c in connections_of(d.cluster))
    labels: Dict[str, int] = {}
    if close:
        d.close_cluster()
        for o in ops:
            labels[_label(o)] = labels.get(_label(o), 0) + 1
    _report(seeded=seeded.ok, started=len(ops), resolved_at_stop=at_stop, pending_at_stop=pending,
            outcomes=labels, deliveries=max((len(o.deliveries) for o in ops), default=0),
            errors=[repr(e) for e in d.loop_errors()])


def fork_child(front_end: str, connstr: str, username: str, password: str, control_url: str,
               key: str) -> None:
    """Open a cluster of ``front_end`` with operations in flight, then ``os.fork()``.

    The child uses the parent's cluster (a typed error is expected), then a new
    cluster (of the same front end; a blocking one for Twisted, whose reactor
    shares its epoll instance with the parent and cannot run in a child), and
    exits normally (finalizers run). The parent keeps its loop running while it
    waits for the child, then checks its operations in flight and a new one.
    One JSON report: the child's and the parent's findings.
    """
    import json
    import os
    import signal
    from types import SimpleNamespace

    from couchbase.exceptions import CouchbaseException

    target = SimpleNamespace(connstr=connstr, username=username, password=password)
    d = Driver(front_end, target, kv_timeout=10)
    seeded = d.start(lambda c: c.upsert(key, {"v": 1}))
    d.settle()
    _control(control_url, "set_latency", ms=200)
    try:
        in_flight = [d.start(lambda c, i=i: c.upsert(f"{key}-p{i}", i)) for i in range(20)]
        d.turn(0.02)  # requests written; replies due in 200 ms, after the fork
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # ---- the child
            os.close(read)
            signal.alarm(15)  # a hang here kills the child; the parent reports it
            found: Dict[str, Any] = {}
            try:
                try:
                    value = d.coll.get(key)
                    found["parent_cluster"] = f"returned {type(value).__name__}"
                except CouchbaseException as exc:
                    found["parent_cluster"] = type(exc).__name__
                    found["parent_cluster_message"] = str(exc)
                if front_end == "gevent":
                    import gevent

                    gevent.reinit()  # gevent's rule for a forked child
                _control(control_url, "set_latency", ms=0)
                kind = "sync" if front_end in TWISTED else front_end
                fresh = Driver(kind, target, kv_timeout=10)
                put = fresh.start(lambda c: c.upsert(f"{key}-child", {"child": os.getpid()}))
                fresh.settle()
                got = fresh.start(lambda c: c.get(f"{key}-child"))
                fresh.settle()
                fresh.turn(0.3)  # the child's loop runs while the parent's replies arrive
                found["new_cluster"] = kind
                found["new_cluster_ops"] = [_label(put), _label(got)]
                found["new_cluster_value"] = got.value.value if got.resolved and got.ok else None
                fresh.shutdown()
            except BaseException as exc:  # noqa: BLE001 - reported
                found["child_error"] = repr(exc)
            os.write(write, json.dumps(found).encode())
            os.close(write)
            raise SystemExit(0)  # a normal exit: finalizers of the parent's objects run here
        # ---- the parent
        os.close(write)
        status = None
        deadline = time.monotonic() + 30
        while status is None and time.monotonic() < deadline:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = raw
            else:
                d.turn(0.01)  # keep serving while the child runs
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        child_report = os.read(read, 65536).decode() or "{}"
        d.settle()
        after = d.start(lambda c: c.get(key))
        d.settle()
        _report(seeded=seeded.ok, child=json.loads(child_report),
                child_exit=None if status is None else (os.WEXITSTATUS(status) if os.WIFEXITED(status)
                                                         else -os.WTERMSIG(status)),
                parent_in_flight=[_label(o) for o in in_flight],
                parent_after=_label(after), errors=[repr(e) for e in d.loop_errors()])
    finally:
        _control(control_url, "set_latency", ms=0)
    d.shutdown()
