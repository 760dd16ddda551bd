"""Query, analytics, search and view requests, built once for every front end.

Each builder checks the arguments and returns a :class:`ServiceRequest`: how to
schedule the streaming request on a connection, how to turn the final
metadata into its ``*MetaData`` object, how to present one row, and the
blocking result class. The blocking API iterates it with libcouchbase's loop
(:mod:`couchbase._streaming`); event-loop front ends stream it with
:mod:`couchbase._async_rows`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple, Optional, Tuple, Type

from couchbase import _search_caps, _services, n1ql, views
from couchbase import analytics as _a
from couchbase import search as _s
from couchbase.exceptions import InvalidArgumentException
from couchbase.options import timeout_us

if TYPE_CHECKING:
    from couchbase._instance import Connection
    from couchbase._streaming import BlockingRows


class ServiceRequest(NamedTuple):
    schedule: Callable[[Any], "_services.RowStream"]  # conn -> stream
    metadata: Callable[[Mapping[str, Any]], Any]  # final meta JSON -> QueryMetaData / ...
    row: Optional[Callable[[Any], Any]]  # decoded row -> presented row (None: as is)
    blocking_result: Type[BlockingRows]  # QueryResult / AnalyticsResult / SearchResult / ViewResult


def _scoped(bucket: Optional[str], scope: Optional[str]) -> Optional[str]:
    return f"default:`{bucket}`.`{scope}`" if bucket is not None else None


def query(statement: str, options: Tuple[Any, ...], kwargs: Mapping[str, Any],
          bucket: Optional[str] = None, scope: Optional[str] = None) -> ServiceRequest:
    """A N1QL request (``scope.query`` passes its bucket and scope as the query context)."""
    body, opts = n1ql.build_payload(statement, options, kwargs, query_context=_scoped(bucket, scope))
    prepared = opts.get("adhoc", True) is False
    tmo = timeout_us(opts.get("timeout"))
    context = {"statement": statement, "client_context_id": body.get("client_context_id")}
    return ServiceRequest(
        lambda conn: _services.schedule_query(conn, body, prepared=prepared, timeout_us=tmo, context=context),
        n1ql.QueryMetaData, None, n1ql.QueryResult)


def analytics(statement: str, options: Tuple[Any, ...], kwargs: Mapping[str, Any],
              bucket: Optional[str] = None, scope: Optional[str] = None) -> ServiceRequest:
    """An analytics request."""
    body, opts = _a.build_payload(statement, options, kwargs, query_context=_scoped(bucket, scope))
    priority = bool(opts.get("priority"))
    tmo = timeout_us(opts.get("timeout"))
    context = {"statement": statement, "client_context_id": body.get("client_context_id")}
    return ServiceRequest(
        lambda conn: _services.schedule_analytics(conn, body, priority=priority, timeout_us=tmo,
                                                  context=context),
        _a.AnalyticsMetaData, None, _a.AnalyticsResult)


def scoped_index(bucket: str, scope: str, index: Any) -> Any:
    """The name a scope-level search index has on the cluster: ``bucket.scope.index`` (the
    server resolves its scoped endpoint to it; libcouchbase 3 only has the cluster endpoint)."""
    if isinstance(index, str) and index and "." not in index:
        return f"{bucket}.{scope}.{index}"
    return index


def search(index: str, query_: Any, options: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> ServiceRequest:
    """A full-text search request; rows are ``SearchRow``."""
    body, opts = _s.build_payload(index, query_, options, kwargs)
    tmo = timeout_us(opts.get("timeout"))
    context = {"index": index, "log_response": bool(opts.get("log_response"))}
    schedule = _search_caps.schedule_vector_search if "knn" in body else _services.schedule_search
    return ServiceRequest(
        lambda conn: schedule(conn, body, timeout_us=tmo, context=context),
        _s.SearchMetaData, lambda hit: _s.SearchRow(hit) if isinstance(hit, Mapping) else hit,
        _s.SearchResult)


def view(design_doc: str, view_name: str, options: Tuple[Any, ...], kwargs: Mapping[str, Any],
         transcoder: Any) -> ServiceRequest:
    """A view request; rows are ``ViewRow`` (with ``doc`` when ``include_docs``)."""
    for name, value in (("design_doc", design_doc), ("view", view_name)):
        if not isinstance(value, str) or not value:
            raise InvalidArgumentException(message=f"view_query: {name} must be a non-empty str")
    query_str, post, opts = views.build_query(options, kwargs)
    ns = opts.get("namespace")
    ddoc = ns.prefix(design_doc) if isinstance(ns, views.DesignDocumentNamespace) else design_doc
    include_docs = bool(opts.get("include_docs"))
    tmo = timeout_us(opts.get("timeout"))
    context = {"design_document": ddoc, "view": view_name}
    return ServiceRequest(
        lambda conn: _services.schedule_view(conn, ddoc, view_name, query_str, post,
                                             include_docs=include_docs, timeout_us=tmo, transcoder=transcoder,
                                             context=context),
        views.ViewMetaData, None, views.ViewResult)


def blocking(request: ServiceRequest, conn: "Connection") -> Any:
    """The blocking result of ``request`` on ``conn`` (rows stream as they are iterated)."""
    return request.blocking_result(conn, lambda: request.schedule(conn))
