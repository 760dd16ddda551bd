"""Flatness targets: the issue's 1..10,000 check, the pipelined 100..10,000 figure and the
cbc-pillowfight x1 reference printed next to x1 (pure computation on hand-made figures)."""
from __future__ import annotations

from typing import Any, Dict, Optional

from bench import report, targets


def _run(raw: Dict[int, float], pillowfight: Optional[Dict[int, float]]) -> Dict[str, Any]:
    def contender(cpu: Dict[int, float]) -> Dict[str, Any]:
        return {"status": "ok", "label": "", "workloads": {
            f"{op}-x{d}-32B": {"cpu_us_per_op": v, "ops_per_s": 1000.0, "ops": 100, "latency_unit": "op"}
            for op in ("get", "upsert") for d, v in cpu.items()}}

    cons = {"raw": contender(raw)}
    if pillowfight is not None:
        cons["pillowfight"] = contender(pillowfight)
    return {"nodes": 1, "connstr": "couchbase://x", "contenders": cons}


def _by_target(run: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {t["target"]: t for t in targets.check(run)}


FULL = "raw get CPU/op flat ±20% from 1 to 10,000 in flight"
PIPED = "raw get CPU/op flat ±20% from 100 to 10,000 in flight (pipelined)"


def test_x1_outlier_fails_the_issue_target_passes_pipelined_and_names_pillowfights_x1() -> None:
    run = _run({1: 40.0, 100: 8.0, 1000: 8.0, 10000: 9.0}, {1: 11.0, 100: 1.3, 1000: 1.2, 10000: 1.3})
    found = _by_target(run)
    full, piped = found[FULL], found[PIPED]
    assert full["result"] == "fail" and full["worst"] == "x1 +146%"  # 40 / mean(16.25)
    assert full["x1"] == 1.462 and full["pillowfight_x1"] == 1.973  # 11 / mean(3.7) - 1
    assert "cbc-pillowfight x1 +197%" in full["note"]
    assert piped["result"] == "pass" and set(piped["deviation_from_mean"]) == {"100", "1000", "10000"}
    run["targets"] = targets.check(run)
    table = report.table({"runs": [run]})
    assert f"[FAIL] {FULL}  (x1 +146%; cbc-pillowfight x1 +197%" in table
    assert f"[PASS] {PIPED}  (x1000" in table


def test_flat_figures_pass_both_and_a_missing_pillowfight_is_said() -> None:
    found = _by_target(_run({1: 10.0, 100: 9.0, 1000: 9.5, 10000: 11.0}, None))
    full = found[FULL]
    assert full["result"] == "pass" and found[PIPED]["result"] == "pass"
    assert full["worst"] == "x10000 +11%" and full["pillowfight_x1"] is None
    assert full["note"].startswith("x1 +1%; cbc-pillowfight x1 n/a (pillowfight not run)")


def test_a_missing_depth_is_n_a_not_a_pass() -> None:
    found = _by_target(_run({1: 10.0, 100: 9.0, 10000: 11.0}, None))
    assert found[FULL]["result"] == "n/a" and "missing [1000]" in found[FULL]["why"]
    assert found[PIPED]["result"] == "n/a"
