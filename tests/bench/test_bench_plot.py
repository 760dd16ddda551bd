"""The benchmark's PNG: drawn for any subset of workloads a run was asked for.

A run of some workloads only (``--workloads get-x100-32B,...``) leaves panels with nothing to draw;
each such panel says what was not measured instead of failing the whole report (matplotlib refuses
a log scale of nothing).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest

from bench import report

pytest.importorskip("matplotlib")


def _run(workloads: Dict[str, Dict[str, float]]) -> Dict[str, Any]:
    contenders = {name: {"status": "ok",
                         "workloads": {wid: {"cpu_us_per_op": cpu} for wid, cpu in per.items()}}
                  for name, per in workloads.items()}
    return {"runs": [{"nodes": 1, "contenders": contenders, "targets": [], "ratios": []}]}


@pytest.mark.parametrize("workloads", [
    pytest.param({"raw": {"get-x100-32B": 4.0, "get-x1000-32B": 3.4},
                  "pillowfight": {"get-x100-32B": 1.3, "get-x1000-32B": 0.9}}, id="pipelined-only"),
    pytest.param({"blocking": {"query-10k-rows": 0.7}}, id="query-only"),
    pytest.param({"blocking": {"get-x1-32B": 56.0, "get-multi100-32B": 5.2, "query-10k-rows": 0.7},
                  "raw": {"get-x1-32B": 80.0, "get-x100-32B": 4.8, "get-x1000-32B": 3.9}}, id="every-panel"),
])
def test_plot_draws_every_subset_of_workloads(tmp_path: Path, workloads: Dict[str, Dict[str, float]]) -> None:
    png = tmp_path / "cpu_per_op.png"
    assert report.plot(_run(workloads), png) is None
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
