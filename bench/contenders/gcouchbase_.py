"""Contender: gcouchbase (the blocking API, cooperative under gevent).

One at a time is a plain loop in the main greenlet; N in flight is N greenlets
spawned together, each doing one operation, joined with ``gevent.joinall``;
multi is one ``get_multi``/``upsert_multi`` call.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List

from bench.contenders._measure import Driver, main, skip
from bench.contenders._ours import options


class GeventDriver(Driver):
    def __init__(self, spec: Dict[str, Any]) -> None:
        try:
            import gevent
        except ImportError as exc:
            skip(f"gevent not installed ({exc}); pip install 'couchbase-cffi[gevent]'")
        try:
            from gcouchbase.cluster import Cluster
        except ImportError as exc:
            skip(f"gcouchbase not importable ({exc})")
        self.gevent = gevent
        self.cluster = Cluster(spec["connstr"], options(spec))
        self.coll = self.cluster.bucket(spec["bucket"]).default_collection()

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        coll, clock, lat = self.coll, time.perf_counter_ns, []
        spawn, joinall = self.gevent.spawn, self.gevent.joinall
        get, upsert = coll.get, coll.upsert
        for batch in batches:
            t = clock()
            if mode == "multi":
                if op == "get":
                    coll.get_multi(batch)
                else:
                    coll.upsert_multi(dict.fromkeys(batch, value))
            elif len(batch) == 1:
                if op == "get":
                    get(batch[0])
                else:
                    upsert(batch[0], value)
            else:
                lets = [spawn(get, k) for k in batch] if op == "get" else [spawn(upsert, k, value) for k in batch]
                joinall(lets, raise_error=True)
            lat.append(clock() - t)
        return lat

    def close(self) -> None:
        self.cluster.close()


if __name__ == "__main__":
    main(GeventDriver)
