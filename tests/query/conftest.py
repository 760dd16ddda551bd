"""Fixtures of the query-service tests (views fixtures are prefixed ``view_``)."""
from __future__ import annotations

import json
from typing import Any, Dict, Iterator

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions
from support.views import VIEW_DDOC, VIEW_DOCS, VIEW_TAG, view_capi_request, view_doc


@pytest.fixture(scope="session")
def view_data(mock: Any) -> Dict[str, Any]:
    """Documents ``view-<n>`` (n < VIEW_DOCS) in ``default`` and the production design
    document VIEW_DDOC with views ``by_n`` (_count), ``by_group`` ([g, n] → n, _stats),
    ``sum`` (g → n, _sum), ``js`` (g → n, a JavaScript max reduce), ``names`` (map only)."""
    docs = {f"view-{n:02d}": view_doc(n) for n in range(VIEW_DOCS)}
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
def view_cluster(mock: Any) -> Iterator[Cluster]:
    """A fresh blocking cluster connection (closed after the test)."""
    cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                      kv_timeout=2.5)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def view_bucket(view_cluster: Cluster) -> Any:
    """The ``default`` bucket of :func:`view_cluster`."""
    return view_cluster.bucket("default")


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

    cluster = Cluster(fts_data.connstr,
                      ClusterOptions(PasswordAuthenticator(fts_data.username, fts_data.password)))
    try:
        yield FtsSetup(fts_data, cluster)
    finally:
        cluster.close()


from support.n1ql import n1ql_cluster, n1ql_data  # noqa: E402,F401  (N1QL / analytics fixtures)
