"""SDK 4.x behaviour of the query services, found by running the official SDK's own suite.

One body per behaviour over every front end (``fe``): N1QL (positional arguments, client
context id, EXPLAIN, profile, query contexts naming a missing scope), analytics (named
parameters as keywords, scoped datasets under ``USE``, a scope's dataverse), views
(``total_rows()``, a missing design document, a bad parameter) and search (sorts, facets,
locations, highlighting, scoring, match operators, consistency, scope-level and
collection-aware indexes). A private mock keeps its data apart.
"""
from __future__ import annotations

import datetime
import json
from typing import Any, Iterator

import pytest

import couchbase.search as search
from couchbase.exceptions import (
    DataverseNotFoundException,
    DesignDocumentNotFoundException,
    HTTPException,
    InvalidArgumentException,
    KeyspaceNotFoundException,
    QueryException,
    ScopeNotFoundException,
    ViewNotFoundException,
)
from couchbase.mutation_state import MutationState
from couchbase.n1ql import QueryProfile
from couchbase.options import AnalyticsOptions, QueryOptions, SearchOptions, UnsignedInt64, ViewOptions
from support.frontends import FRONT_ENDS, selected

DOCS = 12
SCOPE, COLL, OTHER = "svc-scope", "cars", "bikes"
MODELS = ["alpha", "beta", "gamma"]


def _car(n: int) -> dict:
    return {"tag": "svc", "n": n, "model": MODELS[n % 3], "rating": n % 5,
            "desc": "auto deal" if n % 2 else "auto", "geo": {"lon": -120.0 + n, "lat": 37.0},
            "updated": f"2026-0{1 + n % 6}-15T00:00:00Z"}


@pytest.fixture(scope="module")
def smock() -> Iterator[Any]:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.management.search import SearchIndex
    from couchbase.options import ClusterOptions
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as m:
        m.put_docs("default", {f"svc-{n:02d}": json.dumps(_car(n)).encode() for n in range(DOCS)})
        m.create_collection("default", SCOPE, COLL)
        m.create_collection("default", SCOPE, OTHER)
        for n in range(4):
            m.put_doc("default", f"car-{n}", json.dumps(_car(n)).encode(), scope=SCOPE, collection=COLL)
            m.put_doc("default", f"bike-{n}", json.dumps(_car(n)).encode(), scope=SCOPE, collection=OTHER)
        m.create_search_index("svc_idx", "default")
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as c:
            c.query("CREATE PRIMARY INDEX ON default").execute()
            c.query(f"CREATE PRIMARY INDEX ON default.`{SCOPE}`.`{COLL}`").execute()
            typed = {"enabled": True, "dynamic": True}
            params = {"doc_config": {"mode": "scope.collection.type_field", "type_field": "type"},
                      "mapping": {"default_mapping": {"enabled": False},
                                  "types": {f"{SCOPE}.{COLL}": typed, f"{SCOPE}.{OTHER}": typed}}}
            c.bucket("default").scope(SCOPE).search_indexes().upsert_index(SearchIndex(
                name="coll_idx", idx_type="fulltext-index", source_name="default", source_type="couchbase",
                params=params))
            for stmt in (f"CREATE DATAVERSE `default`.`{SCOPE}` IF NOT EXISTS",
                         f"USE `default`.`{SCOPE}`; CREATE DATASET IF NOT EXISTS `{COLL}` "
                         f"ON `default`.`{SCOPE}`.`{COLL}`",
                         "CREATE DATASET IF NOT EXISTS `svc-set` ON `default`"):
                c.analytics_query(stmt).execute()
        yield m


@pytest.fixture(params=selected())
def fe(request: Any, smock: Any) -> Iterator[Any]:
    view, close = FRONT_ENDS[request.param](smock)
    try:
        yield view
    finally:
        close()


def _rows(fe: Any, result: Any) -> Any:
    return fe.collect_rows(result)


# ---- result classes ---------------------------------------------------------------------------
def test_results_are_the_sdk4_result_classes(fe):
    """``isinstance(result, couchbase.result.QueryResult)`` (and Analytics/Search/View) holds for the
    blocking and asyncio front ends, as SDK 4.x returns those classes on both."""
    from couchbase.result import AnalyticsResult, QueryResult, SearchResult, ViewResult

    result = fe.cluster.query("SELECT 1 AS one")
    if not hasattr(result, "rows") or hasattr(result, "addCallback") or hasattr(result, "errback"):
        _rows(fe, result)
        pytest.skip("raw and Twisted results have their own types (AsyncResult, Batched*Result)")
    searched = fe.cluster.search_query("svc_idx", search.TermQuery("auto"))
    analytics = fe.cluster.analytics_query("SELECT 1 AS one")
    assert isinstance(result, QueryResult) and not isinstance(result, SearchResult)
    assert isinstance(searched, SearchResult) and not isinstance(searched, QueryResult)
    assert isinstance(analytics, AnalyticsResult)
    for r in (result, searched, analytics):
        _rows(fe, r)
    assert issubclass(type(fe.cluster.bucket("default").view_query("d", "v")), ViewResult)


# ---- N1QL -------------------------------------------------------------------------------------
def test_positional_arguments_replace_the_options_list(fe):
    rows, _ = _rows(fe, fe.cluster.query("SELECT RAW d.n FROM default AS d WHERE d.n = $1",
                                         QueryOptions(positional_parameters=[99]), 3))
    assert rows == [3]


def test_every_query_has_a_client_context_id_and_errors_keep_the_response(fe):
    _, meta = _rows(fe, fe.cluster.query("SELECT 1 AS one"))
    assert meta.client_context_id()  # generated when not given
    _, meta = _rows(fe, fe.cluster.query("SELECT 1 AS one", client_context_id="mine"))
    assert meta.client_context_id() == "mine"
    with pytest.raises(KeyspaceNotFoundException) as info:
        _rows(fe, fe.cluster.query("SELECT * FROM no_such_bucket"))
    ctx = info.value.context
    assert ctx.client_context_id and ctx.first_error_code == 12003
    assert "12003" in ctx.response_body and json.loads(ctx.response_body)


def test_explain_gives_the_plan_and_profile_the_timings(fe):
    rows, _ = _rows(fe, fe.cluster.query("EXPLAIN SELECT * FROM default LIMIT 2", QueryOptions(metrics=True)))
    assert len(rows) == 1 and rows[0]["plan"]["#operator"] == "Sequence"
    assert rows[0]["text"] == "SELECT * FROM default LIMIT 2"
    _, meta = _rows(fe, fe.cluster.query("SELECT * FROM default LIMIT 1", profile=QueryProfile.TIMINGS))
    assert "phaseTimes" in meta.profile() and "executionTimings" in meta.profile()
    _, meta = _rows(fe, fe.cluster.query("SELECT * FROM default LIMIT 1"))
    assert meta.profile() is None


def test_query_context_naming_a_missing_scope_or_bucket(fe):
    statement = f"SELECT RAW n FROM `{COLL}` ORDER BY n"
    rows, _ = _rows(fe, fe.cluster.query(statement, query_context=f"default.`{SCOPE}`"))
    assert rows == [0, 1, 2, 3]
    with pytest.raises(ScopeNotFoundException):
        _rows(fe, fe.cluster.query(statement, QueryOptions(query_context="default.`no-scope`")))
    with pytest.raises(KeyspaceNotFoundException):
        _rows(fe, fe.cluster.bucket("default").scope(SCOPE).query(statement,
                                                                   query_context=f"`no-bucket`.`{SCOPE}`"))


def test_from_expression_terms_join_as_a_cross_product(fe):
    """``FROM e1 AS a, e2 AS b``: every combination; aggregates over a large product are computed
    as the rows stream by (the combinations are not held)."""
    rows, _ = _rows(fe, fe.cluster.query("SELECT RAW [a, b] FROM [1, 2] AS a, ['x', 'y'] AS b"))
    assert rows == [[1, "x"], [1, "y"], [2, "x"], [2, "y"]]
    rows, _ = _rows(fe, fe.cluster.query(
        "SELECT COUNT(1) AS c, SUM(d1) AS s, MAX(d2) AS m, COUNT(DISTINCT d1) AS k "
        "FROM ARRAY_RANGE(0, 20) AS d1, ARRAY_RANGE(0, 30) AS d2"))
    assert rows == [{"c": 600, "s": sum(range(20)) * 30, "m": 29, "k": 20}]
    rows, _ = _rows(fe, fe.cluster.query(
        "SELECT COUNT(1) AS c FROM ARRAY_RANGE(0, 50) AS d1, ARRAY_RANGE(0, 50) AS d2, "
        "ARRAY_RANGE(0, 50) AS d3", timeout=datetime.timedelta(seconds=60)))
    assert rows == [{"c": 125_000}]


def test_query_metrics_compare_as_unsigned_ints(fe):
    _, meta = _rows(fe, fe.cluster.query("SELECT * FROM default LIMIT 2", metrics=True))
    metrics = meta.metrics()
    assert metrics.result_size() > UnsignedInt64(0) and metrics.result_count() == UnsignedInt64(2)


# ---- analytics --------------------------------------------------------------------------------
def test_analytics_keywords_are_named_parameters(fe):
    statement = "SELECT RAW d.n FROM `svc-set` AS d WHERE d.model = $model ORDER BY d.n"
    rows, meta = _rows(fe, fe.cluster.analytics_query(statement, model="beta"))
    assert rows == [n for n in range(DOCS) if n % 3 == 1]
    overridden = AnalyticsOptions(named_parameters={"model": "x"})
    rows, _ = _rows(fe, fe.cluster.analytics_query(statement, overridden, model="gamma"))
    assert rows == [n for n in range(DOCS) if n % 3 == 2]
    rows, _ = _rows(fe, fe.cluster.analytics_query("SELECT RAW d.n FROM `svc-set` AS d WHERE d.n = $1",
                                                   AnalyticsOptions(positional_parameters=[0]), 5))
    assert rows == [5]
    assert meta.metrics().processed_objects() >= UnsignedInt64(DOCS)


def test_analytics_datasets_of_a_scope(fe):
    """``USE dataverse;`` DDL made a dataset over a collection; a scope's analytics query (or a
    query context) reads it by its short name; a missing dataverse is typed."""
    statement = f"SELECT RAW c.n FROM `{COLL}` AS c ORDER BY c.n"
    rows, _ = _rows(fe, fe.cluster.bucket("default").scope(SCOPE).analytics_query(statement))
    assert rows == [0, 1, 2, 3]
    rows, _ = _rows(fe, fe.cluster.analytics_query(
        f"SELECT RAW c.n FROM `default`.`{SCOPE}`.`{COLL}` AS c ORDER BY c.n"))
    assert rows == [0, 1, 2, 3]
    with pytest.raises(DataverseNotFoundException):
        _rows(fe, fe.cluster.analytics_query(statement, query_context="default:`default`.`no-scope`"))


def test_analytics_functions_range_and_sleep(fe):
    """SQL++'s RANGE (both ends included) and SLEEP; a request that outlives its timeout is a
    typed timeout."""
    from couchbase.exceptions import AmbiguousTimeoutException

    rows, _ = _rows(fe, fe.cluster.analytics_query("SELECT VALUE r FROM range(1, 5) r"))
    assert rows == [1, 2, 3, 4, 5]
    rows, _ = _rows(fe, fe.cluster.analytics_query('SELECT sleep("v", 10) AS f'))
    assert rows == [{"f": "v"}]
    with pytest.raises(AmbiguousTimeoutException):  # sent: it may have had effects
        _rows(fe, fe.cluster.analytics_query('SELECT sleep("v", 600) AS f',
                                             timeout=datetime.timedelta(milliseconds=200)))
    with pytest.raises(QueryException):  # not a N1QL function
        _rows(fe, fe.cluster.query("SELECT RAW r FROM range(1, 5) r"))


# ---- views ------------------------------------------------------------------------------------
def test_view_metadata_and_errors(fe, smock):
    from support.views import view_capi_request

    views = {"by_n": {"map": "function (doc) { if (doc.tag === 'svc') emit(doc.n, null); }"}}
    status, body = view_capi_request(smock, "PUT", "/default/_design/svc_ddoc", {"views": views})
    assert status == 201, body
    rows, meta = _rows(fe, fe.cluster.bucket("default").view_query("svc_ddoc", "by_n", limit=3))
    assert [r.key for r in rows] == [0, 1, 2]
    assert meta.total_rows() == DOCS == meta.total_rows  # SDK 4.x method; the earlier attribute
    with pytest.raises(DesignDocumentNotFoundException) as missing:
        _rows(fe, fe.cluster.bucket("default").view_query("no_such_ddoc", "by_n"))
    assert isinstance(missing.value, ViewNotFoundException)  # what this SDK raised before
    with pytest.raises(ViewNotFoundException) as missing:  # a missing view of an existing document
        _rows(fe, fe.cluster.bucket("default").view_query("svc_ddoc", "no_such_view"))
    assert not isinstance(missing.value, DesignDocumentNotFoundException)
    with pytest.raises(InvalidArgumentException) as bad:  # not JSON: the view engine answers 400
        _rows(fe, fe.cluster.bucket("default").view_query(
            "svc_ddoc", "by_n", ViewOptions(raw={"startkey": "not-json"})))
    assert isinstance(bad.value, HTTPException) and bad.value.context.http_status == 400


# ---- search -----------------------------------------------------------------------------------
def _search(fe: Any, *args: Any, **kwargs: Any) -> Any:
    return _rows(fe, fe.cluster.search_query("svc_idx", *args, **kwargs))


def test_search_rows_and_metrics(fe):
    rows, meta = _search(fe, search.TermQuery("auto"), SearchOptions(limit=5))
    assert len(rows) == 5 and all(isinstance(r, search.SearchRow) for r in rows)
    assert all(isinstance(r.score, float) and r.locations is None for r in rows)
    metrics = meta.metrics()
    assert isinstance(metrics, search.SearchMetrics) and metrics.total_rows() == DOCS
    assert metrics.total_partition_count() == metrics.success_partition_count() == 1
    assert isinstance(metrics.took(), datetime.timedelta) and metrics.max_score() > 0


def test_search_sorts(fe):
    rows, _ = _search(fe, search.MatchAllQuery(), limit=DOCS,
                      sort=[search.SortField("rating", type="number", desc=True), search.SortID()],
                      fields=["rating"])
    assert [(r.fields["rating"], r.id) for r in rows] == sorted(
        ((n % 5, f"svc-{n:02d}") for n in range(DOCS)), key=lambda t: (-t[0], t[1]))
    rows, _ = _search(fe, search.MatchAllQuery(), limit=3, sort=[search.SortID(desc=True)])
    assert [r.id for r in rows] == ["svc-11", "svc-10", "svc-09"]
    rows, _ = _search(fe, search.MatchQuery("deal"), limit=DOCS, sort=[search.SortScore()])
    assert [r.score for r in rows] == sorted(r.score for r in rows)
    near = search.SortGeoDistance(location=(-109.0, 37.0), field="geo", unit="km")
    rows, _ = _search(fe, search.MatchAllQuery(), limit=2, sort=[near])
    assert [r.id for r in rows] == ["svc-11", "svc-10"]  # nearest first
    rows, _ = _search(fe, search.MatchAllQuery(), limit=2, sort=["-_id"])
    assert [r.id for r in rows] == ["svc-11", "svc-10"]


def test_search_facets(fe):
    dates = search.DateFacet("updated", limit=3).add_range("h1", start="2026-01-01T00:00:00Z",
                                                          end="2026-07-01T00:00:00Z")
    numbers = search.NumericFacet("rating", limit=2).add_range("low", max=2).add_range("high", min=2)
    facets = {"models": search.TermFacet("model", 2), "bare": search.TermFacet("model"),
              "dates": dates, "numbers": numbers}
    _, meta = _search(fe, search.MatchAllQuery(), limit=1, facets=facets)
    got = search.facets_of(meta.raw())
    assert [(t.term, t.count) for t in got["models"].terms] == [("alpha", 4), ("beta", 4)]
    assert got["models"].name == "models" and got["models"].total == DOCS
    assert got["bare"].terms is None and got["bare"].numeric_ranges is None  # no limit: totals only
    assert [(r.name, r.count) for r in got["dates"].date_ranges] == [("h1", DOCS)]
    assert sorted((r.name, r.count) for r in got["numbers"].numeric_ranges) == [("high", 6), ("low", 6)]
    with pytest.raises(ValueError):
        fe.cluster.search_query("svc_idx", search.MatchAllQuery(), facets={"broken": None})


def test_search_locations_fragments_and_scoring(fe):
    rows, _ = _search(fe, search.MatchQuery("deal", field="desc"), include_locations=True)
    locations = rows[0].locations
    assert isinstance(locations, search.SearchRowLocations)
    assert [(loc.field, loc.term, loc.position) for loc in locations.get_all()] == [("desc", "deal", 2)]
    assert locations.get("desc", "deal")[0].start == 5 and locations.terms() == {"deal"}
    rows, _ = _search(fe, search.MatchQuery("deal", field="desc"),
                      SearchOptions(highlight_style=search.HighlightStyle.Html))
    assert rows[0].fragments == {"desc": ["auto <mark>deal</mark>"]} and rows[0].locations is not None
    rows, _ = _search(fe, search.TermQuery("auto"), disable_scoring=True)
    assert rows and all(r.score == 0 for r in rows)


@pytest.mark.parametrize("operator, terms, hits", [(search.MatchOperator.AND, "auto deal", DOCS // 2),
                                                   (search.MatchOperator.OR, "deal nothing", DOCS // 2),
                                                   (search.MatchOperator.AND, "deal nothing", 0)])
def test_search_match_operator(fe, operator, terms, hits):
    _, meta = _search(fe, search.MatchQuery(terms, match_operator=operator), limit=DOCS)
    assert meta.metrics().total_rows() == hits


def test_search_consistency_options(fe):
    key = "svc-fresh"
    res = fe.upsert(key, dict(_car(0), desc="zyzzyva"))
    rows, _ = _search(fe, search.TermQuery("zyzzyva"), consistent_with=MutationState(res))
    assert [r.id for r in rows] == [key]
    with pytest.raises(InvalidArgumentException):
        fe.cluster.search_query("svc_idx", search.TermQuery("auto"),
                                scan_consistency=search.SearchScanConsistency.AT_PLUS)
    fe.remove(key)


def test_scope_search_on_a_collection_aware_index(fe):
    """A scope's search runs its scope-level index; hits name their collection (``_$c``) and
    ``collections=`` keeps those of the named collections."""
    scope = fe.cluster.bucket("default").scope(SCOPE)
    rows, _ = _rows(fe, scope.search_query("coll_idx", search.TermQuery("auto"), limit=20))
    assert sorted(r.fields["_$c"] for r in rows) == [OTHER] * 4 + [COLL] * 4
    rows, _ = _rows(fe, scope.search("coll_idx", search.SearchRequest.create(search.TermQuery("auto")),
                                     SearchOptions(limit=20, collections=[COLL], fields=["model"])))
    assert sorted(r.id for r in rows) == [f"car-{n}" for n in range(4)]
    assert all(set(r.fields) <= {"model", "_$c"} and r.fields["_$c"] == COLL for r in rows)


def test_search_on_a_missing_index_is_typed(fe):
    with pytest.raises(QueryException):
        _rows(fe, fe.cluster.search_query("no_such_index", search.TermQuery("auto")))
