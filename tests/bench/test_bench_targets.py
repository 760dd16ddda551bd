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


def _contender(figures: Dict[str, float], status: str = "ok", **extra: Any) -> Dict[str, Any]:
    return {"status": status, "label": "", "workloads": {
        w: {"cpu_us_per_op": v, "ops_per_s": 1000.0, "ops": 100, "latency_unit": "op", **extra}
        for w, v in figures.items()}}


DEPTH_FIGURES = {f"{op}-x{d}-32B": 1.0 for op in ("get", "upsert") for d in (100, 1000, 10000)}


def test_issue_18_ratio_targets_pass_fail_and_n_a() -> None:
    raw = dict(DEPTH_FIGURES, **{"get-x10000-32B": 1.6})  # 1.6× pillowfight at one depth: fails 1.5×
    run = {"nodes": 1, "connstr": "couchbase://x", "contenders": {
        "pillowfight": _contender(DEPTH_FIGURES), "raw": _contender(raw),
        "raw-pypy": {"status": "skipped", "reason": "no PyPy interpreter at …", "workloads": {}},
        "blocking": _contender({"query-10k-rows": 1.0, "get-multi100-32B": 3.0, "get-x1-32B": 11.0}),
        "blocking-notrace": _contender({"get-multi100-32B": 2.5, "get-x1-32B": 10.0}),
        "official-blocking": _contender({"query-10k-rows": 3.1, "get-multi100-32B": 10.0}),
    }}
    found = _by_target(run)
    t = found["raw ≤ 1.5× pillowfight at x100..x10000"]
    assert t["result"] == "fail" and t["worst"] == "get-x10000-32B 1.60×" and "get-x1-32B" not in t["ratios"]
    t = found["raw-pypy ≤ 1.2× pillowfight at x100..x10000"]
    assert t["result"] == "n/a" and t["why"].startswith("raw-pypy skipped: no PyPy")
    assert found["blocking query rows ≤ 0.33× official-blocking"]["result"] == "pass"  # 1/3.1
    assert found["blocking multi ≤ 0.4× official-blocking"]["result"] == "pass"  # 0.3
    assert found["blocking single op, tracing on ≤ 1.15× blocking-notrace"]["result"] == "pass"  # 1.1
    t = found["blocking multi, tracing on ≤ 1.15× blocking-notrace"]
    assert t["result"] == "fail" and t["ratios"] == {"get-multi100-32B": 1.2}
    assert found["acouchbase query rows ≤ 0.33× official-acouchbase"]["result"] == "n/a"
    run["targets"] = targets.check(run)
    table = report.table({"runs": [run]})
    assert "[FAIL] raw ≤ 1.5× pillowfight at x100..x10000  (get-x10000-32B 1.60×)" in table
    assert "[ N/A] raw-pypy ≤ 1.2× pillowfight at x100..x10000  (raw-pypy skipped: no PyPy" in table


def test_rss_growth_target() -> None:
    def rss(before: int, after: int) -> Dict[str, Any]:
        return _contender({"rss-get-x100-32B": 5.0}, rss_before_kib=before, rss_after_kib=after)

    run = {"nodes": 1, "connstr": "couchbase://x", "contenders": {
        "raw": rss(30000, 30100), "gcouchbase": rss(30000, 30000 + 6 * 1024)}}
    found = _by_target(run)
    ok = found["raw RSS growth over rss-get-x100-32B ≤ 5 MiB"]
    assert ok["result"] == "pass" and ok["growth_kib"] == 100
    bad = found["gcouchbase RSS growth over rss-get-x100-32B ≤ 5 MiB"]
    assert bad["result"] == "fail" and bad["worst"] == "+6.0 MiB"
    assert found["tx-raw RSS growth over rss-get-x100-32B ≤ 5 MiB"]["result"] == "n/a"


def test_every_contender_has_its_own_fixed_colour() -> None:
    from bench.colours import PALETTE, colour
    from bench.registry import CONTENDERS

    names = [c.name for c in CONTENDERS]
    assert set(names) <= set(PALETTE)  # a fixed colour, not the order of this run
    assert len({colour(n) for n in names}) == len(names)  # distinct
    assert colour("some-new-contender") == colour("some-new-contender")  # stable without an entry
