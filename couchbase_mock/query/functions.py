"""Scalar functions (the common subset): LOWER, UPPER, LENGTH, ABS, ROUND,
FLOOR, CEIL, CONCAT, SUBSTR, CONTAINS, TRIM, REPEAT, ARRAY_LENGTH, ARRAY_CONTAINS, ARRAY_RANGE,
TOSTRING, TONUMBER, TYPE, IFMISSING, IFNULL, IFMISSINGORNULL.

Unless stated otherwise a MISSING argument gives MISSING, a NULL gives NULL
and an argument of the wrong type gives NULL, as on the server.
``FUNCTIONS[name] = (min_args, max_args, fn)``; aggregates and META() are
handled by the evaluator.
"""
from __future__ import annotations

import json
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Dict, List, Optional, Tuple

from couchbase_mock.query.values import MISSING, equal, is_number, number, type_name

__all__ = ["FUNCTIONS", "ANALYTICS_FUNCTIONS"]


def _strict(*types: Callable[[Any], bool]) -> Callable[[Callable[..., Any]], Callable[[List[Any]], Any]]:
    """Wrap ``fn`` so MISSING/NULL/wrong-typed arguments give MISSING/NULL."""

    def deco(fn: Callable[..., Any]) -> Callable[[List[Any]], Any]:
        def call(args: List[Any]) -> Any:
            if any(a is MISSING for a in args):
                return MISSING
            if any(a is None for a in args):
                return None
            for a, check in zip(args, types + (types[-1],) * len(args)):
                if not check(a):
                    return None
            return fn(*args)

        return call

    return deco


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_arr(v: Any) -> bool:
    return isinstance(v, list)


def _any(v: Any) -> bool:
    return True


def _round(v: float, digits: Any = 0) -> Any:
    if not is_number(digits):
        return None
    if isinstance(v, float) and (math.isinf(v) or math.isnan(v)):
        return v
    q = Decimal(1).scaleb(-int(digits))
    return number(float(Decimal(repr(v)).quantize(q, rounding=ROUND_HALF_UP)))


def _substr(s: str, pos: Any, length: Any = None) -> Any:
    if not is_number(pos) or (length is not None and not is_number(length)):
        return None
    pos = int(pos)
    if pos < 0:
        pos += len(s)
    if pos < 0 or pos > len(s):
        return None
    if length is None:
        return s[pos:]
    if length < 0:
        return None
    return s[pos:pos + int(length)]


def _tostring(v: Any) -> Any:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if is_number(v):
        return json.dumps(number(v) if isinstance(v, float) else v)
    return json.dumps(v, separators=(",", ":"))


def _tonumber(v: Any) -> Any:
    if isinstance(v, bool):
        return 1 if v else 0
    if is_number(v):
        return v
    if isinstance(v, str):
        try:
            return number(float(v.strip()))
        except ValueError:
            return None
    return None


def _concat(args: List[Any]) -> Any:
    if any(a is MISSING for a in args):
        return MISSING
    if not all(isinstance(a, str) for a in args):
        return None
    return "".join(args)


def _ifmissing(args: List[Any]) -> Any:
    for a in args:
        if a is not MISSING:
            return a
    return None


def _ifnull(args: List[Any]) -> Any:
    for a in args:
        if a is not None:
            return a
    return None


def _ifmissingornull(args: List[Any]) -> Any:
    for a in args:
        if a is not None and a is not MISSING:
            return a
    return None


def _array_contains(args: List[Any]) -> Any:
    arr, value = args
    if arr is MISSING or value is MISSING:
        return MISSING
    if not isinstance(arr, list):
        return None
    return any(equal(x, value) for x in arr)


def _type(args: List[Any]) -> Any:
    return type_name(args[0])


def _num(v: Any) -> bool:
    return is_number(v)


ARRAY_RANGE_MAX = 10_000_000  # the mock's cap on ARRAY_RANGE's length (NULL beyond, never a huge list)


def _array_range(start: Any, end: Any, step: Any = 1) -> Any:
    """``ARRAY_RANGE(start, end[, step])``: numbers from ``start`` up to (not including) ``end``."""
    if step == 0:
        return None
    if all(float(v).is_integer() for v in (start, end, step)):
        r = range(int(start), int(end), int(step))
        return list(r) if len(r) <= ARRAY_RANGE_MAX else None
    n = max(0, int((end - start) / step + (0 if ((end - start) / step).is_integer() else 1)))
    return [start + i * step for i in range(n)] if n <= ARRAY_RANGE_MAX else None


FUNCTIONS: Dict[str, Tuple[int, Optional[int], Callable[[List[Any]], Any]]] = {
    "LOWER": (1, 1, _strict(_is_str)(str.lower)),
    "UPPER": (1, 1, _strict(_is_str)(str.upper)),
    "LENGTH": (1, 1, _strict(_is_str)(len)),
    "ABS": (1, 1, _strict(_num)(lambda v: abs(v))),
    "ROUND": (1, 2, _strict(_num)(_round)),
    "FLOOR": (1, 1, _strict(_num)(lambda v: number(float(math.floor(v))))),
    "CEIL": (1, 1, _strict(_num)(lambda v: number(float(math.ceil(v))))),
    "CONCAT": (2, None, _concat),
    "SUBSTR": (2, 3, _strict(_is_str, _num)(_substr)),
    "CONTAINS": (2, 2, _strict(_is_str)(lambda s, sub: sub in s)),
    "TRIM": (1, 1, _strict(_is_str)(str.strip)),
    "REPEAT": (2, 2, _strict(_is_str, _num)(lambda s, n: s * int(n) if 0 <= n <= 1_000_000 else None)),
    "ARRAY_LENGTH": (1, 1, _strict(_is_arr)(len)),
    "ARRAY_CONTAINS": (2, 2, _array_contains),
    "ARRAY_RANGE": (2, 3, _strict(_num)(_array_range)),
    "TOSTRING": (1, 1, _strict(_any)(_tostring)),
    "TO_STRING": (1, 1, _strict(_any)(_tostring)),
    "TONUMBER": (1, 1, _strict(_any)(_tonumber)),
    "TO_NUMBER": (1, 1, _strict(_any)(_tonumber)),
    "TYPE": (1, 1, _type),
    "TYPENAME": (1, 1, _type),
    "IFMISSING": (2, None, _ifmissing),
    "IFNULL": (2, None, _ifnull),
    "IFMISSINGORNULL": (2, None, _ifmissingornull),
    "COALESCE": (2, None, _ifmissingornull),
}


SLEEP_MAX = 10.0  # seconds: the mock's cap on analytics SLEEP (it holds the mock's service loop)


def _range(start: Any, end: Any) -> Any:
    """Analytics ``RANGE(start, end)``: the integers from ``start`` to ``end``, both included."""
    if not (float(start).is_integer() and float(end).is_integer()):
        return None
    r = range(int(start), int(end) + 1)
    return list(r) if len(r) <= ARRAY_RANGE_MAX else None


def _sleep(args: List[Any]) -> Any:
    """Analytics ``SLEEP(value, ms)``: ``value`` after ``ms`` milliseconds (at most SLEEP_MAX
    seconds; the mock's services are single-threaded, so other requests wait meanwhile)."""
    value, ms = args
    if is_number(ms) and ms > 0:
        import time

        time.sleep(min(float(ms) / 1000.0, SLEEP_MAX))
    return value


# Functions of the analytics service (SQL++) that N1QL does not have.
ANALYTICS_FUNCTIONS: Dict[str, Tuple[int, Optional[int], Callable[[List[Any]], Any]]] = {
    "RANGE": (2, 2, _strict(_num)(_range)),
    "SLEEP": (2, 2, _sleep),
}
