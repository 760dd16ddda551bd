"""Tokenizer for the SQL++ (N1QL) subset: identifiers (plain and
`back-quoted`), strings ('..' and "..", doubled quotes and backslash escapes),
numbers, parameters ($1, $name, ?), operators and comments.

Keywords are plain identifiers here; the parser compares them
case-insensitively. Bad input raises the server's syntax error (3000).
"""
from __future__ import annotations

import json
from typing import Any, List, NamedTuple, Union

from couchbase_mock.query.errors import syntax_error

__all__ = ["Token", "tokenize"]

_OPS = ("==", "!=", "<>", "<=", ">=", "||", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", "{",
        "}", ",", ".", ":", ";")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "/": "/", "'": "'", '"': '"',
            "`": "`"}


class Token(NamedTuple):
    """``kind`` is IDENT, QIDENT, STRING, NUMBER, PARAM, OP or EOF; ``pos`` is the offset."""

    kind: str
    value: Union[str, int, float]
    pos: int
    text: str

    def is_kw(self, *words: str) -> bool:
        return self.kind == "IDENT" and str(self.value).upper() in words


def _quoted(src: str, i: int, quote: str) -> tuple[Any, ...]:
    out = []
    j = i + 1
    while True:
        if j >= len(src):
            raise syntax_error("end of input (unterminated quoted text)")
        c = src[j]
        if c == quote:
            if j + 1 < len(src) and src[j + 1] == quote:
                out.append(quote)
                j += 2
                continue
            return "".join(out), j + 1
        if c == "\\" and j + 1 < len(src):
            n = src[j + 1]
            if n == "u" and j + 5 < len(src):
                try:
                    out.append(json.loads('"\\u' + src[j + 2:j + 6] + '"'))
                except ValueError:
                    raise syntax_error(src[j:j + 6]) from None
                j += 6
                continue
            out.append(_ESCAPES.get(n, n))
            j += 2
            continue
        out.append(c)
        j += 1


def tokenize(src: str) -> List[Token]:
    """The tokens of ``src``, ending with an EOF token."""
    tokens: List[Token] = []
    i, n = 0, len(src)
    positional = 0
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
            continue
        if src.startswith("--", i):
            end = src.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                raise syntax_error("end of input (unterminated comment)")
            i = end + 2
            continue
        start = i
        if c in "'\"":
            value, i = _quoted(src, i, c)
            tokens.append(Token("STRING", value, start, src[start:i]))
        elif c == "`":
            value, i = _quoted(src, i, "`")
            tokens.append(Token("QIDENT", value, start, src[start:i]))
        elif c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            j = i
            while j < n and src[j].isdigit():
                j += 1
            is_float = False
            if j < n and src[j] == "." and (j + 1 >= n or src[j + 1].isdigit() or not src[j + 1].isalpha()):
                is_float = True
                j += 1
                while j < n and src[j].isdigit():
                    j += 1
            if j < n and src[j] in "eE":
                k = j + 1
                if k < n and src[k] in "+-":
                    k += 1
                if k < n and src[k].isdigit():
                    is_float = True
                    j = k
                    while j < n and src[j].isdigit():
                        j += 1
            text = src[i:j]
            tokens.append(Token("NUMBER", float(text) if is_float else int(text), start, text))
            i = j
        elif c == "$":
            j = i + 1
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            name = src[i + 1:j]
            if not name:
                raise syntax_error("$")
            tokens.append(Token("PARAM", int(name) if name.isdigit() else name, start, src[i:j]))
            i = j
        elif c == "?":
            positional += 1
            tokens.append(Token("PARAM", positional, start, "?"))
            i += 1
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (src[j].isalnum() or src[j] == "_"):
                j += 1
            tokens.append(Token("IDENT", src[i:j], start, src[i:j]))
            i = j
        else:
            for op in _OPS:
                if src.startswith(op, i):
                    tokens.append(Token("OP", op, start, op))
                    i += len(op)
                    break
            else:
                raise syntax_error(c)
    tokens.append(Token("EOF", "", n, "end of input"))
    return tokens
