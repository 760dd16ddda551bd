"""Contender: this SDK's raw callback mode (AsyncResult) on the SelectorLoop reference IOPS."""
from __future__ import annotations

from typing import Any, Dict, List

from bench.contenders._measure import Driver, main
from bench.contenders._ours import options
from bench.contenders._rawloop import run_raw


class RawDriver(Driver):
    def __init__(self, spec: Dict[str, Any]) -> None:
        from couchbase.asynchronous import AsyncCluster, SelectorIOPS, SelectorLoop

        self.loop = loop = SelectorLoop()
        self.cluster = AsyncCluster(spec["connstr"], options(spec), iops_factory=lambda: SelectorIOPS(loop))
        bucket = self.cluster.bucket(spec["bucket"])
        ready = bucket.on_connect()
        state: Dict[str, Any] = {}
        ready.callback = lambda b: state.setdefault("ok", b)
        ready.errback = lambda _op, _t, exc, _tb: state.setdefault("error", exc)
        loop.run_until(lambda: bool(state), timeout=30)
        if "error" in state:
            raise state["error"]
        self.coll = bucket.default_collection()

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        return run_raw(self.coll, mode, op, batches, value, self.loop.run_until)

    def close(self) -> None:
        self.cluster.close()
        self.loop.close()


if __name__ == "__main__":
    main(RawDriver)
