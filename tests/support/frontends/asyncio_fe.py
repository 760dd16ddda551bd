"""acouchbase on the default asyncio loop and on uvloop."""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from acouchbase.cluster import Cluster
from couchbase.auth import PasswordAuthenticator
from couchbase.options import ClusterOptions

from . import BlockingView, register

WAIT = 30.0


def _asyncio_front_end(new_loop: Callable[[], asyncio.AbstractEventLoop]) -> Callable[..., Any]:
    def factory(mock: Any, bucket: str = "default", scope: str = "_default",
                collection: str = "_default", **cluster_kw: Any) -> Any:
        loop = new_loop()
        cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                          loop=loop, **{"kv_timeout": 2.5, **cluster_kw})
        coll = cluster.bucket(bucket).scope(scope).collection(collection)

        def resolve(fut: Any) -> Any:
            return loop.run_until_complete(asyncio.wait_for(fut, WAIT))

        def close() -> None:
            cluster.close()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

        def collect_rows(result: Any) -> Any:
            rows = loop.run_until_complete(asyncio.wait_for(result.execute(), WAIT))
            return rows, result.metadata()

        view = BlockingView(coll, resolve, lambda v: isinstance(v, asyncio.Future))
        view.collect_rows = collect_rows  # type: ignore[attr-defined]
        view.loop = loop  # type: ignore[attr-defined]
        view.cluster = cluster  # type: ignore[attr-defined]
        return view, close

    return factory


register("asyncio", _asyncio_front_end(asyncio.new_event_loop))

try:
    import uvloop
except ImportError:  # optional
    pass
else:
    register("uvloop", _asyncio_front_end(uvloop.new_event_loop))
