"""Search queries: parsing the JSON query language and evaluating it.

:func:`parse_query` turns a query object (the ``"query"`` of a search
request) into a tree of :class:`Query` nodes and raises :class:`QueryError`
for anything malformed; :meth:`Query.evaluate` returns the matching documents
with scores (see :mod:`.scoring`) and term locations.

Query types, recognised by their keys as the server does: ``must``/``should``/
``must_not`` (boolean), ``conjuncts``, ``disjuncts`` (+ ``min``), ``terms``
(phrase), ``match_phrase``, ``match`` (+ ``fuzziness``, ``prefix_length``,
``operator``), ``term`` (+ ``fuzziness``), ``prefix``, ``wildcard``,
``regexp``, ``query`` (query string, :mod:`.querystring`), ``min``/``max``
(numeric range, ``inclusive_min`` default true, ``inclusive_max`` default
false), ``start``/``end`` (date range), ``match_all``, ``match_none``,
``ids`` (docid).  Every type takes ``boost``; text types take ``field``
(default: the composite ``_all``).
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

from .analysis import analyze
from .inverted import ALL, InvertedIndex, Loc, parse_date
from .scoring import term_score

__all__ = ["QueryError", "Match", "Query", "parse_query"]

MAX_FUZZINESS = 2
_ANALYZERS = {"standard", "simple", "en", "default", "keyword"}


class QueryError(ValueError):
    """A malformed query (the server answers it as a "QueryBleve parsing" error)."""


class Match:
    """One matching document: its score and the term locations that matched."""

    __slots__ = ("score", "locs")

    def __init__(self, score: float, locs: Optional[List[Tuple[str, Loc]]] = None) -> None:
        self.score = score
        self.locs = locs

    def add(self, other: "Match") -> None:
        self.score += other.score
        if other.locs:
            self.locs = (self.locs or []) + other.locs


Matches = Dict[str, Match]


class Query:
    """A node of a parsed query; ``evaluate(index)`` gives ``{doc id: Match}``."""

    boost = 1.0

    def evaluate(self, index: InvertedIndex) -> Matches:
        raise NotImplementedError


# ----------------------------------------------------------------------------- helpers


def _boost(raw: Dict[str, Any]) -> float:
    value = raw.get("boost", 1.0)
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise QueryError(f"boost must be a number, got {value!r}")
    return float(value)


def _field(raw: Dict[str, Any]) -> str:
    value = raw.get("field")
    if value is None or value == "":
        return ALL
    if not isinstance(value, str):
        raise QueryError(f"field must be a string, got {value!r}")
    return value


def _string(raw: Dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise QueryError(f"{key} must be a string, got {value!r}")
    return value


def _int(raw: Dict[str, Any], key: str, default: int) -> int:
    value = raw.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < 0:
        raise QueryError(f"{key} must be a non-negative integer, got {value!r}")
    return int(value)


def _fuzziness(raw: Dict[str, Any]) -> int:
    value = _int(raw, "fuzziness", 0)
    if value > MAX_FUZZINESS:
        raise QueryError(f"fuzziness exceeds max ({MAX_FUZZINESS})")
    return value


def _analyze(raw: Dict[str, Any], text: str) -> List[str]:
    analyzer = raw.get("analyzer") or "standard"
    if analyzer not in _ANALYZERS:
        raise QueryError(f"no analyzer named '{analyzer}' registered")
    if analyzer == "keyword":
        return [text] if text else []
    return [t.term for t in analyze(text)]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _score_terms(index: InvertedIndex, field: str, terms: List[str], boost: float) -> Matches:
    """Sum of the tf-idf scores of ``terms`` (an OR) in ``field``."""
    out: Matches = {}
    postings = index.field_terms(field)
    count = index.doc_count
    for term in terms:
        docs = postings.get(term)
        if not docs:
            continue
        df = len(docs)
        for doc_id, locs in docs.items():
            score = term_score(len(locs), df, count, index.field_length(field, doc_id), boost)
            m = Match(score, [(term, loc) for loc in locs])
            if doc_id in out:
                out[doc_id].add(m)
            else:
                out[doc_id] = m
    return out


def _expand(index: InvertedIndex, field: str, accept: Callable[[str], bool]) -> List[str]:
    return [t for t in index.field_terms(field) if accept(t)]


# ----------------------------------------------------------------------------- leaf queries


class TermQuery(Query):
    def __init__(self, raw: Dict[str, Any]) -> None:
        self.term = _string(raw, "term")
        self.field = _field(raw)
        self.fuzziness = _fuzziness(raw)
        self.prefix_length = _int(raw, "prefix_length", 0)
        self.boost = _boost(raw)

    def evaluate(self, index: InvertedIndex) -> Matches:
        return _score_terms(index, self.field, _fuzzy_terms(index, self.field, self.term, self.fuzziness,
                                                             self.prefix_length), self.boost)


def _fuzzy_terms(index: InvertedIndex, field: str, term: str, fuzziness: int,
                 prefix_length: int) -> List[str]:
    if not fuzziness:
        return [term]
    prefix = term[:prefix_length]
    return _expand(index, field,
                   lambda t: t.startswith(prefix) and edit_distance(t, term, fuzziness) <= fuzziness)


class MatchQuery(Query):
    def __init__(self, raw: Dict[str, Any]) -> None:
        self.text = _string(raw, "match")
        self.field = _field(raw)
        self.terms = _analyze(raw, self.text)
        self.fuzziness = _fuzziness(raw)
        self.prefix_length = _int(raw, "prefix_length", 0)
        operator = raw.get("operator") or "or"
        if operator not in ("or", "and"):
            raise QueryError(f"operator must be 'or' or 'and', got {operator!r}")
        self.operator = operator
        self.boost = _boost(raw)

    def evaluate(self, index: InvertedIndex) -> Matches:
        per_term = [_score_terms(index, self.field, _fuzzy_terms(index, self.field, t, self.fuzziness,
                                                                 self.prefix_length), self.boost)
                    for t in dict.fromkeys(self.terms)]
        if not per_term:
            return {}
        return _conjoin(per_term) if self.operator == "and" else _disjoin(per_term, 1)


class PhraseQuery(Query):
    """Exact terms at consecutive positions of one field value (``terms`` or ``match_phrase``)."""

    def __init__(self, raw: Dict[str, Any], analyzed: bool) -> None:
        self.field = _field(raw)
        self.boost = _boost(raw)
        if analyzed:
            self.terms = _analyze(raw, _string(raw, "match_phrase"))
        else:
            terms = raw.get("terms")
            if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
                raise QueryError("terms must be an array of strings")
            if not terms:
                raise QueryError("phrase query must contain at least one term")
            self.terms = list(terms)

    def evaluate(self, index: InvertedIndex) -> Matches:
        if not self.terms:
            return {}
        postings = index.field_terms(self.field)
        lists = [postings.get(t) or {} for t in self.terms]
        if any(not docs for docs in lists):
            return {}
        base = _score_terms(index, self.field, list(dict.fromkeys(self.terms)), self.boost)
        out: Matches = {}
        first = lists[0]
        for doc_id in first:
            if not all(doc_id in docs for docs in lists[1:]):
                continue
            starts = {(loc[0], loc[4], loc[1]): loc for loc in first[doc_id]}
            hits: List[Tuple[str, Loc]] = []
            for (src, apos, pos), loc in starts.items():
                chain = [(self.terms[0], loc)]
                for offset, docs in enumerate(lists[1:], 1):
                    nxt = next((at for at in docs[doc_id]
                                if at[0] == src and at[4] == apos and at[1] == pos + offset), None)
                    if nxt is None:
                        break
                    chain.append((self.terms[offset], nxt))
                else:
                    hits.extend(chain)
            if hits:
                out[doc_id] = Match(base[doc_id].score, hits)
        return out


class PatternQuery(Query):
    """``prefix``, ``wildcard`` and ``regexp``: every term of the field that matches."""

    def __init__(self, raw: Dict[str, Any], kind: str) -> None:
        self.field = _field(raw)
        self.boost = _boost(raw)
        text = _string(raw, kind)
        if kind == "prefix":
            self.accept: Callable[[str], bool] = lambda t: t.startswith(text)
            return
        if kind == "wildcard":
            pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
        else:
            pattern = text
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise QueryError(f"error parsing regexp: {exc}") from None
        self.accept = lambda t: regex.fullmatch(t) is not None

    def evaluate(self, index: InvertedIndex) -> Matches:
        return _score_terms(index, self.field, _expand(index, self.field, self.accept), self.boost)


def _number(raw: Dict[str, Any], key: str) -> Optional[float]:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise QueryError(f"{key} must be a number, got {value!r}")
    return float(value)


def _flag(raw: Dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise QueryError(f"{key} must be a boolean, got {value!r}")
    return value


class RangeQuery(Query):
    """Numeric (``min``/``max``) or date (``start``/``end``) range; constant score."""

    def __init__(self, raw: Dict[str, Any], dates: bool) -> None:
        self.field = None if _field(raw) == ALL else _field(raw)
        self.boost = _boost(raw)
        self.dates = dates
        if dates:
            self.low = _date(raw, "start")
            self.high = _date(raw, "end")
            self.low_incl = _flag(raw, "inclusive_start", True)
            self.high_incl = _flag(raw, "inclusive_end", False)
            if self.low is None and self.high is None:
                raise QueryError("date range query must specify at least one of start/end")
        else:
            self.low = _number(raw, "min")
            self.high = _number(raw, "max")
            self.low_incl = _flag(raw, "inclusive_min", True)
            self.high_incl = _flag(raw, "inclusive_max", False)
            if self.low is None and self.high is None:
                raise QueryError("numeric range query must specify min or max")

    def contains(self, value: float) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_incl)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and not self.high_incl)):
            return False
        return True

    def evaluate(self, index: InvertedIndex) -> Matches:
        values = index.date_values(self.field) if self.dates else index.numeric_values(self.field)
        return {doc_id: Match(self.boost) for doc_id, vals in values.items()
                if any(self.contains(v) for v in vals)}


def _date(raw: Dict[str, Any], key: str) -> Optional[float]:
    value = raw.get(key)
    if value is None or value == "":
        return None
    when = parse_date(value) if isinstance(value, str) else None
    if when is None:
        raise QueryError(f"unable to parse datetime with any of the layouts, value: {value!r}")
    return when


class MatchAllQuery(Query):
    def __init__(self, raw: Dict[str, Any]) -> None:
        self.boost = _boost(raw)

    def evaluate(self, index: InvertedIndex) -> Matches:
        return {doc_id: Match(self.boost) for doc_id in index.doc_ids()}


class MatchNoneQuery(Query):
    def evaluate(self, index: InvertedIndex) -> Matches:
        return {}


class DocIdQuery(Query):
    def __init__(self, raw: Dict[str, Any]) -> None:
        ids = raw.get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise QueryError("ids must be an array of strings")
        self.ids = ids
        self.boost = _boost(raw)

    def evaluate(self, index: InvertedIndex) -> Matches:
        return {doc_id: Match(self.boost) for doc_id in dict.fromkeys(self.ids) if doc_id in index.stored}


# ----------------------------------------------------------------------------- compound queries


def _conjoin(parts: List[Matches]) -> Matches:
    if not parts:
        return {}
    smallest = min(parts, key=len)
    out: Matches = {}
    for doc_id in smallest:
        if all(doc_id in p for p in parts):
            m = Match(0.0)
            for p in parts:
                m.add(p[doc_id])
            out[doc_id] = m
    return out


def _disjoin(parts: List[Matches], minimum: int) -> Matches:
    counts: Dict[str, int] = {}
    out: Matches = {}
    for p in parts:
        for doc_id, m in p.items():
            counts[doc_id] = counts.get(doc_id, 0) + 1
            if doc_id in out:
                out[doc_id].add(m)
            else:
                out[doc_id] = Match(m.score, list(m.locs) if m.locs else None)
    total = len(parts)
    result: Matches = {}
    for doc_id, m in out.items():
        if counts[doc_id] >= max(minimum, 1):
            m.score *= counts[doc_id] / total
            result[doc_id] = m
    return result


def _scale(matches: Matches, boost: float) -> Matches:
    if boost != 1.0:
        for m in matches.values():
            m.score *= boost
    return matches


def _children(raw: Dict[str, Any], key: str) -> List[Query]:
    value = raw.get(key)
    if not isinstance(value, list):
        raise QueryError(f"{key} must be an array of queries")
    return [parse_query(q) for q in value]


class ConjunctionQuery(Query):
    def __init__(self, raw: Dict[str, Any]) -> None:
        self.children = _children(raw, "conjuncts")
        self.boost = _boost(raw)

    def evaluate(self, index: InvertedIndex) -> Matches:
        return _scale(_conjoin([c.evaluate(index) for c in self.children]), self.boost)


class DisjunctionQuery(Query):
    def __init__(self, raw: Dict[str, Any]) -> None:
        self.children = _children(raw, "disjuncts")
        self.min = _int(raw, "min", 0)
        if self.min > len(self.children):
            raise QueryError("disjunction query has fewer than the minimum number of clauses to satisfy")
        self.boost = _boost(raw)

    def evaluate(self, index: InvertedIndex) -> Matches:
        return _scale(_disjoin([c.evaluate(index) for c in self.children], self.min), self.boost)


class BooleanQuery(Query):
    """``must`` (all), ``should`` (at least ``min``, or optional next to ``must``), ``must_not``."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        self.must = _clause(raw.get("must"), ConjunctionQuery, "conjuncts")
        self.should = _clause(raw.get("should"), DisjunctionQuery, "disjuncts")
        self.must_not = _clause(raw.get("must_not"), DisjunctionQuery, "disjuncts")
        if self.must is None and self.should is None and self.must_not is None:
            raise QueryError("boolean query must have at least one of must, should or must_not")
        self.boost = _boost(raw)

    def evaluate(self, index: InvertedIndex) -> Matches:
        if self.must is not None:
            result = self.must.evaluate(index)
        elif self.should is not None:
            result = None
        else:
            result = {doc_id: Match(1.0) for doc_id in index.doc_ids()}
        if self.should is not None:
            should = self.should.evaluate(index)
            minimum = getattr(self.should, "min", 0)
            if result is None:
                result = should
            elif minimum > 0:
                result = {d: m for d, m in result.items() if d in should}
            for doc_id, m in result.items():
                if doc_id in should and m is not should[doc_id]:
                    m.add(should[doc_id])
        assert result is not None
        if self.must_not is not None:
            excluded = self.must_not.evaluate(index)
            result = {d: m for d, m in result.items() if d not in excluded}
        return _scale(result, self.boost)


def _clause(raw: Any, wrapper: Callable[[Any], Query], key: str) -> Optional[Query]:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise QueryError("boolean clauses must be query objects")
    if key in raw:
        return wrapper(raw)
    # A bare query in a clause is treated as a one-element compound.
    return wrapper({key: [raw]})


# ----------------------------------------------------------------------------- dispatch


def parse_query(raw: Any) -> Query:
    """Parse a JSON query object into a :class:`Query` (QueryError if malformed)."""
    if not isinstance(raw, dict):
        raise QueryError(f"query must be an object, got {type(raw).__name__}")
    if any(k in raw for k in ("must", "should", "must_not")):
        return BooleanQuery(raw)
    if "conjuncts" in raw:
        return ConjunctionQuery(raw)
    if "disjuncts" in raw:
        return DisjunctionQuery(raw)
    if "terms" in raw:
        return PhraseQuery(raw, analyzed=False)
    if "match_phrase" in raw:
        return PhraseQuery(raw, analyzed=True)
    if "match" in raw:
        return MatchQuery(raw)
    if "term" in raw:
        return TermQuery(raw)
    for kind in ("prefix", "wildcard", "regexp"):
        if kind in raw:
            return PatternQuery(raw, kind)
    if "query" in raw:
        from .querystring import parse_query_string

        return parse_query(parse_query_string(_string(raw, "query"), _boost(raw)))
    if "min" in raw or "max" in raw:
        return RangeQuery(raw, dates=False)
    if "start" in raw or "end" in raw:
        return RangeQuery(raw, dates=True)
    if "match_all" in raw:
        return MatchAllQuery(raw)
    if "match_none" in raw:
        return MatchNoneQuery()
    if "ids" in raw:
        return DocIdQuery(raw)
    raise QueryError("unknown query type")
