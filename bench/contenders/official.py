"""Contender: the official Couchbase Python SDK 4.x, run by its own venv's python (by path).

Variants: ``blocking``, ``acouchbase``, ``txcouchbase``, each optionally
``-notrace`` (ClusterOptions ``enable_tracing=False, enable_metrics=False``;
otherwise the SDK's defaults). This file must not import anything of this
checkout except its sibling ``_measure`` (standard library only).
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _measure import Driver, main, skip  # noqa: E402


def _options(spec: Dict[str, Any]) -> Any:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.options import ClusterOptions

    kwargs: Dict[str, Any] = {}
    if spec["variant"].endswith("-notrace"):
        kwargs.update(enable_tracing=False, enable_metrics=False)
    return ClusterOptions(PasswordAuthenticator(spec["username"], spec["password"]), **kwargs)


class BlockingDriver(Driver):
    max_inflight = 1

    def __init__(self, spec: Dict[str, Any]) -> None:
        from datetime import timedelta

        from couchbase.cluster import Cluster

        self.cluster = Cluster(spec["connstr"], _options(spec))
        self.cluster.wait_until_ready(timedelta(seconds=20))
        self.coll = self.cluster.bucket(spec["bucket"]).default_collection()

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        coll, clock, lat = self.coll, time.perf_counter_ns, []
        for batch in batches:
            t = clock()
            if mode == "inflight":
                if op == "get":
                    coll.get(batch[0])
                else:
                    coll.upsert(batch[0], value)
            elif op == "get":
                res = coll.get_multi(batch)
                if not res.all_ok:
                    raise RuntimeError(f"get_multi failed: {list(res.exceptions.items())[:1]}")
            else:
                res = coll.upsert_multi(dict.fromkeys(batch, value))
                if not res.all_ok:
                    raise RuntimeError(f"upsert_multi failed: {list(res.exceptions.items())[:1]}")
            lat.append(clock() - t)
        return lat

    def close(self) -> None:
        self.cluster.close()


async def _batches(coll: Any, op: str, batches: List[List[str]], value: Any) -> List[int]:
    clock, lat, gather = time.perf_counter_ns, [], asyncio.gather
    get, upsert = coll.get, coll.upsert
    for batch in batches:
        t = clock()
        if len(batch) == 1:
            await (get(batch[0]) if op == "get" else upsert(batch[0], value))
        elif op == "get":
            await gather(*[get(k) for k in batch])
        else:
            await gather(*[upsert(k, value) for k in batch])
        lat.append(clock() - t)
    return lat


class AsyncioDriver(Driver):
    modes = ("inflight",)  # acouchbase 4.x has no multi operations

    def __init__(self, spec: Dict[str, Any]) -> None:
        from acouchbase.cluster import Cluster

        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)

        async def connect() -> Any:
            cluster = await Cluster.connect(spec["connstr"], _options(spec))
            bucket = cluster.bucket(spec["bucket"])
            await bucket.on_connect()
            return cluster, bucket.default_collection()

        self.cluster, self.coll = self.loop.run_until_complete(connect())

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        return self.loop.run_until_complete(_batches(self.coll, op, batches, value))

    def close(self) -> None:
        self.loop.run_until_complete(self.cluster.close())


class TwistedDriver(AsyncioDriver):
    """txcouchbase 4.x runs on Twisted's asyncio reactor; Deferred batches are gatherResults."""

    def __init__(self, spec: Dict[str, Any]) -> None:
        try:
            import txcouchbase  # noqa: F401 - installs the asyncio reactor, as its docs require
            from twisted.internet import defer
        except ImportError as exc:
            skip(f"official txcouchbase needs Twisted in the official SDK venv ({exc})")
        from twisted.internet import reactor
        from txcouchbase.cluster import TxCluster

        # txcouchbase 4.x insists on a running reactor; mark it running and drive its asyncio loop
        # batch by batch with run_until_complete (what reactor.run would do with run_forever).
        reactor.startRunning(installSignalHandlers=False)
        self.defer = defer
        self.loop = reactor._asyncioEventloop
        self.loop.run_until_complete(asyncio.sleep(0.01))  # lets the reactor's startup triggers run
        try:
            self.cluster = TxCluster(spec["connstr"], _options(spec))
        except RuntimeError as exc:  # its loop validator wants reactor.run() itself
            skip(f"official txcouchbase 4.x refuses to run outside reactor.run() ({exc}); "
                 "this harness drives loops batch by batch, so it is not measured yet")
        bucket = self.cluster.bucket(spec["bucket"])
        self.loop.run_until_complete(bucket.on_connect().asFuture(self.loop))
        self.coll = bucket.default_collection()

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        coll, clock, lat, loop = self.coll, time.perf_counter_ns, [], self.loop
        gather = self.defer.gatherResults
        for batch in batches:
            t = clock()
            if len(batch) == 1:
                d = coll.get(batch[0]) if op == "get" else coll.upsert(batch[0], value)
            elif op == "get":
                d = gather([coll.get(k) for k in batch], consumeErrors=True)
            else:
                d = gather([coll.upsert(k, value) for k in batch], consumeErrors=True)
            loop.run_until_complete(d.asFuture(loop))
            lat.append(clock() - t)
        return lat

    def close(self) -> None:
        self.cluster.close()


def make(spec: Dict[str, Any]) -> Driver:
    api = spec["variant"].split("-")[0]
    try:
        import couchbase

        if not getattr(couchbase, "__file__", "").count("site-packages"):
            skip(f"`couchbase` resolves to {couchbase.__file__}, not the official SDK")
    except ImportError as exc:
        skip(f"official SDK not installed ({exc})")
    return {"blocking": BlockingDriver, "acouchbase": AsyncioDriver, "txcouchbase": TwistedDriver}[api](spec)


if __name__ == "__main__":
    main(make)
