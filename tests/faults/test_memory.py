"""Memory: 1,000,000 operations per front end, RSS growth under 5 MB, no growth in live handles.

Each front end runs in a Python process of its own (``memory_support.py`` as a
script) against a one-node mock cluster in another process (``python -m
couchbase_mock``, started once for the module by ``bench.mockproc``), so the
resident set measured is the client's alone. The child warms up (stores the
keys, runs ``WARMUP`` operations, waits for libcouchbase's first config poll
to open its socket), takes a baseline, runs the operations — mixed gets and
upserts, ``memory_support.ROUND`` in flight together — and takes the same
figures again after ``gc.collect()``.

Asserted per front end, after the operations:

* every operation succeeded but the gets of keys never stored (2 of each
  round's 50 gets), which failed with DocumentNotFoundException, and every
  other get returned the value stored;
* VmRSS grew by less than 5 MB (``RSS_BOUND_KIB``);
* bytes in use in the C heap (glibc ``mallinfo2``: libcouchbase's buffers,
  cffi's ``ffi.new`` memory, large Python objects) grew by less than
  ``HEAP_BOUND``: a leak of one byte per operation over a million fails it;
* the core's handles did not change: live connections, pending registry
  entries, orphaned connections, IOPS tables libcouchbase holds, their
  socket watchers and timers, memory-owning cffi objects;
* objects tracked by the garbage collector and pymalloc blocks (which also
  count untracked objects: strings, bytes, ints) grew by no more than a slack
  far below one per round (``OBJECT_SLACK``, ``BLOCK_SLACK``); the front end's
  loop (timers, callbacks, sockets) by no more than ``LOOP_SLACK``;
* once the cluster is closed, no connection, pending operation, IOPS,
  watcher or timer is left.

:func:`test_the_detectors_catch_a_leak` runs a child that keeps every result
and a 256-byte ``ffi.new`` buffer per operation, and checks that every
detector above reports it: these tests can fail.

CI budget (two shared cores): ``CI_MILLION`` front ends run the full million
in CI, the others ``CI_OPS`` operations; ``pytest --long`` runs a million on
every front end. A table (front end, operations, seconds, RSS before/after/
growth, heap growth, handles before/after) is printed per test and for the
module (``pytest -s``).
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:  # bench/ lives at the top of the checkout
    sys.path.insert(0, str(ROOT))

from memory_support import LEAK_ENV, TRACE_ENV  # noqa: E402 - tests/faults is on sys.path (rootdir conftest)

from bench.mockproc import Target, start_mock  # noqa: E402

MILLION = 1_000_000
WARMUP = 100_000
CI_OPS = 100_000
CI_WARMUP = 50_000
# The blocking API (libcouchbase's own loop) and raw callbacks (the IOPS bridge on the selectors
# reference loop) run their million in CI: 7 x 1M takes ~170 s here, two fit the ~90 s budget next
# to the others' CI_OPS. ``pytest --long`` runs the million on every front end.
CI_MILLION = ("sync", "raw")

RSS_BOUND_KIB = 5 * 1024
HEAP_BOUND = 1 << 20
OBJECT_SLACK = 200
BLOCK_SLACK = 2000
LOOP_SLACK = 100
CORE_HANDLES = ("connections", "pending", "orphans", "iops", "watchers", "timers", "cdata")

pytestmark = [
    pytest.mark.timeout(900),  # above the children's own bounds (run_child), which say more
    pytest.mark.skipif(platform.python_implementation() != "CPython",
                       reason="the figures are CPython's: pymalloc blocks, gc tracking, RSS under reference "
                              "counting (PyPy's collector grows its heap to thresholds of its own)"),
]

_rows: List[str] = []
_HEADER = (f"{'front end':<9} {'ops':>9} {'s':>6} {'cpu s':>6} {'RSS before':>10} {'after':>8} {'growth':>8} "
           f"{'heap +':>8} {'blocks +':>8}  handles before -> after")


def _row(s: Dict[str, Any]) -> str:
    rss0, rss1 = s["rss_kib"]
    heap = s["malloc_bytes"]
    heap_growth = "n/a" if None in heap else f"{(heap[1] - heap[0]) / 1024:.0f}K"
    h0, h1 = s["handles"]

    def brief(h: Dict[str, int]) -> str:
        return ",".join(f"{k[:4]}={h[k]}" for k in CORE_HANDLES)

    return (f"{s['front_end']:<9} {s['ops']:>9,} {s['seconds']:>6.1f} {s['cpu_seconds']:>6.1f} {rss0:>9}K "
            f"{rss1:>7}K {rss1 - rss0:>7}K {heap_growth:>8} {s['blocks'][1] - s['blocks'][0]:>8}  "
            f"{brief(h0)} -> {brief(h1)}")


@pytest.fixture(scope="module")
def mock_process() -> Iterator[Target]:
    """A one-node mock cluster in a process of its own, for the whole module."""
    target = start_mock(1)
    try:
        yield target
    finally:
        target.close()
        if _rows:
            print("\n\nmemory: operations per front end and what they left behind\n" + _HEADER + "\n"
                  + "\n".join(_rows))


def run_child(target: Target, front_end: str, ops: int, warmup: int, out: Path,
              env: Dict[str, str] = {}) -> Dict[str, Any]:  # noqa: B006 - read only
    """Run ``memory_support.py`` for one front end; its JSON summary."""
    cmd = [sys.executable, "-X", "faulthandler", str(HERE / "memory_support.py"), front_end, target.connstr,
           target.username, target.password, str(ops), str(warmup), str(out)]
    bound = 120 + (ops + warmup) * 300e-6  # gevent runs ~30 us/op on a loaded machine; a hang fails
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=bound, env={**os.environ, **env})
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the memory child for {front_end} hung (killed after {bound:.0f} s): "
                    f"{(exc.stderr or b'')[-4000:]!r}")
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the memory child for {front_end} exited with {proc.returncode}:\n{proc.stderr[-4000:]}")
    return json.loads(out.read_text())


def violations(s: Dict[str, Any]) -> Dict[str, str]:
    """What grew (or went wrong) in one child's summary, by detector; empty when all is well."""
    out: Dict[str, str] = {}
    rss0, rss1 = s["rss_kib"]
    if rss1 - rss0 >= RSS_BOUND_KIB:
        out["rss"] = f"VmRSS grew {rss1 - rss0} KiB ({rss0} -> {rss1}), bound {RSS_BOUND_KIB} KiB"
    heap0, heap1 = s["malloc_bytes"]
    if heap0 is not None and heap1 - heap0 >= HEAP_BOUND:
        out["heap"] = f"C heap in use grew {heap1 - heap0} bytes, bound {HEAP_BOUND}"
    h0, h1 = s["handles"]
    changed = {k: (h0[k], h1[k]) for k in CORE_HANDLES if h0[k] != h1[k]}
    if changed:
        out["handles"] = f"core handles changed (before, after): {changed}"
    objects = s["gc_objects"][1] - s["gc_objects"][0]
    if objects > OBJECT_SLACK:
        out["objects"] = f"{objects} more gc-tracked objects; grown most: {s['census_growth']}"
    blocks = s["blocks"][1] - s["blocks"][0]
    if blocks > BLOCK_SLACK:
        out["blocks"] = f"{blocks} more pymalloc blocks"
    loop0, loop1 = s["loop"]
    grown = {k: (loop0[k], loop1[k]) for k in loop0 if loop1.get(k, 0) - loop0[k] > LOOP_SLACK}
    if grown:
        out["loop"] = f"the event loop holds more: {grown}"
    left = {k: v for k, v in s["after_close"].items() if v}
    if left:
        out["after_close"] = f"left after close: {left}"
    if out and s["traced_growth"]:
        out["traced"] = "Python allocations that grew most:\n" + "\n".join(s["traced_growth"])
    return out


def test_a_million_operations_leave_no_growth(front_end: str, long_run: bool, mock_process: Target,
                                              tmp_path: Path) -> None:
    if long_run or front_end in CI_MILLION:
        ops, warmup = MILLION, WARMUP
    else:
        ops, warmup = CI_OPS, CI_WARMUP
    s = run_child(mock_process, front_end, ops, warmup, tmp_path / "memory.json")
    row = _row(s)
    _rows.append(row)
    print(f"\n{_HEADER}\n{row}")
    assert s["ops"] == ops, f"{s['ops']} operations ran, not {ops}"
    missing = s["missing_gets"]
    assert missing > 0
    assert s["failed"] == {"DocumentNotFoundException": missing}, "failures besides the missing keys"
    assert s["ok"] == ops - missing
    assert s["wrong_values"] == 0, f"{s['wrong_values']} gets returned another value"
    assert violations(s) == {}, f"rerun with {TRACE_ENV}=1 for the Python lines whose allocations grew"


def test_the_detectors_catch_a_leak(mock_process: Target, tmp_path: Path) -> None:
    """A child that keeps every successful result and a 256-byte cffi buffer per operation is caught
    by every detector."""
    ops = 20_000
    s = run_child(mock_process, "sync", ops, 10_000, tmp_path / "leak.json", env={LEAK_ENV: "1"})
    found = violations(s)
    assert s["ok"] == ops - s["missing_gets"]
    expected = {"rss", "objects", "blocks", "handles", "after_close"}
    if s["malloc_bytes"][0] is not None:
        expected.add("heap")
    assert expected <= set(found), f"a deliberate leak went unnoticed by: {expected - set(found)}"
    assert "cdata" in found["handles"]
    cdata = (s["handles"][0]["cdata"], s["handles"][1]["cdata"])
    assert cdata == (0, s["ok"]), "the cffi counter missed buffers"
