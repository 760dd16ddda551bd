"""txcouchbase on the installed Twisted reactor: "twisted" (Deferreds) and "txraw" (AsyncResults).

The reactor is never ``run()`` here: ``resolve`` turns it with
``reactor.iterate`` until the Deferred fires (bounded by ``WAIT``). The
environment variable ``COUCHBASE_TEST_REACTOR`` (``select``, ``poll``,
``asyncio``) installs another reactor first; reactors can be installed once per
process, so tests/twisted runs those in subprocesses. Under the asyncio
reactor the view drives the asyncio loop itself (``run_until_complete``),
which also runs the reactor's timers and sockets.
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import Any, Callable, Optional

from twisted.internet.defer import Deferred

from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase.auth import PasswordAuthenticator
from couchbase.options import ClusterOptions

from . import BlockingView, register

WAIT = 30.0
_asyncio_loop: Optional[asyncio.AbstractEventLoop] = None


def _install_requested_reactor() -> None:
    global _asyncio_loop
    wanted = os.environ.get("COUCHBASE_TEST_REACTOR", "")
    if not wanted or "twisted.internet.reactor" in sys.modules:
        return
    if wanted == "select":
        from twisted.internet import selectreactor

        selectreactor.install()
    elif wanted == "poll":
        from twisted.internet import pollreactor

        pollreactor.install()
    elif wanted == "asyncio":
        from twisted.internet import asyncioreactor

        _asyncio_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_asyncio_loop)
        asyncioreactor.install(eventloop=_asyncio_loop)
    else:
        raise ValueError(f"COUCHBASE_TEST_REACTOR must be select, poll or asyncio, got {wanted!r}")


_install_requested_reactor()


def run_until_fired(d: Deferred, timeout: float = WAIT) -> Any:
    """Drive the reactor until ``d`` fires; return its result or raise its exception."""
    from twisted.internet import reactor

    box: list = []
    d.addBoth(box.append)
    if not box:
        if _asyncio_loop is not None:
            _asyncio_loop.run_until_complete(asyncio.wait_for(_until(box), timeout))
        else:
            deadline = time.monotonic() + timeout
            while not box:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Deferred did not fire within {timeout} s")
                due = reactor.timeout()  # type: ignore[attr-defined]
                reactor.iterate(0.05 if due is None else min(due, 0.05))  # type: ignore[attr-defined]
    value = box[0]
    if hasattr(value, "raiseException"):  # a Failure
        value.raiseException()
    return value


async def _until(box: list) -> None:
    while not box:
        await asyncio.sleep(0.001)


def turn_reactor(seconds: float = 0.0) -> None:
    """Let the reactor run for about ``seconds`` (at least one turn)."""
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    run_until_fired(deferLater(reactor, seconds, lambda: None))


def _front_end(raw: bool) -> Callable[..., Any]:
    def factory(mock: Any, bucket: str = "default", scope: str = "_default",
                collection: str = "_default", **cluster_kw: Any) -> Any:
        from txcouchbase.cluster import TxCluster, TxRawCluster

        cls = TxRawCluster if raw else TxCluster
        cluster = cls(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                      **{"kv_timeout": 2.5, **cluster_kw})
        coll = cluster.bucket(bucket).scope(scope).collection(collection)

        deferreds: dict = {}

        if raw:
            def track(pending: Any) -> Any:
                """Take over the raw handlers now (raw mode delivers each result once)."""
                deferreds[id(pending)] = (pending, cluster.defer(pending))
                return pending

            def resolve(pending: Any) -> Any:
                entry = deferreds.pop(id(pending), None)
                d = entry[1] if entry is not None else cluster.defer(pending)
                return run_until_fired(d)

            def is_pending(value: Any) -> bool:
                return isinstance(value, (AsyncResult, MultiCollector))
        else:
            def track(pending: Any) -> Any:
                return pending

            resolve = run_until_fired

            def is_pending(value: Any) -> bool:
                return isinstance(value, Deferred)

        def close() -> None:
            run_until_fired(cluster.close(), 10.0)

        if raw:
            def collect_rows(result: Any) -> Any:
                """(rows, metadata) of a raw rows object, delivered through on_rows/callback/errback."""
                rows: list = []
                d: Deferred = Deferred()
                result.on_rows = rows.extend
                result.callback = lambda meta: d.callback((rows, meta))
                result.errback = lambda res, exc_type, exc, tb: d.errback(exc)
                return run_until_fired(d)
        else:
            def collect_rows(result: Any) -> Any:
                """(rows, metadata) of the Batched*Result the Deferred fires with."""
                batch = run_until_fired(result)
                return list(batch), batch.metadata()

        view = BlockingView(coll, resolve, is_pending, track)
        view.collect_rows = collect_rows  # type: ignore[attr-defined]
        view.cluster = cluster  # type: ignore[attr-defined]
        return view, close

    return factory


register("twisted", _front_end(raw=False))
register("txraw", _front_end(raw=True))
