"""The measurement loop that runs inside every contender's process.

Standalone on purpose (standard library only, no ``bench`` or ``couchbase``
import): the official SDK's contender runs it from its own virtualenv, where
this checkout's packages must not be importable.

Protocol with the harness: the contender process gets one JSON argument (the
*spec*: connection details and a list of workloads); it prints one line
``BENCH {json}`` per workload as soon as that workload is done, so a crash
half-way loses only the rest. A contender that cannot run prints
``BENCH {"skipped": reason}`` and exits 0 (see :func:`skip`).

A contender supplies a :class:`Driver`. Its ``run`` executes a list of
*batches* one after another in the contender's own idiom and returns each
batch's latency in nanoseconds (or each operation's, when the driver sets
``latency_per_op``):

* mode ``inflight``: a batch of N keys is N independent operations started
  together and awaited together (N = 1 is one operation at a time);
* mode ``multi``: a batch is one ``get_multi``/``upsert_multi`` call;
* mode ``query`` (op ``query``): a batch is ``[statement]``, one N1QL query
  whose rows the driver iterates to the end; ``value`` is the number of rows
  each query must return (the driver raises if it got another count). CPU/op
  is then CPU per row (``ops`` counts rows) and the latency is per query.

Figures (per workload): client CPU µs/op from ``getrusage(RUSAGE_SELF)``
(user + system, every thread of this process) taken around the timed batches
only, after a warm-up; wall-clock ops/s; p50/p99 of the per-batch latency
(per operation when N = 1 or the driver sets ``latency_per_op``); RSS (from
/proc/self/status) before the warm-up and after the timed part.

Two entry points share one sequence of steps (:func:`_session`, a generator
that yields each ``driver.run`` call and computes the figures): :func:`main`
for drivers whose ``run`` returns the latencies, and :func:`main_async` for
:class:`AsyncDriver` s whose ``run`` is a coroutine, for frameworks that only
work inside their own loop's run call (official txcouchbase 4.x needs
``reactor.run()``). The timed region is the ``run`` call (or its ``await``)
in both.
"""
from __future__ import annotations

import json
import platform
import resource
import sys
import time
from typing import Any, Awaitable, Callable, Dict, Generator, List, Optional, Sequence, Tuple

PREFIX = "BENCH "


class Driver:
    """What a contender implements. ``modes`` says which modes it supports;
    ``max_inflight`` caps mode ``inflight`` (1 for one-at-a-time-only APIs)."""

    modes: Sequence[str] = ("inflight", "multi")
    max_inflight: int = 1 << 30
    latency_per_op: bool = False  # True: ``run`` returns one latency per operation in mode inflight

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class AsyncDriver(Driver):
    """A driver whose ``run`` and ``close`` are coroutines (see :func:`main_async`)."""

    async def run(  # type: ignore[override]
            self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        raise NotImplementedError

    async def close(self) -> None:  # type: ignore[override]
        pass


# One ``driver.run`` call: (mode, op, batches, value).
Call = Tuple[str, str, List[List[str]], Any]
Steps = Generator[Call, List[int], Any]


def emit(record: Dict[str, Any]) -> None:
    print(PREFIX + json.dumps(record), flush=True)


def skip(reason: str) -> None:
    """Report the whole contender as skipped (missing package, …) and exit cleanly."""
    emit({"skipped": reason})
    sys.exit(0)


def rss_kib() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def value_of(size: int) -> str:
    """A JSON string value whose encoded form is ``size`` bytes (the quotes count)."""
    return "x" * max(0, size - 2)


def keyspace(size: int, count: int) -> List[str]:
    return [f"bench-{size}-{i}" for i in range(count)]


def _batches(keys: List[str], depth: int, n_ops: int) -> List[List[str]]:
    out: List[List[str]] = []
    i = 0
    while n_ops > 0:
        n = min(depth, n_ops)
        batch = [keys[(i + j) % len(keys)] for j in range(n)]
        i = (i + n) % len(keys)
        out.append(batch)
        n_ops -= n
    return out


def _percentile(sorted_ns: List[int], q: float) -> float:
    if not sorted_ns:
        return 0.0
    idx = min(len(sorted_ns) - 1, max(0, int(round(q * (len(sorted_ns) - 1)))))
    return sorted_ns[idx] / 1000.0


def _populate(driver: Driver, workloads: List[Dict[str, Any]]) -> Steps:
    """Store the documents that this contender's get workloads read (untimed)."""
    need: Dict[int, int] = {}
    for w in workloads:
        if w["op"] == "get" and supports(driver, w) is None:
            need[w["size"]] = max(need.get(w["size"], 0), w["keys"])
    for size, count in need.items():
        keys = keyspace(size, count)
        mode = "multi" if "multi" in driver.modes else "inflight"
        depth = min(driver.max_inflight, 1000 if size <= 4096 else 50)
        yield mode, "upsert", _batches(keys, depth, count), value_of(size)


def supports(driver: Driver, w: Dict[str, Any]) -> Optional[str]:
    """None if the driver can run workload ``w``, else why not."""
    if w["mode"] == "query" and "query" not in driver.modes:
        return "query rows are measured on blocking, acouchbase, Twisted Deferreds and gevent only"
    if w["mode"] not in driver.modes:
        return f"no {w['mode']} API"
    if w["mode"] == "inflight" and w["depth"] > driver.max_inflight:
        return f"one operation at a time only (max in flight {driver.max_inflight})"
    return None


def _measure(driver: Driver, w: Dict[str, Any]) -> Steps:
    """Warm up, then time ``w['ops']`` operations; returns the figures."""
    if w["mode"] == "query":  # one batch = one query of ``depth`` rows; ops and warmup count rows
        value: Any = w["depth"]

        def make(n_ops: int) -> List[List[str]]:
            return [[w["statement"]] for _ in range(n_ops // w["depth"])]
    else:
        keys, value = keyspace(w["size"], w["keys"]), value_of(w["size"])

        def make(n_ops: int) -> List[List[str]]:
            return _batches(keys, w["depth"], n_ops)
    rss_before = rss_kib()
    if w["warmup"]:
        yield w["mode"], w["op"], make(w["warmup"]), value
    batches = make(w["ops"])
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    lat = yield w["mode"], w["op"], batches, value
    cpu1, wall1 = cpu_seconds(), time.perf_counter()
    rss_after = rss_kib()
    lat.sort()
    n = w["ops"]
    per_op = w["mode"] == "inflight" and (w["depth"] == 1 or driver.latency_per_op)
    unit = ("op" if per_op else f"query of {w['depth']} rows" if w["mode"] == "query"
            else f"batch of {w['depth']}")
    return {
        "cpu_us_per_op": (cpu1 - cpu0) * 1e6 / n,
        "ops_per_s": n / (wall1 - wall0) if wall1 > wall0 else 0.0,
        "wall_s": wall1 - wall0,
        "ops": n,
        "warmup_ops": w["warmup"],
        "latency_unit": unit,
        "p50_us": _percentile(lat, 0.50),
        "p99_us": _percentile(lat, 0.99),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
    }


def _session(driver: Driver, workloads: List[Dict[str, Any]]) -> Steps:
    """Populate, then measure each workload and emit its record (or why it was skipped / failed)."""
    yield from _populate(driver, workloads)
    for w in workloads:
        why = supports(driver, w)
        if why is not None and w.get("fallback"):
            w = dict(w, mode=w["fallback"])
            why = supports(driver, w)
        if why is not None:
            emit({"workload": w["id"], "skipped": why})
            continue
        try:
            figures = yield from _measure(driver, w)
        except Exception as exc:  # noqa: BLE001 - one failed workload must not lose the others
            emit({"workload": w["id"], "error": f"{type(exc).__name__}: {exc}"[:500]})
        else:
            emit(dict(figures, workload=w["id"], mode_used=w["mode"]))


def _drive(steps: Steps, run: Callable[..., List[int]]) -> Any:
    """Run ``steps`` with a synchronous ``run``; a failed call is thrown back into ``steps``."""
    try:
        call = next(steps)
        while True:
            try:
                lat = run(*call)
            except Exception as exc:  # noqa: BLE001 - handed to the step that made the call
                call = steps.throw(exc)
            else:
                call = steps.send(lat)
    except StopIteration as stop:
        return stop.value


async def _drive_async(steps: Steps, run: Callable[..., Awaitable[List[int]]]) -> Any:
    """:func:`_drive` for a coroutine ``run``."""
    try:
        call = next(steps)
        while True:
            try:
                lat = await run(*call)
            except Exception as exc:  # noqa: BLE001 - handed to the step that made the call
                call = steps.throw(exc)
            else:
                call = steps.send(lat)
    except StopIteration as stop:
        return stop.value


def populate(driver: Driver, workloads: List[Dict[str, Any]]) -> None:
    """Store the documents that this contender's get workloads read (untimed)."""
    _drive(_populate(driver, workloads), driver.run)


def measure(driver: Driver, w: Dict[str, Any]) -> Dict[str, Any]:
    """Warm up, then time ``w['ops']`` operations; return the figures."""
    return _drive(_measure(driver, w), driver.run)


def read_spec(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    """The spec argument of this contender process (exits with usage when it is missing)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: <contender> '<spec json>' (run by the bench harness: python -m bench)", file=sys.stderr)
        sys.exit(2)
    return json.loads(args[0])


def check_implementation(spec: Dict[str, Any]) -> None:
    """Skip the contender when the spec names a Python implementation (``"PyPy"``) this process is not."""
    want = spec.get("implementation")
    have = platform.python_implementation()
    if want and want != have:
        skip(f"needs {want}, but {sys.executable} is {have} {platform.python_version()}")


def main(make_driver: Callable[[Dict[str, Any]], Driver], argv: Optional[List[str]] = None) -> None:
    """Entry point of a contender process: ``python <contender> '<spec json>'``."""
    spec = read_spec(argv)
    check_implementation(spec)
    driver = make_driver(spec)
    try:
        _drive(_session(driver, spec["workloads"]), driver.run)
    finally:
        driver.close()


def main_async(make_driver: Callable[[Dict[str, Any]], Awaitable[AsyncDriver]],
               run_loop: Callable[[Callable[[], Awaitable[None]]], None],
               argv: Optional[List[str]] = None) -> None:
    """:func:`main` for an :class:`AsyncDriver`: the whole session (connect, populate, every workload,
    close) is one coroutine, and ``run_loop(session)`` runs it to completion inside the framework's own
    loop call (e.g. ``reactor.run()``), re-raising its exception."""
    spec = read_spec(argv)
    check_implementation(spec)

    async def session() -> None:
        driver = await make_driver(spec)
        try:
            await _drive_async(_session(driver, spec["workloads"]), driver.run)
        finally:
            await driver.close()

    run_loop(session)


def count_rows(rows: Any, expected: int) -> int:
    """Iterate ``rows`` to the end (the query workload); raise unless there were ``expected``."""
    n = 0
    for _row in rows:
        n += 1
    check_rows(n, expected)
    return n


def check_rows(n: int, expected: int) -> None:
    if n != expected:
        raise RuntimeError(f"the query returned {n} rows, expected {expected}")


def timed(fn: Callable[[], Any]) -> int:
    """Run ``fn`` once and return its duration in ns (helper for drivers)."""
    t = time.perf_counter_ns()
    fn()
    return time.perf_counter_ns() - t
