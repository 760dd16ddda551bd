"""DURATION_TO_STR(nanoseconds[, style]) and STR_TO_DURATION(string[, style]), as the server.

Styles: ``legacy`` (Go's ``1h2m3.5s``, the server's default for output), ``compatible`` (seconds
with an ``s``), ``seconds`` (a bare number of seconds), ``interval`` (``h:mm:ss.fff``), and for
reading ``default`` (the server's default for input: an interval if there is a colon, else a
number of seconds, else Go's notation).
"""
from __future__ import annotations

import math
import re
from typing import Any, List

from couchbase_mock.query.functions._base import MISSING, Registry
from couchbase_mock.query.values import is_number

__all__ = ["DURATION_FUNCTIONS", "go_duration", "parse_go_duration"]

_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 10 ** 9, "m": 60 * 10 ** 9,
          "h": 3600 * 10 ** 9}
_GO_DURATION = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
STYLES = ("legacy", "interval", "compatible", "seconds", "default")
_INT64 = 2 ** 63


class DurationError(ValueError):
    pass


def _frac(v: int, digits: int) -> str:
    whole, frac = divmod(v, 10 ** digits)
    text = f"{frac:0{digits}d}".rstrip("0")
    return f"{whole}.{text}" if text else str(whole)


def go_duration(ns: int) -> str:
    """Go's Duration.String(): ``1h2m3.5s``, ``1.5ms``, ``0s``."""
    if ns == 0:
        return "0s"
    sign, u = ("-" if ns < 0 else ""), abs(ns)
    if u < 10 ** 9:
        if u < 1_000:
            return f"{sign}{u}ns"
        if u < 1_000_000:
            return f"{sign}{_frac(u, 3)}µs"
        return f"{sign}{_frac(u, 6)}ms"
    hours, rest = divmod(u, 3600 * 10 ** 9)
    minutes, rest = divmod(rest, 60 * 10 ** 9)
    out = _frac(rest, 9) + "s"
    if hours or minutes:
        out = f"{minutes}m" + out
    if hours:
        out = f"{hours}h" + out
    return sign + out


def parse_go_duration(s: str) -> int:
    """Go's time.ParseDuration: ``[-+]`` then number+unit pairs (``1h30m``, ``1.5s``, ``300ms``)."""
    text = s
    sign = 1
    if text[:1] in "+-" and text:
        sign, text = (-1 if text[0] == "-" else 1), text[1:]
    if text == "0":
        return 0
    if not text:
        raise DurationError(f"invalid duration {s!r}")
    total, pos = 0.0, 0
    while pos < len(text):
        m = _GO_DURATION.match(text, pos)
        if m is None or m.group(1) in ("", "."):
            raise DurationError(f"invalid duration {s!r}")
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if total >= _INT64:
        raise DurationError(f"invalid duration {s!r}")
    return sign * int(total)


def _trim_zeros(s: str) -> str:
    if len(s) > 6 and s.endswith("000000"):
        return s[:-6]
    if len(s) > 3 and s.endswith("000"):
        return s[:-3]
    return s


def format_duration(ns: int, style: str) -> str:
    if style == "interval":
        sign, u = ("-" if ns < 0 else ""), abs(ns)
        hours, rest = divmod(u, 3600 * 10 ** 9)
        minutes, rest = divmod(rest, 60 * 10 ** 9)
        seconds, frac = divmod(rest, 10 ** 9)
        return _trim_zeros(f"{sign}{hours}:{minutes:02d}:{seconds:02d}.{frac:09d}")
    if style in ("compatible", "seconds"):
        return _trim_zeros(f"{ns / 1e9:.9f}") + ("s" if style == "compatible" else "")
    return go_duration(ns)


def _seconds(text: str) -> int:
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        raise DurationError(f"invalid duration {text!r}")
    return int(float(text) * 1e9)


def parse_duration(text: str, style: str) -> int:
    lenient = style == "default"
    if lenient:
        style = "interval" if ":" in text else "seconds"
    if style == "seconds":
        try:
            return _seconds(text)
        except DurationError:
            if lenient:
                return parse_go_duration(text)
            raise
    if style == "interval":
        parts = text.split(":")
        if len(parts) > 3:
            raise DurationError("invalid duration")
        try:
            h = int(parts[-3]) if len(parts) == 3 else 0
            m = int(parts[-2]) if len(parts) >= 2 else 0
            s = float(parts[-1])
        except ValueError:
            if lenient and len(parts) == 1:
                return parse_go_duration(text)
            raise DurationError(f"invalid duration {text!r}") from None
        return h * 3600 * 10 ** 9 + m * 60 * 10 ** 9 + int(s * 1e9)
    return parse_go_duration(text)


def _style(args: List[Any], default: str) -> Any:
    """The style argument: MISSING, None (not a string or not a style) or the style's name."""
    if len(args) < 2:
        return default
    s = args[1]
    if s is MISSING:
        return MISSING
    if not isinstance(s, str):
        return None
    if s == "":
        return default
    return s.lower() if s.lower() in STYLES else None


def _duration_to_str(args: List[Any]) -> Any:
    style = _style(args, "legacy")
    if args[0] is MISSING or style is MISSING:
        return MISSING
    if not is_number(args[0]) or style is None:
        return None
    if not math.isfinite(args[0]) or not -_INT64 <= args[0] < _INT64:
        return None
    ns = int(args[0])
    if not -_INT64 <= ns < _INT64:
        return None
    return format_duration(ns, "legacy" if style == "default" else style)


def _str_to_duration(args: List[Any]) -> Any:
    style = _style(args, "default")
    if args[0] is MISSING or style is MISSING:
        return MISSING
    if not isinstance(args[0], str) or style is None:
        return None
    try:
        return parse_duration(args[0], style)
    except (DurationError, ValueError, OverflowError):
        return None


DURATION_FUNCTIONS: Registry = {
    "DURATION_TO_STR": (1, 2, _duration_to_str),
    "STR_TO_DURATION": (1, 2, _str_to_duration),
}
