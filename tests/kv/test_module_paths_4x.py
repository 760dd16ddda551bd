"""SDK 4.x module paths of acouchbase and txcouchbase name the classes our objects are instances of.

One body on every front end: ``collection.binary()`` is a ``couchbase.binary_collection``
(and ``acouchbase``/``txcouchbase.binary_collection``) ``BinaryCollection``; a query's result (or,
on txcouchbase, the running request a handler gets) is an instance of the class that front end's
4.x module exports (``acouchbase.n1ql.AsyncN1QLRequest``, ``txcouchbase.n1ql.N1QLRequest``), and of
``couchbase.n1ql.QueryResult`` where 4.x returns that.
"""
from __future__ import annotations

import importlib
from typing import Any

import acouchbase.analytics
import acouchbase.binary_collection
import acouchbase.n1ql
import acouchbase.search
import acouchbase.views
import couchbase.binary_collection
import couchbase.result
from couchbase.analytics import AnalyticsResult
from couchbase.n1ql import QueryResult
from couchbase.search import SearchResult
from couchbase.views import ViewResult

STATEMENT = "SELECT RAW 1"


def test_binary_and_query_classes_match_the_4x_modules(kv: Any, front_end: str) -> None:
    binary = getattr(kv, "_target", kv).binary()  # the front end's own, not the test's blocking view
    for module in ("couchbase", "acouchbase", "txcouchbase"):
        try:
            cls = importlib.import_module(f"{module}.binary_collection").BinaryCollection
        except ImportError:  # txcouchbase without Twisted installed
            assert module == "txcouchbase"
            continue
        assert isinstance(binary, cls), (module, type(binary))
    assert kv.binary().increment("paths-counter").content >= 0  # and it works
    cluster = kv.cluster
    if front_end in ("asyncio", "uvloop"):
        result = cluster.query(STATEMENT)
        assert isinstance(result, acouchbase.n1ql.AsyncN1QLRequest) and isinstance(result, QueryResult)
        assert not isinstance(result, acouchbase.analytics.AsyncAnalyticsRequest)
        assert kv.collect_rows(result)[0] == [1]
        analytics = cluster.analytics_query(STATEMENT)
        assert isinstance(analytics, acouchbase.analytics.AsyncAnalyticsRequest)
        assert isinstance(analytics, AnalyticsResult)
        assert kv.collect_rows(analytics)[0] == [1]
    elif front_end == "twisted":
        import txcouchbase.analytics
        import txcouchbase.n1ql
        import txcouchbase.search
        import txcouchbase.views
        from support.frontends.twisted_fe import run_until_fired
        from txcouchbase.rows import RowsHandler

        handler = cluster.query_ex(RowsHandler, STATEMENT)
        assert isinstance(handler.request, txcouchbase.n1ql.N1QLRequest)
        for other in (txcouchbase.analytics.AnalyticsRequest, txcouchbase.search.FullTextSearchRequest,
                      txcouchbase.views.ViewRequest):
            assert not isinstance(handler.request, other)
        run_until_fired(handler.finished)
        batch = run_until_fired(cluster.query(STATEMENT))
        assert isinstance(batch, txcouchbase.n1ql.BatchedQueryResult) and list(batch) == [1]
    else:
        result = cluster.query(STATEMENT)
        if front_end in ("sync", "gevent"):
            assert isinstance(result, QueryResult)
        assert kv.collect_rows(result)[0] == [1]


def test_acouchbase_result_classes_are_the_4x_request_classes() -> None:
    from acouchbase.cluster import AAnalyticsResult, AQueryResult, ASearchResult, AViewResult

    assert acouchbase.n1ql.AsyncN1QLRequest is AQueryResult
    assert acouchbase.analytics.AsyncAnalyticsRequest is AAnalyticsResult
    assert acouchbase.search.AsyncFullTextSearchRequest is ASearchResult
    assert acouchbase.views.AsyncViewRequest is AViewResult
    assert issubclass(ASearchResult, SearchResult) and issubclass(AViewResult, ViewResult)
    assert acouchbase.binary_collection.BinaryCollection is couchbase.binary_collection.BinaryCollection


def test_result_names_4x_code_checks(kv: Any) -> None:
    import couchbase.subdocument as SD
    from couchbase.result import ContentProxy, ContentSubdocProxy, MultiResultType

    kv.upsert("paths-doc", {"a": 1})
    res = kv.get("paths-doc")
    assert isinstance(res.content_as, ContentProxy) and res.content_as[dict] == {"a": 1}
    sub = kv.lookup_in("paths-doc", [SD.get("a")])
    assert isinstance(sub.content_as, ContentSubdocProxy) and sub.content_as[int](0) == 1
    assert set(MultiResultType.__args__) == {couchbase.result.MultiGetResult,  # type: ignore[attr-defined]
                                             couchbase.result.MultiMutationResult}
