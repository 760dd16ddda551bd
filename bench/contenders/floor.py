"""Contender: the hand-written pipelined socket client (:mod:`bench.floor`), the floor.

A batch of N keys is one pipelined write and its N replies, for both modes.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List

from bench.contenders._measure import Driver, main
from bench.floor import OP_GET, OP_SET, FloorClient


class FloorDriver(Driver):
    def __init__(self, spec: Dict[str, Any]) -> None:
        self.client = FloorClient([tuple(e) for e in spec["kv_endpoints"]], spec["username"],
                                  spec["password"], spec["bucket"])

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        batch_fn, clock, lat = self.client.batch, time.perf_counter_ns, []
        opcode = OP_GET if op == "get" else OP_SET
        raw = b"" if op == "get" else ('"' + value + '"').encode()
        for batch in batches:
            t = clock()
            keys = [k.encode() for k in batch]
            if batch_fn(opcode, keys, raw):
                raise RuntimeError(f"floor: a {op} failed")
            lat.append(clock() - t)
        return lat


if __name__ == "__main__":
    main(FloorDriver)
