"""The gcouchbase contender's worker pool (bench/contenders/gcouchbase_.py), on plain gevent.

Its workers outlive a run call, so what a call leaves behind matters: every key is done once
by its worker, a failure is raised by the call that had it (and the next call still works),
and closing the pool ends every greenlet.
"""
from __future__ import annotations

from typing import Any, Dict, List

import pytest

gevent = pytest.importorskip("gevent")

from bench.contenders.gcouchbase_ import WorkerPool  # noqa: E402


def test_each_call_runs_every_key_once_in_its_workers_share() -> None:
    pool = WorkerPool(gevent, 4)
    try:
        for round_ in range(3):
            seen: Dict[Any, List[str]] = {}
            keys = [f"{round_}-{i}" for i in range(10)]
            lat = pool.run(lambda key: (seen.setdefault(gevent.getcurrent(), []).append(key),
                                        gevent.sleep(0)), keys)
            assert len(lat) == 10
            assert {pool.lets.index(let): done for let, done in seen.items()} == {
                j: keys[j::4] for j in range(4)}  # worker j did keys j, j + 4, … in order
    finally:
        pool.close()
    assert all(let.dead for let in pool.lets)


def test_a_failure_is_raised_by_its_call_and_the_pool_goes_on() -> None:
    pool = WorkerPool(gevent, 3)

    def fail_on_two(key: str) -> None:
        if key == "k2":
            raise KeyError(key)

    try:
        with pytest.raises(KeyError, match="k2"):
            pool.run(fail_on_two, ["k0", "k1", "k2", "k3"])
        assert len(pool.run(fail_on_two, ["k0", "k1", "k3"])) == 3
    finally:
        pool.close()
    assert all(let.dead for let in pool.lets)
