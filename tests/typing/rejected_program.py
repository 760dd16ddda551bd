"""Mistakes mypy must reject (tests/typing/test_typing.py).

Every line marked ``# rejected: <code>`` must draw a mypy error with that code, and no other
line may draw one: the test fails if mypy accepts a marked line.
"""
from __future__ import annotations

import acouchbase.cluster
import gcouchbase.cluster
import txcouchbase.cluster
from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.management.options import (
    CreateBucketOptions,
    DropUserOptions,
    GetAllQueryIndexOptions,
    GetBucketOptions,
    GetUserOptions,
)
from couchbase.options import (
    ClusterOptions,
    GetOptions,
    LookupInOptions,
    PingOptions,
    QueryOptions,
    UpsertOptions,
)
from couchbase.result import GetResult
from couchbase.search import MatchAllQuery

OPTS = ClusterOptions(PasswordAuthenticator("Administrator", "password"))


def blocking() -> None:
    coll = Cluster("couchbase://127.0.0.1", OPTS).bucket("default").default_collection()
    coll.get(123)  # rejected: arg-type
    coll.upsert("k", 1, expiry="soon")  # rejected: arg-type
    coll.upsert("k", 1, expiry_time=10)  # rejected: call-arg
    coll.get("k", UpsertOptions())  # rejected: arg-type
    coll.upsert("k", 1, GetOptions())  # rejected: arg-type
    GetOptions(timeout="1s")  # rejected: arg-type
    UpsertOptions(with_expiry=True)  # rejected: call-arg
    coll.get("k").content_as[dict].upper()  # rejected: attr-defined
    coll.get("k").value.anything  # an Any: accepted
    coll.touch("k", expiry="tomorrow")  # rejected: arg-type
    coll.binary().increment("c", delta=5)  # rejected: arg-type
    coll.lookup_in_any_replica("k", [], LookupInOptions())  # rejected: arg-type


async def asyncio_front_end() -> None:
    cluster = await acouchbase.cluster.Cluster.connect("couchbase://127.0.0.1", OPTS)
    coll = cluster.bucket("default").default_collection()
    coll.get("k").content_as[dict]  # rejected: attr-defined
    res: GetResult = coll.get("k")  # rejected: assignment
    print(res)
    coll.get(b"k")  # rejected: arg-type


async def blocking_awaited() -> None:
    coll = gcouchbase.cluster.Cluster("couchbase://127.0.0.1", OPTS).bucket("b").default_collection()
    await coll.get("k")  # rejected: misc


def twisted_front_end() -> None:
    coll = txcouchbase.cluster.TxCluster("couchbase://127.0.0.1", OPTS).bucket("b").default_collection()
    coll.get("k").value  # rejected: attr-defined
    coll.upsert("k", 1, durability="majority")  # rejected: arg-type


def managers_and_options() -> None:
    cluster = Cluster("couchbase://127.0.0.1", OPTS)
    cluster.buckets().get_bucket("b", CreateBucketOptions())  # rejected: arg-type
    cluster.users().get_user("u", DropUserOptions())  # rejected: arg-type
    cluster.query_indexes().create_index("b", "i", ["a"], GetAllQueryIndexOptions())  # rejected: arg-type
    cluster.buckets().get_bucket("b").upper()  # rejected: attr-defined
    cluster.buckets().drop_bucket(7)  # rejected: arg-type
    collections = cluster.bucket("b").collections()
    collections.drop_collection("s", "c", CreateBucketOptions())  # rejected: call-overload
    cluster.buckets().get_bucket("b", timeout="soon")  # rejected: arg-type
    GetBucketOptions(timeout="1s")  # rejected: arg-type
    GetUserOptions(domain_name=7)  # rejected: arg-type
    cluster.users().get_user("u", domain="local")  # rejected: call-arg
    cluster.buckets().get_bucket("b", domain_name="local")  # rejected: call-arg
    coll_indexes = cluster.bucket("b").default_collection().query_indexes()
    coll_indexes.get_all_indexes(scope_name="s")  # rejected: call-arg
    cluster.query_indexes().create_index("b", "i", ["a"], deferred="yes")  # rejected: arg-type
    cluster.query("SELECT 1", GetOptions())  # rejected: arg-type
    cluster.ping(QueryOptions())  # rejected: arg-type
    cluster.diagnostics(PingOptions())  # rejected: arg-type
    cluster.ping(report="r")  # rejected: call-arg
    cluster.wait_until_ready("5s")  # rejected: arg-type
    cluster.bucket("b").default_collection().list_size("l").bit_length()  # an int: accepted
    cluster.bucket("b").default_collection().set_contains("s", 1).cas  # rejected: attr-defined
    cluster.bucket("b").default_collection().queue_push("q", 1, expiry="soon")  # rejected: arg-type
    cluster.bucket("b").default_collection().list_append("l", 1, timout=5)  # rejected: call-arg


async def asyncio_managers() -> None:
    cluster = await acouchbase.cluster.Cluster.connect("couchbase://127.0.0.1", OPTS)
    cluster.buckets().get_bucket("b").ram_quota_mb  # rejected: attr-defined
    settings = await cluster.buckets().get_bucket("b")
    settings.no_such_setting  # rejected: attr-defined
    cluster.bucket("b").default_collection().couchbase_list("l").get_at(0).upper()  # rejected: attr-defined
    cluster.search_query("i", MatchAllQuery(), QueryOptions())  # rejected: arg-type
    cluster.search_query("i", "a query string")  # rejected: arg-type


def twisted_managers() -> None:
    cluster = txcouchbase.cluster.TxCluster("couchbase://127.0.0.1", OPTS)
    cluster.query_indexes().get_all_indexes("b")[0]  # rejected: index
    raw = txcouchbase.cluster.TxRawCluster("couchbase://127.0.0.1", OPTS)
    raw.bucket("b").default_collection().upsertMulti({"a": 1}).anything  # an Any: accepted
    raw.buckets().get_bucket("b").ram_quota_mb  # rejected: attr-defined
