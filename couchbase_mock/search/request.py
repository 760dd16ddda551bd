"""One search request: parsing the body both clients send, running it against an
inverted index, and rendering the server's response (possibly in chunks).

Body fields understood: ``query`` (required), ``size``/``limit`` (default 10),
``from``/``skip``, ``fields`` (``["*"]`` for all), ``sort``, ``facets``,
``score: "none"``, ``includeLocations`` and ``highlight`` (hits carry term locations
only when one of them is given; ``highlight`` adds ``fragments``: the field's text with
the matched terms marked), ``collections`` (hits of those collections only, for a
collection-aware index), ``knn``/``knn_operator`` (vector search, Server 7.6+: see
:mod:`couchbase_mock.search.vectors`; an older server ignores them, as bleve before 2.4
does); ``explain``, ``ctl``, ``indexName`` and unknown keys are
accepted and ignored.

Sort specs: strings ``"_score"``, ``"-_score"``, ``"_id"``, ``"-_id"``,
``"field"``, ``"-field"``, or objects ``{"by": "score"|"id"|"field",
"field": ..., "desc": bool, "missing": "first"|"last"}`` or ``{"by": "geo_distance",
"field": ..., "location": [lon, lat], "unit": "km"}``.  The default is
``["-_score"]``; ties are always broken by document id, ascending.  Field
sorts compare the first stored value, numbers before strings, documents
without the field last (unless ``missing: "first"``).
"""
from __future__ import annotations

import json
import math
import time
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from .facets import Facet, parse_facets
from .inverted import InvertedIndex
from .query import Match, Query, QueryError, parse_query
from .vectors import KnnEntry, merge, parse_knn, run_knn

__all__ = ["SearchRequest", "SearchOutcome", "DEFAULT_SIZE"]

DEFAULT_SIZE = 10
HITS_PER_CHUNK = 500


def _count(body: Dict[str, Any], names: Tuple[str, ...], default: int) -> int:
    for name in names:
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value or value < 0:
            raise QueryError(f"{name} must be a non-negative integer, got {value!r}")
        return int(value)
    return default


class _Sort:
    __slots__ = ("by", "field", "desc", "missing_first", "origin", "unit")

    def __init__(self, spec: Any) -> None:
        self.field = ""
        self.missing_first = False
        if isinstance(spec, str):
            self.desc = spec.startswith("-")
            name = spec[1:] if self.desc else spec
            if not name:
                raise QueryError(f"bad sort spec {spec!r}")
            self.by = {"_score": "score", "_id": "id"}.get(name, "field")
            self.field = name
        elif isinstance(spec, dict):
            self.by = spec.get("by", "field")
            if self.by not in ("score", "id", "field", "geo_distance"):
                raise QueryError(f"unsupported sort by {self.by!r}")
            if self.by == "geo_distance":
                self.origin = _point(spec.get("location"))
                unit = _UNITS.get(str(spec.get("unit") or "m").lower())
                if unit is None:
                    raise QueryError(f"unknown distance unit {spec.get('unit')!r}")
                self.unit = unit
            self.desc = bool(spec.get("desc", False))
            self.field = spec.get("field") or ""
            if self.by == "field" and (not isinstance(self.field, str) or not self.field):
                raise QueryError("a field sort needs a field")
            self.missing_first = spec.get("missing") == "first"
        else:
            raise QueryError(f"bad sort spec {spec!r}")

    def value(self, doc_id: str, match: Match, index: InvertedIndex) -> Any:
        if self.by == "score":
            return match.score
        if self.by == "id":
            return doc_id
        values = index.stored.get(doc_id, {}).get(self.field)
        if self.by == "geo_distance":
            point = _doc_point(index.stored.get(doc_id, {}), self.field)
            return None if point is None else _haversine(self.origin, point) / self.unit
        return values[0] if values else None

    def key(self, value: Any) -> Tuple[int, int, Any]:
        if self.by not in ("field", "geo_distance"):
            return (0, 0, value)
        present = value is not None and not isinstance(value, (dict, list))
        missing_rank = (0 if present else 1) if not self.missing_first else (1 if present else 0)
        if self.desc:
            missing_rank = 1 - missing_rank  # the sort is reversed: keep "missing" where asked
        if not present:
            return (missing_rank, 0, 0)
        if isinstance(value, bool):
            return (missing_rank, 1, int(value))
        if isinstance(value, (int, float)):
            return (missing_rank, 0, value)
        return (missing_rank, 2, str(value))

    def label(self, value: Any) -> str:
        if self.by == "score":
            return "_score"
        return "" if value is None else str(value)


_UNITS = {"m": 1.0, "meters": 1.0, "km": 1000.0, "kilometers": 1000.0, "mi": 1609.344, "miles": 1609.344,
          "yd": 0.9144, "yards": 0.9144, "ft": 0.3048, "feet": 0.3048, "in": 0.0254, "inch": 0.0254,
          "cm": 0.01, "centimeters": 0.01, "mm": 0.001, "millimeters": 0.001, "nm": 1852.0,
          "nauticalmiles": 1852.0}


def _point(value: Any) -> Tuple[float, float]:
    """(lon, lat) of a geo point: ``[lon, lat]``, ``{"lon":, "lat":}`` or ``"lat,lon"``."""
    try:
        if isinstance(value, dict):
            return float(value["lon"]), float(value["lat"])
        if isinstance(value, list) and len(value) == 2:
            return float(value[0]), float(value[1])
        if isinstance(value, str) and "," in value:
            lat, lon = value.split(",", 1)
            return float(lon), float(lat)
    except (KeyError, TypeError, ValueError):
        pass
    raise QueryError(f"bad geo point {value!r}")


def _doc_point(stored: Dict[str, List[Any]], field: str) -> Optional[Tuple[float, float]]:
    """The geo point a document stores at ``field`` (an object with lon/lat, or [lon, lat])."""
    lon, lat = stored.get(f"{field}.lon"), stored.get(f"{field}.lat")
    if lon and lat and isinstance(lon[0], (int, float)) and isinstance(lat[0], (int, float)):
        return float(lon[0]), float(lat[0])
    values = stored.get(field)
    if values and len(values) == 2 and all(isinstance(v, (int, float)) for v in values):
        return float(values[0]), float(values[1])
    return None


def _haversine(a: Tuple[float, float], b: Tuple[float, float]) -> float:
    """Metres between two (lon, lat) points on the Earth's mean radius."""
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(h)))


class SearchRequest:
    """A parsed search request body (raises QueryError when malformed)."""

    def __init__(self, body: Any, version: Tuple[int, int, int] = (7, 6, 2)) -> None:
        if not isinstance(body, dict):
            raise QueryError("search request must be a JSON object")
        if "query" not in body:
            raise QueryError("unknown query type")
        self.query_json = body["query"]
        self.query: Query = parse_query(self.query_json)
        self.knn: List[KnnEntry] = []
        self.knn_operator = "or"
        if body.get("knn") is not None and version >= (7, 6, 0):
            try:
                self.knn, self.knn_operator = parse_knn(body["knn"], body.get("knn_operator"), parse_query)
            except ValueError as exc:
                raise QueryError(str(exc)) from None
        self.size = _count(body, ("size", "limit"), DEFAULT_SIZE)
        self.offset = _count(body, ("from", "skip"), 0)
        fields = body.get("fields")
        if fields is not None and (not isinstance(fields, list)
                                   or not all(isinstance(f, str) for f in fields)):
            raise QueryError("fields must be an array of strings")
        self.fields: List[str] = fields or []
        sort = body.get("sort")
        if sort is not None and not isinstance(sort, list):
            raise QueryError("sort must be an array")
        self.sort_json = sort if sort else ["-_score"]
        self.sorts = [_Sort(s) for s in self.sort_json]
        self.facets_json = body.get("facets")
        self.facets: List[Facet] = parse_facets(self.facets_json)
        self.no_score = body.get("score") == "none"
        collections = body.get("collections")
        if collections is not None and (not isinstance(collections, list)
                                        or not all(isinstance(c, str) for c in collections)):
            raise QueryError("collections must be an array of collection names")
        self.collections: Optional[Set[str]] = set(collections) if collections else None
        # bleve reports term locations when asked for them or when highlighting
        self.highlight = body.get("highlight")
        self.with_locations = bool(body.get("includeLocations")) or self.highlight is not None
        self.echo = {
            "query": self.query_json, "size": self.size, "from": self.offset,
            "highlight": body.get("highlight"), "fields": fields, "facets": self.facets_json,
            "explain": bool(body.get("explain", False)), "sort": self.sort_json,
            "includeLocations": bool(body.get("includeLocations", False)),
            "search_after": None, "search_before": None,
        }

    def run(self, index: InvertedIndex, pindex: str) -> "SearchOutcome":
        """Evaluate against ``index`` (``pindex`` names the partition in each hit)."""
        started = time.perf_counter_ns()
        matches = self.query.evaluate(index)
        if self.knn:
            matches = merge(matches, run_knn(self.knn, self.knn_operator, index), Match)
        if self.collections is not None:
            matches = {d: m for d, m in matches.items() if index.collection.get(d) in self.collections}
        if self.no_score:
            for m in matches.values():
                m.score = 0.0
        ordered = sorted(matches.items(), key=lambda kv: kv[0])
        labels: Dict[str, List[Any]] = {doc_id: [] for doc_id in matches}
        for spec in reversed(self.sorts):
            values = {doc_id: spec.value(doc_id, m, index) for doc_id, m in ordered}
            ordered.sort(key=lambda kv: spec.key(values[kv[0]]), reverse=spec.desc)
            for doc_id, value in values.items():
                labels[doc_id].insert(0, spec.label(value))
        page = ordered[self.offset:self.offset + self.size]
        facets = {f.name: f.compute(index, matches) for f in self.facets} if self.facets else None
        max_score = max((m.score for m in matches.values()), default=0.0)
        took = time.perf_counter_ns() - started
        hits = [self._hit(doc_id, m, index, pindex, labels[doc_id]) for doc_id, m in page]
        return SearchOutcome(self.echo, hits, len(matches), max_score, took, facets)

    def _hit(self, doc_id: str, match: Match, index: InvertedIndex, pindex: str,
             sort: List[Any]) -> Dict[str, Any]:
        hit: Dict[str, Any] = {"index": pindex, "id": doc_id, "score": match.score, "sort": sort}
        if match.locs and self.with_locations:
            locations: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}
            seen = set()
            for term, (field, pos, start, end, apos) in match.locs:
                if (field, term, pos, apos) in seen:
                    continue
                seen.add((field, term, pos, apos))
                locations.setdefault(field, {}).setdefault(term, []).append(
                    {"pos": pos, "start": start, "end": end, "array_positions": list(apos) if apos else None})
            hit["locations"] = locations
            if self.highlight is not None:
                hit["fragments"] = self._fragments(doc_id, index, locations)
        out: Dict[str, Any] = {}
        if self.fields:
            stored = index.stored.get(doc_id, {})
            wanted = list(stored) if "*" in self.fields else self.fields
            out = {f: (stored[f][0] if len(stored[f]) == 1 else list(stored[f]))
                   for f in wanted if f in stored}
        if index.definition.collection_mode and doc_id in index.collection:
            out["_$c"] = index.collection[doc_id]  # a collection-aware index names the hit's collection
        if out:
            hit["fields"] = out
        return hit

    def _fragments(self, doc_id: str, index: InvertedIndex,
                   locations: Dict[str, Dict[str, List[Dict[str, Any]]]]) -> Dict[str, List[str]]:
        """Highlighted fragments of the matched text fields: the stored text with each matched
        term wrapped in ``<mark>`` (html, the default style) or ANSI reverse video."""
        style = (self.highlight or {}).get("style") or "html"
        wanted = (self.highlight or {}).get("fields")
        before, after = ("<mark>", "</mark>") if style != "ansi" else ("\x1b[43m", "\x1b[0m")
        out: Dict[str, List[str]] = {}
        stored = index.stored.get(doc_id, {})
        for field, terms in locations.items():
            if wanted and field not in wanted:
                continue
            values = [v for v in stored.get(field, []) if isinstance(v, str)]
            if not values:
                continue
            text = values[0]
            spans = sorted({(loc["start"], loc["end"]) for locs in terms.values() for loc in locs
                            if not loc.get("array_positions") or loc["array_positions"][0] == 0})
            pieces, last = [], 0
            for start, end in spans:
                if start < last or end > len(text.encode("utf-8")):
                    continue
                raw = text.encode("utf-8")
                pieces.append(raw[last:start].decode("utf-8", "replace"))
                pieces.append(before + raw[start:end].decode("utf-8", "replace") + after)
                last = end
            pieces.append(text.encode("utf-8")[last:].decode("utf-8", "replace"))
            out[field] = ["".join(pieces)]
        return out


class SearchOutcome:
    """The result of a search, renderable whole or as chunks of JSON text."""

    def __init__(self, echo: Dict[str, Any], hits: List[Dict[str, Any]], total_hits: int, max_score: float,
                 took: int, facets: Optional[Dict[str, Any]]) -> None:
        self.echo = echo
        self.hits = hits
        self.total_hits = total_hits
        self.max_score = max_score
        self.took = took
        self.facets = facets

    def chunks(self, per_chunk: int = HITS_PER_CHUNK) -> Iterator[bytes]:
        """The response body in pieces: head, hits ``per_chunk`` at a time, tail."""
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        head = dumps({"status": {"total": 1, "failed": 0, "successful": 1}, "request": self.echo})
        yield (head[:-1] + ',"hits":[').encode("utf-8")
        for i in range(0, len(self.hits), per_chunk):
            text = ",".join(dumps(h) for h in self.hits[i:i + per_chunk])
            yield ((',' if i else '') + text).encode("utf-8")
        tail = dumps({"total_hits": self.total_hits, "max_score": self.max_score, "took": self.took,
                      "facets": self.facets})
        yield ("]," + tail[1:]).encode("utf-8")

    def body(self) -> bytes:
        """The whole response body."""
        return b"".join(self.chunks())
