"""The standard analyzer of the mock's search service.

Text is split on every character that is not a letter or digit (Unicode aware)
and lower-cased; no stop words, no stemming.  Each token keeps its 1-based
position and its byte-free character offsets (``start``/``end`` into the
original string), which the hit ``locations`` report.
"""
from __future__ import annotations

import re
from typing import List, NamedTuple

__all__ = ["Token", "analyze", "terms"]

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class Token(NamedTuple):
    """One analyzed term of a text value."""

    term: str
    pos: int
    start: int
    end: int


def analyze(text: str) -> List[Token]:
    """Tokens of ``text``: lower-cased runs of letters and digits."""
    return [Token(m.group().lower(), i, m.start(), m.end()) for i, m in enumerate(_WORD.finditer(text), 1)]


def terms(text: str) -> List[str]:
    """Just the terms of :func:`analyze`."""
    return [m.group().lower() for m in _WORD.finditer(text)]
