"""gcouchbase query services and the blocking-API extras: cooperative row iteration, the blocking
result API, observe, design documents, _cntl.

A private one-node mock (tests/support/query_data.py) holds the documents,
indexes and design document. Tests run unpatched, in the main greenlet.
"""
from __future__ import annotations

import threading

import pytest

pytest.importorskip("gevent")

import gevent
import gevent.event

from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import (
    DesignDocumentNotFoundException,
    FeatureUnavailableException,
    InvalidArgumentException,
    ObjectThreadException,
    ParsingFailedException,
    ViewNotFoundException,
)
from couchbase.n1ql import QueryMetaData
from couchbase.options import ClusterOptions, QueryOptions
from couchbase.search import TermFacet, TermQuery
from couchbase.views import DesignDocument, DesignDocumentNamespace, View, ViewMetaData
from gcouchbase.cluster import AnalyticsResult, Cluster, QueryResult, SearchResult, ViewResult
from support.query_data import BIG, BIG_STATEMENT, DDOC, SMALL, query_mock


@pytest.fixture(scope="module")
def qmock():
    with query_mock() as m:
        yield m


@pytest.fixture
def gc(qmock):
    cluster = Cluster(qmock.connstr, ClusterOptions(PasswordAuthenticator(qmock.username, qmock.password)),
                      kv_timeout=5)
    try:
        yield cluster
    finally:
        cluster.close()


SMALL_STATEMENT = "SELECT RAW d.n FROM default AS d WHERE d.tag = 'tq' ORDER BY d.n"


def test_another_greenlet_runs_while_one_iterates_a_large_result(gc):
    """The iterating greenlet parks whenever it has consumed what has arrived; a ticker keeps going."""
    ticks = [0]
    seen_at = []

    def ticker():
        while True:
            ticks[0] += 1
            gevent.sleep(0)

    def consume():
        count = 0
        for row in gc.query(BIG_STATEMENT):
            if count % 1000 == 0:
                seen_at.append(ticks[0])
            count += 1
        return count

    tick = gevent.spawn(ticker)
    try:
        worker = gevent.spawn(consume)
        assert worker.get(timeout=60) == BIG
    finally:
        tick.kill()
    assert len(seen_at) == BIG // 1000
    # the ticker advanced between the first and the last rows: the iteration parked for more rows
    # (rows arrive in a few large reads, so it parks a few times, not per row)
    assert seen_at[-1] > seen_at[0], seen_at


def test_two_greenlets_iterate_two_results_at_once(gc):
    def run(statement):
        return list(gc.query(statement))

    a = gevent.spawn(run, BIG_STATEMENT)
    b = gevent.spawn(run, SMALL_STATEMENT)
    gevent.joinall([a, b], timeout=60, raise_error=True)
    assert len(a.value) == BIG and b.value == list(range(SMALL))


def test_query_result_has_the_blocking_api(gc):
    result = gc.query("SELECT RAW d.n FROM default AS d WHERE d.tag = $1 ORDER BY d.n",
                      QueryOptions(positional_parameters=["tq"]))
    assert isinstance(result, QueryResult)
    assert list(result.rows()) == list(range(SMALL))
    with pytest.raises(InvalidArgumentException):
        list(result)  # rows are iterated once
    meta = result.metadata()
    assert isinstance(meta, QueryMetaData) and meta.status() == "success"
    assert meta.metrics()["resultCount"] == SMALL
    assert gc.query(SMALL_STATEMENT).execute() == list(range(SMALL))
    assert gc.query(SMALL_STATEMENT).all() == list(range(SMALL))


def test_metadata_first_keeps_the_rows_for_iteration(gc):
    result = gc.query(SMALL_STATEMENT)
    assert result.metadata().metrics()["resultCount"] == SMALL
    assert list(result) == list(range(SMALL))


def test_metadata_in_the_middle_of_a_large_iteration(gc):
    result = gc.query(BIG_STATEMENT)
    it = iter(result)
    first = [next(it) for _ in range(10)]
    assert result.metadata().metrics()["resultCount"] == BIG  # reading goes on although rows wait unread
    assert first + list(it) == [f"tqbig-{n:06d}" for n in range(BIG)]


def test_query_errors_are_typed_at_iteration_and_metadata(gc):
    result = gc.query("SELEC nonsense")
    with pytest.raises(ParsingFailedException) as info:
        list(result)
    assert info.value.context.errors[0]["code"] == 3000
    with pytest.raises(ParsingFailedException):
        gc.query("SELEC nonsense").metadata()
    assert gc.query("SELECT RAW 1").execute() == [1]  # still usable


def test_scope_query_and_analytics(gc):
    scope = gc.bucket("default").scope("_default")
    assert scope.query("SELECT RAW COUNT(*) FROM _default WHERE tag = 'tq'").execute() == [SMALL]
    result = gc.analytics_query("SELECT RAW d.n FROM default AS d WHERE d.tag = 'tq' AND d.n < 3 "
                                "ORDER BY d.n")
    assert isinstance(result, AnalyticsResult)
    assert list(result) == [0, 1, 2] and result.metadata().status() == "success"
    assert isinstance(scope.analytics_query("SELECT RAW 1"), AnalyticsResult)


def test_search_hits_metadata_and_facets(gc):
    result = gc.search_query("tq_idx", TermQuery("tq", field="tag"), limit=4,
                             facets={"groups": TermFacet("g")})
    assert isinstance(result, SearchResult)
    facets = result.facets()  # before iterating: the hits are kept
    assert facets["groups"]["total"] == SMALL
    hits = list(result)
    assert len(hits) == 4 and all(hit.id.startswith("tq-") for hit in hits)
    assert result.metadata().total_hits == SMALL


def test_view_rows_and_total_rows(gc):
    result = gc.bucket("default").view_query(DDOC, "by_n", startkey=3, endkey=6)
    assert isinstance(result, ViewResult)
    rows = list(result)
    assert [r.key for r in rows] == [3, 4, 5, 6] and rows[0].id == "tq-003"
    assert result.total_rows == SMALL == result.indexed_rows
    assert isinstance(result.metadata(), ViewMetaData)
    with pytest.raises(ViewNotFoundException):
        list(gc.bucket("default").view_query(DDOC, "no_such_view"))


def test_killing_an_iterating_greenlet_leaves_the_cluster_usable(gc):
    started = gevent.event.Event()

    def consume():
        for i, _row in enumerate(gc.query(BIG_STATEMENT)):
            if i == 0:
                started.set()

    g = gevent.spawn(consume)
    assert started.wait(30)
    g.kill(timeout=5)
    assert g.dead
    assert gc.query(SMALL_STATEMENT).execute() == list(range(SMALL))


def test_iterating_from_another_thread_is_refused(gc):
    result = gc.query(BIG_STATEMENT)
    caught = []

    def other():
        try:
            list(result)
        except BaseException as exc:  # noqa: BLE001
            caught.append(exc)

    t = threading.Thread(target=other)
    t.start()
    t.join(10)
    assert not t.is_alive() and len(caught) == 1 and isinstance(caught[0], ObjectThreadException)
    result.cancel()
    with pytest.raises(ObjectThreadException):
        _thread_call(gc.query, "SELECT 1")


def _thread_call(fn, *args):
    box = []

    def run():
        try:
            box.append((True, fn(*args)))
        except BaseException as exc:  # noqa: BLE001
            box.append((False, exc))

    t = threading.Thread(target=run)
    t.start()
    t.join(10)
    ok, value = box[0]
    if not ok:
        raise value
    return value


def test_observe_default_collection(gc, qmock):
    coll = gc.bucket("default").default_collection()
    res = coll.upsert("tq-observe", {"a": 1})
    infos = coll.observe("tq-observe")
    assert infos and infos[0].from_master and infos[0].cas == res.cas
    assert infos[0].state in ("found", "persisted")
    assert coll.observe("tq-observe-missing")[0].state == "not_found"
    assert len(coll.observe("tq-observe", master_only=True)) == 1
    with pytest.raises(FeatureUnavailableException):
        gc.bucket("default").scope("_default").collection("other").observe("k")


def test_design_document_lifecycle(gc):
    bucket = gc.bucket("default")
    mgr = bucket.view_indexes()
    assert type(bucket.bucket_manager()) is type(mgr)
    ddoc = DesignDocument("tq_life",
                          {"v": View("function (doc) { if (doc.tag === 'tq') emit(doc.n, null); }")})
    mgr.upsert_design_document(ddoc, DesignDocumentNamespace.DEVELOPMENT)
    got = mgr.get_design_document("tq_life", DesignDocumentNamespace.DEVELOPMENT)
    assert set(got.views) == {"v"}
    mgr.publish_design_document("tq_life")
    assert [r.key for r in bucket.view_query("tq_life", "v", limit=3)] == [0, 1, 2]
    ticks = [0]

    def ticker():
        while True:
            ticks[0] += 1
            gevent.sleep(0.01)

    t = gevent.spawn(ticker)
    try:
        mgr.design_delete("tq_life", use_devmode=False, syncwait=2)  # syncwait sleeps cooperatively
    finally:
        t.kill()
    assert ticks[0] >= 1
    with pytest.raises(DesignDocumentNotFoundException):
        mgr.get_design_document("tq_life", DesignDocumentNamespace.PRODUCTION)
    mgr.drop_design_document("tq_life", DesignDocumentNamespace.DEVELOPMENT)


def test_cntl(gc):
    bucket = gc.bucket("default")
    bucket._cntl("operation_timeout", "3.5")
    assert bucket._cntl(0x00) == 3_500_000  # LCB_CNTL_OP_TIMEOUT, microseconds
    bucket._cntl(0x00, 2_500_000)
    assert bucket._cntl(0x00) == 2_500_000
    with pytest.raises(InvalidArgumentException):
        bucket._cntl("operation_timeout")
    with pytest.raises(InvalidArgumentException):
        bucket._cntl(object())
    with pytest.raises(InvalidArgumentException):
        bucket._cntl(0x00, -1)
