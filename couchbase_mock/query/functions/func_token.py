"""Token functions: TOKENS, CONTAINS_TOKEN (HAS_TOKEN), CONTAINS_TOKEN_LIKE, CONTAINS_TOKEN_REGEXP.

A value's tokens, as the server makes them: strings split into runs of letters and digits (with
``{"specials": true}`` also the space/bracket-separated words, trailing punctuation trimmed; with
``{"split": false}`` the whole, trimmed unless ``"trim": false``), ``"case": "lower"|"upper"``
folding; numbers, booleans and null are their own token; arrays and objects give their elements'
tokens (and object names', unless ``"names": false``). TOKENS keeps first appearance order (the
server promises none).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional

from couchbase_mock.query.functions._base import MISSING, Registry, like_regex, unique
from couchbase_mock.query.values import equal, is_number

__all__ = ["TOKEN_FUNCTIONS"]

_WORDS = re.compile(r"[^\W_]+")  # runs of letters and digits (Go: unicode.IsLetter || IsNumber)
_SPECIAL_SPLIT = re.compile(r"[\s()\[\]{}]+")


def _option(options: Dict[str, Any], name: str, default: bool) -> bool:
    v = options.get(name)
    return v if isinstance(v, bool) else default


def _string_tokens(s: str, options: Dict[str, Any]) -> List[str]:
    case = options.get("case")
    fold: Callable[[str], str] = {"lower": str.lower, "upper": str.upper}.get(
        case.lower() if isinstance(case, str) else "", lambda x: x)
    if not _option(options, "split", True):
        return [fold(s if not _option(options, "trim", True) else s.strip())]
    out = [fold(w) for w in _WORDS.findall(s)]
    if _option(options, "specials", False):
        for field in _SPECIAL_SPLIT.split(s):
            word = re.sub(r"[\W_]+$", "", field)
            if word:
                out.append(fold(word))
    return out


def tokens(v: Any, options: Dict[str, Any]) -> List[Any]:
    if isinstance(v, str):
        return _string_tokens(v, options)
    if isinstance(v, list):
        return [t for x in v for t in tokens(x, options)]
    if isinstance(v, dict):
        names = _option(options, "names", True)
        out: List[Any] = []
        for k, x in v.items():
            if names:
                out += _string_tokens(k, options)
            out += tokens(x, options)
        return out
    return [v]  # numbers, booleans, null




def _options(args: List[Any], index: int) -> Optional[Any]:
    """The options object, MISSING, or None for a non-object."""
    if len(args) <= index:
        return {}
    o = args[index]
    return o if o is MISSING or isinstance(o, dict) else None


def _tokens(args: List[Any]) -> Any:
    options = _options(args, 1)
    if args[0] is MISSING or options is MISSING:
        return MISSING
    if options is None:
        return None
    return unique(tokens(args[0], options))


def _contains(match: Callable[[Any, Any], bool], pattern_type: Optional[type]) -> Callable[[List[Any]], Any]:
    """CONTAINS_TOKEN*(source, token-or-pattern[, options])."""

    def call(args: List[Any]) -> Any:
        source, probe, options = args[0], args[1], _options(args, 2)
        if source is MISSING or probe is MISSING or options is MISSING:
            return MISSING
        if source is None or probe is None or options is None:
            return None
        if pattern_type is not None and not isinstance(probe, pattern_type):
            return None
        return any(match(t, probe) for t in tokens(source, options) if t is not None)

    return call


def _same_token(token: Any, probe: Any) -> bool:
    if isinstance(token, str):
        return isinstance(probe, str) and token == probe
    return is_number(token) == is_number(probe) and equal(token, probe)


def _like(token: Any, pattern: str) -> bool:
    return isinstance(token, str) and like_regex(pattern).fullmatch(token) is not None


def _regexp(token: Any, pattern: str) -> bool:
    from couchbase_mock.query.functions.func_regexp import compile_re2

    return isinstance(token, str) and compile_re2(pattern).fullmatch(token) is not None


TOKEN_FUNCTIONS: Registry = {
    "TOKENS": (1, 2, _tokens),
    "CONTAINS_TOKEN": (2, 3, _contains(_same_token, None)),
    "HAS_TOKEN": (2, 3, _contains(_same_token, None)),
    "CONTAINS_TOKEN_LIKE": (2, 3, _contains(_like, str)),
    "CONTAINS_TOKEN_REGEX": (2, 3, _contains(_regexp, str)),
    "CONTAINS_TOKEN_REGEXP": (2, 3, _contains(_regexp, str)),
}
