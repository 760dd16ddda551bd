"""The user's tracer and meter behind libcouchbase's external tracer and meter (``_observe.c``).

libcouchbase starts, tags, ends and destroys spans through the version-1 tracer callbacks (the
tags are kept in C and reach Python in one call when the span ends: its attributes are set just
before it finishes) and asks the meter for one value recorder per metric name and tag set;
``_callbacks.py`` hands each call to the functions here. Every object C knows of is a plain
integer id in a dict of this module, so a call for something already released (a late callback,
a closed cluster) is a harmless miss, never a dangling pointer:

* a **tracer id** per connection (``Connection.tracer_id``): released by the tracer's destructor, which
  ``lcb_destroy`` runs;
* a **span id** per span libcouchbase starts (``start_span``), dropped when it destroys the
  span; a ``parent_span`` option is a span id of its own, wrapped into a libcouchbase span
  (``pycb_span_wrap``) that lives until the scheduling call and every span started under it
  are done;
* a **meter id** per connection and a **recorder id** per recorder, released by their
  destructors (the recorders by libcouchbase's caching meter, the meter by ``pycb_destroy``).

A tracer, span, meter or recorder that raises never unwinds into C: the exception is logged
(``couchbase.observability``, with its traceback) and the operation carries on.
"""
from __future__ import annotations

import itertools
import logging
import struct
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from couchbase._binding import ffi, lib
from couchbase.exceptions import InvalidArgumentException

_log = logging.getLogger("couchbase.observability")

_ids = itertools.count(1).__next__


def _text(c_string: Any) -> str:
    return ffi.string(c_string).decode("utf-8", "replace")  # type: ignore[no-any-return]


def _report_to_log(exc: BaseException) -> None:
    _log.error("a tracer or meter callback raised", exc_info=(type(exc), exc, exc.__traceback__))


class _Owner:
    """What a tracer or meter id stands for: the user's object and where its errors go."""

    __slots__ = ("obj", "report", "wrappers")

    def __init__(self, obj: Any, report: Callable[[BaseException], None]) -> None:
        self.obj = obj
        self.report = report
        self.wrappers: Dict[int, "_Span"] = {}  # parent-span wrappers alive under this tracer


class _Span:
    """A span libcouchbase knows by id: the user's span (None when start_span failed) and, for a
    wrapped parent, the libcouchbase span and how many holders it has."""

    __slots__ = ("user", "owner", "parent", "wrapped", "wrapper", "holders")

    def __init__(self, user: Any, owner: Optional[_Owner], parent: Optional["_Span"] = None) -> None:
        self.user = user
        self.owner = owner
        self.parent = parent  # the wrapped parent span this one was started under
        self.wrapped = False  # a parent_span option: libcouchbase never ends it, the user does
        self.wrapper: Any = None  # the libcouchbase span of a wrapped parent, while alive
        self.holders = 0


_TRACERS: Dict[int, _Owner] = {}
_SPANS: Dict[int, _Span] = {}
_METERS: Dict[int, _Owner] = {}
_RECORDERS: Dict[int, List[Any]] = {}  # id -> [user recorder, meter owner]


def check_tracer(tracer: Any) -> None:
    """Raise InvalidArgumentException unless ``tracer`` can start spans."""
    if not callable(getattr(tracer, "start_span", None)):
        raise InvalidArgumentException(
            message=f"tracer must be a CouchbaseTracer (with start_span(name, parent)), got {tracer!r}")


def check_meter(meter: Any) -> None:
    """Raise InvalidArgumentException unless ``meter`` can hand out value recorders."""
    if not callable(getattr(meter, "value_recorder", None)):
        raise InvalidArgumentException(
            message=f"meter must be a CouchbaseMeter (with value_recorder(name, tags)), got {meter!r}")


def check_span(span: Any) -> None:
    """Raise InvalidArgumentException unless ``span`` can be a parent span."""
    if not (callable(getattr(span, "set_attribute", None)) and callable(getattr(span, "finish", None))):
        raise InvalidArgumentException(
            message=f"parent_span must be a CouchbaseSpan (with set_attribute and finish), got {span!r}")


def register_tracer(tracer: Any, report: Optional[Callable[[BaseException], None]]) -> int:
    """An id for ``tracer`` (one per connection: libcouchbase destroys each connection's tracer)."""
    tid = _ids()
    _TRACERS[tid] = _Owner(tracer, report or _report_to_log)
    return tid


def register_meter(meter: Any, report: Optional[Callable[[BaseException], None]]) -> int:
    """An id for ``meter`` (one per connection)."""
    mid = _ids()
    _METERS[mid] = _Owner(meter, report or _report_to_log)
    return mid


def forget(tracer_id: int, meter_id: int) -> None:
    """A connection that was never created: drop its ids (C never saw them)."""
    _TRACERS.pop(tracer_id, None)
    _METERS.pop(meter_id, None)


# ---- the callbacks (entered from _callbacks.py) ------------------------------------------------

def span_start(tracer_id: int, name: Any, parent_id: int) -> int:
    owner = _TRACERS.get(tracer_id)
    parent = _SPANS.get(parent_id) if parent_id else None
    user = None
    if owner is not None:
        try:
            user = owner.obj.start_span(_text(name),
                                        parent.user if parent is not None else None)
        except BaseException as exc:  # noqa: BLE001 - must not cross into C
            owner.report(exc)
    held = parent if parent is not None and parent.wrapper is not None else None
    if held is not None:
        held.holders += 1
    sid = _ids()
    _SPANS[sid] = _Span(user, owner, held)
    return sid


_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


def _attributes(tags: bytes) -> Iterator[Tuple[str, Any]]:
    """The attributes libcouchbase set on a span, as _observe.c packs them: each is its name, NUL,
    then ``s``, a 4-byte length and UTF-8 bytes, or ``u`` and an 8-byte unsigned int."""
    i, end = 0, len(tags)
    while i < end:
        j = tags.index(0, i)
        name = tags[i:j].decode("utf-8", "replace")
        i = j + 2
        if tags[j + 1] == 0x73:  # "s"
            (n,) = _U32.unpack_from(tags, i)
            i += 4
            yield name, tags[i:i + n].decode("utf-8", "replace")
            i += n
        else:
            yield name, _U64.unpack_from(tags, i)[0]
            i += 8


def span_end(span_id: int, tags: bytes) -> None:
    """libcouchbase ended the span: set the attributes it set, then finish the user's span."""
    span = _SPANS.get(span_id)
    if span is None or span.user is None or span.owner is None or span.wrapped:
        return  # a wrapped parent is the user's to finish
    user, report = span.user, span.owner.report
    for name, value in _attributes(tags):
        try:
            user.set_attribute(name, value)
        except BaseException as exc:  # noqa: BLE001 - must not cross into C
            report(exc)
    try:
        user.finish()
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        report(exc)


def span_destroy(span_id: int) -> None:
    span = _SPANS.pop(span_id, None)
    if span is not None and span.parent is not None:
        _let_go(span.parent)


def tracer_released(tracer_id: int) -> None:
    owner = _TRACERS.pop(tracer_id, None)
    if owner is None:
        return
    # Wrappers still held reference the tracer being freed: never touch them again (libcouchbase
    # destroys every span it started before its tracer, so none should be left).
    for sid, span in list(owner.wrappers.items()):
        span.wrapper = None
        _SPANS.pop(sid, None)
    owner.wrappers.clear()
    for sid in [sid for sid, span in _SPANS.items() if span.owner is owner]:
        del _SPANS[sid]


def meter_recorder(meter_id: int, name: Any, keys: Any, values: Any, ntags: int) -> int:
    owner = _METERS.get(meter_id)
    if owner is None:
        return 0
    try:
        tags = {_text(keys[i]): _text(values[i]) for i in range(ntags)}
        recorder = owner.obj.value_recorder(_text(name), tags)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        owner.report(exc)
        return 0
    rid = _ids()
    _RECORDERS[rid] = [recorder, owner]
    return rid


def recorder_value(recorder_id: int, value: int) -> None:
    entry = _RECORDERS.get(recorder_id)
    if entry is None:
        return
    try:
        entry[0].record_value(value // 1000)  # libcouchbase measures in ns; SDK 4.x records µs
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        entry[1].report(exc)


def recorder_released(recorder_id: int) -> None:
    _RECORDERS.pop(recorder_id, None)


def meter_released(meter_id: int) -> None:
    owner = _METERS.pop(meter_id, None)
    if owner is not None:
        for rid in [rid for rid, entry in _RECORDERS.items() if entry[1] is owner]:
            del _RECORDERS[rid]


# ---- parent spans -----------------------------------------------------------------------------

def _let_go(span: _Span) -> None:
    span.holders -= 1
    if span.holders <= 0 and span.wrapper is not None:
        wrapper, span.wrapper = span.wrapper, None
        if span.owner is not None:
            span.owner.wrappers = {k: v for k, v in span.owner.wrappers.items() if v is not span}
        # finishing the wrapper ends (ignored: the user finishes their span) and destroys it
        lib.pycb_span_release(wrapper)


class parent_span:
    """Context manager: the KV and query commands scheduled inside it on this thread have
    ``user_span`` as their parent (nothing when the connection has no external tracer)."""

    __slots__ = ("_instance", "_tracer_id", "_user", "_span")

    def __init__(self, instance: Any, tracer_id: int, user_span: Any) -> None:
        check_span(user_span)
        self._instance = instance
        self._tracer_id = tracer_id
        self._user = user_span
        self._span: Optional[_Span] = None

    def __enter__(self) -> None:
        owner = _TRACERS.get(self._tracer_id) if self._tracer_id else None
        if owner is None:
            return
        sid = _ids()
        span = _Span(self._user, owner)
        span.wrapped = True
        _SPANS[sid] = span
        wrapper = lib.pycb_span_wrap(self._instance, sid)
        if wrapper == ffi.NULL:
            del _SPANS[sid]
            return
        span.wrapper = wrapper
        span.holders = 1  # this scheduling call; each span started under it holds it too
        owner.wrappers[sid] = span
        self._span = span
        lib.pycb_set_parent_span(wrapper)

    def __exit__(self, *exc_info: Any) -> None:
        span = self._span
        if span is not None:
            lib.pycb_set_parent_span(ffi.NULL)
            self._span = None
            _let_go(span)


def live() -> Tuple[int, int, int, int]:
    """How many tracers, spans, meters and recorders are registered (for leak checks in tests)."""
    return len(_TRACERS), len(_SPANS), len(_METERS), len(_RECORDERS)
