"""The measurement session shared by the synchronous and the coroutine entry points.

``_measure.main`` (drivers whose ``run`` returns latencies) and
``_measure.main_async`` (coroutine drivers, e.g. the official txcouchbase run
inside ``reactor.run()``) must make the same ``run`` calls and emit the same
records: populate first, a failed workload reported without losing the others,
unsupported workloads skipped, per-operation latency when the driver says so.
No cluster: the drivers here answer from memory.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List, Tuple

import pytest

from bench.contenders._measure import AsyncDriver, Driver, main, main_async
from bench.harness import parse_records
from bench.workloads import plan

Call = Tuple[str, str, int, int]


class Recorder:
    """Answers ``run`` with one 1 µs latency per batch (or per op) and fails get multi."""

    def __init__(self, per_op: bool) -> None:
        self.calls: List[Call] = []
        self.per_op = per_op

    def answer(self, mode: str, op: str, batches: List[List[str]]) -> List[int]:
        self.calls.append((mode, op, len(batches), len(batches[0])))
        if mode == "multi" and op == "get":
            raise ValueError("get_multi refused")
        n = sum(map(len, batches)) if self.per_op and mode == "inflight" else len(batches)
        return [1000] * n


class SyncDriver(Driver):
    def __init__(self, rec: Recorder) -> None:
        self.rec, self.latency_per_op, self.closed = rec, rec.per_op, False

    def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        return self.rec.answer(mode, op, batches)

    def close(self) -> None:
        self.closed = True


class CoroDriver(AsyncDriver):
    def __init__(self, rec: Recorder) -> None:
        self.rec, self.latency_per_op, self.closed = rec, rec.per_op, False

    async def run(  # type: ignore[override]
            self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
        await asyncio.sleep(0)
        return self.rec.answer(mode, op, batches)

    async def close(self) -> None:  # type: ignore[override]
        self.closed = True


def _session(kind: str, per_op: bool, capsys: Any) -> Tuple[List[Dict[str, Any]], Recorder, Any]:
    rec = Recorder(per_op)
    argv = [json.dumps({"workloads": plan("tiny")})]
    if kind == "sync":
        driver: Any = SyncDriver(rec)
        main(lambda spec: driver, argv)
    else:
        driver = CoroDriver(rec)

        async def make(spec: Dict[str, Any]) -> CoroDriver:
            return driver

        main_async(make, lambda session: asyncio.run(session()), argv)
    return parse_records(capsys.readouterr().out), rec, driver


@pytest.mark.parametrize("per_op", [False, True])
def test_sync_and_coroutine_sessions_make_the_same_calls_and_records(per_op: bool, capsys: Any) -> None:
    sync_records, sync_rec, sync_driver = _session("sync", per_op, capsys)
    coro_records, coro_rec, coro_driver = _session("coro", per_op, capsys)
    assert sync_driver.closed and coro_driver.closed
    assert sync_rec.calls == coro_rec.calls
    assert sync_rec.calls[0] == ("multi", "upsert", 1, 1000)  # populate: the get workloads' key space
    for records in (sync_records, coro_records):
        by_id = {r["workload"]: r for r in records}
        assert [r["workload"] for r in records] == [w["id"] for w in plan("tiny")]
        assert by_id["get-multi100-32B"] == {"workload": "get-multi100-32B",
                                             "error": "ValueError: get_multi refused"}
        x100 = by_id["upsert-x100-32B"]
        assert x100["ops"] == 200 and x100["cpu_us_per_op"] >= 0 and x100["p50_us"] == 1.0
        assert x100["latency_unit"] == ("op" if per_op else "batch of 100")
        assert by_id["upsert-multi100-32B"]["latency_unit"] == "batch of 100"  # multi: always per call
        assert by_id["get-x1-32B"]["latency_unit"] == "op"
    strip = ("cpu_us_per_op", "ops_per_s", "wall_s", "rss_before_kib", "rss_after_kib")
    assert ([{k: v for k, v in r.items() if k not in strip} for r in sync_records]
            == [{k: v for k, v in r.items() if k not in strip} for r in coro_records])


def test_a_one_at_a_time_driver_skips_inflight_batches(capsys: Any) -> None:
    rec = Recorder(False)
    driver = SyncDriver(rec)
    driver.max_inflight = 1
    main(lambda spec: driver, [json.dumps({"workloads": plan("tiny")})])
    by_id = {r["workload"]: r for r in parse_records(capsys.readouterr().out)}
    assert "max in flight 1" in by_id["get-x100-32B"]["skipped"]
    assert rec.calls and all(c[3] == 1 for c in rec.calls if c[0] == "inflight")


def test_query_workload_batches_are_one_statement_each_and_ops_count_rows(capsys: Any) -> None:
    from bench.contenders._measure import count_rows
    from bench.workloads import QUERY_ROWS, QUERY_STATEMENT

    seen: List[Tuple[int, Any, Any]] = []

    class QueryDriver(Driver):
        modes = ("query",)

        def __init__(self, rows: int) -> None:
            self.rows = rows

        def run(self, mode: str, op: str, batches: List[List[str]], value: Any) -> List[int]:
            seen.append((len(batches), batches[0], value))
            for _batch in batches:
                count_rows(iter(range(self.rows)), value)
            return [1000] * len(batches)

    workloads = [w for w in plan("quick") if w["id"] == "query-10k-rows"]
    main(lambda spec: QueryDriver(QUERY_ROWS), [json.dumps({"workloads": workloads})])
    (rec,) = parse_records(capsys.readouterr().out)
    assert seen == [(1, [QUERY_STATEMENT], QUERY_ROWS), (5, [QUERY_STATEMENT], QUERY_ROWS)]  # warm-up, timed
    assert rec["ops"] == 5 * QUERY_ROWS and rec["latency_unit"] == f"query of {QUERY_ROWS} rows"

    main(lambda spec: QueryDriver(QUERY_ROWS - 1), [json.dumps({"workloads": workloads})])
    (rec,) = parse_records(capsys.readouterr().out)
    assert rec["error"] == f"RuntimeError: the query returned {QUERY_ROWS - 1} rows, expected {QUERY_ROWS}"


def test_pypy_contenders_warm_up_long_enough_for_the_jit() -> None:
    from bench.workloads import JIT_WARMUP_MAX_OPS, JIT_WARMUP_MIN_OPS, jit_warmed

    for w in plan("quick"):
        warmed = jit_warmed(w)
        assert warmed["warmup"] >= w["warmup"] and warmed["warmup"] % w["depth"] == 0, w["id"]
        assert dict(warmed, warmup=0) == dict(w, warmup=0)  # nothing else changes
    by_id = {w["id"]: jit_warmed(w)["warmup"] for w in plan("quick")}
    assert by_id["get-x1-32B"] == by_id["upsert-x1-4KiB"] == JIT_WARMUP_MIN_OPS  # 20,000 batches of 1
    assert by_id["upsert-x100-32B"] == by_id["get-multi1000-32B"] == JIT_WARMUP_MAX_OPS  # ≥ 100 batches
    assert by_id["get-x1-256KiB"] == 1024  # 256 MiB of values, not 20,000 × 256 KiB
    assert by_id["query-10k-rows"] == 30000  # three queries
