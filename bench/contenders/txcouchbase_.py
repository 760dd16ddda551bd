"""Contender: txcouchbase on Twisted's default reactor, Deferreds (``deferred``) or raw AsyncResults
(``raw``).

The harness's loop drives the reactor with ``reactor.iterate`` (a documented
ReactorBase method: run due timers, then wait for I/O) until a batch is done,
which is what ``reactor.run`` does per turn.

Both variants count a batch's completions the same way, so the
"Deferred ≤ 1.3× raw" ratio measures Deferreds, not a batching helper: raw
batches set ``callback``/``errback`` on each AsyncResult, Deferred batches call
``d.addCallbacks(ok, failed)`` on each operation's Deferred (or the one
Deferred of a multi call); both callbacks count down to zero. No
``gatherResults``/``DeferredList``, whose own per-Deferred bookkeeping raw
does not pay. Query rows (Deferreds only): ``cluster.query(statement)`` fires
with the batched result, whose rows the callback iterates.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List

from bench.contenders._measure import Driver, count_rows, main, skip
from bench.contenders._ours import base_variant, options
from bench.contenders._rawloop import run_raw

try:
    from twisted.internet import reactor as _reactor
except ImportError as _exc:  # pragma: no cover - depends on the environment
    _missing = f"Twisted not installed ({_exc}); pip install 'couchbase-cffi[twisted]'"
else:
    _missing = ""


def _wait(done: Callable[[], bool]) -> None:
    iterate = _reactor.iterate
    while not done():
        iterate(0.05)


class TxDriver(Driver):
    def __init__(self, spec: Dict[str, Any]) -> None:
        if _missing:
            skip(_missing)
        try:
            from txcouchbase.cluster import TxCluster, TxRawCluster
        except ImportError as exc:
            skip(f"txcouchbase not importable ({exc})")
        self.raw = base_variant(spec) == "raw"
        self.modes = ("inflight", "multi") if self.raw else ("inflight", "multi", "query")
        cls = TxRawCluster if self.raw else TxCluster
        self.cluster = cls(spec["connstr"], options(spec))
        bucket = self.cluster.bucket(spec["bucket"])
        state: Dict[str, Any] = {}
        d = self.cluster.defer(bucket.on_connect()) if self.raw else bucket.on_connect()
        d.addCallbacks(lambda b: state.setdefault("ok", b), lambda f: state.setdefault("error", f))
        _wait(lambda: bool(state))
        if "error" in state:
            state["error"].raiseException()
        self.coll = bucket.default_collection()

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        if self.raw:
            return run_raw(self.coll, mode, op, batches, value, _wait)
        coll, clock, lat = self.coll, time.perf_counter_ns, []
        get, upsert = coll.get, coll.upsert
        errors: List[Any] = []
        left = [0]

        def ok(_result: Any) -> None:
            left[0] -= 1

        def failed(failure: Any) -> None:
            errors.append(failure)
            left[0] -= 1

        def done() -> bool:
            return left[0] == 0

        for batch in batches:
            t = clock()
            if mode == "query":
                left[0] = 1
                d = self.cluster.query(batch[0])
                d.addCallback(lambda result: count_rows(result.rows(), value)).addCallbacks(ok, failed)
            elif mode == "multi":
                left[0] = 1
                d = coll.get_multi(batch) if op == "get" else coll.upsert_multi(dict.fromkeys(batch, value))
                d.addCallbacks(ok, failed)
            else:
                left[0] = len(batch)
                for key in batch:
                    d = get(key) if op == "get" else upsert(key, value)
                    d.addCallbacks(ok, failed)
            if left[0]:
                _wait(done)
            lat.append(clock() - t)
            if errors:
                errors[0].raiseException()
        return lat

    def close(self) -> None:
        self.cluster.close()


if __name__ == "__main__":
    main(TxDriver)
