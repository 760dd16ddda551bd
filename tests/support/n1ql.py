"""N1QL and analytics test data and helpers: the ``n1ql_data`` and ``n1ql_cluster``
fixtures (imported by tests/query/conftest.py), bulk loading into a collection, and
raw HTTP requests to the query port."""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any, Dict, Iterator

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions

N1QL_SCOPE = "n1ql"
N1QL_PEOPLE = {
    f"person-{i:02d}": {"type": "person", "n": i, "name": name, "age": age, "city": city,
                        "tags": tags, "address": {"zip": f"0{i}00", "lines": [f"{i} Main St", city]}}
    for i, (name, age, city, tags) in enumerate([
        ("Ada", 36, "London", ["math", "code"]), ("Bob", 25, "Oslo", ["ski"]), ("Cy", 25, "Oslo", []),
        ("Dee", 41, "Paris", ["art", "code"]), ("Eve", 29, "London", ["code"]), ("Fay", 52, "Paris", ["art"]),
        ("Gus", 33, "Bergen", ["ski", "code"]), ("Hal", 47, "London", ["math"]),
    ])
}
N1QL_BIG_ROWS = 50_000


def n1ql_store(mock: Any, collection: str, docs: Dict[str, Any], bucket: str = "default",
               scope: str = N1QL_SCOPE) -> None:
    """Store JSON ``docs`` in ``bucket.scope.collection`` in one hop to the mock's loop (as DML would)."""
    from couchbase_mock.query.keyspace import Keyspace, store_doc

    mock.create_collection(bucket, scope, collection)

    def load() -> None:
        b = mock.cluster.buckets[bucket]
        cid, _ = b.store.manifest.cid(scope, collection)
        ks = Keyspace(b, scope, collection, cid)
        for key, value in docs.items():
            store_doc(ks, key.encode(), value)

    mock._call(load)


def n1ql_http(mock: Any, body: Dict[str, Any], port: int = 0, path: str = "/query/service",
              auth: Any = None) -> Any:
    """``(status, headers, raw body bytes)`` of one POST to the first node's query port (or ``port``)."""
    user, password = auth or (mock.username, mock.password)
    req = urllib.request.Request(f"http://127.0.0.1:{port or mock.nodes[0].n1ql_port}{path}",
                                 data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": "Basic " +
                                          base64.b64encode(f"{user}:{password}".encode()).decode()})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="session")
def n1ql_data(mock: Any) -> Dict[str, Any]:
    """N1QL_PEOPLE in ``default.n1ql.people`` (with a primary index) and N1QL_BIG_ROWS small
    documents in ``other.n1ql.big`` (with a primary index); ``default.n1ql.noindex`` has
    documents and no index."""
    n1ql_store(mock, "people", N1QL_PEOPLE)
    n1ql_store(mock, "big", {f"big-{i:05d}": {"n": i, "pad": "x" * 40} for i in range(N1QL_BIG_ROWS)},
               bucket="other")
    n1ql_store(mock, "noindex", {"lonely": {"n": 1}})
    for ks in (f"default.{N1QL_SCOPE}.people", f"other.{N1QL_SCOPE}.big"):
        status, _h, body = n1ql_http(mock, {"statement": f"CREATE PRIMARY INDEX IF NOT EXISTS ON {ks}"})
        assert status == 200, body
    return {"people": N1QL_PEOPLE, "people_ks": f"default.{N1QL_SCOPE}.people",
            "big_ks": f"other.{N1QL_SCOPE}.big", "noindex_ks": f"default.{N1QL_SCOPE}.noindex"}


@pytest.fixture
def n1ql_cluster(mock: Any, n1ql_data: Any) -> Iterator[Cluster]:
    """A blocking cluster connection; the query grace period lets the server's own timeout
    error (1080) arrive before libcouchbase's client-side timer fires."""
    cluster = Cluster(mock.connstr + "?query_grace_period=5",
                      ClusterOptions(PasswordAuthenticator(mock.username, mock.password)), kv_timeout=2.5)
    try:
        yield cluster
    finally:
        cluster.close()
