"""Seeded random chaos under a steady stream of operations, on every front end.

While rounds of operations (upserts of fresh keys with known values and gets
of seeded keys, all of a round in flight together) run back to back for a
fixed time, a chaos thread applies a random fault every 50-350 ms: reply
latency on one node or all, a paused node (longer than the KV timeout),
client connections reset or closed, reply batches truncated (half sent, then
a reset) or corrupted (a bad magic byte), and injected statuses 0x86 ETMPFAIL
(``LCB_ERR_TEMPORARY_FAILURE``, retried), 0x07 NOT_MY_VBUCKET without a map
(retried) and 0x85 EBUSY (``LCB_ERR_BUSY``, retried until the timeout).
The fault sequence comes from a seeded RNG (``COUCHBASE_CHAOS_SEED`` overrides
it); how faults interleave with operations still depends on timing.

Asserted per front end: no hang (every round resolves before a hard deadline
and every operation within ``KV_TIMEOUT + MARGIN``), every failure is a
typed ``CouchbaseException``, no operation resolves twice, every successful
get returned its own key's value, every acknowledged write is in the mock's
store afterwards, full success returns once the chaos stops, and the closed
cluster leaves no connection, pending registry entry, IOPS, watcher or timer.
A summary (operations, faults by kind, outcomes by type, latency, leaks) is
printed per front end.

The mock also counts requests it could not parse (it drops such a connection,
as a server does): every request must arrive intact, so any such corrupted
stream fails the test. The two libcouchbase bugs that produced them are fixed
in ``build_lcb.py`` (``LCB_PATCHES``): stale bytes sent after cut negotiations
(checked strictly by ``test_cut_negotiations_leave_the_next_connection_intact``)
and a request retried twice whose previous copy stayed in the send queue after
it was freed (valgrind: ``sendmsg`` of a block freed by ``mcreq_wipe_packet``;
``cbc-pillowfight`` alone showed it under this fault mix).

Each front end's body runs in its own Python process (this file run as a
script, mock included): a crash in C (say, on a corrupt frame) kills only that
process and is reported as the signal that killed it, with the faulthandler
traceback, instead of taking pytest and every other result down; the leak
counts are exact, since nothing else lives in that process; and a fresh
process gets a fresh reactor and hub. CI runs ``CI_SECONDS`` per front end;
``pytest --long`` runs ``LONG_SECONDS`` each (10+ minutes in all).
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any, Dict, List, Optional

import pytest

CI_SECONDS = 10.0
LONG_SECONDS = 90.0
KV_TIMEOUT = 1.5
MARGIN = 4.0  # on top of kv_timeout: two cores shared with the mock and other test runs
RECOVERY_BOUND = 10.0
ROUND = 200  # operations in flight together per round (half upserts, half gets)
SEED_KEYS = 2000
SEED = 0xC4A05

TMPFAIL, NOT_MY_VBUCKET, EBUSY = 0x86, 0x07, 0x85
FAULTS = ("latency", "pause", "reset", "close", "truncate", "corrupt", "tmpfail", "nmvb", "busy")


class Chaos(threading.Thread):
    """Applies one random fault every 50-350 ms until :meth:`stop`; counts them by kind."""

    def __init__(self, mock: Any, seed: int, nodes: int = 3) -> None:
        super().__init__(daemon=True, name="chaos")
        self.mock = mock
        self.rng = random.Random(seed)
        self.nodes = nodes
        self.counts: Counter = Counter()
        self.error: Optional[BaseException] = None
        self._stop_event = threading.Event()

    def run(self) -> None:
        rng = self.rng
        try:
            while not self._stop_event.wait(rng.uniform(0.05, 0.35)):
                self.apply(rng.choice(FAULTS), rng.choice([None] + list(range(self.nodes))))
        except BaseException as exc:  # noqa: BLE001 - reported in the summary
            self.error = exc

    def apply(self, kind: str, node: Optional[int]) -> None:
        mock, rng = self.mock, self.rng
        if kind == "latency":
            mock.set_latency(rng.choice((0, 0, 20, 150, 600)), node=node)
        elif kind == "pause":
            mock.pause_node(node if node is not None else rng.randrange(self.nodes), rng.uniform(0.2, 2.0))
        elif kind in ("reset", "close"):
            mock.drop_connections(node, reset=kind == "reset")
        elif kind in ("truncate", "corrupt"):
            mock.chaos(kind, count=rng.randint(1, 3), node=node)
        else:
            status = {"tmpfail": TMPFAIL, "nmvb": NOT_MY_VBUCKET, "busy": EBUSY}[kind]
            mock.inject_error(status, count=rng.randint(1, 30), node=node)
        self.counts[kind] += 1

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10)


def _value(key: str) -> Dict[str, Any]:
    return {"key": key}


def _round(rng: random.Random, n: int, seeds: List[str]) -> List[Any]:
    import flight as F

    ops = [F.Op(F.UPSERT, f"chaos-{n}-{j}", {"round": n, "j": j}) for j in range(ROUND // 2)]
    ops += [F.Op(F.GET, k) for k in rng.sample(seeds, ROUND // 2)]
    rng.shuffle(ops)
    return ops


def run_chaos(front_end: str, seed: int, seconds: float) -> Dict[str, Any]:
    """The body run in the child process: chaos for ``seconds``, then the checks' raw material."""
    import flight as F

    from couchbase_mock import MockCluster

    summary: Dict[str, Any] = {"front_end": front_end, "seed": seed, "seconds": seconds,
                               "kv_timeout": KV_TIMEOUT}
    violations: Dict[str, List[str]] = {"untyped": [], "wrong_reads": [], "overdue": [], "hang": []}
    tally = F.Tally()
    acked: List[Any] = []
    latencies: List[float] = []
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        seeds = [f"seed-{i}" for i in range(SEED_KEYS)]
        mock.put_docs("default", {k: json.dumps(_value(k)).encode() for k in seeds})
        before = F.snapshot()
        driver = F.open_driver(front_end, mock, kv_timeout=KV_TIMEOUT)
        chaos = Chaos(mock, seed)
        rng = random.Random(seed + 1)
        started = time.monotonic()
        chaos.start()
        rounds = 0
        try:
            while time.monotonic() - started < seconds:
                rounds += 1
                outcomes = driver.run(_round(rng, rounds, seeds), KV_TIMEOUT + MARGIN)
                tally.add(outcomes)
                latencies.extend(o.latency for o in outcomes)
                violations["untyped"] += F.untyped(outcomes)
                violations["wrong_reads"] += F.wrong_reads(outcomes, _value)
                violations["overdue"] += F.overdue(outcomes, KV_TIMEOUT + MARGIN)
                acked += [o for o in outcomes if o.ok and o.op.kind == F.UPSERT]
        except F.Hang as exc:
            violations["hang"].append(str(exc))
        finally:
            chaos.stop()
        mock.set_latency(0)
        summary["chaos_s"] = round(time.monotonic() - started, 2)
        recovery, recovery_failures = None, []
        if not violations["hang"]:
            recovery, recovery_failures = _recover(driver, seeds)
        pending = len(driver.conn.pending)
        driver.close()
        leaks = F.leak_counts(before, driver)
        violations["missing_writes"] = F.missing_writes(mock, acked)
        info = mock.info()
    latencies.sort()
    summary.update({
        "rounds": rounds, "operations": tally.total(), "failures": tally.failures(), "outcomes": tally.counts,
        "faults": dict(chaos.counts), "chaos_error": repr(chaos.error) if chaos.error else None,
        "acknowledged_writes": len(acked), "duplicates": driver.duplicates,
        "latency_max_s": round(latencies[-1], 3) if latencies else None,
        "latency_p99_s": round(latencies[int(len(latencies) * 0.99)], 3) if latencies else None,
        "recovery_s": recovery, "recovery_failures": recovery_failures, "pending_before_close": pending,
        "leaks": leaks, "protocol_errors": info["protocol_errors"],
        "unconsumed_faults": {"injected": info["injected_pending"], "chaos": info["chaos_pending"]},
        "violations": {k: v[:20] for k, v in violations.items()},
        "violation_counts": {k: len(v) for k, v in violations.items()},
    })
    return summary


def _recover(driver: Any, seeds: List[str]) -> tuple:
    """(seconds until a full round succeeds after the chaos stopped, or None if not within the
    bound; the failures of the last round that failed)."""
    rng = random.Random(0)
    since = time.monotonic()
    n = 0
    failures: List[str] = []
    while time.monotonic() - since < RECOVERY_BOUND:
        n += 1
        outcomes = driver.run(_round(rng, -n, seeds), KV_TIMEOUT + MARGIN)
        if all(o.ok for o in outcomes):
            return round(time.monotonic() - since, 3), failures
        failures = [f"{o.op.kind} {o.op.key!r}: {o.label}: {o.error}" for o in outcomes if not o.ok][:10]
    return None, failures


# ---- the pytest side ----------------------------------------------------------------------

def _seed_for(front_end: str) -> int:
    base = int(os.environ.get("COUCHBASE_CHAOS_SEED", SEED))
    return base + sum(front_end.encode())


def _fail_message(proc: "subprocess.CompletedProcess[str]") -> str:
    tail = "\n".join(proc.stderr.splitlines()[-40:])
    if proc.returncode < 0:
        name = signal.Signals(-proc.returncode).name
        return f"the chaos process crashed with {name}:\n{tail}"
    return f"the chaos process exited with status {proc.returncode}:\n{tail}"


def test_chaos_with_a_steady_stream_of_operations(front_end: str, long_run: bool, tmp_path: Any) -> None:
    seconds = LONG_SECONDS if long_run else CI_SECONDS
    seed = _seed_for(front_end)
    out = tmp_path / "chaos.json"
    cmd = [sys.executable, "-X", "faulthandler", __file__, front_end, str(seed), str(seconds), str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 150)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the chaos process for {front_end} hung (killed after {exc.timeout:.0f} s):\n"
                    f"{(exc.stderr or b'')[-4000:]!r}")
    if proc.returncode != 0 or not out.exists():
        pytest.fail(_fail_message(proc))
    s = json.loads(out.read_text())
    print(f"\nchaos {front_end} (seed {seed}, {s['chaos_s']} s): {s['operations']} operations "
          f"in {s['rounds']} rounds, faults {s['faults']}, outcomes {s['outcomes']}, "
          f"latency p99 {s['latency_p99_s']} s "
          f"max {s['latency_max_s']} s (kv_timeout {KV_TIMEOUT} s), recovery {s['recovery_s']} s, "
          f"leaks {s['leaks']}, mock protocol errors {s['protocol_errors']}, "
          f"unconsumed faults {s['unconsumed_faults']}")
    v = s["violations"]
    assert s["chaos_error"] is None, f"the chaos thread failed: {s['chaos_error']}"
    assert v["hang"] == [], "operations never resolved"
    assert v["untyped"] == [], "failures that are not CouchbaseException"
    assert s["duplicates"] == 0, "operations resolved twice"
    assert v["overdue"] == [], f"operations took longer than kv_timeout + {MARGIN} s"
    assert v["wrong_reads"] == [], "a get returned another key's value"
    assert v["missing_writes"] == [], "acknowledged writes missing or stale"
    assert sum(s["faults"].values()) >= seconds, "too few faults were injected to mean anything"
    assert s["operations"] >= 10 * ROUND, "too few operations ran to mean anything"
    assert s["protocol_errors"] == 0, \
        f"the mock dropped {s['protocol_errors']} connection(s) whose request stream was corrupted"
    assert s["recovery_s"] is not None, \
        f"not back to full success within {RECOVERY_BOUND} s: {s['recovery_failures']}"
    assert s["pending_before_close"] == 0, "pending registry entries left after every operation resolved"
    assert s["leaks"] == {"connections": 0, "pending": 0, "iops": 0, "watchers": 0, "timers": 0}


def _main(argv: List[str]) -> int:
    """``test_chaos.py FRONT_END SEED SECONDS OUT.json``: the child process."""
    import logging

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [here, os.path.dirname(here)]  # flight, and tests/ for support.frontends
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    logging.getLogger("couchbase.lcb").setLevel(logging.ERROR)  # one warning per retried status otherwise
    front_end, seed, seconds, out = argv[0], int(argv[1]), float(argv[2]), argv[3]
    summary = run_chaos(front_end, seed, seconds)
    with open(out, "w") as fh:
        json.dump(summary, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))


CUTS = 15  # negotiation-cutting truncations in the regression test below


@pytest.mark.parametrize("name", ["sync", "raw"])
def test_cut_negotiations_leave_the_next_connection_intact(name: str) -> None:
    """Regression test of the libcouchbase fix in ``build_lcb.py`` (``LCB_PATCHES``).

    Three reply batches of a node in a row are cut (half sent, then reset): the
    data connection's, then the HELLO replies of the next two connection attempts.
    Unpatched libcouchbase 3.3.4 then sent stale bytes on the third connection:
    request tails and freed memory where headers belong (the mock counts those
    as protocol errors; found by the chaos test). Every request must arrive
    intact, every get answer its own key, and full success return afterwards.
    """
    import flight as F

    from couchbase_mock import MockCluster

    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        seeds = [f"seed-{i}" for i in range(200)]
        mock.put_docs("default", {k: json.dumps(_value(k)).encode() for k in seeds})
        driver = F.open_driver(name, mock, kv_timeout=KV_TIMEOUT)
        try:
            def cut() -> None:
                for i in range(CUTS):
                    if mock.cluster.protocol_errors:
                        return
                    mock.chaos("truncate", count=3, node=i % 3)
                    time.sleep(0.2)

            cutter = threading.Thread(target=cut, daemon=True)
            cutter.start()
            rng = random.Random(5)
            outcomes: List[Any] = []
            n = 0
            while cutter.is_alive():
                n += 1
                outcomes += driver.run(_round(rng, n, seeds), KV_TIMEOUT + MARGIN)
            errors = mock.info()["protocol_errors"]
            recovery, failures = _recover(driver, seeds)
        finally:
            driver.close()
    print(f"\n{name}: {len(outcomes)} operations, outcomes {F.Tally().add(outcomes).counts}, "
          f"mock protocol errors {errors}, recovery {recovery} s")
    assert errors == 0, "requests arrived corrupted after cut negotiations"
    assert F.wrong_reads(outcomes, _value) == []
    assert F.untyped(outcomes) == []
    assert recovery is not None, failures
