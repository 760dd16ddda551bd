"""Number functions and the NaN/Inf conditionals, as the query service has them.

Numbers are float64 on the server; results that are whole come back as integers
(``values.number``). Out-of-domain input gives NaN or ±Inf, as Go's math does, not an error.
"""
from __future__ import annotations

import math
import random
from typing import Any, List

from couchbase_mock.query.functions._base import (
    MISSING,
    VARIADIC,
    Registry,
    RequestBound,
    equals_then,
    is_int,
    is_num,
    strict,
)
from couchbase_mock.query.values import collate, number

__all__ = ["NUMBER_FUNCTIONS"]


def _float(fn: Any) -> Any:
    """``fn`` of float64 arguments, its result as the server prints it, domain errors as Go gives."""

    def call(*args: Any) -> Any:
        try:
            return number(float(fn(*(float(a) for a in args))))
        except ValueError:
            return math.nan
        except OverflowError:
            return math.inf
        except ZeroDivisionError:
            return -math.inf

    return call


def _ln(x: float) -> float:
    if x == 0:
        return -math.inf
    return math.log(x) if x > 0 else math.nan


def _log10(x: float) -> float:
    if x == 0:
        return -math.inf
    return math.log10(x) if x > 0 else math.nan


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan


def _pow(x: float, y: float) -> float:
    try:
        return math.pow(x, y)
    except ValueError:
        if x == 0 and y < 0:
            return math.inf
        return math.nan


def _pow10(prec: int) -> float:
    try:
        return math.pow(10, prec)
    except OverflowError:
        return math.inf


def _floor(v: float) -> float:
    return float(math.floor(v)) if math.isfinite(v) else v


def _div(a: float, b: float) -> float:
    """Go's float division: x/0 is ±Inf and 0/0 NaN, where Python raises."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return a / b


def _round_float(x: float, prec: int, to_even: bool) -> float:
    """The server's rounding: half away from zero, or to even; at ``prec`` decimal places (negative:
    left of the point), in float64 arithmetic (an absurd ``prec`` gives NaN, as there)."""
    if math.isnan(x) or math.isinf(x):
        return x
    sign = -1.0 if x < 0 else 1.0
    x = abs(x)
    pw = _pow10(prec)
    intermed = x * pw + 0.5 if not (x == 0 and math.isinf(pw)) else math.nan
    r = _floor(intermed)
    if to_even and r == intermed and math.isfinite(r) and r % 2 != 0:
        r -= 1
    return sign * _div(r, pw)


def _precision(fn: Any) -> Any:
    """ROUND/TRUNC(number[, digits]): digits must be a whole number."""

    def call(args: List[Any]) -> Any:
        if any(a is MISSING for a in args):
            return MISSING
        if not all(is_num(a) for a in args) or (len(args) > 1 and not is_int(args[1])):
            return None
        return fn(float(args[0]), int(args[1]) if len(args) > 1 else 0)

    return call


def _round(x: float, prec: int) -> Any:
    return number(_round_float(x, prec, True))


def _round_nearest(x: float, prec: int) -> Any:
    return number(_round_float(x, prec, False))


def _trunc(x: float, prec: int) -> Any:
    if math.isnan(x) or math.isinf(x):
        return x
    pw = _pow10(prec)
    v = x * pw if not (x == 0 and math.isinf(pw)) else math.nan
    return number(_div(float(math.trunc(v)) if math.isfinite(v) else v, pw))


def _constant_seed(site: Any) -> Any:
    """The seed if the call's argument is a number written in the statement (the server then makes
    one generator for the call site), else None."""
    from couchbase_mock.query import nodes as N

    arg = site.args[0] if site is not None and site.args else None
    sign = 1
    if isinstance(arg, N.Unary) and arg.op == "NEG":
        arg, sign = arg.operand, -1
    if isinstance(arg, N.Lit) and is_num(arg.value):
        return sign * arg.value
    return None


def _generator(seed: Any) -> random.Random:
    """A generator for a seed as Go's int64 (Python would seed -7 like 7)."""
    return random.Random(int(seed) & (2 ** 64 - 1))


def _random(request: Any, site: Any, args: List[Any]) -> Any:
    """RANDOM([seed]): a float in [0, 1). A seed written in the statement seeds one generator for
    that call: its rows get the generator's successive numbers, the same for every run of the
    statement; a computed seed (whole number) gives the first number of a generator seeded with it.
    (The numbers are Python's, not Go's.)"""
    if not args:
        return random.random()
    seed = _constant_seed(site)
    if seed is not None and request is not None:
        gen = request.state.setdefault(("RANDOM", id(site)), _generator(seed))
        return gen.random()
    seed = args[0]
    if seed is MISSING:
        return MISSING
    if not is_int(seed):
        return None
    return _generator(seed).random()


def _extreme(sign: int) -> Any:
    """GREATEST/LEAST: the largest/smallest argument that is neither MISSING nor NULL (NULL if none)."""

    def call(args: List[Any]) -> Any:
        best = None
        for a in args:
            if a is MISSING or a is None:
                continue
            if best is None or collate(a, best) * sign > 0:
                best = a
        return best

    return call


def _first_number(bad: Any) -> Any:
    """IFINF/IFNAN/IFNANORINF: the first number that is not ``bad``; NULL as soon as a non-number
    comes first; MISSING arguments are skipped (MISSING if all are)."""

    def call(args: List[Any]) -> Any:
        missing = False
        for a in args:
            if a is MISSING:
                missing = True
            elif not is_num(a):
                return None
            elif not bad(float(a)):
                return a
        return MISSING if missing else None

    return call


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _unary(fn: Any) -> Any:
    return (1, 1, strict(is_num)(_float(fn)))


NUMBER_FUNCTIONS: Registry = {
    "ABS": (1, 1, strict(is_num)(lambda v: abs(v))),
    "CEIL": (1, 1, strict(is_num)(lambda v: number(float(math.ceil(v))) if math.isfinite(v) else v)),
    "FLOOR": (1, 1, strict(is_num)(lambda v: number(float(math.floor(v))) if math.isfinite(v) else v)),
    "ROUND": (1, 2, _precision(_round)),  # half to even, as the server does: ROUND(2.5) = 2
    "ROUND_EVEN": (1, 2, _precision(_round)),
    "ROUND_NEAREST": (1, 2, _precision(_round_nearest)),
    "TRUNC": (1, 2, _precision(_trunc)),
    "SQRT": _unary(_sqrt),
    "EXP": _unary(math.exp),
    "LN": _unary(_ln),
    "LOG": _unary(_log10),
    "SIGN": (1, 1, strict(is_num)(_sign)),
    "POWER": (2, 2, strict(is_num)(_float(_pow))),
    "SIN": _unary(math.sin),
    "COS": _unary(math.cos),
    "TAN": _unary(math.tan),
    "ASIN": _unary(lambda x: math.asin(x) if -1 <= x <= 1 else math.nan),
    "ACOS": _unary(lambda x: math.acos(x) if -1 <= x <= 1 else math.nan),
    "ATAN": _unary(math.atan),
    "ATAN2": (2, 2, strict(is_num)(_float(math.atan2))),
    "DEGREES": _unary(math.degrees),
    "DEG": _unary(math.degrees),
    "RADIANS": _unary(math.radians),
    "RAD": _unary(math.radians),
    "PI": (0, 0, lambda args: math.pi),
    "E": (0, 0, lambda args: math.e),
    "NAN": (0, 0, lambda args: math.nan),
    "POSINF": (0, 0, lambda args: math.inf),
    "POS_INF": (0, 0, lambda args: math.inf),
    "INF": (0, 0, lambda args: math.inf),
    "NEGINF": (0, 0, lambda args: -math.inf),
    "NEG_INF": (0, 0, lambda args: -math.inf),
    "RANDOM": (0, 1, RequestBound(_random)),
    "GREATEST": (2, VARIADIC, _extreme(1)),
    "LEAST": (2, VARIADIC, _extreme(-1)),
}
for _names, _bad in ((("IFINF", "IF_INF"), math.isinf), (("IFNAN", "IF_NAN"), math.isnan),
                     (("IFNANORINF", "IF_NAN_OR_INF"), lambda f: not math.isfinite(f))):
    for _n in _names:
        NUMBER_FUNCTIONS[_n] = (2, VARIADIC, _first_number(_bad))
for _names, _r in ((("NANIF", "NAN_IF"), math.nan), (("NEGINFIF", "NEGINF_IF"), -math.inf),
                   (("POSINFIF", "POSINF_IF"), math.inf)):
    for _n in _names:
        NUMBER_FUNCTIONS[_n] = (2, 2, equals_then(_r))
del _names, _bad, _n, _r
