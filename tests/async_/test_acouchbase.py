"""acouchbase specifics: load in flight, cancellation without leaks, connection failures.

Each test runs on the default asyncio loop and on uvloop. The shared behaviour
suite (tests/kv) covers the operations themselves.
"""
from __future__ import annotations

import asyncio
import gc
import resource
import socket
import threading
import time
from typing import Any, Callable, Iterator

import pytest

from acouchbase.cluster import Cluster
from couchbase import iops as I
from couchbase._instance import live_connections
from couchbase._kv_response import AsyncResult
from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import (
    AuthenticationException,
    BucketNotFoundException,
    CouchbaseException,
    NetworkException,
    TimeoutException,
)
from couchbase.options import ClusterOptions

LOOPS = {"asyncio": asyncio.new_event_loop}
try:
    import uvloop

    LOOPS["uvloop"] = uvloop.new_event_loop
except ImportError:  # pragma: no cover - uvloop is in the dev extra
    pass


@pytest.fixture(params=list(LOOPS))
def run(request: Any) -> Iterator[Callable[[Any], Any]]:
    """Run a coroutine to completion on a fresh loop of the parametrized kind; any error
    that reached the loop's exception handler (an SDK callback failing) fails the test."""
    loop = LOOPS[request.param]()
    errors: list = []
    loop.set_exception_handler(lambda lp, context: errors.append(context))
    try:
        yield loop.run_until_complete
    finally:
        loop.close()
    assert errors == [], f"errors reached the loop's exception handler: {errors}"


def _opts(mock: Any, password: str = "") -> ClusterOptions:
    return ClusterOptions(PasswordAuthenticator(mock.username, password or mock.password))


def _live_async_results() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is AsyncResult)


def test_ten_thousand_operations_in_flight_on_one_connection(mock, run, key):
    async def main() -> None:
        async with Cluster(mock.connstr, _opts(mock), kv_timeout=20) as cluster:
            coll = cluster.bucket("default").default_collection()
            await cluster.bucket("default").on_connect()
            conn = cluster.bucket("default")._conn
            futs = [coll.upsert(f"{key}-{i}", {"i": i}) for i in range(10_000)]
            assert conn.pending_count() == 10_000  # all scheduled before any completes
            results = await asyncio.gather(*futs)
            assert all(r.success for r in results)
            got = await asyncio.gather(*[coll.get(f"{key}-{i}") for i in range(0, 10_000, 997)])
            assert [g.value["i"] for g in got] == list(range(0, 10_000, 997))
            assert conn.pending_count() == 0

    run(main())
    assert I.live_iops() == []


def test_cancelling_a_thousand_awaits_leaks_nothing(run, key):
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as slow:
        async def main() -> None:
            cluster = await Cluster.connect(slow.connstr, _opts(slow), kv_timeout=10)
            bucket = cluster.bucket("default")
            await bucket.on_connect()
            coll = bucket.default_collection()
            await coll.upsert(key, 1)
            iops = bucket._conn.iops
            watchers_before = len(iops.watchers)
            baseline = _live_async_results()
            slow.set_latency(300)
            tasks = [asyncio.ensure_future(coll.get(key)) for _ in range(1000)]
            # scheduled when called (before any reply can arrive, however loaded the machine)
            assert bucket._conn.pending_count() == 1000
            await asyncio.sleep(0.05)  # sent
            for t in tasks:
                t.cancel()
            done = await asyncio.gather(*tasks, return_exceptions=True)
            assert all(isinstance(d, asyncio.CancelledError) for d in done)
            # the late results arrive and are dropped; the loop stays healthy
            deadline = time.monotonic() + 10
            while bucket._conn.pending_count() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert bucket._conn.pending_count() == 0
            slow.set_latency(0)
            assert (await coll.get(key)).value == 1
            assert len(iops.watchers) == watchers_before
            assert _live_async_results() <= baseline, "AsyncResults of cancelled awaits are still alive"
            cluster.close()
            assert I.live_iops() == []
            assert not any(c.bucket_name == "default" and c.connstr.startswith(slow.connstr[:20])
                           for c in live_connections())

        run(main())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _with_ticker(coro: Any) -> Any:
    """Run ``coro`` next to a ticker; return (outcome, worst gap between ticks, CPU seconds used)."""
    async def main() -> Any:
        gaps = []
        stop = asyncio.Event()

        async def ticker() -> None:
            last = time.monotonic()
            while not stop.is_set():
                await asyncio.sleep(0.02)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        t = asyncio.ensure_future(ticker())
        cpu0 = _cpu()
        try:
            outcome: Any = await coro
        except BaseException as exc:  # noqa: BLE001 - returned for the test to judge
            outcome = exc
        cpu = _cpu() - cpu0
        stop.set()
        await t
        return outcome, max(gaps or [0.0]), cpu

    return main()


def test_connection_refused_is_typed_and_the_loop_keeps_running(run):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed: nothing listens here
    outcome, gap, _cpu_used = run(_with_ticker(Cluster.connect(
        f"couchbase://127.0.0.1:{port}=mcd", ClusterOptions(PasswordAuthenticator("u", "p")),
        config_total_timeout=3)))
    assert isinstance(outcome, NetworkException), outcome
    assert gap < 0.5
    assert I.live_iops() == []


def test_bad_credentials_and_unknown_bucket_are_typed(mock, run):
    async def main() -> None:
        with pytest.raises(AuthenticationException):
            await Cluster.connect(mock.connstr, _opts(mock, password="wrong"))
        cluster = await Cluster.connect(mock.connstr, _opts(mock))
        bucket = cluster.bucket("no-such-bucket")
        pending = bucket.default_collection().get("k")  # queued until the bucket connects
        with pytest.raises(BucketNotFoundException):
            await bucket.on_connect()
        with pytest.raises(BucketNotFoundException):
            await pending
        cluster.close()

    run(main())
    assert I.live_iops() == []


def test_connect_timeout_is_typed_without_busy_looping(run):
    """A server that accepts and never answers: TimeoutException after config_total_timeout,
    while the loop keeps ticking and the process stays nearly idle."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        port = server.getsockname()[1]
        started = time.monotonic()
        outcome, gap, cpu = run(_with_ticker(Cluster.connect(
            f"couchbase://127.0.0.1:{port}=mcd", ClusterOptions(PasswordAuthenticator("u", "p")),
            config_total_timeout=1.5)))
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        t.join()
        for c in accepted:
            c.close()
        server.close()
    assert isinstance(outcome, (TimeoutException, CouchbaseException)), outcome
    assert isinstance(outcome, TimeoutException) or "timeout" in str(outcome).lower(), outcome
    assert 1.0 < elapsed < 10
    assert gap < 0.5
    assert cpu < 0.5 * elapsed, f"connect used {cpu:.2f}s CPU in {elapsed:.2f}s: busy loop?"
    assert I.live_iops() == []


def test_cluster_outside_a_coroutine_uses_get_event_loop_and_does_not_touch_it(mock):
    # SDK 4.x: outside a coroutine the cluster takes acouchbase.get_event_loop()'s loop
    from acouchbase import get_event_loop

    own = asyncio.new_event_loop()
    asyncio.set_event_loop(own)
    try:
        cluster = Cluster(mock.connstr, _opts(mock))
        assert get_event_loop() is own and cluster._loop is own
        own.run_until_complete(cluster.on_connect())
        coll = cluster.bucket("default").default_collection()
        assert own.run_until_complete(coll.exists("nope")).exists is False
        cluster.close()
        assert not own.is_closed()
    finally:
        asyncio.set_event_loop(None)
        own.close()
    loop = asyncio.new_event_loop()
    try:
        async def main() -> None:
            async with Cluster(mock.connstr, _opts(mock)) as cluster:
                assert cluster.connected
                assert asyncio.get_running_loop() is loop
        loop.run_until_complete(main())
        assert not loop.is_closed()  # the user's loop is the user's
    finally:
        loop.close()
