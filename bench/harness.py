"""Orchestration: start the cluster(s), run each contender in its own process, collect records.

Each contender process gets the spec as one JSON argument and prints
``BENCH {json}`` lines (see :mod:`bench.contenders._measure`). A contender
that is missing a package reports itself skipped; one that crashes or times
out is recorded as an error with the tail of its stderr. Neither stops the run.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union

from bench.contenders import official_env, pillowfight
from bench.contenders._measure import PREFIX
from bench.mockproc import Target
from bench.registry import Contender
from bench.workloads import jit_warmed

ROOT = Path(__file__).resolve().parent.parent
CONTENDER_DIR = Path(__file__).resolve().parent / "contenders"
PYPY_VENV = ROOT / ".venv-pypy"


def pypy_python(python: Optional[Path] = None) -> Union[str, official_env.Missing]:
    """The interpreter of the ``*-pypy`` contenders: ``python`` (``--pypy``) or ``.venv-pypy/bin/python``
    of this checkout, or why there is none (the contenders are then skipped with that reason)."""
    exe = python if python is not None else PYPY_VENV / "bin" / "python"
    if not exe.exists():
        return official_env.Missing(
            f"no PyPy interpreter at {exe}; create .venv-pypy with scripts/setup_pypy.sh (or pass --pypy)")
    if not os.access(exe, os.X_OK):
        return official_env.Missing(f"PyPy interpreter {exe} is not executable")
    return str(exe)


def parse_records(stdout: str) -> List[Dict[str, Any]]:
    return [json.loads(line[len(PREFIX):]) for line in stdout.splitlines() if line.startswith(PREFIX)]


def _command(c: Contender, spec: Dict[str, Any], pypy: Optional[Path] = None) -> Any:
    """(argv, cwd, env) for a contender process, or a skip reason (str)."""
    arg = json.dumps(spec)
    env = dict(os.environ)
    if c.kind == "ours":
        python = sys.executable
        if c.python == "pypy":
            found = pypy_python(pypy)
            if isinstance(found, official_env.Missing):
                return found.reason
            python = found
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
        return [python, "-m", c.module, arg], str(ROOT), env
    if c.kind == "official":
        python = official_env.python()
        if isinstance(python, official_env.Missing):
            return python.reason
        env.pop("PYTHONPATH", None)  # this checkout's `couchbase` must not shadow the official one
        return [python, str(CONTENDER_DIR / "official.py"), arg], official_env.workdir(), env
    raise ValueError(f"no command for contender kind {c.kind!r}")


def run_contender(c: Contender, target: Target, workloads: List[Dict[str, Any]],
                  timeout: float, pypy: Optional[Path] = None) -> Dict[str, Any]:
    """Run one contender against ``target``; returns {status, reason?, workloads: {id: record}}.
    ``pypy``: the interpreter of the ``*-pypy`` contenders (default: see :func:`pypy_python`)."""
    spec = dict(target.spec(), workloads=workloads, variant=c.variant)
    if c.python == "pypy":
        spec["implementation"] = "PyPy"  # the process checks it really runs on PyPy
        spec["workloads"] = [jit_warmed(w) for w in workloads]
    if c.kind == "official":
        spec["connstr"] = target.official_connstr()
    if c.kind == "pillowfight":
        return pillowfight.run(spec, timeout)
    cmd = _command(c, spec, pypy)
    if isinstance(cmd, str):
        return {"status": "skipped", "reason": cmd, "workloads": {}}
    argv, cwd, env = cmd
    started = time.monotonic()
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        records = parse_records(out)
        return _collect(records, "error", f"timed out after {timeout:.0f} s", started)
    records = parse_records(proc.stdout)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout)[-1500:].strip()
        return _collect(records, "error", f"exit status {proc.returncode}: {tail}", started)
    return _collect(records, "ok", "", started)


def _collect(records: List[Dict[str, Any]], status: str, reason: str, started: float) -> Dict[str, Any]:
    out: Dict[str, Any] = {"status": status, "workloads": {},
                           "process_s": round(time.monotonic() - started, 2)}
    for rec in records:
        if "workload" in rec:
            out["workloads"][rec.pop("workload")] = rec
        elif "skipped" in rec:
            out["status"], reason = "skipped", rec["skipped"]
    if reason:
        out["reason"] = reason
    return out


def run_all(targets: List[Callable[[], Target]], contenders: List[Contender], workloads: List[Dict[str, Any]],
            timeout: float, log: Callable[[str], None], pypy: Optional[Path] = None) -> List[Dict[str, Any]]:
    """Every contender against every target; one entry per target (cluster size)."""
    runs = []
    for make in targets:
        target = make()
        try:
            entry: Dict[str, Any] = {"nodes": target.nodes, "connstr": target.connstr, "contenders": {}}
            for c in contenders:
                log(f"[bench] {target.nodes}-node: {c.name} …")
                res = run_contender(c, target, workloads, timeout, pypy)
                entry["contenders"][c.name] = dict(res, label=c.label)
                note = res.get("reason", "")
                log(f"[bench]   {res['status']} in {res.get('process_s', 0)} s"
                    + (f": {note[:300]}" if note else ""))
            runs.append(entry)
        finally:
            target.close()
    return runs
