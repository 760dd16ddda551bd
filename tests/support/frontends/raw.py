"""Raw callback mode on the selectors reference IOPS (proves the interface alone is enough)."""
from __future__ import annotations

from typing import Any

from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase.asynchronous import AsyncCluster
from couchbase.auth import PasswordAuthenticator
from couchbase.iops import SelectorIOPS, SelectorLoop
from couchbase.options import ClusterOptions

from . import BlockingView, register

WAIT = 30.0  # a bound far above every timeout the tests set: a hang fails instead of blocking CI


def raw_front_end(mock: Any, bucket: str = "default", scope: str = "_default",
                  collection: str = "_default", **cluster_kw: Any) -> Any:
    loop = SelectorLoop()
    cluster = AsyncCluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                           iops_factory=lambda: SelectorIOPS(loop), **{"kv_timeout": 2.5, **cluster_kw})
    coll = cluster.bucket(bucket).scope(scope).collection(collection)

    tracked: dict = {}

    def track(pending: Any) -> Any:
        """Attach handlers now (raw mode delivers each result once, when it arrives)."""
        box: list = []
        pending.callback = lambda result: box.append((True, result))
        pending.errback = lambda op, exc_type, exc, tb: box.append((False, exc))
        tracked[id(pending)] = (pending, box)
        return pending

    def resolve(pending: Any) -> Any:
        _, box = tracked.pop(id(pending), None) or tracked.pop(id(track(pending)))
        loop.run_until(lambda: bool(box), WAIT)
        ok, value = box[0]
        if not ok:
            raise value
        return value

    def close() -> None:
        cluster.close()
        loop.run_once(0)
        loop.close()

    def collect_rows(result: Any) -> Any:
        """(rows, metadata) of a streaming request, delivered through on_rows/callback/errback."""
        rows: list = []
        box: list = []
        result.on_rows = rows.extend
        result.callback = lambda meta: box.append((True, meta))
        result.errback = lambda res, exc_type, exc, tb: box.append((False, exc))
        loop.run_until(lambda: bool(box), WAIT)
        ok, value = box[0]
        if not ok:
            raise value
        return rows, value

    view = BlockingView(coll, resolve, lambda v: isinstance(v, (AsyncResult, MultiCollector)), track)
    view.collect_rows = collect_rows  # type: ignore[attr-defined]
    view.loop = loop  # type: ignore[attr-defined]
    view.cluster = cluster  # type: ignore[attr-defined]
    return view, close


register("raw", raw_front_end)
