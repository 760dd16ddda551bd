"""A user's program on every front end, checked by mypy --strict (tests/typing/test_typing.py).

Never run: mypy reads it. Each ``assert_type`` states the type a user's editor must see; a
wrong type is a mypy error, which fails the test.
"""
from __future__ import annotations

import asyncio
import datetime
from typing import Any, Dict, List

from twisted.internet.defer import Deferred, inlineCallbacks
from typing_extensions import assert_type

import acouchbase.cluster
import gcouchbase.cluster
import txcouchbase.cluster
from couchbase import subdocument as SD
from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase.asynchronous import AsyncCluster, AsyncCollection, RawRows, SelectorIOPS, SelectorLoop
from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.collection import Collection
from couchbase.durability import Durability, ServerDurability
from couchbase.n1ql import QueryResult
from couchbase.options import (
    ClusterOptions,
    DeltaValue,
    GetOptions,
    IncrementOptions,
    SignedInt64,
    UpsertOptions,
)
from couchbase.result import (
    CounterResult,
    ExistsResult,
    GetReplicaResult,
    GetResult,
    LookupInReplicaResult,
    LookupInResult,
    MultiGetResult,
    MultiMutationResult,
    MutateInResult,
    MutationResult,
    PingResult,
)
from couchbase.transcoder import RawJSONTranscoder
from txcouchbase.rows import BatchedQueryResult

OPTS = ClusterOptions(PasswordAuthenticator("Administrator", "password"))


def blocking() -> None:
    cluster = Cluster.connect("couchbase://127.0.0.1", OPTS)
    coll = cluster.bucket("default").scope("_default").collection("_default")
    assert_type(coll, Collection)
    res = coll.get("k", GetOptions(timeout=datetime.timedelta(seconds=1)), with_expiry=True)
    assert_type(res, GetResult)
    assert_type(res.content_as[dict], Dict[Any, Any])
    assert_type(res.content_as[str], str)
    assert_type(res.content_as[lambda v: len(v)], int)
    assert_type(res.expiry_time, "datetime.datetime | None")
    assert_type(coll.upsert("k", {"a": 1}, UpsertOptions(expiry=datetime.timedelta(hours=1))), MutationResult)
    majority = ServerDurability(Durability.MAJORITY)
    assert_type(coll.insert("k", 1, expiry=60, durability=majority), MutationResult)
    assert_type(coll.replace("k", 1, cas=res.cas, transcoder=RawJSONTranscoder()), MutationResult)
    assert_type(coll.remove("k"), MutationResult)
    assert_type(coll.exists("k").exists, bool)
    assert_type(coll.exists("k"), ExistsResult)
    assert_type(coll.get_and_lock("k", 10), GetResult)
    assert_type(coll.get_any_replica("k"), GetReplicaResult)
    assert_type(coll.get_all_replicas("k"), List[GetReplicaResult])
    assert_type(coll.binary().increment("c", IncrementOptions(initial=SignedInt64(0))), CounterResult)
    assert_type(coll.binary().decrement("c", delta=DeltaValue(2)), CounterResult)
    assert_type(coll.lookup_in_any_replica("k", [SD.get("a")]), LookupInReplicaResult)
    assert_type(coll.lookup_in_all_replicas("k", [SD.get("a")]), List[LookupInReplicaResult])
    assert_type(coll.increment("c", delta=2).content, int)
    assert_type(coll.lookup_in("k", [SD.get("a")]), LookupInResult)
    assert_type(coll.lookup_in("k", [SD.get("a")]).content_as[int](0), int)
    assert_type(coll.mutate_in("k", [SD.upsert("a", 2)]), MutateInResult)
    assert_type(coll.get_multi(["a", "b"]), MultiGetResult)
    assert_type(coll.upsert_multi({"a": 1, "b": 2}, expiry=10), MultiMutationResult)
    assert_type(cluster.ping(), PingResult)
    assert_type(cluster.query("SELECT 1"), QueryResult)
    for row in cluster.query("SELECT 1"):
        print(row)


async def asyncio_front_end() -> None:
    cluster = await acouchbase.cluster.Cluster.connect("couchbase://127.0.0.1", OPTS)
    coll = cluster.bucket("default").default_collection()
    assert_type(coll, acouchbase.cluster.Collection)
    assert_type(coll.get("k"), asyncio.Future[GetResult])
    res = await coll.get("k")
    assert_type(res, GetResult)
    assert_type(res.content_as[dict], Dict[Any, Any])
    assert_type(await coll.upsert("k", 1), MutationResult)
    assert_type(await coll.binary().append("k", b"x"), MutationResult)
    assert_type(await coll.lookup_in_any_replica("k", [SD.get("a")]), LookupInReplicaResult)
    assert_type(await coll.get_multi(["a"]), MultiGetResult)
    assert_type(await cluster.ping(), PingResult)
    assert_type(await cluster.bucket("default").on_connect(), acouchbase.cluster.Bucket)
    async for row in cluster.query("SELECT 1"):
        print(row)
    assert_type(cluster.query("SELECT 1"), acouchbase.cluster.AQueryResult)
    hits = cluster.bucket("default").scope("s").search_query("index", None)
    assert_type(hits, acouchbase.cluster.ASearchResult)
    assert_type(hits.facets(), Dict[str, Any])
    await cluster.close()


def twisted_front_end() -> None:
    cluster = txcouchbase.cluster.TxCluster("couchbase://127.0.0.1", OPTS)
    coll = cluster.bucket("default").default_collection()
    assert_type(coll, txcouchbase.cluster.TxCollection)
    d = coll.get("k")
    assert_type(d, Deferred[GetResult])
    assert_type(coll.upsert("k", 1), Deferred[MutationResult])
    assert_type(d.addCallback(lambda r: r.content_as[int]), Deferred[int])
    assert_type(cluster.query("SELECT 1"), Deferred[BatchedQueryResult])
    assert_type(cluster.on_connect(), Deferred[txcouchbase.cluster.TxCluster])
    assert_type(cluster.bucket("default").ping(), Deferred[PingResult])

    @inlineCallbacks
    def chain() -> Any:
        res = yield coll.get("k")
        return res


def raw_front_end() -> None:
    cluster = AsyncCluster("couchbase://127.0.0.1", OPTS, iops_factory=lambda: SelectorIOPS(SelectorLoop()))
    coll = cluster.bucket("default").default_collection()
    assert_type(coll, AsyncCollection)
    op = coll.get("k")
    assert_type(op, AsyncResult[GetResult])
    op.callback = lambda result: print(result.content_as[str].upper())
    assert_type(op.outcome(), GetResult)
    assert_type(coll.get_multi(["a"]), MultiCollector[MultiGetResult])
    assert_type(cluster.on_connect(), AsyncResult[AsyncCluster])
    assert_type(cluster.query("SELECT 1"), RawRows)
    raw = txcouchbase.cluster.TxRawCluster("couchbase://127.0.0.1", OPTS)
    assert_type(raw.bucket("default").default_collection().upsert("k", 1), AsyncResult[MutationResult])


def gevent_front_end() -> None:
    cluster = gcouchbase.cluster.Cluster("couchbase://127.0.0.1", OPTS)
    coll = cluster.bucket("default").default_collection()
    assert_type(coll, gcouchbase.cluster.Collection)
    assert_type(coll.get("k"), GetResult)
    assert_type(coll.get("k").content_as[dict], Dict[Any, Any])
    assert_type(coll.counter("c", 1), CounterResult)
    assert_type(cluster.ping(), PingResult)
    assert_type(cluster.query("SELECT 1"), gcouchbase.cluster.QueryResult)
