"""batch() on the event-loop front ends: one pipelined send when the block ends."""
from __future__ import annotations

import pytest

from couchbase.exceptions import RequestCanceledException
from support.frontends import FRONT_ENDS, selected  # noqa: E402

ASYNC = [n for n in selected() if n != "sync"]


@pytest.fixture(params=ASYNC)
def view(request, mock):
    v, close = FRONT_ENDS[request.param](mock)
    try:
        yield v
    finally:
        close()


def test_batch_sends_together_when_the_block_ends(view, key):
    coll = view._target
    view.exists(key)  # connected
    conn = coll._conn
    with coll.batch():
        a = view.track(coll.upsert(key + "a", 1))
        b = view.track(coll.upsert(key + "b", 2))
        m = view.track(coll.get_multi([key + "a", key + "b"], return_exceptions=True))
        assert conn.pending_count() == 4
    assert view._resolve(a).success and view._resolve(b).success
    multi = view._resolve(m)
    assert multi[key + "a"].value == 1 and multi[key + "b"].value == 2  # sent after the upserts, in order


def test_batch_that_raises_sends_nothing(view, key):
    coll = view._target
    view.exists(key)
    with pytest.raises(RuntimeError):
        with coll.batch():
            op = view.track(coll.upsert(key, 1))
            raise RuntimeError("boom")
    with pytest.raises(RequestCanceledException):
        view._resolve(op)
    assert coll._conn.pending_count() == 0
    assert not view.exists(key).exists
