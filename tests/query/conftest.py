"""Fixtures of the query-service tests (views fixtures are prefixed ``view_``)."""
from __future__ import annotations

import base64
import json
import os
import urllib.request
from typing import Any, Dict, Iterator

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions

VIEW_TAG = f"views-e2e-{os.getpid()}"
VIEW_DDOC = "e2e_views"
VIEW_DOCS = 30
NAMES = ["zoë", "Zed", "alice", "Álvaro", "bob", "Bob", "10 items", "9 items", "_x", "émile"]


def view_capi_request(mock: Any, method: str, path: str, body: Any = None) -> Any:
    """``(status, parsed JSON)`` of one request to the first node's views port."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{mock.nodes[0].capi_port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json", "Authorization": "Basic " +
                                          base64.b64encode(f"{mock.username}:{mock.password}".encode()).decode()})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _doc(n: int) -> Dict[str, Any]:
    return {"vt": VIEW_TAG, "n": n, "g": "abc"[n % 3], "name": NAMES[n % len(NAMES)]}


@pytest.fixture(scope="session")
def view_data(mock: Any) -> Dict[str, Any]:
    """Documents ``view-<n>`` (n < VIEW_DOCS) in ``default`` and the production design
    document VIEW_DDOC with views ``by_n`` (_count), ``by_group`` ([g, n] → n, _stats),
    ``sum`` (g → n, _sum), ``js`` (g → n, a JavaScript max reduce), ``names`` (map only)."""
    docs = {f"view-{n:02d}": _doc(n) for n in range(VIEW_DOCS)}
    mock.put_docs("default", {k: json.dumps(v).encode() for k, v in docs.items()})
    guard = f"if (doc.vt !== {json.dumps(VIEW_TAG)}) return;"
    views = {
        "by_n": {"map": f"function (doc, meta) {{ {guard} emit(doc.n, null); }}", "reduce": "_count"},
        "by_group": {"map": f"function (doc) {{ {guard} emit([doc.g, doc.n], doc.n); }}", "reduce": "_stats"},
        "sum": {"map": f"function (doc) {{ {guard} emit(doc.g, doc.n); }}", "reduce": "_sum"},
        "js": {"map": f"function (doc) {{ {guard} emit(doc.g, doc.n); }}",
               "reduce": "function (keys, values, rereduce) { return Math.max.apply(null, values); }"},
        "names": {"map": f"function (doc, meta) {{ {guard} emit(doc.name, meta.id); }}"},
    }
    status, body = view_capi_request(mock, "PUT", f"/default/_design/{VIEW_DDOC}", {"views": views})
    assert status == 201, body
    return {"ddoc": VIEW_DDOC, "docs": docs, "tag": VIEW_TAG, "views": views}


@pytest.fixture
def view_bucket(mock: Any) -> Iterator[Any]:
    """The ``default`` bucket of a fresh blocking cluster connection."""
    cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                      kv_timeout=2.5)
    try:
        yield cluster.bucket("default")
    finally:
        cluster.close()


# ----------------------------------------------------------------------------- search (fts_ fixtures)

FTS_TYPE = "fts_hotel_e2e"
FTS_BULK_DOCS = 50_000
FTS_HOTELS: Dict[str, Dict[str, Any]] = {
    "fts-swanky": {"name": "Swanky Hotel", "city": "Oslo", "stars": 5, "price": 320,
                   "desc": "a swanky hotel with a pool and a spa", "tags": ["pool", "spa"]},
    "fts-city": {"name": "City Hotel", "city": "Oslo", "stars": 4, "price": 180,
                 "desc": "central, with a swanky bar", "tags": ["spa", "bar"]},
    "fts-motel": {"name": "Cheap Motel", "city": "Bergen", "stars": 2, "price": 60,
                  "desc": "cheap and cheerful near the highway", "tags": ["parking"]},
    "fts-hostel": {"name": "Backpacker Hostel", "city": "Bergen", "stars": 1, "price": 25,
                   "desc": "dorms, a kitchen and a bar"},
    "fts-inn": {"name": "Old Inn", "city": "Trondheim", "stars": 3, "price": 120,
                "desc": "an old wooden inn by the river", "tags": ["parking", "bar"]},
}


class FtsSetup:
    """``fts.cluster.search_query(fts.index, query, SearchOptions(...))`` over FTS_HOTELS."""

    def __init__(self, mock: Any, cluster: Any) -> None:
        self.mock = mock
        self.cluster = cluster
        self.index = "fts_hotels"
        self.docs = FTS_HOTELS

    def bulk_index(self) -> str:
        """An index over FTS_BULK_DOCS small documents (loaded once per session)."""
        if not getattr(self.mock, "_fts_bulk_loaded", False):
            docs = {f"fts-bulk-{i:05}": json.dumps({"type": "fts_bulk_e2e", "n": i, "text": "bulk row"}).encode()
                    for i in range(FTS_BULK_DOCS)}
            self.mock.put_docs("default", docs)
            self.mock.create_search_index("fts_bulk", "default", doc_type="fts_bulk_e2e")
            self.mock._fts_bulk_loaded = True
        return "fts_bulk"


@pytest.fixture(scope="session")
def fts_data(mock: Any) -> Any:
    """FTS_HOTELS stored in ``default`` (typed FTS_TYPE) and the index ``fts_hotels`` over them."""
    mock.put_docs("default", {k: json.dumps(dict(v, type=FTS_TYPE)).encode() for k, v in FTS_HOTELS.items()})
    mock.create_search_index("fts_hotels", "default", doc_type=FTS_TYPE)
    return mock


@pytest.fixture
def fts(fts_data: Any) -> Iterator[FtsSetup]:
    """A fresh blocking cluster connection plus the search index over FTS_HOTELS."""
    cluster = Cluster(fts_data.connstr, ClusterOptions(PasswordAuthenticator(fts_data.username,
                                                                             fts_data.password)))
    try:
        yield FtsSetup(fts_data, cluster)
    finally:
        cluster.close()
