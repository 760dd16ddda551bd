"""Child of ``test_blocked_loop.py``: the blocked-loop case under ``gevent.monkey.patch_all()``.

``blocked_loop_gevent_child.py CONNSTR USER PASSWORD N``: N gets (their replies delayed by the
mock, started in another process with ``--latency-ms``) go out, then a callback of the hub blocks
it for 3 s with the real ``time.sleep``. Prints a JSON count of outcomes by label.
"""
from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # flight, and tests/ for support.frontends

import flight as F  # noqa: E402

BLOCK_S = 3.0


def main(connstr: str, user: str, password: str, n: int) -> None:
    endpoint = F.Endpoint(connstr, user, password)
    driver = F.open_driver("gevent", endpoint, kv_timeout=1.0)
    warm = [F.Op(F.UPSERT, key, 1) for key in F.keys_covering_vbuckets("blocked-gevent")]
    for _ in range(20):  # every node connected (with the mock's reply delay, negotiation takes a while)
        if all(o.ok for o in driver.run(warm, 30)):
            break
    else:
        raise AssertionError("the warm-up never fully succeeded")
    ops = [F.Op(F.GET, warm[i % len(warm)].key) for i in range(n)]
    real_sleep = monkey.get_original("time", "sleep")
    driver._ops, driver._outcomes = ops, [None] * len(ops)
    driver._started, driver._pending = [0.0] * len(ops), len(ops)
    driver._start(ops)
    driver.conn.iops.call_later(0.05, lambda: real_sleep(BLOCK_S))
    driver._drive(BLOCK_S + 10)
    counts: dict = {}
    for o in driver._outcomes:
        label = o.label if o is not None else "unresolved"
        counts[label] = counts.get(label, 0) + 1
    driver.close()
    print(json.dumps(counts))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
