"""Contender: gcouchbase (the blocking API, cooperative under gevent).

Shaped like a gevent application, not like a batch API:

* one at a time: a plain loop in the main greenlet;
* N in flight: N long-lived worker greenlets, started once per ``run`` call
  (their spawn is inside the timed part, spread over that call's operations),
  worker j doing operations j, j + N, j + 2N, … one after another, so N are in
  flight until the last ones finish. Latency is per operation
  (``latency_per_op``), timed inside the worker around its call;
* multi: one ``get_multi``/``upsert_multi`` call per batch (latency per call);
* query: ``for row in cluster.query(statement).rows()`` in the main greenlet
  (latency per query).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List

from bench.contenders._measure import Driver, count_rows, main, skip
from bench.contenders._ours import options


class GeventDriver(Driver):
    modes = ("inflight", "multi", "query")
    latency_per_op = True

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
        coll = self.coll
        if mode == "query":
            cluster = self.cluster
            return self._one_by_one(lambda stmt: count_rows(cluster.query(stmt).rows(), value),
                                    [batch[0] for batch in batches])
        if mode == "multi":
            multi = coll.get_multi if op == "get" else (
                lambda keys: coll.upsert_multi(dict.fromkeys(keys, value)))
            return self._one_by_one(multi, batches)
        fn = coll.get if op == "get" else (lambda key: coll.upsert(key, value))
        keys = [key for batch in batches for key in batch]
        workers = len(batches[0]) if batches else 1
        if workers == 1:
            return self._one_by_one(fn, keys)
        return self._workers(fn, keys, workers)

    @staticmethod
    def _one_by_one(fn: Callable[[Any], Any], items: List[Any]) -> List[int]:
        clock, lat = time.perf_counter_ns, []
        for item in items:
            t = clock()
            fn(item)
            lat.append(clock() - t)
        return lat

    def _workers(self, fn: Callable[[str], Any], keys: List[str], n: int) -> List[int]:
        """``n`` greenlets share ``keys`` (worker j takes every n-th from j); latencies of every op."""
        clock, lat = time.perf_counter_ns, []
        record = lat.append

        def worker(share: List[str]) -> None:
            for key in share:
                t = clock()
                fn(key)
                record(clock() - t)

        lets = [self.gevent.spawn(worker, keys[j::n]) for j in range(n)]
        try:
            self.gevent.joinall(lets, raise_error=True)
        finally:
            self.gevent.killall(lets)  # after a failure, the other workers stop too
        return lat

    def close(self) -> None:
        self.cluster.close()


if __name__ == "__main__":
    main(GeventDriver)
