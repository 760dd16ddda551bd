"""JSON values as N1QL sees them: MISSING, type ranks, collation, truth.

Collation order (ORDER BY, MIN/MAX, comparisons across types):
MISSING < NULL < false < true < numbers < strings < arrays < objects; arrays
compare element by element, objects by size, then sorted names, then values.
"""
from __future__ import annotations

import functools
import json
import math
from typing import Any


class _Missing:
    """The MISSING value (a path that leads nowhere); a singleton."""

    _instance = None

    def __new__(cls) -> "_Missing":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def rank(v: Any) -> int:
    """Position of ``v``'s type in the collation order."""
    if v is MISSING:
        return 0
    if v is None:
        return 1
    if isinstance(v, bool):
        return 2
    if is_number(v):
        return 3
    if isinstance(v, str):
        return 4
    if isinstance(v, list):
        return 5
    return 6


def collate(a: Any, b: Any) -> int:
    """-1, 0 or 1: the N1QL total order of two values."""
    ra, rb = rank(a), rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra in (2, 3, 4):
        order: int = (a > b) - (a < b)
        return order
    if ra == 5:
        for x, y in zip(a, b):
            c = collate(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ra == 6:
        if len(a) != len(b):
            return -1 if len(a) < len(b) else 1
        ka, kb = sorted(a), sorted(b)
        if ka != kb:
            return -1 if ka < kb else 1
        for k in ka:
            c = collate(a[k], b[k])
            if c:
                return c
    return 0


sort_key = functools.cmp_to_key(collate)


def equal(a: Any, b: Any) -> bool:
    """Value equality with N1QL types (true is not 1)."""
    return rank(a) == rank(b) and collate(a, b) == 0


def truthy(v: Any) -> bool:
    """Whether a WHERE/HAVING condition passes: MISSING, NULL, false, 0, "", [] and {} do not."""
    if v is MISSING or v is None:
        return False
    if isinstance(v, bool):
        return v
    if is_number(v):
        return v != 0 and not (isinstance(v, float) and math.isnan(v))
    return len(v) > 0


def number(v: float) -> Any:
    """Integral floats as ints (N1QL numbers are float64 but print 2, not 2.0)."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
        return int(v)
    return v


def type_name(v: Any) -> str:
    return ("missing", "null", "boolean", "number", "string", "array", "object")[rank(v)]


def canonical(v: Any) -> str:
    """A string equal for equal values (DISTINCT, GROUP BY keys)."""
    if v is MISSING:
        return "\x00missing"
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


_SPECIAL = {"nan": "NaN", "inf": "+Infinity", "-inf": "-Infinity"}


def spelled(v: Any) -> Any:
    """``v`` with NaN and infinities as the server writes them in JSON: the strings "NaN",
    "+Infinity" and "-Infinity" (JSON has no such numbers)."""
    if isinstance(v, float) and not math.isfinite(v):
        return _SPECIAL[repr(v)]
    if isinstance(v, list):
        return [spelled(x) for x in v]
    if isinstance(v, dict):
        return {k: spelled(x) for k, x in v.items()}
    return v
