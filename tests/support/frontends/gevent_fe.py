"""gcouchbase: its collection already blocks (the calling greenlet), so it is its own blocking view.

The tests run in the main greenlet; each call parks it and the hub runs the
loop until the result arrives. ``resolve`` (for batch placeholders) waits the
same way.
"""
from __future__ import annotations

from typing import Any

from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase.auth import PasswordAuthenticator
from couchbase.options import ClusterOptions

from . import BlockingView, register


def gevent_front_end(mock: Any, bucket: str = "default", scope: str = "_default",
                     collection: str = "_default", **cluster_kw: Any) -> Any:
    from gcouchbase.cluster import Cluster, wait

    cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                      **{"kv_timeout": 2.5, **cluster_kw})
    coll = cluster.bucket(bucket).scope(scope).collection(collection)

    def resolve(value: Any) -> Any:
        if isinstance(value, (AsyncResult, MultiCollector)):
            return wait(value)
        return value

    def close() -> None:
        cluster.close()
        import gevent

        gevent.sleep(0)  # one loop turn: watchers and timers released

    def collect_rows(result: Any) -> Any:
        """(rows, metadata): iterate as the blocking API does (the main greenlet parks between rows)."""
        rows = list(result)
        return rows, result.metadata()

    view = BlockingView(coll, resolve, lambda value: False)
    view.collect_rows = collect_rows  # type: ignore[attr-defined]
    view.cluster = cluster  # type: ignore[attr-defined]
    return view, close


try:
    from gevent import get_hub  # noqa: F401 - a plain "import gevent" can find the tests/gevent folder
except ImportError:  # optional dependency: the front end is left out
    raise ModuleNotFoundError("gevent", name="gevent") from None

register("gevent", gevent_front_end)
