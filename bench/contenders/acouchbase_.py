"""Contender: acouchbase on the default asyncio loop, or on uvloop (spec variant ``uvloop``).

Every batch runs inside one coroutine on the loop: N operations started with
``coll.get``/``coll.upsert`` and awaited with ``asyncio.gather`` (one ``await``
per operation when N = 1), or one ``get_multi``/``upsert_multi`` await; a
query batch is ``async for row in cluster.query(statement).rows()``.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List

from bench.contenders._measure import Driver, check_rows, main, skip
from bench.contenders._ours import base_variant, options


async def query_rows(cluster: Any, batches: List[List[str]], rows: int) -> List[int]:
    clock, lat = time.perf_counter_ns, []
    for batch in batches:
        t = clock()
        n = 0
        async for _row in cluster.query(batch[0]).rows():
            n += 1
        check_rows(n, rows)
        lat.append(clock() - t)
    return lat


async def run_batches(coll: Any, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
    clock, lat, gather = time.perf_counter_ns, [], asyncio.gather
    get, upsert = coll.get, coll.upsert
    for batch in batches:
        t = clock()
        if mode == "multi":
            if op == "get":
                await coll.get_multi(batch)
            else:
                await coll.upsert_multi(dict.fromkeys(batch, value))
        elif len(batch) == 1:
            await (get(batch[0]) if op == "get" else upsert(batch[0], value))
        elif op == "get":
            await gather(*[get(k) for k in batch])
        else:
            await gather(*[upsert(k, value) for k in batch])
        lat.append(clock() - t)
    return lat


class AcouchbaseDriver(Driver):
    modes = ("inflight", "multi", "query")

    def __init__(self, spec: Dict[str, Any]) -> None:
        if base_variant(spec) == "uvloop":
            try:
                import uvloop
            except ImportError as exc:
                skip(f"uvloop not installed ({exc}); pip install 'couchbase-cffi[uvloop]'")
            self.loop = uvloop.new_event_loop()
        else:
            self.loop = asyncio.new_event_loop()
        from acouchbase.cluster import Cluster

        async def connect() -> Any:
            cluster = Cluster(spec["connstr"], options(spec))
            bucket = cluster.bucket(spec["bucket"])
            await bucket.on_connect()
            return cluster, bucket.default_collection()

        self.cluster, self.coll = self.loop.run_until_complete(connect())

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        if mode == "query":
            return self.loop.run_until_complete(query_rows(self.cluster, batches, value))
        return self.loop.run_until_complete(run_batches(self.coll, mode, op, batches, value))

    def close(self) -> None:
        async def close() -> None:
            result = self.cluster.close()
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                await result

        self.loop.run_until_complete(close())
        self.loop.close()


if __name__ == "__main__":
    main(AcouchbaseDriver)
