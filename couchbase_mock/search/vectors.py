"""Vector search as the search service of Couchbase Server 7.6+ (bleve with faiss) answers it.

Index side: a field mapping of ``type`` ``vector`` (a JSON array of numbers) or ``vector_base64``
(7.6.2+: a base64 string of little-endian float32 values) with ``dims`` (1..2048, 1..4096 from
7.6.2), ``similarity`` (``l2_norm``, the default, ``dot_product``; ``cosine`` from 7.6.2) and
``vector_index_optimized_for`` (``recall``, the default, ``latency``). A document whose value is
not a vector of ``dims`` numbers is not indexed in that field (bleve skips it silently). With
``cosine`` the vectors are normalised when indexed, and the query vector when searched.

Query side: each ``knn`` entry (``field``, ``k``, ``vector`` or ``vector_base64``, ``boost``,
``filter``) is answered by exact nearest neighbours (the mock scans every vector; faiss
approximates, which on small data gives the same neighbours). Scores are bleve's:

* ``l2_norm``: ``1 / d`` where ``d`` is the *squared* euclidean distance (faiss's L2 metric);
  an exact match (``d == 0``) scores ``math.MaxFloat32``;
* ``dot_product`` (and ``cosine``, on normalised vectors): the inner product;

times the query weight ``boost * queryNorm``, where ``queryNorm = 1 / sqrt(number of knn
queries run)`` (the weight is not applied to an exact l2 match). ``filter`` restricts the
candidates first (a filter no document matches runs nothing for that entry). The hits of the
entries are merged, a document's knn score being the sum of the scores of the entries it is a
hit of; with ``knn_operator`` ``and`` only documents that are hits of every entry remain.
These knn hits are then merged with the text query's hits as a disjunction (a document in both
scores the text score plus its knn score): a request whose ``query`` is ``match_none`` (what
SDKs send for a vector-only search) gets the knn hits alone. A query vector whose length is
not the field's ``dims`` finds nothing (as the Couchbase documentation says), a field that is
not a vector field likewise.
"""
from __future__ import annotations

import base64
import binascii
import heapq
import math
import struct
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

if TYPE_CHECKING:
    from .inverted import InvertedIndex
    from .query import Matches, Query

__all__ = ["VectorField", "KnnEntry", "parse_vector_field", "parse_knn", "run_knn", "decode_base64",
           "MAX_K", "MAX_KNN_SCORE"]

MAX_K = 10000  # bleve's BleveMaxK
MAX_KNN_SCORE = 3.4028234663852886e38  # math.MaxFloat32: the score of an exact l2_norm match
Version = Tuple[int, int, int]


class VectorField:
    """One vector field mapping."""

    __slots__ = ("path", "dims", "similarity", "optimized_for", "base64")

    def __init__(self, path: str, dims: int, similarity: str, optimized_for: str, base64: bool) -> None:
        self.path = path
        self.dims = dims
        self.similarity = similarity
        self.optimized_for = optimized_for
        self.base64 = base64

    def vector_of(self, value: Any) -> Optional[List[float]]:
        """The vector a document's value gives this field (normalised for cosine), or None."""
        if self.base64:
            vec = decode_base64(value) if isinstance(value, str) else None
        elif isinstance(value, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                             for v in value):
            vec = [float(v) for v in value]
        else:
            vec = None
        if vec is None or len(vec) != self.dims:
            return None
        return normalise(vec) if self.similarity == "cosine" else vec


def decode_base64(text: str) -> Optional[List[float]]:
    """Little-endian float32 values of a base64 string (None when it is not one)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw or len(raw) % 4:
        return None
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def normalise(vec: List[float]) -> List[float]:
    norm = math.sqrt(sum(v * v for v in vec))
    return [v / norm for v in vec] if norm else list(vec)


def _similarities(version: Version) -> List[str]:
    return ["l2_norm", "dot_product"] + (["cosine"] if version >= (7, 6, 2) else [])


def parse_vector_field(path: str, raw: Dict[str, Any], version: Version) -> VectorField:
    """A ``vector``/``vector_base64`` field mapping; ValueError (the server's wording) when invalid."""
    kind = raw.get("type")
    if version < (7, 6, 0) or (kind == "vector_base64" and version < (7, 6, 2)):
        raise ValueError(f"field: '{path}', unknown field type: '{kind}'")
    max_dims = 4096 if version >= (7, 6, 2) else 2048
    dims = raw.get("dims")
    if isinstance(dims, bool) or not isinstance(dims, int) or not 1 <= dims <= max_dims:
        raise ValueError(f"field: '{path}', invalid vector dimension: {dims}, value should be in range "
                         f"[1, {max_dims}]")
    similarity = raw.get("similarity") or "l2_norm"
    if similarity not in _similarities(version):
        raise ValueError(f"field: '{path}', invalid similarity metric: '{similarity}', valid metrics are: "
                         f"{_similarities(version)}")
    optimized = raw.get("vector_index_optimized_for") or "recall"
    if optimized not in ("recall", "latency"):
        raise ValueError(f"field: '{path}', invalid vector index optimization: '{optimized}', valid "
                         f"optimizations are: [recall latency]")
    return VectorField(path, dims, similarity, optimized, kind == "vector_base64")


class KnnEntry:
    """One parsed ``knn`` entry of a request."""

    __slots__ = ("field", "k", "vector", "boost", "filter")

    def __init__(self, field: str, k: int, vector: List[float], boost: float,
                 filter_: Optional["Query"]) -> None:
        self.field = field
        self.k = k
        self.vector = vector
        self.boost = boost
        self.filter = filter_


def parse_knn(raw: Any, operator: Any, parse_query: Callable[[Any], "Query"]) -> Tuple[List[KnnEntry], str]:
    """The ``knn`` array and ``knn_operator`` of a request body; ValueError (bleve's wording) when bad."""
    if not isinstance(raw, list):
        raise ValueError("knn must be an array")
    entries = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("knn query cannot be nil")
        vector = item.get("vector")
        if not vector and item.get("vector_base64"):
            vector = decode_base64(item["vector_base64"]) if isinstance(item["vector_base64"], str) else None
            if vector is None:
                raise ValueError("illegal base64 data in vector_base64")
        if vector is not None and (not isinstance(vector, list) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in vector)):
            raise ValueError("vector must be an array of numbers")
        k = item.get("k", 0)
        if isinstance(k, bool) or not isinstance(k, int) or k <= 0 or not vector:
            raise ValueError("k must be greater than 0 and vector must be non-empty")
        if k > MAX_K:
            raise ValueError(f"k must be less than {MAX_K}")
        field = item.get("field")
        if not isinstance(field, str) or not field:
            raise ValueError("knn query field must be non-empty")
        boost = item.get("boost", 1.0)
        if boost is None:
            boost = 1.0
        if isinstance(boost, bool) or not isinstance(boost, (int, float)):
            raise ValueError("boost must be a number")
        filter_ = None
        if item.get("filter") is not None:
            try:
                filter_ = parse_query(item["filter"])
            except ValueError as exc:
                raise ValueError(f"knn filter query is invalid: {exc}") from None
        entries.append(KnnEntry(field, k, [float(v) for v in vector], float(boost), filter_))
    if operator in (None, ""):
        operator = "or"
    if operator not in ("and", "or"):
        raise ValueError("knn_operator must be either 'and' / 'or'")
    return entries, operator


def _score(field: VectorField, query: List[float], vec: List[float]) -> float:
    if field.similarity == "l2_norm":
        dist = sum((a - b) * (a - b) for a, b in zip(query, vec))
        return MAX_KNN_SCORE if dist == 0 else 1.0 / dist
    return sum(a * b for a, b in zip(query, vec))


def run_knn(entries: List[KnnEntry], operator: str, index: "InvertedIndex") -> Dict[str, float]:
    """``{doc id: knn score}`` of the knn hits (see the module docstring)."""
    runnable: List[Tuple[KnnEntry, Optional[set]]] = []  # type: ignore[type-arg]
    for entry in entries:
        eligible = None
        if entry.filter is not None:
            eligible = set(entry.filter.evaluate(index))
            if not eligible:
                runnable.append((entry, set()))  # bleve runs match_none for it: it counts as a query
                continue
        runnable.append((entry, eligible))
    qnorm = 1.0 / math.sqrt(len(runnable)) if runnable else 1.0
    scores: Dict[str, float] = {}
    hits_of: Dict[str, int] = {}
    for entry, eligible in runnable:
        field = index.vector_fields.get(entry.field)
        if field is None or len(entry.vector) != field.dims or eligible == set():
            continue
        query = normalise(entry.vector) if field.similarity == "cosine" else entry.vector
        candidates = [(_score(field, query, vec), doc_id)
                      for doc_id, vec in index.vectors.get(entry.field, {}).items()
                      if eligible is None or doc_id in eligible]
        weight = entry.boost * qnorm
        for score, doc_id in heapq.nlargest(entry.k, candidates, key=lambda c: (c[0], _desc(c[1]))):
            if weight != 1.0 and score != MAX_KNN_SCORE:
                score *= weight
            scores[doc_id] = scores.get(doc_id, 0.0) + score
            hits_of[doc_id] = hits_of.get(doc_id, 0) + 1
    if operator == "and":
        scores = {d: s for d, s in scores.items() if hits_of[d] == len(entries)}
    return scores


def _desc(doc_id: str) -> Tuple[int, ...]:
    """Ties go to the smaller document id (a key for ``nlargest``)."""
    return tuple(-ord(c) for c in doc_id)


def merge(text: "Matches", knn: Dict[str, float], match_type: Callable[[float], Any]) -> "Matches":
    """The text hits with the knn hits added (a document in both: the sum of its scores)."""
    out = dict(text)
    for doc_id, score in knn.items():
        if doc_id in out:
            out[doc_id].score += score
        else:
            out[doc_id] = match_type(score)
    return out
