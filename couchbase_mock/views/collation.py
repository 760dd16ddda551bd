"""View collation: the order of view keys, as Couchbase Server sorts them.

The server compares keys with couchstore's JSON collation (the rules of
CouchDB's "Views Collation"):

* types sort ``null < false < true < numbers < strings < arrays < objects``;
* numbers by value (``1 == 1.0``);
* arrays element by element, a prefix first (``[] < ["a"] < ["a", 1]``);
* objects member by member in document order, each member's name (a string)
  then its value, a prefix first (``{} < {"a": 1} < {"a": 1, "b": 0}``);
* strings with ICU's root collator at its defaults, which is the Unicode
  Collation Algorithm (UCA) over the DUCET table with three levels and
  variable weighting *non-ignorable*:

  1. base characters: punctuation and whitespace first, then symbols
     (currency last), digits, then letters by alphabet; case and accents do
     not count here, so ``"Abc" < "abd"``;
  2. accents: ``"e" < "é"``;
  3. case and variants: lower case first, ``"a" < "A"``;

  there is no fourth (identical) level: two strings the collator finds equal,
  such as ``"e\\u0301"`` and ``"é"`` or strings differing only by ignorable
  control characters, are the same key (ties go by document id).

  Unassigned code points get UCA's implicit weights, above every assigned
  character: that is why the 1.x SDK's prefix idiom
  ``mapkey_range=[v, v + "\\u0fff"]`` (``Query.STRING_RANGE_END``) finds
  every key that starts with ``v``.

The mock computes the UCA with the ``pyuca`` package and its DUCET table
(Unicode 10.0; pyuca passes the UCA conformance tests for non-ignorable
weighting). A server's ICU uses a newer Unicode version and CLDR's root
order (DUCET with a few tailorings such as U+FFFE/U+FFFF); the two agree on
text in scripts of Unicode 10.0, and characters assigned since sort like
unassigned ones here.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any, Optional, Tuple

__all__ = ["sort_key", "collate", "string_key", "require", "CollationMissing"]


class CollationMissing(RuntimeError):
    """The optional ``pyuca`` package (the UCA tables) is not installed."""

    def __init__(self) -> None:
        super().__init__("view collation of string keys needs the Python package 'pyuca' "
                         "(pip install pyuca, or couchbase-cffi[mock])")


_collator: Optional[Any] = None
_collator_lock = threading.Lock()


def require() -> Any:
    """Load the UCA tables now (CollationMissing without ``pyuca``); the collator."""
    global _collator
    with _collator_lock:
        if _collator is None:
            try:
                from pyuca.collator import Collator_10_0_0
            except ImportError:
                raise CollationMissing() from None
            _collator = Collator_10_0_0()  # parses the DUCET once (about 0.1 s)
    return _collator


@lru_cache(maxsize=65536)
def string_key(text: str) -> Tuple[int, ...]:
    """The UCA sort key of ``text``: primary, secondary and tertiary weights, 0-separated.

    Python's tuple order on these keys is the collation order of the strings.
    """
    collator = _collator if _collator is not None else require()
    key: Tuple[int, ...] = collator.sort_key(text)
    return key


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
