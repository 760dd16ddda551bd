"""libcouchbase's log lines through :mod:`logging`, quiet unless the application asks.

Every line libcouchbase writes reaches :func:`emit` (from ``pycb_on_log`` in
``_callbacks.py``) and is logged on the logger of its subsystem, a child of
``couchbase.lcb``: ``couchbase.lcb.bootstrap``, ``couchbase.lcb.negotiation``,
``couchbase.lcb.server``, ``couchbase.lcb.retryq`` … The record carries the
libcouchbase instance id, subsystem and source position as ``lcb_instance``,
``lcb_subsys``, ``lcb_srcfile`` and ``lcb_srcline``.

Contract:

- ``couchbase`` has a :class:`logging.NullHandler`, so with no logging configured
  nothing reaches stderr (the failures libcouchbase logs are raised as exceptions).
- libcouchbase formats only lines at or above the level of ``couchbase.lcb``
  when a connection is created (its severities TRACE…FATAL map to 5, DEBUG, INFO,
  WARNING, ERROR, CRITICAL).
- A line repeated with only its numbers changing (pointers, opaques, timings:
  ``key=value`` numbers and hexadecimal values are compared as equal) is logged
  the first time; the repeats that follow within :data:`REPEAT_WINDOW` seconds
  are counted and reported once, as ``… (N more like this)``, when the window
  ends, when a connection closes, or at exit.
- ``LCB_LOGLEVEL`` (libcouchbase's own variable) is honoured: ``1`` to ``5``
  show WARNING, INFO, DEBUG, TRACE and everything on stderr, as libcouchbase's
  console logger would (through a handler on ``couchbase.lcb`` unless the
  application has given that logger one); ``0`` turns libcouchbase's lines off.
"""
from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading
import time
from typing import Any, Dict, List, Optional, Tuple

#: the level of libcouchbase's TRACE lines (below DEBUG)
TRACE = 5
#: seconds during which repeats of a line are counted instead of logged
REPEAT_WINDOW = 10.0
#: at most this many distinct lines are tracked for repeats at once
MAX_TRACKED = 256

ROOT = logging.getLogger("couchbase")
ROOT.addHandler(logging.NullHandler())
LCB = logging.getLogger("couchbase.lcb")

# libcouchbase severities (lcb_LOG_SEVERITY: TRACE, DEBUG, INFO, WARN, ERROR, FATAL) as logging levels
_LEVELS = (TRACE, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL)
_OFF = len(_LEVELS)  # a severity above FATAL: libcouchbase formats nothing
_VARYING = re.compile(r"0x[0-9a-fA-F]+|(?<==)[0-9a-fA-F]+(?:ms|us|ns|s)?\b")

_loggers: Dict[str, logging.Logger] = {}
_lock = threading.Lock()
# (logger name, level, template) -> [repeats not yet reported, window start, last message, extra]
_repeats: Dict[Tuple[str, int, str], List[Any]] = {}
_env_applied: List[Optional[str]] = []


def subsystem_logger(subsys: str) -> logging.Logger:
    """The logger of one libcouchbase subsystem (``couchbase.lcb.<subsys>``)."""
    logger = _loggers.get(subsys)
    if logger is None:
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", subsys) or "unknown"
        logger = _loggers[subsys] = logging.getLogger(f"couchbase.lcb.{name}")
    return logger


def lcb_min_severity() -> int:
    """The lowest libcouchbase severity worth formatting now (read at each connection's creation).

    Follows ``LCB_LOGLEVEL`` when it is set, else the effective level of ``couchbase.lcb``.
    """
    env = _apply_env()
    if env == 0:
        return _OFF
    level = LCB.getEffectiveLevel()
    for severity, threshold in enumerate(_LEVELS):
        if level <= threshold:
            return severity
    return _OFF


def _apply_env() -> Optional[int]:
    """Honour ``LCB_LOGLEVEL`` once per value: returns it as an int (None when unset or invalid)."""
    raw = os.environ.get("LCB_LOGLEVEL", "").strip()
    try:
        value: Optional[int] = int(raw) if raw else None
    except ValueError:
        value = None
    if _env_applied and _env_applied[0] == raw:
        return value
    _env_applied[:] = [raw]
    if value is None or value <= 0:
        return value
    # libcouchbase: minimum severity = ERROR - LCB_LOGLEVEL (1: WARN ... 4: TRACE; 5 and up: all)
    level = _LEVELS[max(0, 4 - value)] if value < 5 else 1
    if LCB.level == logging.NOTSET or LCB.level > level:
        LCB.setLevel(level)
    if not LCB.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        LCB.addHandler(handler)
    return value


def emit(iid: int, subsys: str, severity: int, srcfile: str, srcline: int, text: str) -> None:
    """Log one libcouchbase line (called for every line libcouchbase formats)."""
    level = _LEVELS[severity] if 0 <= severity < len(_LEVELS) else logging.ERROR
    logger = subsystem_logger(subsys)
    if not logger.isEnabledFor(level):
        return
    extra = {"lcb_instance": iid, "lcb_subsys": subsys, "lcb_srcfile": srcfile, "lcb_srcline": srcline}
    key = (logger.name, level, _VARYING.sub("#", text))
    now = time.monotonic()
    due: List[tuple[Any, ...]] = []
    with _lock:
        entry = _repeats.get(key)
        fresh = entry is None or now - entry[1] >= REPEAT_WINDOW
        if entry is not None and not fresh:
            entry[0] += 1
            entry[2], entry[3] = text, extra
        for k, e in list(_repeats.items()):  # report the windows that have ended
            if now - e[1] >= REPEAT_WINDOW:
                del _repeats[k]
                if e[0]:
                    due.append((k[0], k[1], e[2], e[3], e[0]))
        if fresh:
            if len(_repeats) >= MAX_TRACKED:
                k, e = next(iter(_repeats.items()))
                del _repeats[k]
                if e[0]:
                    due.append((k[0], k[1], e[2], e[3], e[0]))
            _repeats[key] = [0, now, text, extra]
    _report(due)
    if fresh:
        logger.log(level, "%s", text, extra=extra)


def flush_repeats() -> None:
    """Report every count of repeated lines not yet reported (on close and at exit)."""
    with _lock:
        due = [(k[0], k[1], e[2], e[3], e[0]) for k, e in _repeats.items() if e[0]]
        _repeats.clear()
    _report(due)


def _report(due: List[tuple[Any, ...]]) -> None:
    for name, level, text, extra, count in due:
        logging.getLogger(name).log(level, "%s (%d more like this)", text, count, extra=extra)


atexit.register(flush_repeats)
