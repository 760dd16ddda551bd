"""The mock's vector search without clients: vector field mappings as bleve validates them, knn
scoring per similarity (bleve: 1/squared distance, inner product, normalised inner product), the
query norm of several knn entries, filters, knn_operator, the merge with the text query, request
errors; and the server version that decides all of it (REST version, cluster capabilities)."""
from __future__ import annotations

import base64
import http.client
import json
import math
import struct
from typing import Any, Dict, List, Tuple

import pytest

from couchbase_mock import MockCluster
from couchbase_mock.search.definition import DefinitionError, IndexDefinition
from couchbase_mock.search.inverted import InvertedIndex
from couchbase_mock.search.query import QueryError
from couchbase_mock.search.request import SearchRequest
from couchbase_mock.search.vectors import MAX_KNN_SCORE

DOCS = {"a": ([0.0, 0.5], "red"), "b": ([1.0, 0.0], "blue"), "c": ([3.0, 4.0], "red"),
        "d": ([1.0, 1.0], "blue"), "bad": ([1.0, 2.0, 3.0], "red")}


def _field(kind: str = "vector", **extra: Any) -> Dict[str, Any]:
    return dict({"name": "v", "type": kind, "dims": 2, "index": True}, **extra)


def _definition(field: Dict[str, Any], version: Tuple[int, int, int] = (7, 6, 2)) -> IndexDefinition:
    return IndexDefinition.parse("idx", {"sourceName": "default", "params": {"mapping": {"default_mapping": {
        "dynamic": True, "properties": {"v": {"dynamic": False, "fields": [field]}}}}}}, version)


def _index(**extra: Any) -> InvertedIndex:
    kind = extra.pop("kind", "vector")
    ix = InvertedIndex(_definition(_field(kind, **extra)))
    for doc_id, (vec, color) in DOCS.items():
        value: Any = vec if kind == "vector" else _b64(vec)
        ix.add(doc_id, {"v": value, "color": color})
    return ix


def _b64(vec: List[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()


def _hits(ix: InvertedIndex, knn: List[Dict[str, Any]], query: Any = None,
          **body: Any) -> List[Tuple[str, float]]:
    request = SearchRequest(dict(body, query=query or {"match_none": None}, knn=knn))
    return [(h["id"], h["score"]) for h in json.loads(request.run(ix, "p").body())["hits"]]


def test_l2_norm_scores_one_over_the_squared_distance():
    ix = _index(similarity="l2_norm")
    assert "bad" not in ix.vectors["v"] and "v" not in ix.stored["a"]  # wrong dims: not indexed
    hits = _hits(ix, [{"field": "v", "k": 3, "vector": [1.0, 0.2]}])
    assert [h[0] for h in hits] == ["b", "d", "a"]  # squared distances 0.04, 0.64, 1.09
    assert [h[1] for h in hits] == [pytest.approx(1 / 0.04), pytest.approx(1 / 0.64), pytest.approx(1 / 1.09)]
    assert _hits(ix, [{"field": "v", "k": 1, "vector": [1, 0], "boost": 3}]) == [("b", MAX_KNN_SCORE)]
    assert _hits(ix, [{"field": "v", "k": 1, "vector": [1.0, 0.2], "boost": 2.0}])[0][1] == \
        pytest.approx(2 / 0.04)


def test_dot_product_and_cosine():
    hits = _hits(_index(similarity="dot_product"), [{"field": "v", "k": 2, "vector": [1.0, 0.2]}])
    assert hits == [("c", pytest.approx(3.8)), ("d", pytest.approx(1.2))]
    hits = _hits(_index(similarity="cosine"), [{"field": "v", "k": 2, "vector": [1.0, 0.2]}])
    q = math.hypot(1.0, 0.2)
    assert hits == [("b", pytest.approx(1 / q)), ("d", pytest.approx(1.2 / q / math.sqrt(2)))]


def test_base64_field_and_query_vector():
    ix = _index(kind="vector_base64")
    knn = [{"field": "v", "k": 2, "vector_base64": _b64([1.0, 0.2])}]
    assert [h[0] for h in _hits(ix, knn)] == ["b", "d"]


def test_several_entries_query_norm_operator_filter_and_text():
    ix = _index()
    first, second = {"field": "v", "k": 2, "vector": [1.0, 0.2]}, {"field": "v", "k": 2, "vector": [0.0, 0.6]}
    either = dict(_hits(ix, [first, second]))
    assert set(either) == {"a", "b", "d"}  # first: b, d; second: a, d
    norm = 1 / math.sqrt(2)  # bleve's query norm of two knn queries (each weight 1)
    assert either["d"] == pytest.approx(norm / 0.64 + norm / 1.16)
    assert either["b"] == pytest.approx(norm / 0.04)
    assert dict(_hits(ix, [first, second], knn_operator="and")) == {"d": pytest.approx(either["d"])}
    red = dict(first, filter={"match": "red", "field": "color"})
    assert [h[0] for h in _hits(ix, [red])] == ["a", "c"]
    assert _hits(ix, [dict(first, filter={"term": "purple", "field": "color"})]) == []
    red_text = {"match": "red", "field": "color"}
    text_only = dict(_hits(ix, [], query=red_text))
    both = dict(_hits(ix, [first], query=red_text))
    # "bad" (a vector of the wrong dims) is still indexed as text
    assert set(text_only) == {"a", "c", "bad"} and set(both) == {"a", "b", "c", "d", "bad"}
    assert both["a"] == text_only["a"] and both["b"] == pytest.approx(1 / 0.04)
    assert _hits(ix, [dict(first, vector=[1.0, 0.2, 0.0])]) == []  # another dimension: nothing
    assert _hits(ix, [dict(first, field="color")]) == []


@pytest.mark.parametrize("knn, operator, words", [
    ([{"field": "v", "k": 0, "vector": [1.0]}], None, "k must be greater than 0"),
    ([{"field": "v", "k": 2, "vector": []}], None, "vector must be non-empty"),
    ([{"field": "v", "k": 10001, "vector": [1.0]}], None, "k must be less than 10000"),
    ([{"k": 2, "vector": [1.0]}], None, "knn query field must be non-empty"),
    ([{"field": "v", "k": 2, "vector_base64": "AAAA"}], None, "illegal base64"),
    ([{"field": "v", "k": 2, "vector": [1.0], "filter": {"nope": 1}}], None, "knn filter query is invalid"),
    ([{"field": "v", "k": 2, "vector": [1.0]}], "xor", "knn_operator must be either 'and' / 'or'"),
])
def test_bad_knn_requests(knn, operator, words):
    with pytest.raises(QueryError, match=words):
        SearchRequest({"query": {"match_none": None}, "knn": knn, "knn_operator": operator})


@pytest.mark.parametrize("field, version, words", [
    (_field(dims=0), (7, 6, 2), "field: 'v', invalid vector dimension: 0, value should be in range "
                                "\\[1, 4096\\]"),
    (_field(dims=3000), (7, 6, 0), "invalid vector dimension: 3000, value should be in range \\[1, 2048\\]"),
    (_field(similarity="hamming"), (7, 6, 2), "invalid similarity metric: 'hamming'"),
    (_field(similarity="cosine"), (7, 6, 0), "invalid similarity metric: 'cosine'"),
    (_field(vector_index_optimized_for="speed"), (7, 6, 2), "invalid vector index optimization: 'speed'"),
    (_field("vector_base64"), (7, 6, 0), "unknown field type: 'vector_base64'"),
    (_field(), (7, 0, 0), "unknown field type: 'vector'"),
])
def test_bad_vector_mappings(field, version, words):
    with pytest.raises(DefinitionError, match=words):
        _definition(field, version)


def test_a_server_before_7_6_ignores_knn():
    request = SearchRequest({"query": {"match_none": None}, "knn": [{"field": "v", "k": 2, "vector": [1.0]}]},
                            (7, 0, 0))
    assert request.knn == []


def _get(mock: MockCluster, path: str) -> Dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", mock.nodes[0].mgmt_port, timeout=5)
    token = base64.b64encode(f"{mock.username}:{mock.password}".encode()).decode()
    conn.request("GET", path, headers={"Authorization": f"Basic {token}"})
    body = conn.getresponse().read()
    conn.close()
    return json.loads(body)


def test_the_server_version_decides_the_capabilities():
    with MockCluster(nodes=1, replicas=0, buckets=["default"], server_version="7.0.0") as mock:
        assert "search" not in mock.cluster.bucket_config("default")["clusterCapabilities"]
        node = _get(mock, "/pools/default")["nodes"][0]
        assert (node["version"], node["clusterCompatibility"]) == ("7.0.0", 0x70000)
        rev = mock.cluster.rev
        mock.set_server_version("7.6.0-1234-enterprise")
        assert mock.cluster.rev > rev
        caps = json.loads(mock.cluster.global_config_json())["clusterCapabilities"]
        assert caps["search"] == ["vectorSearch", "scopedSearchIndex"]
        assert _get(mock, "/pools")["implementationVersion"] == "7.6.0-1234-enterprise"
        with pytest.raises(ValueError, match="server_version"):
            mock.set_server_version("seven")
    with MockCluster(nodes=1, buckets=["default"]) as mock:  # the default: 7.6.2
        assert "vectorSearch" in mock.cluster.bucket_config("default")["clusterCapabilities"]["search"]
    with pytest.raises(ValueError, match="server_version"):
        MockCluster(server_version="")
