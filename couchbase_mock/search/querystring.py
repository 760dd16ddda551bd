"""The query-string syntax (``{"query": "+a -b field:c"}``), translated to JSON queries.

Supported subset, clauses separated by white space:

* ``word`` -- a match query (analyzed); ``word~N`` fuzzy (N defaults to 1);
  ``wo*d``/``w?rd`` wildcard; ``/re.ex/`` regexp;
* ``"a phrase"`` -- a match_phrase query;
* ``field:clause`` restricts the clause to a field; ``field:>5``,
  ``field:>=5``, ``field:<5``, ``field:<=5`` are numeric ranges and
  ``field:5`` matches the text "5" or the number 5;
* a ``+`` prefix makes the clause required, ``-`` excluded, none optional
  (at least one optional clause must match when there is no required one);
* ``^N`` after a clause boosts it; ``\\`` escapes the next character.

The result is a boolean query object.  Syntax errors raise
:class:`~.query.QueryError`.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .query import QueryError

__all__ = ["parse_query_string"]

_SPECIAL = set('+-:"^~/()')


def _split(text: str) -> List[str]:
    """White-space separated clauses; quotes and /regexps/ keep their spaces."""
    clauses: List[str] = []
    cur: List[str] = []
    quote: Optional[str] = None
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if quote:
            cur.append(c)
            if c == quote:
                quote = None
        elif c == '"' or (c == "/" and (not cur or cur[-1] in (":", "+", "-"))):
            quote = c
            cur.append(c)
        elif c.isspace():
            if cur:
                clauses.append("".join(cur))
                cur = []
        else:
            cur.append(c)
        i += 1
    if quote:
        raise QueryError(f"syntax error: unterminated {'quoted string' if quote == chr(34) else 'regexp'}")
    if cur:
        clauses.append("".join(cur))
    return clauses


def _unescape(text: str) -> str:
    out: List[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _find_unescaped(text: str, char: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def _number(text: str) -> Optional[float]:
    try:
        return float(text)
    except ValueError:
        return None


def _boost_suffix(clause: str) -> Tuple[str, Optional[float]]:
    at = clause.rfind("^")
    if at <= 0 or clause[at - 1] == "\\":
        return clause, None
    value = _number(clause[at + 1:])
    if value is None:
        raise QueryError(f"syntax error: bad boost in {clause!r}")
    return clause[:at], value


def _clause(clause: str) -> Dict[str, Any]:
    body, boost = _boost_suffix(clause)
    field: Optional[str] = None
    if not body.startswith(('"', "/")):
        colon = _find_unescaped(body, ":")
        if colon == 0:
            raise QueryError(f"syntax error: missing field name in {clause!r}")
        if colon > 0:
            field, body = _unescape(body[:colon]), body[colon + 1:]
    if not body:
        raise QueryError(f"syntax error: nothing to search for in {clause!r}")
    query = _value(body, field, clause)
    if field is not None:
        query["field"] = field
    if boost is not None:
        query["boost"] = boost
    return query


def _value(body: str, field: Optional[str], clause: str) -> Dict[str, Any]:
    if body.startswith('"'):
        if len(body) < 2 or not body.endswith('"'):
            raise QueryError(f"syntax error: bad phrase in {clause!r}")
        return {"match_phrase": _unescape(body[1:-1])}
    if body.startswith("/"):
        if len(body) < 2 or not body.endswith("/"):
            raise QueryError(f"syntax error: bad regexp in {clause!r}")
        return {"regexp": body[1:-1]}
    for op in (">=", "<=", ">", "<"):
        if body.startswith(op):
            value = _number(body[len(op):])
            if value is None:
                raise QueryError(f"syntax error: expected a number after {op} in {clause!r}")
            if op[0] == ">":
                return {"min": value, "inclusive_min": op == ">="}
            return {"max": value, "inclusive_max": op == "<="}
    tilde = _find_unescaped(body, "~")
    if tilde > 0:
        fuzz_text = body[tilde + 1:]
        if fuzz_text and not fuzz_text.isdigit():
            raise QueryError(f"syntax error: bad fuzziness in {clause!r}")
        return {"match": _unescape(body[:tilde]), "fuzziness": int(fuzz_text or 1)}
    if any(c in body for c in "*?") and "\\" not in body:
        return {"wildcard": body}
    text = _unescape(body)
    number = _number(text)
    if number is not None and field is not None:
        return {"disjuncts": [{"match": text, "field": field},
                              {"min": number, "max": number, "inclusive_min": True, "inclusive_max": True,
                               "field": field}]}
    return {"match": text}


def parse_query_string(text: str, boost: float = 1.0) -> Dict[str, Any]:
    """The JSON query (a boolean query, or match_none when empty) for ``text``."""
    must: List[Dict[str, Any]] = []
    should: List[Dict[str, Any]] = []
    must_not: List[Dict[str, Any]] = []
    for clause in _split(text):
        target = should
        if clause[0] in "+-":
            target = must if clause[0] == "+" else must_not
            clause = clause[1:]
            if not clause:
                raise QueryError("syntax error: '+' or '-' must be followed by a clause")
        target.append(_clause(clause))
    if not (must or should or must_not):
        return {"match_none": {}}
    query: Dict[str, Any] = {}
    if must:
        query["must"] = {"conjuncts": must}
    if should:
        query["should"] = {"disjuncts": should, "min": 0 if must else 1}
    if must_not:
        query["must_not"] = {"disjuncts": must_not}
    if boost != 1.0:
        query["boost"] = boost
    return query
