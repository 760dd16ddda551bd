"""``python -m bench``: run the benchmark suite and report (see bench/README.md).

Examples::

    python -m bench --quick                       # minutes: 1-node mock, every contender
    python -m bench                               # full matrix, 1- and 3-node mocks, 1M-op RSS runs
    python -m bench --plan tiny --contenders blocking,raw,floor
    python -m bench --connstr couchbase://10.0.0.5 --username u --password p
"""
from __future__ import annotations

import argparse
import datetime
import functools
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench import harness, report, targets
from bench.mockproc import real_cluster, start_mock
from bench.registry import select
from bench.workloads import PLANS, plan

OUT = Path(__file__).resolve().parent / "out"


def parse(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="the quick plan (same as --plan quick)")
    p.add_argument("--plan", choices=PLANS, help="workload plan (default: full, or quick with --quick)")
    p.add_argument("--contenders", default="", help="comma-separated contender names (default: all)")
    p.add_argument("--workloads", default="",
                   help="comma-separated workload ids to keep (default: the plan's)")
    p.add_argument("--nodes", default="",
                   help="comma-separated mock cluster sizes (default: 1 quick, 1,3 full)")
    p.add_argument("--connstr", help="benchmark a real cluster instead of starting the mock")
    p.add_argument("--username", default="Administrator")
    p.add_argument("--password", default="password")
    p.add_argument("--bucket", default="default")
    p.add_argument("--timeout", type=float, default=0, help="seconds per contender process (default by plan)")
    p.add_argument("--pypy", type=Path, default=None,
                   help="python of the *-pypy contenders (default: .venv-pypy/bin/python here)")
    p.add_argument("--out", type=Path, default=OUT, help="output directory (results.json, cpu_per_op.png)")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)
    if args.quick and args.plan not in (None, "quick"):
        p.error("--quick and --plan disagree")
    args.plan = args.plan or ("quick" if args.quick else "full")
    try:
        args.contender_list = select(args.contenders)
        args.node_counts = [int(n) for n in (args.nodes or ("3,1" if args.plan == "full" else "1")).split(",")
                            if n]
    except ValueError as exc:
        p.error(str(exc))
    if any(n < 1 or n > 16 for n in args.node_counts):
        p.error("--nodes: cluster sizes must be between 1 and 16")
    if args.timeout < 0:
        p.error("--timeout must be positive")
    return args


def pypy_version(python: Optional[Path]) -> Optional[str]:
    """``--version`` of the *-pypy contenders' interpreter, or None when there is none."""
    exe = harness.pypy_python(python)
    if not isinstance(exe, str):
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return " ".join((out.stdout + out.stderr).split()) or None


def machine() -> Dict[str, Any]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0],
            "implementation": platform.python_implementation(), "platform": platform.platform()}


def main(argv: Optional[List[str]] = None) -> int:
    args = parse(argv)
    workloads = plan(args.plan)
    if args.workloads:
        keep = {w.strip() for w in args.workloads.split(",") if w.strip()}
        unknown = keep - {w["id"] for w in workloads}
        if unknown:
            print(f"error: unknown workload(s) for plan {args.plan}: {', '.join(sorted(unknown))}",
                  file=sys.stderr)
            return 2
        workloads = [w for w in workloads if w["id"] in keep]
    if args.connstr:
        makers = [functools.partial(real_cluster, args.connstr, args.username, args.password, args.bucket)]
    else:
        makers = [functools.partial(start_mock, n, args.bucket) for n in args.node_counts]
    timeout = args.timeout or {"tiny": 60, "quick": 180, "full": 1800}[args.plan]
    started = datetime.datetime.now(datetime.timezone.utc)
    log = functools.partial(print, file=sys.stderr, flush=True)
    runs = harness.run_all(makers, args.contender_list, workloads, timeout, log, args.pypy)
    for run in runs:
        run["targets"] = targets.check(run)
        run["ratios"] = report.ratios(run)
    results = {
        "meta": {"plan": args.plan, "started": started.isoformat(timespec="seconds"), "machine": machine(),
                 "method": {
                     "cpu": "getrusage(RUSAGE_SELF) user+system of the client process, around the timed "
                            "batches only, after a warm-up (pillowfight: os.wait4 rusage, two-run "
                            "difference)",
                     "latency": "per operation when 1 in flight and for gcouchbase's N worker greenlets; per "
                                "batch (N ops started together and all awaited, or one multi call) "
                                "otherwise (each record's latency_unit)",
                     "rss": "VmRSS before the warm-up and after the timed part; workload rss-* runs "
                            f"{next((w['ops'] for w in workloads if w.get('rss')), 0)} operations"}},
        "workloads": workloads,
        "runs": runs,
    }
    if any(c.python == "pypy" for c in args.contender_list):
        results["meta"]["machine"]["pypy"] = pypy_version(args.pypy)
    print(report.table(results))
    report.write_json(results, args.out / "results.json")
    print(f"\nJSON: {args.out / 'results.json'}")
    if not args.no_plot:
        problem = report.plot(results, args.out / "cpu_per_op.png")
        print(f"plot: {problem}" if problem else f"plot: {args.out / 'cpu_per_op.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
