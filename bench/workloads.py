"""The workload matrix: which operations, how many in flight, which value sizes, how many ops.

A workload is a plain dict (it travels to the contender processes as JSON):
``id``, ``op`` (get|upsert), ``mode`` (inflight|multi), ``depth`` (operations
in flight, or keys per multi call), ``size`` (value bytes), ``keys`` (size of
the key space), ``warmup`` and ``ops`` (operation counts), optional
``fallback`` (mode to use when the contender lacks ``mode``) and ``rss``.

``query-10k-rows`` (op and mode ``query``): one N1QL statement returning
:data:`QUERY_ROWS` small rows (``{"id": i, "v": "row"}``, computed by the
mock's query engine from ``ARRAY_RANGE``, so no documents are needed), iterated
to the end; ``depth`` is the rows per query, and ``ops``/``warmup`` count rows,
so CPU/op is CPU per row.
"""
from __future__ import annotations

from typing import Any, Dict, List

SIZES = {32: "32B", 4096: "4KiB", 262144: "256KiB"}
PLANS = ("tiny", "quick", "full")
QUERY_ROWS = 10000
QUERY_STATEMENT = f'SELECT i AS id, "row" AS v FROM ARRAY_RANGE(0, {QUERY_ROWS}) AS i'


def workload_id(op: str, mode: str, depth: int, size: int) -> str:
    shape = f"x{depth}" if mode == "inflight" else f"multi{depth}"
    return f"{op}-{shape}-{SIZES.get(size, f'{size}B')}"


def _w(op: str, mode: str, depth: int, size: int, ops: int, warmup: int, **extra: Any) -> Dict[str, Any]:
    ops = max(ops, depth)  # at least one full batch
    ops -= ops % depth  # whole batches only, so CPU/op and latency describe the same batches
    keys = min(max(depth, 1000 if size <= 4096 else 100), 10000 if size <= 4096 else 100)
    return dict(id=workload_id(op, mode, depth, size), op=op, mode=mode, depth=depth, size=size, keys=keys,
                ops=ops, warmup=max(warmup - warmup % depth, depth if depth > 1 else warmup), **extra)


JIT_WARMUP_BATCHES = 1000  # a PyPy contender's warm-up: this many batches (calls of one shape) …
JIT_WARMUP_MIN_OPS, JIT_WARMUP_MAX_OPS = 20000, 100000  # … but at least / at most this many operations
JIT_WARMUP_BYTES = 256 << 20  # … and at most this many bytes of values (large values)


def jit_warmed(w: Dict[str, Any]) -> Dict[str, Any]:
    """``w`` with the warm-up a JIT needs (PyPy contenders): :data:`JIT_WARMUP_BATCHES` batches, within
    :data:`JIT_WARMUP_MIN_OPS`..:data:`JIT_WARMUP_MAX_OPS` operations and :data:`JIT_WARMUP_BYTES` of
    values (3 queries for ``query-10k-rows``); whole batches; never less than the plan's.

    Measured (raw-pypy, quick plan): after the plan's 10 % PyPy is still compiling inside the timed
    part (get x1 111 µs/op after 150 warm-up operations, 13–24 µs after 3,000–20,000); at x100 the
    loop over batches needs batches, not operations: 6.4–7.2 µs/op after 20,000 operations (200
    batches), 2.6–2.9 after 50,000–200,000 (acouchbase-pypy: 6.2 after 50,000, 4.5 after 100,000).
    CPython's figures do not move with a longer warm-up, so its contenders keep the plan's."""
    if w["mode"] == "query":
        want = 3 * w["depth"]
    else:
        want = min(JIT_WARMUP_MAX_OPS, max(JIT_WARMUP_MIN_OPS, JIT_WARMUP_BATCHES * w["depth"]),
                   max(w["depth"], JIT_WARMUP_BYTES // max(w["size"], 1)))
        want -= want % w["depth"]
    return dict(w, warmup=max(w["warmup"], want))


def query_workload(queries: int, warmup_queries: int) -> Dict[str, Any]:
    """``query-10k-rows``: ``queries`` timed queries of :data:`QUERY_ROWS` rows after ``warmup_queries``."""
    return dict(id="query-10k-rows", op="query", mode="query", depth=QUERY_ROWS, size=0, keys=0,
                ops=queries * QUERY_ROWS, warmup=warmup_queries * QUERY_ROWS, statement=QUERY_STATEMENT)


# Keys per timed part of the quick plan's multi workloads. A full collection of CPython's cyclic
# collector costs ≈ 10 ms in a contender process with Twisted loaded (≈ 37k tracked objects), and
# multi1000 promotes enough objects to trigger one every few thousand keys: over 6,000 keys (6
# batches) one collection more or less moved the figure by 1.7 µs per key (tx-deferred read 1.36×
# and 1.44× tx-raw in two runs, 1.02× in the full plan's 200 batches). 30 batches keep that under
# 0.35 µs per key; the official async contenders have no multi API, so this adds < 2 s to a run.
QUICK_MULTI_KEYS = {100: 6000, 1000: 30000}


def plan(name: str) -> List[Dict[str, Any]]:
    """Workloads of one plan: ``tiny`` (smoke test), ``quick`` (< 2 min) or ``full``."""
    if name not in PLANS:
        raise ValueError(f"unknown plan {name!r}; choose one of {', '.join(PLANS)}")
    out: List[Dict[str, Any]] = []
    if name == "tiny":
        for op in ("get", "upsert"):
            out.append(_w(op, "inflight", 1, 32, 100, 20))
            out.append(_w(op, "inflight", 100, 32, 200, 100))
            out.append(_w(op, "multi", 100, 32, 200, 100))
        out.append(query_workload(1, 1))
        return out
    quick = name == "quick"
    depths = (1, 100, 1000, 10000)
    for op in ("get", "upsert"):
        for depth in depths:
            base = (1500 if depth == 1 else 6000) if quick else (20000 if depth == 1 else 200000)
            ops = max(base, depth * (2 if quick else 10))
            out.append(_w(op, "inflight", depth, 32, ops, ops // 10))
        for depth in (100, 1000):
            ops = QUICK_MULTI_KEYS[depth] if quick else 200000
            out.append(_w(op, "multi", depth, 32, ops, ops // 10))
    sizes = (4096, 262144)
    for size in sizes:
        for op in ("get", "upsert"):
            n1 = (300 if size > 4096 else 1000) if quick else (2000 if size > 4096 else 20000)
            out.append(_w(op, "inflight", 1, size, n1, n1 // 10))
            if not quick:
                out.append(_w(op, "inflight", 100, size, 2000 if size > 4096 else 50000, 200))
                out.append(_w(op, "multi", 100, size, 2000 if size > 4096 else 50000, 200))
    out.append(query_workload(5 if quick else 20, 1 if quick else 2))
    rss_ops = 10000 if quick else 1_000_000
    rss = _w("get", "inflight", 100, 32, rss_ops, 1000, fallback="multi", rss=True)
    rss["id"] = "rss-get-x100-32B"
    out.append(rss)
    return out
