"""Errors of each service carry SDK 4.x's error context class, with its fields, on every front end.

query -> QueryErrorContext, analytics -> AnalyticsErrorContext, search -> SearchErrorContext,
views -> ViewErrorContext (all HTTPErrorContext), management -> ManagementErrorContext, and
sub-document operations -> SubdocumentErrorContext (a KeyValueErrorContext).
"""
from __future__ import annotations

import json
from typing import Any, Callable

import pytest

import couchbase.subdocument as SD
from couchbase.exceptions import (
    AnalyticsErrorContext,
    BucketNotFoundException,
    CouchbaseException,
    DocumentNotFoundException,
    ErrorContext,
    HTTPErrorContext,
    KeyValueErrorContext,
    ManagementErrorContext,
    ParsingFailedException,
    PathNotFoundException,
    QueryErrorContext,
    SearchErrorContext,
    SubdocumentErrorContext,
    ViewErrorContext,
)
from couchbase.search import QueryStringQuery


def settle(kv: Any, value: Any) -> Any:
    """``value`` on the blocking API; a front end's pending value (future, Deferred, ...) waited for."""
    resolve = getattr(kv, "_resolve", None)
    is_pending = getattr(kv, "_is_pending", None)
    return resolve(value) if resolve is not None and is_pending(value) else value


def raises(fn: Callable[[], Any]) -> CouchbaseException:
    with pytest.raises(CouchbaseException) as info:
        fn()
    return info.value


def test_query_error_context(kv: Any) -> None:
    err = raises(lambda: kv.collect_rows(kv.cluster.query("SELEC 1")))
    assert isinstance(err, ParsingFailedException)
    ctx = err.context
    assert type(ctx) is QueryErrorContext and isinstance(ctx, HTTPErrorContext)
    assert ctx.statement == "SELEC 1" and ctx.first_error_code == 3000 and ctx.response_code == 400
    assert ctx.method == "POST" and ctx.path == "/query/service" and ctx.client_context_id
    assert json.loads(ctx.parameters)["statement"] == "SELEC 1"
    assert "3000" in ctx.response_body and ctx.last_dispatched_to == ctx.endpoint


def test_analytics_error_context(kv: Any) -> None:
    err = raises(lambda: kv.collect_rows(kv.cluster.analytics_query("SELEC 1")))
    ctx = err.context
    assert type(ctx) is AnalyticsErrorContext and isinstance(ctx, HTTPErrorContext), repr(err)
    assert not isinstance(ctx, QueryErrorContext)
    assert ctx.statement == "SELEC 1" and ctx.first_error_code and ctx.response_code
    assert ctx.path == "/analytics/service" and json.loads(ctx.parameters)["statement"] == "SELEC 1"


def test_search_error_context(kv: Any) -> None:
    err = raises(lambda: kv.collect_rows(kv.cluster.search_query("no-such-index", QueryStringQuery("x"))))
    ctx = err.context
    assert type(ctx) is SearchErrorContext and isinstance(ctx, HTTPErrorContext), repr(err)
    assert ctx.index_name == "no-such-index" and json.loads(ctx.query) == {"query": "x"}
    assert json.loads(ctx.parameters)["query"] == {"query": "x"}
    assert ctx.method == "POST" and ctx.path == "/api/index/no-such-index/query" and ctx.response_code


def test_view_error_context(kv: Any) -> None:
    bucket = settle(kv, kv.cluster.bucket("default"))
    err = raises(lambda: kv.collect_rows(settle(kv, bucket.view_query("no_ddoc", "no_view", limit=3))))
    ctx = err.context
    assert type(ctx) is ViewErrorContext and isinstance(ctx, HTTPErrorContext), repr(err)
    assert ctx.design_document_name == "no_ddoc" and ctx.view_name == "no_view"
    assert "limit=3" in ctx.query_string and ctx.method == "GET"
    assert ctx.path == "/default/_design/no_ddoc/_view/no_view" and ctx.response_code == 404


def test_management_error_context(kv: Any) -> None:
    err = raises(lambda: settle(kv, kv.cluster.buckets().get_bucket("no-such-bucket")))
    assert isinstance(err, BucketNotFoundException), repr(err)
    ctx = err.context
    assert type(ctx) is ManagementErrorContext and not isinstance(ctx, HTTPErrorContext)
    assert ctx.method == "GET" and ctx.path == "/pools/default/buckets/no-such-bucket"
    assert ctx.response_code == ctx.http_status == 404 and ctx.content is not None


def test_subdocument_error_context(kv: Any) -> None:
    kv.upsert("ctx-subdoc", {"a": 1})
    err = raises(lambda: kv.mutate_in("ctx-subdoc", [SD.upsert("b", 2), SD.replace("no.such", 1)]))
    assert isinstance(err, PathNotFoundException)
    ctx = err.context
    assert type(ctx) is SubdocumentErrorContext and isinstance(ctx, KeyValueErrorContext)
    assert ctx.key == "ctx-subdoc" and ctx.bucket_name == "default"
    assert ctx.first_error_path == "no.such" and ctx.first_error_index == 1 and ctx.deleted is False
    looked = kv.lookup_in("ctx-subdoc", [SD.get("a"), SD.get("nope")])
    field_err = raises(lambda: looked.content_as[int](1))
    assert isinstance(field_err, PathNotFoundException) and type(field_err.context) is SubdocumentErrorContext
    assert field_err.context.first_error_path == "nope" and field_err.context.first_error_index == 1
    missing = raises(lambda: kv.lookup_in("ctx-no-such-doc", [SD.get("a")]))
    assert isinstance(missing, DocumentNotFoundException)
    assert type(missing.context) is SubdocumentErrorContext and missing.context.key == "ctx-no-such-doc"
    plain = raises(lambda: kv.get("ctx-no-such-doc"))
    assert type(plain.context) is KeyValueErrorContext and plain.context.bucket_name == "default"
    assert isinstance(plain.context, ErrorContext) and plain.context.retry_reasons is None
