"""The whole cluster killed (SIGKILL) with operations in flight, restarted on the same ports.

The mock runs in a process of its own on pinned ports (``python -m couchbase_mock
--port BASE``). On every front end, one cluster object stays open throughout: a
round of operations is put in flight, the mock process is killed with SIGKILL
2 ms later (while they are, on most runs), the next rounds run against nothing, and a new mock is started
on the same addresses (a restarted server, with empty data). Asserted: no hang
(every round resolves within its bound), every failure is a typed
CouchbaseException, the same client is back to full success within
``RECOVERY_BOUND`` seconds of the restart without being reopened, and closing it
leaves nothing behind.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any, List, Tuple

import flight as F
import pytest

NODES = 2
KV_TIMEOUT = 1.0
MARGIN = 5.0
RECOVERY_BOUND = 30.0
ROUND = 100


@dataclass
class _Endpoint:
    connstr: str
    username: str = "Administrator"
    password: str = "password"


def _free_base() -> int:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "mock"))
    from test_cli_port import _free_base as free  # the mock's own helper: a whole free span

    return free()


def _start(base: int) -> Tuple[subprocess.Popen, str, dict]:
    cmd = [sys.executable, "-m", "couchbase_mock", "--nodes", str(NODES), "--replicas", "1",
           "--port", str(base)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    connstr = proc.stdout.readline().strip()
    info = proc.stdout.readline().strip()
    if not connstr or not info:
        proc.kill()
        proc.wait()
        pytest.fail("the mock did not start")
    return proc, connstr, json.loads(info)


def _ops(n: int) -> List[F.Op]:
    return [F.Op(F.UPSERT, f"restart-{n}-{j}", {"j": j}) for j in range(ROUND)]


def test_kill_9_and_restart_on_the_same_ports(front_end: str) -> None:
    base = _free_base()
    proc, connstr, _info = _start(base)
    driver = None
    try:
        before = F.snapshot()
        driver = F.open_driver(front_end, _Endpoint(connstr), kv_timeout=KV_TIMEOUT)
        assert all(o.ok for o in driver.run(_ops(0), KV_TIMEOUT + MARGIN))
        outcomes: List[Any] = []

        def kill_soon() -> None:
            time.sleep(0.002)
            os.kill(proc.pid, signal.SIGKILL)

        import threading

        killer = threading.Thread(target=kill_soon, daemon=True)
        killer.start()
        outcomes += driver.run(_ops(1), KV_TIMEOUT + MARGIN)  # in flight when the cluster dies
        killer.join()
        proc.wait(10)
        outcomes += driver.run(_ops(2), KV_TIMEOUT + MARGIN)  # nothing there
        assert F.untyped(outcomes) == []
        assert any(not o.ok for o in outcomes), "killing the cluster failed nothing"
        proc, connstr2, _info = _start(base)
        assert connstr2 == connstr
        restarted = time.monotonic()
        n = 3
        while True:
            round_ = driver.run(_ops(n), KV_TIMEOUT + MARGIN)
            assert F.untyped(round_) == []
            if all(o.ok for o in round_):
                break
            assert time.monotonic() - restarted < RECOVERY_BOUND, \
                f"{front_end}: not back within {RECOVERY_BOUND} s: {F.Tally().add(round_).counts}"
            n += 1
            time.sleep(0.2)
        recovery = time.monotonic() - restarted
        print(f"\nrestart {front_end}: outcomes while down {F.Tally().add(outcomes).counts}, "
              f"back to full success {recovery:.2f} s after the restart")
        driver.close()
        assert F.leak_counts(before, driver) == {"connections": 0, "pending": 0, "iops": 0, "watchers": 0,
                                                 "timers": 0}
    finally:
        if driver is not None:
            driver.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
