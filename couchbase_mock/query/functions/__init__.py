"""The SQL++ scalar function library of the mock's query service, as Couchbase Server 7.x has it.

One module per group: func_string, func_array, func_object, func_type, func_number, func_misc,
func_regexp, func_date (formats in datetime_formats), func_token, func_bit,
func_duration, func_operator.
``FUNCTIONS[name] = (min_args, max_args or None, fn(args))``, names upper case,
aliases included. Unless a function documents its own rule, a MISSING argument gives MISSING, a
NULL gives NULL and an argument of the wrong type gives NULL, as on the server. Aggregates and
META() are handled by the evaluator.
"""
from __future__ import annotations

import math
from typing import Any, List

from couchbase_mock.query.functions._base import Registry, is_num, strict
from couchbase_mock.query.functions.func_array import ARRAY_FUNCTIONS
from couchbase_mock.query.functions.func_bit import BIT_FUNCTIONS
from couchbase_mock.query.functions.func_date import DATE_FUNCTIONS
from couchbase_mock.query.functions.func_duration import DURATION_FUNCTIONS
from couchbase_mock.query.functions.func_misc import MISC_FUNCTIONS
from couchbase_mock.query.functions.func_number import NUMBER_FUNCTIONS
from couchbase_mock.query.functions.func_object import OBJECT_FUNCTIONS
from couchbase_mock.query.functions.func_operator import OPERATOR_FUNCTIONS
from couchbase_mock.query.functions.func_regexp import REGEXP_FUNCTIONS
from couchbase_mock.query.functions.func_string import STRING_FUNCTIONS
from couchbase_mock.query.functions.func_token import TOKEN_FUNCTIONS
from couchbase_mock.query.functions.func_type import TYPE_FUNCTIONS
from couchbase_mock.query.values import is_number, number

__all__ = ["FUNCTIONS", "ANALYTICS_FUNCTIONS"]

ARRAY_RANGE_MAX = 10_000_000  # the mock's cap on ARRAY_RANGE's length (NULL beyond, never a huge list)


def _array_range(start: Any, end: Any, step: Any = 1) -> Any:
    """``ARRAY_RANGE(start, end[, step])``: numbers from ``start`` up to (not including) ``end``,
    stepping as the server does (by repeated addition: 0.1 steps accumulate float error there too);
    empty if ``step`` is 0 or points away from ``end``; NULL past the mock's length cap."""
    if step == 0 or start == end or (step > 0) != (start < end):
        return []
    if not all(math.isfinite(v) for v in (start, end, step)):
        return None
    if abs(end - start) / abs(step) > ARRAY_RANGE_MAX:
        return None
    if all(float(v).is_integer() for v in (start, end, step)):
        return list(range(int(start), int(end), int(step)))
    out, v = [], start
    while (step > 0 and v < end) or (step < 0 and v > end):
        out.append(number(v) if isinstance(v, float) else v)
        v += step
    return out


FUNCTIONS: Registry = {
    **STRING_FUNCTIONS,
    **ARRAY_FUNCTIONS,
    **OBJECT_FUNCTIONS,
    **TYPE_FUNCTIONS,
    **NUMBER_FUNCTIONS,
    **MISC_FUNCTIONS,
    **REGEXP_FUNCTIONS,
    **DATE_FUNCTIONS,
    **TOKEN_FUNCTIONS,
    **BIT_FUNCTIONS,
    **DURATION_FUNCTIONS,
    **OPERATOR_FUNCTIONS,
    "ARRAY_RANGE": (2, 3, strict(is_num)(_array_range)),
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
ANALYTICS_FUNCTIONS: Registry = {
    "RANGE": (2, 2, strict(is_num)(_range)),
    "SLEEP": (2, 2, _sleep),
}
