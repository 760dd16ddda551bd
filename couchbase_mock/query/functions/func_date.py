"""Date and time functions, as the query service has them.

Times are epoch milliseconds (``*_MILLIS``) or strings (``*_STR``; formats in
datetime_formats). NOW_* give the request's time, the same everywhere in one statement; CLOCK_*
the clock at each call. A string or component the server cannot use gives NULL (the server adds
a warning, which the mock does not). Components (DATE_PART/ADD/DIFF/TRUNC): millennium, century,
decade, year, quarter, month, calendar_month, week, day, hour, minute, second, millisecond; DATE_PART
also day_of_year/doy, day_of_week/dow, iso_week, iso_year, iso_dow, timezone, timezone_hour,
timezone_minute; DATE_TRUNC also iso_week.
"""
from __future__ import annotations

import calendar
import math
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, List

from couchbase_mock.query.functions._base import MISSING, Registry, RequestBound
from couchbase_mock.query.functions.datetime_formats import (
    LOCAL,
    DateError,
    format_time,
    load_zone,
    parse,
    parse_closest,
)
from couchbase_mock.query.values import is_number, number

__all__ = ["DATE_FUNCTIONS"]

MIN_MILLIS = -377705073600000  # the server's range: years -9999..9999 (the mock: 1..9999)
MAX_MILLIS = 253402250399999
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _now(request: Any) -> float:
    """The request's time (seconds since the epoch), or the clock's outside a request."""
    return float(request.now) if request is not None else time.time()


def _unknowns(args: List[Any], types: str) -> Any:
    """The server's checks: MISSING anywhere gives MISSING; then NULL in a ``n``/``s`` slot gives
    NULL; a wrong type gives NULL (with a warning on the server). ``types``: n number, s string,
    S string where NULL is a wrong type (formats, zones, components). Returns the verdict or None."""
    if any(a is MISSING for a in args):
        return MISSING
    if any(a is None and t in "ns" for a, t in zip(args, types)):
        return None
    for a, t in zip(args, types):
        if not (is_number(a) if t == "n" else isinstance(a, str)):
            return False
    return True


def _checked(types: str, fn: Callable[..., Any]) -> Callable[[List[Any]], Any]:
    def call(args: List[Any]) -> Any:
        verdict = _unknowns(args, types)
        if verdict is not True:
            return None if verdict is False else verdict
        try:
            return fn(*args)
        except (DateError, OverflowError, ValueError):
            return None

    return call


def to_time(millis: float, zone: Any = LOCAL) -> datetime:
    if not MIN_MILLIS <= millis <= MAX_MILLIS:
        raise DateError("date overflow")
    return (EPOCH + timedelta(milliseconds=millis)).astimezone(zone)


def to_millis(t: datetime) -> Any:
    delta = t - EPOCH
    return number(float(round((delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds / 1000)))


def _zone_time(t: datetime, zone: Any) -> datetime:
    return t.astimezone(load_zone(zone)) if zone is not None else t


def _add_date(t: datetime, years: int = 0, months: int = 0, days: int = 0) -> datetime:
    """Go's AddDate: the fields move, then overflow normalises (Jan 31 + 1 month = Mar 2 or 3)."""
    total = t.year * 12 + (t.month - 1) + years * 12 + months
    y, m = divmod(total, 12)
    first = t.replace(year=y, month=m + 1, day=1)
    return first + timedelta(days=t.day - 1 + days)


def _last_day(y: int, m: int) -> int:
    return calendar.monthrange(y, m)[1]


def date_add(t: datetime, n: int, part: str) -> datetime:
    p = part.lower()
    if n == 0:
        return t
    if p in ("millennium", "century", "decade", "year"):
        return _add_date(t, years=n * {"millennium": 1000, "century": 100, "decade": 10, "year": 1}[p])
    if p in ("quarter", "month"):
        return _add_date(t, months=n * (3 if p == "quarter" else 1))
    if p == "calendar_month":  # month ends stay month ends; other days clamp to the new month
        y, m = divmod(t.year * 12 + t.month - 1 + n, 12)
        last = t.day == _last_day(t.year, t.month)
        day = _last_day(y, m + 1) if last else min(t.day, _last_day(y, m + 1))
        return t.replace(year=y, month=m + 1, day=day)
    if p in ("week", "day"):
        return _add_date(t, days=n * (7 if p == "week" else 1))
    units = {"hour": 3600e3, "minute": 60e3, "second": 1e3, "millisecond": 1}
    if p in units:
        return t + timedelta(milliseconds=n * units[p])
    raise DateError(f"invalid component {part}")


def date_part(t: datetime, part: str) -> int:
    p = part.lower()
    off = t.utcoffset()
    z = int(off.total_seconds()) if off is not None else 0
    parts = {
        "millennium": lambda: t.year // 1000 + 1, "century": lambda: t.year // 100 + 1,
        "decade": lambda: t.year // 10, "year": lambda: t.year, "quarter": lambda: (t.month + 2) // 3,
        "month": lambda: t.month, "calendar_month": lambda: t.month, "day": lambda: t.day,
        "hour": lambda: t.hour, "minute": lambda: t.minute, "second": lambda: t.second,
        "millisecond": lambda: t.microsecond // 1000,
        "week": lambda: math.ceil(t.timetuple().tm_yday / 7), "day_of_year": lambda: t.timetuple().tm_yday,
        "doy": lambda: t.timetuple().tm_yday, "day_of_week": lambda: t.isoweekday() % 7,
        "dow": lambda: t.isoweekday() % 7, "iso_week": lambda: t.isocalendar()[1],
        "iso_year": lambda: t.isocalendar()[0], "iso_dow": lambda: t.isoweekday(),
        "timezone": lambda: z, "timezone_hour": lambda: int(z / 3600),
        "timezone_minute": lambda: int((z - int(z / 3600) * 3600) / 60),
    }
    if p not in parts:
        raise DateError(f"invalid component {part}")
    return parts[p]()


def _day_start(t: datetime) -> datetime:
    return t.replace(hour=0, minute=0, second=0, microsecond=0)


def date_trunc(t: datetime, part: str) -> datetime:
    p = part.lower()
    if p in ("millennium", "century", "decade", "year"):
        y = t.year - t.year % {"millennium": 1000, "century": 100, "decade": 10, "year": 1}[p]
        return _day_start(t).replace(year=max(y, 1), month=1, day=1)
    if p in ("quarter", "month", "calendar_month"):
        m = t.month - ((t.month - 1) % 3 if p == "quarter" else 0)
        return _day_start(t).replace(month=m, day=1)
    if p == "week":
        return _day_start(t) - timedelta(days=t.isoweekday() % 7)
    if p == "iso_week":
        return _day_start(t) - timedelta(days=t.isoweekday() - 1)
    if p == "day":
        return _day_start(t)
    if p == "hour":
        return t.replace(minute=0, second=0, microsecond=0)
    if p == "minute":
        return t.replace(second=0, microsecond=0)
    if p == "second":
        return t.replace(microsecond=0)
    if p == "millisecond":
        return t.replace(microsecond=t.microsecond - t.microsecond % 1000)
    raise DateError(f"invalid component {part}")


def _leap_years_within(year: int) -> int:
    year = year - 1 if year > 0 else year + 1
    return int(year / 4) - int(year / 100) + int(year / 400)


def date_diff(t1: datetime, t2: datetime, part: str) -> int:
    """The server's difference: field by field on the two times as written (each in its own zone)."""
    sign = 1
    if _go_string(t1) < _go_string(t2):
        t1, t2, sign = t2, t1, -1
    p = part.lower()
    years = t1.year - t2.year
    if p in ("month", "calendar_month"):
        return sign * abs((t1.year * 12 + t1.month) - (t2.year * 12 + t2.month))
    if p == "quarter":
        return sign * abs((t1.year * 4 + (t1.month + 2) // 3) - (t2.year * 4 + (t2.month + 2) // 3))
    if p in ("year", "decade", "century", "millennium"):
        return sign * int(years / {"year": 1, "decade": 10, "century": 100, "millennium": 1000}[p])
    days = years * 365 + t1.timetuple().tm_yday - t2.timetuple().tm_yday
    if years:
        days += _leap_years_within(t1.year) - _leap_years_within(t2.year)
    if p == "day":
        return sign * days
    if p == "week":
        return sign * int(days / 7)
    hours = days * 24 + t1.hour - t2.hour
    minutes = hours * 60 + t1.minute - t2.minute
    seconds = minutes * 60 + t1.second - t2.second
    result = {"hour": hours, "minute": minutes, "second": seconds,
              "millisecond": seconds * 1000 + t1.microsecond // 1000 - t2.microsecond // 1000}.get(p)
    if result is None:
        raise DateError(f"invalid component {part}")
    return sign * result


def _go_string(t: datetime) -> str:
    """Go's Time.String() prefix the server compares to order two times."""
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def _whole(n: Any) -> int:
    if not float(n).is_integer():
        raise DateError("not a whole number")
    return int(n)


def _str_time(s: str) -> datetime:
    return parse(s)


def _format_of(s: str) -> str:
    """The server's format for a string's own style: its digits replaced by 1 (an example)."""
    return "".join("1" if c.isdigit() else c for c in s)


def _date_add_str(s: str, n: Any, part: str) -> str:
    t, layout = parse_closest(s)
    return format_time(date_add(t, _whole(n), part), layout)


def _date_trunc_str(args: List[Any]) -> Any:
    verdict = _unknowns(args[:2], "sS")
    if verdict is not True:
        return None if verdict is False else verdict
    if len(args) > 2:
        if args[2] is MISSING:
            return MISSING
        if not isinstance(args[2], str):
            return None
    fmt = args[2] if len(args) > 2 else _format_of(args[0])
    try:
        return format_time(date_trunc(parse(args[0], fmt), args[1]), fmt)
    except (DateError, ValueError, OverflowError):
        return None


def _date_format_str(args: List[Any]) -> Any:
    verdict = _unknowns(args, "sSS")
    if verdict is not True:
        return None if verdict is False else verdict
    try:
        t = parse(args[0], args[1]) if len(args) == 3 else parse(args[0])
        return format_time(t, args[-1])
    except (DateError, ValueError, OverflowError):
        return None


def _str_to_zone(utc: bool) -> Callable[[List[Any]], Any]:
    """STR_TO_UTC(str[, in_fmt[, out_fmt]]) / STR_TO_TZ(str, zone[, in_fmt[, out_fmt]]): the time
    re-written in the zone, in the input's own style unless a format is given."""

    def call(args: List[Any]) -> Any:
        if args[0] is MISSING:
            return MISSING
        if args[0] is None or not isinstance(args[0], str):
            return None
        rest = args[1:]
        if any(a is MISSING for a in rest):
            return MISSING
        if not all(isinstance(a, str) for a in rest):
            return None
        try:
            if utc:
                in_fmt = rest[0] if rest else ""
                out_fmt = rest[-1] if rest else _format_of(args[0])
                return format_time(parse(args[0], in_fmt).astimezone(timezone.utc), out_fmt)
            zone = load_zone(rest[0])
            in_fmt = rest[1] if len(rest) > 1 else _format_of(args[0])
            out_fmt = rest[2] if len(rest) > 2 else in_fmt
            return format_time(parse(args[0], in_fmt).astimezone(zone), out_fmt)
        except (DateError, ValueError, OverflowError):
            return None

    return call


def _millis_to_str(zone_arg: bool, utc: bool) -> Callable[[List[Any]], Any]:
    def call(args: List[Any]) -> Any:
        types = "nS" + ("S" if zone_arg else "")
        verdict = _unknowns(args, types)
        if verdict is not True:
            return None if verdict is False else verdict
        try:
            zone = load_zone(args[1]) if zone_arg else (timezone.utc if utc else LOCAL)
            fmt = args[2 if zone_arg else 1] if len(args) > (2 if zone_arg else 1) else ""
            return format_time(to_time(args[0], zone), fmt)
        except (DateError, ValueError, OverflowError):
            return None

    return call


def _now_str(zone_arg: bool, utc: bool, clock: bool) -> RequestBound:
    def fn(request: Any, site: Any, args: List[Any]) -> Any:
        if any(a is MISSING for a in args):
            return MISSING
        if not all(isinstance(a, str) for a in args):
            return None
        t = time.time() if clock else _now(request)
        try:
            zone = load_zone(args[0]) if zone_arg else (timezone.utc if utc else LOCAL)
            fmt = args[1 if zone_arg else 0] if len(args) > (1 if zone_arg else 0) else ""
            return format_time(to_time(t * 1000, zone), fmt)
        except (DateError, ValueError, OverflowError):
            return None

    return RequestBound(fn)


DATE_RANGE_MAX = 1_000_000  # the mock's cap on a DATE_RANGE_* result (NULL beyond)


def _date_range(millis: bool) -> Callable[[List[Any]], Any]:
    """DATE_RANGE_STR/MILLIS(start, end, part[, step]): the times from start (included) towards end
    (excluded) every ``step`` parts; a later start with no step counts down. calendar_month steps
    from the start each time (month ends stay month ends), other parts from the previous time."""

    def call(args: List[Any]) -> Any:
        verdict = _unknowns(args, ("nn" if millis else "ss") + "Sn")
        if verdict is not True:
            return None if verdict is False else verdict
        try:
            if millis:
                t1, t2, layout = to_time(args[0]), to_time(args[1]), ""
            else:
                (t1, layout), (t2, _) = parse_closest(args[0]), parse_closest(args[1])
            step = _whole(args[3]) if len(args) > 3 else 1
        except DateError:
            return None

        def out(t: datetime) -> Any:
            return to_millis(t) if millis else format_time(t, layout)

        if step == 0:
            return [out(t1)]
        if t1 == t2:
            return []
        if t1 > t2:
            step = -step if len(args) <= 3 else step
            if step >= 0:
                return []
        elif step < 0:
            return []
        part = args[2]
        try:
            if abs(date_diff(t1, t2, part)) // abs(step) > DATE_RANGE_MAX:
                return None
        except DateError:
            return None
        result: List[Any] = []
        end = to_millis(t2)
        t = t1
        i = 0
        while len(result) <= DATE_RANGE_MAX:
            try:
                if part.lower() == "calendar_month":
                    t = date_add(t1, step * i, part)
                    i += 1
                elif result:
                    t = date_add(t, step, part)
                if not MIN_MILLIS <= to_millis(t) <= MAX_MILLIS:
                    break
            except (DateError, ValueError, OverflowError):
                break
            if (step > 0 and to_millis(t) >= end) or (step < 0 and to_millis(t) <= end):
                break
            result.append(out(t))
        return result if len(result) <= DATE_RANGE_MAX else None

    return call


def _weekday(t: datetime) -> str:
    return ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")[t.isoweekday() % 7]


def _optional_zone(fn: Callable[[datetime], Any]) -> Callable[[List[Any]], Any]:
    """``fn`` of the millis argument's time, in the zone of an optional last argument."""

    def call(args: List[Any]) -> Any:
        verdict = _unknowns(args, "n" + "S" * (len(args) - 1))
        if verdict is not True:
            return None if verdict is False else verdict
        try:
            return fn(to_time(args[0], load_zone(args[-1]) if len(args) > 1 else LOCAL))
        except (DateError, ValueError, OverflowError):
            return None

    return call


DATE_FUNCTIONS: Registry = {
    "NOW_MILLIS": (0, 0, RequestBound(lambda request, site, args: to_millis(to_time(_now(request) * 1000)))),
    "CLOCK_MILLIS": (0, 0, lambda args: to_millis(to_time(time.time() * 1000))),
    "MILLIS_TO_STR": (1, 2, _millis_to_str(False, False)),
    "MILLIS_TO_LOCAL": (1, 2, _millis_to_str(False, False)),
    "MILLIS_TO_UTC": (1, 2, _millis_to_str(False, True)),
    "MILLIS_TO_TZ": (2, 3, _millis_to_str(True, False)),
    "MILLIS_TO_ZONE_NAME": (2, 3, _millis_to_str(True, False)),
    "STR_TO_MILLIS": (1, 2, _checked("sS", lambda s, fmt="": to_millis(parse(s, fmt)))),
    "MILLIS": (1, 2, _checked("sS", lambda s, fmt="": to_millis(parse(s, fmt)))),
    "STR_TO_UTC": (1, 3, _str_to_zone(True)),
    "STR_TO_TZ": (2, 4, _str_to_zone(False)),
    "STR_TO_ZONE_NAME": (2, 4, _str_to_zone(False)),
    "DATE_ADD_MILLIS": (3, 3, _checked("nnS", lambda ms, n, part: to_millis(
        date_add(to_time(ms), _whole(n), part)))),
    "DATE_ADD_STR": (3, 3, _checked("snS", _date_add_str)),
    "DATE_DIFF_MILLIS": (3, 3, _checked("nnS", lambda a, b, part: date_diff(to_time(a), to_time(b), part))),
    "DATE_DIFF_STR": (3, 3, _checked("ssS", lambda a, b, part: date_diff(_str_time(a), _str_time(b), part))),
    "DATE_DIFF_ABS_MILLIS": (3, 3, _checked("nnS", lambda a, b, part: abs(
        date_diff(to_time(a), to_time(b), part)))),
    "DATE_DIFF_ABS_STR": (3, 3, _checked("ssS", lambda a, b, part: abs(
        date_diff(_str_time(a), _str_time(b), part)))),
    "DATE_PART_MILLIS": (2, 3, _checked("nSS", lambda ms, part, zone=None: date_part(
        _zone_time(to_time(ms), zone), part))),
    "DATE_PART_STR": (2, 2, _checked("sS", lambda s, part: date_part(_str_time(s), part))),
    "DATE_TRUNC_MILLIS": (2, 2, _checked("nS", lambda ms, part: to_millis(
        date_trunc(to_time(ms, timezone.utc), part)))),
    "DATE_TRUNC_STR": (2, 3, _date_trunc_str),
    "DATE_FORMAT_STR": (2, 3, _date_format_str),
    "DATE_RANGE_STR": (3, 4, _date_range(False)),
    "DATE_RANGE_MILLIS": (3, 4, _date_range(True)),
    "WEEKDAY_MILLIS": (1, 2, _optional_zone(_weekday)),
    "WEEKDAY_STR": (1, 1, _checked("s", lambda s: _weekday(_str_time(s)))),
}
for _names, _spec in (
    (("NOW_STR", "NOW_LOCAL"), (0, 1, _now_str(False, False, False))),
    (("NOW_UTC",), (0, 1, _now_str(False, True, False))),
    (("NOW_TZ",), (1, 2, _now_str(True, False, False))),
    (("CLOCK_STR", "CLOCK_LOCAL"), (0, 1, _now_str(False, False, True))),
    (("CLOCK_UTC",), (0, 1, _now_str(False, True, True))),
    (("CLOCK_TZ",), (1, 2, _now_str(True, False, True))),
):
    for _n in _names:
        DATE_FUNCTIONS[_n] = _spec
del _names, _spec, _n
