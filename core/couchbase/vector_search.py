"""Vector search (SDK 4.x): nearest neighbours of a vector in a search index's vector field.

``cluster.search("idx", SearchRequest.create(VectorSearch.from_vector_query(VectorQuery("v", [0.1]))))``
or, with a text query as well, ``SearchRequest.create(MatchQuery("x")).with_vector_search(...)``.
The search service (Couchbase Server 7.6 or later) answers each :class:`VectorQuery` with its
``num_candidates`` nearest documents; the request's hits are those together with the text query's.
"""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Union

from couchbase.exceptions import InvalidArgumentException
from couchbase.options import VectorSearchOptions

if TYPE_CHECKING:
    from couchbase.search import SearchQuery

__all__ = ["VectorQuery", "VectorQueryCombination", "VectorSearch"]

#: ``k`` of a vector query without ``num_candidates`` (what the SDK 4.x sends).
DEFAULT_NUM_CANDIDATES = 3


class VectorQueryCombination(enum.Enum):
    """How the hits of several vector queries of one :class:`VectorSearch` combine.

    ``AND``: a document must be among the nearest of every query; ``OR`` (the service's
    default): among the nearest of any.
    """

    AND = "and"
    OR = "or"


class VectorQuery:
    """One vector query: the ``num_candidates`` documents whose ``field_name`` vector is nearest ``vector``.

    Args:
        field_name: The index's vector field.
        vector: The query vector: a non-empty list of floats, or a non-empty base64 string of
            its little-endian float32 values (a ``vector_base64`` query).
        num_candidates: How many nearest documents to return (``k``; >= 1; None: 3).
        boost: The query's weight in the score (a float).
        prefilter: A SearchQuery the documents must match before their distance is considered.

    Raises:
        InvalidArgumentException: An empty field name, an empty or non-float vector, a
            ``num_candidates`` that is not an int >= 1, a non-float boost or a prefilter that is
            not a SearchQuery.
    """

    def __init__(self, field_name: str, vector: Union[List[float], str], num_candidates: Optional[int] = None,
                 boost: Optional[float] = None, prefilter: Optional["SearchQuery"] = None) -> None:
        if not isinstance(field_name, str) or not field_name:
            raise InvalidArgumentException(message="Must provide a field name.")
        self._field_name = field_name
        self._vector: Optional[List[float]] = None
        self._vector_base64: Optional[str] = None
        self._set_vector(vector)
        self._num_candidates: Optional[int] = None
        self._boost: Optional[float] = None
        self._prefilter: Optional["SearchQuery"] = None
        if num_candidates is not None:
            self.num_candidates = num_candidates
        if boost is not None:
            self.boost = boost
        if prefilter is not None:
            self.prefilter = prefilter

    def _set_vector(self, vector: Any) -> None:
        if isinstance(vector, list):
            if not vector:
                raise InvalidArgumentException(message="Provided vector cannot be empty.")
            if not all(isinstance(v, float) for v in vector):
                raise InvalidArgumentException(message="All vector values must be a float.")
            self._vector = list(vector)
        elif isinstance(vector, str):
            if not vector:
                raise InvalidArgumentException(message="Provided base64 encoded vector cannot be empty.")
            self._vector_base64 = vector
        elif vector is None:
            raise InvalidArgumentException(message="Provided vector cannot be empty.")
        else:
            raise InvalidArgumentException(
                message="Provided vector must be either a List[float] or base64 encoded str.")

    @classmethod
    def create(cls, field_name: str, vector: Union[List[float], str], num_candidates: Optional[int] = None,
               boost: Optional[float] = None, prefilter: Optional["SearchQuery"] = None) -> "VectorQuery":
        """A vector query (the same as the constructor).

        Args:
            field_name: The index's vector field.
            vector: A non-empty list of floats or a base64 string.
            num_candidates: How many nearest documents to return (>= 1; None: 3).
            boost: The query's weight in the score.
            prefilter: A SearchQuery the documents must match first.

        Returns:
            VectorQuery: The query.

        Raises:
            InvalidArgumentException: As the constructor.
        """
        return cls(field_name, vector, num_candidates=num_candidates, boost=boost, prefilter=prefilter)

    @property
    def field_name(self) -> str:
        """The index's vector field."""
        return self._field_name

    @property
    def vector(self) -> Optional[List[float]]:
        """The query vector as floats, or None for a base64 query."""
        return self._vector

    @property
    def vector_base64(self) -> Optional[str]:
        """The query vector as base64, or None for a float-list query."""
        return self._vector_base64

    @property
    def num_candidates(self) -> Optional[int]:
        """How many nearest documents to return, or None (the default, 3)."""
        return self._num_candidates

    @num_candidates.setter
    def num_candidates(self, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidArgumentException(message="num_candidates must be an int.")
        if value < 1:
            raise InvalidArgumentException(message="num_candidates must be >= 1.")
        self._num_candidates = value

    @property
    def boost(self) -> Optional[float]:
        """The query's weight in the score, or None."""
        return self._boost

    @boost.setter
    def boost(self, value: float) -> None:
        if not isinstance(value, float):
            raise InvalidArgumentException(message="boost must be a float.")
        self._boost = value

    @property
    def prefilter(self) -> Optional["SearchQuery"]:
        """The SearchQuery documents must match first, or None."""
        return self._prefilter

    @prefilter.setter
    def prefilter(self, value: "SearchQuery") -> None:
        from couchbase.search import SearchQuery

        if not isinstance(value, SearchQuery):
            raise InvalidArgumentException(message="prefilter must be a SearchQuery.")
        self._prefilter = value

    @property
    def encodable(self) -> Dict[str, Any]:
        """The query's entry of the request's ``knn`` array."""
        out: Dict[str, Any] = {"field": self._field_name,
                               "k": self._num_candidates if self._num_candidates is not None
                               else DEFAULT_NUM_CANDIDATES}
        if self._vector is not None:
            out["vector"] = list(self._vector)
        else:
            out["vector_base64"] = self._vector_base64
        if self._boost is not None:
            out["boost"] = self._boost
        if self._prefilter is not None:
            out["filter"] = self._prefilter.encodable
        return out

    def __repr__(self) -> str:
        return f"VectorQuery({self.encodable!r})"


class VectorSearch:
    """The vector queries of a search request and how they combine.

    Args:
        queries: One or more VectorQuery.
        options: VectorSearchOptions (``vector_query_combination``), or None.

    Raises:
        InvalidArgumentException: No queries, one that is not a VectorQuery, or options that
            are not VectorSearchOptions.
    """

    def __init__(self, queries: Sequence[VectorQuery], options: Optional[VectorSearchOptions] = None) -> None:
        if queries is None or isinstance(queries, (str, bytes)) or not hasattr(queries, "__len__") \
                or len(queries) == 0:
            raise InvalidArgumentException(message="Provided queries cannot be empty.")
        if not all(isinstance(q, VectorQuery) for q in queries):
            raise InvalidArgumentException(message="All queries must be a VectorQuery.")
        if options is not None and not isinstance(options, dict):
            raise InvalidArgumentException(message=f"options must be VectorSearchOptions, got {options!r}")
        if options is not None:
            combination_of(options)
        self._queries = list(queries)
        self._options = options

    @classmethod
    def from_vector_query(cls, query: VectorQuery) -> "VectorSearch":
        """A vector search of one query.

        Args:
            query: The VectorQuery.

        Returns:
            VectorSearch: The search.

        Raises:
            InvalidArgumentException: ``query`` not a VectorQuery.
        """
        return cls([query])

    @property
    def queries(self) -> List[VectorQuery]:
        """The vector queries."""
        return self._queries

    @property
    def options(self) -> Optional[VectorSearchOptions]:
        """The options given, or None."""
        return self._options

    def __repr__(self) -> str:
        return f"VectorSearch({self._queries!r}, {self._options!r})"


def combination_of(options: Any) -> Optional[str]:
    """``vector_query_combination`` of VectorSearchOptions as the service's ``knn_operator``.

    Args:
        options: VectorSearchOptions (a dict).

    Returns:
        str: ``"and"``/``"or"``, or None when not set.

    Raises:
        InvalidArgumentException: An unknown option or combination.
    """
    unknown = set(options) - {"vector_query_combination"}
    if unknown:
        raise InvalidArgumentException(message=f"unknown VectorSearchOptions: {sorted(unknown)}")
    value = options.get("vector_query_combination")
    if value is None:
        return None
    if isinstance(value, VectorQueryCombination):
        return value.value
    if isinstance(value, str) and value.lower() in ("and", "or"):
        return value.lower()
    raise InvalidArgumentException(message="vector_query_combination must be a VectorQueryCombination "
                                           f"(or 'and'/'or'), got {value!r}")
