"""ping / diagnostics / wait_until_ready, shared by every front end.

Front ends call :func:`ping_schedule` etc. to get a zero-argument schedule function for their
``_run`` (which waits in the front end's idiom), and loop over :func:`ready` with their own
sleep for ``wait_until_ready``.
"""
from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, Mapping, Tuple

from couchbase import _kv
from couchbase import options as _o
from couchbase.exceptions import InvalidArgumentException

A_PING = _o.allowed("timeout", "report_id", "service_types")
A_DIAG = _o.allowed("report_id", "timeout")
A_READY = _o.allowed("desired_state", "service_types")


def _split(op: str, allowed: Any, options: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    blocks = []
    kw = dict(kwargs)
    for o in options:  # the earlier ``ping(timeout)`` positional spelling still works
        if isinstance(o, Mapping) or o is None:
            blocks.append(o)
        else:
            kw.setdefault("timeout", o)
    return _o.merge(op, allowed, tuple(blocks), kw)


def _report(opts: Mapping[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    if opts.get("report_id") is not None:
        out["report_id"] = str(opts["report_id"])
    if opts.get("service_types") is not None:
        from couchbase.diagnostics import service_types

        out["service_types"] = service_types(opts["service_types"])
    return out


def ping_schedule(conn: Any, options: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Callable[[], Any]:
    """``ping(PingOptions(report_id=..., service_types=[...], timeout=...))``."""
    opts = _split("ping", A_PING, options, kwargs)
    report = _report(opts)
    return lambda: _kv.schedule_ping(conn, opts.get("timeout"), report)


def diagnostics_schedule(conn: Any, options: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Callable[[], Any]:
    """``diagnostics(DiagnosticsOptions(report_id=...))``."""
    opts = _split("diagnostics", A_DIAG, options, kwargs)
    report = {"report_id": str(opts["report_id"])} if opts.get("report_id") is not None else {}
    return lambda: _kv.schedule_diagnostics(conn, report)


def ready_options(timeout: Any, options: Tuple[Any, ...],
                  kwargs: Mapping[str, Any]) -> Tuple[float, Any, Any]:
    """(timeout seconds, desired ClusterState, service types or None) of ``wait_until_ready``."""
    from couchbase.diagnostics import ClusterState, service_types

    secs = _o.to_seconds("timeout", timeout)
    opts = _o.merge("wait_until_ready", A_READY, options, kwargs)
    state = opts.get("desired_state", ClusterState.Online)
    if not isinstance(state, ClusterState):
        try:
            state = ClusterState(state)
        except ValueError:
            raise InvalidArgumentException(
                message=f"wait_until_ready: unknown desired_state {state!r}") from None
    types = service_types(opts["service_types"]) if opts.get("service_types") else None
    return secs, state, types


def ready(ping: Any, state: Any, types: Any) -> bool:
    """Does a PingResult satisfy the desired ClusterState for the given services (default: all
    pinged, and at least key-value)?"""
    from couchbase.diagnostics import ClusterState, PingState, ServiceType

    wanted = types or list(ping.endpoints) or [ServiceType.KeyValue]
    oks = []
    for svc in wanted:
        eps = ping.endpoints.get(svc) or []
        if not eps:
            oks.append(False)
            continue
        oks.extend(e.state == PingState.OK for e in eps)
    if state == ClusterState.Online:
        return bool(oks) and all(oks)
    if state == ClusterState.Degraded:
        return any(oks)
    return True


def timeout_error(secs: float) -> BaseException:
    from couchbase.exceptions import UnAmbiguousTimeoutException

    return UnAmbiguousTimeoutException(
        message=f"wait_until_ready: the cluster was not ready within {datetime.timedelta(seconds=secs)}")


def wait_until_ready(target: Any, timeout: Any, options: Tuple[Any, ...], kwargs: Mapping[str, Any],
                     sleep: Callable[[float], Any]) -> None:
    """The polling loop of ``wait_until_ready`` for front ends whose ``ping()`` returns the result
    (blocking, gevent): ping until ready, ``sleep`` between pings, time out after ``timeout``."""
    import time

    from couchbase.exceptions import CouchbaseException

    secs, state, types = ready_options(timeout, options, kwargs)
    deadline = time.monotonic() + secs
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise timeout_error(secs)
        try:
            if ready(target.ping(timeout=min(left, 2.5)), state, types):
                return
        except CouchbaseException:
            pass
        sleep(min(0.05, max(deadline - time.monotonic(), 0)))
