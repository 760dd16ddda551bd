"""Child process of test_logging.py: signals arriving during blocking operations."""
from __future__ import annotations

import signal

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions
from couchbase_mock import MockCluster

ticks = [0]
signal.signal(signal.SIGALRM, lambda *_: ticks.__setitem__(0, ticks[0] + 1))
with MockCluster(nodes=1, latency_ms=20) as mock:
    cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)))
    coll = cluster.bucket("default").default_collection()
    signal.setitimer(signal.ITIMER_REAL, 0.003, 0.003)
    for i in range(30):
        coll.upsert(f"k{i}", i)
    signal.setitimer(signal.ITIMER_REAL, 0)
    assert ticks[0] > 10 and coll.get("k29").value == 29
    print("ok", flush=True)

    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.005)
    try:
        for i in range(1000):
            coll.upsert(f"j{i}", i)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
    cluster.close()
    print("closed", flush=True)
