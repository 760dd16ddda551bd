"""The options blocks of libcouchbase's tracer, orphan reporter and metrics reach libcouchbase.

``ClusterTracingOptions``, ``ClusterOrphanReportingOptions`` and ``ClusterMetricsOptions`` are
shared by every front end's Cluster (``couchbase.cluster.resolve_settings``); these tests watch
what libcouchbase then logs.
"""
from __future__ import annotations

import json
import logging
import re
import time
from datetime import timedelta
from typing import Any

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import InvalidArgumentException, TimeoutException
from couchbase.options import (
    ClusterMetricsOptions,
    ClusterOptions,
    ClusterOrphanReportingOptions,
    ClusterTimeoutOptions,
    ClusterTracingOptions,
)


def _reports(caplog: Any, title: str) -> list:
    out = []
    for record in caplog.records:
        message = record.getMessage()
        if record.name == "couchbase.lcb.tracer" and message.startswith(title + ": "):
            out.append(json.loads(message.split(": ", 1)[1]))
    return out


def _options(mock: Any, **kwargs: Any) -> ClusterOptions:
    return ClusterOptions(PasswordAuthenticator(mock.username, mock.password), **kwargs)


def test_threshold_queue_size_bounds_each_report(mock, caplog):
    tracing = ClusterTracingOptions(tracing_threshold_kv=timedelta(microseconds=1),
                                    tracing_threshold_queue_size=3)
    with caplog.at_level(logging.INFO, logger="couchbase.lcb"):
        cluster = Cluster(mock.connstr, _options(mock, tracing_options=tracing))
        try:
            coll = cluster.bucket("default").default_collection()
            coll.upsert("queue-size", {"n": 1})
            for _ in range(20):
                coll.get("queue-size")
        finally:
            cluster.close()  # the tracer flushes its queues when the instance is destroyed
    kv = [r for r in _reports(caplog, "Operations over threshold") if r.get("service") == "kv"]
    assert kv, "no over-threshold report"
    assert max(len(r["top"]) for r in kv) == 3, [len(r["top"]) for r in kv]


def _orphans_logged(mock: Any, caplog: Any, **kwargs: Any) -> list:
    timeouts = ClusterTimeoutOptions(kv_timeout=timedelta(milliseconds=100))
    with caplog.at_level(logging.INFO, logger="couchbase.lcb"):
        cluster = Cluster(mock.connstr, _options(mock, timeout_options=timeouts, **kwargs))
        try:
            coll = cluster.bucket("default").default_collection()
            coll.upsert("orphan", {"n": 1})
            mock.set_latency(400)
            try:
                with pytest.raises(TimeoutException):
                    coll.get("orphan")
            finally:
                mock.set_latency(0)
            time.sleep(0.5)  # the late reply is on the socket ...
            coll.get("orphan")  # ... and read (as an orphan) before this one's reply
        finally:
            cluster.close()
    return _reports(caplog, "Orphan responses observed")


def test_orphaned_responses_are_reported_by_default(mock, caplog):
    reports = _orphans_logged(mock, caplog)
    entries = [entry for r in reports for entry in r["top"]]
    assert entries, "the late reply was not reported"
    for entry in entries:
        assert entry["operation_name"] == "get"
        assert re.fullmatch(r"\d+", entry["last_operation_id"])
        assert re.fullmatch(r"[0-9a-f]{16}/[0-9a-f]{16}", entry["last_local_id"])
        assert entry["total_duration_us"] > 0


@pytest.mark.parametrize("how", ["cluster option", "options block"])
def test_orphan_reporting_can_be_turned_off(mock, caplog, how):
    off = ClusterOrphanReportingOptions(enable_orphan_reporting=False)
    kwargs: dict = ({"enable_orphan_reporting": False} if how == "cluster option" else
                    {"orphan_reporting_options": off})
    assert _orphans_logged(mock, caplog, **kwargs) == []


@pytest.mark.parametrize("block, field", [
    ("tracing_options", ClusterTracingOptions(tracing_threshold_kb=timedelta(seconds=1))),
    ("orphan_reporting_options", ClusterOrphanReportingOptions(samples=3)),
    ("metrics_options", ClusterMetricsOptions(emit=timedelta(seconds=1))),
])
def test_an_unknown_field_is_named(mock, block, field):
    with pytest.raises(InvalidArgumentException, match=repr(next(iter(field)))):
        Cluster(mock.connstr, _options(mock, **{block: field}))


@pytest.mark.parametrize("block", [
    ClusterTracingOptions(tracing_threshold_queue_size=-1),
    ClusterTracingOptions(tracing_threshold_kv="soon"),
    ClusterOrphanReportingOptions(sample_size="ten"),
    ClusterMetricsOptions(enable_metrics="yes"),
])
def test_a_wrong_value_is_refused(mock, block):
    key = {ClusterTracingOptions: "tracing_options",
           ClusterOrphanReportingOptions: "orphan_reporting_options",
           ClusterMetricsOptions: "metrics_options"}[type(block)]
    with pytest.raises(InvalidArgumentException, match=next(iter(block))):
        Cluster(mock.connstr, _options(mock, **{key: block}))


def _metrics_logged(caplog: Any) -> list:
    return [json.loads(record.getMessage().split(": ", 1)[1]) for record in caplog.records
            if record.name == "couchbase.lcb.logging-meter" and record.getMessage().startswith("Metrics: ")]


def test_metrics_reports_count_every_operation_under_its_name(mock, caplog):
    """Each key-value operation is recorded once under its own name, whatever the mix: six names
    interleaved (more than libcouchbase's meter keeps at hand: build_lcb.py), summed over the
    reports of every interval."""
    metrics = ClusterMetricsOptions(emit_interval=timedelta(seconds=1))
    done = dict.fromkeys(("upsert", "get", "exists", "replace", "insert", "remove"), 0)
    with caplog.at_level(logging.INFO, logger="couchbase.lcb"):
        cluster = Cluster(mock.connstr, _options(mock, metrics_options=metrics))
        try:
            coll = cluster.bucket("default").default_collection()
            for i in range(12):
                key = f"metrics-{i}"
                coll.upsert(key, {"i": i})
                coll.get(key)
                coll.exists(key)
                if i % 2:
                    coll.replace(key, {"i": -i})
                    done["replace"] += 1
                if i % 3 == 0:
                    coll.remove(key)
                    coll.insert(key, {"i": i})
                    done["remove"] += 1
                    done["insert"] += 1
                for name in ("upsert", "get", "exists"):
                    done[name] += 1
            time.sleep(1.2)
            deadline = time.monotonic() + 5
            while not _metrics_logged(caplog) and time.monotonic() < deadline:
                coll.touch("metrics-0", timedelta(hours=1))  # runs the loop until the report is due
                time.sleep(0.05)
        finally:
            cluster.close()
    reports = _metrics_logged(caplog)
    assert reports, "no metrics report"
    counted = dict.fromkeys(done, 0)
    for report in reports:
        for name, figures in report["operations"].get("kv", {}).items():
            if name in counted:
                counted[name] += figures["total_count"]
    assert counted == done
