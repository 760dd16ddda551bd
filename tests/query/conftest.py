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


@pytest.fixture(scope="session")
def fts_data(mock: Any) -> Any:
    """The hotel documents and the search index ``fts_hotels`` (tests/query/fts_support.py)."""
    from fts_support import load_hotels

    load_hotels(mock)
    return mock


@pytest.fixture
def fts(fts_data: Any) -> Iterator[Any]:
    """A fresh blocking cluster plus the index: ``fts.cluster.search_query(fts.index, ...)``."""
    from fts_support import FtsSetup

    cluster = Cluster(fts_data.connstr, ClusterOptions(PasswordAuthenticator(fts_data.username, fts_data.password)))
    try:
        yield FtsSetup(fts_data, cluster)
    finally:
        cluster.close()
