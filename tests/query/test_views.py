"""Views end to end: our SDK (blocking API), libcouchbase's cbc-view and the
official SDK 4.x against the mock's views port, over real sockets.

Tests are plain functions of the ``view_*`` fixtures of tests/query/conftest.py.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Dict, List

import pytest

from couchbase.exceptions import (
    DesignDocumentNotFoundException,
    HTTPException,
    TimeoutException,
    ViewNotFoundException,
)
from couchbase.views import DesignDocument, DesignDocumentNamespace, View, ViewOptions, ViewScanConsistency
from support.views import NAMES, VIEW_DOCS, mgmt_request, view_capi_request

pytest.importorskip("quickjs")

FRESH = {"stale": ViewScanConsistency.REQUEST_PLUS}


def _n(n: int) -> str:
    return f"view-{n:02d}"


def _triples(result: Any) -> List[Any]:
    return [(r.key, r.value, r.id) for r in result]


def _ns(rows: List[Any]) -> List[int]:
    return [key for key, _value, _id in rows]


# ---------------------------------------------------------------- map queries

def test_map_rows_total_rows_and_ids(view_bucket, view_data):
    result = view_bucket.view_query(view_data["ddoc"], "by_n", ViewOptions(reduce=False, **FRESH))
    assert _triples(result) == [(n, None, _n(n)) for n in range(VIEW_DOCS)]
    assert result.metadata().total_rows == VIEW_DOCS


@pytest.mark.parametrize("options, expected", [
    ({"key": 5}, [5]),
    ({"keys": [7, 2, 99]}, [7, 2]),
    ({"startkey": 10, "endkey": 13}, [10, 11, 12, 13]),
    ({"startkey": 10, "endkey": 13, "inclusive_end": False}, [10, 11, 12]),
    ({"startkey": 13, "endkey": 10, "descending": True}, [13, 12, 11, 10]),
    ({"startkey": 13, "endkey": 10, "descending": True, "inclusive_end": False}, [13, 12, 11]),
    ({"startkey": 28}, [28, 29]),
    ({"endkey": 1}, [0, 1]),
    ({"limit": 3, "skip": 2}, [2, 3, 4]),
    ({"descending": True, "limit": 2}, [29, 28]),
    ({"mapkey_range": [27, 100]}, [27, 28, 29]),
    ({"skip": 100}, []),
    ({"key": "no such key"}, []),
    ({"startkey": 5.5, "endkey": 7.5, "full_set": True, "on_error": "stop"}, [6, 7]),
])
def test_classic_parameters(view_bucket, view_data, options, expected):
    result = view_bucket.view_query(view_data["ddoc"], "by_n", ViewOptions(reduce=False, **FRESH, **options))
    assert _ns(_triples(result)) == expected
    assert result.metadata().total_rows == VIEW_DOCS


def test_raw_query_string(view_bucket, view_data):
    rows = _triples(view_bucket.view_query(view_data["ddoc"], "by_n", "startkey=3&endkey=4&reduce=false"))
    assert _ns(rows) == [3, 4]


def test_docid_bounds_between_equal_keys(view_bucket, view_data):
    result = view_bucket.view_query(view_data["ddoc"], "sum", ViewOptions(
        reduce=False, startkey="a", endkey="a", startkey_docid=_n(9), endkey_docid=_n(15), **FRESH))
    assert [r.id for r in result] == [_n(9), _n(12), _n(15)]


def test_string_keys_in_unicode_collation_order(view_bucket, view_data):
    rows = _triples(view_bucket.view_query(view_data["ddoc"], "names", ViewOptions(**FRESH)))
    expected_names = ["_x", "10 items", "9 items", "alice", "Álvaro", "bob", "Bob", "émile", "Zed", "zoë"]
    assert sorted(expected_names) != expected_names  # not simply code-point order
    by_name = {name: sorted(_n(n) for n in range(VIEW_DOCS) if NAMES[n % len(NAMES)] == name)
               for name in NAMES}
    assert rows == [(name, doc_id, doc_id) for name in expected_names for doc_id in by_name[name]]


@pytest.mark.parametrize("prefix, names", [
    ("a", ["alice", "Álvaro"]),  # the first level ignores case and accents
    ("B", ["bob", "Bob"]),
    ("zo", ["zoë"]),
    ("1", ["10 items"]),
    ("c", []),
])
def test_prefix_range_with_string_range_end(view_bucket, view_data, prefix, names):
    # the 1.x guide's idiom: mapkey_range=[v, v + Query.STRING_RANGE_END], STRING_RANGE_END = u"\u0fff"
    rows = _triples(view_bucket.view_query(view_data["ddoc"], "names", ViewOptions(
        startkey=prefix, endkey=prefix + "\u0fff", **FRESH)))
    assert [key for key, _value, _id in rows] == [
        name for name in names for n in range(VIEW_DOCS) if NAMES[n % len(NAMES)] == name]


# ---------------------------------------------------------------- reduce

def _sum(g: str) -> int:
    return sum(n for n in range(VIEW_DOCS) if "abc"[n % 3] == g)


def test_count_reduce_and_its_range(view_bucket, view_data):
    ddoc = view_data["ddoc"]
    assert _triples(view_bucket.view_query(ddoc, "by_n", ViewOptions(**FRESH))) == [(None, VIEW_DOCS, None)]
    assert _triples(view_bucket.view_query(ddoc, "by_n", ViewOptions(startkey=10, endkey=19, **FRESH))) == [
        (None, 10, None)]
    assert _triples(view_bucket.view_query(ddoc, "by_n", ViewOptions(key=-1, **FRESH))) == []


def test_sum_reduce_grouped(view_bucket, view_data):
    rows = _triples(view_bucket.view_query(view_data["ddoc"], "sum", ViewOptions(group=True, **FRESH)))
    assert rows == [(g, _sum(g), None) for g in "abc"]
    rows = _triples(view_bucket.view_query(view_data["ddoc"], "sum",
                                           ViewOptions(group=True, keys=["c", "a"])))
    assert rows == [("c", _sum("c"), None), ("a", _sum("a"), None)]


def test_stats_reduce_group_level(view_bucket, view_data):
    rows = _triples(view_bucket.view_query(view_data["ddoc"], "by_group",
                                           ViewOptions(group_level=1, **FRESH)))
    assert [r[0] for r in rows] == [["a"], ["b"], ["c"]]
    values = [n for n in range(VIEW_DOCS) if n % 3 == 1]
    assert rows[1][1] == {"sum": sum(values), "count": len(values), "min": min(values), "max": max(values),
                          "sumsqr": sum(v * v for v in values)}
    rows = _triples(view_bucket.view_query(view_data["ddoc"], "by_group",
                                           ViewOptions(group=True, limit=2, skip=1)))
    assert [r[0] for r in rows] == [["a", 3], ["a", 6]]
    assert rows[0][1]["count"] == 1


def test_javascript_reduce(view_bucket, view_data):
    ddoc = view_data["ddoc"]
    assert _triples(view_bucket.view_query(ddoc, "js", ViewOptions(**FRESH))) == [(None, VIEW_DOCS - 1, None)]
    assert _triples(view_bucket.view_query(ddoc, "js", ViewOptions(group=True, descending=True))) == [
        ("c", 29, None), ("b", 28, None), ("a", 27, None)]


def test_include_docs_fetches_every_document(view_bucket, view_data):
    result = view_bucket.view_query(view_data["ddoc"], "by_n", ViewOptions(
        reduce=False, include_docs=True, startkey=3, endkey=8, **FRESH))
    rows = list(result)
    assert [r.id for r in rows] == [_n(n) for n in range(3, 9)]
    assert [r.doc for r in rows] == [view_data["docs"][_n(n)] for n in range(3, 9)]


# ---------------------------------------------------------------- errors

def test_missing_view_and_ddoc_raise_view_not_found(view_bucket, view_data):
    with pytest.raises(ViewNotFoundException) as info:
        list(view_bucket.view_query(view_data["ddoc"], "no_such_view"))
    assert "missing_named_view" in str(info.value)
    assert info.value.context.http_status == 404
    with pytest.raises(ViewNotFoundException) as info:
        list(view_bucket.view_query("no_such_ddoc", "v"))
    assert "missing" in str(info.value)


def test_bad_parameters_carry_the_servers_reason(view_bucket, view_data):
    with pytest.raises(HTTPException) as info:
        list(view_bucket.view_query(view_data["ddoc"], "by_n", ViewOptions(startkey=9, endkey=1)))
    assert "reverse your start_key" in str(info.value)
    assert info.value.context.http_status == 400
    with pytest.raises(HTTPException) as info:
        list(view_bucket.view_query(view_data["ddoc"], "names", ViewOptions(group=True)))
    assert "non-reduce view" in str(info.value)
    with pytest.raises(HTTPException) as info:
        list(view_bucket.view_query(view_data["ddoc"], "by_n", "startkey=notjson"))
    assert "invalid UTF-8 JSON" in str(info.value)


def test_view_timeout_raises_timeout_exception(mock, view_bucket, view_data):
    from couchbase_mock.http.node import node_http_servers

    list(view_bucket.view_query(view_data["ddoc"], "by_n", ViewOptions(limit=1)))  # connect first
    capis = [node_http_servers(node)["capi"] for node in mock.nodes if node.running]
    for server in capis:
        server.hung = True
    try:
        start = time.monotonic()
        with pytest.raises(TimeoutException):
            list(view_bucket.view_query(view_data["ddoc"], "by_n",
                                        ViewOptions(timeout=timedelta(seconds=0.5))))
        assert time.monotonic() - start < 5
    finally:
        for server in capis:
            server.hung = False


# ---------------------------------------------------------------- design documents

def test_design_document_lifecycle(view_bucket, view_data):
    mgr = view_bucket.view_indexes()
    name = f"lifecycle_{os.getpid()}"
    guard = f"if (doc.vt !== {json.dumps(view_data['tag'])}) return;"
    ddoc = DesignDocument(name, {"odd": View(f"function (doc) {{ {guard} "
                                             "if (doc.n % 2) emit(doc.n, null); }",
                                             "_count")})
    mgr.upsert_design_document(ddoc, DesignDocumentNamespace.DEVELOPMENT)
    got = mgr.get_design_document(name, DesignDocumentNamespace.DEVELOPMENT)
    assert got.name == name and got.views["odd"].reduce == "_count"  # 4.x: without the dev_ prefix
    with pytest.raises(DesignDocumentNotFoundException):
        mgr.get_design_document(name, DesignDocumentNamespace.PRODUCTION)
    assert name in [d.name for d in mgr.get_all_design_documents(DesignDocumentNamespace.DEVELOPMENT)]
    assert name not in [d.name for d in mgr.get_all_design_documents(DesignDocumentNamespace.PRODUCTION)]

    dev = ViewOptions(namespace=DesignDocumentNamespace.DEVELOPMENT, **FRESH)
    assert _triples(view_bucket.view_query(name, "odd", dev)) == [(None, VIEW_DOCS // 2, None)]
    with pytest.raises(ViewNotFoundException):
        list(view_bucket.view_query(name, "odd"))

    mgr.publish_design_document(name)
    assert (_triples(view_bucket.view_query(name, "odd", ViewOptions(**FRESH)))
            == [(None, VIEW_DOCS // 2, None)])
    assert name in [d.name for d in mgr.get_all_design_documents(DesignDocumentNamespace.PRODUCTION)]

    mgr.drop_design_document(name, DesignDocumentNamespace.PRODUCTION)
    with pytest.raises(ViewNotFoundException):
        list(view_bucket.view_query(name, "odd"))
    with pytest.raises(DesignDocumentNotFoundException):
        mgr.drop_design_document(name, DesignDocumentNamespace.PRODUCTION)
    mgr.drop_design_document(name, DesignDocumentNamespace.DEVELOPMENT)


def test_legacy_design_methods_with_syncwait(view_bucket, view_data):
    mgr = view_bucket.view_indexes()
    name = f"legacy_{os.getpid()}"
    body = {"views": {"all": {"map": "function (doc, meta) { emit(meta.id, null); }"}}}
    mgr.design_create(name, body, use_devmode=True, syncwait=5)
    assert mgr.design_get(name, use_devmode=True).views["all"].map == body["views"]["all"]["map"]
    mgr.design_publish(name, syncwait=5)
    assert mgr.design_get(name, use_devmode=False).name == name
    mgr.design_delete(name, use_devmode=False, syncwait=5)
    mgr.design_delete(name, use_devmode=True, syncwait=5)
    with pytest.raises(DesignDocumentNotFoundException):
        mgr.design_get(name, use_devmode=True)


def test_invalid_design_document_is_refused(mock):
    status, body = view_capi_request(mock, "PUT", "/default/_design/broken",
                                     {"views": {"v": {"map": "function (doc { emit(1); }"}}})
    assert status == 400 and body["error"] == "invalid_design_document"
    assert view_capi_request(mock, "GET", "/default/_design/broken") == (
        404, {"error": "not_found", "reason": "missing"})


def test_mgmt_ddocs_listing_shape(mock, view_data):
    status, body = mgmt_request(mock, "/pools/default/buckets/default/ddocs", node=1)
    rows = body["rows"]
    row = next(r for r in rows if r["doc"]["meta"]["id"] == "_design/" + view_data["ddoc"])
    assert row["doc"]["json"] == {"views": view_data["views"]}
    assert row["doc"]["meta"]["rev"].startswith("1-")
    assert set(row["controllers"]) == {"compact", "setUpdateMinChanges"}


# ---------------------------------------------------------------- libcouchbase's cbc-view

def _cbc_bin() -> str:
    explicit = os.environ.get("LCB_BIN")
    if explicit:
        return explicit
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(root / "build_lcb.py"), "--bin"], capture_output=True,
                         text=True)
    if out.returncode != 0 or not out.stdout.strip():
        pytest.fail(f"cannot locate libcouchbase's cbc tools: {out.stderr.strip()}")
    return out.stdout.strip()


def test_cbc_view(mock, view_data):
    tool = os.path.join(_cbc_bin(), "cbc-view")
    base = [tool, "-U", mock.connstr_for("default"), "-u", mock.username, "-P", mock.password]
    out = subprocess.run(base + [f"{view_data['ddoc']}/by_n", "--with-docs", "--params",
                                 "reduce=false&startkey=4&endkey=5&stale=false"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "KEY: 4" in out.stdout and "DOCID: view-05" in out.stdout and "KEY: 6" not in out.stdout
    assert json.dumps(view_data["docs"]["view-04"]) in out.stdout  # --with-docs fetched it over KV
    out = subprocess.run(base + [f"{view_data['ddoc']}/nope"], capture_output=True, text=True, timeout=60)
    assert "LCB_ERR_VIEW_NOT_FOUND" in out.stderr


# ---------------------------------------------------------------- official SDK fidelity

OFFICIAL_VIEW = """
from couchbase.options import ViewOptions
from couchbase.views import ViewOrdering
bucket = cluster.bucket("default")
out = []
for opts in ARGS["cases"]:
    if "descending" in opts:  # SDK 4.x spells it order=ViewOrdering
        opts["order"] = ViewOrdering.DESCENDING if opts.pop("descending") else ViewOrdering.ASCENDING
    res = bucket.view_query(ARGS["ddoc"], opts.pop("view"), ViewOptions(**opts))
    rows = [[r.key, r.value, r.id] for r in res.rows()]
    meta = res.metadata()
    out.append({"rows": rows, "total_rows": meta.total_rows() if callable(meta.total_rows) else meta.total_rows})
try:
    list(bucket.view_query(ARGS["ddoc"], "nope").rows())
    out.append("no error")
except Exception as exc:
    out.append(type(exc).__name__)
print(json.dumps(out))
"""  # noqa: E501 - official SDK snippet, kept as written

FIDELITY_CASES: List[Dict[str, Any]] = [
    {"view": "by_n", "reduce": False, "limit": 4, "skip": 1},
    {"view": "by_n", "reduce": False, "startkey": 20, "endkey": 10, "descending": True,
     "inclusive_end": False},
    {"view": "by_n", "reduce": False, "keys": [3, 1, 2]},
    {"view": "names", "limit": 7},
    {"view": "sum", "group": True},
    {"view": "by_group", "group_level": 1},
    {"view": "js"},
]


def test_official_sdk_sees_the_same_rows(mock, view_bucket, view_data):
    from support.official_sdk import mock_args, run

    ours = []
    for case in FIDELITY_CASES:
        opts = dict(case)
        res = view_bucket.view_query(view_data["ddoc"], opts.pop("view"), ViewOptions(**opts))
        rows = [[r.key, r.value, r.id] for r in res]
        ours.append({"rows": rows, "total_rows": res.metadata().total_rows})
    theirs = run(OFFICIAL_VIEW, ddoc=view_data["ddoc"], cases=[dict(c) for c in FIDELITY_CASES],
                 **mock_args(mock))
    # couchbase-cxx-client maps every 404 of a view query to design_document_not_found
    # (lcb, and so our SDK, to LCB_ERR_VIEW_NOT_FOUND): same reply, two spellings.
    assert theirs[-1] == "DesignDocumentNotFoundException"
    for case, mine, official in zip(FIDELITY_CASES, ours, theirs):
        assert official["rows"] == mine["rows"], case
        assert mine["rows"], case
    assert ours[0]["total_rows"] == VIEW_DOCS == theirs[0]["total_rows"]


# ---------------------------------------------------------------- a large view streams

BIG = 50_000
BIG_DDOC = "e2e_big"


@pytest.fixture(scope="module")
def view_big(mock: Any) -> Dict[str, Any]:
    """BIG documents in bucket ``other`` and a view emitting one row each (index built)."""
    pad = "x" * 200
    mock.put_docs("other", {f"big-{i:05d}": json.dumps({"big": 1, "i": i}).encode() for i in range(BIG)})
    views = {"rows": {"map": f"function (doc) {{ if (doc.big === 1) emit(doc.i, {json.dumps(pad)}); }}"}}
    status, body = view_capi_request(mock, "PUT", f"/other/_design/{BIG_DDOC}", {"views": views})
    assert status == 201, body
    status, body = view_capi_request(mock, "GET", f"/other/_design/{BIG_DDOC}/_view/rows?stale=false&limit=1")
    assert status == 200 and body["total_rows"] == BIG
    row_bytes = len(json.dumps({"id": "big-00000", "key": 0, "value": pad}, separators=(",", ":")))
    return {"all_rows_bytes": BIG * row_bytes}


def test_large_view_streams_with_bounded_memory(view_cluster, view_big):
    tracemalloc = pytest.importorskip("tracemalloc", reason="this interpreter has no tracemalloc (PyPy)")
    bucket = view_cluster.bucket("other")
    list(bucket.view_query(BIG_DDOC, "rows", ViewOptions(limit=1, stale="ok")))  # connections up
    tracemalloc.start()
    try:
        result = bucket.view_query(BIG_DDOC, "rows", ViewOptions(stale="ok"))
        seen = 0
        done_at_first_row = None
        last_key = -1
        for row in result:
            if seen == 0:
                done_at_first_row = result.done
            assert row.key == last_key + 1
            last_key = row.key
            seen += 1
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == BIG and result.metadata().total_rows == BIG
    assert done_at_first_row is False  # the first row arrived before the response was complete
    assert peak < view_big["all_rows_bytes"] / 4, (peak, view_big["all_rows_bytes"])


def test_large_view_is_sent_in_many_small_chunks(mock, view_big):
    import base64

    port = mock.nodes[0].capi_port
    auth = base64.b64encode(f"{mock.username}:{mock.password}".encode()).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall((f"GET /other/_design/{BIG_DDOC}/_view/rows?stale=ok HTTP/1.1\r\nHost: x\r\n"
                      f"Authorization: Basic {auth}\r\nConnection: close\r\n\r\n").encode())
        data = bytearray()
        while True:
            block = sock.recv(1 << 16)
            if not block:
                break
            data += block
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    sizes = []
    payload = bytearray()
    while True:
        line, _, body = body.partition(b"\r\n")
        size = int(line, 16)
        if size == 0:
            break
        sizes.append(size)
        payload += body[:size]
        body = body[size + 2:]
    assert len(sizes) > 20 and max(sizes) < 64 * 1024
    parsed = json.loads(payload)
    assert parsed["total_rows"] == BIG and len(parsed["rows"]) == BIG
