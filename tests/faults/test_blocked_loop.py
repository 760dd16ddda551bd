"""Replies that arrived while user code blocked the event loop beat the timeout timer.

With ``kv_timeout`` 1 s and every reply delayed 0.2 s by the mock, user code
blocks the loop for 3 s (a callback of the loop's own timer that sleeps) just
after the operations went out. When the loop comes back, the replies are
readable *and* libcouchbase's timeout timer is overdue; which of the two a loop
runs first differs (libev/libuv and Twisted run due timers before ready
sockets). Every operation must succeed anyway: a timer that fires late makes
its connection's readable sockets dispatch first (``iops.LATE_TIMER_US``,
``IOPS.drain_readable``). ``test_timers_first_loop`` pins the order down on the
reference loop, running the overdue timers before it selects.

``test_gevent_monkey_patched`` runs the gevent case in a process that called
``monkey.patch_all()`` (readability is polled in C, so a patched ``select`` module
cannot turn the check into a cooperative wait inside the hub).

The other side of the contract: an operation with no reply at all still times
out, on time when the loop is free, and as soon as the loop is back when it was
blocked.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any, List

import flight as F
import pytest

from couchbase.exceptions import TimeoutException
from couchbase_mock import MockCluster

LOOP_FRONT_ENDS = ["raw", "asyncio", "uvloop", "twisted", "txraw", "gevent"]
KV_TIMEOUT = 1.0
REPLY_DELAY_MS = 200
BLOCK_S = 3.0
OPS = 1000
SLACK = 1.5  # two shared cores: generous, and still far from the 3 s block


@pytest.fixture(scope="module")
def cluster() -> Any:
    with MockCluster(nodes=2, replicas=0, buckets=["default"]) as mock:
        mock.put_docs("default", {f"blocked-{i}": b'{"n": 1}' for i in range(OPS)})
        yield mock


@pytest.fixture(params=LOOP_FRONT_ENDS)
def driver(request: Any, cluster: Any) -> Any:
    if request.param not in F.DRIVERS or request.param not in F.FRONT_ENDS:
        pytest.skip(f"{request.param} is not installed")
    drv = _open(request.param, cluster)
    yield drv
    cluster.set_latency(0)
    drv.close()


def _open(name: str, cluster: Any) -> Any:
    """A driver whose connections to every node are up (a connection still negotiating when the
    loop blocks would send its operations only after the block, past their deadline)."""
    cluster.set_latency(0)
    drv = F.open_driver(name, cluster, kv_timeout=KV_TIMEOUT)
    warm = [F.Op(F.UPSERT, key, 1) for key in F.keys_covering_vbuckets("blocked-warm")]
    assert all(o.ok for o in drv.run(warm, 10 * KV_TIMEOUT))
    return drv


def _gets(n: int) -> List[F.Op]:
    return [F.Op(F.GET, f"blocked-{i}") for i in range(n)]


def _run_blocked(driver: Any, ops: List[F.Op], block_s: float, timers_first: bool = False) -> List[F.Outcome]:
    """Like ``driver.run``, with the loop blocked for ``block_s`` by one of its own callbacks
    50 ms after the operations went out (their replies are then on the way)."""
    iops = driver.conn.iops
    driver._ops, driver._outcomes = ops, [None] * len(ops)
    driver._started, driver._pending = [0.0] * len(ops), len(ops)
    driver._start(ops)
    blocked = []

    def block() -> None:
        time.sleep(block_s)
        blocked.append(time.monotonic())
        if timers_first:  # a loop that runs due timers before it looks at sockets
            for timer in list(iops.timers.values()):
                if timer.armed:
                    iops.cancel(timer)
                    timer.fire()

    iops.call_later(0.05, block)
    try:
        driver._drive(block_s + 10 * KV_TIMEOUT)
    except (TimeoutError, Exception) as exc:  # noqa: BLE001 - reported below as a hang
        if driver._pending:
            raise F.Hang(driver.describe_unresolved(block_s + 10)) from exc
    assert blocked, "the blocking callback never ran"
    return list(driver._outcomes)


def _labels(outcomes: List[F.Outcome]) -> dict:
    return F.Tally().add(outcomes).counts.get(F.GET, {})


def test_replies_that_arrived_win_over_a_late_timeout(driver: Any, cluster: Any) -> None:
    cluster.set_latency(REPLY_DELAY_MS)
    started = time.monotonic()
    outcomes = _run_blocked(driver, _gets(OPS), BLOCK_S)
    took = time.monotonic() - started
    assert _labels(outcomes) == {"ok": OPS}, f"{driver.name}: replies lost to the timeout timer"
    assert F.wrong_reads(outcomes, lambda key: {"n": 1}) == []
    assert took < BLOCK_S + SLACK


def test_a_single_get(driver: Any, cluster: Any) -> None:
    cluster.set_latency(REPLY_DELAY_MS)
    outcomes = _run_blocked(driver, _gets(1), BLOCK_S)
    assert _labels(outcomes) == {"ok": 1}, f"{driver.name}: {outcomes[0].error!r}"


def test_timers_first_loop(cluster: Any) -> None:
    """The reference loop, made to run the overdue timers before it selects."""
    drv = _open("raw", cluster)
    try:
        cluster.set_latency(REPLY_DELAY_MS)
        outcomes = _run_blocked(drv, _gets(OPS), BLOCK_S, timers_first=True)
        assert _labels(outcomes) == {"ok": OPS}
    finally:
        cluster.set_latency(0)
        drv.close()


def test_no_reply_still_times_out_on_time(driver: Any, cluster: Any) -> None:
    cluster.set_latency(60_000)  # nothing comes back within the test
    outcomes = driver.run(_gets(50), 10 * KV_TIMEOUT)
    assert all(isinstance(o.error, TimeoutException) for o in outcomes), _labels(outcomes)
    latest = max(o.latency for o in outcomes)
    assert KV_TIMEOUT * 0.9 <= min(o.latency for o in outcomes) and latest < KV_TIMEOUT + SLACK, latest


def test_no_reply_times_out_once_a_blocked_loop_is_back(driver: Any, cluster: Any) -> None:
    cluster.set_latency(60_000)
    outcomes = _run_blocked(driver, _gets(50), BLOCK_S)
    assert all(isinstance(o.error, TimeoutException) for o in outcomes), _labels(outcomes)
    assert max(o.latency for o in outcomes) < BLOCK_S + SLACK


def test_gevent_monkey_patched() -> None:
    """The gevent case in a process that ran ``monkey.patch_all()`` (the mock in another process:
    a patched mock thread would be a greenlet, blocked with the hub)."""
    pytest.importorskip("gevent")
    cmd = [sys.executable, "-m", "couchbase_mock", "--nodes", "2", "--replicas", "0",
           "--latency-ms", str(REPLY_DELAY_MS)]
    mock = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert mock.stdout is not None
        connstr = mock.stdout.readline().strip()
        mock.stdout.readline()
        assert connstr, "the mock did not start"
        child = os.path.join(os.path.dirname(os.path.abspath(__file__)), "blocked_loop_gevent_child.py")
        proc = subprocess.run([sys.executable, child, connstr, "Administrator", "password", str(OPS)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"ok": OPS}
    finally:
        mock.terminate()
        mock.wait(15)
