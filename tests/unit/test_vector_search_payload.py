"""What a vector search request sends: the ``knn`` body the SDK 4.x (its C++ core) sends, and the
validation of VectorQuery / VectorSearch / SearchRequest (names and messages of the SDK 4.x)."""
from __future__ import annotations

import pytest

from couchbase.exceptions import InvalidArgumentException
from couchbase.options import VectorSearchOptions
from couchbase.search import MatchQuery, SearchOptions, SearchRequest, TermQuery, build_payload
from couchbase.vector_search import VectorQuery, VectorQueryCombination, VectorSearch


def _body(request, **kwargs):
    return build_payload("idx", request, (), kwargs)[0]


def test_vector_only_request_sends_match_none_and_knn():
    vs = VectorSearch.from_vector_query(VectorQuery("emb", [0.5, -1.0]))
    body = _body(SearchRequest.create(vs), limit=4)
    assert body["query"] == {"match_none": None}
    assert body["knn"] == [{"field": "emb", "k": 3, "vector": [0.5, -1.0]}]  # k defaults to 3
    assert "knn_operator" not in body and body["size"] == 4


def test_every_knn_field_and_the_operator():
    queries = [VectorQuery.create("emb", [1.0], num_candidates=7, boost=2.0,
                                  prefilter=TermQuery("a", field="t")),
               VectorQuery("emb", "AACAPw==")]
    for combo, wire in ((VectorQueryCombination.AND, "and"), ("OR", "or")):
        vs = VectorSearch(queries, VectorSearchOptions(vector_query_combination=combo))
        body = _body(SearchRequest(MatchQuery("x")).with_vector_search(vs))
        assert body["query"] == {"match": "x"}
        assert body["knn"] == [{"field": "emb", "k": 7, "vector": [1.0], "boost": 2.0,
                                "filter": {"term": "a", "field": "t"}},
                               {"field": "emb", "k": 3, "vector_base64": "AACAPw=="}]
        assert body["knn_operator"] == wire
    both = SearchRequest.create(VectorSearch(queries)).with_search_query(MatchQuery("y"))
    assert _body(both)["query"] == {"match": "y"} and both.vector_search.queries == queries
    assert SearchRequest(MatchQuery("z"), vector_search=VectorSearch(queries)).vector_search is not None


@pytest.mark.parametrize("make, message", [
    (lambda: VectorQuery("", [1.0]), "field name"),
    (lambda: VectorQuery("f", []), "cannot be empty"),
    (lambda: VectorQuery("f", None), "cannot be empty"),
    (lambda: VectorQuery("f", [1.0, 2]), "must be a float"),
    (lambda: VectorQuery("f", ""), "base64 encoded vector cannot be empty"),
    (lambda: VectorQuery("f", (1.0,)), "List\\[float\\] or base64"),
    (lambda: VectorQuery("f", [1.0], num_candidates=0), "num_candidates must be >= 1"),
    (lambda: VectorQuery("f", [1.0], num_candidates=2.0), "num_candidates must be an int"),
    (lambda: VectorQuery("f", [1.0], boost=2), "boost must be a float"),
    (lambda: VectorQuery("f", [1.0], prefilter={"term": "a"}), "prefilter must be a SearchQuery"),
    (lambda: VectorSearch([]), "queries cannot be empty"),
    (lambda: VectorSearch([TermQuery("a")]), "must be a VectorQuery"),
    (lambda: VectorSearch([VectorQuery("f", [1.0])], VectorSearchOptions(vector_query_combination="xor")),
     "vector_query_combination"),
    (lambda: SearchRequest(None), "SearchQuery or VectorSearch"),
    (lambda: SearchRequest.create("match me"), "SearchQuery or VectorSearch"),
    (lambda: SearchRequest(TermQuery("a")).with_search_query(TermQuery("b")), "already has SearchQuery"),
    (lambda: SearchRequest(VectorSearch([VectorQuery("f", [1.0])])).with_vector_search(
        VectorSearch([VectorQuery("f", [1.0])])), "already has VectorSearch"),
])
def test_validation(make, message):
    with pytest.raises(InvalidArgumentException, match=message):
        make()


def test_search_options_still_apply():
    vs = VectorSearch.from_vector_query(VectorQuery("emb", [1.0]))
    body = build_payload("idx", SearchRequest.create(vs), (SearchOptions(fields=["name"]),), {})[0]
    assert body["fields"] == ["name"] and body["knn"][0]["field"] == "emb"
