"""The operators' function spellings the server also accepts (its function registry holds them):
ADD, SUB, MULT, DIV, MOD, IDIV, IMOD, NEG, EQ, LT, LE, the IS[_]NULL/MISSING/VALUED/KNOWN family and
IS[_][NOT_]DISTINCT_FROM. (AND, OR, NOT, LIKE, IN, WITHIN, BETWEEN and EXISTS are keywords: written
as calls they parse as the operators.)

Each gives what the operator gives (``ADD(1, 2)`` is ``1 + 2``): the mock evaluates the operator's
own node, so the two cannot drift apart.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, List

from couchbase_mock.query.functions._base import MISSING, VARIADIC, Registry, is_num
from couchbase_mock.query.values import equal

__all__ = ["OPERATOR_FUNCTIONS"]


def _evaluate(build: Callable[[List[Any]], Any]) -> Callable[[List[Any]], Any]:
    """A function that evaluates the operator node ``build`` makes of its arguments (literals)."""

    def call(args: List[Any]) -> Any:
        from couchbase_mock.query import nodes as N  # the evaluator imports this package
        from couchbase_mock.query.evaluator import Params, Row, evaluate

        return evaluate(build([N.Lit(a) for a in args]), Row({}), Params())

    return call


def _fold(op: str) -> Callable[[List[Any]], Any]:
    def build(lits: List[Any]) -> Any:
        from couchbase_mock.query import nodes as N

        return functools.reduce(lambda acc, x: N.Binary(op, acc, x), lits)

    return _evaluate(build)


def _unary(op: str) -> Callable[[List[Any]], Any]:
    def build(lits: List[Any]) -> Any:
        from couchbase_mock.query import nodes as N

        return N.Unary(op, lits[0])

    return _evaluate(build)


def _is(what: str, negated: bool) -> Callable[[List[Any]], Any]:
    def build(lits: List[Any]) -> Any:
        from couchbase_mock.query import nodes as N

        return N.Is(lits[0], what, negated)

    return _evaluate(build)


def _integer(op: str) -> Callable[[List[Any]], Any]:
    """IDIV/IMOD: whole-number division and remainder, truncated towards zero as Go's int64."""

    def call(args: List[Any]) -> Any:
        a, b = args
        if a is MISSING or b is MISSING:
            return MISSING
        if not (is_num(a) and is_num(b)) or not (math.isfinite(a) and math.isfinite(b)):
            return None  # NaN and infinities have no int64
        x, y = int(a), int(b)
        if y == 0:
            return None
        q = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
        return q if op == "div" else x - q * y

    return call


def _distinct(negated: bool) -> Callable[[List[Any]], Any]:
    def call(args: List[Any]) -> Any:
        a, b = args
        if a is MISSING or b is MISSING or a is None or b is None:
            same = a is b
        else:
            same = equal(a, b)
        return same if negated else not same

    return call


OPERATOR_FUNCTIONS: Registry = {
    "ADD": (2, VARIADIC, _fold("+")),
    "SUB": (2, 2, _fold("-")),
    "MULT": (2, VARIADIC, _fold("*")),
    "DIV": (2, 2, _fold("/")),
    "MOD": (2, 2, _fold("%")),
    "IDIV": (2, 2, _integer("div")),
    "IMOD": (2, 2, _integer("mod")),
    "NEG": (1, 1, _unary("NEG")),
    "EQ": (2, 2, _fold("=")),
    "LT": (2, 2, _fold("<")),
    "LE": (2, 2, _fold("<=")),
}
for _what, _names, _negated in (
    ("NULL", ("IS_NULL", "ISNULL"), False), ("NULL", ("IS_NOT_NULL", "ISNOTNULL"), True),
    ("MISSING", ("IS_MISSING", "ISMISSING"), False), ("MISSING", ("IS_NOT_MISSING", "ISNOTMISSING"), True),
    ("VALUED", ("IS_VALUED", "ISVALUED", "IS_KNOWN", "ISKNOWN", "IS_NOT_UNKNOWN", "ISNOTUNKNOWN"), False),
    ("VALUED", ("IS_NOT_VALUED", "ISNOTVALUED", "IS_NOT_KNOWN", "ISNOTKNOWN", "ISUNKNOWN"), True),
):
    for _n in _names:
        OPERATOR_FUNCTIONS[_n] = (1, 1, _is(_what, _negated))
for _n, _neg in (("IS_DISTINCT_FROM", False), ("ISDISTINCTFROM", False), ("IS_NOT_DISTINCT_FROM", True),
                 ("ISNOTDISTINCTFROM", True)):
    OPERATOR_FUNCTIONS[_n] = (2, 2, _distinct(_neg))
del _what, _names, _negated, _n, _neg
