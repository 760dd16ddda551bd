"""``start_node`` brings back a node failed over with ``mode="hang"``: it answers again.

Before the fix, ``start_node`` only restarted a node that was not running; a hung node is running
(its sockets stay open), so it rejoined the map still swallowing every KV request and every
operation routed to it timed out.
"""
from __future__ import annotations

from datetime import timedelta

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions
from couchbase_mock import MockCluster


def test_start_node_ends_a_hang() -> None:
    with MockCluster(nodes=3, replicas=1) as mock:
        opts = ClusterOptions(PasswordAuthenticator(mock.username, mock.password))
        with Cluster(mock.connstr, opts) as cluster:
            coll = cluster.bucket("default").default_collection()
            keys = [f"hung-{i}" for i in range(32)]
            for key in keys:
                coll.upsert(key, {"key": key})
            mock.failover(1, mode="hang")
            assert mock.info()["nodes"][1]["hung"] is True
            mock.start_node(1)
            node = mock.info()["nodes"][1]
            assert (node["hung"], node["failed_over"], node["running"]) == (False, False, True)
            on_node1 = [k for k in keys if mock.vbucket_owners("default", k)[0] == 1]
            assert on_node1, "no key is active on node 1 after the rebalance"
            for key in on_node1:
                assert coll.get(key, timeout=timedelta(seconds=5)).content_as[dict] == {"key": key}
