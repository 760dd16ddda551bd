"""View collation: the order of view keys, as CouchDB/Couchbase sorts them.

Types sort ``null < false < true < numbers < strings < arrays < objects``;
arrays compare element by element (a prefix sorts first), objects compare
their ``(key, value)`` pairs in document order the same way.

Strings: the server uses ICU (Unicode Collation Algorithm). The mock
approximates it with three levels, which gives the same order for common
text (ASCII words, accented Latin, mixed case):

1. primary: each character, decomposed (NFKD) without combining marks and
   case-folded, ranked by class first: whitespace and punctuation, then
   symbols, then digits, then letters (so ``"10" < "a"`` and ``"-" < "0"``);
2. secondary: the same with the accents kept (``"e" < "é"``);
3. tertiary: lower case before upper case (``"a" < "A" < "b"``);

and finally code points, so two keys compare equal only when identical.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any, Tuple

__all__ = ["sort_key", "collate", "string_key"]

_PUNCT, _SYMBOL, _DIGIT, _LETTER = "0", "1", "2", "3"


def _class(ch: str) -> str:
    cat = unicodedata.category(ch)
    if cat[0] in "ZPC":
        return _PUNCT
    if cat[0] == "S":
        return _SYMBOL
    if cat[0] == "N":
        return _DIGIT
    return _LETTER


@lru_cache(maxsize=65536)
def string_key(text: str) -> Tuple[str, str, str, str]:
    """The comparison key of a string (see the module docstring)."""
    decomposed = unicodedata.normalize("NFKD", text)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    primary = "".join(_class(ch) + ch for ch in base)
    secondary = decomposed.casefold()
    tertiary = text.swapcase()
    return primary, secondary, tertiary, text


def sort_key(value: Any) -> Tuple[Any, ...]:
    """A tuple whose Python ordering is the view collation of the JSON ``value``."""
    if value is None:
        return (0,)
    if value is False:
        return (1,)
    if value is True:
        return (2,)
    if isinstance(value, (int, float)):
        return (3, value)
    if isinstance(value, str):
        return (4, string_key(value))
    if isinstance(value, (list, tuple)):
        return (5, tuple(sort_key(v) for v in value))
    if isinstance(value, dict):
        return (6, tuple((string_key(k), sort_key(v)) for k, v in value.items()))
    raise TypeError(f"not a JSON value: {value!r}")


def collate(a: Any, b: Any) -> int:
    """-1, 0 or 1 as ``a`` sorts before, with or after ``b``."""
    ka, kb = sort_key(a), sort_key(b)
    return (ka > kb) - (ka < kb)
