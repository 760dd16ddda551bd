"""String functions, as the query service has them.

Like the server, LENGTH, POSITION, SUBSTR and the pads count UTF-8 bytes; their ``MB_`` variants
count characters (code points). Positions are 0-based (``...0``) or 1-based (``...1``).
"""
from __future__ import annotations

import re
import unicodedata
import urllib.parse
from typing import Any, List, Union

from couchbase_mock.query.functions._base import MISSING, VARIADIC, Registry, is_int, is_num, is_str, strict

__all__ = ["STRING_FUNCTIONS"]

WHITESPACE = " \t\n\f\r"  # the server's default trim set (not Python's: no \v, no Unicode spaces)
REPEAT_MAX = 20 * 1024 * 1024  # bytes: the server's result cap for REPEAT/LPAD without a quota


def _units(s: str, runes: bool) -> Union[str, bytes]:
    return s if runes else s.encode("utf-8")


def _text(u: Union[str, bytes]) -> str:
    return u if isinstance(u, str) else u.decode("utf-8", "replace")


def _trimmer(how: str) -> Any:
    def trim(s: str, chars: str = WHITESPACE) -> str:
        return {"l": s.lstrip, "r": s.rstrip, "b": s.strip}[how](chars) if chars else s

    return strict(is_str)(trim)


def _split(s: str, sep: Any = None) -> List[str]:
    if sep is None:
        return s.split()
    if sep == "":
        return list(s)
    return s.split(sep)


def _replace(s: str, old: str, new: str, n: Any = -1) -> Any:
    if not is_int(n):
        return None
    return s.replace(old, new, min(int(n), len(s) + 1) if n >= 0 else -1)


def _replace_call(args: List[Any]) -> Any:
    if any(a is MISSING for a in args):
        return MISSING
    if not all(is_str(a) for a in args[:3]) or (len(args) == 4 and not is_num(args[3])):
        return None
    return _replace(*args)


def _position(base: int, runes: bool) -> Any:
    def pos(s: str, sub: str) -> int:
        return _units(s, runes).find(_units(sub, runes)) + base  # type: ignore[arg-type]

    return strict(is_str)(pos)


def _substr(base: int, runes: bool) -> Any:
    def call(args: List[Any]) -> Any:
        if args[0] is MISSING or any(a is MISSING for a in args[1:]):
            return MISSING
        if not is_str(args[0]) or not all(is_int(a) for a in args[1:]):
            return None
        u = _units(args[0], runes)
        pos = int(args[1])
        if pos < 0:
            pos += len(u)
        elif pos > 0 and base:
            pos -= base
        if pos < 0 or pos >= len(u):
            return None
        if len(args) == 2:
            return _text(u[pos:])
        length = int(args[2])
        return None if length < 0 else _text(u[pos:pos + length])

    return call


def _pad(right: bool, runes: bool) -> Any:
    def call(args: List[Any]) -> Any:
        if any(a is MISSING for a in args):
            return MISSING
        s, n = args[0], args[1]
        pad = args[2] if len(args) > 2 else " "
        if not (is_str(s) and is_str(pad) and is_int(n)) or n < 0 or pad == "":
            return None
        u, p, n = _units(s, runes), _units(pad, runes), int(n)
        if n > REPEAT_MAX:
            return None
        d = n - len(u)
        if d <= 0:
            return _text(u[:n])
        fill = (p * (d // len(p) + 1))[:d]
        return _text(u + fill if right else fill + u)  # type: ignore[operator]

    return call


def _is_separator(c: str) -> bool:
    """Go's strings.Title rule: ASCII letters, digits and underscore join a word, other ASCII
    separates; beyond ASCII letters and digits join, spaces separate."""
    if c.isascii():
        return not (c.isalnum() or c == "_")
    if c.isalpha() or c.isdigit():
        return False
    return c.isspace()


def _title(s: str) -> str:
    out, prev = [], " "
    for c in _lower(s):
        out.append(c.upper() if _is_separator(prev) else c)
        prev = c
    return "".join(out)


def _reverse(s: str) -> str:
    """Characters in reverse order, each keeping the combining marks that follow it."""
    groups: List[str] = []
    for c in s:
        if groups and unicodedata.category(c) in ("Mn", "Me", "Mc"):
            groups[-1] += c
        else:
            groups.append(c)
    return "".join(reversed(groups))


def _lower(s: str) -> str:
    """Go's ToLower: rune by rune (Python's special cases such as İ -> i̇ do not apply)."""
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in s)


def _upper(s: str) -> str:
    """Go's ToUpper: rune by rune (ß stays ß; Python would write SS)."""
    return "".join(c if len(c.upper()) != 1 else c.upper() for c in s)


def _url_decode(s: str) -> Any:
    """Go's QueryUnescape: + is a space, %XX a byte; a broken escape gives NULL."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", s):
        return None
    return urllib.parse.unquote_plus(s, errors="replace")


def _concat(args: List[Any]) -> Any:
    if any(a is MISSING for a in args):
        return MISSING
    if not all(isinstance(a, str) for a in args):
        return None
    return "".join(args)


def _concat2(args: List[Any]) -> Any:
    """``CONCAT2(separator, arg, ...)``: strings, or arrays of strings, joined by the separator."""
    parts: List[str] = []
    null = not is_str(args[0])
    for a in args[1:]:
        if a is MISSING:
            return MISSING
        if is_str(a):
            parts.append(a)
        elif isinstance(a, list):
            for x in a:
                if x is MISSING:
                    return MISSING
                null = null or not is_str(x)
                parts.append(x)
        else:
            null = True
    if args[0] is MISSING:
        return MISSING
    return None if null else args[0].join(parts)


def _repeat(s: str, n: Any) -> Any:
    if not is_int(n) or n < 0 or n > REPEAT_MAX or len(s.encode("utf-8")) * n > REPEAT_MAX:
        return None
    return s * int(n)


def _suffixes(s: str) -> List[str]:
    return [s[i:] for i in range(len(s))]


STRING_FUNCTIONS: Registry = {
    "LOWER": (1, 1, strict(is_str)(_lower)),
    "UPPER": (1, 1, strict(is_str)(_upper)),
    "URLENCODE": (1, 1, strict(is_str)(lambda s: urllib.parse.quote_plus(s, safe=""))),
    "URLDECODE": (1, 1, strict(is_str)(_url_decode)),
    "LENGTH": (1, 1, strict(is_str)(lambda s: len(s.encode("utf-8")))),
    "MB_LENGTH": (1, 1, strict(is_str)(len)),
    "CONCAT": (2, VARIADIC, _concat),
    "CONCAT2": (2, VARIADIC, _concat2),
    "ARRAY_TO_STRING": (2, VARIADIC, _concat2),
    "CONTAINS": (2, 2, strict(is_str)(lambda s, sub: sub in s)),
    "TRIM": (1, 2, _trimmer("b")),
    "LTRIM": (1, 2, _trimmer("l")),
    "RTRIM": (1, 2, _trimmer("r")),
    "REPEAT": (2, 2, strict(is_str, is_num)(_repeat)),
    "SPLIT": (1, 2, strict(is_str)(_split)),
    "REPLACE": (3, 4, _replace_call),
    "TITLE": (1, 1, strict(is_str)(_title)),
    "INITCAP": (1, 1, strict(is_str)(_title)),
    "REVERSE": (1, 1, strict(is_str)(_reverse)),
    "SUFFIXES": (1, 1, strict(is_str)(_suffixes)),
    "LPAD": (2, 3, _pad(False, False)),
    "RPAD": (2, 3, _pad(True, False)),
    "MB_LPAD": (2, 3, _pad(False, True)),
    "MB_RPAD": (2, 3, _pad(True, True)),
}
for _name, _base, _runes in (("", 0, False), ("0", 0, False), ("1", 1, False)):
    STRING_FUNCTIONS["SUBSTR" + _name] = (2, 3, _substr(_base, False))
    STRING_FUNCTIONS["MB_SUBSTR" + _name] = (2, 3, _substr(_base, True))
for _name, _base in (("", 0), ("0", 0), ("1", 1)):
    for _stem in ("POSITION", "POS"):
        STRING_FUNCTIONS[_stem + _name] = (2, 2, _position(_base, False))
        STRING_FUNCTIONS["MB_" + _stem + _name] = (2, 2, _position(_base, True))
del _name, _base, _runes, _stem
