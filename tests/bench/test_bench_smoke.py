"""Smoke test of the benchmark suite: ``python -m bench`` in its tiny plan.

Runs three contenders (blocking, raw, floor) for a few hundred operations
against a mock it starts itself, and checks the JSON's structure and that the
figures are positive. No timing assertions: the numbers depend on the machine.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_tiny_run_writes_results_json(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--plan", "tiny", "--contenders",
         "blocking,raw,floor,no-such-contender", "--out", str(tmp_path), "--no-plot"],
        cwd=str(ROOT), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 2 and "unknown contender" in proc.stderr  # bad input: a clear error

    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--plan", "tiny", "--contenders", "blocking,raw,floor", "--out",
         str(tmp_path), "--no-plot"],
        cwd=str(ROOT), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Targets" in proc.stdout
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["meta"]["plan"] == "tiny"
    assert {w["id"] for w in results["workloads"]} >= {"get-x1-32B", "get-multi100-32B", "upsert-x100-32B"}
    (run,) = results["runs"]
    assert run["nodes"] == 1
    assert set(run["contenders"]) == {"blocking", "raw", "floor"}
    for name, contender in run["contenders"].items():
        assert contender["status"] == "ok", (name, contender)
        for wid, rec in contender["workloads"].items():
            if name == "blocking" and wid.split("-")[1] == "x100":
                assert "skipped" in rec  # one at a time only: reported, not crashed
                continue
            if name != "blocking" and wid == "query-10k-rows":
                assert "measured on blocking" in rec["skipped"]  # raw and floor: not a query contender
                continue
            assert rec["ops"] > 0
            for field in ("cpu_us_per_op", "ops_per_s", "p50_us", "p99_us", "rss_before_kib",
                          "rss_after_kib"):
                assert rec[field] > 0, (name, wid, field, rec)
            assert rec["p99_us"] >= rec["p50_us"]
    assert {t["result"] for t in run["targets"]} <= {"pass", "fail", "n/a"}
    assert any(t["target"] == "raw ≤ 2× floor" and t["result"] in ("pass", "fail") for t in run["targets"])
    assert all(r["vs_floor"] is None or r["vs_floor"] > 0 for r in run["ratios"])


def test_missing_contender_package_is_reported_as_skipped(tmp_path: Path) -> None:
    """The official txcouchbase without Twisted (or any missing package) is a skip with a reason."""
    from bench.contenders._measure import PREFIX
    from bench.harness import _collect

    out = _collect([{"skipped": "Twisted not installed"}], "ok", "", 0.0)
    assert out["status"] == "skipped" and "Twisted" in out["reason"] and PREFIX == "BENCH "
