"""The contenders this harness had wrong, measured for real (tiny plan, a mock of its own).

* the official txcouchbase 4.x, defaults and tracing/metrics off, runs inside
  ``reactor.run()`` and is measured, not skipped;
* tx-deferred counts completions per Deferred (same shape as tx-raw);
* gcouchbase (N worker greenlets) reports latency per operation, multi per call.

The official SDK's venv is created the way the interop tests create it
(tests/support/official_sdk.py, which also installs Twisted there).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.official_sdk import official_python

ROOT = Path(__file__).resolve().parents[2]
OPS = {"get-x1-32B": 100, "get-x100-32B": 200, "upsert-x1-32B": 100, "upsert-x100-32B": 200}


def test_official_txcouchbase_tx_deferred_and_gcouchbase_are_measured(tmp_path: Path) -> None:
    official_python()
    names = "official-txcouchbase,official-txcouchbase-notrace,tx-deferred,gcouchbase"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--plan", "tiny", "--contenders", names, "--out", str(tmp_path),
         "--no-plot"], cwd=str(ROOT), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = json.loads((tmp_path / "results.json").read_text())["runs"]
    cons = run["contenders"]
    for name in names.split(","):
        assert cons[name]["status"] == "ok", (name, cons[name])
        for wid, ops in OPS.items():
            rec = cons[name]["workloads"][wid]
            assert (rec["ops"] == ops and rec["cpu_us_per_op"] > 0
                    and rec["p99_us"] >= rec["p50_us"] > 0), (name, wid)
    for name in ("official-txcouchbase", "official-txcouchbase-notrace"):
        assert cons[name]["workloads"]["get-multi100-32B"] == {"skipped": "no multi API"}
    assert cons["tx-deferred"]["workloads"]["get-multi100-32B"]["ops"] == 200
    assert cons["gcouchbase"]["workloads"]["get-x100-32B"]["latency_unit"] == "op"
    assert cons["gcouchbase"]["workloads"]["get-multi100-32B"]["latency_unit"] == "batch of 100"
    assert cons["tx-deferred"]["workloads"]["get-x100-32B"]["latency_unit"] == "batch of 100"
    by_target = {t["target"]: t for t in run["targets"]}
    assert by_target["tx-deferred ≤ 0.33× official-txcouchbase"]["result"] in ("pass", "fail")
    assert by_target["tx-deferred ≤ 0.33× official-txcouchbase-notrace"]["result"] in ("pass", "fail")
