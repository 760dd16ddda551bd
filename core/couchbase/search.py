"""Full-text search: query classes, options → request payload, blocking result.

``cluster.search_query("idx", MatchQuery("swanky"), SearchOptions(limit=10))``.
Each query class renders the JSON the search service expects.
"""
from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import logging
from typing import (
    TYPE_CHECKING,
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from couchbase import _observe
from couchbase import options as _o
from couchbase._streaming import BlockingRows
from couchbase.exceptions import InvalidArgumentException
from couchbase.options import SearchOptions  # noqa: F401 - importable from here, as the 3.x SDK had it

if TYPE_CHECKING:
    from couchbase.vector_search import VectorSearch

SEARCH_OPTIONS = frozenset({
    "limit", "skip", "explain", "fields", "sort", "facets", "highlight_style", "highlight_fields",
    "scan_consistency", "timeout", "raw", "include_locations", "collections",
    # SDK 4.x
    "disable_scoring", "consistent_with", "client_context_id", "show_request", "log_request",
    "log_response", "serializer", "scope_name", "span", "parent_span", "metrics",
})

_log = logging.getLogger("couchbase.search")


class SearchQuery:
    """Base of every search query; ``encodable`` is its JSON form.

    Args:
        **fields: The query's JSON fields (None values are left out).
    """

    def __init__(self, **fields: Any) -> None:
        self._json: Dict[str, Any] = {k: v for k, v in fields.items() if v is not None}

    def set_boost(self, boost: float) -> "SearchQuery":
        """Set the query's weight in the score.

        Args:
            boost: The weight.

        Returns:
            SearchQuery: This query (for chaining).

        Never raises.
        """
        self._json["boost"] = boost
        return self

    boost = property(lambda self: self._json.get("boost"), set_boost,  # type: ignore[arg-type]  # chainable setter
                     doc="The query's weight in the score, or None.")

    @property
    def encodable(self) -> Dict[str, Any]:
        """The query's JSON form (a copy)."""
        return dict(self._json)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._json!r})"


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentException(message=f"{name} must be a str, got {type(value).__name__}")
    return value


class MatchOperator(enum.Enum):
    """How the terms of a MatchQuery combine (``MatchQuery("a b", match_operator=MatchOperator.AND)``)."""

    OR = "or"
    AND = "and"


class MatchQuery(SearchQuery):
    """Analyzed text match.

    Args:
        match: The text to match (analyzed).
        field: The field to search (None: the index's default field).
        analyzer: The analyzer to use for the text (None: the field's).
        fuzziness: The maximum edit distance of a match (0: exact).
        prefix_length: Characters at the start of a term that must match exactly.
        boost: A weight of this query in the score.
        match_operator: How the terms combine: a MatchOperator (or ``"or"``/``"and"``).
        operator: This SDK's earlier name of ``match_operator``.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, match: str, field: Optional[str] = None, analyzer: Optional[str] = None,
                 fuzziness: Optional[int] = None, prefix_length: Optional[int] = None,
                 boost: Optional[float] = None, match_operator: Any = None, operator: Any = None) -> None:
        op = match_operator if match_operator is not None else operator
        if op is not None:
            op = getattr(op, "value", op)
            if op not in ("or", "and"):
                raise InvalidArgumentException(
                    message=f"match_operator must be a MatchOperator (or 'or'/'and'), got {op!r}")
        super().__init__(match=_text("match", match), field=field, analyzer=analyzer, fuzziness=fuzziness,
                         prefix_length=prefix_length, boost=boost, operator=op)

    @property
    def match_operator(self) -> Optional[MatchOperator]:
        """How the terms combine (MatchOperator), or None for the service's default."""
        op = self._json.get("operator")
        return MatchOperator(op) if op is not None else None


class TermQuery(SearchQuery):
    """Exact (unanalyzed) term.

    Args:
        term: The exact term.
        field: The field to search (None: the index's default field).
        fuzziness: The maximum edit distance of a match (0: exact).
        prefix_length: Characters at the start of a term that must match exactly.
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, term: str, field: Optional[str] = None, fuzziness: Optional[int] = None,
                 prefix_length: Optional[int] = None, boost: Optional[float] = None) -> None:
        super().__init__(term=_text("term", term), field=field, fuzziness=fuzziness,
                         prefix_length=prefix_length, boost=boost)


class MatchPhraseQuery(SearchQuery):
    """Analyzed phrase.

    Args:
        match_phrase: The phrase (analyzed).
        field: The field to search (None: the index's default field).
        analyzer: The analyzer to use for the text (None: the field's).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, match_phrase: str, field: Optional[str] = None, analyzer: Optional[str] = None,
                 boost: Optional[float] = None) -> None:
        super().__init__(match_phrase=_text("match_phrase", match_phrase), field=field, analyzer=analyzer,
                         boost=boost)


class PhraseQuery(SearchQuery):
    """Exact sequence of terms.

    Args:
        *terms: The terms, in order.
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, *terms: str, field: Optional[str] = None, boost: Optional[float] = None) -> None:
        if not terms:
            raise InvalidArgumentException(message="PhraseQuery needs at least one term")
        super().__init__(terms=[_text("term", t) for t in terms], field=field, boost=boost)


class PrefixQuery(SearchQuery):
    """Terms starting with a prefix.

    Args:
        prefix: The prefix.
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, prefix: str, field: Optional[str] = None, boost: Optional[float] = None) -> None:
        super().__init__(prefix=_text("prefix", prefix), field=field, boost=boost)


class WildcardQuery(SearchQuery):
    """Terms matching a pattern with ``*`` (any run) and ``?`` (one character).

    Args:
        wildcard: The pattern (``*``: any run, ``?``: one character).
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, wildcard: str, field: Optional[str] = None, boost: Optional[float] = None) -> None:
        super().__init__(wildcard=_text("wildcard", wildcard), field=field, boost=boost)


class RegexQuery(SearchQuery):
    """Terms matching a regular expression (whole-term match).

    Args:
        regexp: The regular expression (whole-term match).
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, regexp: str, field: Optional[str] = None, boost: Optional[float] = None) -> None:
        super().__init__(regexp=_text("regexp", regexp), field=field, boost=boost)


class DocIdQuery(SearchQuery):
    """Documents with the given ids.

    ``DocIdQuery("a", "b")``, or as SDK 4.x: ``DocIdQuery(["a", "b"])`` / ``DocIdQuery(ids=[...])``.

    Args:
        *ids: The document ids (or one list of them).
        boost: A weight of this query in the score.
        **kwargs: ``ids``: the document ids as a list (SDK 4.x's keyword).

    Raises:
        InvalidArgumentException: No id, or an id that is not a str.
    """

    def __init__(self, *ids: Any, boost: Optional[float] = None, **kwargs: Any) -> None:
        listed = _listed("DocIdQuery", ids, kwargs, "ids")
        if not listed:
            raise InvalidArgumentException(message="DocIdQuery needs at least one id")
        super().__init__(ids=[_text("id", i) for i in listed], boost=boost)

    @property
    def ids(self) -> List[str]:
        """The document ids."""
        return list(self._json["ids"])


class DateRangeQuery(SearchQuery):
    """Date-times (RFC 3339 strings) between ``start`` and ``end``.

    Args:
        start: The lower bound (None: open).
        end: The upper bound (None: open).
        start_inclusive: Whether ``start`` matches.
        end_inclusive: Whether ``end`` matches.
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, start: Optional[str] = None, end: Optional[str] = None,
                 start_inclusive: Optional[bool] = None, end_inclusive: Optional[bool] = None,
                 field: Optional[str] = None, boost: Optional[float] = None) -> None:
        if start is None and end is None:
            raise InvalidArgumentException(message="DateRangeQuery needs start or end")
        super().__init__(start=start, end=end, inclusive_start=start_inclusive, inclusive_end=end_inclusive,
                         field=field, boost=boost)


class QueryStringQuery(SearchQuery):
    """The query-string syntax (``+name:x -age:>30``).

    Args:
        query: The query string.
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, query: str, boost: Optional[float] = None) -> None:
        super().__init__(query=_text("query", query), boost=boost)


class NumericRangeQuery(SearchQuery):
    """Numbers between ``min`` and ``max``.

    Args:
        min: The lower bound (None: open).
        max: The upper bound (None: open).
        min_inclusive: Whether ``min`` matches.
        max_inclusive: Whether ``max`` matches.
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

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


class RawQuery(SearchQuery):
    """A query given as the search service's JSON, sent as is.

    Args:
        obj: The query's JSON (a dict).

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, obj: Mapping[str, Any]) -> None:
        if not isinstance(obj, Mapping):
            raise InvalidArgumentException(message=f"RawQuery takes a dict, got {type(obj).__name__}")
        super().__init__()
        self._json = dict(obj)


class BooleanFieldQuery(SearchQuery):
    """Documents whose boolean ``field`` is ``bool``.

    Args:
        bool: The value to match.
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, bool: bool, field: Optional[str] = None,  # noqa: A002
                 boost: Optional[float] = None) -> None:
        if not isinstance(bool, type(True)):
            raise InvalidArgumentException(message=f"BooleanFieldQuery takes a bool, got {bool!r}")
        super().__init__(bool=bool, field=field, boost=boost)


def _geo_point(name: str, value: Any) -> Any:
    """A geo point as the service takes it: ``[lon, lat]`` from a (lon, lat) pair, or a
    ``{"lon": .., "lat": ..}`` dict."""
    if isinstance(value, Mapping) and {"lon", "lat"} <= set(value):
        return {"lon": float(value["lon"]), "lat": float(value["lat"])}
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, type(True)) for v in value):
        return [float(value[0]), float(value[1])]
    raise InvalidArgumentException(message=f"{name} must be a (lon, lat) pair or a dict with lon and lat, "
                                           f"got {value!r}")


class GeoDistanceQuery(SearchQuery):
    """Points within ``distance`` (``"10mi"``, ``"5km"``) of ``location`` (lon, lat).

    Args:
        distance: The radius with its unit (``"10mi"``, ``"5km"``).
        location: The centre: a (lon, lat) pair or ``{"lon": .., "lat": ..}``.
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.
    """

    def __init__(self, distance: str, location: Any, field: Optional[str] = None,
                 boost: Optional[float] = None) -> None:
        super().__init__(distance=_text("distance", distance), location=_geo_point("location", location),
                         field=field, boost=boost)


class GeoBoundingBoxQuery(SearchQuery):
    """Points inside the box from ``top_left`` to ``bottom_right`` (each (lon, lat)).

    Args:
        top_left: The top left corner (lon, lat).
        bottom_right: The bottom right corner (lon, lat).
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.
    """

    def __init__(self, top_left: Any, bottom_right: Any, field: Optional[str] = None,
                 boost: Optional[float] = None) -> None:
        super().__init__(top_left=_geo_point("top_left", top_left),
                         bottom_right=_geo_point("bottom_right", bottom_right), field=field, boost=boost)


class GeoPolygonQuery(SearchQuery):
    """Points inside the polygon whose corners are ``polygon_points`` (each (lon, lat)).

    Args:
        polygon_points: At least three (lon, lat) points.
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, polygon_points: Sequence[Any], field: Optional[str] = None,
                 boost: Optional[float] = None) -> None:
        if not isinstance(polygon_points, (list, tuple)) or len(polygon_points) < 3:
            raise InvalidArgumentException(message="GeoPolygonQuery needs at least three points")
        super().__init__(polygon_points=[_geo_point("polygon point", p) for p in polygon_points],
                         field=field, boost=boost)


class TermRangeQuery(SearchQuery):
    """Terms between ``start`` and ``end`` (lexically).

    Args:
        start: The lower bound (None: open).
        end: The upper bound (None: open).
        start_inclusive: Whether ``start`` matches.
        end_inclusive: Whether ``end`` matches.
        field: The field to search (None: the index's default field).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, start: Optional[str] = None, end: Optional[str] = None,
                 start_inclusive: Optional[bool] = None, end_inclusive: Optional[bool] = None,
                 field: Optional[str] = None, boost: Optional[float] = None) -> None:
        if start is None and end is None:
            raise InvalidArgumentException(message="TermRangeQuery needs start or end")
        super().__init__(min=start, max=end, inclusive_min=start_inclusive, inclusive_max=end_inclusive,
                         field=field, boost=boost)


def _listed(name: str, items: Tuple[Any, ...], kwargs: Dict[str, Any], keyword: str) -> Sequence[Any]:
    """The items of a query given one by one or, as SDK 4.x also takes them, as one list (or by
    ``keyword``)."""
    extra = set(kwargs) - {keyword}
    if extra:
        raise InvalidArgumentException(message=f"{name} got unexpected arguments {sorted(extra)}")
    if keyword in kwargs:
        if items:
            raise InvalidArgumentException(message=f"{name} takes its {keyword} one way: given twice")
        items = (kwargs[keyword],)
    if len(items) == 1 and isinstance(items[0], (list, tuple)):
        return list(items[0])
    return items


def _queries(name: str, queries: Iterable[Any]) -> List[Dict[str, Any]]:
    out = []
    for q in queries:
        if not isinstance(q, SearchQuery):
            raise InvalidArgumentException(message=f"{name} takes SearchQuery objects, got {q!r}")
        out.append(q.encodable)
    return out


class ConjunctionQuery(SearchQuery):
    """All of the sub-queries.

    Args:
        *queries: The sub-queries (SearchQuery objects, or one list of them as SDK 4.x takes).
        boost: A weight of this query in the score.
    """

    def __init__(self, *queries: Any, boost: Optional[float] = None) -> None:
        super().__init__(conjuncts=_queries("ConjunctionQuery", _listed("ConjunctionQuery", queries, {}, "")),
                         boost=boost)


class DisjunctionQuery(SearchQuery):
    """At least ``min`` (default 1) of the sub-queries.

    Args:
        *queries: The sub-queries (SearchQuery objects, or one list of them as SDK 4.x takes).
        min: How many sub-queries must match at least (default 1).
        boost: A weight of this query in the score.

    Raises:
        InvalidArgumentException: A sub-query that is not a SearchQuery, or a bad ``min``.
    """

    def __init__(self, *queries: Any, min: Optional[int] = None,  # noqa: A002
                 boost: Optional[float] = None) -> None:
        super().__init__(disjuncts=_queries("DisjunctionQuery", _listed("DisjunctionQuery", queries, {}, "")),
                         boost=boost)
        if min is not None:
            self.min = min

    @property
    def min(self) -> int:
        """How many sub-queries must match at least (1 unless set; SDK 4.x)."""
        return int(self._json.get("min", 1))

    @min.setter
    def min(self, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidArgumentException(message=f"DisjunctionQuery min must be an int >= 0, got {value!r}")
        count = len(self._json["disjuncts"])
        if value > count:
            raise InvalidArgumentException(
                message=f"DisjunctionQuery min {value} is larger than its {count} queries")
        self._json["min"] = value


class BooleanQuery(SearchQuery):
    """``must`` (conjunction), ``should`` (disjunction), ``must_not`` (disjunction).

    Args:
        must: Queries that must all match (a ConjunctionQuery, a query, or a list of them).
        should: Queries of which some should match (a DisjunctionQuery, a query, or a list).
        must_not: Queries none of which may match (a DisjunctionQuery, a query, or a list).
    """

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
    """``NOT_BOUNDED`` or ``REQUEST_PLUS``; ``AT_PLUS`` comes from ``consistent_with=`` only."""

    NOT_BOUNDED = "not_bounded"
    REQUEST_PLUS = "request_plus"
    AT_PLUS = "at_plus"


# ---- facets ------------------------------------------------------------------------------
class Facet:
    """Base of facets: the ``field`` counted and how many buckets (``limit``) to return.

    Without a ``limit`` the service sends the facet's totals but no buckets (``terms``,
    ``numeric_ranges`` and ``date_ranges`` of the result are then None).

    Args:
        field: The field to search (None: the index's default field).
        limit: The most facet values to return.
        **extra: Other facet fields, sent as given.
    """

    def __init__(self, field: str, limit: Optional[int] = None, **extra: Any) -> None:
        self._json: Dict[str, Any] = {"field": _text("field", field), **extra}
        self.limit = limit

    @property
    def field(self) -> str:
        """The field the facet counts."""
        return str(self._json["field"])

    @field.setter
    def field(self, value: str) -> None:
        self._json["field"] = _text("field", value)

    @property
    def limit(self) -> Optional[int]:
        """The most values the facet returns, or None."""
        return self._json.get("size")

    @limit.setter
    def limit(self, value: Optional[int]) -> None:
        if value is None:
            self._json.pop("size", None)
            return
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidArgumentException(message=f"facet limit must be a non-negative int, got {value!r}")
        self._json["size"] = value

    @property
    def encodable(self) -> Dict[str, Any]:
        """The facet's JSON form (a copy)."""
        copy: Dict[str, Any] = json.loads(json.dumps(self._json))
        return copy

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._json!r})"


class TermFacet(Facet):
    """The most frequent terms of a field."""


class NumericFacet(Facet):
    """Counts of a numeric field's values in named ranges (``add_range(name, min=, max=)``).

    Args:
        field: The field to search (None: the index's default field).
        limit: The most facet values to return.
    """

    def __init__(self, field: str, limit: Optional[int] = None) -> None:
        super().__init__(field, limit, numeric_ranges=[])

    def add_range(self, name: str, min: Optional[float] = None,  # noqa: A002
                  max: Optional[float] = None) -> "NumericFacet":  # noqa: A002
        """Add the range [min, max) named ``name``.

        Args:
            name: The range's name.
            min: Its lower bound (None: open).
            max: Its upper bound (None: open).

        Returns:
            NumericFacet: This facet (for chaining).

        Raises:
            InvalidArgumentException: Neither bound, or a bad name.
        """
        if min is None and max is None:
            raise InvalidArgumentException(message=f"numeric range {name!r} needs min or max")
        rng: Dict[str, Any] = {"name": _text("range name", name)}
        if min is not None:
            rng["min"] = min
        if max is not None:
            rng["max"] = max
        self._json["numeric_ranges"].append(rng)
        return self

    @property
    def numeric_ranges(self) -> List[Dict[str, Any]]:
        """The ranges added so far (their JSON)."""
        return list(self._json["numeric_ranges"])


NumericRangeFacet = NumericFacet  # this SDK's earlier name


def _date_text(name: str, value: Any) -> str:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        text: str = value.isoformat()
        return text
    return _text(name, value)


class DateFacet(Facet):
    """Counts of a date field's values in named ranges (``add_range(name, start=, end=)``, RFC 3339
    strings or datetimes).

    Args:
        field: The field to search (None: the index's default field).
        limit: The most facet values to return.
    """

    def __init__(self, field: str, limit: Optional[int] = None) -> None:
        super().__init__(field, limit, date_ranges=[])

    def add_range(self, name: str, start: Any = None, end: Any = None) -> "DateFacet":
        """Add the range [start, end) named ``name``.

        Args:
            name: The range's name.
            start: Its start (RFC 3339 string or datetime; None: open).
            end: Its end (None: open).

        Returns:
            DateFacet: This facet (for chaining).

        Raises:
            InvalidArgumentException: Neither bound, or a bad value.
        """
        if start is None and end is None:
            raise InvalidArgumentException(message=f"date range {name!r} needs start or end")
        rng: Dict[str, Any] = {"name": _text("range name", name)}
        if start is not None:
            rng["start"] = _date_text("start", start)
        if end is not None:
            rng["end"] = _date_text("end", end)
        self._json["date_ranges"].append(rng)
        return self

    @property
    def date_ranges(self) -> List[Dict[str, Any]]:
        """The ranges added so far (their JSON)."""
        return list(self._json["date_ranges"])


# ---- sorts -------------------------------------------------------------------------------
class Sort:
    """Base of the sort specifications (``SearchOptions(sort=[SortScore(desc=True), "name"])``).

    Args:
        by: What to sort by (``score``, ``id``, ``field``, ``geo_distance``).
        desc: Descending order.
        **fields: Other fields of the sort, sent as given.
    """

    def __init__(self, by: str, desc: Optional[bool] = None, **fields: Any) -> None:
        if "descending" in fields:
            desc = fields.pop("descending")
        self._json: Dict[str, Any] = {"by": by}
        self._json.update({k: v for k, v in fields.items() if v is not None})
        if desc is not None:
            self.desc = desc

    @property
    def desc(self) -> Optional[bool]:
        """Whether the order is descending, or None for the default."""
        return self._json.get("desc")

    @desc.setter
    def desc(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise InvalidArgumentException(message=f"desc must be a bool, got {value!r}")
        self._json["desc"] = value

    descending = desc

    def as_encodable(self) -> Any:
        """The sort's JSON form.

        Returns:
            The JSON object (or string, for SortString).

        Never raises.
        """
        return dict(self._json)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._json!r})"


class SortScore(Sort):
    """By score (``desc=True``: best first).

    Args:
        desc: Descending order.
        **kwargs: Other fields, sent as given.
    """

    def __init__(self, desc: Optional[bool] = None, **kwargs: Any) -> None:
        super().__init__("score", desc, **kwargs)


class SortID(Sort):
    """By document id.

    Args:
        desc: Descending order.
        **kwargs: Other fields, sent as given.
    """

    def __init__(self, desc: Optional[bool] = None, **kwargs: Any) -> None:
        super().__init__("id", desc, **kwargs)


class SortField(Sort):
    """By a field's value: ``type`` (``auto``/``string``/``number``/``date``), ``mode``
    (``default``/``min``/``max``) and ``missing`` (``first``/``last``).

    Args:
        field: The field to search (None: the index's default field).
        type: How to read the field (``auto``, ``string``, ``number``, ``date``).
        mode: Which value of a multi-valued field (``default``, ``min``, ``max``).
        missing: Where documents without the field go (``first``, ``last``).
        desc: Descending order.
        **kwargs: Other fields, sent as given.
    """

    def __init__(self, field: str, type: Optional[str] = None, mode: Optional[str] = None,  # noqa: A002
                 missing: Optional[str] = None, desc: Optional[bool] = None, **kwargs: Any) -> None:
        super().__init__("field", desc, field=_text("field", field), type=type, mode=mode, missing=missing,
                         **kwargs)

    field = property(lambda self: self._json.get("field"),
                     lambda self, v: self._json.__setitem__("field", _text("field", v)),
                     doc="The field sorted by.")
    type = property(lambda self: self._json.get("type"), lambda self, v: self._json.__setitem__("type", v),
                    doc="How the field is read (``auto``, ``string``, ``number``, ``date``).")
    mode = property(lambda self: self._json.get("mode"), lambda self, v: self._json.__setitem__("mode", v),
                    doc="Which value of a multi-valued field (``default``, ``min``, ``max``).")
    missing = property(lambda self: self._json.get("missing"),
                       lambda self, v: self._json.__setitem__("missing", v),
                       doc="Where documents without the field go (``first``, ``last``).")


class SortGeoDistance(Sort):
    """By distance of a geo field from ``location`` ((lon, lat)), in ``unit`` (e.g. ``"meters"``).

    Args:
        location: The centre: a (lon, lat) pair or ``{"lon": .., "lat": ..}``.
        field: The geo field.
        unit: The distance unit.
        desc: Descending order.
        **kwargs: Other fields, sent as given.
    """

    def __init__(self, location: Any, field: str, unit: Optional[str] = None, desc: Optional[bool] = None,
                 **kwargs: Any) -> None:
        super().__init__("geo_distance", desc, location=_geo_point("location", location),
                         field=_text("field", field), unit=unit, **kwargs)

    location = property(lambda self: self._json.get("location"),
                        lambda self, v: self._json.__setitem__("location", _geo_point("location", v)),
                        doc="The centre distances are measured from.")
    field = property(lambda self: self._json.get("field"),
                     lambda self, v: self._json.__setitem__("field", _text("field", v)), doc="The geo field.")
    unit = property(lambda self: self._json.get("unit"), lambda self, v: self._json.__setitem__("unit", v),
                    doc="The distance unit.")


class SortString(Sort):
    """By a list of field names (``"-name"`` descending, ``"_score"``, ``"_id"``).

    Args:
        *fields: The sort fields (``-`` prefix: descending).
    """

    def __init__(self, *fields: str) -> None:
        super().__init__("string")
        self._fields = [_text("sort field", f) for f in fields]

    def as_encodable(self) -> Any:
        """The sort fields as the service takes them.

        Returns:
            list: The field names (``-`` prefix: descending).

        Never raises.
        """
        return list(self._fields)


class SortRaw(Sort):
    """A sort given as the service's JSON.

    Args:
        raw: The sort's JSON.

    Raises:
        InvalidArgumentException: A missing or malformed argument.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        if not isinstance(raw, Mapping):
            raise InvalidArgumentException(message="SortRaw takes a dict")
        super().__init__(str(raw.get("by", "")))
        self._json = dict(raw)


def _sort_specs(sort: Any) -> List[Any]:
    if isinstance(sort, (str, Sort)):
        sort = [sort]
    if not isinstance(sort, (list, tuple)):
        raise InvalidArgumentException(message=f"sort must be a list of str or Sort objects, got {sort!r}")
    out: List[Any] = []
    for spec in sort:
        if isinstance(spec, SortString):
            out.extend(spec.as_encodable())
        elif isinstance(spec, Sort):
            out.append(spec.as_encodable())
        elif isinstance(spec, (str, Mapping)):
            out.append(spec if isinstance(spec, str) else dict(spec))
        else:
            raise InvalidArgumentException(message=f"sort takes str or Sort objects, got {spec!r}")
    return out


def _facet_specs(facets: Any) -> Dict[str, Any]:
    if not isinstance(facets, Mapping):
        raise InvalidArgumentException(message="facets must be a dict of name -> Facet")
    out: Dict[str, Any] = {}
    for name, facet in facets.items():
        if isinstance(facet, Facet):
            out[name] = facet.encodable
        elif isinstance(facet, Mapping):
            out[name] = dict(facet)
        else:
            raise InvalidArgumentException(message=f"facet {name!r} must be a Facet, got {facet!r}")
    return out


class SearchRequest:
    """What ``cluster.search(index, request)`` runs (SDK 4.x): a search query, a vector search, or both.

    ``SearchRequest.create(MatchQuery("x"))``, ``SearchRequest.create(VectorSearch(...))``,
    ``SearchRequest(query).with_vector_search(vector_search)``. With both, the hits are the text
    query's and the vector search's together (a document in both scores the sum). A vector search
    needs Couchbase Server 7.6 or later: an older cluster refuses it when the search runs
    (FeatureUnavailableException).

    Args:
        query: A SearchQuery or a :class:`~couchbase.vector_search.VectorSearch`.
        vector_search: A VectorSearch to run with a SearchQuery ``query`` (this SDK's keyword).

    Raises:
        InvalidArgumentException: Neither a SearchQuery nor a VectorSearch, or two of a kind.
    """

    def __init__(self, query: Union[SearchQuery, "VectorSearch", None] = None,
                 vector_search: Optional["VectorSearch"] = None) -> None:
        from couchbase.vector_search import VectorSearch

        self._query: Optional[SearchQuery] = None
        self._vector_search: Optional[VectorSearch] = None
        if isinstance(query, SearchQuery):
            self._query = query
        elif isinstance(query, VectorSearch):
            self._vector_search = query
        elif query is not None:
            raise InvalidArgumentException(
                message=f"Must provide either a SearchQuery or VectorSearch, got {query!r}")
        if vector_search is not None:
            self.with_vector_search(vector_search)
        if self._query is None and self._vector_search is None:
            raise InvalidArgumentException(
                message="Must provide either a SearchQuery or VectorSearch when creating a SearchRequest.")

    @classmethod
    def create(cls, query: Union[SearchQuery, "VectorSearch"]) -> "SearchRequest":
        """A request for a search query or a vector search.

        Args:
            query: A SearchQuery or a VectorSearch.

        Returns:
            SearchRequest: The request.

        Raises:
            InvalidArgumentException: ``query`` neither a SearchQuery nor a VectorSearch.
        """
        return cls(query)

    def with_search_query(self, query: SearchQuery) -> "SearchRequest":
        """Add the request's search query (to a request made from a VectorSearch).

        Args:
            query: A SearchQuery.

        Returns:
            SearchRequest: This request (for chaining).

        Raises:
            InvalidArgumentException: ``query`` not a SearchQuery, or the request has one already.
        """
        if not isinstance(query, SearchQuery):
            raise InvalidArgumentException(message=f"Must provide a SearchQuery, got {query!r}")
        if self._query is not None:
            raise InvalidArgumentException(message="Request already has SearchQuery.")
        self._query = query
        return self

    def with_vector_search(self, vector_search: "VectorSearch") -> "SearchRequest":
        """Add the request's vector search (to a request made from a SearchQuery).

        Args:
            vector_search: A :class:`~couchbase.vector_search.VectorSearch`.

        Returns:
            SearchRequest: This request (for chaining).

        Raises:
            InvalidArgumentException: Not a VectorSearch, or the request has one already.
        """
        from couchbase.vector_search import VectorSearch

        if not isinstance(vector_search, VectorSearch):
            raise InvalidArgumentException(message=f"Must provide a VectorSearch, got {vector_search!r}")
        if self._vector_search is not None:
            raise InvalidArgumentException(message="Request already has VectorSearch.")
        self._vector_search = vector_search
        return self

    @property
    def search_query(self) -> Optional[SearchQuery]:
        """The request's search query, or None."""
        return self._query

    @property
    def vector_search(self) -> Optional["VectorSearch"]:
        """The request's vector search, or None."""
        return self._vector_search

    def __repr__(self) -> str:
        return f"SearchRequest({self._query!r}, vector_search={self._vector_search!r})"


def _request_parts(query: Any) -> Tuple[SearchQuery, Optional[List[Dict[str, Any]]], Optional[str]]:
    """(text query, ``knn`` entries or None, ``knn_operator`` or None) of a SearchQuery or SearchRequest.

    A request with only a vector search sends ``match_none`` as its query, as the SDK 4.x does
    (the service then answers from the vector search alone).
    """
    if isinstance(query, SearchRequest):
        vs = query.vector_search
        text = query.search_query if query.search_query is not None else MatchNoneQuery()
        if vs is None:
            return text, None, None
        from couchbase.vector_search import combination_of

        return text, [q.encodable for q in vs.queries], combination_of(vs.options or {})
    if not isinstance(query, SearchQuery):
        raise InvalidArgumentException(message=f"a search needs a SearchRequest or SearchQuery, "
                                               f"got {query!r}")
    return query, None, None


def build_payload(index: str, query: Any, args: Tuple[Any, ...],
                  kwargs: Mapping[str, Any]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """The JSON body and merged options of a search request.

    Args:
        index: The index's name.
        query: A SearchQuery or SearchRequest (whose vector search becomes ``knn``/``knn_operator``).
        args: SearchOptions blocks.
        kwargs: Search options by name.

    Returns:
        tuple: ``(body, options)``.

    Raises:
        InvalidArgumentException: A bad index name, query or option.
    """
    _text("index", index)
    text, knn, knn_operator = _request_parts(query)
    opts = _o.merge("search_query", SEARCH_OPTIONS, args, kwargs)
    if opts.get("span") is not None and opts.get("parent_span") is None:
        opts["parent_span"] = opts.pop("span")  # SDK 4.x's earlier name
    if opts.get("parent_span") is not None:
        _observe.check_span(opts["parent_span"])
    body: Dict[str, Any] = {"indexName": index, "query": text.encodable}
    if knn is not None:
        body["knn"] = knn
        if knn_operator is not None:
            body["knn_operator"] = knn_operator
    for name, key in (("limit", "size"), ("skip", "from")):
        if opts.get(name) is not None:
            value = opts[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidArgumentException(message=f"{name} must be a non-negative int, got {value!r}")
            body[key] = value
    if "explain" in opts:
        body["explain"] = bool(opts["explain"])
    if opts.get("fields"):
        body["fields"] = list(opts["fields"])
    if opts.get("sort"):
        body["sort"] = _sort_specs(opts["sort"])
    if opts.get("facets") is not None:
        body["facets"] = _facet_specs(opts["facets"])
    if opts.get("highlight_style") or opts.get("highlight_fields"):
        hl: Dict[str, Any] = {}
        if opts.get("highlight_style"):
            style = getattr(opts["highlight_style"], "value", opts["highlight_style"])
            if style not in ("html", "ansi"):
                raise InvalidArgumentException(
                    message=f"highlight_style must be a HighlightStyle, got {style!r}")
            hl["style"] = style
        if opts.get("highlight_fields"):
            hl["fields"] = list(opts["highlight_fields"])
        body["highlight"] = hl
    if opts.get("include_locations"):
        body["includeLocations"] = True
    if opts.get("disable_scoring"):
        body["score"] = "none"
    if opts.get("collections"):
        colls = opts["collections"]
        if not isinstance(colls, (list, tuple)) or not all(isinstance(c, str) for c in colls):
            raise InvalidArgumentException(message="collections must be a list of collection names")
        body["collections"] = list(colls)
    ctl: Dict[str, Any] = {}
    if opts.get("timeout") is not None:
        ctl["timeout"] = int(_o.to_seconds("timeout", opts["timeout"]) * 1000)
    if opts.get("consistent_with") is not None:
        ctl["consistency"] = {"level": "at_plus", "vectors": {index: _vectors(opts["consistent_with"])}}
    elif opts.get("scan_consistency") is not None:
        sc = getattr(opts["scan_consistency"], "value", opts["scan_consistency"])
        if sc == "at_plus":
            raise InvalidArgumentException(message="scan_consistency AT_PLUS is set by consistent_with="
                                                   "MutationState(...), not directly")
        if sc not in ("not_bounded", "request_plus"):
            raise InvalidArgumentException(message=f"scan_consistency must be a SearchScanConsistency, "
                                                   f"got {sc!r}")
        ctl["consistency"] = {"level": "at_plus" if sc == "request_plus" else ""}
    if ctl:
        body["ctl"] = ctl
    if opts.get("client_context_id") is not None:
        body["client_context_id"] = str(opts["client_context_id"])
    raw = opts.get("raw") or {}
    if not isinstance(raw, Mapping):
        raise InvalidArgumentException(message="raw must be a dict of extra request fields")
    body.update(raw)
    if opts.get("show_request") or opts.get("log_request"):
        _log.info("SEARCH: %s", json.dumps(body))
    return body, opts


def _vectors(state: Any) -> Dict[str, int]:
    """``consistent_with`` as the search service's ``{"vbucket/vbuuid": seqno}``."""
    tokens = state.tokens() if hasattr(state, "tokens") else None
    if tokens is None:
        raise InvalidArgumentException(message=f"consistent_with must be a MutationState, got {state!r}")
    return {f"{t.partition_id}/{t.partition_uuid}": t.sequence_number for t in tokens}


class HighlightStyle(enum.Enum):
    """``SearchOptions(highlight_style=HighlightStyle.Html)``."""

    Ansi = "ansi"
    Html = "html"


@dataclasses.dataclass
class SearchTermFacet:
    """One term of a term facet and how many hits have it.

    Args:
        term: The term.
        count: The number of hits.
    """
    term: Optional[str] = None
    count: Optional[int] = None


@dataclasses.dataclass
class SearchNumericRangeFacet:
    """One range of a numeric facet and how many hits fall in it.

    Args:
        name: The range's name.
        count: The number of hits.
        min: Its lower bound.
        max: Its upper bound.
    """
    name: Optional[str] = None
    count: Optional[int] = None
    min: Optional[float] = None
    max: Optional[float] = None


@dataclasses.dataclass
class SearchDateRangeFacet:
    """One range of a date facet and how many hits fall in it.

    Args:
        name: The range's name.
        count: The number of hits.
        start: Its start (RFC 3339).
        end: Its end (RFC 3339).
    """
    name: Optional[str] = None
    count: Optional[int] = None
    start: Optional[str] = None
    end: Optional[str] = None


class SearchFacetResult(dict):  # type: ignore[type-arg]
    """One facet of a search result (SDK 4.x attributes ``name``, ``field``, ``total``, ``missing``,
    ``other``, ``terms``, ``numeric_ranges``, ``date_ranges``); also the raw dict the service sent.

    ``terms``/``numeric_ranges``/``date_ranges`` are None when the service sent no buckets of
    that kind (a facet without a ``limit``).

    Args:
        name: The facet's name.
        raw: The search service's JSON of it.
    """

    def __init__(self, name: str, raw: Mapping[str, Any]) -> None:
        super().__init__(raw)
        self.name = name

    field = property(lambda self: self.get("field"), doc="The field the facet counted.")
    total = property(lambda self: self.get("total"), doc="Documents with the field.")
    missing = property(lambda self: self.get("missing"), doc="Documents without the field.")
    other = property(lambda self: self.get("other"), doc="Documents in no returned bucket.")

    @property
    def terms(self) -> Optional[List[SearchTermFacet]]:
        """The term facet's values.

        Returns:
            list[SearchTermFacet]: The terms and their counts, or None for another kind of facet.

        Never raises.
        """
        if self.get("terms") is None:
            return None
        return [SearchTermFacet(t.get("term"), t.get("count")) for t in self["terms"]]

    @property
    def numeric_ranges(self) -> Optional[List[SearchNumericRangeFacet]]:
        """The numeric facet's ranges.

        Returns:
            list[SearchNumericRangeFacet]: The ranges and their counts, or None for another kind of facet.

        Never raises.
        """
        if self.get("numeric_ranges") is None:
            return None
        return [SearchNumericRangeFacet(r.get("name"), r.get("count"), r.get("min"), r.get("max"))
                for r in self["numeric_ranges"]]

    @property
    def date_ranges(self) -> Optional[List[SearchDateRangeFacet]]:
        """The date facet's ranges.

        Returns:
            list[SearchDateRangeFacet]: The ranges and their counts, or None for another kind of facet.

        Never raises.
        """
        if self.get("date_ranges") is None:
            return None
        return [SearchDateRangeFacet(r.get("name"), r.get("count"), r.get("start"), r.get("end"))
                for r in self["date_ranges"]]


@dataclasses.dataclass
class SearchRowLocation:
    """Where a term matched: ``field``, ``term``, ``position`` (1-based), byte offsets
    ``start``/``end`` and, inside arrays, ``array_positions``.

    Args:
        field: The field.
        term: The term.
        position: The term's position in the field (1-based).
        start: The byte offset where it starts.
        end: The byte offset where it ends.
        array_positions: Its positions inside arrays, or None.
    """

    field: Optional[str] = None
    term: Optional[str] = None
    position: Optional[int] = None
    start: Optional[int] = None
    end: Optional[int] = None
    array_positions: Optional[List[int]] = None


class SearchRowLocations:
    """The term locations of a hit (``include_locations=True`` or highlighting).

    ``get_all()``, ``get(field, term)``, ``fields()``, ``terms()``, ``terms_for(field)``; also
    readable as the service's nested dict (``locations[field][term]``, this SDK's earlier form).

    Args:
        raw: The search service's JSON of it.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw: Dict[str, Dict[str, List[Dict[str, Any]]]] = {
            f: dict(terms) for f, terms in (raw or {}).items() if isinstance(terms, Mapping)}

    @staticmethod
    def _one(field: str, term: str, loc: Mapping[str, Any]) -> SearchRowLocation:
        return SearchRowLocation(field, term, loc.get("pos", loc.get("position")),
                                 loc.get("start", loc.get("start_offset")),
                                 loc.get("end", loc.get("end_offset")), loc.get("array_positions"))

    def get_all(self) -> List[SearchRowLocation]:
        """Every location of every matched term.

        Returns:
            list[SearchRowLocation]: The locations.

        Never raises.
        """
        return [self._one(f, t, loc) for f, terms in self._raw.items() for t, locs in terms.items()
                for loc in locs]

    def get(self, field: str, term: str) -> List[SearchRowLocation]:
        """The locations of ``term`` in ``field``.

        Args:
            field: The field.
            term: The term.

        Returns:
            list[SearchRowLocation]: The locations (empty when none).

        Never raises.
        """
        if field not in self._raw:
            raise InvalidArgumentException(message=f"no locations in field {field!r}")
        if term not in self._raw[field]:
            raise InvalidArgumentException(message=f"no locations of {term!r} in field {field!r}")
        return [self._one(field, term, loc) for loc in self._raw[field][term]]

    def fields(self) -> List[str]:
        """The fields with a match.

        Returns:
            list[str]: The field names.

        Never raises.
        """
        return list(self._raw)

    def terms(self) -> Set[str]:
        """Every matched term.

        Returns:
            set[str]: The terms.

        Never raises.
        """
        return {t for terms in self._raw.values() for t in terms}

    def terms_for(self, field: str) -> List[str]:
        """The matched terms of ``field``.

        Args:
            field: The field.

        Returns:
            list[str]: The terms.

        Never raises.
        """
        if field not in self._raw:
            raise InvalidArgumentException(message=f"no locations in field {field!r}")
        return list(self._raw[field])

    def __getitem__(self, field: str) -> Dict[str, List[Dict[str, Any]]]:
        return self._raw[field]

    def __contains__(self, field: object) -> bool:
        return field in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SearchRowLocations):
            return self._raw == other._raw
        return isinstance(other, Mapping) and self._raw == dict(other)

    def __repr__(self) -> str:
        return f"SearchRowLocations({self._raw!r})"


class SearchRowFields(dict):  # type: ignore[type-arg]
    """The stored fields a hit returned (``fields=[...]``): a dict."""


class SearchRow:
    """One hit: ``index``, ``id``, ``score``, ``fields`` (SearchRowFields), ``sort``,
    ``locations`` (SearchRowLocations, None unless asked for), ``fragments``, ``explanation``.

    Args:
        hit: The hit's JSON from the service.
    """

    __slots__ = ("id", "score", "index", "fields", "sort", "locations", "explanation", "fragments")

    def __init__(self, hit: Mapping[str, Any]) -> None:
        self.id = hit.get("id")
        score = hit.get("score")
        self.score = float(score) if isinstance(score, (int, float)) else score
        self.index = hit.get("index")
        self.fields = SearchRowFields(hit.get("fields") or {})
        self.sort = list(hit.get("sort") or [])
        locations = hit.get("locations")
        self.locations = SearchRowLocations(locations) if isinstance(locations, Mapping) else None
        self.explanation = hit.get("explanation") or {}
        self.fragments = hit.get("fragments") or {}

    def __repr__(self) -> str:
        return f"SearchRow(id={self.id!r}, score={self.score!r})"


class SearchMetrics:
    """Partition counts, ``took()``, ``total_rows()`` and ``max_score()`` of a search (SDK 4.x).

    Args:
        raw: The search service's JSON of it.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)
        status = raw.get("status")
        self._status = status if isinstance(status, Mapping) else {}

    def success_partition_count(self) -> int:
        """The number of partitions that answered.

        Returns:
            int: The count.

        Never raises.
        """
        return int(self._status.get("successful", 0))

    def error_partition_count(self) -> int:
        """The number of partitions that failed.

        Returns:
            int: The count.

        Never raises.
        """
        return int(self._status.get("failed", 0))

    def total_partition_count(self) -> int:
        """The number of partitions of the index.

        Returns:
            int: The count.

        Never raises.
        """
        return self.success_partition_count() + self.error_partition_count()

    def took(self) -> datetime.timedelta:
        """How long the search took.

        Returns:
            datetime.timedelta: The duration.

        Never raises.
        """
        return datetime.timedelta(microseconds=(self._raw.get("took") or 0) / 1000)

    def total_rows(self) -> int:
        """The number of hits in total (not only those returned).

        Returns:
            int: The count.

        Never raises.
        """
        return int(self._raw.get("total_hits", 0))

    def max_score(self) -> float:
        """The highest score of a hit.

        Returns:
            float: The score.

        Never raises.
        """
        return float(self._raw.get("max_score", 0.0))

    def __repr__(self) -> str:
        return (f"SearchMetrics(total_rows={self.total_rows()}, max_score={self.max_score()}, "
                f"took={self.took()!r})")


class SearchMetaData:
    """``metrics()`` (SearchMetrics), ``errors()`` and ``client_context_id()`` of a search; also,
    as this SDK had them, ``total_hits``, ``max_score``, ``took`` and the partition counts.

    Args:
        raw: The search service's JSON of it.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)
        status = raw.get("status") or {}
        self.total_hits = raw.get("total_hits", 0)
        self.max_score = raw.get("max_score", 0.0)
        self.took = raw.get("took", 0)
        self.success_partition_count = status.get("successful", 0) if isinstance(status, dict) else 0
        self.error_partition_count = status.get("failed", 0) if isinstance(status, dict) else 0
        self._errors = status.get("errors", {}) if isinstance(status, dict) else {}

    def metrics(self) -> SearchMetrics:
        """The search's metrics.

        Returns:
            SearchMetrics: Counts, timing and scores.

        Never raises.
        """
        return SearchMetrics(self._raw)

    def errors(self) -> Dict[str, str]:
        """The errors of the partitions that failed.

        Returns:
            dict: partition -> error text.

        Never raises.
        """
        return dict(self._errors or {})

    def client_context_id(self) -> Optional[str]:
        """The request's client context id.

        Returns:
            str: The id, or None.

        Never raises.
        """
        return self._raw.get("client_context_id")

    def raw(self) -> Dict[str, Any]:
        """The metadata as the service sent it.

        Returns:
            dict: The JSON object.

        Never raises.
        """
        return dict(self._raw)

    def __repr__(self) -> str:
        return f"SearchMetaData(total_hits={self.total_hits}, max_score={self.max_score})"


def facets_of(meta: Mapping[str, Any]) -> Dict[str, SearchFacetResult]:
    """The facet results of a search response's metadata.

    Args:
        meta: The response's JSON without its hits.

    Returns:
        dict: facet name -> SearchFacetResult.

    Never raises.
    """
    return {name: SearchFacetResult(name, raw) for name, raw in (meta.get("facets") or {}).items()}


class SearchResult(BlockingRows):
    """Hits as they arrive (``SearchRow``); ``metadata()`` and ``facets()`` once read."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        for hit in super().__iter__():
            yield SearchRow(hit) if isinstance(hit, Mapping) else hit

    def metadata(self) -> SearchMetaData:
        """Total hits, max score, took, errors, once every hit is read (reads the rest if needed).

        Returns:
            SearchMetaData: The search's metadata.

        Raises:
            SearchException: The search failed (its typed subclass).
            TimeoutException: No complete answer within the search timeout.
        """
        return SearchMetaData(self._finish())

    def facets(self) -> Dict[str, SearchFacetResult]:
        """The facet results, once every hit is read (reads the rest if needed).

        Returns:
            dict: ``{name: SearchFacetResult}``.

        Raises:
            SearchException: The search failed (its typed subclass).
        """
        return facets_of(self._finish())
