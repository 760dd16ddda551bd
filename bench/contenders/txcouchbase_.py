"""Contender: txcouchbase on Twisted's default reactor, Deferreds (``deferred``) or raw AsyncResults (``raw``).

The harness's loop drives the reactor with ``reactor.iterate`` (a documented
ReactorBase method: run due timers, then wait for I/O) until a batch is done,
which is what ``reactor.run`` does per turn. Deferred batches are
``gatherResults`` of N Deferreds (one Deferred when N = 1); raw batches set
``callback``/``errback`` on each AsyncResult.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List

from bench.contenders._measure import Driver, main, skip
from bench.contenders._ours import options
from bench.contenders._rawloop import run_raw

try:
    from twisted.internet import defer
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
        self.raw = spec.get("variant") == "raw"
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
        get, upsert, gather = coll.get, coll.upsert, defer.gatherResults
        state: List[Any] = []
        ok = state.append

        def failed(f: Any) -> None:
            state.append(f)
            state.append(f)  # marks the batch done and remembers the failure

        for batch in batches:
            t = clock()
            del state[:]
            if mode == "multi":
                d = coll.get_multi(batch) if op == "get" else coll.upsert_multi(dict.fromkeys(batch, value))
            elif len(batch) == 1:
                d = get(batch[0]) if op == "get" else upsert(batch[0], value)
            elif op == "get":
                d = gather([get(k) for k in batch], consumeErrors=True)
            else:
                d = gather([upsert(k, value) for k in batch], consumeErrors=True)
            d.addCallbacks(ok, failed)
            if not state:
                _wait(lambda: bool(state))
            lat.append(clock() - t)
            if len(state) == 2:
                state[0].raiseException()
        return lat

    def close(self) -> None:
        self.cluster.close()


if __name__ == "__main__":
    main(TxDriver)
