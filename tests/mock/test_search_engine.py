"""The mock's search engine (couchbase_mock.search) without clients: analyzer,
index sync with a bucket store, every query type, scoring order, sort, paging,
facets, errors, and the fts HTTP routes (management, error shapes, chunking)."""
from __future__ import annotations

import base64
import http.client
import json
from typing import Any, Dict, List

import pytest

from couchbase_mock.search.analysis import analyze
from couchbase_mock.search.definition import IndexDefinition
from couchbase_mock.search.inverted import InvertedIndex
from couchbase_mock.search.query import QueryError, edit_distance
from couchbase_mock.search.querystring import parse_query_string
from couchbase_mock.search.request import SearchRequest
from couchbase_mock.store import BucketStore, Clock, Doc

DOCS: Dict[str, Dict[str, Any]] = {
    "swanky": {"name": "Swanky Hotel", "desc": "a swanky place in the old town", "stars": 5,
               "tags": ["pool", "spa"], "opened": "2010-05-01T00:00:00Z"},
    "motel": {"name": "Cheap Motel", "desc": "cheap and cheerful, near the highway", "stars": 2,
              "tags": ["parking"], "opened": "2019-01-15"},
    "city": {"name": "City Hotel", "desc": "in the city centre, with a swanky bar", "stars": 4,
             "tags": ["spa"]},
    "hostel": {"name": "Backpacker Hostel", "desc": "dorms and a bar", "stars": 1},
}


@pytest.fixture(scope="module")
def index() -> InvertedIndex:
    ix = InvertedIndex(IndexDefinition.simple("idx", "default"))
    for doc_id, doc in DOCS.items():
        assert ix.add(doc_id, doc)
    return ix


def search(index: InvertedIndex, body: Dict[str, Any]) -> Dict[str, Any]:
    return json.loads(SearchRequest(body).run(index, "idx_0").body())


def ids(index: InvertedIndex, query: Dict[str, Any], **body: Any) -> List[str]:
    return [h["id"] for h in search(index, dict(body, query=query))["hits"]]


def test_standard_analyzer_lowercases_and_splits_on_non_alphanumerics():
    toks = analyze("Hello, WORLD! c3po_x")
    assert [t.term for t in toks] == ["hello", "world", "c3po", "x"]
    assert [(t.pos, t.start, t.end) for t in toks[:2]] == [(1, 0, 5), (2, 7, 12)]


def test_edit_distance():
    assert edit_distance("swanky", "swnky", 2) == 1
    assert edit_distance("hotel", "hostel", 2) == 1
    assert edit_distance("abc", "xyz", 2) == 3


@pytest.mark.parametrize("query, expected", [
    ({"match": "swanky"}, {"swanky", "city"}),
    ({"match": "swanky", "field": "name"}, {"swanky"}),
    ({"match": "swnky", "fuzziness": 1}, {"swanky", "city"}),
    ({"match": "swnky", "fuzziness": 0}, set()),
    ({"match": "hotel bar", "operator": "and"}, {"city"}),
    ({"match": "hotel bar"}, {"swanky", "city", "hostel"}),
    ({"match_phrase": "swanky bar"}, {"city"}),
    ({"match_phrase": "bar swanky"}, set()),
    ({"terms": ["city", "hotel"], "field": "name"}, {"city"}),
    ({"term": "hotel", "field": "name"}, {"swanky", "city"}),
    ({"term": "Hotel", "field": "name"}, set()),
    ({"term": "hostl", "fuzziness": 1}, {"hostel"}),
    ({"prefix": "che"}, {"motel"}),
    ({"wildcard": "h?tel"}, {"swanky", "city"}),
    ({"regexp": "mo.el"}, {"motel"}),
    ({"min": 2, "max": 4, "field": "stars"}, {"motel"}),
    ({"min": 2, "max": 4, "inclusive_max": True, "field": "stars"}, {"motel", "city"}),
    ({"min": 2, "inclusive_min": False, "field": "stars"}, {"city", "swanky"}),
    ({"start": "2015-01-01", "field": "opened"}, {"motel"}),
    ({"conjuncts": [{"match": "hotel"}, {"match": "spa"}]}, {"swanky", "city"}),
    ({"disjuncts": [{"match": "cheap"}, {"match": "dorms"}, {"match": "bar"}], "min": 2}, {"hostel"}),
    ({"must": {"conjuncts": [{"match": "hotel"}]}, "must_not": {"disjuncts": [{"match": "city"}]}},
     {"swanky"}),
    ({"should": {"disjuncts": [{"match": "cheap"}, {"match": "dorms"}]}}, {"motel", "hostel"}),
    ({"must_not": {"disjuncts": [{"match": "hotel"}]}}, {"motel", "hostel"}),
    ({"match_all": {}}, set(DOCS)),
    ({"match_none": {}}, set()),
    ({"ids": ["city", "nope"]}, {"city"}),
    ({"query": "+hotel -swanky"}, set()),
    ({"query": "+hotel -name:swanky"}, {"city"}),
    ({"query": "stars:>=4"}, {"swanky", "city"}),
    ({"query": "stars:<2"}, {"hostel"}),
    ({"query": 'name:"city hotel"'}, {"city"}),
    ({"query": "cheap dorms"}, {"motel", "hostel"}),
    ({"query": "stars:5"}, {"swanky"}),
    ({"query": "hostl~1"}, {"hostel"}),
    ({"query": "name:mot*"}, {"motel"}),
    ({"query": ""}, set()),
])
def test_query_types(index, query, expected):
    assert set(ids(index, query)) == expected


def test_scores_rank_more_relevant_documents_first(index):
    res = search(index, {"query": {"match": "swanky", "field": "name"}})
    assert res["max_score"] == res["hits"][0]["score"] > 0
    # "swanky" in the short name field outranks the long description, and two terms beat one.
    assert ids(index, {"match": "swanky hotel", "field": "name"}) == ["swanky", "city"]
    assert ids(index, {"disjuncts": [{"match": "bar"}, {"match": "dorms"}]})[0] == "hostel"


def test_boost_changes_the_order(index):
    plain = ids(index, {"disjuncts": [{"match": "cheap"}, {"match": "dorms"}]})
    boosted = ids(index, {"disjuncts": [{"match": "cheap"}, {"match": "dorms", "boost": 10}]})
    assert plain[0] != boosted[0] and boosted[0] == "hostel"
    res = search(index, {"query": {"match_all": {}, "boost": 2.5}})
    assert {h["score"] for h in res["hits"]} == {2.5}


def test_size_from_sort_and_total_hits(index):
    body = {"query": {"match_all": {}}, "sort": ["-stars"], "size": 2, "from": 1}
    res = search(index, body)
    assert [h["id"] for h in res["hits"]] == ["city", "motel"]
    assert res["total_hits"] == 4
    assert ids(index, {"match_all": {}}, sort=["stars"]) == ["hostel", "motel", "city", "swanky"]
    assert ids(index, {"match_all": {}}, sort=["-_id"]) == sorted(DOCS, reverse=True)
    assert ids(index, {"match_all": {}}, sort=[{"by": "field", "field": "opened", "desc": True}])[:2] == \
        ["motel", "swanky"]
    # equal scores: ties broken by id
    assert ids(index, {"match_all": {}}) == sorted(DOCS)
    assert ids(index, {"match_all": {}}, limit=1, skip=3) == [sorted(DOCS)[3]]
    assert search(index, {"query": {"match_all": {}}, "size": 0})["hits"] == []


def test_hit_shape_fields_and_locations(index):
    res = search(index, {"query": {"match": "spa", "field": "tags"}, "fields": ["name", "tags"],
                         "includeLocations": True})
    assert "locations" not in search(index, {"query": {"match": "spa", "field": "tags"}})["hits"][0]
    hit = next(h for h in res["hits"] if h["id"] == "swanky")
    assert hit["index"] == "idx_0"
    assert hit["fields"] == {"name": "Swanky Hotel", "tags": ["pool", "spa"]}
    assert hit["locations"] == {"tags": {"spa": [{"pos": 1, "start": 0, "end": 3, "array_positions": [1]}]}}
    everything = search(index, {"query": {"ids": ["hostel"]}, "fields": ["*"]})["hits"][0]["fields"]
    assert everything == DOCS["hostel"]
    assert set(res) == {"status", "request", "hits", "total_hits", "max_score", "took", "facets"}
    assert res["status"] == {"total": 1, "failed": 0, "successful": 1}
    assert res["request"]["query"] == {"match": "spa", "field": "tags"}
    assert res["facets"] is None


def test_facets(index):
    res = search(index, {"query": {"match_all": {}}, "size": 0, "facets": {
        "tags": {"field": "tags", "size": 2},
        "stars": {"field": "stars", "size": 5, "numeric_ranges": [
            {"name": "low", "max": 3}, {"name": "high", "min": 3}, {"name": "none", "min": 100}]},
        "opened": {"field": "opened", "size": 5, "date_ranges": [
            {"name": "old", "end": "2015-01-01"}, {"name": "new", "start": "2015-01-01"}]},
    }})
    facets = res["facets"]
    assert facets["tags"] == {"field": "tags", "total": 4, "missing": 1, "other": 1,
                              "terms": [{"term": "spa", "count": 2}, {"term": "parking", "count": 1}]}
    assert facets["stars"] == {"field": "stars", "total": 4, "missing": 0, "other": 0, "numeric_ranges": [
        {"name": "high", "min": 3, "count": 2}, {"name": "low", "max": 3, "count": 2}]}
    assert facets["opened"]["missing"] == 2
    assert [(r["name"], r["count"]) for r in facets["opened"]["date_ranges"]] == [("new", 1), ("old", 1)]
    assert facets["opened"]["date_ranges"][0]["start"] == "2015-01-01T00:00:00Z"
    # facets count every match, not only the returned page
    page = search(index, {"query": {"match": "hotel"}, "size": 1,
                          "facets": {"t": {"field": "name", "size": 1}}})
    assert page["facets"]["t"]["terms"] == [{"term": "hotel", "count": 2}]


@pytest.mark.parametrize("body, wording", [
    ({"query": {"bogus": 1}}, "unknown query type"),
    ({}, "unknown query type"),
    ({"query": {"match": 5}}, "match must be a string"),
    ({"query": {"match": "x", "fuzziness": 3}}, "fuzziness exceeds max"),
    ({"query": {"match": "x", "operator": "xor"}}, "operator"),
    ({"query": {"regexp": "("}}, "error parsing regexp"),
    ({"query": {"terms": []}}, "at least one term"),
    ({"query": {"conjuncts": {}}}, "conjuncts must be an array"),
    ({"query": {"disjuncts": [{"match": "a"}], "min": 2}}, "fewer than the minimum"),
    ({"query": {"start": "yesterday"}}, "datetime"),
    ({"query": {"query": "+"}}, "syntax error"),
    ({"query": {"query": 'a "unterminated'}}, "unterminated"),
    ({"query": {"query": "name:"}}, "nothing to search for"),
    ({"query": {"match_all": {}}, "size": -1}, "size must be"),
    ({"query": {"match_all": {}}, "sort": "x"}, "sort must be an array"),
    ({"query": {"match_all": {}}, "facets": {"f": {"size": 1}}}, "needs a field"),
    ({"query": {"match": "x", "analyzer": "klingon"}}, "no analyzer"),
])
def test_malformed_requests_raise_query_error(body, wording):
    with pytest.raises(QueryError, match=wording):
        SearchRequest(body)


def test_query_string_translation():
    assert parse_query_string("+a -b c") == {
        "must": {"conjuncts": [{"match": "a"}]}, "should": {"disjuncts": [{"match": "c"}], "min": 0},
        "must_not": {"disjuncts": [{"match": "b"}]}}
    assert parse_query_string("f:>5^2") == {"should": {"disjuncts": [
        {"min": 5.0, "inclusive_min": False, "field": "f", "boost": 2.0}], "min": 1}}
    assert parse_query_string(r"a\:b")["should"]["disjuncts"] == [{"match": "a:b"}]


def _store_with(docs: Dict[str, bytes]) -> BucketStore:
    store = BucketStore("b", 4, Clock())
    for i, (key, value) in enumerate(docs.items()):
        put(store, key, value, vb=i % 4)
    return store


def put(store: BucketStore, key: str, value: bytes, vb: int = 0, expiry: int = 0) -> None:
    store.docs[(0, key.encode())] = Doc(value, 0, 1, store.next_cas(), expiry, store.next_seqno(vb))


def test_sync_follows_the_store_lazily():
    store = _store_with({"a": b'{"t":"red apple"}', "b": b'{"t":"green apple"}', "bin": b"\x00\x01",
                         "arr": b"[1,2]"})
    store.docs[(8, b"other-collection")] = Doc(b'{"t":"apple"}', 0, 1, store.next_cas(), 0,
                                               store.next_seqno(0))
    ix = InvertedIndex(IndexDefinition.simple("i", "b"))
    ix.sync(store)
    assert sorted(ix.doc_ids()) == ["a", "b"]  # no binary, no non-object, default collection only
    put(store, "a", b'{"t":"red cherry"}')
    del store.docs[(0, b"b")]
    store.next_seqno(1)  # a delete bumps the vBucket's seqno
    put(store, "c", b'{"t":"apple pie"}', expiry=int(store.clock.now()) + 10)
    ix.sync(store)
    assert sorted(ix.field_terms("t")["apple"]) == ["c"]
    assert list(ix.field_terms("t")["cherry"]) == ["a"]
    assert "green" not in ix.field_terms("t") and "green" not in ix.field_terms("_all")
    store.clock.advance(11)
    ix.sync(store)
    assert "apple" not in ix.field_terms("t")
    assert ix.doc_count == 1


def test_type_mapping_and_field_restriction():
    ix = InvertedIndex(IndexDefinition.simple("i", "b", fields=["name", "addr.city"], doc_type="hotel"))
    assert ix.add("h", {"type": "hotel", "name": "Inn", "desc": "quiet",
                        "addr": {"city": "Oslo", "zip": "0150"}})
    assert not ix.add("u", {"type": "user", "name": "Inn"})
    assert set(ix.stored["h"]) == {"name", "addr.city"}
    assert "quiet" not in ix.field_terms("_all")
    parsed = IndexDefinition.parse("x", {"sourceName": "b", "params": {"mapping": {
        "default_mapping": {"enabled": False}, "types": {"a": {"enabled": True, "dynamic": True}}},
        "doc_config": {"type_field": "kind"}}})
    assert parsed.mapping_for({"kind": "a"}) is not None and parsed.mapping_for({"kind": "b"}) is None


# ----------------------------------------------------------------------------- over HTTP


@pytest.fixture(scope="module")
def http_mock():
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"], control_port=None) as mock:
        for doc_id, doc in DOCS.items():
            mock.put_doc("default", doc_id, json.dumps(doc).encode())
        yield mock


def call(mock: Any, method: str, path: str, body: Any = None, raw: bytes = b""):
    conn = http.client.HTTPConnection("127.0.0.1", mock.nodes[0].fts_port, timeout=10)
    headers = {"Authorization": "Basic " + base64.b64encode(b"Administrator:password").decode(),
               "Content-Type": "application/json"}
    conn.request(method, path, raw or (json.dumps(body) if body is not None else None), headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, json.loads(data), resp.getheader("Transfer-Encoding")


def test_index_management_over_http(http_mock):
    definition = {"type": "fulltext-index", "name": "hotels", "sourceType": "gocbcore",
                  "sourceName": "default", "planParams": {"indexPartitions": 1},
                  "params": {"mapping": {"default_mapping": {"enabled": True, "dynamic": True}}}}
    status, body, _ = call(http_mock, "PUT", "/api/index/hotels", definition)
    assert (status, body["status"]) == (200, "ok")
    status, body, _ = call(http_mock, "GET", "/api/index/hotels")
    assert (status == 200 and body["indexDef"]["sourceName"] == "default"
            and body["indexDef"]["name"] == "hotels")
    status, body, _ = call(http_mock, "GET", "/api/index")
    assert "hotels" in body["indexDefs"]["indexDefs"]
    assert call(http_mock, "GET", "/api/index/hotels/count")[1] == {"status": "ok", "count": len(DOCS)}
    http_mock.put_doc("default", "new", b'{"name":"New Hotel"}')
    assert call(http_mock, "GET", "/api/index/hotels/count")[1]["count"] == len(DOCS) + 1
    status, body, _ = call(http_mock, "POST", "/api/index/hotels/query", {"query": {"match": "new"}})
    assert status == 200 and [h["id"] for h in body["hits"]] == ["new"]
    assert call(http_mock, "DELETE", "/api/index/hotels")[1]["status"] == "ok"
    status, body, _ = call(http_mock, "GET", "/api/index/hotels")
    assert status == 400 and "index not found" in body["error"] and body["status"] == "fail"
    status, body, _ = call(http_mock, "DELETE", "/api/index/hotels")
    assert status == 400
    status, body, _ = call(http_mock, "PUT", "/api/index/bad", {"sourceName": "nosuchbucket"})
    assert status == 400 and "nosuchbucket" in body["error"]
    status, body, _ = call(http_mock, "PUT", "/api/index/bad", raw=b"{not json")
    assert status == 400 and body["status"] == "fail"


def test_query_errors_over_http(http_mock):
    http_mock.create_search_index("errs", "default")
    status, body, _ = call(http_mock, "POST", "/api/index/missing/query", {"query": {"match_all": {}}})
    # both clients' classifiers: lcb looks for "not_found", the official SDK for "index not found"
    assert status == 400 and "not_found" in body["error"] and "index not found" in body["error"]
    status, body, _ = call(http_mock, "POST", "/api/index/errs/query", {"query": {"nope": 1}})
    assert status == 400 and "QueryBleve parsing" in body["error"] and body["status"] == "fail"
    status, body, _ = call(http_mock, "POST", "/api/index/errs/query", raw=b'{"query": ')
    assert status == 400 and "QueryBleve parsing" in body["error"]
    with pytest.raises(ValueError, match="bucket not found"):
        http_mock.create_search_index("x", "nosuchbucket")


def test_large_results_are_chunked(http_mock):
    http_mock.create_search_index("all", "default")
    status, body, chunked = call(http_mock, "POST", "/api/index/all/query", {"query": {"match_all": {}}})
    assert status == 200 and chunked is None  # small: one buffer
    req = SearchRequest({"query": {"match_all": {}}, "size": 1000})
    ix = InvertedIndex(IndexDefinition.simple("i", "b"))
    for i in range(1200):
        ix.add(f"d{i:04}", {"n": i})
    outcome = req.run(ix, "i_0")
    chunks = list(outcome.chunks(per_chunk=100))
    assert len(chunks) == 12  # head, 10 pieces of 100 hits, tail
    assert max(len(c) for c in chunks) < 20_000
    parsed = json.loads(b"".join(chunks))
    assert len(parsed["hits"]) == 1000 and parsed["total_hits"] == 1200
