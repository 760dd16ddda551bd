"""What every function group shares: the registry's entry type and the argument rules.

The server's rule for most functions: a MISSING argument gives MISSING (it wins over everything
else), otherwise a NULL or wrongly typed one gives NULL. Functions with their own rules check
their arguments themselves.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Callable, Dict, List, Optional, Pattern, Tuple

from couchbase_mock.query.values import MISSING, canonical, equal, is_number

__all__ = ["Spec", "Registry", "VARIADIC", "MAX_ARGS", "arg_count_message", "RequestBound", "strict",
           "is_str", "is_arr", "is_obj", "is_num", "is_int", "MISSING", "known", "unique", "equals_then",
           "like_regex"]

# ``(min_args, max_args or None for any number, fn(args))``
Spec = Tuple[int, Optional[int], Callable[[List[Any]], Any]]
Registry = Dict[str, Spec]

VARIADIC = None
MAX_ARGS = 32767  # what the server's variadic functions accept (Go's MaxInt16)


def arg_count_message(name: str, lo: int, hi: Optional[int]) -> str:
    """The server's planning error for a wrong argument count (error 3000)."""
    top = MAX_ARGS if hi is None else hi
    if lo == top:
        return f"Number of arguments to function {name} must be {lo}."
    return f"Number of arguments to function {name} must be between {lo} and {top}."


def known(v: Any) -> bool:
    """Neither MISSING nor NULL."""
    return v is not MISSING and v is not None


def unique(values: List[Any], key_of: Callable[[Any], str] = canonical) -> List[Any]:
    """``values`` without repeats (equal ``key_of``), in first-seen order."""
    seen, out = set(), []
    for v in values:
        key = key_of(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def equals_then(result: Any) -> Callable[[List[Any]], Any]:
    """NULLIF/MISSINGIF/NANIF/NEGINFIF/POSINFIF(a, b): ``result`` if a = b, else a (MISSING/NULL if
    the comparison is)."""

    def call(args: List[Any]) -> Any:
        a, b = args
        if a is MISSING or b is MISSING:
            return MISSING
        if a is None or b is None:
            return None
        return result if equal(a, b) else a

    return call


@functools.lru_cache(maxsize=256)
def like_regex(pattern: str) -> Pattern[str]:
    """LIKE's pattern (``%`` any run, ``_`` one character, ``\\`` escapes) as a regular expression."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "%" else "." if c == "_" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def is_str(v: Any) -> bool:
    return isinstance(v, str)


def is_arr(v: Any) -> bool:
    return isinstance(v, list)


def is_obj(v: Any) -> bool:
    return isinstance(v, dict)


def is_num(v: Any) -> bool:
    return is_number(v)


def is_int(v: Any) -> bool:
    """A number with no fraction (positions, counts: the server gives NULL for 1.5)."""
    return is_number(v) and float(v).is_integer()


def strict(*types: Callable[[Any], bool]) -> Callable[[Callable[..., Any]], Callable[[List[Any]], Any]]:
    """Wrap ``fn`` so MISSING/NULL/wrong-typed arguments give MISSING/NULL; the last type check
    applies to any further arguments."""

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


class RequestBound:
    """A function that needs its request: the evaluator calls ``at(request, site, args)`` with the
    request's Params (``now``: the time it started; ``state``: a dict for per-request state) and
    the call node (``site``), so NOW_* agree within a statement and RANDOM(seed) keeps one
    generator per call site, as on the server. Called plainly (outside a request), ``request``
    and ``site`` are None."""

    def __init__(self, fn: Callable[[Any, Any, List[Any]], Any]) -> None:
        self.fn = fn

    def at(self, request: Any, site: Any, args: List[Any]) -> Any:
        return self.fn(request, site, args)

    def __call__(self, args: List[Any]) -> Any:
        return self.fn(None, None, args)
