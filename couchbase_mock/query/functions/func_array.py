"""Array functions, as the query service has them.

Equality is N1QL's (``true`` is not ``1``; NULL equals nothing); order is N1QL collation
(values.collate). Set-like results (ARRAY_DISTINCT, ARRAY_UNION, ARRAY_INTERSECT) keep first
appearance order: the server promises no order for them.
"""
from __future__ import annotations

import random
from typing import Any, Dict, List

from couchbase_mock.query.functions._base import (
    MISSING,
    VARIADIC,
    Registry,
    is_arr,
    is_int,
    is_num,
    known,
    strict,
    unique,
)
from couchbase_mock.query.values import canonical as _canonical
from couchbase_mock.query.values import collate, equal, is_number, number, rank, sort_key

__all__ = ["ARRAY_FUNCTIONS"]

ARRAY_REPEAT_MAX = 1_000_000  # the mock's cap on ARRAY_REPEAT's length (NULL beyond)


def _norm(v: Any) -> Any:
    if isinstance(v, float):
        return number(v)
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    return v


def canonical(v: Any) -> str:
    """A key equal for N1QL-equal values (1 and 1.0 are one number)."""
    return _canonical(_norm(v))


def _distinct(arr: List[Any]) -> List[Any]:
    return unique(arr, canonical)


def _append(args: List[Any]) -> Any:
    if any(a is MISSING for a in args):
        return MISSING
    return args[0] + args[1:] if is_arr(args[0]) else None


def _prepend(args: List[Any]) -> Any:
    if any(a is MISSING for a in args):
        return MISSING
    return args[:-1] + args[-1] if is_arr(args[-1]) else None


def _concat(*arrays: List[Any]) -> List[Any]:
    return [x for a in arrays for x in a]


def _contains(arr: Any, v: Any) -> Any:
    return any(equal(x, v) for x in arr)


def _needle(fn: Any) -> Any:
    """``fn(array, value)``: MISSING in either gives MISSING; a non-array or a NULL value, NULL."""

    def call(args: List[Any]) -> Any:
        arr, v = args
        if arr is MISSING or v is MISSING:
            return MISSING
        if not is_arr(arr) or v is None:
            return None
        return fn(arr, v)

    return call


def _position(arr: List[Any], v: Any) -> int:
    return next((i for i, x in enumerate(arr) if equal(x, v)), -1)


def _contains_any(arr: List[Any], v: Any) -> bool:
    wanted = [x for x in v if x is not None] if is_arr(v) else [v]
    return any(equal(x, w) for x in arr if x is not None for w in wanted)


def _contains_all(arr: List[Any], v: Any) -> bool:
    return all(_contains(arr, w) for w in (v if is_arr(v) else [v]))


def _put_or_remove(remove: bool) -> Any:
    def call(args: List[Any]) -> Any:
        if any(a is MISSING for a in args):
            return MISSING
        if any(a is None for a in args) or not is_arr(args[0]):
            return None
        arr, values = args[0], args[1:]
        if remove:
            return [x for x in arr if not any(equal(x, v) for v in values)]
        return arr + [v for v in values if not _contains(arr, v)]

    return call


def _insert(args: List[Any]) -> Any:
    if any(a is MISSING for a in args):
        return MISSING
    arr, pos = args[0], args[1]
    if not is_arr(arr) or not is_int(pos):
        return None
    n = int(pos) + (len(arr) if pos < 0 else 0)
    if n < 0 or n > len(arr):
        return None
    return arr[:n] + args[2:] + arr[n:]


def _flatten(arr: List[Any], depth: Any) -> Any:
    if not is_int(depth):
        return None

    def into(src: List[Any], d: int, out: List[Any]) -> List[Any]:
        for x in src:
            if d != 0 and is_arr(x):
                into(x, d - 1, out)
            else:
                out.append(x)
        return out

    return into(arr, int(depth), [])


def _ifnull(arr: List[Any]) -> Any:
    return next((x for x in arr if known(x)), None)


def _intersect(*arrays: List[Any]) -> List[Any]:
    keys = [{canonical(x) for x in a} for a in arrays[1:]]
    return [x for x in unique(arrays[0], canonical) if x is not None and all(canonical(x) in k for k in keys)]


def _union(*arrays: List[Any]) -> List[Any]:
    return unique([x for a in arrays for x in a], canonical)


def _except(a: List[Any], b: List[Any]) -> List[Any]:
    drop = {canonical(x) for x in b}
    return [x for x in a if canonical(x) not in drop]


def _symdiff(n_only: bool) -> Any:
    """ARRAY_SYMDIFF1: values in exactly one of the arrays; ARRAY_SYMDIFFN: in an odd number."""

    def fn(*arrays: List[Any]) -> List[Any]:
        counts: Dict[str, int] = {}
        for a in arrays:
            for k in {canonical(x) for x in a}:
                counts[k] = counts.get(k, 0) + 1
        keep = [x for a in arrays for x in a
                if (counts[canonical(x)] % 2 == 1 if n_only else counts[canonical(x)] == 1)]
        return unique(keep, canonical)

    return fn


def _repeat(args: List[Any]) -> Any:
    v, n = args
    if v is MISSING or n is MISSING:
        return MISSING
    if not is_int(n) or n < 0 or n > ARRAY_REPEAT_MAX:
        return None
    return [v] * int(n)


def _not_distinct(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return equal(a, b)


def _replace(args: List[Any], equivalent: bool = False) -> Any:
    """ARRAY_REPLACE (NULL never matches) / ARRAY_REPLACE_EQUIVALENT (NULL matches NULL)."""
    if any(a is MISSING for a in args):
        return MISSING
    arr, old, new = args[:3]
    limit = args[3] if len(args) > 3 else None
    if not is_arr(arr) or (old is None and not equivalent) or (limit is not None and not is_int(limit)):
        return None
    left = int(limit) if limit is not None else len(arr)
    same = _not_distinct if equivalent else equal
    out = []
    for x in arr:
        if left > 0 and same(x, old):
            out.append(new)
            left -= 1
        else:
            out.append(x)
    return out


def _sum(arr: List[Any]) -> Any:
    nums = [x for x in arr if is_number(x)]
    total = sum(nums)
    return number(float(total)) if isinstance(total, float) else total


def _avg(arr: List[Any]) -> Any:
    nums = [x for x in arr if is_number(x)]
    return number(sum(nums) / len(nums)) if nums else None


def _max(arr: List[Any]) -> Any:
    best = None
    for x in arr:
        if collate(x, best) > 0:
            best = x
    return best


def _min(arr: List[Any]) -> Any:
    best = None
    for x in arr:
        if known(x) and (best is None or collate(x, best) < 0):
            best = x
    return best


def _star(arr: List[Any]) -> Dict[str, List[Any]]:
    """``ARRAY_STAR([{a: 1}, {a: 2, b: 3}])`` = ``{a: [1, 2], b: [null, 3]}``."""
    names = sorted({k for x in arr if isinstance(x, dict) for k in x})
    return {k: [x.get(k) if isinstance(x, dict) else None for x in arr] for k in names}


def _move_or_swap(swap: bool) -> Any:
    def fn(arr: List[Any], old: Any, new: Any) -> Any:
        if not (is_int(old) and is_int(new)):
            return None
        n = len(arr)
        if not (-n <= old < n and -n <= new < n):
            return None
        o, w = int(old) % n, int(new) % n
        out = list(arr)
        if swap:
            out[o], out[w] = out[w], out[o]
        else:
            out.insert(w, out.pop(o))
        return out

    return fn


def _random_element(args: List[Any]) -> Any:
    arr = args[0]
    if arr is MISSING:
        return MISSING
    return random.choice(arr) if is_arr(arr) and arr else None


def _binary_search(args: List[Any]) -> Any:
    arr, v = args
    if arr is MISSING:
        return MISSING
    if not is_arr(arr):
        return None
    lo, hi = 0, len(arr) - 1
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if collate(arr[mid], v) < 0:
            lo = mid + 1
        else:
            hi = mid
    return lo if arr and rank(arr[lo]) == rank(v) and collate(arr[lo], v) == 0 else -1


ARRAY_FUNCTIONS: Registry = {
    "ARRAY_APPEND": (2, VARIADIC, _append),
    "ARRAY_PREPEND": (2, VARIADIC, _prepend),
    "ARRAY_CONCAT": (2, VARIADIC, strict(is_arr)(_concat)),
    "ARRAY_CONTAINS": (2, 2, _needle(_contains)),
    "ARRAY_CONTAINS_ANY": (2, 2, _needle(_contains_any)),
    "ARRAY_CONTAINS_ALL": (2, 2, _needle(_contains_all)),
    "ARRAY_POSITION": (2, 2, _needle(_position)),
    "ARRAY_POS": (2, 2, _needle(_position)),
    "ARRAY_COUNT": (1, 1, strict(is_arr)(lambda a: sum(1 for x in a if known(x)))),
    "ARRAY_DISTINCT": (1, 1, strict(is_arr)(_distinct)),
    "ARRAY_FLATTEN": (2, 2, strict(is_arr, is_num)(_flatten)),
    "ARRAY_IFNULL": (1, 1, strict(is_arr)(_ifnull)),
    "ARRAY_INSERT": (3, VARIADIC, _insert),
    "ARRAY_INTERSECT": (2, VARIADIC, strict(is_arr)(_intersect)),
    "ARRAY_UNION": (2, VARIADIC, strict(is_arr)(_union)),
    "ARRAY_EXCEPT": (2, 2, strict(is_arr)(_except)),
    "ARRAY_SYMDIFF": (2, VARIADIC, strict(is_arr)(_symdiff(False))),
    "ARRAY_SYMDIFF1": (2, VARIADIC, strict(is_arr)(_symdiff(False))),
    "ARRAY_SYMDIFFN": (2, VARIADIC, strict(is_arr)(_symdiff(True))),
    "ARRAY_LENGTH": (1, 1, strict(is_arr)(len)),
    "ARRAY_PUT": (2, VARIADIC, _put_or_remove(False)),
    "ARRAY_ADD": (2, VARIADIC, _put_or_remove(False)),
    "ARRAY_UPSERT": (2, VARIADIC, _put_or_remove(False)),
    "ARRAY_REMOVE": (2, VARIADIC, _put_or_remove(True)),
    "ARRAY_REPEAT": (2, 2, _repeat),
    "ARRAY_REPLACE": (3, 4, _replace),
    "ARRAY_REPLACE_EQUIVALENT": (3, 4, lambda args: _replace(args, True)),
    "ARRAY_REVERSE": (1, 1, strict(is_arr)(lambda a: a[::-1])),
    "ARRAY_SORT": (1, 1, strict(is_arr)(lambda a: sorted(a, key=sort_key))),
    "ARRAY_STAR": (1, 1, strict(is_arr)(_star)),
    "ARRAY_SUM": (1, 1, strict(is_arr)(_sum)),
    "ARRAY_AVG": (1, 1, strict(is_arr)(_avg)),
    "ARRAY_MIN": (1, 1, strict(is_arr)(_min)),
    "ARRAY_MAX": (1, 1, strict(is_arr)(_max)),
    "ARRAY_MOVE": (3, 3, strict(is_arr, is_num)(_move_or_swap(False))),
    "ARRAY_SWAP": (3, 3, strict(is_arr, is_num)(_move_or_swap(True))),
    "ARRAY_BINARY_SEARCH": (2, 2, _binary_search),
    "RANDOM_ELEMENT": (1, 1, _random_element),
}
