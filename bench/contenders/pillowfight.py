"""Contender: libcouchbase's own load generator, cbc-pillowfight (C, one thread).

It cannot be instrumented from inside, so its CPU comes from ``os.wait4`` (the
rusage of that one child process) and start-up/population costs are removed
by running each workload twice, with ``c1`` and ``c2`` cycles, and dividing
the difference in CPU and wall time by the difference in operations. One
cycle is one batch of ``-B`` operations scheduled together (mode inflight;
``-B 1`` is one at a time). Latency percentiles are not collected.
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent.parent


def find_binary() -> Optional[str]:
    """cbc-pillowfight from build_lcb.py's cached libcouchbase build (never builds it here)."""
    sys.path.insert(0, str(ROOT))
    try:
        import build_lcb

        lcb = build_lcb.find_libcouchbase(build=False)
    except Exception:  # noqa: BLE001 - reported as a skip
        return None
    finally:
        sys.path.remove(str(ROOT))
    if lcb is None or not lcb.bin_dir:
        return None
    exe = Path(lcb.bin_dir) / "cbc-pillowfight"
    return str(exe) if exe.exists() else None


def _once(argv: list, timeout: float) -> Tuple[float, float]:
    """(CPU seconds, wall seconds) of one pillowfight run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise RuntimeError(f"cbc-pillowfight timed out after {timeout:.0f} s")
        time.sleep(0.005)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"cbc-pillowfight failed ({proc.returncode}): {err[-800:]}")
    return ru.ru_utime + ru.ru_stime, wall


def run(spec: Dict[str, Any], timeout: float) -> Dict[str, Any]:
    exe = find_binary()
    if exe is None:
        return {"status": "skipped", "workloads": {},
                "reason": "cbc-pillowfight not found (python build_lcb.py --bin builds libcouchbase's tools)"}
    connstr = spec["connstr"].split("?", 1)[0].rstrip("/") + "/" + spec["bucket"]
    out: Dict[str, Any] = {"status": "ok", "workloads": {}}
    started = time.monotonic()
    for w in spec["workloads"]:
        if w["mode"] != "inflight":
            out["workloads"][w["id"]] = {
                "skipped": "key-value only (no N1QL)" if w["mode"] == "query"
                else "no multi API (pillowfight batches are its in-flight mode)"}
            continue
        depth = w["depth"]
        base = [exe, "-U", connstr, "-u", spec["username"], "-P", spec["password"], "-t", "1",
                "-B", str(depth), "-I", str(w["keys"]), "-m", str(w["size"]), "-M", str(w["size"]),
                "-r", "0" if w["op"] == "get" else "100", "-p", "pf-"]
        c1 = max(1, w["warmup"] // depth)
        c2 = c1 + max(1, w["ops"] // depth)
        try:
            cpu1, wall1 = _once(base + ["-c", str(c1)], timeout)
            cpu2, wall2 = _once(base + ["-c", str(c2)], timeout)
        except (RuntimeError, OSError) as exc:
            out["workloads"][w["id"]] = {"error": str(exc)}
            continue
        n = (c2 - c1) * depth
        out["workloads"][w["id"]] = {
            "cpu_us_per_op": max(0.0, cpu2 - cpu1) * 1e6 / n,
            "ops_per_s": n / (wall2 - wall1) if wall2 > wall1 else 0.0,
            "wall_s": wall2 - wall1, "ops": n, "latency_unit": "n/a", "p50_us": None, "p99_us": None,
            "rss_before_kib": None, "rss_after_kib": None, "mode_used": "inflight",
            "method": "difference of two runs (os.wait4 rusage)",
        }
    out["process_s"] = round(time.monotonic() - started, 2)
    return out


if __name__ == "__main__":  # pragma: no cover - debugging aid
    print(find_binary(), resource.getpagesize(), file=sys.stderr)
