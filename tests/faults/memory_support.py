"""The child process of ``test_memory.py``: a million operations on one front end, and what they left behind.

Run as a script (``memory_support.py FRONT_END CONNSTR USER PASSWORD OPS WARMUP OUT.json``)
in a Python process of its own, against a mock cluster in *another* process,
so the figures are the client's alone. It

1. opens one cluster of the front end (its ``tests/support/frontends`` factory),
   stores the ``KEYS`` documents and runs ``WARMUP`` operations (and more until
   libcouchbase's first config poll has opened its socket, see
   ``SETTLE_BOUND``), so caches, buffer pools, sockets and the allocator's
   arenas reach their working size;
2. takes a :class:`Snapshot` (after ``gc.collect()``): VmRSS, bytes in use in
   the C heap (glibc ``mallinfo2``: libcouchbase, cffi's ``ffi.new`` buffers),
   the core's handles (:func:`handle_counts`) and the loop's own (timers,
   callbacks, registered sockets);
3. runs ``OPS`` operations in rounds of ``ROUND`` in flight together, half
   gets and half upserts of small values over ``KEYS`` keys, counting
   outcomes and gets that returned another value;
4. takes the snapshot again, closes the cluster and writes a JSON summary.

What "in flight together" is on each front end: ``raw``/``txraw`` schedule
every AsyncResult of a round, then turn the loop until every callback has
run; ``asyncio``/``uvloop`` gather a round's futures, ``twisted`` its
Deferreds (``DeferredList``); ``gevent`` spawns one greenlet per operation;
``sync`` (no per-call concurrency) pipelines a round as a ``get_multi`` and an
``upsert_multi``, every other round both inside one ``batch()`` (one wait for
all ``ROUND``), and every ``SINGLE_EVERY``-th round as ``ROUND`` single calls.
Every round on a loop must finish within ``ROUND_BOUND`` seconds (its
operations' ``kv_timeout`` plus a wide margin); a blocking call is bounded by
libcouchbase's own timeout, and the whole child by ``test_memory.py``: a hang
is a failure, not a stuck CI job.
"""
from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

KEYS = 10_000
ROUND = 100  # operations in flight together: ROUND // 2 gets and ROUND // 2 upserts
MISSING = 2  # of a round's gets, these many read keys that were never stored (the error path)
SINGLE_EVERY = 20  # sync: every 20th round is ROUND single calls instead of multi calls
KV_TIMEOUT = 2.5
ROUND_BOUND = KV_TIMEOUT + 30.0  # two shared cores: generous, only a hang should reach it
VALUE = {"v": "x" * 16}  # small JSON document
# libcouchbase polls the cluster map every 2.5 s (config_poll_interval); the first poll opens a
# socket on an instance that had none (the cluster-level one): one watcher and one timer more, for
# good. The warm-up goes on until every connection has its socket (at most SETTLE_BOUND seconds),
# so the baseline is the steady state.
SETTLE_BOUND = 10.0

# front end -> module of tests/support/frontends that registers it
MODULE_OF = {"sync": "sync", "raw": "raw", "asyncio": "asyncio_fe", "uvloop": "asyncio_fe",
             "twisted": "twisted_fe", "txraw": "twisted_fe", "gevent": "gevent_fe"}


# ---- measurements ------------------------------------------------------------------------

def rss_kib() -> int:
    """Resident set size of this process (VmRSS), KiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


def _mallinfo2() -> Optional[Callable[[], _MallInfo2]]:
    try:
        fn = ctypes.CDLL(None).mallinfo2  # glibc 2.33+
    except (OSError, AttributeError):
        return None
    fn.restype = _MallInfo2
    fn.argtypes = []
    return fn


_MALLINFO2 = _mallinfo2()


def malloc_in_use() -> Optional[int]:
    """Bytes malloc has handed out and not had back (every arena, and mmapped chunks); None off glibc.

    Unlike RSS it does not depend on how the pages are fragmented, so a
    libcouchbase or cffi buffer that is never freed shows up byte by byte.
    """
    if _MALLINFO2 is None:
        return None
    info = _MALLINFO2()
    return int(info.uordblks + info.hblkhd)


def cdata_count() -> int:
    """cffi objects that own memory (``ffi.new`` results) reachable from Python containers.

    CData objects are not tracked by the garbage collector and ``ffi.new``
    allocates with malloc, so neither ``gc.get_objects()`` nor
    ``sys.getallocatedblocks()`` sees them: walk the referents of every
    tracked object, descending into untracked containers (CPython untracks a
    tuple or dict that holds only untracked objects, such as CData).
    """
    import _cffi_backend

    base = _cffi_backend._CDataBase
    seen: set = set()  # CData and untracked containers only (tracked objects are all listed once)
    found = 0
    stack: List[Any] = gc.get_objects()
    containers = (tuple, dict, list, set, frozenset)
    while stack:
        obj = stack.pop()
        for ref in gc.get_referents(obj):
            rid = id(ref)
            if rid in seen:
                continue
            if isinstance(ref, base):
                seen.add(rid)
                if "Own" in type(ref).__name__:
                    found += 1
            elif isinstance(ref, containers) and not gc.is_tracked(ref):
                seen.add(rid)
                stack.append(ref)
    return found


def handle_counts() -> Dict[str, int]:
    """What the core keeps per connection: connections, pending operations, IOPS, watchers, timers."""
    from couchbase import _instance as connection
    from couchbase._instance import live_connections
    from couchbase.iops import live_iops

    conns = live_connections()
    iops = live_iops()
    return {
        "connections": len(conns),
        "pending": sum(len(c.pending) for c in conns),
        "orphans": len(connection._ORPHANS),
        "iops": len(iops),
        "watchers": sum(len(i.watchers) for i in iops),
        "timers": sum(len(i.timers) for i in iops),
        "cdata": cdata_count(),
    }


def type_census() -> Counter:
    """Live garbage-collected objects by type name."""
    return Counter(type(o).__name__ for o in gc.get_objects())


@dataclass
class Snapshot:
    """Process state at a quiet moment (nothing in flight, after ``gc.collect()``)."""

    rss_kib: int
    malloc_bytes: Optional[int]
    blocks: int
    handles: Dict[str, int]
    loop: Dict[str, int]
    gc_objects: int
    census: Counter

    @classmethod
    def take(cls, loop_handles: Callable[[], Dict[str, int]]) -> "Snapshot":
        for _ in range(3):
            gc.collect()
        # memory first: counting objects allocates (a list of every object, and more) and the
        # allocator keeps some of it; a throw-away snapshot before the baseline makes that part of it
        rss, heap, blocks = rss_kib(), malloc_in_use(), sys.getallocatedblocks()
        census = type_census()
        return cls(rss, heap, blocks, handle_counts(), loop_handles(), sum(census.values()), census)


# ---- workloads ---------------------------------------------------------------------------

# Set in the environment, the child traces Python allocations (tracemalloc) between the two
# snapshots and reports the lines whose allocations grew most: the clue when a check fails. Slow,
# and the tracing's own memory shows in the RSS.
TRACE_ENV = "COUCHBASE_MEMORY_TRACE"
# Set in the environment, the child leaks on purpose: it keeps every successful result and a
# 256-byte ffi.new buffer per operation (test_memory.py's check that its detectors can fail).
LEAK_ENV = "COUCHBASE_MEMORY_TEST_LEAK"


class Tally:
    """Outcomes of the operations run: ``ok``, failures by exception type, gets with another value."""

    def __init__(self) -> None:
        self.ok = 0
        self.failed: Counter = Counter()
        self.wrong_values = 0
        self.kept: Optional[List[Any]] = [] if os.environ.get(LEAK_ENV) else None

    def got(self, result: Any) -> None:
        if result.value != VALUE:
            self.wrong_values += 1
        self.stored(result)

    def stored(self, result: Any) -> None:
        self.ok += 1
        if self.kept is not None:
            from couchbase._binding import ffi

            self.kept.append((result, ffi.new("char[256]")))

    def error(self, exc: BaseException) -> None:
        self.failed[type(exc).__name__] += 1

    @property
    def total(self) -> int:
        return self.ok + sum(self.failed.values())


class Workload:
    """One cluster of one front end and the way it runs a round of operations."""

    name = ""

    def __init__(self, endpoint: Any) -> None:
        importlib.import_module(f"support.frontends.{MODULE_OF[self.name]}")
        from support.frontends import FRONT_ENDS

        self.view, self._close = FRONT_ENDS[self.name](endpoint, kv_timeout=KV_TIMEOUT)
        self.coll = getattr(self.view, "_target", self.view)
        self.tally = Tally()
        self.rounds = 0

    def round(self, gets: Sequence[str], puts: Sequence[str]) -> None:
        """Run ``len(gets)`` gets and ``len(puts)`` upserts in flight together, to completion."""
        raise NotImplementedError

    def loop_handles(self) -> Dict[str, int]:
        """What the front end's event loop holds (timers, callbacks, sockets)."""
        return {}

    def close(self) -> None:
        self._close()


class SyncWorkload(Workload):
    """Blocking API: a round is a ``get_multi`` and an ``upsert_multi``, sent together by one
    ``batch()`` every other round (``ROUND`` in flight) or one after the other; or single calls."""

    name = "sync"

    def round(self, gets: Sequence[str], puts: Sequence[str]) -> None:
        coll, tally = self.coll, self.tally
        self.rounds += 1
        if self.rounds % SINGLE_EVERY == 0:
            for key in gets:
                try:
                    tally.got(coll.get(key))
                except Exception as exc:  # noqa: BLE001 - counted by type; the test checks them
                    tally.error(exc)
            for key in puts:
                try:
                    tally.stored(coll.upsert(key, VALUE))
                except Exception as exc:  # noqa: BLE001 - counted by type; the test checks them
                    tally.error(exc)
            return
        docs = dict.fromkeys(puts, VALUE)
        if self.rounds % 2:
            got = coll.get_multi(gets, return_exceptions=True)
            stored = coll.upsert_multi(docs, return_exceptions=True)
        else:
            with coll.batch():
                got_later = coll.get_multi(gets, return_exceptions=True)
                stored_later = coll.upsert_multi(docs, return_exceptions=True)
            got, stored = got_later.outcome(), stored_later.outcome()
        for multi, on_ok in ((got, tally.got), (stored, tally.stored)):
            for key, res in multi.items():
                exc = multi.exceptions.get(key)
                if exc is None:
                    on_ok(res)
                else:
                    tally.error(exc)


class _CallbackRound:
    """Counts a raw round down: ``callback``/``errback`` handlers for AsyncResults."""

    def __init__(self, tally: Tally) -> None:
        self.left = 0
        self.tally = tally

    def got(self, result: Any) -> None:
        self.tally.got(result)
        self.left -= 1

    def stored(self, result: Any) -> None:
        self.tally.stored(result)
        self.left -= 1

    def failed(self, _op: Any, _type: Any, exc: BaseException, _tb: Any) -> None:
        self.tally.error(exc)
        self.left -= 1

    def done(self) -> bool:
        return self.left == 0

    def start(self, coll: Any, gets: Sequence[str], puts: Sequence[str]) -> None:
        get, upsert, failed = coll.get, coll.upsert, self.failed
        self.left = len(gets) + len(puts)
        for key in gets:
            res = get(key)
            res.callback, res.errback = self.got, failed
        for key in puts:
            res = upsert(key, VALUE)
            res.callback, res.errback = self.stored, failed


class RawWorkload(Workload):
    """Raw AsyncResults on the selectors reference loop."""

    name = "raw"

    def __init__(self, endpoint: Any) -> None:
        super().__init__(endpoint)
        self.loop = self.view.loop
        self.counter = _CallbackRound(self.tally)

    def round(self, gets: Sequence[str], puts: Sequence[str]) -> None:
        self.counter.start(self.coll, gets, puts)
        self.loop.run_until(self.counter.done, ROUND_BOUND)

    def loop_handles(self) -> Dict[str, int]:
        return {"loop_timers": len(self.loop._timers), "loop_fds": len(self.loop.selector.get_map())}


class AsyncioWorkload(Workload):
    """acouchbase futures, a round gathered, on a fresh asyncio loop."""

    name = "asyncio"

    def __init__(self, endpoint: Any) -> None:
        super().__init__(endpoint)
        self.loop = self.view.loop

    def round(self, gets: Sequence[str], puts: Sequence[str]) -> None:
        import asyncio

        coll, tally = self.coll, self.tally
        futs = [coll.get(g) for g in gets] + [coll.upsert(p, VALUE) for p in puts]
        results = self.loop.run_until_complete(
            asyncio.wait_for(asyncio.gather(*futs, return_exceptions=True), ROUND_BOUND))
        n = len(gets)
        for i, res in enumerate(results):
            if isinstance(res, BaseException):
                tally.error(res)
            elif i < n:
                tally.got(res)
            else:
                tally.stored(res)

    def loop_handles(self) -> Dict[str, int]:
        import asyncio

        loop: Any = self.loop
        out = {"tasks": len(asyncio.all_tasks(loop))}
        for attr in ("_ready", "_scheduled"):  # asyncio's own loop (uvloop keeps these in C)
            if hasattr(loop, attr):
                out[attr.strip("_")] = len(getattr(loop, attr))
        return out


class UvloopWorkload(AsyncioWorkload):
    name = "uvloop"


class TwistedWorkload(Workload):
    """txcouchbase Deferreds, a round gathered in a ``DeferredList``, the reactor turned until it fires."""

    name = "twisted"

    def round(self, gets: Sequence[str], puts: Sequence[str]) -> None:
        from twisted.internet.defer import DeferredList

        from support.frontends.twisted_fe import run_until_fired

        coll, tally = self.coll, self.tally
        ds = [coll.get(g) for g in gets] + [coll.upsert(p, VALUE) for p in puts]
        results = run_until_fired(DeferredList(ds, consumeErrors=True), ROUND_BOUND)
        n = len(gets)
        for i, (ok, res) in enumerate(results):
            if not ok:
                tally.error(res.value)
            elif i < n:
                tally.got(res)
            else:
                tally.stored(res)

    def loop_handles(self) -> Dict[str, int]:
        from twisted.internet import reactor

        r: Any = reactor
        return {"delayed_calls": len(r.getDelayedCalls()), "readers": len(r.getReaders()),
                "writers": len(r.getWriters())}


class TxRawWorkload(TwistedWorkload):
    """txcouchbase raw AsyncResults, the reactor turned until a round's callbacks have all run."""

    name = "txraw"

    def __init__(self, endpoint: Any) -> None:
        super().__init__(endpoint)
        self.counter = _CallbackRound(self.tally)

    def round(self, gets: Sequence[str], puts: Sequence[str]) -> None:
        from twisted.internet import reactor

        r: Any = reactor
        counter = self.counter
        counter.start(self.coll, gets, puts)
        deadline = time.monotonic() + ROUND_BOUND
        while counter.left:
            if time.monotonic() > deadline:
                raise TimeoutError(f"txraw: {counter.left} operations unresolved after {ROUND_BOUND} s")
            r.iterate(0.05)


class GeventWorkload(Workload):
    """gcouchbase: one greenlet per operation, a round joined."""

    name = "gevent"

    def _get(self, key: str) -> None:
        try:
            self.tally.got(self.coll.get(key))
        except Exception as exc:  # noqa: BLE001 - counted by type; the test checks them
            self.tally.error(exc)

    def _put(self, key: str) -> None:
        try:
            self.tally.stored(self.coll.upsert(key, VALUE))
        except Exception as exc:  # noqa: BLE001 - counted by type; the test checks them
            self.tally.error(exc)

    def round(self, gets: Sequence[str], puts: Sequence[str]) -> None:
        import gevent

        spawn = gevent.spawn
        lets = [spawn(self._get, g) for g in gets] + [spawn(self._put, p) for p in puts]
        done = gevent.joinall(lets, timeout=ROUND_BOUND)
        if len(done) != len(lets):
            raise TimeoutError(f"gevent: {len(lets) - len(done)} operations unresolved after {ROUND_BOUND} s")

    def loop_handles(self) -> Dict[str, int]:
        import greenlet
        from gevent import get_hub

        loop: Any = get_hub().loop
        return {"greenlets": sum(1 for o in gc.get_objects() if isinstance(o, greenlet.greenlet)),
                "loop_callbacks": len(getattr(loop, "_callbacks", ()))}


WORKLOADS: Dict[str, Callable[[Any], Workload]] = {
    cls.name: cls for cls in (SyncWorkload, RawWorkload, AsyncioWorkload, UvloopWorkload, TwistedWorkload,
                              TxRawWorkload, GeventWorkload)
}


def round_keys() -> List[Tuple[List[str], List[str]]]:
    """The rounds (gets, upserts), cycled: upserts walk the key space, gets walk it half a key
    space ahead, and ``MISSING`` gets per round read keys that do not exist."""
    half = ROUND // 2
    names = [f"mem-{i}" for i in range(KEYS)]
    rounds = []
    for n, start in enumerate(range(0, KEYS, half)):
        gets = [names[(start + KEYS // 2 + j) % KEYS] for j in range(half - MISSING)]
        gets += [f"mem-missing-{n}-{j}" for j in range(MISSING)]
        rounds.append((gets, [names[(start + j) % KEYS] for j in range(half)]))
    return rounds


def run_ops(work: Workload, rounds: List[Tuple[List[str], List[str]]], ops: int) -> Tuple[float, float]:
    """Run ``ops`` operations (whole rounds); return (wall seconds, CPU seconds of this process)."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(ops // ROUND):
        gets, puts = rounds[i % len(rounds)]
        work.round(gets, puts)
    return time.perf_counter() - t0, time.process_time() - cpu0


def settled() -> bool:
    """Every connection on an event loop has its socket watched (see ``SETTLE_BOUND``)."""
    from couchbase.iops import live_iops

    return all(iops.watchers for iops in live_iops())


def settle(work: Workload, rounds: List[Tuple[List[str], List[str]]]) -> None:
    """Keep running rounds until :func:`settled`, for at most ``SETTLE_BOUND`` seconds."""
    deadline = time.monotonic() + SETTLE_BOUND
    i = 0
    while not settled() and time.monotonic() < deadline:
        work.round(*rounds[i % len(rounds)])
        i += 1


def populate(work: Workload) -> None:
    """Store every key (upsert_multi through the front end's blocking view), so the gets find documents."""
    names = [f"mem-{i}" for i in range(KEYS)]
    for start in range(0, KEYS, 1000):
        result = work.view.upsert_multi(dict.fromkeys(names[start:start + 1000], VALUE))
        if not result.all_ok:
            raise AssertionError(f"populating the keys failed: {dict(result.exceptions)}")


# What the baseline snapshot itself adds to the second census: the Snapshot and its Counter.
_BASELINE_OBJECTS = Counter({"Snapshot": 1, "Counter": 1})


def census_growth(before: Counter, after: Counter, top: int = 12) -> Dict[str, int]:
    """The object types whose count grew most (the report's clue when something leaks)."""
    grown = after.copy()
    grown.subtract(before)
    grown.subtract(_BASELINE_OBJECTS)
    return {name: n for name, n in grown.most_common(top) if n > 0}


def traced_growth(baseline: Any, top: int = 10) -> List[str]:
    """The source lines whose live Python allocations grew most since ``baseline`` (tracemalloc)."""
    import tracemalloc

    ignore = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__)]
    now = tracemalloc.take_snapshot().filter_traces(ignore)
    stats = now.compare_to(baseline.filter_traces(ignore), "lineno")
    return [str(stat) for stat in stats[:top] if stat.size_diff > 0]


def measure(front_end: str, endpoint: Any, ops: int, warmup: int) -> Dict[str, Any]:
    """Warm up, snapshot, run ``ops`` operations, snapshot; the summary ``test_memory.py`` checks."""
    work = WORKLOADS[front_end](endpoint)
    try:
        populate(work)
        rounds = round_keys()
        run_ops(work, rounds, warmup)
        settle(work, rounds)
        work.tally = tally = Tally()  # (what a leaking child kept during the warm-up goes now)
        if isinstance(work, (RawWorkload, TxRawWorkload)):
            work.counter.tally = tally
        tracing = bool(os.environ.get(TRACE_ENV))
        if tracing:
            import tracemalloc

            tracemalloc.start(1)
        Snapshot.take(work.loop_handles)  # first use of the measuring code fills its own caches
        before = Snapshot.take(work.loop_handles)
        traced = tracemalloc.take_snapshot() if tracing else None
        seconds, cpu = run_ops(work, rounds, ops)
        after = Snapshot.take(work.loop_handles)
        grown_lines = traced_growth(traced) if tracing else []
    finally:
        work.close()
    gc.collect()
    closed = handle_counts()
    return {
        "front_end": front_end,
        "ops": tally.total,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "ok": tally.ok,
        "missing_gets": (ops // ROUND) * MISSING,
        "failed": dict(tally.failed),
        "wrong_values": tally.wrong_values,
        "rss_kib": [before.rss_kib, after.rss_kib],
        "malloc_bytes": [before.malloc_bytes, after.malloc_bytes],
        "blocks": [before.blocks, after.blocks],
        "handles": [before.handles, after.handles],
        "loop": [before.loop, after.loop],
        "gc_objects": [before.gc_objects, after.gc_objects - sum(_BASELINE_OBJECTS.values())],
        "census_growth": census_growth(before.census, after.census),
        "after_close": closed,
        "traced_growth": grown_lines,
    }


@dataclass(frozen=True)
class Endpoint:
    """What a front-end factory reads from a mock."""

    connstr: str
    username: str
    password: str


def _main(argv: List[str]) -> int:
    """``memory_support.py FRONT_END CONNSTR USER PASSWORD OPS WARMUP OUT.json``: the child process."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.dirname(here))  # tests/, for support.frontends
    front_end, connstr, user, password, ops, warmup, out = argv
    summary = measure(front_end, Endpoint(connstr, user, password), int(ops), int(warmup))
    with open(out, "w") as fh:
        json.dump(summary, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
