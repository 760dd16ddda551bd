"""Contender: gcouchbase (the blocking API, cooperative under gevent).

Shaped like a gevent application, not like a batch API:

* one at a time: a plain loop in the main greenlet;
* N in flight: a pool of N long-lived worker greenlets (:class:`WorkerPool`), as a
  gevent server keeps its workers: started by the first ``run`` call at that depth
  (the workload's warm-up) and parked between calls, so the timed part holds no
  greenlet's birth or death, as acouchbase's holds no task's. Worker j does
  operations j, j + N, j + 2N, … one after another, so N are in flight until the
  last ones finish. Latency is per operation (``latency_per_op``), timed inside
  the worker around its call. A run at another depth, or in another mode, first
  ends the pool (untimed: a workload's warm-up and timed calls share one shape),
  so no workload carries another's parked greenlets;
* multi: one ``get_multi``/``upsert_multi`` call per batch (latency per call);
* query: ``for row in cluster.query(statement).rows()`` in the main greenlet
  (latency per query).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from bench.contenders._measure import Driver, count_rows, main, skip
from bench.contenders._ours import options


class WorkerPool:
    """``n`` worker greenlets that each run their share of every ``run`` call's keys.

    Between calls every worker waits on the event of the next call (``go``); a call
    publishes its work, sets that event and waits until the last worker has finished.
    """

    def __init__(self, gevent: Any, n: int) -> None:
        from gevent.event import Event

        self.n = n
        self.event = Event
        self.go = Event()  # set by the next run call
        self.done = Event()
        self.left = 0
        self.work: Optional[Tuple[Callable[[str], Any], List[List[str]], List[int]]] = None
        self.errors: List[BaseException] = []
        self.lets = [gevent.spawn(self._worker, j, self.go) for j in range(n)]
        self.gevent = gevent

    def _worker(self, j: int, go: Any) -> None:
        clock = time.perf_counter_ns
        while True:
            go.wait()
            go = self.go  # the event of the call after this one (run() replaced it before setting ours)
            if self.work is None:
                return
            fn, shares, lat = self.work
            record = lat.append
            try:
                for key in shares[j]:
                    t = clock()
                    fn(key)
                    record(clock() - t)
            except Exception as exc:  # noqa: BLE001 - re-raised by run() once every worker is done
                self.errors.append(exc)
            self.left -= 1
            if self.left == 0:
                self.done.set()

    def run(self, fn: Callable[[str], Any], keys: List[str]) -> List[int]:
        """Worker j runs ``fn`` on ``keys[j::n]``; returns every operation's latency (ns)."""
        lat: List[int] = []
        n = self.n
        self.work = (fn, [keys[j::n] for j in range(n)], lat)
        self.left = n
        self.done = self.event()
        go, self.go = self.go, self.event()
        go.set()
        self.done.wait()
        self.work = None
        if self.errors:
            error, self.errors = self.errors[0], []
            raise error
        return lat

    def close(self) -> None:
        self.work = None
        self.go.set()  # every worker returns
        try:
            self.gevent.joinall(self.lets, timeout=30)
        finally:
            self.gevent.killall(self.lets)


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
        self.pool: Optional[WorkerPool] = None

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        coll = self.coll
        workers = len(batches[0]) if batches and mode == "inflight" else 1
        if self.pool is not None and self.pool.n != workers:
            self.pool, pool = None, self.pool
            pool.close()
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
        if workers == 1:
            return self._one_by_one(fn, keys)
        if self.pool is None:
            self.pool = WorkerPool(self.gevent, workers)
        return self.pool.run(fn, keys)

    @staticmethod
    def _one_by_one(fn: Callable[[Any], Any], items: List[Any]) -> List[int]:
        clock, lat = time.perf_counter_ns, []
        for item in items:
            t = clock()
            fn(item)
            lat.append(clock() - t)
        return lat

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        self.cluster.close()


if __name__ == "__main__":
    main(GeventDriver)
