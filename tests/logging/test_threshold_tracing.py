"""libcouchbase's threshold-logging tracer (on by default) reports what it always reported.

The tracer's cost per operation was cut in libcouchbase itself (``build_lcb.py``: only the tags a
report reads are kept, and the per-connection ones are formatted only for spans that can be
reported; spans are recycled per thread and keep their operation id inside). These tests pin the
reports: an operation over ``tracing_threshold_kv`` is reported with every field a report carries
and its own operation id, and none is reported under the threshold.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions, ClusterTracingOptions

REPORT_FIELDS = {
    "operation_name", "last_operation_id", "last_local_id", "last_remote_socket",
    "last_server_duration_us", "total_server_duration_us", "total_duration_us",
    "last_dispatch_duration_us", "total_dispatch_duration_us",
}


def _reports(caplog) -> list:
    out = []
    for record in caplog.records:
        message = record.getMessage()
        if record.name == "couchbase.lcb.tracer" and message.startswith("Operations over threshold: "):
            out.append(json.loads(message.split(": ", 1)[1]))
    return out


def _run_ops(mock, threshold: timedelta, caplog) -> list:
    opts = ClusterOptions(PasswordAuthenticator(mock.username, mock.password),
                          tracing_options=ClusterTracingOptions(tracing_threshold_kv=threshold))
    with caplog.at_level(logging.INFO, logger="couchbase.lcb"):
        cluster = Cluster(mock.connstr, opts)
        try:
            coll = cluster.bucket("default").default_collection()
            for i in range(5):
                coll.upsert(f"tracing-{i}", {"i": i})
                assert coll.get(f"tracing-{i}").content_as[dict] == {"i": i}
            coll.get_multi([f"tracing-{i}" for i in range(5)])
        finally:
            cluster.close()  # the tracer flushes its queues when the instance is destroyed
    return _reports(caplog)


def test_operations_over_the_threshold_are_reported_with_every_field(mock, caplog):
    reports = _run_ops(mock, timedelta(microseconds=1), caplog)
    assert reports, "no over-threshold report at close"
    kv = [r for r in reports if r.get("service") == "kv"]
    assert kv and all(r["count"] == len(r["top"]) > 0 for r in kv)
    entries = [entry for r in kv for entry in r["top"]]
    assert {e["operation_name"] for e in entries} <= {"get", "upsert"}
    # each entry names its own operation (libcouchbase keeps the id inside its recycled spans)
    assert len({e["last_operation_id"] for e in entries}) == len(entries)
    ports = {str(node.kv_port) for node in mock.nodes} if hasattr(mock, "nodes") else None
    for entry in entries:
        assert REPORT_FIELDS <= set(entry), sorted(REPORT_FIELDS - set(entry))
        assert re.fullmatch(r"[0-9a-f]{16}/[0-9a-f]{16}", entry["last_local_id"])
        assert re.fullmatch(r"\d+", entry["last_operation_id"])
        host, _, port = entry["last_remote_socket"].rpartition(":")
        assert host and port.isdigit()
        if ports:
            assert port in ports
        assert entry["total_duration_us"] >= entry["last_dispatch_duration_us"] > 0
        assert entry["total_duration_us"] > 1


def test_operations_under_the_threshold_are_not_reported(mock, caplog):
    assert [r for r in _run_ops(mock, timedelta(seconds=30), caplog) if r.get("service") == "kv"] == []


def test_a_full_report_queue_keeps_the_slowest_operations(mock, caplog):
    """More operations over the threshold than the tracer's queue holds (128 per service): the report
    lists 128 of them, and the slowest ones are among them wherever they came in the sequence
    (libcouchbase converts only a span the queue may keep: build_lcb.py)."""
    opts = ClusterOptions(PasswordAuthenticator(mock.username, mock.password),
                          tracing_options=ClusterTracingOptions(tracing_threshold_kv=timedelta(microseconds=1)))
    with caplog.at_level(logging.INFO, logger="couchbase.lcb"):
        cluster = Cluster(mock.connstr, opts)
        try:
            coll = cluster.bucket("default").default_collection()
            coll.upsert("tracing-queue", {"n": 1})
            for _ in range(150):
                coll.get("tracing-queue")
            mock.set_latency(120)
            try:
                for _ in range(3):
                    coll.get("tracing-queue")
            finally:
                mock.set_latency(0)
            for _ in range(150):
                coll.get("tracing-queue")
        finally:
            cluster.close()
    kv = [r for r in _reports(caplog) if r.get("service") == "kv"]
    entries = [entry for r in kv for entry in r["top"]]
    assert sum(r["count"] for r in kv) == len(entries) >= 128
    slow = [e for e in entries if e["total_duration_us"] >= 100_000]
    assert len(slow) >= 3, sorted(e["total_duration_us"] for e in entries)[-5:]
    assert all(REPORT_FIELDS <= set(e) for e in entries)
