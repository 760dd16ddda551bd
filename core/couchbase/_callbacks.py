"""Every ``@ffi.def_extern`` of the binding, in one place.

The C↔Python round trip: libcouchbase calls a C function in ``_bridge.c``
(``pycb_kv_callback``) for every key-value response; that function copies the
response's fields into one ``pycb_RESP``. The successful final responses of plain
operations (get, upsert, remove, …) are queued in C and reach Python in batches, one call
of ``pycb_on_kv_batch`` for those one event produced (see ``pycb_kv_flush`` in
``_bridge.c``); any other response is handed to ``pycb_on_response`` at once, after what
is queued. Query, analytics and search rows come in batches too, one call of
``pycb_on_rows`` for the rows one event produced (see ``pycb_rows_flush``). We look the
connection up by ``conn_id`` and the operation by ``cookie`` (plain integers,
so a late response for a closed connection or a dropped operation is a
harmless miss), and complete the operation while the response memory is
still valid. Nothing from ``resp`` may be kept after returning: results copy
what they need.

The IOPS bridge (``_iops.c``) enters Python here too: ``pycb_iops_event`` /
``pycb_iops_timer`` when libcouchbase wants a socket watched or a timer armed
(dispatched to the :class:`couchbase.iops.IOPS` registered under the id),
``pycb_iops_loop`` for loop start/stop and the release of the C table, and
``pycb_on_bootstrap`` when a connection on a host loop finishes bootstrapping.

An exception raised while completing an operation never crosses into C: it is
stored on the connection and re-raised at the next boundary (the blocking
``wait``) or handed to the event loop's error channel (async front ends).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from couchbase import _logging, _observe
from couchbase._binding import ffi, lib

if TYPE_CHECKING:
    from couchbase._instance import Connection

# conn_id -> weak reference to the Connection. Filled and emptied by connection.Connection;
# weak, so that a connection nobody references any more can be released (see _instance.py).
CONNECTIONS: Dict[int, Callable[[], Optional["Connection"]]] = {}


_unpack = ffi.unpack


def _gone() -> None:
    """What a missing entry dereferences to."""
    return None

@ffi.def_extern()
def pycb_on_response(resp: Any) -> None:
    conn = CONNECTIONS.get(resp.i_conn_id, _gone)()  # i_*: the signed twins (see _bridge.h)
    if conn is None:
        return
    try:
        conn._on_response(resp)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        conn._report_callback_error(exc)


@ffi.def_extern()
def pycb_on_kv_batch(recs: Any, n: Any) -> None:
    # Successful final responses of one connection that one event produced, in order (see
    # pycb_kv_flush in _bridge.c): their memory is the batch's, valid until this returns.
    conn = CONNECTIONS.get(recs[0].i_conn_id, _gone)()
    if conn is None:
        return
    try:
        conn._on_kv_batch(recs, n)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        conn._report_callback_error(exc)


@ffi.def_extern()
def pycb_on_rows(conn_id: Any, cookie: Any, cbtype: Any, data: Any, ends: Any, n: Any) -> None:
    # Rows of one streaming request that one event produced, in order, as the JSON array
    # "[row0,row1,...]": row i ends at ends[i], the next starts one byte later, "]" follows the
    # last. Copied out at once: the C batch is freed when this returns.
    conn = CONNECTIONS.get(conn_id, _gone)()
    if conn is None:
        return
    try:
        conn._on_rows(cookie, _unpack(data, ends[n - 1] + 1), _unpack(ends, n))
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        conn._report_callback_error(exc)


@ffi.def_extern()
def pycb_on_log(iid: Any, subsys: Any, severity: Any, srcfile: Any, srcline: Any, message: Any) -> None:
    try:
        _logging.emit(
            iid,
            ffi.string(subsys).decode("utf-8", "replace") if subsys != ffi.NULL else "unknown",
            severity,
            ffi.string(srcfile).decode("utf-8", "replace") if srcfile != ffi.NULL else "",
            srcline,
            ffi.string(message).decode("utf-8", "replace"),
        )
    except BaseException:  # noqa: BLE001 - logging must never break libcouchbase
        pass


# ---- the IOPS bridge (_iops.c): libcouchbase asks the host loop for watchers and timers
_IOPS_REGISTRY: Dict[int, "object"] = {}  # the same dict as couchbase.iops.REGISTRY


def _iops_of(iops_id: int) -> "object":
    return _IOPS_REGISTRY.get(iops_id)


@ffi.def_extern()
def pycb_iops_event(iops_id: Any, ev_id: Any, ev: Any, fd: Any, flags: Any) -> None:
    io = _iops_of(iops_id)
    if io is None:
        return
    try:
        io._on_event(ev_id, ev, fd, flags)  # type: ignore[attr-defined]
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        io.report(exc)  # type: ignore[attr-defined]


@ffi.def_extern()
def pycb_iops_timer(iops_id: Any, tm_id: Any, tm: Any, usecs: Any) -> None:
    io = _iops_of(iops_id)
    if io is None:
        return
    try:
        io._on_timer(tm_id, tm, usecs)  # type: ignore[attr-defined]
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        io.report(exc)  # type: ignore[attr-defined]


@ffi.def_extern()
def pycb_iops_loop(iops_id: Any, action: Any) -> None:
    io = _iops_of(iops_id)
    if io is None:
        return
    try:
        if action == lib.PYCB_IOPS_RELEASED:
            io._on_released()  # type: ignore[attr-defined]
        elif action == lib.PYCB_IOPS_START:
            io.start()  # type: ignore[attr-defined]
        else:
            io.stop()  # type: ignore[attr-defined]
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        io.report(exc)  # type: ignore[attr-defined]


@ffi.def_extern()
def pycb_on_bootstrap(conn_id: Any, rc: Any) -> None:
    conn = CONNECTIONS.get(conn_id, _gone)()
    if conn is None:
        return
    try:
        conn._on_bootstrap(rc)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        conn._report_callback_error(exc)


# ---- the external tracer and meter (couchbase._observe; _observe.c) -------------------------
# Each body is guarded again here: an exception escaping an extern "Python" function would be
# printed by cffi and turned into a zero return.

@ffi.def_extern()
def pycb_span_start(tracer_id: Any, name: Any, parent_id: Any) -> int:
    try:
        return _observe.span_start(tracer_id, name, parent_id)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        _observe._report_to_log(exc)
        return 0


@ffi.def_extern()
def pycb_span_end(span_id: Any, tags: Any, ntags: Any) -> None:
    try:
        _observe.span_end(span_id, _unpack(tags, ntags) if ntags else b"")
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        _observe._report_to_log(exc)


@ffi.def_extern()
def pycb_span_destroy(span_id: Any) -> None:
    try:
        _observe.span_destroy(span_id)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        _observe._report_to_log(exc)


@ffi.def_extern()
def pycb_tracer_released(tracer_id: Any) -> None:
    try:
        _observe.tracer_released(tracer_id)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        _observe._report_to_log(exc)


@ffi.def_extern()
def pycb_meter_recorder(meter_id: Any, name: Any, keys: Any, values: Any, ntags: Any) -> int:
    try:
        return _observe.meter_recorder(meter_id, name, keys, values, ntags)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        _observe._report_to_log(exc)
        return 0


@ffi.def_extern()
def pycb_recorder_value(recorder_id: Any, value: Any) -> None:
    try:
        _observe.recorder_value(recorder_id, value)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        _observe._report_to_log(exc)


@ffi.def_extern()
def pycb_recorder_released(recorder_id: Any) -> None:
    try:
        _observe.recorder_released(recorder_id)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        _observe._report_to_log(exc)


@ffi.def_extern()
def pycb_meter_released(meter_id: Any) -> None:
    try:
        _observe.meter_released(meter_id)
    except BaseException as exc:  # noqa: BLE001 - must not cross into C
        _observe._report_to_log(exc)
