"""Date/time strings as the query service reads and writes them.

Formats, as on the server: empty (the default: ``2006-01-02T15:04:05.999Z07:00`` for output, and a
list of ISO-8601 variants for input), an example date (``"1111-11-11T11:11:11.111Z"``: the default
format that reads the example is used), a Go layout (``"2006-01-02 15:04"``), a ``%`` format
(``"%Y-%m-%d %H:%M:%S"``) or a "common" format (``"DD/MM/YYYY HH:MI PM"``); anything else falls back
to the default, as on the server. The mock's query node runs in UTC: strings without a zone are
UTC, and "local" output is UTC. Years run from 1 to 9999 (Python's range; the server's is wider).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Callable, Dict, List, Optional, Tuple

__all__ = ["LOCAL", "DEFAULT_FORMAT", "DateError", "parse", "parse_closest", "format_time", "load_zone",
           "layout_of_example"]

LOCAL: tzinfo = timezone.utc
DEFAULT_FORMAT = "2006-01-02T15:04:05.999Z07:00"

DATE_FORMATS = [
    "2006-01-02T15:04:05.999Z07:00", "2006-01-02 15:04:05.999Z07:00",
    "2006-01-02T15:04:05.999Z0700", "2006-01-02 15:04:05.999Z0700",
    "2006-01-02T15:04:05.999Z07", "2006-01-02 15:04:05.999Z07",
    "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05Z07:00",
    "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05Z0700",
    "2006-01-02T15:04:05Z07", "2006-01-02 15:04:05Z07",
    "2006-01-02T15:04:05.999", "2006-01-02 15:04:05.999",
    "2006-01-02T15:04:05", "2006-01-02 15:04:05",
    "2006-01-02", "15:04:05.999Z07:00", "15:04:05Z07:00", "15:04:05.000000000", "15:04:05.000000",
    "15:04:05.999", "15:04:05",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


class DateError(ValueError):
    """A string that does not fit the format, or a format the mock cannot use: NULL on the server
    (with a warning)."""


# ---- Go layouts ---------------------------------------------------------------------------------

_GO_TOKENS = [
    "January", "Jan", "Monday", "Mon", "MST", "2006", "002", "01", "02", "03", "04", "05", "06", "_2",
    "15", "PM", "pm", "Z07:00:00", "Z07:00", "Z0700", "Z07", "-07:00:00", "-07:00", "-0700", "-07",
    "1", "2", "3", "4", "5",
]
_FRACTION = re.compile(r"[.,](0+|9+)(?!\d)")


def go_tokens(layout: str) -> List[Tuple[str, str]]:
    """``layout`` as ``(kind, text)`` chunks: kind "lit" for literal text, else the Go token."""
    out: List[Tuple[str, str]] = []
    i = 0
    while i < len(layout):
        frac = _FRACTION.match(layout, i)
        if frac and out and out[-1][0] in ("05", "5"):
            out.append(("frac" + frac.group(1)[0], frac.group(0)))
            i = frac.end()
            continue
        for tok in _GO_TOKENS:
            if layout.startswith(tok, i):
                if tok in ("1", "2", "3", "4", "5", "01", "02", "06") and _digit_run(layout, i, tok):
                    continue
                out.append((tok, tok))
                i += len(tok)
                break
        else:
            if out and out[-1][0] == "lit":
                out[-1] = ("lit", out[-1][1] + layout[i])
            else:
                out.append(("lit", layout[i]))
            i += 1
    return out


def _digit_run(layout: str, i: int, tok: str) -> bool:
    """Whether a short numeric token at ``i`` is really part of a longer one (2006, 15, 002)."""
    return any(layout.startswith(longer, i) for longer in ("2006", "15", "002") if longer != tok)


def is_go_layout(layout: str) -> bool:
    """Every letter and digit of ``layout`` belongs to a Go token, T and Z aside (the server's test)."""
    return any(k != "lit" for k, _ in go_tokens(layout)) and all(
        not any(c.isalnum() and c not in "TZ" for c in text) for k, text in go_tokens(layout) if k == "lit")


def _offset(t: datetime) -> int:
    off = t.utcoffset()
    return int(off.total_seconds()) if off is not None else 0


def _zone(t: datetime, z: bool, colon: bool, hours_only: bool = False) -> str:
    off = _offset(t)
    if z and off == 0:
        return "Z"
    sign = "-" if off < 0 else "+"
    h, m = divmod(abs(off) // 60, 60)
    if hours_only:
        return f"{sign}{h:02d}"
    return f"{sign}{h:02d}:{m:02d}" if colon else f"{sign}{h:02d}{m:02d}"


def _go_format(t: datetime, layout: str) -> str:
    parts: List[str] = []
    for kind, text in go_tokens(layout):
        parts.append(_GO_WRITERS[kind](t, text) if kind in _GO_WRITERS else _go_write(t, kind, text))
    return "".join(parts)


def _go_write(t: datetime, kind: str, text: str) -> str:
    if kind.startswith("frac"):
        digits = f"{t.microsecond:06d}000"[:len(text) - 1]
        if kind == "frac0":
            return text[0] + digits
        digits = digits.rstrip("0")
        return text[0] + digits if digits else ""
    return text


_GO_WRITERS: Dict[str, Callable[[datetime, str], str]] = {
    "lit": lambda t, s: s,
    "January": lambda t, s: MONTHS[t.month - 1], "Jan": lambda t, s: MONTHS[t.month - 1][:3],
    "Monday": lambda t, s: DAYS[(t.weekday() + 1) % 7], "Mon": lambda t, s: DAYS[(t.weekday() + 1) % 7][:3],
    "MST": lambda t, s: t.tzname() or _zone(t, False, False),
    "2006": lambda t, s: f"{t.year:04d}", "06": lambda t, s: f"{t.year % 100:02d}",
    "002": lambda t, s: f"{t.timetuple().tm_yday:03d}",
    "01": lambda t, s: f"{t.month:02d}", "1": lambda t, s: str(t.month),
    "02": lambda t, s: f"{t.day:02d}", "2": lambda t, s: str(t.day), "_2": lambda t, s: f"{t.day:2d}",
    "15": lambda t, s: f"{t.hour:02d}", "03": lambda t, s: f"{(t.hour % 12) or 12:02d}",
    "3": lambda t, s: str((t.hour % 12) or 12),
    "04": lambda t, s: f"{t.minute:02d}", "4": lambda t, s: str(t.minute),
    "05": lambda t, s: f"{t.second:02d}", "5": lambda t, s: str(t.second),
    "PM": lambda t, s: "PM" if t.hour >= 12 else "AM", "pm": lambda t, s: "pm" if t.hour >= 12 else "am",
    "Z07:00": lambda t, s: _zone(t, True, True), "Z0700": lambda t, s: _zone(t, True, False),
    "Z07": lambda t, s: _zone(t, True, False, True), "-07:00": lambda t, s: _zone(t, False, True),
    "-0700": lambda t, s: _zone(t, False, False), "-07": lambda t, s: _zone(t, False, False, True),
    "Z07:00:00": lambda t, s: _zone(t, True, True) + (":00" if _offset(t) else ""),
    "-07:00:00": lambda t, s: _zone(t, False, True) + ":00",
}

_ZONE_RE = {
    "Z07:00": r"Z|[+-]\d\d:\d\d", "Z0700": r"Z|[+-]\d{4}", "Z07": r"Z|[+-]\d\d", "-07:00": r"[+-]\d\d:\d\d",
    "-0700": r"[+-]\d{4}", "-07": r"[+-]\d\d", "Z07:00:00": r"Z|[+-]\d\d:\d\d:\d\d",
    "-07:00:00": r"[+-]\d\d:\d\d:\d\d",
}
_GO_READERS = {
    "2006": r"\d{4}", "06": r"\d\d", "002": r"\d{3}", "01": r"\d\d", "1": r"\d\d?", "02": r"\d\d",
    "2": r"\d\d?", "_2": r" ?\d\d?", "15": r"\d\d", "03": r"\d\d", "3": r"\d\d?", "04": r"\d\d",
    "4": r"\d\d?", "05": r"\d\d", "5": r"\d\d?", "PM": r"AM|PM", "pm": r"am|pm",
    "January": "|".join(MONTHS), "Jan": "|".join(m[:3] for m in MONTHS), "Monday": "|".join(DAYS),
    "Mon": "|".join(d[:3] for d in DAYS), "MST": r"[A-Z]{3,5}|[+-]\d+",
}


def _go_parse(s: str, layout: str, chunks: Optional[List[Tuple[str, str]]] = None) -> datetime:
    pattern: List[str] = []
    kinds: List[str] = []
    for kind, text in (chunks if chunks is not None else go_tokens(layout)):
        if kind == "any":  # the common formats' space and T: the server's reader steps over any one character
            pattern.append("(?s:.)")
            continue
        if kind in ("Monday_any", "Mon_any"):  # a day name, checked but not used
            names = [_cased(d if kind == "Monday_any" else d[:3], text) for d in DAYS]
            pattern.append("(?:" + "|".join(names) + ")")
            continue
        if kind == "lit":
            pattern.append(re.escape(text).replace(r"\ ", " +"))  # a space reads one or more
            continue
        if kind.startswith("frac"):  # the server's reader wants the point and 1-9 (or exactly n) digits
            n = len(text) - 1
            pattern.append(rf"\.(\d{{{n}}})" if kind == "frac0" else r"\.(\d{1,9})")
            kinds.append("frac")
            continue
        rx = _ZONE_RE.get(kind) or _GO_READERS.get(kind) or _COMMON_READERS[kind]
        pattern.append(f"({rx})")
        kinds.append(kind)
    m = re.fullmatch("".join(pattern), s)
    if m is None:
        raise DateError(f"{s!r} does not match {layout!r}")
    return _assemble(kinds, m.groups())


def _assemble(kinds: List[str], groups: Tuple[Optional[str], ...]) -> datetime:
    year, month, day, hour, minute, second, micro = 0, 1, 1, 0, 0, 0, 0
    yday: Optional[int] = None
    century: Optional[int] = None
    pm: Optional[bool] = None
    tz: tzinfo = LOCAL
    for kind, g in zip(kinds, groups):
        if g is None:
            continue
        if kind == "2006":
            year = int(g)
        elif kind == "06":
            year = int(g) + (1900 if int(g) >= 69 else 2000)
        elif kind in ("01", "1"):
            month = int(g)
        elif kind == "January":
            month = MONTHS.index(g) + 1
        elif kind == "Jan":
            month = [m[:3] for m in MONTHS].index(g) + 1
        elif kind in ("02", "2", "_2"):
            day = int(g)
        elif kind == "002":
            yday = int(g)
        elif kind in ("15", "03", "3", "H24"):
            hour = int(g)
        elif kind in ("04", "4"):
            minute = int(g)
        elif kind in ("05", "5"):
            second = int(g)
        elif kind in ("frac", "cfrac"):
            micro = int((g + "000000")[:6])
        elif kind in ("PM", "pm"):
            pm = g.upper() == "PM"
        elif kind in _ZONE_RE:
            tz = _fixed(g)
        elif kind == "MST" and g in ("UTC", "GMT"):
            tz = timezone.utc
        elif kind == "zone":
            tz = load_zone(g)
        elif kind == "ampm":
            pm = g[0] in "pP"
        elif kind == "CC":
            century = int(g)
        elif kind in ("January_any", "Jan_any"):
            month = [m.lower()[:len(g)] for m in MONTHS].index(g.lower()) + 1
    if century is not None:
        year = century * 100 + (year % 100 if "06" in kinds else 0)
    if pm is not None and hour <= 12:
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise DateError("time out of range")
    try:
        if yday is not None:
            return datetime(year, 1, 1, hour, minute, second, micro, tz) + timedelta(days=yday - 1)
        return datetime(max(year, 1), month, day, hour, minute, second, micro, tz)
    except ValueError as e:
        raise DateError(str(e)) from None


def _fixed(z: str) -> tzinfo:
    if z == "Z":
        return timezone.utc
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    h, m, s = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    if h > 14 or m > 59:
        raise DateError(f"bad zone offset {z}")
    return timezone(sign * timedelta(hours=h, minutes=m, seconds=s))


# ---- the default formats and examples -----------------------------------------------------------

def known_layout(s: str) -> str:
    """The Go layout the server's default list reads ``s`` with (date with - / or . separators,
    T or spaces, time with 0-9 fraction digits, zone Z/±hh/±hhmm/±hh:mm), or "" if none."""
    m = re.fullmatch(
        r"(?:(\d{4})([-/.])(\d\d)\2(\d\d)(?:(T| +)|$))?"
        r"(?:(\d\d:\d\d)(:\d\d)?(?:\.(\d{1,9}))?( *)(Z|[+-]\d\d(?::?\d\d)?)?)?", s.strip())
    if not m or not s.strip():
        return ""
    date_sep, dt_sep, hm, sec, frac, space, zone = m.group(2), m.group(5), m.group(6), m.group(7), \
        m.group(8), m.group(9), m.group(10)
    layout = f"2006{date_sep}01{date_sep}02" if date_sep else ""
    if hm is None:
        return layout if layout and dt_sep is None else ""
    if date_sep:
        layout += "T" if dt_sep == "T" else " "
    if sec is None:
        return layout + "15:04" if not (frac or zone) else ""
    layout += "15:04:05"
    if frac:
        layout += "." + "9" * (3 if len(frac) <= 3 else 6 if len(frac) <= 6 else 9)
    if zone:
        layout += (" " if space else "") + "Z" + ("07:00" if zone == "Z" or ":" in zone else
                                                   "0700" if len(zone) == 5 else "07")
    elif space:
        return ""
    return layout


def parse_closest(s: str) -> Tuple[datetime, str]:
    """``s`` read with the default formats: the time and the layout that read it."""
    for layout in DATE_FORMATS:
        if len(layout) == len(s):
            try:
                return _go_parse(s, layout), layout
            except DateError:
                pass
    layout = known_layout(s)
    if not layout:
        raise DateError(f"unable to determine the format of {s!r}")
    return _go_parse(s.strip(), layout), layout


def layout_of_example(example: str) -> str:
    """The default layout that reads ``example`` (DEFAULT_FORMAT if none does)."""
    try:
        return parse_closest(example)[1]
    except DateError:
        return DEFAULT_FORMAT


def _is_example(fmt: str) -> bool:
    return len(fmt) >= 8 and "2006" not in fmt and re.fullmatch(r"[0-9.:\-/+TZ ]+", fmt) is not None and \
        re.search(r"[:.\-/]", fmt) is not None


def _kind(fmt: str) -> str:
    if not fmt:
        return "default"
    if "%" in fmt:
        return "percent"
    if is_common_format(fmt):
        return "common"
    if _is_example(fmt):
        return "example"
    if is_go_layout(fmt):
        return "go"
    return "example"  # unrecognised: read as an example, which falls back to the default format


def parse(s: str, fmt: str = "") -> datetime:
    """``s`` read with ``fmt`` (see the module doc); DateError if it does not fit."""
    kind = _kind(fmt)
    if kind == "default":
        return parse_closest(s)[0]
    if kind == "percent":
        return _go_parse(s, _percent_to_layout(fmt))
    if kind == "common":
        return _go_parse(s, fmt, _common_chunks(fmt))
    return _go_parse(s, fmt if kind == "go" else layout_of_example(fmt))


def format_time(t: datetime, fmt: str = "") -> str:
    """``t`` written with ``fmt`` (see the module doc)."""
    kind = _kind(fmt)
    if kind == "default":
        return _go_format(t, DEFAULT_FORMAT)
    if kind == "percent":
        return _percent_format(t, fmt)
    if kind == "common":
        return _common_format(t, fmt)
    return _go_format(t, fmt if kind == "go" else layout_of_example(fmt))


# ---- common formats (YYYY-MM-DD hh:mi:ss.s TZD) ----------------------------------------------------

_COMMON_STARTS = {
    "A": ("AM",), "a": ("am",), "C": ("CC",), "D": ("DAY", "Day", "Dy", "DY", "DD"), "d": ("day", "dy"),
    "H": ("HH12", "HH24", "HH"), "h": ("hh",), "M": ("MONTH", "Month", "MON", "Mon", "MM", "MI"),
    "m": ("month", "mon", "mm"), "P": ("PP", "PM"), "p": ("pp", "pm"), "S": ("SS",), "s": ("ss", "s"),
    "T": ("TZD", "TZN", "TZF", "T"), "Y": ("YYYY", "YY"),
}
_COMMON_READERS = {
    "H24": r"\d\d?", "zone": r"Z|[+-]\d\d(?::?\d\d)?|[A-Za-z][A-Za-z0-9_/+-]*", "ampm": r"[AaPp][Mm]",
    "CC": r"[+-]?\d\d", "cfrac": r"\d{1,9}", "January_any": "(?i:" + "|".join(MONTHS) + ")",
    "Jan_any": "(?i:" + "|".join(m[:3] for m in MONTHS) + ")",
}


def is_common_format(fmt: str) -> bool:
    """The server's test: only common-format tokens, spaces and punctuation."""
    i = 0
    while i < len(fmt):
        tok = next((t for t in _COMMON_STARTS.get(fmt[i], ()) if fmt.startswith(t, i)), None)
        if tok:
            i += len(tok)
        elif fmt[i].isspace() or unicodedata.category(fmt[i]).startswith("P"):
            i += 1
        else:
            return False
    return True


def _cased(name: str, token: str) -> str:
    """A month/day name in the case its token asks for (MONTH, Month, month)."""
    if token[0].islower():
        return name.lower()
    return name.upper() if len(token) > 1 and token[1].isupper() else name


def _common_chunks(fmt: str) -> List[Tuple[str, str]]:
    """A common format as (kind, text) chunks: Go kinds where they mean the same, else the
    mock's own ("H24", "zone", "ampm", "CC", "January_any", "Jan_any", "re")."""
    out: List[Tuple[str, str]] = []
    i = 0
    while i < len(fmt):
        rest = fmt[i:]
        if rest.startswith("YYYY"):
            out.append(("2006", "YYYY"))
            i += 4
        elif len(rest) > 1 and rest[0] == rest[1] and rest[0] not in "sS":
            c = rest[0]
            if c == "H" and rest[2:4] == "24":
                out.append(("H24", "HH24"))
                i += 4
                continue
            if c == "H" and rest[2:4] == "12":
                i += 2
            kind = {"C": "CC", "Y": "06", "M": "1", "D": "2", "h": "H24", "H": "3", "P": "ampm", "p": "ampm",
                    "m": "4"}.get(c)
            out.append((kind, rest[:2]) if kind else ("lit", rest[:2]))
            i += 2
        elif rest.startswith("MI"):
            out.append(("4", "MI"))
            i += 2
        elif rest[:2] in ("AM", "PM"):
            out.append(("PM", rest[:2]))
            i += 2
        elif rest[:2] in ("am", "pm"):
            out.append(("pm", rest[:2]))
            i += 2
        elif rest[:3] in ("TZD", "TZN", "TZF"):
            out.append(("zone", rest[:3]))
            i += 3
        elif rest[0] in "sS":
            n = len(rest) - len(rest.lstrip(rest[0]))
            out.append(("5", "ss") if n == 2 else ("cfrac", "s" * n))
            i += n
        elif rest[:5] in ("MONTH", "Month", "month"):
            out.append(("January_any", rest[:5]))
            i += 5
        elif rest[:3] in ("MON", "Mon", "mon"):
            out.append(("Jan_any", rest[:3]))
            i += 3
        elif rest[:3] in ("DAY", "Day", "day"):
            out.append(("Monday_any", rest[:3]))
            i += 3
        elif rest[:2] in ("DY", "Dy", "dy"):
            out.append(("Mon_any", rest[:2]))
            i += 2
        elif rest[0] in " T":
            out.append(("any", rest[0]))
            i += 1
        else:
            out.append(("lit", rest[0]))
            i += 1
    return out


def _common_format(t: datetime, fmt: str) -> str:
    parts: List[str] = []
    for kind, text in _common_chunks(fmt):
        if kind == "2006":
            parts.append(f"{t.year:04d}")
        elif kind == "CC":
            parts.append(f"{t.year // 100:02d}")
        elif kind == "06":
            parts.append(f"{t.year % 100:02d}")
        elif kind == "1":
            parts.append(f"{t.month:02d}")
        elif kind == "2":
            parts.append(f"{t.day:02d}")
        elif kind == "H24":
            parts.append(f"{t.hour:02d}")
        elif kind == "3":
            parts.append(f"{(t.hour % 12) or 12:02d}")
        elif kind == "4":
            parts.append(f"{t.minute:02d}")
        elif kind == "5":
            parts.append(f"{t.second:02d}")
        elif kind == "cfrac":
            parts.append(f"{t.microsecond // 1000:03d}" if len(text) == 1 else f"{t.microsecond * 1000:09d}")
        elif kind in ("PM", "ampm"):
            am_pm = "PM" if t.hour >= 12 else "AM"
            parts.append(am_pm.lower() if text[0] == "p" else am_pm)
        elif kind == "pm":
            parts.append("pm" if t.hour >= 12 else "am")
        elif kind == "zone":
            parts.append(_zone(t, True, True) if text == "TZD" else
                         (t.tzname() or "") if text == "TZN" else str(t.tzinfo))
        elif kind == "January_any":
            parts.append(_cased(MONTHS[t.month - 1], text))
        elif kind == "Jan_any":
            parts.append(_cased(MONTHS[t.month - 1][:3], text))
        elif kind == "Monday_any":
            parts.append(_cased(DAYS[(t.weekday() + 1) % 7], text))
        elif kind == "Mon_any":
            parts.append(_cased(DAYS[(t.weekday() + 1) % 7][:3], text))
        else:
            parts.append(text)
    return "".join(parts)


# ---- % formats ----------------------------------------------------------------------------------

_PERCENT_LAYOUT = {
    "Y": "2006", "y": "06", "m": "01", "d": "02", "H": "15", "I": "03", "M": "04", "S": "05",
    "p": "PM", "P": "pm", "B": "January", "b": "Jan", "h": "Jan", "A": "Monday", "a": "Mon",
    "j": "002", "z": "-0700", "Z": "MST", "T": "15:04:05", "D": "2006-01-02", "F": DEFAULT_FORMAT,
    "R": "15:04", "%": "%",
}


def _percent_to_layout(fmt: str) -> str:
    """A ``%`` format as the Go layout that reads the same text (%N/%n: nanoseconds/milliseconds)."""
    out: List[str] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            c = fmt[i + 1]
            if c in ("N", "n", "L"):
                if out and out[-1].endswith("."):
                    out[-1] = out[-1][:-1]
                out.append(".999999999" if c == "N" else ".000")
            elif c in _PERCENT_LAYOUT:
                out.append(_PERCENT_LAYOUT[c])
            else:
                raise DateError(f"the mock cannot read the specifier %{c}")
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def _percent_format(t: datetime, fmt: str) -> str:
    out: List[str] = []
    i = 0
    while i < len(fmt):
        if fmt[i] != "%" or i + 1 >= len(fmt):
            out.append(fmt[i])
            i += 1
            continue
        c = fmt[i + 1]
        i += 2
        if c == "N":
            out.append(f"{t.microsecond * 1000:09d}")
        elif c in ("n", "L"):
            out.append(f"{t.microsecond // 1000:03d}")
        elif c == "C":
            out.append(f"{t.year // 100:02d}")
        elif c == "q":
            out.append(str((t.month + 2) // 3))
        elif c == "u":
            out.append(str(t.isoweekday()))
        elif c == "w":
            out.append(str(t.isoweekday() % 7))
        elif c == "V":
            out.append(f"{t.isocalendar()[1]:02d}")
        elif c == "G":
            out.append(f"{t.isocalendar()[0]:04d}")
        elif c == "s":
            out.append(str(int(t.timestamp())))
        elif c == "Z":
            out.append("Z" if _offset(t) == 0 else (t.tzname() or _zone(t, False, False)))
        elif c in _PERCENT_LAYOUT:
            out.append(_go_format(t, _PERCENT_LAYOUT[c]) if c != "%" else "%")
        else:
            raise DateError(f"the mock cannot write the specifier %{c}")
    return "".join(out)


def load_zone(name: str) -> tzinfo:
    """An IANA zone name, "UTC"/"Z", "Local" or an offset (±hh[:mm]); DateError if unknown."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name in ("", "Local"):
        return LOCAL
    if name in ("UTC", "Z", "GMT"):
        return timezone.utc
    if re.fullmatch(r"[+-]\d\d(:?\d\d)?", name):
        return _fixed(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DateError(f"unknown time zone {name!r}") from None
