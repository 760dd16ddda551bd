"""Contender: this SDK's blocking API (libcouchbase's own loop, ``lcb_wait``).

Supports one operation at a time, ``get_multi``/``upsert_multi`` and query
rows (``for row in cluster.query(statement).rows()``); N independent
operations in flight need an event loop, so those are skipped.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List

from bench.contenders._measure import Driver, count_rows, main
from bench.contenders._ours import options


class BlockingDriver(Driver):
    modes = ("inflight", "multi", "query")
    max_inflight = 1

    def __init__(self, spec: Dict[str, Any]) -> None:
        from couchbase.cluster import Cluster

        self.cluster = Cluster(spec["connstr"], options(spec))
        self.coll = self.cluster.bucket(spec["bucket"]).default_collection()

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        coll, clock, lat = self.coll, time.perf_counter_ns, []
        if mode == "query":
            for batch in batches:
                t = clock()
                count_rows(self.cluster.query(batch[0]).rows(), value)
                lat.append(clock() - t)
        elif mode == "inflight":
            fn = coll.get if op == "get" else (lambda k: coll.upsert(k, value))
            for batch in batches:
                t = clock()
                fn(batch[0])
                lat.append(clock() - t)
        elif op == "get":
            for batch in batches:
                t = clock()
                coll.get_multi(batch)
                lat.append(clock() - t)
        else:
            for batch in batches:
                docs = dict.fromkeys(batch, value)
                t = clock()
                coll.upsert_multi(docs)
                lat.append(clock() - t)
        return lat

    def close(self) -> None:
        self.cluster.close()


if __name__ == "__main__":
    main(BlockingDriver)
