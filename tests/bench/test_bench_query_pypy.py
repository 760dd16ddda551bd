"""Issue 18's additions to the benchmark, run for real (tiny plan, a mock of its own):

* ``query-10k-rows``: one N1QL query of 10,000 rows iterated to the end, CPU per row, on our
  blocking, acouchbase, tx-deferred and gcouchbase and the official blocking, acouchbase and
  txcouchbase; contenders it is not measured on say so;
* the ``*-pypy`` contenders: skipped with the reason when there is no PyPy (or the interpreter given
  is not PyPy), measured by ``.venv-pypy`` when scripts/setup_pypy.sh has made it.

No timing assertions: the figures depend on the machine.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from bench.harness import PYPY_VENV
from support.official_sdk import official_python

ROOT = Path(__file__).resolve().parents[2]
QUERY_CONTENDERS = ["blocking", "acouchbase", "tx-deferred", "gcouchbase",
                    "official-blocking", "official-acouchbase", "official-txcouchbase"]


def _bench(tmp_path: Path, contenders: List[str], *extra: str) -> Dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--plan", "tiny", "--contenders", ",".join(contenders),
         "--out", str(tmp_path), "--no-plot", *extra],
        cwd=str(ROOT), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = json.loads((tmp_path / "results.json").read_text())["runs"]
    return run


def test_query_rows_are_measured_per_row_on_every_named_front_end(tmp_path: Path) -> None:
    official_python()
    run = _bench(tmp_path, QUERY_CONTENDERS + ["raw", "pillowfight"], "--workloads", "query-10k-rows")
    cons = run["contenders"]
    for name in QUERY_CONTENDERS:
        assert cons[name]["status"] == "ok", (name, cons[name])
        rec = cons[name]["workloads"]["query-10k-rows"]
        assert rec["ops"] == 10000 and rec["mode_used"] == "query", (name, rec)  # ops count rows
        assert rec["latency_unit"] == "query of 10000 rows"
        assert rec["cpu_us_per_op"] > 0 and rec["p99_us"] >= rec["p50_us"] > 0, (name, rec)
        assert rec["ops_per_s"] > 0 and rec["warmup_ops"] == 10000  # CPython: the plan's warm-up
    assert "measured on blocking, acouchbase" in cons["raw"]["workloads"]["query-10k-rows"]["skipped"]
    if cons["pillowfight"]["status"] == "ok":
        assert "no N1QL" in cons["pillowfight"]["workloads"]["query-10k-rows"]["skipped"]
    by_target = {t["target"]: t for t in run["targets"]}
    for name in ("blocking query rows ≤ 0.33× official-blocking",
                 "acouchbase query rows ≤ 0.33× official-acouchbase"):
        t = by_target[name]
        assert t["result"] in ("pass", "fail") and list(t["ratios"]) == ["query-10k-rows"], t
        assert t["ratios"]["query-10k-rows"] > 0


def test_a_pypy_contender_without_pypy_is_skipped_with_the_reason(tmp_path: Path) -> None:
    run = _bench(tmp_path, ["raw-pypy", "gcouchbase-pypy"], "--workloads", "get-x1-32B",
                 "--pypy", str(tmp_path / "no-venv" / "bin" / "python"))
    for name in ("raw-pypy", "gcouchbase-pypy"):
        c = run["contenders"][name]
        assert c["status"] == "skipped" and "setup_pypy.sh" in c["reason"] and not c["workloads"], c
    by_target = {t["target"]: t for t in run["targets"]}
    t = by_target["raw-pypy ≤ 1.2× pillowfight at x100..x10000"]
    assert t["result"] == "n/a" and "raw-pypy skipped" in t["why"], t

    # an interpreter that is not PyPy (this CPython) is refused by the contender process itself
    run = _bench(tmp_path, ["raw-pypy"], "--workloads", "get-x1-32B", "--pypy", sys.executable)
    c = run["contenders"]["raw-pypy"]
    assert c["status"] == "skipped" and "needs PyPy" in c["reason"] and "CPython" in c["reason"], c


@pytest.mark.skipif(not (PYPY_VENV / "bin" / "python").exists(),
                    reason="no .venv-pypy in this checkout (scripts/setup_pypy.sh makes it)")
def test_pypy_contenders_are_measured_by_the_pypy_venv(tmp_path: Path) -> None:
    names = ["raw-pypy", "acouchbase-pypy", "tx-deferred-pypy", "gcouchbase-pypy"]
    run = _bench(tmp_path, names, "--workloads", "get-x100-32B,query-10k-rows")
    cons = run["contenders"]
    for name in names:
        assert cons[name]["status"] == "ok", (name, cons[name])
        rec = cons[name]["workloads"]["get-x100-32B"]
        assert rec["cpu_us_per_op"] > 0 and rec["warmup_ops"] == 100000, (name, rec)  # the JIT's warm-up
    for name in ("acouchbase-pypy", "tx-deferred-pypy", "gcouchbase-pypy"):
        rec = cons[name]["workloads"]["query-10k-rows"]
        assert rec["ops"] == 10000 and rec["warmup_ops"] == 30000, (name, rec)
    assert "skipped" in cons["raw-pypy"]["workloads"]["query-10k-rows"]
