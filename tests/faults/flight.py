"""Many operations in flight at once on one cluster of each front end, one outcome each.

A :class:`Driver` opens one cluster of a front end through the factories of
``tests/support/frontends`` and runs a list of :class:`Op` (upserts and gets)
so that all of them are in flight together; it drives that front end's loop
until every one has resolved and returns one :class:`Outcome` per operation
(the result, or the exception it resolved with, and its latency). A hard
deadline turns a hang into :class:`Hang`, which lists what did not resolve.

What "in flight" means on each front end:

* ``raw``, ``txraw``: every AsyncResult is scheduled before the loop turns;
  ``callback``/``errback`` record the outcome.
* ``asyncio``, ``uvloop``, ``twisted``: every future / Deferred is created
  before the loop turns; a done-callback / ``addCallbacks`` records it.
* ``gevent``: one greenlet per operation; each parks in its blocking call.
  ``_start`` returns once every greenlet has issued its operation (gevent runs
  the greenlets' starts in time slices, so the hub may deliver responses and
  run timers before the last one has started).
* ``sync``: the blocking API has no per-call concurrency, so the operations
  go out as pipelined multi calls, ``upsert_multi`` and ``get_multi`` with
  ``return_exceptions=True``, both inside one ``collection.batch()`` block:
  every key of both calls is scheduled before one ``lcb_wait`` sends them all.
  Per-key failures come back in the ``MultiResult``'s ``exceptions`` dict
  (the result for that key is an ``OperationResult`` with ``success`` False).
  The wait runs on a worker thread so the deadline can be enforced; each
  operation's latency is the whole batch's (an upper bound), since the
  blocking API reports completion only for the batch.

:func:`leak_counts` counts what a closed cluster must not leave behind.
"""
from __future__ import annotations

import asyncio
import functools
import threading
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence

from couchbase._instance import live_connections
from couchbase.exceptions import CouchbaseException
from couchbase.iops import live_iops
from support.frontends import FRONT_ENDS, load_all

load_all()

UPSERT, GET = "upsert", "get"


@dataclass(frozen=True)
class Op:
    """One operation: ``upsert`` of ``value`` under ``key``, or ``get`` of ``key``."""

    kind: str
    key: str
    value: Any = None


@dataclass
class Outcome:
    """How one operation resolved: ``result`` on success, else ``error``; ``latency`` in seconds."""

    op: Op
    result: Any = None
    error: Optional[BaseException] = None
    latency: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def label(self) -> str:
        """``"ok"`` or the exception's class name (for tallies)."""
        return "ok" if self.error is None else type(self.error).__name__


class Hang(AssertionError):
    """Operations did not resolve before the hard deadline."""


@dataclass(frozen=True)
class Endpoint:
    """What a front-end factory reads from a mock (``connstr``, credentials), with extra
    connection-string settings appended (e.g. ``config_poll_interval``)."""

    connstr: str
    username: str
    password: str

    @classmethod
    def of(cls, mock: Any, settings: str = "") -> "Endpoint":
        sep = "&" if "?" in mock.connstr else "?"
        return cls(mock.connstr + (sep + settings if settings else ""), mock.username, mock.password)


def vbucket_of(key: str, num_vbuckets: int = 64) -> int:
    """The vBucket libcouchbase (and the mock) map ``key`` to."""
    return ((zlib.crc32(key.encode()) >> 16) & 0x7FFF) % num_vbuckets


def keys_covering_vbuckets(prefix: str, num_vbuckets: int = 64) -> List[str]:
    """One key per vBucket (``prefix-<n>``), so a round over them touches every node's share."""
    found: Dict[int, str] = {}
    n = 0
    while len(found) < num_vbuckets:
        key = f"{prefix}-{n}"
        found.setdefault(vbucket_of(key, num_vbuckets), key)
        n += 1
    return [found[vb] for vb in range(num_vbuckets)]


# ---- drivers --------------------------------------------------------------------------

class Driver:
    """One cluster of one front end (built by its ``tests/support/frontends`` factory).

    :param name: the front end (a key of ``FRONT_ENDS``).
    :param mock: a running ``MockCluster``.
    :param settings: extra connection-string settings (``"config_poll_interval=0.5"``).
    :param cluster_kw: cluster options for the factory (``kv_timeout=1.5``).
    """

    name = ""

    def __init__(self, mock: Any, settings: str = "", **cluster_kw: Any) -> None:
        self.view, self._close = FRONT_ENDS[self.name](Endpoint.of(mock, settings), **cluster_kw)
        # a BlockingView wraps the front end's own collection; the drivers need the collection itself
        self.coll = getattr(self.view, "_target", self.view)
        self.cluster = self.view.cluster
        self.conn = self.coll._conn  # the bucket's connection: where the operations are pending
        self.closed = False
        self.duplicates = 0  # operations that resolved more than once (must stay 0)
        self._outcomes: List[Optional[Outcome]] = []
        self._ops: Sequence[Op] = ()
        self._started: List[float] = []
        self._pending = 0

    # -- what each front end implements --
    def _start(self, ops: Sequence[Op]) -> None:
        """Put every operation in flight; each resolution calls :meth:`_record`."""
        raise NotImplementedError

    def _drive(self, timeout: float) -> None:
        """Run the loop until nothing is pending; raise TimeoutError after ``timeout`` s."""
        raise NotImplementedError

    def _all_resolved(self) -> None:
        """Called once the last operation has resolved (wake :meth:`_drive`)."""

    # -- shared --
    def run(self, ops: Sequence[Op], timeout: float) -> List[Outcome]:
        """Put ``ops`` in flight together; return one outcome per op, in order.

        :raises Hang: some did not resolve within ``timeout`` seconds.
        """
        self._ops = ops
        self._outcomes = [None] * len(ops)
        self._started = [0.0] * len(ops)
        self._pending = len(ops)
        if ops:
            self._start(ops)
            try:
                self._drive(timeout)
            except (TimeoutError, asyncio.TimeoutError):
                pass
            if self._pending:
                raise Hang(self.describe_unresolved(timeout))
        return list(self._outcomes)  # type: ignore[arg-type]

    def _record(self, i: int, result: Any, error: Optional[BaseException]) -> None:
        if self._outcomes[i] is not None:
            self.duplicates += 1
            return
        self._outcomes[i] = Outcome(self._ops[i], result, error, time.monotonic() - self._started[i])
        self._pending -= 1
        if self._pending == 0:
            self._all_resolved()

    @property
    def resolved(self) -> int:
        """How many operations of the current run have resolved (readable from any thread)."""
        return len(self._ops) - self._pending

    def describe_unresolved(self, timeout: float) -> str:
        missing = [self._ops[i] for i, o in enumerate(self._outcomes) if o is None]
        shown = ", ".join(f"{op.kind} {op.key!r}" for op in missing[:20])
        return (f"{self.name}: {len(missing)} of {len(self._ops)} operations did not resolve within "
                f"{timeout:.1f} s (connection pending registry: {len(self.conn.pending)}): {shown}"
                f"{' …' if len(missing) > 20 else ''}")

    def close(self) -> None:
        """Close the cluster (its factory's close: also releases the loop it made)."""
        if not self.closed:
            self.closed = True
            self._close()

    def iops(self) -> List[Any]:
        """The IOPS objects of this cluster's connections (none for the blocking API)."""
        conns = getattr(self.cluster, "connections", None)
        return [c.iops for c in conns()] if conns is not None and self.name != "sync" else []


def _call(coll: Any, op: Op) -> Any:
    return coll.upsert(op.key, op.value) if op.kind == UPSERT else coll.get(op.key)


class SyncDriver(Driver):
    """Blocking API: one ``batch()`` holding an ``upsert_multi`` and a ``get_multi`` (see the module)."""

    name = "sync"

    def _start(self, ops: Sequence[Op]) -> None:
        writes = {op.key: op.value for op in ops if op.kind == UPSERT}
        reads = [op.key for op in ops if op.kind == GET]
        if len(writes) + len(reads) != len(ops) or len(set(reads)) != len(reads):
            raise ValueError("the blocking driver needs distinct keys per kind (one multi call each)")
        self._failure: Optional[BaseException] = None
        self._multis: List[Any] = []
        self._thread = threading.Thread(target=self._batch, args=(ops, writes, reads), daemon=True,
                                        name="faults-sync-batch")
        self._thread.start()

    def _batch(self, ops: Sequence[Op], writes: Dict[str, Any], reads: List[str]) -> None:
        coll = self.coll
        now = time.monotonic()
        self._started = [now] * len(ops)
        kinds: List[str] = []
        try:
            with coll.batch():
                if writes:
                    self._multis.append(coll.upsert_multi(writes, return_exceptions=True))
                    kinds.append(UPSERT)
                if reads:
                    self._multis.append(coll.get_multi(reads, return_exceptions=True))
                    kinds.append(GET)
            found = {}
            for kind, multi in zip(kinds, self._multis):
                result = multi.outcome()  # a MultiResult: failed keys are in .exceptions
                for key, res in result.items():
                    found[(kind, key)] = (res, result.exceptions.get(key))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the test's thread
            self._failure = exc
            return
        for i, op in enumerate(ops):
            res, exc = found[(op.kind, op.key)]
            self._record(i, None if exc is not None else res, exc)

    def _drive(self, timeout: float) -> None:
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError
        if self._failure is not None:
            raise self._failure

    @property
    def resolved(self) -> int:
        if self._pending == 0:
            return len(self._ops)
        return sum(1 for m in list(getattr(self, "_multis", ())) for op in m.ops if op.done)

    def close(self) -> None:
        thread = getattr(self, "_thread", None)
        if thread is not None and thread.is_alive():
            return  # a hung lcb_wait holds the connection's lock: closing would hang too
        super().close()


class RawDriver(Driver):
    """Raw callbacks on the selectors reference loop."""

    name = "raw"

    def _start(self, ops: Sequence[Op]) -> None:
        coll = self.coll
        for i, op in enumerate(ops):
            self._started[i] = time.monotonic()
            res = _call(coll, op)
            res.callback = functools.partial(self._record_ok, i)
            res.errback = functools.partial(self._record_err, i)

    def _record_ok(self, i: int, result: Any) -> None:
        self._record(i, result, None)

    def _record_err(self, i: int, _op: Any, _type: Any, exc: BaseException, _tb: Any) -> None:
        self._record(i, None, exc)

    def _drive(self, timeout: float) -> None:
        self.view.loop.run_until(lambda: self._pending == 0, timeout)


class AsyncioDriver(Driver):
    """acouchbase futures on the default asyncio loop."""

    name = "asyncio"

    def _start(self, ops: Sequence[Op]) -> None:
        loop = self.view.loop
        self._done = loop.create_future()
        coll = self.coll
        for i, op in enumerate(ops):
            self._started[i] = time.monotonic()
            _call(coll, op).add_done_callback(functools.partial(self._settled, i))

    def _settled(self, i: int, fut: "asyncio.Future[Any]") -> None:
        if fut.cancelled():
            self._record(i, None, asyncio.CancelledError())
        elif fut.exception() is not None:
            self._record(i, None, fut.exception())
        else:
            self._record(i, fut.result(), None)

    def _all_resolved(self) -> None:
        if not self._done.done():
            self._done.set_result(None)

    def _drive(self, timeout: float) -> None:
        self.view.loop.run_until_complete(asyncio.wait_for(asyncio.shield(self._done), timeout))


class UvloopDriver(AsyncioDriver):
    """acouchbase futures on uvloop."""

    name = "uvloop"


class TwistedDriver(Driver):
    """txcouchbase Deferreds (TxCluster)."""

    name = "twisted"

    def _start(self, ops: Sequence[Op]) -> None:
        from twisted.internet.defer import Deferred

        self._done: Any = Deferred()
        coll = self.coll
        for i, op in enumerate(ops):
            self._started[i] = time.monotonic()
            _call(coll, op).addCallbacks(functools.partial(self._record, i, error=None),
                                         functools.partial(self._failed, i))

    def _failed(self, i: int, failure: Any) -> None:
        self._record(i, None, failure.value)  # returns None: the failure is consumed

    def _all_resolved(self) -> None:
        if not self._done.called:
            self._done.callback(None)

    def _drive(self, timeout: float) -> None:
        from support.frontends.twisted_fe import run_until_fired

        run_until_fired(self._done, timeout)


class TxRawDriver(TwistedDriver):
    """txcouchbase raw AsyncResults (TxRawCluster) on the reactor."""

    name = "txraw"

    def _start(self, ops: Sequence[Op]) -> None:
        from twisted.internet.defer import Deferred

        self._done = Deferred()
        coll = self.coll
        for i, op in enumerate(ops):
            self._started[i] = time.monotonic()
            res = _call(coll, op)
            res.callback = functools.partial(self._record, i, error=None)
            res.errback = functools.partial(self._raw_err, i)

    def _raw_err(self, i: int, _op: Any, _type: Any, exc: BaseException, _tb: Any) -> None:
        self._record(i, None, exc)


class GeventDriver(Driver):
    """gcouchbase: one greenlet per operation, each parked in its blocking call."""

    name = "gevent"

    def _start(self, ops: Sequence[Op]) -> None:
        import gevent
        from gevent.event import Event

        self._done: Any = Event()
        in_flight = Event()
        entered = [0]

        def one(i: int, op: Op) -> None:
            entered[0] += 1
            if entered[0] == len(ops):
                in_flight.set()  # wakes this caller once the greenlet has issued its op and parked
            self._one(i, op)

        self._greenlets = [gevent.spawn(one, i, op) for i, op in enumerate(ops)]
        # Return once every operation is issued, as the other drivers do (they issue them in this
        # call). Not waiting, a test that blocks the loop just after _start (test_blocked_loop.py)
        # blocked it, under load, while gevent's time-sliced callback loop had started only some
        # greenlets and the operations they issued were still held by the cork: those went out
        # after the block, past their deadline.
        in_flight.wait()

    def _one(self, i: int, op: Op) -> None:
        self._started[i] = time.monotonic()
        try:
            result = _call(self.coll, op)
        except BaseException as exc:  # noqa: BLE001 - the outcome of this operation
            self._record(i, None, exc)
        else:
            self._record(i, result, None)

    def _all_resolved(self) -> None:
        self._done.set()

    def _drive(self, timeout: float) -> None:
        if not self._done.wait(timeout):
            raise TimeoutError


DRIVERS: Dict[str, Callable[..., Driver]] = {
    cls.name: cls for cls in (SyncDriver, RawDriver, AsyncioDriver, UvloopDriver, TwistedDriver, TxRawDriver,
                              GeventDriver)
}


def open_driver(name: str, mock: Any, settings: str = "", **cluster_kw: Any) -> Driver:
    """A connected driver of front end ``name`` (one warm-up upsert has gone through)."""
    driver = DRIVERS[name](mock, settings, **cluster_kw)
    try:
        driver.view.upsert("faults-warm-up", 1)
    except BaseException:
        driver.close()
        raise
    return driver


# ---- checks ---------------------------------------------------------------------------

@dataclass
class Tally:
    """Outcomes counted by kind and label (``ok`` or the exception class)."""

    counts: Dict[str, Dict[str, int]] = field(default_factory=dict)

    def add(self, outcomes: Iterable[Outcome]) -> "Tally":
        for o in outcomes:
            by_label = self.counts.setdefault(o.op.kind, {})
            by_label[o.label] = by_label.get(o.label, 0) + 1
        return self

    def total(self) -> int:
        return sum(sum(v.values()) for v in self.counts.values())

    def failures(self) -> int:
        return sum(n for v in self.counts.values() for label, n in v.items() if label != "ok")


def untyped(outcomes: Iterable[Outcome]) -> List[str]:
    """Failures that are not a CouchbaseException subclass (``kind key: Type: message``)."""
    return [f"{o.op.kind} {o.op.key!r}: {type(o.error).__name__}: {o.error}" for o in outcomes
            if o.error is not None and not isinstance(o.error, CouchbaseException)]


def wrong_reads(outcomes: Iterable[Outcome], expected: Callable[[str], Any]) -> List[str]:
    """Gets answered wrongly: a value that is not ``expected(key)`` (a response given to
    the wrong operation), or "not found" for a key that exists (``expected(key)`` not None)."""
    from couchbase.exceptions import DocumentNotFoundException

    bad = []
    for o in outcomes:
        if o.op.kind != GET:
            continue
        if o.ok and o.result.value != expected(o.op.key):
            bad.append(f"get {o.op.key!r} returned {o.result.value!r}")
        elif isinstance(o.error, DocumentNotFoundException) and expected(o.op.key) is not None:
            bad.append(f"get {o.op.key!r} (stored) failed with DocumentNotFoundException")
    return bad


def overdue(outcomes: Iterable[Outcome], bound: float) -> List[str]:
    """Operations that took longer than ``bound`` seconds to resolve."""
    return [f"{o.op.kind} {o.op.key!r} took {o.latency:.2f} s ({o.label})" for o in outcomes
            if o.latency > bound]


def missing_writes(mock: Any, outcomes: Iterable[Outcome], bucket: str = "default") -> List[str]:
    """Acknowledged upserts whose value is not what the mock stores now (missing or stale)."""
    import json

    bad = []
    for o in outcomes:
        if o.op.kind != UPSERT or not o.ok:
            continue
        doc = mock.get_doc(bucket, o.op.key)
        if doc is None:
            bad.append(f"{o.op.key!r}: missing")
        elif json.loads(doc["value"]) != o.op.value:
            bad.append(f"{o.op.key!r}: stored {doc['value'][:80]!r}, acknowledged {o.op.value!r}")
    return bad


# ---- leaks ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """Connections and IOPS alive at one moment (by their unique ids)."""

    connections: frozenset
    iops: frozenset


def snapshot() -> Snapshot:
    return Snapshot(frozenset(c.id for c in live_connections()), frozenset(i.id for i in live_iops()))


def leak_counts(since: Optional[Snapshot] = None, driver: Optional[Driver] = None) -> Dict[str, int]:
    """What is still alive: connections not closed, pending registry entries, IOPS that
    libcouchbase still holds, and the watchers and timers those IOPS keep.

    ``since`` ignores what was alive at that snapshot (other tests' clusters);
    ``driver`` adds its own connection's registry and its IOPS objects' watchers and
    timers even after they were released (they must be empty then too).
    """
    old_c = since.connections if since is not None else frozenset()
    old_i = since.iops if since is not None else frozenset()
    conns = {c.id: c for c in live_connections() if c.id not in old_c}
    iops = {i.id: i for i in live_iops() if i.id not in old_i}
    pending_of = dict(conns)
    watched = dict(iops)
    if driver is not None:
        pending_of[driver.conn.id] = driver.conn
        for io in driver.iops():
            watched[io.id] = io
    return {
        "connections": len(conns),
        "pending": sum(len(c.pending) for c in pending_of.values()),
        "iops": len(iops),
        "watchers": sum(len(i.watchers) for i in watched.values()),
        "timers": sum(len(i.timers) for i in watched.values()),
    }


__all__ = ["Op", "Outcome", "Hang", "Endpoint", "Driver", "DRIVERS", "open_driver", "Tally", "untyped",
           "wrong_reads", "overdue", "missing_writes", "Snapshot", "snapshot", "leak_counts", "vbucket_of",
           "keys_covering_vbuckets", "UPSERT", "GET"]
