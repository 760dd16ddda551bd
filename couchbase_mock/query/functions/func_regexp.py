"""Regular expression functions (REGEXP_CONTAINS, _LIKE, _POSITION, _REPLACE, _MATCHES, _SPLIT).

Patterns are Go RE2 syntax, as on the server. The mock runs them with Python's ``re`` after
translating what RE2 spells differently (``[[:alpha:]]`` classes, ``\\z``, ``$`` as end of text);
what RE2 does not have (backreferences, lookaround) or ``re`` cannot do (``\\p{...}``, ``\\Q...\\E``)
is an evaluation error naming the pattern, as an invalid pattern is on the server. Positions count
UTF-8 bytes, like the server's; the replacement string is literal (``$1`` is not expanded).
"""
from __future__ import annotations

import functools
import re
from typing import Any, Iterator, List, Match, Pattern

from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.functions._base import MISSING, Registry, is_int, is_str, strict

__all__ = ["REGEXP_FUNCTIONS", "compile_re2"]

_POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
    "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_",
    "xdigit": "0-9A-Fa-f",
}
_UNSUPPORTED = [
    (re.compile(r"\(\?<?[=!]"), "lookaround assertions"),
    (re.compile(r"\\[1-9]"), "backreferences"),
    (re.compile(r"\\[pP]"), "Unicode classes (\\p)"),
    (re.compile(r"\\Q"), "\\Q...\\E quoting"),
]


def _error(pattern: str, why: str) -> QueryError:
    return QueryError(5010, f"Error evaluating projection - cause: error parsing regexp: {why}: `{pattern}`")


def _translate(pattern: str) -> str:
    multiline = re.search(r"\(\?[a-zA-Z]*m", pattern) is not None
    out: List[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append("\\Z" if nxt == "z" and not in_class else c + nxt)
            i += 2
            continue
        if in_class and pattern.startswith("[:", i):
            end = pattern.find(":]", i)
            name = pattern[i + 2:end] if end > 0 else ""
            negated = name.startswith("^")
            if name.lstrip("^") not in _POSIX or negated:
                raise _error(pattern, f"invalid character class range: `{pattern[i:end + 2]}`")
            out.append(_POSIX[name])
            i = end + 2
            continue
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            if pattern.startswith("[^]", i) or pattern.startswith("[]", i):
                out.append(pattern[i + 1:i + (3 if pattern[i + 1] == "^" else 2)].replace("]", "\\]"))
                i += 3 if pattern[i + 1] == "^" else 2
                continue
        elif c == "]" and in_class:
            in_class = False
            out.append(c)
        elif c == "$" and not in_class and not multiline:
            out.append("\\Z")  # RE2's $ is the end of the text; Python's also matches before a final \n
        else:
            out.append(c)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_re2(pattern: str) -> Pattern[str]:
    """``pattern`` (RE2 syntax) compiled for Python; QueryError 5010 if invalid or unsupported."""
    for finder, what in _UNSUPPORTED:
        if finder.search(pattern.replace("\\\\", "")):
            raise _error(pattern, f"{what} are not supported by Go's RE2 syntax or by the mock")
    try:
        return re.compile(_translate(pattern))
    except re.error as e:
        raise _error(pattern, str(e)) from None


def go_matches(rx: Pattern[str], s: str) -> Iterator[Match[str]]:
    """The matches Go's FindAll sees: Python's, less an empty match right where the previous
    match ended (Python 3.7+ keeps those; Go, and so the server, skips them)."""
    prev_end = -1
    for m in rx.finditer(s):
        if m.start() == m.end() == prev_end:
            continue
        prev_end = m.end()
        yield m


def _byte_pos(s: str, index: int) -> int:
    return len(s[:index].encode("utf-8"))


def _position(base: int) -> Any:
    def fn(s: str, pattern: str) -> int:
        m = compile_re2(pattern).search(s)
        return -1 if m is None else _byte_pos(s, m.start()) + base

    return strict(is_str)(fn)


def _replace(args: List[Any]) -> Any:
    if any(a is MISSING for a in args):
        return MISSING
    if not all(is_str(a) for a in args[:3]) or (len(args) == 4 and not is_int(args[3])):
        return None
    s, pattern, repl = args[:3]
    left = int(args[3]) if len(args) == 4 else len(s) + 1
    out, last = [], 0
    for m in go_matches(compile_re2(pattern), s):
        if left <= 0:
            break
        out.append(s[last:m.start()] + repl)
        last = m.end()
        left -= 1
    return "".join(out) + s[last:]


def _split(s: str, pattern: str) -> List[str]:
    """Go's Regexp.Split: the text between matches (capturing groups are not kept; an empty
    match at the very start does not split, one at the very end leaves no empty tail)."""
    rx = compile_re2(pattern)
    if not s:
        return [""] if pattern else []
    out, beg, end = [], 0, 0
    for m in go_matches(rx, s):
        end = m.start()
        if m.end() != 0:
            out.append(s[beg:end])
        beg = m.end()
    if end != len(s):
        out.append(s[beg:])
    return out


def _matches(s: str, pattern: str) -> List[str]:
    return [m.group(0) for m in go_matches(compile_re2(pattern), s)]


REGEXP_FUNCTIONS: Registry = {}
for _names, _spec in (
    (("REGEXP_CONTAINS", "REGEX_CONTAINS", "CONTAINS_REGEX", "CONTAINS_REGEXP"),
     (2, 2, strict(is_str)(lambda s, p: compile_re2(p).search(s) is not None))),
    (("REGEXP_LIKE", "REGEX_LIKE"),
     (2, 2, strict(is_str)(lambda s, p: compile_re2(p).fullmatch(s) is not None))),
    (("REGEXP_POSITION", "REGEXP_POS", "REGEXP_POSITION0", "REGEXP_POS0", "REGEX_POSITION", "REGEX_POS",
      "REGEX_POSITION0", "REGEX_POS0"), (2, 2, _position(0))),
    (("REGEXP_POSITION1", "REGEXP_POS1", "REGEX_POSITION1", "REGEX_POS1"), (2, 2, _position(1))),
    (("REGEXP_REPLACE", "REGEX_REPLACE"), (3, 4, _replace)),
    (("REGEXP_MATCHES",), (2, 2, strict(is_str)(_matches))),
    (("REGEXP_SPLIT",), (2, 2, strict(is_str)(_split))),
):
    for _n in _names:
        REGEXP_FUNCTIONS[_n] = _spec
del _names, _spec, _n
