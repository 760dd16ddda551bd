"""Vector search end to end on every front end: ``cluster.search``/``scope.search`` with a
VectorSearch, against the mock's search service (Server 7.6.2) over real sockets.

Six documents with 2-d vectors; the query vector ``Q = [1.0, 0.2]`` has a different nearest
order under each similarity (l2: p1 p0 p2 ...; dot product: p5 p3 p1 ...; cosine: p1 p5 p3 ...).
A second mock at Server 7.0.0 shows the refusal of a cluster without the capability.
"""
from __future__ import annotations

import base64
import json
import struct
from typing import Any, Iterator, List

import pytest

from couchbase.exceptions import (
    CouchbaseException,
    FeatureUnavailableException,
    InvalidArgumentException,
    ParsingFailedException,
)
from couchbase.options import SearchOptions, VectorSearchOptions
from couchbase.search import MatchQuery, SearchRequest, TermQuery
from couchbase.vector_search import VectorQuery, VectorQueryCombination, VectorSearch
from support.frontends import FRONT_ENDS, selected

Q = [1.0, 0.2]
POINTS = {"p0": ([0.0, 0.5], "red"), "p1": ([1.0, 0.0], "blue"), "p2": ([0.5, 2.0], "red"),
          "p3": ([3.0, 3.0], "blue"), "p4": ([-1.0, -1.0], "red"), "p5": ([4.0, 2.0], "green")}


def b64(vec: List[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()


def _index_params(kind: str, similarity: str, dims: int = 2) -> dict:
    field = "vb" if kind == "vector_base64" else "v"
    return {"mapping": {"default_mapping": {"enabled": True, "dynamic": True, "properties": {
        field: {"enabled": True, "dynamic": False, "fields": [
            {"name": field, "type": kind, "dims": dims, "similarity": similarity,
             "vector_index_optimized_for": "recall", "index": True}]}}}}}


def _upsert(m: Any, name: str, params: dict, scope: Any = None) -> None:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.management.search import SearchIndex
    from couchbase.options import ClusterOptions

    with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as c:
        manager = c.bucket("default").scope(scope).search_indexes() if scope else c.search_indexes()
        manager.upsert_index(SearchIndex(name=name, idx_type="fulltext-index", source_name="default",
                                                    source_type="couchbase", params=params))


@pytest.fixture(scope="module")
def vmock() -> Iterator[Any]:
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"], server_version="7.6.2-3721-enterprise") as m:
        m.put_docs("default", {k: json.dumps({"v": v, "vb": b64(v), "color": c}).encode()
                               for k, (v, c) in POINTS.items()})
        for name, kind, sim in (("v_l2", "vector", "l2_norm"), ("v_dot", "vector", "dot_product"),
                                ("v_cos", "vector", "cosine"), ("v_b64", "vector_base64", "l2_norm")):
            _upsert(m, name, _index_params(kind, sim))
        _upsert(m, "v_scoped", _index_params("vector", "l2_norm"), scope="_default")
        yield m


@pytest.fixture(params=selected())
def fe(request: Any, vmock: Any) -> Iterator[Any]:
    view, close = FRONT_ENDS[request.param](vmock)
    try:
        yield view
    finally:
        close()


def _collect(fe: Any, result: Any) -> Any:
    """(rows, metadata) of a search; TxRawCluster.search (the 3.x reference raw client's) returns a
    Deferred of every hit rather than raw rows."""
    if hasattr(result, "addCallbacks"):
        batch = fe._resolve(result)
        return list(batch), batch.metadata()
    return fe.collect_rows(result)


def _search(fe: Any, index: str, request: Any, *options: Any) -> Any:
    return _collect(fe, fe.cluster.search(index, request, *options))


def _ids(fe: Any, index: str, request: Any, *options: Any) -> List[Any]:
    return [r.id for r in _search(fe, index, request, *options)[0]]


def _vs(*queries: VectorQuery, combination: Any = None) -> SearchRequest:
    options = VectorSearchOptions(vector_query_combination=combination) if combination else None
    return SearchRequest.create(VectorSearch(list(queries), options))


@pytest.mark.parametrize("index, nearest", [("v_l2", ["p1", "p0", "p2"]), ("v_dot", ["p5", "p3", "p1"]),
                                            ("v_cos", ["p1", "p5", "p3"])])
def test_nearest_neighbours_in_order_for_each_similarity(fe, index, nearest):
    field = "v"
    assert _ids(fe, index, _vs(VectorQuery(field, Q))) == nearest  # num_candidates defaults to 3
    assert _ids(fe, index, _vs(VectorQuery(field, Q, num_candidates=5))) == \
        {"v_l2": ["p1", "p0", "p2", "p4", "p3"], "v_dot": ["p5", "p3", "p1", "p2", "p0"],
         "v_cos": ["p1", "p5", "p3", "p2", "p0"]}[index]


def test_scores_are_bleves(fe):
    """l2_norm: 1 / squared distance, times the boost; dot product: the inner product."""
    rows, meta = _search(fe, "v_l2", _vs(VectorQuery("v", Q, num_candidates=1)))
    assert [r.id for r in rows] == ["p1"] and rows[0].score == pytest.approx(1 / 0.04)
    rows, _ = _search(fe, "v_l2", _vs(VectorQuery("v", Q, num_candidates=1, boost=2.0)))
    assert rows[0].score == pytest.approx(2 / 0.04)
    rows, _ = _search(fe, "v_dot", _vs(VectorQuery("v", Q, num_candidates=1)))
    assert [r.id for r in rows] == ["p5"] and rows[0].score == pytest.approx(4.4)
    assert meta.metrics().total_rows() == 1


def test_prefilter_applies_before_the_neighbours(fe):
    red = VectorQuery("v", Q, num_candidates=2, prefilter=MatchQuery("red", field="color"))
    assert _ids(fe, "v_l2", _vs(red)) == ["p0", "p2"]
    nothing = VectorQuery("v", Q, prefilter=TermQuery("purple", field="color"))
    assert _ids(fe, "v_l2", _vs(nothing)) == []


def test_text_query_and_vector_search_together(fe):
    """The hits are the text query's and the vector search's; a document in both scores the sum."""
    request = SearchRequest.create(MatchQuery("blue", field="color")).with_vector_search(
        VectorSearch.from_vector_query(VectorQuery("v", Q, num_candidates=2)))
    rows, _ = _search(fe, "v_l2", request, SearchOptions(limit=10))
    assert [r.id for r in rows][0] == "p1" and sorted(r.id for r in rows) == ["p0", "p1", "p3"]
    text_only, _ = _search(fe, "v_l2", SearchRequest(MatchQuery("blue", field="color")))
    p1 = next(r.score for r in rows if r.id == "p1")
    assert p1 == pytest.approx(next(r.score for r in text_only if r.id == "p1") + 1 / 0.04)


@pytest.mark.parametrize("combination, hits", [(VectorQueryCombination.AND, ["p0"]),
                                               (VectorQueryCombination.OR, ["p0", "p1", "p2"]),
                                               (None, ["p0", "p1", "p2"])])
def test_vector_query_combination(fe, combination, hits):
    first, second = VectorQuery("v", Q, num_candidates=2), VectorQuery("v", [0.2, 1.8], num_candidates=2)
    assert sorted(_ids(fe, "v_l2", _vs(first, second, combination=combination))) == hits


def test_base64_vectors(fe):
    """A vector_base64 field, queried with a base64 vector and with a float list."""
    assert _ids(fe, "v_b64", _vs(VectorQuery("vb", b64(Q)))) == ["p1", "p0", "p2"]
    assert _ids(fe, "v_b64", _vs(VectorQuery("vb", Q))) == ["p1", "p0", "p2"]
    assert _ids(fe, "v_l2", _vs(VectorQuery("v", b64(Q)))) == ["p1", "p0", "p2"]


def test_scope_search_runs_a_vector_search(fe):
    scope = fe.cluster.bucket("default").scope("_default")
    rows, _ = _collect(fe, scope.search("v_scoped", _vs(VectorQuery("v", Q, num_candidates=1))))
    assert [r.id for r in rows] == ["p1"]


def test_a_query_vector_of_another_dimension_finds_nothing(fe):
    """As the Couchbase documentation says: the dimensions must match, else no results."""
    assert _ids(fe, "v_l2", _vs(VectorQuery("v", [1.0, 0.2, 0.3]))) == []
    assert _ids(fe, "v_l2", _vs(VectorQuery("no_such_field", Q))) == []


def test_errors_are_typed_and_named(fe):
    """The SDK's checks raise InvalidArgumentException naming what is wrong; what only the service
    checks (k above bleve's 10000) comes back as its typed parsing failure with its words."""
    with pytest.raises(InvalidArgumentException, match="Must provide a VectorSearch"):
        SearchRequest(MatchQuery("x")).with_vector_search(VectorQuery("v", Q))  # not a VectorSearch
    with pytest.raises(InvalidArgumentException, match="num_candidates must be >= 1"):
        VectorQuery("v", Q, num_candidates=0)
    with pytest.raises(InvalidArgumentException, match="SearchRequest or SearchQuery, got VectorSearch"):
        _search(fe, "v_l2", VectorSearch.from_vector_query(VectorQuery("v", Q)))
    with pytest.raises(ParsingFailedException, match="k must be less than 10000"):
        _search(fe, "v_l2", _vs(VectorQuery("v", Q, num_candidates=10001)))


def test_a_bad_vector_field_mapping_is_refused_with_the_servers_error(vmock):
    for params, words in ((_index_params("vector", "l2_norm", dims=0), "invalid vector dimension: 0"),
                          (_index_params("vector", "hamming"), "invalid similarity metric: 'hamming'")):
        with pytest.raises(CouchbaseException, match=words):
            _upsert(vmock, "v_bad", params)


@pytest.fixture(scope="module")
def old_mock() -> Iterator[Any]:
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"], server_version="7.0.0") as m:
        m.put_docs("default", {k: json.dumps({"color": c}).encode() for k, (_v, c) in POINTS.items()})
        m.create_search_index("plain", "default")
        yield m


@pytest.mark.parametrize("front_end", selected())
def test_a_cluster_before_7_6_refuses_vector_search(old_mock, front_end):
    view, close = FRONT_ENDS[front_end](old_mock)
    try:
        for _ in range(2):  # the second time from the capability cached for the configuration
            with pytest.raises(FeatureUnavailableException, match="vectorSearch"):
                _search(view, "plain", _vs(VectorQuery("v", Q)))
        rows, _ = _search(view, "plain", SearchRequest(MatchQuery("red", field="color")))
        assert sorted(r.id for r in rows) == ["p0", "p2", "p4"]  # text search is unaffected
    finally:
        close()
    with pytest.raises(CouchbaseException, match="unknown field type: 'vector'"):
        _upsert(old_mock, "v_old", _index_params("vector", "l2_norm"))
