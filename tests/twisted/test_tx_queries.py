"""txcouchbase query services: Batched*Result Deferreds, query_ex/view_query_ex handlers, raw rows.

A private one-node mock (tests/support/query_data.py) holds the documents,
indexes and the design document; the reactor is turned by hand
(tests/support/frontends/twisted_fe.py).
"""
from __future__ import annotations

import pytest

pytest.importorskip("twisted")

from twisted.internet.defer import CancelledError, Deferred

from couchbase.asynchronous import RawRows
from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import (
    InvalidArgumentException,
    ParsingFailedException,
    RequestCanceledException,
    ViewNotFoundException,
)
from couchbase.n1ql import QueryMetaData
from couchbase.options import ClusterOptions, QueryOptions
from couchbase.search import TermFacet, TermQuery
from couchbase.views import ViewMetaData
from support.frontends.twisted_fe import run_until_fired, turn_reactor
from support.query_data import BIG, BIG_STATEMENT, DDOC, SMALL, query_mock
from txcouchbase import (
    BatchedAnalyticsResult,
    BatchedQueryResult,
    BatchedSearchResult,
    BatchedViewResult,
    RowsHandler,
)
from txcouchbase.cluster import TxCluster, TxRawCluster
from txcouchbase.rows import BATCH_ROWS


@pytest.fixture(scope="module")
def qmock():
    with query_mock() as m:
        yield m


def _opts(m):
    return ClusterOptions(PasswordAuthenticator(m.username, m.password))


@pytest.fixture
def tx(qmock):
    cluster = TxCluster(qmock.connstr, _opts(qmock), kv_timeout=2.5)
    try:
        yield cluster
    finally:
        run_until_fired(cluster.close(), 10)


class Recorder(RowsHandler):
    """Keeps every on_rows batch and what ended the request."""

    def __init__(self, request):
        super().__init__(request)
        self.batches = []
        self.errors = []
        self.done = []

    def on_rows(self, rows):
        self.batches.append(list(rows))

    def on_error(self, exc):
        self.errors.append(exc)

    def on_done(self, metadata):
        self.done.append(metadata)

    @property
    def rows(self):
        return [row for batch in self.batches for row in batch]


def test_query_fires_with_a_batched_query_result(tx):
    res = run_until_fired(tx.query("SELECT RAW d.n FROM default AS d WHERE d.tag = $1 ORDER BY d.n",
                                   QueryOptions(positional_parameters=["tq"])))
    assert type(res) is BatchedQueryResult
    assert list(res) == list(range(SMALL)) == res.rows() == res.execute()
    assert len(res) == SMALL
    meta = res.metadata()
    assert isinstance(meta, QueryMetaData)
    assert meta.status() == "success" and meta.metrics()["resultCount"] == SMALL


def test_query_error_errbacks_with_the_typed_exception(tx):
    d = tx.query("SELEC nonsense")
    with pytest.raises(ParsingFailedException) as info:
        run_until_fired(d)
    assert info.value.context.errors[0]["code"] == 3000


def test_scope_query_and_analytics(tx):
    scope = tx.bucket("default").scope("_default")
    res = run_until_fired(scope.query("SELECT RAW COUNT(*) FROM _default WHERE tag = 'tq'"))
    assert type(res) is BatchedQueryResult and res.rows() == [SMALL]
    res = run_until_fired(tx.analytics_query("SELECT RAW d.n FROM default AS d WHERE d.tag = 'tq' "
                                             "AND d.n < 3 ORDER BY d.n"))
    assert type(res) is BatchedAnalyticsResult and res.rows() == [0, 1, 2]
    assert res.metadata().status() == "success"


def test_search_fires_with_hits_metadata_and_facets(tx):
    res = run_until_fired(tx.search_query("tq_idx", TermQuery("tq", field="tag"), limit=4,
                                          facets={"groups": TermFacet("g", limit=3)}))
    assert type(res) is BatchedSearchResult
    assert len(res.rows()) == 4 and all(row.id.startswith("tq-") for row in res)
    assert res.metadata().total_hits == SMALL
    facet = res.facets()["groups"]
    assert facet["total"] == SMALL
    assert sorted(t["term"] for t in facet["terms"]) == ["a", "b", "c"]


def test_view_fires_with_rows_and_total_rows(tx):
    res = run_until_fired(tx.bucket("default").view_query(DDOC, "by_n", limit=5))
    assert type(res) is BatchedViewResult
    assert [row.key for row in res] == [0, 1, 2, 3, 4]
    assert res.total_rows == SMALL and isinstance(res.metadata(), ViewMetaData)


def test_missing_view_errbacks_typed(tx):
    with pytest.raises(ViewNotFoundException):
        run_until_fired(tx.bucket("default").view_query(DDOC, "no_such_view"))


def test_batched_result_of_a_large_query(tx):
    res = run_until_fired(tx.query(BIG_STATEMENT))
    assert len(res) == BIG and res.metadata().metrics()["resultCount"] == BIG
    assert res.rows()[0] == "tqbig-000000" and res.rows()[-1] == f"tqbig-{BIG - 1:06d}"


def test_query_ex_streams_a_large_result_in_several_batches(tx):
    handler = tx.query_ex(Recorder, BIG_STATEMENT)
    assert isinstance(handler, Recorder) and handler.batches == []  # nothing delivered inside the call
    assert run_until_fired(handler.finished) is handler
    assert not handler.errors and len(handler.done) == 1
    assert handler.done[0].metrics()["resultCount"] == BIG
    assert len(handler.batches) > 1, "a large result must arrive in more than one on_rows call"
    assert all(handler.batches)
    assert len(handler.batches) < BIG  # rows are batched, not delivered one by one
    assert max(map(len, handler.batches)) <= BATCH_ROWS
    assert handler.rows == [f"tqbig-{n:06d}" for n in range(BIG)]


def test_query_ex_bad_statement_calls_on_error_with_the_typed_exception(tx):
    handler = tx.query_ex(Recorder, "SELEC nonsense")
    run_until_fired(handler.finished)
    assert handler.done == [] and handler.rows == []
    assert len(handler.errors) == 1 and isinstance(handler.errors[0], ParsingFailedException)
    assert handler.errors[0].context.errors[0]["code"] == 3000


def test_scope_query_ex_and_parameters(tx):
    scope = tx.bucket("default").scope("_default")
    handler = scope.query_ex(Recorder, "SELECT RAW n FROM _default WHERE tag = $t AND n < 4 ORDER BY n",
                             QueryOptions(named_parameters={"t": "tq"}))
    run_until_fired(handler.finished)
    assert handler.rows == [0, 1, 2, 3] and handler.done[0].status() == "success"


def test_view_query_ex_streams_view_rows(tx):
    handler = tx.bucket("default").view_query_ex(Recorder, DDOC, "by_n", startkey=10, endkey=19)
    run_until_fired(handler.finished)
    assert not handler.errors
    assert [row.key for row in handler.rows] == list(range(10, 20))
    assert all(row.id == f"tq-{row.key:03d}" for row in handler.rows)
    assert isinstance(handler.done[0], ViewMetaData) and handler.done[0].total_rows == SMALL


def test_view_query_ex_missing_view_calls_on_error(tx):
    handler = tx.bucket("default").view_query_ex(Recorder, DDOC, "no_such_view")
    run_until_fired(handler.finished)
    assert handler.done == [] and isinstance(handler.errors[0], ViewNotFoundException)


def test_query_ex_plain_handler_class_without_the_base(tx):
    """Any class with the three methods works; it gets the request as its one argument."""
    seen = {}
    ended = Deferred()

    class Plain:
        def __init__(self, request):
            seen["request"] = request

        def on_rows(self, rows):
            seen.setdefault("rows", []).extend(rows)

        def on_error(self, exc):
            ended.errback(exc)

        def on_done(self, meta):
            ended.callback(meta)

    handler = tx.query_ex(Plain, "SELECT RAW 1")
    assert isinstance(handler, Plain) and hasattr(seen["request"], "cancel")
    assert run_until_fired(ended).status() == "success" and seen["rows"] == [1]


def test_query_ex_rejects_bad_handler_classes(tx):
    for bad in (None, Recorder(None), "Recorder", type("NoHooks", (), {})):
        with pytest.raises(InvalidArgumentException):
            tx.query_ex(bad, "SELECT 1")
    with pytest.raises(InvalidArgumentException):
        only_rows = type("OnlyRows", (), {"on_rows": lambda self, r: None})
        tx.bucket("default").view_query_ex(only_rows, DDOC, "by_n")


def test_on_rows_raising_cancels_and_reaches_on_error(tx):
    class Failing(Recorder):
        def on_rows(self, rows):
            super().on_rows(rows)
            raise ValueError("handler bug")

    handler = tx.query_ex(Failing, BIG_STATEMENT)
    run_until_fired(handler.finished)
    assert len(handler.batches) == 1 and handler.done == []
    assert len(handler.errors) == 1 and isinstance(handler.errors[0], ValueError)
    # the connection is still usable afterwards
    assert run_until_fired(tx.query("SELECT RAW 2")).rows() == [2]


def test_handler_cancel_reports_request_canceled(tx):
    class CancelFirst(Recorder):
        def on_rows(self, rows):
            super().on_rows(rows)
            self.cancel()

    run_until_fired(tx.on_connect())
    handler = tx.query_ex(Recorder, BIG_STATEMENT)
    handler.cancel()  # before any row arrived
    run_until_fired(handler.finished)
    assert handler.done == [] and handler.rows == []
    assert len(handler.errors) == 1 and isinstance(handler.errors[0], RequestCanceledException)

    handler = tx.query_ex(CancelFirst, BIG_STATEMENT)  # from inside the first on_rows
    run_until_fired(handler.finished)
    assert len(handler.batches) == 1, "no rows may be delivered after cancel()"
    if handler.done:  # the whole result had already arrived in that first batch: nothing left to cancel
        assert len(handler.rows) == BIG and not handler.errors
    else:
        assert len(handler.errors) == 1 and isinstance(handler.errors[0], RequestCanceledException)
        assert len(handler.rows) < BIG


@pytest.mark.parametrize("when", ["before connecting", "mid-stream"])
def test_cancelling_the_deferred_cancels_the_query(tx, when):
    if when == "mid-stream":
        run_until_fired(tx.on_connect())
    d = tx.query(BIG_STATEMENT)
    if when == "mid-stream":
        turn_reactor(0.01)
        assert not d.called
    d.cancel()
    with pytest.raises(CancelledError):
        run_until_fired(d)
    turn_reactor(0.05)  # the request's late end is dropped
    assert tx._conn.streams_behind == 0 and not tx._conn.iops.paused
    assert run_until_fired(tx.query("SELECT RAW 3")).rows() == [3]


def test_close_with_a_query_in_flight_errbacks(qmock):
    from couchbase.exceptions import ObjectClosedException

    cluster = TxCluster(qmock.connstr, _opts(qmock))
    run_until_fired(cluster.on_connect())
    d = cluster.query(BIG_STATEMENT)
    handler = cluster.query_ex(Recorder, BIG_STATEMENT)
    run_until_fired(cluster.close(), 10)
    with pytest.raises(ObjectClosedException):
        run_until_fired(d)
    run_until_fired(handler.finished)
    assert isinstance(handler.errors[0], ObjectClosedException)


def test_raw_flavour_returns_raw_rows(qmock):
    cluster = TxRawCluster(qmock.connstr, _opts(qmock))
    try:
        rows_obj = cluster.query("SELECT RAW d.n FROM default AS d WHERE d.tag = 'tq' AND d.n < 3 "
                                 "ORDER BY d.n")
        assert isinstance(rows_obj, RawRows)
        got, d = [], Deferred()
        rows_obj.on_rows = got.extend
        rows_obj.callback = d.callback
        rows_obj.errback = lambda res, exc_type, exc, tb: d.errback(exc)
        assert run_until_fired(d).status() == "success" and got == [0, 1, 2]
        view_rows = cluster.bucket("default").view_query(DDOC, "by_n", limit=2)
        assert isinstance(view_rows, RawRows)
        d2 = Deferred()
        view_rows.callback = d2.callback
        view_rows.errback = lambda res, exc_type, exc, tb: d2.errback(exc)
        assert run_until_fired(d2).total_rows == SMALL
        assert [r.key for r in view_rows.take_all()] == [0, 1]
    finally:
        run_until_fired(cluster.close(), 10)
