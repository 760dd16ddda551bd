"""The child process of ``test_read_ahead.py``: one slow consumer of a large query result.

Run as a script (``read_ahead_support.py FRONT_END CONNSTR USER PASSWORD STATEMENT ROWS OUT.json``)
in a Python process of its own, against a mock cluster in another process, so VmRSS
is the client's alone. It iterates the statement's rows more slowly than the mock
sends them (``PAUSE_S`` every ``PAUSE_EVERY`` rows: a blocking sleep on the
blocking API and in Twisted's row handler, ``asyncio.sleep`` / ``gevent.sleep`` on
those loops, so the loop keeps reading meanwhile), samples VmRSS and the stream's
buffered rows/bytes, and writes a JSON summary.
"""
from __future__ import annotations

import gc
import json
import platform
import sys
import time
from typing import Any, Dict, List

PAUSE_EVERY = 100
PAUSE_S = 0.002
SAMPLE_EVERY = 2000
PYPY = platform.python_implementation() == "PyPy"
# PyPy: VmRSS is read after a full collection (see collected_rss_kib), so less often.
SAMPLE_EVERY_PYPY = 20_000


def rss_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def collected_rss_kib() -> int:
    """VmRSS of what is kept: on PyPy after a full collection.

    Rows that were buffered when a minor collection ran move to PyPy's old
    generation and die there; PyPy does no major collection before its heap
    reaches a size set by the nursery's (at least 1.82 times it: over 400 MiB
    here), so their garbage grows with the result. Measured with acouchbase,
    the SDK's buffer never above 265 KB: VmRSS grew 12 MB for 250,000 rows and
    27 MB for 1,000,000, of which a ``gc.collect()`` found all but 4 MB of the
    GC's heap dead. Collected every ``SAMPLE_EVERY_PYPY`` rows, the garbage
    between two readings is bounded, and what VmRSS still shows growing is kept
    (by the SDK or libcouchbase), as on CPython, where refcounting frees rows at once.
    """
    if PYPY:
        gc.collect()
    return rss_kib()


def warm_nursery() -> None:
    """PyPy: make its whole nursery resident before the baseline is read.

    PyPy allocates every young object by bumping a pointer through one nursery,
    sized from the CPU caches (half the largest one): 240 MiB on a machine whose
    VM reports a 480 MiB L3. Its pages become resident as allocation first
    reaches them and stay so, whatever is kept. Measured with the blocking
    iterator here: VmRSS grew 115 MB for 250,000 rows and 123 MB for 1,000,000
    (so not with the result's size), 15 MB with PYPY_GC_NURSERY=64MB and 7 MB
    with 4MB. Cycling short-lived objects through the nursery once (about
    0.2 s) puts that fixed cost in the baseline, so the growth measured is what
    is kept (old generation, libcouchbase's buffers), as on CPython.
    """
    if not PYPY:  # CPython has no nursery
        return
    ring: List[Any] = [None] * 64  # stored, so that the JIT allocates each one
    # in bytes (the public attributes are formatted text: "240.0MB")
    nursery = gc.get_stats()._s.nursery_size  # type: ignore[attr-defined]
    for i in range(nursery // 1024 + 1024):
        ring[i % 64] = [i] * 126  # about 1 KiB each, garbage 64 iterations later


class Probe:
    """Peak VmRSS and peak buffered rows/bytes of the stream, sampled as rows are consumed."""

    def __init__(self) -> None:
        warm_nursery()
        self.base = collected_rss_kib()
        self.sample_every = SAMPLE_EVERY_PYPY if PYPY else SAMPLE_EVERY
        self.peak = self.base
        self.rows = 0
        self.peak_buffered_rows = 0
        self.peak_buffered_bytes = 0
        self.started = time.monotonic()

    def row(self, result: Any = None) -> bool:
        """Count one row; True when the consumer should pause now. ``result``: what buffers the
        rows (``buffer`` of an event loop's rows, ``rows`` of the blocking iterator's stream)."""
        self.rows += 1
        if result is not None:
            buffered = getattr(result, "buffer", None)
            if buffered is None:
                buffered = getattr(result, "rows", ())
            self.peak_buffered_rows = max(self.peak_buffered_rows, len(buffered))
            self.peak_buffered_bytes = max(self.peak_buffered_bytes, getattr(result, "buffered_bytes", 0))
        if self.rows % self.sample_every == 0:
            self.peak = max(self.peak, collected_rss_kib())
        return self.rows % PAUSE_EVERY == 0

    def summary(self) -> Dict[str, Any]:
        return {"rows": self.rows, "rss_base_kib": self.base,
                "rss_peak_kib": max(self.peak, collected_rss_kib()),
                "peak_buffered_rows": self.peak_buffered_rows,
                "peak_buffered_bytes": self.peak_buffered_bytes,
                "seconds": round(time.monotonic() - self.started, 2)}


def _options(user: str, password: str) -> Any:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.options import ClusterOptions

    return ClusterOptions(PasswordAuthenticator(user, password), query_timeout=600)


def run_sync(connstr: str, user: str, password: str, statement: str) -> Dict[str, Any]:
    from couchbase.cluster import Cluster

    cluster = Cluster(connstr, _options(user, password))
    list(cluster.query("SELECT 1"))  # connected, HTTP socket pool warm
    probe = Probe()
    result = cluster.query(statement)
    stream = result._stream  # the RowStream the blocking iterator drains (rows, buffered_bytes)
    for _row in result:
        if probe.row(stream):
            time.sleep(PAUSE_S)
    out = probe.summary()
    cluster.close()
    return out


def run_asyncio(connstr: str, user: str, password: str, statement: str) -> Dict[str, Any]:
    import asyncio

    from acouchbase.cluster import Cluster

    async def main() -> Dict[str, Any]:
        cluster = Cluster(connstr, _options(user, password))
        await cluster.on_connect()
        await cluster.query("SELECT 1").execute()
        probe = Probe()
        result = cluster.query(statement)
        async for _row in result:
            if probe.row(result):
                await asyncio.sleep(PAUSE_S)
        out = probe.summary()
        cluster.close()
        return out

    return asyncio.run(main())


def run_gevent(connstr: str, user: str, password: str, statement: str) -> Dict[str, Any]:
    import gevent

    from gcouchbase.cluster import Cluster

    cluster = Cluster(connstr, _options(user, password))
    list(cluster.query("SELECT 1"))
    probe = Probe()
    result = cluster.query(statement)
    for _row in result:
        if probe.row(result):
            gevent.sleep(PAUSE_S)
    out = probe.summary()
    cluster.close()
    return out


def run_twisted(connstr: str, user: str, password: str, statement: str) -> Dict[str, Any]:
    from twisted.internet import reactor

    from txcouchbase.cluster import TxCluster
    from txcouchbase.rows import RowsHandler

    out: Dict[str, Any] = {}
    probe_box: Dict[str, Probe] = {}

    class Slow(RowsHandler):
        def on_rows(self, rows: Any) -> None:
            probe = probe_box["p"]
            for _row in rows:
                if probe.row(self.request):
                    time.sleep(PAUSE_S)

        def on_error(self, exc: BaseException) -> None:
            out["error"] = repr(exc)

    def start() -> None:
        cluster = TxCluster(connstr, _options(user, password))

        def connected(_: Any) -> Any:
            return cluster.query("SELECT 1")

        def go(_: Any) -> Any:
            probe_box["p"] = Probe()
            return cluster.query_ex(Slow, statement).finished

        def done(_: Any) -> None:
            out.update(probe_box["p"].summary())
            cluster.close()
            reactor.stop()

        def failed(failure: Any) -> None:
            out["error"] = repr(failure.value)
            reactor.stop()

        cluster.on_connect().addCallback(connected).addCallback(go).addCallbacks(done, failed)

    reactor.callWhenRunning(start)
    reactor.run()
    return out


RUNNERS = {"sync": run_sync, "asyncio": run_asyncio, "gevent": run_gevent, "twisted": run_twisted}


def main(argv: list) -> int:
    front_end, connstr, user, password, statement, out = argv[0], argv[1], argv[2], argv[3], argv[4], argv[5]
    if front_end == "gevent":
        from gevent import monkey  # noqa: F401 - the hub only; time.sleep stays blocking on purpose
    summary = RUNNERS[front_end](connstr, user, password, statement)
    summary["front_end"] = front_end
    with open(out, "w") as fh:
        json.dump(summary, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
