"""Contender: the official Couchbase Python SDK 4.x, run by its own venv's python (by path).

Variants: ``blocking``, ``acouchbase``, ``txcouchbase``, each optionally
``-notrace`` (ClusterOptions ``enable_tracing=False, enable_metrics=False``;
otherwise the SDK's defaults). This file must not import anything of this
checkout except its sibling ``_measure`` (standard library only).

``blocking`` and ``acouchbase`` are driven batch by batch (``_measure.main``);
``txcouchbase`` refuses to run outside ``reactor.run()``, so its whole session
runs as one coroutine inside it (``_measure.main_async``, :class:`TwistedDriver`).
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any, Awaitable, Callable, Dict, List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _measure import AsyncDriver, Driver, check_rows, count_rows, main, main_async, read_spec, skip  # noqa: E402


def _options(spec: Dict[str, Any]) -> Any:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.options import ClusterOptions

    kwargs: Dict[str, Any] = {}
    if spec["variant"].endswith("-notrace"):
        kwargs.update(enable_tracing=False, enable_metrics=False)
    return ClusterOptions(PasswordAuthenticator(spec["username"], spec["password"]), **kwargs)


class BlockingDriver(Driver):
    modes = ("inflight", "multi", "query")
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
            if mode == "query":
                count_rows(self.cluster.query(batch[0]).rows(), value)
            elif mode == "inflight":
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


async def _query_rows(cluster: Any, batches: List[List[str]], rows: int) -> List[int]:
    clock, lat = time.perf_counter_ns, []
    for batch in batches:
        t = clock()
        n = 0
        async for _row in cluster.query(batch[0]).rows():
            n += 1
        check_rows(n, rows)
        lat.append(clock() - t)
    return lat


class AsyncioDriver(Driver):
    modes = ("inflight", "query")  # acouchbase 4.x has no multi operations

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
        if mode == "query":
            return self.loop.run_until_complete(_query_rows(self.cluster, batches, value))
        return self.loop.run_until_complete(_batches(self.coll, op, batches, value))

    def close(self) -> None:
        self.loop.run_until_complete(self.cluster.close())


class TwistedDriver(AsyncDriver):
    """txcouchbase 4.x on Twisted's asyncio reactor, measured inside ``reactor.run()`` (its loop check
    refuses anything else): the whole session is one coroutine (see ``_measure.main_async``).

    Batches have the shape of this SDK's ``tx-deferred`` contender: every operation's Deferred gets
    ``addCallbacks(ok, failed)`` that count completions down (no DeferredList/gatherResults); the
    coroutine awaits one Deferred per batch, fired by the last completion.
    """

    modes = ("inflight", "query")  # txcouchbase 4.x has no multi operations

    def __init__(self, cluster: Any, coll: Any) -> None:
        self.cluster, self.coll = cluster, coll

    @classmethod
    async def connect(cls, spec: Dict[str, Any]) -> "TwistedDriver":
        from txcouchbase.cluster import TxCluster

        cluster = TxCluster(spec["connstr"], _options(spec))
        bucket = cluster.bucket(spec["bucket"])
        await bucket.on_connect()
        return cls(cluster, bucket.default_collection())

    async def run(  # type: ignore[override]
            self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        from twisted.internet.defer import Deferred

        coll, clock, lat = self.coll, time.perf_counter_ns, []
        if mode == "query":  # the Deferred fires with the result; its rows are iterated
            for batch in batches:
                t = clock()
                result = await self.cluster.query(batch[0])
                count_rows(result.rows(), value)
                lat.append(clock() - t)
            return lat
        get, upsert = coll.get, coll.upsert
        left, errors, waiter = [0], [], [Deferred()]  # waiter[0]: the current batch's Deferred

        def ok(_result: Any) -> None:
            left[0] -= 1
            if not left[0]:
                waiter[0].callback(None)

        def failed(failure: Any) -> None:
            errors.append(failure)
            ok(None)

        for batch in batches:
            t = clock()
            left[0] = len(batch)
            waiter[0] = done = Deferred()
            for key in batch:
                d = get(key) if op == "get" else upsert(key, value)
                d.addCallbacks(ok, failed)
            await done
            lat.append(clock() - t)
            if errors:
                errors[0].raiseException()
        return lat

    async def close(self) -> None:  # type: ignore[override]
        await self.cluster.close()


def run_in_reactor(session: Callable[[], Awaitable[None]]) -> None:
    """Run ``session`` as the only job of ``reactor.run()``; re-raise its failure afterwards."""
    from twisted.internet import defer, reactor
    from twisted.python.failure import Failure

    outcome: List[Any] = []

    def start() -> None:
        d = defer.ensureDeferred(session())
        d.addBoth(outcome.append)
        d.addBoth(lambda _: reactor.stop())

    # callLater, not callWhenRunning: startup triggers fire before the asyncio loop runs, and the SDK
    # checks loop.is_running().
    reactor.callLater(0, start)
    reactor.run()
    if not outcome:
        raise RuntimeError("reactor stopped before the session finished")
    if isinstance(outcome[0], Failure):
        outcome[0].raiseException()


def _twisted_main() -> None:
    try:
        import twisted.internet.defer  # noqa: F401

        import txcouchbase  # noqa: F401 - installs the asyncio reactor, as its docs require
    except ImportError as exc:
        skip(f"official txcouchbase needs Twisted in the official SDK venv ({exc}); "
             "recreate it with tests/support/official_sdk.py, which installs it")
    main_async(TwistedDriver.connect, run_in_reactor)


def _check_official() -> None:
    try:
        import couchbase

        if not getattr(couchbase, "__file__", "").count("site-packages"):
            skip(f"`couchbase` resolves to {couchbase.__file__}, not the official SDK")
    except ImportError as exc:
        skip(f"official SDK not installed ({exc})")


def _api(spec: Dict[str, Any]) -> str:
    return spec["variant"].split("-")[0]


def make(spec: Dict[str, Any]) -> Driver:
    api = _api(spec)
    return {"blocking": BlockingDriver, "acouchbase": AsyncioDriver}[api](spec)


if __name__ == "__main__":
    _check_official()
    if _api(read_spec()) == "txcouchbase":
        _twisted_main()
    else:
        main(make)
