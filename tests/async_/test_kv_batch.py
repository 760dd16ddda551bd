"""Key-value completions reach Python in batches (``pycb_kv_flush`` in ``_bridge.c``).

The successful final responses of plain operations that one socket read produces are queued in
C and delivered in one call; failures, large values and sub-document replies are delivered at
once, after what is queued. What the raw API promises does not change with it: every operation
is delivered exactly once, in the order libcouchbase produced the replies, a callback that raises
loses no other completion of its batch, and a callback that closes the cluster in the middle of a
batch leaves the rest failed (closed), never delivered from freed memory.

The first test runs on every front end; the others are the raw callback contract (callbacks are
the user's code only there).
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest

from couchbase.asynchronous import AsyncCluster
from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import DocumentNotFoundException, ObjectClosedException
from couchbase.iops import SelectorIOPS, SelectorLoop
from couchbase.options import ClusterOptions, SignedInt64

WAIT = 30.0
BIG = 40 * 1024  # above PYCB_KV_BIG (16 KiB): delivered on its own, between batched replies


def _values(n: int) -> Dict[int, Any]:
    """Values of every shape a batch copies: empty text, small JSON, one above the batch's limit."""
    out: Dict[int, Any] = {}
    for i in range(n):
        out[i] = "" if i % 7 == 0 else ("b" * BIG if i % 31 == 5 else {"i": i, "pad": "x" * (i % 50)})
    return out


def test_mixed_replies_of_one_read_all_arrive_right(kv: Any, key: str) -> None:
    n = 120
    values = _values(n)
    keys = [f"{key}-{i}" for i in range(n)]
    kv.upsert_multi({k: values[i] for i, k in enumerate(keys)})
    missing = [f"{key}-missing-{i}" for i in range(5)]
    res = kv.get_multi(keys + missing, return_exceptions=True)
    for i, k in enumerate(keys):
        assert res[k].success and res[k].value == values[i], k
    for k in missing:
        assert isinstance(res.exceptions[k], DocumentNotFoundException)
    counted = kv.binary().increment(key + "-counter", initial=SignedInt64(5))
    assert counted.content == 5


@pytest.fixture
def raw(mock: Any) -> Any:
    loop = SelectorLoop()
    cluster = AsyncCluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                           iops_factory=lambda: SelectorIOPS(loop), kv_timeout=2.5)
    bucket = cluster.bucket("default")
    ready = bucket.on_connect()
    box: List[Any] = []
    ready.callback = box.append
    ready.errback = lambda *a: box.append(a)
    loop.run_until(lambda: bool(box), WAIT)
    coll = bucket.default_collection()
    try:
        yield loop, cluster, coll
    finally:
        cluster.close()
        loop.run_once(0)
        loop.close()


def _store(loop: SelectorLoop, coll: Any, keys: List[str]) -> None:
    left = [len(keys)]

    def done(*_: Any) -> None:
        left[0] -= 1

    for i, k in enumerate(keys):
        op = coll.upsert(k, {"i": i})
        op.callback = done
        op.errback = done
    loop.run_until(lambda: left[0] == 0, WAIT)


def _run_collecting(loop: SelectorLoop, until: Any) -> List[BaseException]:
    """Run the loop until ``until()``; the exceptions callbacks raised (each run_once reports one)."""
    raised: List[BaseException] = []
    for _ in range(1000):
        if until():
            return raised
        try:
            loop.run_once(1.0)
        except Exception as exc:  # noqa: BLE001 - what the test looks at
            raised.append(exc)
    raise AssertionError("the loop did not finish")


def test_many_replies_arrive_in_few_calls_in_the_order_sent(raw: Any, key: str) -> None:
    loop, _, coll = raw
    n = 300
    keys = [f"{key}-{i}" for i in range(n)]
    _store(loop, coll, keys)
    conn = coll._conn
    got: List[Tuple[str, Any]] = []
    ops = []
    for k in keys:
        op = coll.get(k)
        op.callback = lambda res, k=k: got.append((k, res.content_as[dict]["i"]))
        op.errback = lambda op, t, exc, tb: got.append((op.key, exc))
        ops.append(op)
    before = conn.batches
    loop.run_until(lambda: len(got) == n, WAIT)
    assert sorted(got) == sorted((k, i) for i, k in enumerate(keys))
    # the mock answers each node's requests in order: per node, callbacks keep that order
    by_node: Dict[int, List[str]] = {}
    for k, _ in got:
        by_node.setdefault(_node_of(conn, k), []).append(k)
    for node_keys in by_node.values():
        assert node_keys == sorted(node_keys, key=keys.index)
    assert 0 < conn.batches - before < n // 3, "replies were not delivered in batches"
    assert all(op.done for op in ops) and conn.pending_count() == 0


def _node_of(conn: Any, key: str) -> int:
    from couchbase._binding import ffi, lib

    vb = lib.pycb_key_vbucket(conn.instance, key.encode(), len(key.encode()))
    out = ffi.new("int[]", 4)
    lib.pycb_vb_servers(conn.instance, vb, out, 4)
    return int(out[0])


def test_a_callback_that_raises_loses_no_other_completion(raw: Any, key: str) -> None:
    loop, _, coll = raw
    n = 200
    keys = [f"{key}-{i}" for i in range(n)]
    _store(loop, coll, keys)
    got: Dict[str, int] = {}
    boom = {keys[3], keys[50], keys[199]}

    def callback(res: Any) -> None:
        got[res.key] = got.get(res.key, 0) + 1
        if res.key in boom:
            raise RuntimeError(f"boom {res.key}")

    for k in keys:
        op = coll.get(k)
        op.callback = callback
        op.errback = lambda op, t, exc, tb: got.setdefault(f"error {op.key}: {exc!r}", 1)
    raised = _run_collecting(loop, lambda: len(got) >= n)
    assert got == {k: 1 for k in keys}, "a completion was lost or delivered twice"
    assert raised and all(isinstance(e, RuntimeError) and str(e).startswith("boom") for e in raised)
    assert coll._conn.pending_count() == 0


def test_a_callback_that_closes_the_cluster_mid_batch(raw: Any, key: str) -> None:
    loop, cluster, coll = raw
    n = 200
    keys = [f"{key}-{i}" for i in range(n)]
    _store(loop, coll, keys)
    outcomes: Dict[str, List[Any]] = {k: [] for k in keys}
    closed: List[str] = []

    def callback(res: Any) -> None:
        outcomes[res.key].append(res.content_as[dict]["i"])
        if len(outcomes[res.key]) == 1 and sum(map(len, outcomes.values())) == 20:
            closed.append(res.key)
            cluster.close()  # inside the batch: the rest of it is for a closed connection

    def errback(op: Any, exc_type: Any, exc: BaseException, tb: Any) -> None:
        outcomes[op.key].append(exc)

    for k in keys:
        op = coll.get(k)
        op.callback = callback
        op.errback = errback
    raised = _run_collecting(loop, lambda: all(outcomes.values()))
    for _ in range(3):  # the destruction deferred out of the dispatch runs on a later turn
        loop.run_once(0.01)
    assert raised == [] and closed
    assert all(len(v) == 1 for v in outcomes.values()), "an operation was delivered twice"
    delivered = [k for k, v in outcomes.items() if not isinstance(v[0], BaseException)]
    failed = [v[0] for v in outcomes.values() if isinstance(v[0], BaseException)]
    assert len(delivered) >= 20 and failed, (len(delivered), len(failed))
    assert all(isinstance(e, ObjectClosedException) for e in failed)
    assert all(outcomes[k] == [keys.index(k)] for k in delivered)
