"""Presenting a run: the stdout table, bench/out/results.json and the PNG plot."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench.colours import colour

FLOOR, FAMILY = "floor", {
    "blocking": "official-blocking", "gcouchbase": "official-blocking",
    "acouchbase": "official-acouchbase", "acouchbase-uvloop": "official-acouchbase",
    "raw": "official-acouchbase", "tx-deferred": "official-txcouchbase", "tx-raw": "official-txcouchbase",
}
FAMILY.update({f"{name}-pypy": other for name, other in list(FAMILY.items()) if name != "acouchbase-uvloop"})


def _cpu(cons: Dict[str, Any], name: str, wid: str) -> Optional[float]:
    value = cons.get(name, {}).get("workloads", {}).get(wid, {}).get("cpu_us_per_op")
    return float(value) if value else None


def _fmt(value: Any, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def ratios(run: Dict[str, Any]) -> List[Dict[str, Any]]:
    """CPU/op of each of our contenders against the floor and against its official counterpart."""
    out = []
    cons = run["contenders"]
    for name, c in cons.items():
        if name.startswith("official") or name in (FLOOR, "pillowfight"):
            continue
        for wid, rec in c.get("workloads", {}).items():
            mine = rec.get("cpu_us_per_op")
            if not mine:
                continue
            row: Dict[str, Any] = {"contender": name, "workload": wid}
            for key, other in (("vs_floor", FLOOR), ("vs_official", FAMILY.get(name, "")),
                               ("vs_official_notrace", FAMILY.get(name, "") + "-notrace")):
                theirs = cons.get(other, {}).get("workloads", {}).get(wid, {}).get("cpu_us_per_op")
                row[key] = round(mine / theirs, 3) if theirs else None
            out.append(row)
    return out


def table(results: Dict[str, Any]) -> str:
    lines: List[str] = []
    for run in results["runs"]:
        lines.append(f"\n=== {run['nodes']}-node cluster ({run['connstr']}) ===")
        head = (f"{'contender':<28} {'workload':<22} {'CPU µs/op':>9} {'kops/s':>8} {'p50 µs':>9} "
                f"{'p99 µs':>9} {'latency of':<13} {'RSS MiB before→after':>20}")
        lines += [head, "-" * len(head)]
        for name, c in run["contenders"].items():
            if c["status"] != "ok" and not c.get("workloads"):
                lines.append(f"{name:<28} {c['status'].upper()}: {c.get('reason', '')[:140]}")
                continue
            if c["status"] != "ok":
                lines.append(f"{name:<28} {c['status'].upper()}: {c.get('reason', '')[:140]}")
            for wid, r in c["workloads"].items():
                if "cpu_us_per_op" not in r:
                    why = r.get("skipped") or r.get("error", "")
                    lines.append(f"{name:<28} {wid:<22} {'skipped' if 'skipped' in r else 'ERROR'}: "
                                 f"{why[:90]}")
                    continue
                rss = "-"
                if r.get("rss_before_kib"):
                    rss = f"{r['rss_before_kib'] / 1024:.1f}→{r['rss_after_kib'] / 1024:.1f}"
                kops = r["ops_per_s"] / 1000
                lines.append(f"{name:<28} {wid:<22} {r['cpu_us_per_op']:>9.1f} {kops:>8.1f} "
                             f"{_fmt(r.get('p50_us')):>9} {_fmt(r.get('p99_us')):>9} "
                             f"{r.get('latency_unit', ''):<13} {rss:>20}")
        lines.append("\nTargets (CPU/op ratios measured in this run):")
        for t in run["targets"]:
            detail = t.get("worst", "") if t["result"] != "n/a" else t.get("why", "")
            if t.get("note"):
                detail += f"; {t['note']}"
            lines.append(f"  [{t['result'].upper():>4}] {t['target']}  ({detail})")
    return "\n".join(lines)


def write_json(results: Dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, sort_keys=False) + "\n")


def _not_measured(ax: Any, why: str) -> None:
    """Say in an empty panel why it is empty (a run of some workloads only)."""
    ax.text(0.5, 0.5, f"not measured in this run:\n{why}", ha="center", va="center",
            transform=ax.transAxes, fontsize=9, color="#666666")
    ax.set_yticks([])


def plot(results: Dict[str, Any], path: Path) -> Optional[str]:
    """Write the PNG; returns None, or why it could not (matplotlib missing)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError:
        return ("matplotlib is not installed, so no plot was drawn; install it with "
                "`pip install -e '.[bench]'` (or `pip install matplotlib`)")
    runs = results["runs"]
    fig, axes = plt.subplots(len(runs), 3, figsize=(21, 6 * len(runs)), squeeze=False,
                             gridspec_kw={"width_ratios": [3, 2, 2]})
    for row, run in zip(axes, runs):
        bars, lines, rows = row
        cons = run["contenders"]
        names = [n for n, c in cons.items() if c.get("workloads")]
        measured = False
        for i, (wid, hatch) in enumerate((("get-x1-32B", ""), ("get-multi100-32B", "//"))):
            vals = [_cpu(cons, n, wid) or 0 for n in names]
            measured = measured or any(vals)
            xs = [j + i * 0.4 for j in range(len(names))]
            bars.bar(xs, vals, width=0.4, color=[colour(n) for n in names], hatch=hatch, edgecolor="white",
                     label=f"{wid}{' (hatched)' if hatch else ''}")
        bars.set_xticks([j + 0.2 for j in range(len(names))])
        bars.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
        bars.set_ylabel("client CPU µs / op")
        bars.set_title(f"CPU per operation, {run['nodes']}-node mock")
        if measured:
            bars.legend(handles=[Patch(facecolor="#999999", label="get-x1-32B"),
                                 Patch(facecolor="#999999", hatch="//", edgecolor="white",
                                       label="get-multi100-32B")])
        else:
            _not_measured(bars, "neither get-x1-32B nor get-multi100-32B was run")
        for n in names:
            pts = [(d, _cpu(cons, n, f"get-x{d}-32B")) for d in (1, 100, 1000, 10000)]
            pts = [(d, v) for d, v in pts if v]
            if len(pts) >= 2:
                lines.plot([d for d, _ in pts], [v for _, v in pts], marker="o", label=n, color=colour(n),
                           linestyle="--" if n.endswith("-pypy") else "-")
        if lines.lines:
            lines.set_xscale("log")
            lines.set_yscale("log")
        else:
            _not_measured(lines, "no contender ran two or more get-xN-32B depths")
        lines.set_xlabel("operations in flight (get, 32 B)")
        lines.set_ylabel("client CPU µs / op")
        lines.set_title("CPU/op against operations in flight (dashed: PyPy)")
        if lines.lines:
            lines.legend(fontsize=6, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.14))  # off the lines
        qnames = [n for n in names if _cpu(cons, n, "query-10k-rows")]
        qbars = rows.bar(range(len(qnames)), [_cpu(cons, n, "query-10k-rows") for n in qnames],
                         color=[colour(n) for n in qnames])
        rows.bar_label(qbars, fmt="%.1f", fontsize=7)
        if qnames:  # a log scale of nothing is an error in matplotlib
            rows.set_yscale("log")
        else:
            _not_measured(rows, "query-10k-rows was not run")
        rows.set_xticks(range(len(qnames)))
        rows.set_xticklabels(qnames, rotation=60, ha="right", fontsize=8)
        rows.set_ylabel("client CPU µs / row")
        rows.set_title("query-10k-rows: one N1QL query of 10,000 rows")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return None
