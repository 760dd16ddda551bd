"""The 1.x Twisted API (txcouchbase.connection) over txcouchbase's collections, and the
TxRawCluster bucket-opening log check."""

from __future__ import annotations

from typing import Any, Iterator, List

import pytest

pytest.importorskip("twisted")

from twisted.internet.defer import Deferred  # noqa: E402

from couchbase.asynchronous.view import AsyncViewBase  # noqa: E402
from couchbase.exceptions import BucketNotFoundError, KeyExistsError, NotFoundError  # noqa: E402
from support.frontends.twisted_fe import run_until_fired  # noqa: E402

DESIGN = {"views": {"by_name": {"map": "function (doc, meta) { if (doc.name) { emit(doc.name, null); } }"}}}


@pytest.fixture
def hosts(mock: Any) -> List[str]:
    mock.add_user("default", "")
    return [f"127.0.0.1:{n.mgmt_port}" for n in mock.cluster.nodes]


@pytest.fixture
def tx(hosts: List[str]) -> Iterator[Any]:
    from txcouchbase.connection import Connection

    conn = Connection(bucket="default", host=hosts)
    yield conn
    run_until_fired(conn.close(), 10)


def test_operations_fire_deferreds_with_the_typed_errors(tx: Any, key: str) -> None:
    assert run_until_fired(tx.connect()) is tx and tx.connected
    run_until_fired(tx.set(key, {"a": 1}, ttl=100))
    assert run_until_fired(tx.get(key)).value == {"a": 1}
    with pytest.raises(KeyExistsError):
        run_until_fired(tx.add(key, 2))
    with pytest.raises(NotFoundError):
        run_until_fired(tx.get(key + "missing"))
    assert not run_until_fired(tx.get(key + "missing", quiet=True)).success
    res = run_until_fired(tx.getMulti([key, key + "missing"], quiet=True))
    assert not res.all_ok and res[key].value == {"a": 1}
    assert run_until_fired(tx.incr(key + "c", initial=3)).value == 3
    stats = run_until_fired(tx.stats())
    assert "curr_items" in stats and len(stats["curr_items"]) == 3  # {stat: {server: value}}


def test_views_queryall_queryex_and_design_documents(tx: Any, key: str) -> None:
    pytest.importorskip("quickjs", reason="the mock runs view map functions with quickjs "
                                          "(pip install couchbase-cffi[mock])")
    run_until_fired(tx.design_create("txlegacy", DESIGN, use_devmode=True))
    run_until_fired(tx.design_publish("txlegacy"))
    assert "by_name" in run_until_fired(tx.design_get("txlegacy", use_devmode=False)).value["views"]
    run_until_fired(tx.set_multi({key + "1": {"name": key + "-a"}, key + "2": {"name": key + "-b"}}))
    rows = list(run_until_fired(tx.queryAll("txlegacy", "by_name", mapkey_range=[key, key + "\u0fff"],
                                            stale=False)))
    assert [r.docid for r in rows] == [key + "1", key + "2"]

    class Handler(AsyncViewBase):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.rows: List[Any] = []
            self.done: Deferred = Deferred()

        def on_rows(self, rows: Any) -> None:
            self.rows.extend(rows)

        def on_error(self, ex: BaseException) -> None:
            self.done.errback(ex)

        def on_done(self) -> None:
            self.done.callback(self.indexed_rows)

    handler = tx.queryEx(Handler, "txlegacy", "by_name", mapkey_range=[key, key + "\u0fff"], stale=False)
    assert run_until_fired(handler.done) >= 2
    assert [r.key for r in handler.rows] == [key + "-a", key + "-b"]
    with pytest.raises(Exception) as ei:
        tx.queryAll("txlegacy", "by_name", include_docs=True)
    assert "include_docs" in str(ei.value)


def test_connect_errback_for_a_missing_bucket(hosts: List[str], mock: Any) -> None:
    from txcouchbase.connection import Connection

    mock.add_user("no_such_bucket", "")
    conn = Connection(bucket="no_such_bucket", host=hosts)
    with pytest.raises(BucketNotFoundError):
        run_until_fired(conn.connect())
    run_until_fired(conn.close(), 10)


def test_raw_connection_returns_async_results(hosts: List[str], key: str) -> None:
    from txcouchbase.connection import TxAsyncConnection

    raw = TxAsyncConnection(bucket="default", host=hosts)
    try:
        run_until_fired(raw.connect())
        op = raw.set(key, "v")
        assert run_until_fired(raw.defer(op)).cas
        stats = raw.stats()
        assert "curr_items" in run_until_fired(raw.defer(stats))
    finally:
        run_until_fired(raw.close(), 10)


def test_opening_a_bucket_on_txrawcluster_logs_no_error(mock: Any, key: str) -> None:
    """Issue 16's "fix on the way": opening a bucket on TxRawCluster must not log an
    InvalidArgumentException about a missing callback/errback."""
    from twisted.logger import globalLogPublisher

    from couchbase.auth import PasswordAuthenticator
    from couchbase.options import ClusterOptions
    from txcouchbase.cluster import TxRawCluster

    errors: List[Any] = []

    def observer(event: Any) -> None:
        if event.get("log_failure") is not None or event.get("isError"):
            errors.append(event)

    globalLogPublisher.addObserver(observer)
    try:
        cluster = TxRawCluster(
            mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password))
        )
        assert run_until_fired(cluster.on_connect()) is cluster  # a Deferred, as the 3.x reference has it
        bucket = cluster.bucket("default")
        bucket.on_connect()  # nobody listens: must not be reported as a result without handlers
        assert run_until_fired(bucket.on_connect()) is bucket
        assert run_until_fired(cluster.defer(bucket.on_connect())) is bucket  # defer() of a Deferred: itself
        op = bucket.default_collection().upsert(key, 1)
        run_until_fired(cluster.defer(op))
        other = cluster.bucket("other")  # opened and never waited for
        op2 = other.default_collection().upsert(key, 2)
        run_until_fired(cluster.defer(op2))
        run_until_fired(cluster.close(), 10)
    finally:
        globalLogPublisher.removeObserver(observer)
    assert not errors, [e.get("log_failure") or e for e in errors]


_CLOSE_WITH_OBSERVE_IN_FLIGHT = """
import sys
sys.path.insert(0, {tests!r})
from couchbase_mock import MockCluster
from support.frontends.twisted_fe import run_until_fired
from txcouchbase.connection import Connection
with MockCluster(nodes=3, replicas=1, buckets=["default"]) as m:
    m.add_user("default", "")
    c = Connection(bucket="default", host=[f"127.0.0.1:{{n.mgmt_port}}" for n in m.cluster.nodes])
    run_until_fired(c.connect())
    d = c.observe("k")
    d.addCallback(lambda r: print("observed", len(r.value)))
    run_until_fired(c.close(), 10)
    print("closed")
"""


def test_close_with_an_observe_round_in_flight_does_not_crash() -> None:
    """libcouchbase 3.3.4 segfaults when destroyed with forwarded packets (observe rounds) in
    flight (lcb_destroy -> ~Server sets its instance to NULL, then dispatch_ufwd_error
    dereferences it, handler.cc:1037); the 1.x Twisted connection lets its rounds finish before
    it closes. Run in a subprocess, so a crash fails this test instead of the session."""
    import subprocess
    import sys
    from pathlib import Path

    script = _CLOSE_WITH_OBSERVE_IN_FLIGHT.format(tests=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "observed 2" in proc.stdout and "closed" in proc.stdout, \
        (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])


@pytest.mark.parametrize("raw", [False, True], ids=["TxCluster", "TxRawCluster"])
def test_3x_reference_names_on_the_tx_clusters(mock: Any, raw: bool) -> None:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.exceptions import ParsingFailedException
    from couchbase.options import ClusterOptions
    from couchbase.search import MatchQuery
    from txcouchbase.cluster import (
        BatchedQueryResult,
        BatchedSearchResult,
        TxCluster,
        TxDeferredClientMixin,
        TxRawClientMixin,
        TxRawCluster,
    )

    mock.create_search_index("name", "default")
    cls = TxRawCluster if raw else TxCluster
    cluster = cls(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)))
    try:
        assert isinstance(cluster, TxRawClientMixin) and isinstance(cluster, TxDeferredClientMixin) is not raw
        assert run_until_fired(cluster.on_connect()) is cluster and cluster.connected
        rows = run_until_fired(cluster.n1qlQueryAll("SELECT RAW 1"))
        assert isinstance(rows, BatchedQueryResult) and list(rows) == [1]
        hits = run_until_fired(cluster.search("name", MatchQuery("nosql"), limit=10))
        assert isinstance(hits, BatchedSearchResult)
        with pytest.raises(ParsingFailedException):
            run_until_fired(cluster.n1qlQueryAll("SELEKT"))
        if not raw:  # TxBucket.queryAll is view_query: a Deferred errbacking with the typed view error
            from couchbase.exceptions import ViewException

            with pytest.raises(ViewException):
                run_until_fired(cluster.bucket("default").queryAll("no_such_ddoc_x", "v"))
    finally:
        run_until_fired(cluster.close(), 10)


_CORE_CLOSE_WITH_ROUND_IN_FLIGHT = """
import asyncio
from couchbase_mock import MockCluster
from acouchbase.cluster import Cluster
from couchbase.options import ClusterOptions
from couchbase.auth import PasswordAuthenticator
from couchbase import _durability
with MockCluster(nodes=3, replicas=1, buckets=["default"]) as m:
    async def main():
        c = await Cluster.connect(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password)))
        coll = c.bucket("default").default_collection()
        await coll.upsert("k", 1)
        pending = coll._run(lambda: _durability.schedule_observe(coll._conn, b"k", False))
        c.close()
        try:
            await pending
        except Exception:
            pass
        print("closed")
    asyncio.run(main())
"""


def test_core_close_with_a_forwarded_packet_in_flight_does_not_crash() -> None:
    """Closing while an observe round's forwarded packets are in flight: libcouchbase 3.3.4
    dereferenced a NULL instance in dispatch_ufwd_error (patched at build time, see LCB_PATCHES)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _CORE_CLOSE_WITH_ROUND_IN_FLIGHT], capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0 and "closed" in proc.stdout, (proc.returncode, proc.stderr[-2000:])
