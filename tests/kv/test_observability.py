"""ClusterOptions(tracer=..., meter=...): the user's tracer and meter see every operation.

One body per behaviour on every front end: libcouchbase's external tracer starts one span per
key-value operation (named after it, with libcouchbase's attributes, a child of a
``parent_span`` option) and finishes it; a query is a ``query`` span; the meter gets the
operations' durations with their service and operation tags; a tracer or meter that raises is
logged and the operations still complete; closing the cluster releases every span, tracer,
meter and recorder (no callback reaches a released object afterwards).
"""
from __future__ import annotations

import gc
import logging
from typing import Any, Dict, List, Mapping, Optional

import pytest

from couchbase import _observe
from couchbase import subdocument as SD
from couchbase.exceptions import InvalidArgumentException
from couchbase.metrics import CouchbaseMeter, CouchbaseValueRecorder
from couchbase.options import (
    AnalyticsOptions,
    ClusterOptions,
    GetOptions,
    QueryOptions,
    SearchOptions,
    UpsertOptions,
)
from couchbase.tracing import CouchbaseSpan, CouchbaseTracer
from support.frontends import FRONT_ENDS


class RecordingSpan(CouchbaseSpan):
    def __init__(self, name: str, parent: Optional[CouchbaseSpan]) -> None:
        super().__init__(name)
        self.name = name
        self.parent = parent
        self.attributes: Dict[str, Any] = {}
        self.finished = 0

    def set_attribute(self, key: str, value: Any) -> None:
        self.attributes[key] = value

    def finish(self) -> None:
        self.finished += 1


class RecordingTracer(CouchbaseTracer):
    def __init__(self) -> None:
        super().__init__(None)
        self.spans: List[RecordingSpan] = []

    def start_span(self, name: str, parent: Optional[CouchbaseSpan] = None) -> RecordingSpan:
        span = RecordingSpan(name, parent)
        self.spans.append(span)
        return span

    def named(self, name: str) -> List[RecordingSpan]:
        return [s for s in self.spans if s.name == name]


class RecordingRecorder(CouchbaseValueRecorder):
    def __init__(self) -> None:
        self.values: List[int] = []

    def record_value(self, value: int) -> None:
        self.values.append(value)


class RecordingMeter(CouchbaseMeter):
    def __init__(self) -> None:
        self.recorders: Dict[tuple, RecordingRecorder] = {}

    def value_recorder(self, name: str, tags: Mapping[str, Any]) -> RecordingRecorder:
        key = (name, tags.get("db.couchbase.service"), tags.get("db.operation"))
        return self.recorders.setdefault(key, RecordingRecorder())


class Broken(Exception):
    pass


class RaisingSpan(CouchbaseSpan):
    def set_attribute(self, key: str, value: Any) -> None:
        raise Broken("set_attribute")

    def finish(self) -> None:
        raise Broken("finish")


class RaisingTracer(CouchbaseTracer):
    def __init__(self, fail_start: bool) -> None:
        super().__init__(None)
        self.fail_start = fail_start

    def start_span(self, name: str, parent: Optional[CouchbaseSpan] = None) -> CouchbaseSpan:
        if self.fail_start:
            raise Broken("start_span")
        return RaisingSpan(name)


class RaisingMeter(CouchbaseMeter):
    def value_recorder(self, name: str, tags: Mapping[str, Any]) -> CouchbaseValueRecorder:
        if tags.get("db.operation") == "get":
            raise Broken("value_recorder")

        class Rec(CouchbaseValueRecorder):
            def record_value(self, value: int) -> None:
                raise Broken("record_value")
        return Rec()


@pytest.fixture
def observed(mock: Any, front_end: str) -> Any:
    """(view, tracer, meter, close) of a front end whose cluster has a recording tracer and meter."""
    tracer, meter = RecordingTracer(), RecordingMeter()
    view, close = FRONT_ENDS[front_end](mock, tracer=tracer, meter=meter)
    yield view, tracer, meter, close
    close()


def test_one_span_per_operation_with_libcouchbase_attributes(observed: Any, key: str) -> None:
    kv, tracer, _meter, _close = observed
    kv.upsert(key, {"n": 1})
    kv.get(key)
    kv.exists(key)
    kv.remove(key)
    for name in ("upsert", "get", "exists", "remove"):
        spans = tracer.named(name)
        assert len(spans) == 1, (name, [s.name for s in tracer.spans])
        span = spans[0]
        assert span.finished == 1
        assert span.parent is None
        attrs = span.attributes
        assert attrs["db.system"] == "couchbase"
        assert attrs["db.couchbase.service"] == "kv"
        assert attrs["db.operation"] == name
        assert attrs["db.name"] == "default"
        assert attrs["db.couchbase.scope"] == "_default" and attrs["db.couchbase.collection"] == "_default"
        assert attrs["net.peer.name"] == "127.0.0.1" and isinstance(attrs["db.couchbase.retries"], int)


def test_parent_span_option_is_the_operations_parent(observed: Any, key: str) -> None:
    kv, tracer, _meter, _close = observed
    parent = RecordingSpan("request", None)
    kv.upsert(key, {"n": 1}, UpsertOptions(parent_span=parent))
    kv.get(key, parent_span=parent)
    kv.lookup_in(key, [SD.get("n")], parent_span=parent)
    kv.get(key)
    children = [s for s in tracer.spans if s.parent is parent]
    assert [s.name for s in children] == ["upsert", "get", "lookup_in"]
    assert all(s.finished == 1 for s in children)
    assert tracer.named("get")[1].parent is None
    assert parent.finished == 0 and parent.attributes == {}  # the parent is the user's to finish
    assert _observe.live()[1] == 0  # no span left registered: the parent's wrapper is released too


def test_multi_operations_spans_are_children_of_parent_span(observed: Any, key: str) -> None:
    kv, tracer, _meter, _close = observed
    parent = RecordingSpan("request", None)
    keys = [f"{key}-{i}" for i in range(3)]
    kv.upsert_multi({k: {"i": i} for i, k in enumerate(keys)}, parent_span=parent)
    kv.get_multi(keys, parent_span=parent)
    kv.remove_multi(keys)
    assert [s.name for s in tracer.spans if s.parent is parent] == ["upsert"] * 3 + ["get"] * 3
    assert len(tracer.named("remove")) == 3 and all(s.parent is None for s in tracer.named("remove"))
    assert all(s.finished == 1 for s in tracer.spans)
    assert _observe.live()[1] == 0


def test_meter_records_durations_by_service_and_operation(observed: Any, key: str) -> None:
    kv, _tracer, meter, _close = observed
    kv.upsert(key, {"n": 1})
    for _ in range(3):
        kv.get(key)
    gets = meter.recorders[("db.couchbase.operations", "kv", "get")].values
    assert len(gets) == 3
    assert all(isinstance(v, int) and 0 < v < 10_000_000 for v in gets)  # microseconds
    assert len(meter.recorders[("db.couchbase.operations", "kv", "upsert")].values) == 1


def test_query_is_a_query_span_with_its_parent(observed: Any) -> None:
    kv, tracer, _meter, _close = observed
    if not hasattr(kv, "collect_rows"):
        pytest.skip("this view cannot collect rows")
    parent = RecordingSpan("request", None)
    rows, meta = kv.collect_rows(kv.cluster.query("SELECT 1 AS one", QueryOptions(parent_span=parent)))
    assert list(rows) == [{"one": 1}]
    spans = tracer.named("query")
    assert len(spans) == 1 and spans[0].parent is parent and spans[0].finished == 1
    assert spans[0].attributes["db.couchbase.service"] == "query"
    assert spans[0].attributes["db.statement"] == "SELECT 1 AS one"
    # (libcouchbase 3.3.4 records no query duration: it detaches the HTTP request before it would)


def test_analytics_is_an_analytics_span_with_its_parent(observed: Any) -> None:
    kv, tracer, _meter, _close = observed
    if not hasattr(kv, "collect_rows"):
        pytest.skip("this view cannot collect rows")
    parent = RecordingSpan("request", None)
    rows, _meta = kv.collect_rows(kv.cluster.analytics_query("SELECT 1 AS one",
                                                             AnalyticsOptions(parent_span=parent)))
    assert list(rows) == [{"one": 1}]
    spans = tracer.named("analytics")
    assert len(spans) == 1 and spans[0].parent is parent and spans[0].finished == 1
    assert spans[0].attributes["db.couchbase.service"] == "analytics"


def test_search_is_a_search_span_with_its_parent(mock: Any, observed: Any, key: str) -> None:
    kv, tracer, meter, _close = observed
    if not hasattr(kv, "collect_rows"):
        pytest.skip("this view cannot collect rows")
    from couchbase.search import TermQuery

    token = f"obs{abs(hash(key))}"  # one term for the analyzer
    kv.upsert(key, {"tag": token})
    mock.create_search_index("obs_idx", "default")
    parent = RecordingSpan("request", None)
    rows, _meta = kv.collect_rows(kv.cluster.search_query("obs_idx", TermQuery(token, field="tag"),
                                                          SearchOptions(span=parent)))  # 4.x's earlier name
    assert [r.id for r in rows] == [key]
    spans = tracer.named("search")
    assert len(spans) == 1 and spans[0].parent is parent and spans[0].finished == 1
    assert spans[0].attributes["db.couchbase.service"] == "search"
    assert meter.recorders[("db.couchbase.operations", "search", "obs_idx")].values


@pytest.mark.parametrize("fail_start", [True, False], ids=["start_span", "span_methods"])
def test_raising_tracer_and_meter_are_logged_and_operations_complete(
        mock: Any, front_end: str, key: str, fail_start: bool, caplog: Any) -> None:
    kv, close = FRONT_ENDS[front_end](mock, tracer=RaisingTracer(fail_start), meter=RaisingMeter())
    try:
        with caplog.at_level(logging.ERROR, logger="couchbase.observability"):
            kv.upsert(key, {"n": 2})
            assert kv.get(key).content_as[dict] == {"n": 2}
            kv.get(key, GetOptions(parent_span=RecordingSpan("request", None)))
    finally:
        close()
    raised = {r.exc_info[1].args[0] for r in caplog.records
              if r.name == "couchbase.observability" and r.exc_info and isinstance(r.exc_info[1], Broken)}
    expected = {"start_span"} if fail_start else {"set_attribute", "finish"}
    assert expected | {"value_recorder", "record_value"} <= raised


def test_bad_tracer_meter_and_parent_span_types(mock: Any, front_end: str, key: str) -> None:
    with pytest.raises(InvalidArgumentException, match="tracer"):
        FRONT_ENDS[front_end](mock, tracer=42)
    with pytest.raises(InvalidArgumentException, match="meter"):
        FRONT_ENDS[front_end](mock, meter=object())
    kv, close = FRONT_ENDS[front_end](mock, tracer=RecordingTracer())
    try:
        with pytest.raises(InvalidArgumentException, match="parent_span"):
            kv.get(key, parent_span="not a span")
        with pytest.raises(InvalidArgumentException, match="parent_span"):
            kv.get_multi([key], parent_span=3.5)
    finally:
        close()


def test_closing_releases_tracer_meter_spans_and_recorders(mock: Any, front_end: str, key: str) -> None:
    before = _observe.live()
    tracer, meter = RecordingTracer(), RecordingMeter()
    kv, close = FRONT_ENDS[front_end](mock, tracer=tracer, meter=meter)
    kv.upsert(key, {"n": 1})
    kv.get(key, parent_span=RecordingSpan("request", None))
    assert _observe.live()[0] > before[0] and _observe.live()[2] > before[2]
    close()
    gc.collect()
    assert _observe.live() == before
    seen = len(tracer.spans), sum(len(r.values) for r in meter.recorders.values())
    # a new cluster's traffic never reaches the released ones
    kv2, close2 = FRONT_ENDS[front_end](mock)
    try:
        kv2.get(key)
    finally:
        close2()
    assert (len(tracer.spans), sum(len(r.values) for r in meter.recorders.values())) == seen


def test_enable_tracing_false_loses_to_a_tracer(mock: Any, key: str) -> None:
    # SDK 4.x: a tracer given is used whatever enable_tracing / enable_metrics say
    tracer, meter = RecordingTracer(), RecordingMeter()
    kv, close = FRONT_ENDS["sync"](mock, tracer=tracer, meter=meter, enable_tracing=False,
                                   enable_metrics=False)
    try:
        kv.upsert(key, {"n": 1})
    finally:
        close()
    assert tracer.named("upsert") and meter.recorders


def test_cluster_options_carry_tracer_and_meter() -> None:
    tracer, meter = RecordingTracer(), RecordingMeter()
    opts = ClusterOptions(None, tracer=tracer, meter=meter)  # type: ignore[arg-type]
    assert opts["tracer"] is tracer and opts["meter"] is meter


def test_opentelemetry_tracer_exports_operation_spans(mock: Any, front_end: str, key: str) -> None:
    pytest.importorskip("opentelemetry.sdk")
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from couchbase.otel_tracer import CouchbaseOtelSpan, CouchbaseOtelTracer

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    otel = provider.get_tracer("test")
    kv, close = FRONT_ENDS[front_end](mock, tracer=CouchbaseOtelTracer(otel))
    try:
        with otel.start_as_current_span("request") as request:
            kv.upsert(key, {"n": 1}, parent_span=CouchbaseOtelSpan(request))
            kv.get(key, parent_span=CouchbaseOtelSpan(request))
    finally:
        close()
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert {"upsert", "get", "request"} <= set(spans)
    for name in ("upsert", "get"):
        span = spans[name]
        assert span.parent is not None and span.parent.span_id == spans["request"].context.span_id
        assert span.context.trace_id == spans["request"].context.trace_id
        assert span.attributes["db.system"] == "couchbase"
        assert span.attributes["db.couchbase.service"] == "kv"
        assert span.attributes["db.operation"] == name
