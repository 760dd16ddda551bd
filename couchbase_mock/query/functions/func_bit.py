"""Bit functions on 64-bit integers: BITAND, BITOR, BITXOR, BITNOT, BITSHIFT, BITSET, BITCLEAR,
BITTEST (ISBITSET). Bit positions count from 1 (the lowest bit) to 64; a number with a fraction,
or a position outside 1-64, gives NULL, as on the server."""
from __future__ import annotations

from typing import Any, Callable, List, Optional

from couchbase_mock.query.functions._base import MISSING, VARIADIC, Registry, is_int, is_num

__all__ = ["BIT_FUNCTIONS"]

_MASK = (1 << 64) - 1


def _int64(u: int) -> int:
    """An unsigned 64-bit pattern as the signed integer the server returns."""
    u &= _MASK
    return u - (1 << 64) if u >> 63 else u


def _as_int(v: Any) -> Optional[int]:
    return int(v) if is_int(v) and -2 ** 63 <= v < 2 ** 63 else None


def _fold(op: Callable[[int, int], int]) -> Callable[[List[Any]], Any]:
    def call(args: List[Any]) -> Any:
        if any(a is MISSING for a in args):
            return MISSING
        ints = [_as_int(a) for a in args]
        if any(i is None for i in ints):
            return None
        result = ints[0]
        for i in ints[1:]:
            result = op(result, i)  # type: ignore[arg-type]
        return _int64(result)  # type: ignore[arg-type]

    return call


def _positions(v: Any) -> Optional[int]:
    """A bit position or an array of them as a mask; None if any is not a whole number in 1-64."""
    mask = 0
    for p in (v if isinstance(v, list) else [v]):
        i = _as_int(p)
        if i is None or not 1 <= i <= 64:
            return None
        mask |= 1 << (i - 1)
    return mask


def _not(args: List[Any]) -> Any:
    v = args[0]
    if v is MISSING:
        return MISSING
    i = _as_int(v)
    return None if i is None else ~i


def _set_or_clear(set_bits: bool) -> Callable[[List[Any]], Any]:
    def call(args: List[Any]) -> Any:
        num, pos = args
        if num is MISSING or pos is MISSING:
            return MISSING
        i = _as_int(num)
        mask = _positions(pos) if is_num(pos) or isinstance(pos, list) else None
        if i is None or mask is None:
            return None
        return _int64(i | mask if set_bits else (i & _MASK) & ~mask)

    return call


def _flagged(args: List[Any]) -> Optional[Any]:
    """The shared checks of BITSHIFT/BITTEST: MISSING, then NULL, then a non-boolean flag."""
    if any(a is MISSING for a in args):
        return MISSING
    if any(a is None for a in args) or (len(args) > 2 and not isinstance(args[2], bool)):
        return None
    return True


def _shift(args: List[Any]) -> Any:
    verdict = _flagged(args)
    if verdict is not True:
        return verdict
    num, shift = _as_int(args[0]), _as_int(args[1])
    if num is None or shift is None:
        return None
    u = num & _MASK
    if len(args) > 2 and args[2]:  # rotate: the shift taken modulo 64, to the left
        s = shift & 63
        return _int64((u << s) | (u >> (64 - s)))
    return _int64(u >> -shift if shift < 0 else u << shift)


def _test(args: List[Any]) -> Any:
    verdict = _flagged(args)
    if verdict is not True:
        return verdict
    num = _as_int(args[0])
    mask = _positions(args[1]) if is_num(args[1]) or isinstance(args[1], list) else None
    if num is None or mask is None:
        return None
    u = num & _MASK
    return (u & mask) == mask if len(args) > 2 and args[2] else (u & mask) != 0


BIT_FUNCTIONS: Registry = {
    "BITAND": (2, VARIADIC, _fold(lambda a, b: a & b)),
    "BITOR": (2, VARIADIC, _fold(lambda a, b: a | b)),
    "BITXOR": (2, VARIADIC, _fold(lambda a, b: a ^ b)),
    "BITNOT": (1, 1, _not),
    "BITSHIFT": (2, 3, _shift),
    "BITSET": (2, 2, _set_or_clear(True)),
    "BITCLEAR": (2, 2, _set_or_clear(False)),
    "BITTEST": (2, 3, _test),
    "ISBITSET": (2, 3, _test),
}
