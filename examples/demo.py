"""A short tour of couchbase-cffi against the embedded mock cluster.

Run with ``bash scripts/demo.sh`` (sets everything up), or
``python examples/demo.py`` inside the project's virtualenv.
"""
from __future__ import annotations

import datetime

import couchbase.subdocument as SD
from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import CasMismatchException, DocumentNotFoundException
from couchbase.management.collections import CreateCollectionSettings
from couchbase.options import ClusterOptions, DeltaValue, Durability, QueryOptions, SignedInt64
from couchbase_mock import MockCluster


def show(label: str, value: object) -> None:
    print(f"  {label:<34} {value}")


def main() -> None:
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        print(f"mock cluster up: {mock.connstr}")
        cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)))
        bucket = cluster.bucket("default")
        coll = bucket.default_collection()

        print("\nmanagement: what an application does at start-up")
        info = cluster.cluster_info()
        show("cluster_info server version", info.server_version_full)
        show("buckets", [b.name for b in cluster.buckets().get_all_buckets()])
        collections = bucket.collections()
        collections.create_scope("inventory")
        collections.create_collection("inventory", "airlines",
                                      CreateCollectionSettings(max_expiry=datetime.timedelta(days=30)))
        show("scopes", {s.name: [c.name for c in s.collections] for s in collections.get_all_scopes()})
        airlines = bucket.scope("inventory").collection("airlines")
        airlines.query_indexes().create_primary_index(ignore_if_exists=True)
        show("indexes on inventory.airlines",
             [(i.name, i.state) for i in airlines.query_indexes().get_all_indexes()])

        print("\nkey-value")
        res = coll.upsert("airline_10", {"name": "40-Mile Air", "country": "United States", "id": 10})
        show("upsert airline_10 -> cas", res.cas)
        show("get airline_10", coll.get("airline_10").value)
        try:
            coll.replace("airline_10", {"stale": True}, cas=res.cas + 1)
        except CasMismatchException as exc:
            show("replace with a stale CAS", type(exc).__name__)
        try:
            coll.get("no-such-key")
        except DocumentNotFoundException as exc:
            show("get a missing key", type(exc).__name__)
        show("exists airline_10", coll.exists("airline_10").exists)

        print("\nexpiry, counters, sub-document")
        coll.upsert("session", {"user": "ann"}, expiry=datetime.timedelta(minutes=5))
        show("expiry of session", coll.get("session", with_expiry=True).expiry_time)
        hits = coll.binary().increment("hits", delta=DeltaValue(1), initial=SignedInt64(100))
        show("increment hits (initial 100)", hits.content)
        show("increment hits", coll.binary().increment("hits", delta=DeltaValue(5)).content)
        coll.mutate_in("airline_10", [SD.upsert("callsign", "MILE-AIR"), SD.array_append("fleet", "B737",
                                                                                          create_parents=True)])
        look = coll.lookup_in("airline_10", [SD.get("callsign"), SD.exists("iata"), SD.count("fleet")])
        show("lookup_in callsign / iata? / fleet",
             (look.content_as[str](0), look.exists(1), look.content_as[int](2)))

        print("\nmulti operations (one pipelined batch each)")
        docs = {f"route_{i}": {"from": "SFO", "to": f"X{i:02d}"} for i in range(5)}
        show("upsert_multi 5 docs -> all_ok", coll.upsert_multi(docs).all_ok)
        got = coll.get_multi(list(docs) + ["route_missing"], return_exceptions=True)
        show("get_multi with one missing", {k: r.success for k, r in got.items()})

        print("\ndurability and replicas")
        show("upsert with Durability.MAJORITY",
             coll.upsert("durable", 1, durability=Durability.MAJORITY).success)
        show("upsert persist_to=1 replicate_to=1",
             coll.upsert("observed", 1, persist_to=1, replicate_to=1).success)
        show("get_any_replica durable", coll.get_any_replica("durable").value)

        print("\nnamed collection inventory.airlines (created above)")
        airlines.upsert("airline_20", {"name": "Texas Wings", "country": "United States"})
        airlines.upsert("airline_21", {"name": "Fjord Air", "country": "Norway"})
        show("get airline_20", airlines.get("airline_20").value)
        show("default collection has it?", coll.exists("airline_20").exists)
        rows = bucket.scope("inventory").query(
            "SELECT RAW name FROM airlines WHERE country = $1 ORDER BY name",
            QueryOptions(positional_parameters=["Norway"]))
        show("scoped query (primary index)", list(rows))

        cluster.close()
        print("\ndone")


if __name__ == "__main__":
    main()
