"""Failover of one node of three while 10,000 operations are in flight, on every front end.

Each case gets a fresh 3-node mock (one replica). Half the operations are
upserts of distinct keys with known values (each key first holds a stale
value, so a lost write shows up as stale, not just missing), half are gets of
seeded keys. Replies are held back by mock latency while the operations go
out, and node 1 is failed over once the mock has received a fifth of them, so
at the failover most are on the wire, queued at a node or not sent yet:

* ``hard``: the node stops (listeners and sockets closed), the map is rebuilt;
* ``move``: every vBucket moves to the next node silently (clients learn from
  NOT_MY_VBUCKET replies that carry the new map);
* ``hang``: the node keeps its sockets open and swallows every request; it is
  dropped from the map (a short ``kv_timeout`` lets the swallowed operations
  time out quickly).

Asserted: every operation resolves before a hard deadline (each within its
timeout plus a margin), every failure is a typed ``CouchbaseException``,
every successful get returned its own key's value, no acknowledged write is
missing or stale in the mock's store, full success (a round over every
vBucket) is back within ``RECOVERY_BOUND`` seconds of the failover call, and
the closed cluster leaves no connection, pending entry, IOPS, watcher or timer.
Recovery times are kept in :data:`RECOVERY` and in ``failover_recovery.json``
under pytest's base temporary directory.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Dict, Iterator, List

import flight as F
import pytest

from couchbase.exceptions import CouchbaseException
from couchbase_mock import MockCluster

OPS = 10_000
KV_TIMEOUT = 1.5
MARGIN = 5.0  # on top of kv_timeout: a busy 2-core machine, never a hang
RECOVERY_BOUND = 10.0
HOLD_MS = 150  # reply latency while the batch goes out, so the failover finds it in flight
FAILED_NODE = 1
MODES = ("hard", "move", "hang")

RECOVERY: List[Dict[str, Any]] = []  # one record per case, for the report


@pytest.fixture
def quiet_lcb() -> Iterator[None]:
    """libcouchbase logs a warning per NOT_MY_VBUCKET: thousands here, all expected."""
    logger = logging.getLogger("couchbase.lcb")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def _value(key: str) -> Dict[str, Any]:
    return {"key": key, "v": len(key)}


def _seed(mock: Any, n: int) -> List[str]:
    """Seed ``n`` read keys plus one probe key per vBucket; give every write key a stale value."""
    reads = [f"read-{i}" for i in range(n)] + F.keys_covering_vbuckets("probe")
    docs = {k: json.dumps(_value(k)).encode() for k in reads}
    docs.update({f"write-{i}": b'{"stale":true}' for i in range(n)})
    mock.put_docs("default", docs)
    return reads


def _batch(n: int) -> List[F.Op]:
    ops: List[F.Op] = []
    for i in range(n):
        ops.append(F.Op(F.UPSERT, f"write-{i}", {"key": f"write-{i}", "fresh": i}))
        ops.append(F.Op(F.GET, f"read-{i}"))
    return ops


def _round(tag: int) -> List[F.Op]:
    """A get and an upsert on every vBucket."""
    probes = F.keys_covering_vbuckets("probe")
    return ([F.Op(F.GET, k) for k in probes]
            + [F.Op(F.UPSERT, f"{k}-w", {"round": tag}) for k in probes])


class FailoverTrigger(threading.Thread):
    """Fails the node over once the mock has received ``after`` operations (front-end neutral:
    it watches the mock's request counter, so it works whatever loop the client runs)."""

    def __init__(self, mock: Any, driver: F.Driver, mode: str, after: int) -> None:
        super().__init__(daemon=True, name="failover-trigger")
        self.mock, self.driver, self.mode = mock, driver, mode
        self.base = mock.cluster.ops
        self.after = after
        self.at = 0.0
        self.received = self.resolved = -1
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            deadline = time.monotonic() + 30
            while self.mock.cluster.ops - self.base < self.after and time.monotonic() < deadline:
                time.sleep(0.0005)
            self.resolved = self.driver.resolved
            self.received = self.mock.cluster.ops - self.base
            self.at = time.monotonic()
            self.mock.failover(FAILED_NODE, self.mode)
            self.mock.set_latency(0)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def _recover(driver: F.Driver, since: float) -> tuple:
    """Run rounds until one fully succeeds; (seconds from ``since``, rounds, last failures)."""
    rounds = 0
    failures: List[str] = []
    while time.monotonic() - since < RECOVERY_BOUND + KV_TIMEOUT + 5:
        rounds += 1
        outcomes = driver.run(_round(rounds), KV_TIMEOUT + MARGIN)
        failures = [f"{o.op.kind} {o.op.key}: {o.label}" for o in outcomes if not o.ok]
        if not failures:
            return time.monotonic() - since, rounds, []
    return float("inf"), rounds, failures


def _save(tmp_path_factory: Any, record: Dict[str, Any]) -> None:
    RECOVERY.append(record)
    path = tmp_path_factory.getbasetemp() / "failover_recovery.json"
    path.write_text(json.dumps(RECOVERY, indent=1))


@pytest.mark.parametrize("mode", MODES)
def test_failover_with_operations_in_flight(front_end: str, mode: str, quiet_lcb: None,
                                            tmp_path_factory: Any) -> None:
    started = time.monotonic()
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        reads = _seed(mock, OPS // 2)
        read_keys = set(reads)
        before = F.snapshot()
        driver = F.open_driver(front_end, mock, kv_timeout=KV_TIMEOUT)
        try:
            warm = driver.run(_round(0), KV_TIMEOUT + MARGIN)  # connects to every node, too
            assert all(o.ok for o in warm), "not healthy before the failover"
            ops = _batch(OPS // 2)
            mock.set_latency(HOLD_MS)
            trigger = FailoverTrigger(mock, driver, mode, after=OPS // 5)
            trigger.start()
            outcomes = driver.run(ops, KV_TIMEOUT + 2 * MARGIN)
            trigger.join(30)
            assert trigger.error is None, f"the failover itself failed: {trigger.error!r}"
            assert trigger.at, "the failover never happened"
            recovery, rounds, still_failing = _recover(driver, trigger.at)
            pending_before_close = len(driver.conn.pending)
        finally:
            driver.close()
        leaks = F.leak_counts(before, driver)
        protocol_errors = mock.info()["protocol_errors"]

        tally = F.Tally().add(outcomes)
        record = {"front_end": front_end, "mode": mode, "ops": len(outcomes), "outcomes": tally.counts,
                  "in_flight_at_failover": OPS - trigger.resolved,
                  "received_by_mock_at_failover": trigger.received,
                  "recovery_s": round(recovery, 3), "recovery_rounds": rounds,
                  "max_latency_s": round(max(o.latency for o in outcomes), 3), "leaks": leaks,
                  "mock_protocol_errors": protocol_errors,
                  "case_s": round(time.monotonic() - started, 2)}
        _save(tmp_path_factory, record)
        print(f"\nfailover {front_end}/{mode}: {json.dumps(record)}")

        assert trigger.resolved < OPS // 2, \
            f"only {OPS - trigger.resolved} operations were in flight at the failover"
        assert F.untyped(outcomes) == [], "failures that are not CouchbaseException"
        assert protocol_errors == 0, "the mock received requests it could not parse (a corrupted stream)"
        assert all(isinstance(o.error, CouchbaseException) for o in outcomes if not o.ok)
        assert driver.duplicates == 0, f"{driver.duplicates} operations resolved twice"
        assert F.overdue(outcomes, KV_TIMEOUT + MARGIN) == []
        assert F.wrong_reads(outcomes, lambda k: _value(k) if k in read_keys else None) == []
        assert F.missing_writes(mock, outcomes) == [], "acknowledged writes lost"
        assert _unacknowledged_writes_intact(mock, outcomes) == []
        assert recovery <= RECOVERY_BOUND, f"not back to 100% within {RECOVERY_BOUND} s: {still_failing[:10]}"
        assert pending_before_close == 0, "pending registry entries left after every operation resolved"
        assert leaks == {"connections": 0, "pending": 0, "iops": 0, "watchers": 0, "timers": 0}


def _unacknowledged_writes_intact(mock: Any, outcomes: List[F.Outcome]) -> List[str]:
    """A failed upsert may or may not have been applied, but the stored value is one of the two."""
    bad = []
    for o in outcomes:
        if o.op.kind == F.UPSERT and not o.ok:
            doc = mock.get_doc("default", o.op.key)
            value = json.loads(doc["value"]) if doc is not None else None
            if value not in ({"stale": True}, o.op.value):
                bad.append(f"{o.op.key!r}: {value!r}")
    return bad
