"""Bounded query read-ahead: a consumer slower than the server holds a fixed amount of rows.

One mock cluster runs in a process of its own (``bench.mockproc``) with ``DOCS``
documents; each front end's child (``read_ahead_support.py``) iterates
``SELECT RAW REPEAT(d.p, …) FROM default d`` (rows of ``ROW_BYTES`` bytes, a
result of ``DOCS * ROW_BYTES`` bytes, far more than any limit) more slowly than
the mock sends it, and reports its VmRSS growth and the peak number of rows and
bytes its stream buffered. Asserted on blocking, acouchbase, txcouchbase and
gcouchbase: every row arrives, and RSS grows by less than ``RSS_BOUND`` whatever
the result size; on the loops that buffer rows for an iterator (acouchbase,
gcouchbase) the buffer never exceeds ``AsyncRows.max_buffered_rows`` /
``max_buffered_bytes`` by more than one socket read of rows.

The mock's query engine returns one row per document, so the row count is the
document count: CI runs ``CI_DOCS`` rows of 1 KB (50 MB per front end); ``pytest
--long`` runs ``LONG_DOCS``.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest
from couchbase._async_rows import AsyncRows

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from bench.mockproc import Target, start_mock  # noqa: E402

CI_DOCS = 50_000
LONG_DOCS = 200_000
ROW_BYTES = 1000
RSS_BOUND_KIB = 24 * 1024  # the limit's 4 MiB of rows, their Python objects, allocator slack
READ_SLACK_BYTES = 256 * 1024  # rows of one socket read past the limit (read_chunk_size and lcb buffers)
FRONT_ENDS = ("sync", "asyncio", "twisted", "gevent")


@pytest.fixture(scope="module")
def big_result(long_run: bool) -> Iterator[Dict[str, Any]]:
    docs = LONG_DOCS if long_run else CI_DOCS
    target = start_mock(1)
    try:
        from couchbase.auth import PasswordAuthenticator
        from couchbase.cluster import Cluster
        from couchbase.options import ClusterOptions

        auth = PasswordAuthenticator(target.username, target.password)
        cluster = Cluster(target.connstr, ClusterOptions(auth))
        coll = cluster.bucket("default").default_collection()
        for start in range(0, docs, 5000):
            coll.upsert_multi({f"ra-{i:07d}": {"p": "x" * 20} for i in range(start, min(docs, start + 5000))})
        list(cluster.query("CREATE PRIMARY INDEX ON default"))
        cluster.close()
        yield {"target": target, "docs": docs,
               "statement": f"SELECT RAW REPEAT(d.p, {ROW_BYTES // 20}) FROM default d"}
    finally:
        target.close()


def _run(target: Target, front_end: str, statement: str, out: Path, timeout: float) -> Dict[str, Any]:
    cmd = [sys.executable, "-X", "faulthandler", str(HERE / "read_ahead_support.py"), front_end,
           target.connstr, target.username, target.password, statement, str(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the read-ahead child for {front_end} hung: {(exc.stderr or b'')[-3000:]!r}")
    if proc.returncode != 0 or not out.exists():
        pytest.fail(f"the read-ahead child for {front_end} exited with {proc.returncode}:\n"
                    f"{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_slow_consumer_holds_a_bounded_buffer(front_end: str, big_result: Dict[str, Any],
                                              tmp_path: Path) -> None:
    pytest.importorskip({"sync": "couchbase", "asyncio": "acouchbase", "twisted": "twisted",
                         "gevent": "gevent"}[front_end])
    docs = big_result["docs"]
    s = _run(big_result["target"], front_end, big_result["statement"], tmp_path / "out.json",
             timeout=120 + docs * 0.002)
    growth = s["rss_peak_kib"] - s["rss_base_kib"]
    print(f"\nread-ahead {front_end}: {s['rows']:,} rows of {ROW_BYTES} B "
          f"({docs * ROW_BYTES / 1e6:.0f} MB) in "
          f"{s['seconds']} s, VmRSS growth {growth} KiB, peak buffered {s['peak_buffered_rows']} rows / "
          f"{s['peak_buffered_bytes']} B")
    assert "error" not in s, s["error"]
    assert s["rows"] == docs
    assert growth < RSS_BOUND_KIB, f"{front_end}: VmRSS grew {growth} KiB for a {docs * ROW_BYTES} B result"
    if front_end in ("asyncio", "gevent"):
        assert s["peak_buffered_bytes"] <= AsyncRows.max_buffered_bytes + READ_SLACK_BYTES
        assert s["peak_buffered_rows"] <= AsyncRows.max_buffered_rows + READ_SLACK_BYTES // ROW_BYTES
