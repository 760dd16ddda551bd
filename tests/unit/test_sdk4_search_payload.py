"""What the SDK 4.x search classes put on the wire, and the ordering of constrained ints.

Unit tests of pure functions (no I/O): the JSON each sort, facet and query class renders,
the options' validation, and ``UnsignedInt64`` comparisons the official suite relies on.
"""
from __future__ import annotations

import pytest

import couchbase.search as search
from couchbase.exceptions import InvalidArgumentException
from couchbase.mutation_state import MutationState
from couchbase.options import SignedInt64, UnsignedInt64
from couchbase.results import MutationToken


def _body(query=None, **options):
    body, _ = search.build_payload("idx", query or search.MatchAllQuery(), (), options)
    return body


def test_sorts_render_the_services_json():
    sort = search.SortField("rating", type="number", mode="min", missing="last")
    sort.desc = True
    geo = search.SortGeoDistance(location=(-122.4, 37.7), field="geo", unit="meters")
    body = _body(sort=[sort, search.SortScore(desc=True), search.SortID(), geo, "-name",
                       search.SortString("a", "-b"), search.SortRaw({"by": "field", "field": "x"})])
    assert body["sort"] == [
        {"by": "field", "field": "rating", "type": "number", "mode": "min", "missing": "last", "desc": True},
        {"by": "score", "desc": True}, {"by": "id"},
        {"by": "geo_distance", "location": [-122.4, 37.7], "field": "geo", "unit": "meters"},
        "-name", "a", "-b", {"by": "field", "field": "x"}]
    with pytest.raises(InvalidArgumentException):
        _body(sort=[3])


def test_facets_render_and_validate():
    dates = search.DateFacet("when").add_range("q1", start="2026-01-01T00:00:00Z", end="2026-04-01T00:00:00Z")
    body = _body(facets={"t": search.TermFacet("model", 3), "bare": search.TermFacet("model"),
                         "n": search.NumericFacet("price", 2).add_range("cheap", max=10), "d": dates})
    assert body["facets"] == {
        "t": {"field": "model", "size": 3}, "bare": {"field": "model"},
        "n": {"field": "price", "size": 2, "numeric_ranges": [{"name": "cheap", "max": 10}]},
        "d": {"field": "when", "date_ranges": [{"name": "q1", "start": "2026-01-01T00:00:00Z",
                                                "end": "2026-04-01T00:00:00Z"}]}}
    assert search.NumericRangeFacet is search.NumericFacet  # the earlier name
    with pytest.raises(ValueError):
        _body(facets={"x": None})
    with pytest.raises(InvalidArgumentException):
        search.NumericFacet("price").add_range("open")


def test_queries_render_and_validate():
    assert search.MatchQuery("a b", match_operator=search.MatchOperator.AND).encodable == {
        "match": "a b", "operator": "and"}
    assert search.MatchQuery("a", operator="or").match_operator is search.MatchOperator.OR
    with pytest.raises(ValueError):
        search.MatchQuery("a", match_operator="NOT")
    assert search.RawQuery({"term": "x"}).encodable == {"term": "x"}
    assert search.BooleanFieldQuery(True, field="ok").encodable == {"bool": True, "field": "ok"}
    assert search.GeoDistanceQuery("10mi", {"lon": 1, "lat": 2}, field="g").encodable == {
        "distance": "10mi", "location": {"lon": 1.0, "lat": 2.0}, "field": "g"}
    assert search.TermRangeQuery("a", "c", end_inclusive=True).encodable == {"min": "a", "max": "c",
                                                                            "inclusive_max": True}
    with pytest.raises(InvalidArgumentException):
        search.GeoPolygonQuery([(0, 0), (1, 1)])


def test_options_render_and_validate():
    state = MutationState()
    state.add_mutation_token(MutationToken(7, 1234, 42, "default"))
    body = _body(disable_scoring=True, include_locations=True, limit=5, skip=2, collections=["c"],
                 consistent_with=state, client_context_id="ctx")
    assert body["score"] == "none" and body["includeLocations"] is True
    assert (body["size"], body["from"], body["collections"]) == (5, 2, ["c"])
    assert body["ctl"]["consistency"] == {"level": "at_plus", "vectors": {"idx": {"7/1234": 42}}}
    assert body["client_context_id"] == "ctx"
    assert _body(scan_consistency=search.SearchScanConsistency.REQUEST_PLUS)["ctl"]["consistency"] == {
        "level": "at_plus"}
    for bad in ({"scan_consistency": search.SearchScanConsistency.AT_PLUS}, {"limit": -1},
                {"highlight_style": "bold"}, {"collections": "c"}):
        with pytest.raises(InvalidArgumentException):
            _body(**bad)
    request = search.SearchRequest.create(search.TermQuery("x"))
    assert search.build_payload("idx", request, (), {})[0]["query"] == {"term": "x"}
    with pytest.raises(InvalidArgumentException, match="Must provide a VectorSearch"):
        request.with_vector_search(object())


def test_search_row_locations():
    row = search.SearchRow({"id": "k", "score": 1, "index": "i", "locations": {
        "desc": {"deal": [{"pos": 2, "start": 5, "end": 9, "array_positions": None}]}}})
    assert isinstance(row.score, float) and isinstance(row.fields, search.SearchRowFields)
    assert row.locations.get_all() == [search.SearchRowLocation("desc", "deal", 2, 5, 9, None)]
    assert row.locations.fields() == ["desc"] and row.locations.terms_for("desc") == ["deal"]
    assert row.locations["desc"]["deal"][0]["pos"] == 2  # the earlier dict reading
    with pytest.raises(InvalidArgumentException):
        row.locations.get("desc", "nope")
    assert search.SearchRow({"id": "k"}).locations is None


def test_constrained_ints_are_ordered():
    assert UnsignedInt64(3) > UnsignedInt64(0) and UnsignedInt64(0) < 1 and UnsignedInt64(2) >= 2
    assert sorted([UnsignedInt64(5), UnsignedInt64(1)]) == [UnsignedInt64(1), UnsignedInt64(5)]
    assert SignedInt64(-1) < SignedInt64(0)
    with pytest.raises(TypeError):
        UnsignedInt64(1) < "2"  # noqa: B015


def test_mutation_token_takes_the_sdk4_mapping_and_gives_it_back():
    """``MutationToken(token)``/``(token=...)`` and ``as_dict()`` as SDK 4.x: a token saved as JSON
    is rebuilt and scopes a search like the original."""
    import json

    original = MutationToken(42, 3004, 3, "default")
    saved = json.dumps(original.as_dict())
    assert json.loads(saved) == {"partition_id": 42, "partition_uuid": 3004, "sequence_number": 3,
                                 "bucket_name": "default"}
    for rebuilt in (MutationToken(json.loads(saved)), MutationToken(token=json.loads(saved))):
        assert rebuilt == original and rebuilt.as_tuple() == (42, 3004, 3, "default")
    state = MutationState()
    state.add_mutation_token(MutationToken(token=json.loads(saved)))
    assert _body(consistent_with=state)["ctl"]["consistency"]["vectors"] == {"idx": {"42/3004": 3}}
    for bad, named in (({"partition_id": 1}, "partition_uuid"), (7, "one mapping"),
                       (dict(original.as_dict(), sequence_number="3"), "sequence_number")):
        with pytest.raises(InvalidArgumentException, match=named):
            MutationToken(bad)


def test_compound_and_docid_queries_take_lists_as_sdk4():
    terms = [search.TermQuery("a"), search.TermQuery("b")]
    assert search.DocIdQuery(["x", "y"]).encodable == search.DocIdQuery("x", "y").encodable == {
        "ids": ["x", "y"]}
    assert search.DocIdQuery(ids=["x"]).ids == ["x"]
    assert search.ConjunctionQuery(terms).encodable == search.ConjunctionQuery(*terms).encodable
    disjunction = search.DisjunctionQuery(terms)
    assert disjunction.encodable == search.DisjunctionQuery(*terms).encodable and disjunction.min == 1
    disjunction.min = 2
    assert disjunction.encodable["min"] == 2 and search.DisjunctionQuery(*terms, min=2).min == 2
    for bad in (lambda: search.DocIdQuery([]), lambda: search.DocIdQuery([1]),
                lambda: search.DocIdQuery("a", ids=["b"]), lambda: search.DocIdQuery("a", idz=["b"]),
                lambda: search.DisjunctionQuery(terms, min=3),
                lambda: search.DisjunctionQuery(terms, min=-1)):
        with pytest.raises(InvalidArgumentException):
            bad()
