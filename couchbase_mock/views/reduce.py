"""Reduce functions: the built-ins ``_count``, ``_sum`` and ``_stats`` in
Python, anything else as JavaScript ``function (keys, values, rereduce)``.

Rows are reduced in blocks of :data:`BLOCK` and the partial results then
re-reduced (``rereduce=true``), as the server's B-tree does, so a custom
reduce function that ignores ``rereduce`` gives the same wrong answer here.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, List, Optional, Sequence, Tuple

from couchbase_mock.views.jsengine import JSEngine, JSError

__all__ = ["ReduceError", "Reducer", "make_reducer", "BLOCK"]

BLOCK = 64

# (key, doc id, value) of one map row
Row = Tuple[Any, str, Any]


class ReduceError(ValueError):
    """A reduce function cannot reduce these values."""


def _number(v: Any, fn: str) -> Any:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ReduceError(f"Builtin {fn} function requires map values to be numbers, got {v!r}")
    return v


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, list) or isinstance(b, list):
        a = a if isinstance(a, list) else [a]
        b = b if isinstance(b, list) else [b]
        longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
        return [x + (shorter[i] if i < len(shorter) else 0) for i, x in enumerate(longer)]
    return a + b


def _sum(values: Sequence[Any]) -> Any:
    total: Any = 0
    for v in values:
        if isinstance(v, list):
            total = _add(total, [_number(x, "_sum") for x in v])
        else:
            total = _add(total, _number(v, "_sum"))
    return total


def _stats_one(values: Sequence[Any]) -> Any:
    nums = [_number(v, "_stats") for v in values]
    return {"sum": sum(nums), "count": len(nums), "min": min(nums), "max": max(nums),
            "sumsqr": sum(n * n for n in nums)}


def _stats_merge(parts: Sequence[Any]) -> Any:
    return {"sum": sum(p["sum"] for p in parts), "count": sum(p["count"] for p in parts),
            "min": min(p["min"] for p in parts), "max": max(p["max"] for p in parts),
            "sumsqr": sum(p["sumsqr"] for p in parts)}


class Reducer:
    """Reduces map rows to one value (``reduce``), with block-wise rereduce."""

    def __init__(self, first: Callable[[Sequence[Row]], Any], again: Callable[[Sequence[Any]], Any]) -> None:
        self._first = first
        self._again = again

    def reduce(self, rows: Sequence[Row]) -> Any:
        """The reduction of ``rows`` (ReduceError if the function fails)."""
        if len(rows) <= BLOCK:
            return self._first(rows)
        partials: List[Any] = [self._first(rows[i:i + BLOCK]) for i in range(0, len(rows), BLOCK)]
        while len(partials) > BLOCK:
            partials = [self._again(partials[i:i + BLOCK]) for i in range(0, len(partials), BLOCK)]
        return self._again(partials)


def _builtin(name: str) -> Optional[Reducer]:
    if name == "_count":
        return Reducer(len, sum)
    if name == "_sum":
        return Reducer(lambda rows: _sum([r[2] for r in rows]), _sum)
    if name == "_stats":
        return Reducer(lambda rows: _stats_one([r[2] for r in rows]), _stats_merge)
    return None


def make_reducer(source: str, js: Callable[[], JSEngine]) -> Reducer:
    """The reducer for a view's ``reduce`` source; ``js()`` gives the engine for JavaScript ones.

    ReduceError for an unknown built-in; JSError/JSEngineMissing from the engine.
    """
    name = source.strip()
    if name.startswith("_"):
        builtin = _builtin(name)
        if builtin is None:
            raise ReduceError(f"unknown built-in reduce function {name}")
        return builtin
    engine = js()
    handle = engine.function(source)

    def first(rows: Sequence[Row]) -> Any:
        try:
            return engine.reduce(handle, [[k, i] for k, i, _v in rows], [v for _k, _i, v in rows], False)
        except JSError as exc:
            raise ReduceError(f"reduce function failed: {exc}") from None

    def again(values: Sequence[Any]) -> Any:
        try:
            return engine.reduce(handle, None, values, True)
        except JSError as exc:
            raise ReduceError(f"reduce function failed (rereduce): {exc}") from None

    return Reducer(first, again)
