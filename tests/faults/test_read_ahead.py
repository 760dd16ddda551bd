"""Bounded query read-ahead: a consumer slower than the server holds a fixed amount of rows.

One mock cluster runs in a process of its own (``bench.mockproc``); each front
end's child (``read_ahead_support.py``) iterates ``ROWS`` rows of ``ROW_BYTES``
bytes (``SELECT RAW REPEAT(...) FROM ARRAY_RANGE(0, ROWS) AS n``: 1,000,000 rows,
100 MB, far more than any limit) more slowly than the mock sends them, and
reports its VmRSS growth and the peak number of rows and bytes its stream
buffered. Asserted on blocking, acouchbase, txcouchbase and gcouchbase: every
row arrives, and VmRSS grows by less than ``RSS_BOUND_KIB`` whatever the result
size; on the loops that buffer rows for an iterator (acouchbase, gcouchbase) the
buffer never exceeds ``AsyncRows.max_buffered_rows`` / ``max_buffered_bytes`` by
more than one socket read of rows (libcouchbase's read cap, 64 KiB), nor does the
blocking iterator's stream exceed ``HIGH_WATER`` rows / ``HIGH_WATER_BYTES``.

On PyPy the child first makes the GC's nursery resident (``warm_nursery``): its
size follows the CPU caches (240 MiB here) and VmRSS would otherwise grow by the
part of it that allocation first touches, whatever is kept.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from couchbase._async_rows import AsyncRows
from couchbase._services import HIGH_WATER, HIGH_WATER_BYTES

HERE = Path(__file__).resolve().parent
# bench/ is at the top of the checkout; appended, so that the checkout's front-end packages do not
# shadow the installed ones (the wheels' runs, scripts/test_wheels.sh)
sys.path.append(str(HERE.parent.parent))
from bench.mockproc import Target, start_mock  # noqa: E402

ROWS = 1_000_000
ROW_BYTES = 100
RSS_BOUND_KIB = 16 * 1024  # the limit's rows and their Python objects, allocator slack
READ_SLACK_BYTES = 128 * 1024  # rows of one socket read past the limit (read_chunk_size, lcb's buffers)
STATEMENT = f'SELECT RAW REPEAT("x", {ROW_BYTES - 2}) FROM ARRAY_RANGE(0, {ROWS}) AS n'  # 100 B of JSON
FRONT_ENDS = ("sync", "asyncio", "twisted", "gevent")


@pytest.fixture(scope="module")
def mock_process() -> Iterator[Target]:
    target = start_mock(1)
    try:
        yield target
    finally:
        target.close()


def _run(target: Target, front_end: str, out: Path, timeout: float) -> Dict[str, Any]:
    cmd = [sys.executable, "-X", "faulthandler", str(HERE / "read_ahead_support.py"), front_end,
           target.connstr, target.username, target.password, STATEMENT, str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the read-ahead child for {front_end} hung: {(exc.stderr or b'')[-3000:]!r}")
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the read-ahead child for {front_end} exited with {proc.returncode}:\n"
                    f"{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_slow_consumer_holds_a_bounded_buffer(front_end: str, mock_process: Target, tmp_path: Path) -> None:
    pytest.importorskip({"sync": "couchbase", "asyncio": "acouchbase", "twisted": "twisted",
                         "gevent": "gevent"}[front_end])
    s = _run(mock_process, front_end, tmp_path / "out.json", timeout=600)
    assert "error" not in s, s["error"]
    growth = s["rss_peak_kib"] - s["rss_base_kib"]
    print(f"\nread-ahead {front_end}: {s.get('rows', 0):,} rows of {ROW_BYTES} B "
          f"({ROWS * ROW_BYTES / 1e6:.0f} MB) in {s.get('seconds')} s, VmRSS growth {growth} KiB, "
          f"peak buffered {s.get('peak_buffered_rows')} rows / {s.get('peak_buffered_bytes')} B")
    assert s["rows"] == ROWS
    assert growth < RSS_BOUND_KIB, f"{front_end}: VmRSS grew {growth} KiB for a {ROWS * ROW_BYTES} B result"
    if front_end in ("asyncio", "gevent"):
        assert s["peak_buffered_bytes"] <= AsyncRows.max_buffered_bytes + READ_SLACK_BYTES
        assert s["peak_buffered_rows"] <= AsyncRows.max_buffered_rows + READ_SLACK_BYTES // ROW_BYTES
    elif front_end == "sync":
        assert 0 < s["peak_buffered_bytes"] <= HIGH_WATER_BYTES + READ_SLACK_BYTES
        assert 0 < s["peak_buffered_rows"] <= HIGH_WATER + READ_SLACK_BYTES // ROW_BYTES
