"""A row stream that is behind holds back only its own socket: never a key-value socket.

With ``include_docs`` libcouchbase delivers each view row when its document's KV get
completes, so the row callback runs while a KV socket is being read. A consumer that is
behind must not stop that socket: a consumer that awaits a key-value call between rows
(on the same node) would wait for a reply nobody reads, until it times out.
"""
from __future__ import annotations

import json

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.options import ClusterOptions
from couchbase.views import ViewOptions
from couchbase_mock import MockCluster
from support.views import view_capi_request

DOCS = 60


@pytest.mark.parametrize("loop_name", ["asyncio", "uvloop"])
def test_include_docs_consumer_awaiting_kv_between_rows(loop_name: str) -> None:
    import asyncio

    if loop_name == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    from acouchbase.cluster import Cluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as mock:
        mock.put_docs("default", {f"hold-{i:03d}": json.dumps({"n": i}).encode() for i in range(DOCS)})
        views = {"all": {"map": "function (doc, meta) { if (doc.n !== undefined) emit(doc.n, null); }"}}
        status, body = view_capi_request(mock, "PUT", "/default/_design/hold", {"views": views})
        assert status == 201, body

        async def consume() -> int:
            auth = PasswordAuthenticator(mock.username, mock.password)
            cluster = Cluster(mock.connstr, ClusterOptions(auth), kv_timeout=2.0)
            bucket = cluster.bucket("default")
            coll = bucket.default_collection()
            await coll.upsert("hold-warm", 1)
            result = bucket.view_query("hold", "all", ViewOptions(include_docs=True, reduce=False,
                                                                  stale=False))
            result.max_buffered_rows = 5  # behind almost at once
            n = 0
            async for row in result:
                got = await coll.get(row.id)  # a key-value call between rows, to the same node
                assert got.value == row.doc
                n += 1
            cluster.close()
            return n

        try:
            assert loop.run_until_complete(asyncio.wait_for(consume(), 60)) == DOCS
        finally:
            loop.close()
