"""Full-text search: query classes, options → request payload, blocking result.

``cluster.search_query("idx", MatchQuery("swanky"), SearchOptions(limit=10))``.
Each query class renders the JSON the search service expects.
"""
from __future__ import annotations

import dataclasses
import enum
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from couchbase import options as _o
from couchbase._streaming import BlockingRows
from couchbase.exceptions import InvalidArgumentException
from couchbase.options import SearchOptions  # noqa: F401 - importable from here, as the 3.x SDK had it

SEARCH_OPTIONS = frozenset({
    "limit", "skip", "explain", "fields", "sort", "facets", "highlight_style", "highlight_fields",
    "scan_consistency", "timeout", "raw", "include_locations", "collections",
})


class SearchQuery:
    """Base of every search query; ``encodable`` is its JSON form."""

    def __init__(self, **fields: Any) -> None:
        self._json: Dict[str, Any] = {k: v for k, v in fields.items() if v is not None}

    def set_boost(self, boost: float) -> "SearchQuery":
        self._json["boost"] = boost
        return self

    boost = property(lambda self: self._json.get("boost"), set_boost)  # type: ignore[arg-type]  # chainable setter

    @property
    def encodable(self) -> Dict[str, Any]:
        return dict(self._json)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._json!r})"


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentException(message=f"{name} must be a str, got {type(value).__name__}")
    return value


class MatchOperator(enum.Enum):
    """How the terms of a MatchQuery combine (``MatchQuery("a b", operator=MatchOperator.AND)``)."""

    OR = "or"
    AND = "and"


class MatchQuery(SearchQuery):
    """Analyzed text match; ``operator`` is a MatchOperator (or ``"or"``/``"and"``)."""

    def __init__(self, match: str, field: Optional[str] = None, analyzer: Optional[str] = None,
                 fuzziness: Optional[int] = None, prefix_length: Optional[int] = None,
                 boost: Optional[float] = None, operator: Any = None) -> None:
        if operator is not None:
            operator = getattr(operator, "value", operator)
            if operator not in ("or", "and"):
                raise InvalidArgumentException(message=f"operator must be a MatchOperator, got {operator!r}")
        super().__init__(match=_text("match", match), field=field, analyzer=analyzer, fuzziness=fuzziness,
                         prefix_length=prefix_length, boost=boost, operator=operator)


class TermQuery(SearchQuery):
    """Exact (unanalyzed) term."""

    def __init__(self, term: str, field: Optional[str] = None, fuzziness: Optional[int] = None,
                 prefix_length: Optional[int] = None, boost: Optional[float] = None) -> None:
        super().__init__(term=_text("term", term), field=field, fuzziness=fuzziness,
                         prefix_length=prefix_length, boost=boost)


class MatchPhraseQuery(SearchQuery):
    """Analyzed phrase."""

    def __init__(self, match_phrase: str, field: Optional[str] = None, analyzer: Optional[str] = None,
                 boost: Optional[float] = None) -> None:
        super().__init__(match_phrase=_text("match_phrase", match_phrase), field=field, analyzer=analyzer,
                         boost=boost)


class PhraseQuery(SearchQuery):
    """Exact sequence of terms."""

    def __init__(self, *terms: str, field: Optional[str] = None, boost: Optional[float] = None) -> None:
        if not terms:
            raise InvalidArgumentException(message="PhraseQuery needs at least one term")
        super().__init__(terms=[_text("term", t) for t in terms], field=field, boost=boost)


class PrefixQuery(SearchQuery):
    """Terms starting with a prefix."""

    def __init__(self, prefix: str, field: Optional[str] = None, boost: Optional[float] = None) -> None:
        super().__init__(prefix=_text("prefix", prefix), field=field, boost=boost)


class WildcardQuery(SearchQuery):
    """Terms matching a pattern with ``*`` (any run) and ``?`` (one character)."""

    def __init__(self, wildcard: str, field: Optional[str] = None, boost: Optional[float] = None) -> None:
        super().__init__(wildcard=_text("wildcard", wildcard), field=field, boost=boost)


class RegexQuery(SearchQuery):
    """Terms matching a regular expression (whole-term match)."""

    def __init__(self, regexp: str, field: Optional[str] = None, boost: Optional[float] = None) -> None:
        super().__init__(regexp=_text("regexp", regexp), field=field, boost=boost)


class DocIdQuery(SearchQuery):
    """Documents with the given ids."""

    def __init__(self, *ids: str, boost: Optional[float] = None) -> None:
        if not ids:
            raise InvalidArgumentException(message="DocIdQuery needs at least one id")
        super().__init__(ids=[_text("id", i) for i in ids], boost=boost)


class DateRangeQuery(SearchQuery):
    """Date-times (RFC 3339 strings) between ``start`` and ``end``."""

    def __init__(self, start: Optional[str] = None, end: Optional[str] = None,
                 start_inclusive: Optional[bool] = None, end_inclusive: Optional[bool] = None,
                 field: Optional[str] = None, boost: Optional[float] = None) -> None:
        if start is None and end is None:
            raise InvalidArgumentException(message="DateRangeQuery needs start or end")
        super().__init__(start=start, end=end, inclusive_start=start_inclusive, inclusive_end=end_inclusive,
                         field=field, boost=boost)


class QueryStringQuery(SearchQuery):
    """The query-string syntax (``+name:x -age:>30``)."""

    def __init__(self, query: str, boost: Optional[float] = None) -> None:
        super().__init__(query=_text("query", query), boost=boost)


class NumericRangeQuery(SearchQuery):
    """Numbers between ``min`` and ``max``."""

    def __init__(self, min: Optional[float] = None, max: Optional[float] = None,  # noqa: A002
                 min_inclusive: Optional[bool] = None, max_inclusive: Optional[bool] = None,
                 field: Optional[str] = None, boost: Optional[float] = None) -> None:
        if min is None and max is None:
            raise InvalidArgumentException(message="NumericRangeQuery needs min or max")
        super().__init__(min=min, max=max, inclusive_min=min_inclusive, inclusive_max=max_inclusive,
                         field=field, boost=boost)


class MatchAllQuery(SearchQuery):
    def __init__(self) -> None:
        super().__init__(match_all=None)
        self._json["match_all"] = None


class MatchNoneQuery(SearchQuery):
    def __init__(self) -> None:
        super().__init__()
        self._json["match_none"] = None


def _queries(name: str, queries: Iterable[Any]) -> List[Dict[str, Any]]:
    out = []
    for q in queries:
        if not isinstance(q, SearchQuery):
            raise InvalidArgumentException(message=f"{name} takes SearchQuery objects, got {q!r}")
        out.append(q.encodable)
    return out


class ConjunctionQuery(SearchQuery):
    """All of the sub-queries."""

    def __init__(self, *queries: SearchQuery, boost: Optional[float] = None) -> None:
        super().__init__(conjuncts=_queries("ConjunctionQuery", queries), boost=boost)


class DisjunctionQuery(SearchQuery):
    """At least ``min`` (default 1) of the sub-queries."""

    def __init__(self, *queries: SearchQuery, min: Optional[int] = None,  # noqa: A002
                 boost: Optional[float] = None) -> None:
        super().__init__(disjuncts=_queries("DisjunctionQuery", queries), min=min, boost=boost)


class BooleanQuery(SearchQuery):
    """``must`` (conjunction), ``should`` (disjunction), ``must_not`` (disjunction)."""

    def __init__(self, must: Any = None, should: Any = None, must_not: Any = None) -> None:
        def wrap(value: Any, cls: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, SearchQuery) and not isinstance(value, (ConjunctionQuery, DisjunctionQuery)):
                value = cls(value)
            elif isinstance(value, (list, tuple)):
                value = cls(*value)
            return value.encodable

        super().__init__(must=wrap(must, ConjunctionQuery), should=wrap(should, DisjunctionQuery),
                         must_not=wrap(must_not, DisjunctionQuery))


class SearchScanConsistency(enum.Enum):
    NOT_BOUNDED = "not_bounded"
    REQUEST_PLUS = "request_plus"


class Facet:
    """Base of facets: ``field`` and ``limit``."""

    def __init__(self, field: str, limit: int = 10, **extra: Any) -> None:
        self.encodable: Dict[str, Any] = {"field": _text("field", field), "size": limit, **extra}


class TermFacet(Facet):
    pass


class NumericRangeFacet(Facet):
    def __init__(self, field: str, limit: int = 10) -> None:
        super().__init__(field, limit, numeric_ranges=[])

    def add_range(self, name: str, min: Optional[float] = None,  # noqa: A002
                  max: Optional[float] = None) -> "NumericRangeFacet":  # noqa: A002
        rng: Dict[str, Any] = {"name": name}
        if min is not None:
            rng["min"] = min
        if max is not None:
            rng["max"] = max
        self.encodable["numeric_ranges"].append(rng)
        return self


def build_payload(index: str, query: SearchQuery, args: Tuple[Any, ...],
                  kwargs: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(JSON body, merged options) of a search request."""
    _text("index", index)
    if not isinstance(query, SearchQuery):
        raise InvalidArgumentException(message=f"search_query needs a SearchQuery, got {query!r}")
    opts = _o.merge("search_query", SEARCH_OPTIONS, args, kwargs)
    body: Dict[str, Any] = {"indexName": index, "query": query.encodable}
    if "limit" in opts:
        body["size"] = int(opts["limit"])
    if "skip" in opts:
        body["from"] = int(opts["skip"])
    if "explain" in opts:
        body["explain"] = bool(opts["explain"])
    if opts.get("fields"):
        body["fields"] = list(opts["fields"])
    if opts.get("sort"):
        body["sort"] = list(opts["sort"])
    if opts.get("facets"):
        body["facets"] = {name: f.encodable if isinstance(f, Facet) else f
                          for name, f in opts["facets"].items()}
    if opts.get("highlight_style") or opts.get("highlight_fields"):
        hl: Dict[str, Any] = {}
        if opts.get("highlight_style"):
            hl["style"] = getattr(opts["highlight_style"], "value", opts["highlight_style"])
        if opts.get("highlight_fields"):
            hl["fields"] = list(opts["highlight_fields"])
        body["highlight"] = hl
    if opts.get("include_locations"):
        body["includeLocations"] = True
    if opts.get("collections"):
        body["collections"] = list(opts["collections"])
    ctl: Dict[str, Any] = {}
    if opts.get("timeout") is not None:
        ctl["timeout"] = int(_o.to_seconds("timeout", opts["timeout"]) * 1000)
    if opts.get("scan_consistency") is not None:
        sc = opts["scan_consistency"]
        ctl["consistency"] = {"level": "at_plus" if getattr(sc, "value", sc) == "request_plus" else ""}
    if ctl:
        body["ctl"] = ctl
    body.update(opts.get("raw") or {})
    return body, opts


class HighlightStyle(enum.Enum):
    """``SearchOptions(highlight_style=HighlightStyle.Html)``."""

    Ansi = "ansi"
    Html = "html"


@dataclasses.dataclass
class SearchTermFacet:
    term: Optional[str] = None
    count: Optional[int] = None


@dataclasses.dataclass
class SearchNumericRangeFacet:
    name: Optional[str] = None
    count: Optional[int] = None
    min: Optional[float] = None
    max: Optional[float] = None


@dataclasses.dataclass
class SearchDateRangeFacet:
    name: Optional[str] = None
    count: Optional[int] = None
    start: Optional[str] = None
    end: Optional[str] = None


class SearchFacetResult(dict):  # type: ignore[type-arg]
    """One facet of a search result (SDK 4.x attributes ``name``, ``field``, ``total``, ``missing``,
    ``other``, ``terms``, ``numeric_ranges``, ``date_ranges``); also the raw dict the service sent."""

    def __init__(self, name: str, raw: Mapping[str, Any]) -> None:
        super().__init__(raw)
        self.name = name

    field = property(lambda self: self.get("field"))
    total = property(lambda self: self.get("total"))
    missing = property(lambda self: self.get("missing"))
    other = property(lambda self: self.get("other"))

    @property
    def terms(self) -> List[SearchTermFacet]:
        return [SearchTermFacet(t.get("term"), t.get("count")) for t in self.get("terms") or []]

    @property
    def numeric_ranges(self) -> List[SearchNumericRangeFacet]:
        return [SearchNumericRangeFacet(r.get("name"), r.get("count"), r.get("min"), r.get("max"))
                for r in self.get("numeric_ranges") or []]

    @property
    def date_ranges(self) -> List[SearchDateRangeFacet]:
        return [SearchDateRangeFacet(r.get("name"), r.get("count"), r.get("start"), r.get("end"))
                for r in self.get("date_ranges") or []]


class SearchRow:
    """One hit: ``id``, ``score``, ``index``, ``fields``, ``locations``, ``explanation``."""

    __slots__ = ("id", "score", "index", "fields", "locations", "explanation", "fragments")

    def __init__(self, hit: Mapping[str, Any]) -> None:
        self.id = hit.get("id")
        self.score = hit.get("score")
        self.index = hit.get("index")
        self.fields = hit.get("fields") or {}
        self.locations = hit.get("locations") or {}
        self.explanation = hit.get("explanation") or {}
        self.fragments = hit.get("fragments") or {}

    def __repr__(self) -> str:
        return f"SearchRow(id={self.id!r}, score={self.score!r})"


class SearchMetaData:
    """``total_hits``, ``max_score``, ``took`` and the shard status of a search."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)
        status = raw.get("status") or {}
        self.total_hits = raw.get("total_hits", 0)
        self.max_score = raw.get("max_score", 0.0)
        self.took = raw.get("took", 0)
        self.success_partition_count = status.get("successful", 0) if isinstance(status, dict) else 0
        self.error_partition_count = status.get("failed", 0) if isinstance(status, dict) else 0
        self.errors = status.get("errors", {}) if isinstance(status, dict) else {}

    def metrics(self) -> Dict[str, Any]:
        return {"total_rows": self.total_hits, "max_score": self.max_score, "took": self.took}

    def raw(self) -> Dict[str, Any]:
        return dict(self._raw)

    def __repr__(self) -> str:
        return f"SearchMetaData(total_hits={self.total_hits}, max_score={self.max_score})"


class SearchResult(BlockingRows):
    """Hits as they arrive (``SearchRow``); ``metadata()`` and ``facets()`` once read."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        for hit in super().__iter__():
            yield SearchRow(hit) if isinstance(hit, Mapping) else hit

    def metadata(self) -> SearchMetaData:
        return SearchMetaData(self._finish())

    def facets(self) -> Dict[str, SearchFacetResult]:
        """``{name: SearchFacetResult}`` once the hits are read."""
        return {name: SearchFacetResult(name, raw)
                for name, raw in (self._finish().get("facets") or {}).items()}
