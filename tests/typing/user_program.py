"""A user's program on every front end, checked by mypy --strict (tests/typing/test_typing.py).

Never run: mypy reads it. Each ``assert_type`` states the type a user's editor must see; a
wrong type is a mypy error, which fails the test.
"""
from __future__ import annotations

import asyncio
import datetime
from typing import Any, Dict, Iterator, List, NoReturn, Optional, Tuple

from opentelemetry import trace
from twisted.internet.defer import Deferred, inlineCallbacks
from typing_extensions import assert_type

import acouchbase.cluster
import acouchbase.n1ql
import gcouchbase.cluster
import txcouchbase.cluster
from couchbase import subdocument as SD
from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase.analytics import AnalyticsResult
from couchbase.asynchronous import AsyncCluster, AsyncCollection, RawRows, SelectorIOPS, SelectorLoop
from couchbase.auth import CertificateAuthenticator, PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.collection import Collection
from couchbase.diagnostics import ClusterState, ServiceType
from couchbase.durability import Durability, ServerDurability
from couchbase.exceptions import (
    CouchbaseException,
    ManagementErrorContext,
    QueryErrorContext,
    SubdocumentErrorContext,
)
from couchbase.management.buckets import BucketSettings, CreateBucketSettings
from couchbase.management.collections import CollectionSpec, CreateCollectionSettings, ScopeSpec
from couchbase.management.eventing import EventingFunction, EventingFunctionsStatus
from couchbase.management.options import (
    CreateCollectionOptions,
    CreatePrimaryQueryIndexOptions,
    GetAllQueryIndexOptions,
    GetBucketOptions,
    GetUserOptions,
    WatchQueryIndexOptions,
)
from couchbase.management.queries import QueryIndex
from couchbase.management.search import SearchIndex
from couchbase.management.users import Group, RoleAndDescription, UserAndMetadata
from couchbase.n1ql import QueryResult
from couchbase.options import (
    AnalyticsOptions,
    ClusterOptions,
    DeltaValue,
    DiagnosticsOptions,
    GetOptions,
    IncrementOptions,
    PingOptions,
    QueryOptions,
    SearchOptions,
    SignedInt64,
    UpsertOptions,
    VectorSearchOptions,
)
from couchbase.otel_tracer import CouchbaseOtelSpan, CouchbaseOtelTracer
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
    OperationResult,
    PingResult,
)
from couchbase.results import ClusterInfoResult, DiagnosticsResult
from couchbase.search import MatchAllQuery, SearchRequest, SearchResult, TermQuery
from couchbase.transcoder import RawJSONTranscoder
from couchbase.vector_search import VectorQuery, VectorQueryCombination, VectorSearch
from couchbase.views import DesignDocument, DesignDocumentNamespace
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
    otel = CouchbaseOtelTracer(trace.get_tracer("app"))
    traced = Cluster.connect("couchbase://127.0.0.1", ClusterOptions(PasswordAuthenticator("u", "p"),
                                                                     tracer=otel))
    span = otel.start_span("request")
    assert_type(span, CouchbaseOtelSpan)
    tcoll = traced.bucket("default").default_collection()
    assert_type(tcoll.get("k", GetOptions(parent_span=span)), GetResult)
    assert_type(tcoll.exists("k", parent_span=span), ExistsResult)
    assert_type(tcoll.upsert("k", 1, parent_span=span), MutationResult)
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
    certified = Cluster("couchbases://127.0.0.1", ClusterOptions(CertificateAuthenticator("c.pem", "k.pem")))
    assert_type(certified.bucket("default").default_collection().get("k"), GetResult)
    cert_auth = CertificateAuthenticator("c.pem", "k.pem", trust_store_path="ca.pem")
    assert_type(cert_auth.as_dict(), Dict[str, str])
    try:
        coll.mutate_in("k", [SD.upsert("a", 2)])
    except CouchbaseException as exc:
        if isinstance(exc.context, SubdocumentErrorContext):
            assert_type(exc.context.first_error_path, Any)
            assert_type(exc.context.deleted, bool)
        if isinstance(exc.context, (QueryErrorContext, ManagementErrorContext)):
            assert_type(exc.context.response_code, Optional[int])


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
    assert isinstance(cluster.query("SELECT 1"), acouchbase.n1ql.AsyncN1QLRequest)
    hits = cluster.bucket("default").scope("s").search_query("index", MatchAllQuery())
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


# ---- managers, data structures and the query/ping options on every front end

def blocking_managers() -> None:
    cluster = Cluster.connect("couchbase://127.0.0.1", OPTS)
    buckets = cluster.buckets()
    assert_type(buckets.get_bucket("b", GetBucketOptions(timeout=5)), BucketSettings)
    assert_type(buckets.get_all_buckets(), List[BucketSettings])
    assert_type(buckets.create_bucket(CreateBucketSettings(name="b", ram_quota_mb=100)), None)
    assert_type(cluster.users().get_user("u", GetUserOptions(domain_name="local")), UserAndMetadata)
    assert_type(cluster.users().get_roles(), List[RoleAndDescription])
    assert_type(cluster.users().get_all_users(domain_name="external", timeout=5), List[UserAndMetadata])
    indexes, analytics = cluster.query_indexes(), cluster.analytics_indexes()
    assert_type(indexes.create_primary_index("b", index_name="p", ignore_if_exists=True), None)
    assert_type(analytics.create_dataset("ds", "b", dataverse_name="dv", condition="x > 1"), None)
    assert_type(cluster.users().get_all_groups(), List[Group])
    assert_type(cluster.query_indexes().get_all_indexes("b", GetAllQueryIndexOptions(scope_name="s")),
                List[QueryIndex])
    assert_type(cluster.query_indexes().watch_indexes("b", ["i"], WatchQueryIndexOptions(timeout=10)), None)
    assert_type(cluster.search_indexes().get_index("i"), SearchIndex)
    assert_type(cluster.search_indexes().get_indexed_documents_count("i"), int)
    assert_type(cluster.eventing_functions().functions_status(), EventingFunctionsStatus)
    assert_type(cluster.analytics_indexes().get_pending_mutations(), Dict[str, int])
    assert_type(cluster.cluster_info(), ClusterInfoResult)
    bucket = cluster.bucket("b")
    assert_type(bucket.collections().get_all_scopes(), List[ScopeSpec])
    collections = bucket.collections()
    assert_type(collections.create_collection("s", "c"), None)
    assert_type(collections.create_collection("s", "c", CreateCollectionSettings(history=True)), None)
    assert_type(collections.create_collection("s", "c", CreateCollectionOptions(timeout=3)), None)
    assert_type(collections.drop_collection(CollectionSpec("c", "s")), None)
    assert_type(bucket.view_indexes().get_design_document("d", DesignDocumentNamespace.DEVELOPMENT),
                DesignDocument)
    scope = bucket.scope("s")
    assert_type(scope.search_indexes().get_all_indexes(), List[SearchIndex])
    assert_type(scope.eventing_functions().get_function("f"), EventingFunction)
    coll = scope.collection("c")
    primary = CreatePrimaryQueryIndexOptions(deferred=True)
    assert_type(coll.query_indexes().create_primary_index(primary), None)
    assert_type(coll.query_indexes().drop_primary_index(ignore_if_not_exists=True, index_name="p"), None)
    # data structures
    assert_type(coll.list_append("l", 1), OperationResult)
    assert_type(coll.map_add("m", "k", 1, create=True, expiry=60, timeout=2.5), OperationResult)
    assert_type(coll.list_get("l", 0), Any)
    assert_type(coll.map_size("m"), int)
    assert_type(coll.set_add("s", 1), Optional[OperationResult])
    assert_type(coll.set_contains("s", 1), bool)
    assert_type(coll.queue_pop("q"), Any)
    assert_type(coll.couchbase_list("l").get_all(), List[Any])
    assert_type(coll.couchbase_map("m").items(), Iterator[Tuple[str, Any]])
    assert_type(coll.couchbase_set("s").add(1), bool)
    assert_type(coll.couchbase_queue("q").push(1), None)
    # query, analytics, search, ping, diagnostics options (and positional parameters)
    assert_type(cluster.query("SELECT $1", QueryOptions(metrics=True), "a", 1, [2]), QueryResult)
    assert_type(scope.analytics_query("SELECT 1", AnalyticsOptions(readonly=True), 3), AnalyticsResult)
    assert_type(cluster.search_query("i", TermQuery("t"), SearchOptions(limit=1)), SearchResult)
    assert_type(scope.search("i", SearchRequest.create(MatchAllQuery())), SearchResult)
    vector = VectorSearch([VectorQuery("v", [0.5], num_candidates=2, prefilter=TermQuery("t"))],
                          VectorSearchOptions(vector_query_combination=VectorQueryCombination.AND))
    assert_type(cluster.search("i", SearchRequest.create(vector), SearchOptions(limit=2)), SearchResult)
    both = SearchRequest(TermQuery("t")).with_vector_search(vector)
    assert_type(both.vector_search, Optional[VectorSearch])
    assert_type(bucket.ping(PingOptions(report_id="r")), PingResult)
    assert_type(cluster.ping(datetime.timedelta(seconds=2)), PingResult)  # the earlier timeout spelling
    assert_type(cluster.ping(report_id="r", service_types=[ServiceType.KeyValue]), PingResult)
    assert_type(cluster.wait_until_ready(5, desired_state=ClusterState.Online), None)
    assert_type(cluster.diagnostics(DiagnosticsOptions(report_id="r")), DiagnosticsResult)


def gevent_managers() -> None:
    cluster = gcouchbase.cluster.Cluster("couchbase://127.0.0.1", OPTS)
    assert_type(cluster.buckets().get_bucket("b"), BucketSettings)
    assert_type(cluster.bucket("b").view_indexes().get_all_design_documents(), List[DesignDocument])
    coll = cluster.bucket("b").default_collection()
    assert_type(coll.query_indexes().get_all_indexes(), List[QueryIndex])
    assert_type(coll.map_get("m", "k"), Any)
    assert_type(coll.couchbase_map("m").exists("k"), bool)
    assert_type(cluster.query("SELECT 1", QueryOptions(), 1), gcouchbase.cluster.QueryResult)


async def asyncio_managers() -> None:
    cluster = await acouchbase.cluster.Cluster.connect("couchbase://127.0.0.1", OPTS)
    assert_type(cluster.buckets().get_bucket("b"), asyncio.Future[BucketSettings])
    assert_type(await cluster.buckets().get_all_buckets(), List[BucketSettings])
    assert_type(await cluster.users().drop_user("u"), None)
    assert_type(await cluster.query_indexes().get_all_indexes("b"), List[QueryIndex])
    assert_type(await cluster.cluster_info(), ClusterInfoResult)
    bucket = cluster.bucket("b")
    assert_type(bucket.collections().get_all_scopes(), asyncio.Future[List[ScopeSpec]])
    assert_type(await bucket.view_indexes().get_design_document("d"), DesignDocument)
    coll = bucket.scope("s").collection("c")
    assert_type(await coll.query_indexes().get_all_indexes(), List[QueryIndex])
    assert_type(coll.list_append("l", 1), asyncio.Future[OperationResult])
    assert_type(await coll.set_remove("s", 1), Optional[OperationResult])
    assert_type(await coll.couchbase_list("l").get_at(0), Any)
    assert_type(coll.couchbase_queue("q").size(), asyncio.Future[int])
    assert_type(cluster.query("SELECT 1", QueryOptions(), "p"), acouchbase.cluster.AQueryResult)
    assert_type(await bucket.ping(PingOptions()), PingResult)


def twisted_managers() -> None:
    cluster = txcouchbase.cluster.TxCluster("couchbase://127.0.0.1", OPTS)
    assert_type(cluster.buckets().get_bucket("b"), Deferred[BucketSettings])
    assert_type(cluster.users().get_group("g"), Deferred[Group])
    assert_type(cluster.bucket("b").view_indexes().drop_design_document("d"), Deferred[None])
    scope = cluster.bucket("b").scope("s")
    assert_type(scope.search_indexes().get_index_stats("i"), Deferred[Dict[str, Any]])
    coll = scope.collection("c")
    assert_type(coll.query_indexes().drop_index("i"), Deferred[None])
    assert_type(coll.queue_push("q", 1), Deferred[OperationResult])
    assert_type(coll.couchbase_set("s").values(), Deferred[List[Any]])
    assert_type(cluster.query("SELECT 1", QueryOptions(), 1), Deferred[BatchedQueryResult])
    assert_type(cluster.diagnostics(DiagnosticsOptions()), Deferred[DiagnosticsResult])


def raw_managers() -> None:
    cluster = AsyncCluster("couchbase://127.0.0.1", OPTS, iops_factory=lambda: SelectorIOPS(SelectorLoop()))
    assert_type(cluster.buckets().get_bucket("b"), AsyncResult[BucketSettings])
    assert_type(cluster.eventing_functions().get_all_functions(), AsyncResult[List[EventingFunction]])
    coll = cluster.bucket("b").default_collection()
    assert_type(coll.query_indexes().get_all_indexes(), AsyncResult[List[QueryIndex]])
    assert_type(cluster.query("SELECT 1", QueryOptions(), 1), RawRows)
    raw = txcouchbase.cluster.TxRawCluster("couchbase://127.0.0.1", OPTS)
    assert_type(raw.buckets().get_all_buckets(), AsyncResult[List[BucketSettings]])
    tx_bucket = raw.bucket("b")
    assert_type(tx_bucket, txcouchbase.cluster.TxRawBucket)
    assert_type(tx_bucket.scope("s"), txcouchbase.cluster.TxRawScope)
    tx_coll = tx_bucket.scope("s").collection("c")
    assert_type(tx_coll, txcouchbase.cluster.TxRawCollection)
    assert_type(tx_coll.upsertMulti({"a": 1}), Any)  # the camelCase multi methods of the 2.x SDK
    # the raw front ends refuse the data structures: each call raises
    assert_type(coll.list_append("l", 1), NoReturn)


def raw_data_structure_objects() -> None:
    cluster = AsyncCluster("couchbase://127.0.0.1", OPTS, iops_factory=lambda: SelectorIOPS(SelectorLoop()))
    coll = cluster.bucket("b").default_collection()
    assert_type(coll.couchbase_map("m").get_all(), NoReturn)
