"""Type checking and conversion (IS_*, TO_*, TYPE), as the query service has them.

IS_* give MISSING for MISSING and NULL for NULL; the TO_* conversions pass MISSING and NULL
through and give NULL for what has no conversion (TO_STRING of an object, TO_NUMBER of "abc").
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any, Callable, List

from couchbase_mock.query.functions._base import MISSING, Registry
from couchbase_mock.query.values import is_number, type_name

__all__ = ["TYPE_FUNCTIONS", "to_string", "to_number"]

# What Go's ParseFloat takes (no surrounding spaces, no underscores), hex floats aside.
_FLOAT = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf(inity)?|nan)", re.I)


def _check(test: Callable[[Any], bool]) -> Callable[[List[Any]], Any]:
    def call(args: List[Any]) -> Any:
        v = args[0]
        return v if v is MISSING or v is None else test(v)

    return call


def _unknown_passes(fn: Callable[[Any], Any]) -> Callable[[List[Any]], Any]:
    def call(args: List[Any]) -> Any:
        v = args[0]
        return v if v is MISSING or v is None else fn(v)

    return call


def to_string(v: Any) -> Any:
    """TO_STRING: strings as they are, booleans and numbers spelled out (never with an exponent,
    as Go's 'f' format), NULL for arrays and objects."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "+Inf" if v > 0 else "-Inf"
        text = format(Decimal(repr(v)), "f")  # the shortest digits that read back as v, no exponent
        return text.rstrip("0").rstrip(".") if "." in text else text
    return None


def to_number(v: Any, strip: Any = MISSING) -> Any:
    """TO_NUMBER: numbers as they are, true/false as 1/0, strings parsed (integers stay integers);
    with ``strip``, the characters to drop (and a lone comma read as the decimal point)."""
    if isinstance(v, bool):
        return 1 if v else 0
    if is_number(v):
        return v
    if not isinstance(v, str):
        return None
    s = v
    if strip is not MISSING:
        if not isinstance(strip, str):
            return None
        kept: List[str] = []
        comma = -1
        for c in s:
            if c == "." and comma >= 0:
                comma = -2
            if c.isspace() or (strip and c in strip):
                continue
            if c == ",":
                comma = len(kept) if comma == -1 else -2
            elif c == ".":
                comma = -2
            kept.append(c)
        if not kept:
            return None
        if comma >= 0:
            kept[comma] = "."
        s = "".join(kept)
    if re.fullmatch(r"[+-]?\d+", s) and -2 ** 63 <= int(s) < 2 ** 63:
        return int(s)
    if _FLOAT.fullmatch(s):
        return float(s)
    return None


def _to_number(args: List[Any]) -> Any:
    if args[0] is MISSING or args[0] is None:
        return args[0]
    if len(args) == 2 and isinstance(args[0], str) and not isinstance(args[1], str):
        return None  # a strip set that is not a string (MISSING included)
    return to_number(*args)


def _to_atom(v: Any) -> Any:
    while isinstance(v, (list, dict)):
        if len(v) != 1:
            return None
        v = v[0] if isinstance(v, list) else next(iter(v.values()))
    return v


def _to_boolean(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if is_number(v):
        return not math.isnan(v) and v != 0
    return len(v) > 0


TYPE_FUNCTIONS: Registry = {}
_CHECKS = {
    "ARRAY": lambda v: isinstance(v, list),
    "ATOM": lambda v: isinstance(v, (bool, int, float, str)),
    "BINARY": lambda v: False,  # a JSON value is never binary
    "BOOLEAN": lambda v: isinstance(v, bool),
    "NUMBER": is_number,
    "OBJECT": lambda v: isinstance(v, dict),
    "STRING": lambda v: isinstance(v, str),
}
_SHORT = {"BINARY": "BIN", "BOOLEAN": "BOOL", "NUMBER": "NUM", "OBJECT": "OBJ", "STRING": "STR"}
for _kind, _test in _CHECKS.items():
    for _name in {_kind, _SHORT.get(_kind, _kind)}:
        TYPE_FUNCTIONS["IS_" + _name] = TYPE_FUNCTIONS["IS" + _name] = (1, 1, _check(_test))
_CONVERSIONS = {
    "ARRAY": (_unknown_passes(lambda v: v if isinstance(v, list) else [v]), "ARRAY"),
    "ATOM": (_unknown_passes(_to_atom), "ATOM"),
    "BOOLEAN": (_unknown_passes(_to_boolean), "BOOL"),
    "OBJECT": (_unknown_passes(lambda v: v if isinstance(v, dict) else {}), "OBJ"),
    "STRING": (_unknown_passes(to_string), "STR"),
}
for _kind, (_fn, _short) in _CONVERSIONS.items():
    for _name in (_kind, _short):
        TYPE_FUNCTIONS["TO_" + _name] = TYPE_FUNCTIONS["TO" + _name] = (1, 1, _fn)
for _name in ("TO_NUMBER", "TONUMBER", "TO_NUM", "TONUM"):
    TYPE_FUNCTIONS[_name] = (1, 2, _to_number)
for _name in ("TYPE", "TYPENAME", "TYPE_NAME"):
    TYPE_FUNCTIONS[_name] = (1, 1, lambda args: type_name(args[0]))
del _kind, _test, _name, _fn, _short
