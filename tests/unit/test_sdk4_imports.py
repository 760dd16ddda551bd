"""The SDK 4.x (and 3.x) import paths that code written for the official SDK uses resolve here."""

from __future__ import annotations

import importlib

import pytest

PATHS = {
    "couchbase.result": [
        "GetResult",
        "MutationResult",
        "MultiGetResult",
        "MultiMutationResult",
        "MultiCounterResult",
        "MultiExistsResult",
        "MultiGetReplicaResult",
        "CounterResult",
        "ExistsResult",
        "GetReplicaResult",
        "LookupInResult",
        "MutateInResult",
        "MutationToken",
        "PingResult",
        "DiagnosticsResult",
        "ClusterInfoResult",
        "QueryResult",
        "SearchResult",
        "AnalyticsResult",
        "ViewResult",
        "OperationResult",
    ],
    "couchbase.durability": [
        "ServerDurability",
        "ClientDurability",
        "DurabilityLevel",
        "Durability",
        "PersistTo",
        "PersistToExtended",
        "ReplicateTo",
    ],
    "couchbase.diagnostics": [
        "ServiceType",
        "PingState",
        "ClusterState",
        "EndpointState",
        "EndpointPingReport",
    ],
    "couchbase.mutation_state": ["MutationState"],
    "couchbase.replica_reads": ["ReadPreference"],
    "couchbase.serializer": ["DefaultJsonSerializer", "Serializer"],
    "couchbase.constants": ["FMT_JSON", "FMT_BYTES", "FMT_UTF8"],
    "couchbase.options": [
        "ClusterOptions",
        "ClusterTimeoutOptions",
        "PingOptions",
        "DiagnosticsOptions",
        "WaitUntilReadyOptions",
        "GetMultiOptions",
        "UpsertMultiOptions",
        "IncrementMultiOptions",
        "AppendMultiOptions",
        "LockMultiOptions",
        "DeltaValue",
        "SignedInt64",
        "UnsignedInt64",
        "QueryOptions",
        "SearchOptions",
        "AnalyticsOptions",
        "ViewOptions",
        "TLSVerifyMode",
        "KnownConfigProfiles",
        "LookupInAnyReplicaOptions",
    ],
    "couchbase.subdocument": [
        "StoreSemantics",
        "LookupInMacro",
        "MutationMacro",
        "ArrayValues",
        "get",
        "upsert",
    ],
    "couchbase.search": ["MatchOperator", "MatchQuery", "TermFacet", "HighlightStyle", "SearchFacetResult"],
    "couchbase.n1ql": ["QueryScanConsistency", "QueryProfile", "QueryStatus", "QueryMetrics", "QueryWarning"],
    "couchbase.analytics": ["AnalyticsScanConsistency", "AnalyticsStatus", "AnalyticsMetrics"],
    "couchbase.views": ["ViewScanConsistency", "ViewOrdering", "ViewErrorMode"],
    "couchbase.management.views": ["DesignDocument", "View", "DesignDocumentNamespace"],
    "couchbase.management.analytics": [
        "AnalyticsEncryptionLevel",
        "AnalyticsLinkType",
        "CouchbaseAnalyticsEncryptionSettings",
        "CouchbaseRemoteAnalyticsLink",
        "S3ExternalAnalyticsLink",
        "AzureBlobExternalAnalyticsLink",
    ],
    "couchbase.datastructures": ["CouchbaseList", "CouchbaseMap", "CouchbaseSet", "CouchbaseQueue"],
    "couchbase.auth": ["PasswordAuthenticator", "AuthDomain"],
    "couchbase.exceptions": [
        "AlreadyQueriedException",
        "QueueEmpty",
        "MissingTokenException",
        "DocumentUnretrievableException",
        "CASMismatchException",
    ],
    # 3.x spellings
    "couchbase.cluster": [
        "Cluster",
        "ClusterOptions",
        "PasswordAuthenticator",
        "QueryOptions",
        "ClusterTimeoutOptions",
        "QueryScanConsistency",
    ],
    "couchbase.collection": [
        "GetOptions",
        "UpsertOptions",
        "InsertOptions",
        "ReplaceOptions",
        "RemoveOptions",
        "IncrementOptions",
        "DecrementOptions",
        "DeltaValue",
        "SignedInt64",
        "MutateInOptions",
    ],
    "couchbase.bucket": ["PingOptions"],
    "acouchbase.cluster": ["Cluster", "AsyncCluster", "get_event_loop"],
    "acouchbase.bucket": ["Bucket", "AsyncBucket"],
    "acouchbase.scope": ["Scope"],
    "acouchbase.collection": ["Collection", "AsyncCollection"],
    "acouchbase.datastructures": ["CouchbaseList"],
    "acouchbase": ["get_event_loop"],
    "txcouchbase.cluster": ["Cluster", "TxCluster", "TxRawCluster"],
    "txcouchbase.bucket": ["Bucket"],
    "txcouchbase.scope": ["Scope"],
    "txcouchbase.collection": ["Collection"],
    "gcouchbase.bucket": ["Bucket"],
    "gcouchbase.scope": ["Scope"],
    "gcouchbase.collection": ["Collection"],
}


@pytest.mark.parametrize("module", sorted(PATHS))
def test_import_path(module):
    mod = importlib.import_module(module)
    missing = [name for name in PATHS[module] if not hasattr(mod, name)]
    assert not missing, f"{module} lacks {missing}"


def test_aliases_are_the_same_classes():
    import acouchbase.cluster
    import couchbase.results
    import txcouchbase.cluster
    from couchbase import result

    assert result.GetResult is couchbase.results.GetResult
    assert txcouchbase.cluster.Cluster is txcouchbase.cluster.TxCluster
    assert acouchbase.cluster.AsyncCluster is acouchbase.cluster.Cluster


def test_constrained_ints():
    from couchbase.exceptions import InvalidArgumentException
    from couchbase.options import DeltaValue, SignedInt64, UnsignedInt64

    assert DeltaValue(5).value == 5 and int(SignedInt64(-3)) == -3
    for bad in (
        lambda: DeltaValue(-1),
        lambda: SignedInt64(2**63),
        lambda: UnsignedInt64(-1),
        lambda: DeltaValue("5"),
    ):
        with pytest.raises(InvalidArgumentException):
            bad()


MANAGEMENT = ["analytics", "buckets", "collections", "eventing", "queries", "search", "users", "views"]


@pytest.mark.parametrize("front", ["acouchbase", "txcouchbase"])
@pytest.mark.parametrize("name", MANAGEMENT)
def test_front_end_management_modules_are_the_core_s(front, name):
    """``acouchbase.management.<x>`` and ``txcouchbase.management.<x>`` (the official import paths)
    give the core's objects, every public name of the core's module."""
    core = importlib.import_module(f"couchbase.management.{name}")
    mod = importlib.import_module(f"{front}.management.{name}")
    assert list(mod.__all__) == list(core.__all__) and core.__all__
    assert [n for n in core.__all__ if getattr(mod, n) is not getattr(core, n)] == []
