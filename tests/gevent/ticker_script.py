"""Run by test_gevent.py in a subprocess: monkey.patch_all() must come before every other import.

100 greenlets share one gcouchbase Cluster against a mock node adding
``--latency-ms`` to every reply, while a ticker greenlet sleeps 10 ms in a
loop and records its worst gap. Prints one JSON line: operations done,
errors, elapsed time, the ticker's worst gap, and the most operations that
were in flight at once (proof the greenlets ran concurrently).
"""
from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import gevent  # noqa: E402

from couchbase.auth import PasswordAuthenticator  # noqa: E402
from couchbase.iops import live_iops  # noqa: E402
from couchbase.options import ClusterOptions  # noqa: E402
from couchbase_mock import MockCluster  # noqa: E402
from gcouchbase.cluster import Cluster  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--greenlets", type=int, default=100)
    p.add_argument("--ops", type=int, default=5, help="operations per greenlet")
    p.add_argument("--latency-ms", type=float, default=200)
    args = p.parse_args()

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as mock:
        cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                          kv_timeout=10)
        coll = cluster.bucket("default").default_collection()
        coll.upsert("warm", 1)
        mock.set_latency(args.latency_ms)

        state = {"in_flight": 0, "max_in_flight": 0, "done": 0, "errors": 0, "worst_gap": 0.0}
        running = [True]

        def ticker() -> None:
            last = time.monotonic()
            while running[0]:
                gevent.sleep(0.01)
                now = time.monotonic()
                state["worst_gap"] = max(state["worst_gap"], now - last)
                last = now

        def worker(i: int) -> None:
            for j in range(args.ops):
                state["in_flight"] += 1
                state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
                try:
                    coll.upsert(f"g-{i}-{j}", {"i": i, "j": j})
                    assert coll.get(f"g-{i}-{j}").value == {"i": i, "j": j}
                    state["done"] += 2
                except Exception:
                    state["errors"] += 1
                finally:
                    state["in_flight"] -= 1

        tick = gevent.spawn(ticker)
        gevent.sleep(0.05)
        start = time.monotonic()
        gevent.joinall([gevent.spawn(worker, i) for i in range(args.greenlets)], raise_error=True)
        elapsed = time.monotonic() - start
        running[0] = False
        tick.join()
        mock.set_latency(0)
        cluster.close()
        gevent.sleep(0)
        state.update(elapsed=elapsed, live_iops=len(live_iops()))
    print(json.dumps(state), flush=True)


if __name__ == "__main__":
    main()
