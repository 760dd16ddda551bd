"""Query services on every front end: the same statements give the same rows and metadata.

One body per behaviour, parametrized over the front-end matrix; each front end
collects a streaming result its own way (blocking iteration, raw on_rows /
callback, ``async for``, Deferreds, greenlets) through the view's
``collect_rows``. A private one-node mock keeps the data and indexes apart.
"""
from __future__ import annotations

import json
import time
from typing import Any, Iterator

import pytest

from couchbase.exceptions import ParsingFailedException, QueryException
from couchbase.options import QueryOptions
from support.frontends import FRONT_ENDS, selected
from support.query_views import rows_view

BIG = 50_000


@pytest.fixture(scope="module")
def qmock() -> Iterator[Any]:
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as m:
        m.put_docs("default", {f"fe-{i:05d}": json.dumps({"tag": "fe", "n": i, "g": i % 3}).encode()
                               for i in range(20)})
        m.create_collection("default", "big", "rows")
        yield m


@pytest.fixture(params=selected())
def fe(request: Any, qmock: Any) -> Iterator[Any]:
    yield from rows_view(request.param, qmock)


def _setup_index(qmock: Any) -> None:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions

    with Cluster(qmock.connstr, ClusterOptions(PasswordAuthenticator(qmock.username, qmock.password))) as c:
        try:
            list(c.query("CREATE PRIMARY INDEX ON default"))
        except QueryException:
            pass  # already there


@pytest.fixture(scope="module")
def indexed(qmock: Any) -> Any:
    _setup_index(qmock)
    return qmock


def test_query_rows_parameters_and_metadata(fe, indexed):
    rows, meta = fe.collect_rows(fe.cluster.query(
        "SELECT RAW d.n FROM default AS d WHERE d.tag = $1 AND d.g = $g ORDER BY d.n",
        QueryOptions(positional_parameters=["fe"], named_parameters={"g": 1})))
    assert rows == [n for n in range(20) if n % 3 == 1]
    assert meta.status() == "success" and meta.metrics()["resultCount"] == len(rows)


def test_query_empty_result(fe, indexed):
    rows, meta = fe.collect_rows(fe.cluster.query("SELECT * FROM default AS d WHERE d.tag = 'nothing'"))
    assert rows == [] and meta.metrics()["resultCount"] == 0


def test_query_error_is_typed_with_the_servers_message(fe, indexed):
    with pytest.raises(ParsingFailedException) as info:
        fe.collect_rows(fe.cluster.query("SELEC nonsense"))
    assert info.value.context.errors and info.value.context.errors[0]["code"] == 3000


def test_read_only_query_errors_come_back_at_once(fe, indexed):
    """A read_only query is idempotent to libcouchbase, whose retry strategy re-sent any error the
    service answered until the timeout (then an AmbiguousTimeoutException); since patch p10 the
    service's own error comes back at once, typed, as SDK 4.x gives it."""
    from datetime import timedelta

    from couchbase.exceptions import CouchbaseException, TimeoutException

    opts = QueryOptions(read_only=True, timeout=timedelta(seconds=20))
    started = time.monotonic()
    with pytest.raises(ParsingFailedException):
        fe.collect_rows(fe.cluster.query("SELEC nonsense", opts))
    with pytest.raises(CouchbaseException) as info:  # a write refused as read-only: 1000, HTTP 403
        fe.collect_rows(fe.cluster.query("DELETE FROM default AS d WHERE d.tag = 'none'", opts))
    assert not isinstance(info.value, TimeoutException)
    assert info.value.context.errors[0]["code"] == 1000
    assert time.monotonic() - started < 10  # not retried until the timeout
    rows, _ = fe.collect_rows(fe.cluster.query("SELECT RAW d.n FROM default AS d WHERE d.n = 3", opts))
    assert rows == [3]


def test_query_timeout_is_typed(fe, indexed):
    """The server gives up (error 1080) within the request's timeout: a TimeoutException on every
    front end."""
    from datetime import timedelta

    from couchbase.exceptions import TimeoutException

    body = json.dumps({"pad": "x" * 40}).encode()
    if not getattr(indexed, "_fe_big_loaded", False):
        indexed.put_docs("default", {f"big-{i:06d}": body for i in range(BIG)})
        indexed._fe_big_loaded = True
    with pytest.raises(TimeoutException):
        fe.collect_rows(fe.cluster.query("SELECT RAW META(d).id FROM default AS d ORDER BY META(d).id DESC",
                                         QueryOptions(timeout=timedelta(milliseconds=20))))


def test_scope_query_and_analytics(fe, indexed):
    scope = fe.cluster.bucket("default").scope("_default")
    rows, _ = fe.collect_rows(scope.query("SELECT RAW COUNT(*) FROM _default WHERE tag = 'fe'"))
    assert rows == [20]
    rows, meta = fe.collect_rows(fe.cluster.analytics_query(
        "SELECT RAW d.n FROM default AS d WHERE d.tag = 'fe' AND d.n < 3 ORDER BY d.n"))
    assert rows == [0, 1, 2] and meta.status() == "success"


def test_search_hits(fe, indexed):
    indexed.create_search_index("fe_idx", "default")
    from couchbase.search import TermQuery

    rows, meta = fe.collect_rows(fe.cluster.search_query("fe_idx", TermQuery("fe", field="tag"), limit=5))
    assert len(rows) == 5 and all(r.id.startswith("fe-") for r in rows)
    assert meta.total_hits == 20


def test_big_result_streams_with_back_pressure(fe, indexed):
    """50,000 rows arrive in many chunks; an event-loop consumer pauses reading while rows
    wait unread, so it never holds the whole result (libcouchbase drains the socket on each
    readiness event, so what one read brings is the granularity of the bound)."""
    body = json.dumps({"pad": "x" * 40}).encode()
    if not getattr(indexed, "_fe_big_loaded", False):
        indexed.put_docs("default", {f"big-{i:06d}": body for i in range(BIG)})
        indexed._fe_big_loaded = True
    result = fe.cluster.query("SELECT RAW META(d).id FROM default AS d WHERE d.pad IS VALUED")
    rows, meta = fe.collect_rows(result)
    assert len(rows) == BIG and meta.metrics()["resultCount"] == BIG
    assert rows[0] == "big-000000" and rows[-1] == f"big-{BIG - 1:06d}"


@pytest.mark.parametrize("statement,expected", [
    ('SELECT i AS id, "row" AS v FROM ARRAY_RANGE(0, 3000) AS i',
     [{"id": i, "v": "row"} for i in range(3000)]),
    # bare numbers side by side in one batch: each must end where its row ends, not run into the next
    ("SELECT RAW i FROM ARRAY_RANGE(0, 3000) AS i", list(range(3000))),
    # non-ASCII rows among ASCII ones (a batch that is not ASCII is parsed row by row)
    ('SELECT RAW {"i": i, "s": REPEAT("\u00e9", i % 3)} FROM ARRAY_RANGE(0, 1500) AS i',
     [{"i": i, "s": "\u00e9" * (i % 3)} for i in range(1500)]),
    ('SELECT RAW CASE WHEN i % 2 = 0 THEN "x" ELSE i END FROM ARRAY_RANGE(0, 1000) AS i',
     ["x" if i % 2 == 0 else i for i in range(1000)]),
], ids=["objects", "numbers", "non-ascii", "mixed"])
def test_rows_delivered_in_batches_arrive_whole_and_in_order(fe, indexed, statement, expected):
    """Rows reach Python many at a time (one call per event, at most 256 per call): every row
    arrives once, in order, decoded as json.loads decodes it, on every front end."""
    rows, meta = fe.collect_rows(fe.cluster.query(statement))
    assert rows == expected
    assert meta.metrics()["resultCount"] == len(expected)


def test_async_consumer_pauses_reading(indexed, front_end):
    """A slow ``async for`` consumer: reading pauses at the high-water mark and resumes once
    the consumer catches up; the buffer never holds the whole result."""
    if front_end not in ("asyncio", "uvloop"):
        pytest.skip("back-pressure of an async-for consumer")
    import asyncio

    from couchbase._async_rows import HIGH_WATER

    view, close = FRONT_ENDS[front_end](indexed)
    try:
        body = json.dumps({"pad": "x" * 40}).encode()
        if not getattr(indexed, "_fe_big_loaded", False):
            indexed.put_docs("default", {f"big-{i:06d}": body for i in range(BIG)})
            indexed._fe_big_loaded = True

        async def consume() -> Any:
            result = view.cluster.query("SELECT RAW META(d).id FROM default AS d WHERE d.pad IS VALUED")
            iops = view.cluster._conn.iops
            pauses = [0]
            buffered_at_pause: list[int] = []
            real_pause = iops.pause_reading

            def pause() -> None:
                pauses[0] += 1
                buffered_at_pause.append(len(result.buffer))
                real_pause()

            iops.pause_reading = pause
            # Let rows pile up before taking any: how fast they arrive against how fast a consumer
            # takes them depends on the machine's load, so a consumer merely "slower than the wire"
            # may never fall behind on a busy machine.
            deadline = time.monotonic() + 60
            while len(result.buffer) < HIGH_WATER and not result.done:
                assert time.monotonic() < deadline, f"only {len(result.buffer)} rows arrived"
                await asyncio.sleep(0.005)
            peak, count = 0, 0
            async for _row in result:
                count += 1
                peak = max(peak, len(result.buffer))
                if count % 1000 == 0:
                    await asyncio.sleep(0.001)  # a consumer slower than the wire
            return count, peak, pauses[0], iops.paused, buffered_at_pause

        count, peak, pauses, still_paused, at_pause = view.loop.run_until_complete(consume())
        assert count == BIG
        assert pauses >= 1, "reading was never paused although rows piled up"
        assert not still_paused
        # Reading pauses only once the buffer holds the high-water mark ...
        assert min(at_pause) >= HIGH_WATER, at_pause
        # ... and the consumer, which samples the buffer after taking a row, never sees the whole
        # result waiting (one row fewer than the mark is the least it can see after a pause).
        assert HIGH_WATER - 1 <= peak < BIG, peak
    finally:
        close()


def test_view_rows_reduce_and_include_docs(fe, indexed):
    from couchbase.views import ViewOptions
    from support.views import view_capi_request

    views = {"by_n": {"map": "function (doc, meta) { if (doc.tag === 'fe') emit(doc.n, doc.g); }",
                      "reduce": "_count"}}
    status, body = view_capi_request(indexed, "PUT", "/default/_design/fe_ddoc", {"views": views})
    assert status == 201, body
    rows, meta = fe.collect_rows(fe.cluster.bucket("default").view_query(
        "fe_ddoc", "by_n", ViewOptions(reduce=False, startkey=3, endkey=6, include_docs=True)))
    assert [(r.key, r.value, r.id) for r in rows] == [(n, n % 3, f"fe-{n:05d}") for n in range(3, 7)]
    assert [r.doc["n"] for r in rows] == [3, 4, 5, 6]  # documents fetched by the client
    assert meta.total_rows == 20
    reduced, _ = fe.collect_rows(fe.cluster.bucket("default").view_query("fe_ddoc", "by_n"))
    assert [r.value for r in reduced] == [20]


def test_an_unread_stream_does_not_hold_back_other_requests(fe, indexed, request):
    """A result nobody iterates (an abandoned loop, a killed greenlet) fills its buffer past
    the high-water mark; reading may pause for it only while nothing else waits, so a second
    query on the same connection still completes."""
    import time

    from couchbase._async_rows import HIGH_WATER

    if request.node.callspec.params["fe"] in ("sync", "twisted"):
        pytest.skip("blocking iteration / Deferreds collect every row: nothing is left unread")
    body = json.dumps({"pad": "x" * 40}).encode()
    if not getattr(indexed, "_fe_big_loaded", False):
        indexed.put_docs("default", {f"big-{i:06d}": body for i in range(BIG)})
        indexed._fe_big_loaded = True
    unread = fe.cluster.query("SELECT RAW META(d).id FROM default AS d WHERE d.pad IS VALUED")
    if hasattr(unread, "errback"):  # raw mode: its end is reported to handlers, its rows stay buffered
        unread.callback = unread.errback = lambda *_: None
    deadline = time.monotonic() + 60
    while len(unread.buffer) < HIGH_WATER:  # let rows pile up: key-value calls drive the loop
        assert time.monotonic() < deadline, f"only {len(unread.buffer)} rows arrived"
        fe.exists("no-such-key")
    rows, meta = fe.collect_rows(fe.cluster.query(
        "SELECT RAW d.n FROM default AS d WHERE d.tag = 'fe' ORDER BY d.n"))
    assert rows == list(range(20)) and meta.status() == "success"
    unread.cancel()


def test_sql_functions_of_every_group_in_one_statement(fe, indexed):
    statement = ("SELECT LTRIM(REPLACE('xxa-b', '-', ' '), 'x') AS s, ARRAY_SUM(ARRAY_AGG(d.n)) AS total, "
                 "OBJECT_NAMES({'b': 1, 'a': 2}) AS names, TO_STRING(1.5) AS str, "
                 "REGEXP_MATCHES('a1b22', '[0-9]+') AS digits, SQRT(-1) AS nan, LN(0) AS neginf, "
                 "IS_STRING(MIN(d.tag)) AS tagged, DATE_ADD_STR('2016-01-31', 1, 'calendar_month') AS feb, "
                 "NOW_MILLIS() = STR_TO_MILLIS(MILLIS_TO_STR(NOW_MILLIS())) AS now_once "
                 "FROM default AS d WHERE d.tag = $1")
    rows, meta = fe.collect_rows(fe.cluster.query(statement, QueryOptions(positional_parameters=["fe"])))
    assert rows == [{"s": "a b", "total": sum(range(20)), "names": ["a", "b"], "str": "1.5",
                     "digits": ["1", "22"], "nan": "NaN", "neginf": "-Infinity", "tagged": True,
                     "feb": "2016-02-29", "now_once": True}]
    assert meta.status() == "success"
