"""Facets over the documents that matched a search (all of them, not only the
returned page): term facets, numeric range facets and date range facets.

Each result has the server's shape: ``field``, ``total`` (values counted),
``missing`` (matching documents without the field), ``other`` (counted values
left out by ``size``) and ``terms`` / ``numeric_ranges`` / ``date_ranges``,
sorted by count (descending) then name.
"""
from __future__ import annotations

import datetime
import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .inverted import InvertedIndex, parse_date
from .query import QueryError

__all__ = ["Facet", "parse_facets"]


class Facet:
    """One requested facet; :meth:`compute` gives its JSON result."""

    def __init__(self, name: str, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise QueryError(f"facet {name!r} must be an object")
        field = raw.get("field")
        if not isinstance(field, str) or not field:
            raise QueryError(f"facet {name!r} needs a field")
        size = raw.get("size", 0)  # bleve's default: no buckets, only the totals
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise QueryError(f"facet {name!r}: size must be a non-negative integer")
        self.name = name
        self.field = field
        self.size = size
        self.numeric = self._ranges(raw.get("numeric_ranges"), numeric=True)
        self.dates = self._ranges(raw.get("date_ranges"), numeric=False)
        if self.numeric and self.dates:
            raise QueryError(f"facet {name!r} cannot have both numeric and date ranges")

    def _ranges(self, raw: Any,
                numeric: bool) -> List[Tuple[str, Optional[float], Optional[float], Dict[str, Any]]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise QueryError(f"facet {self.name!r}: ranges must be an array")
        out = []
        low_key, high_key = ("min", "max") if numeric else ("start", "end")
        for rng in raw:
            if not isinstance(rng, dict) or not isinstance(rng.get("name"), str):
                raise QueryError(f"facet {self.name!r}: every range needs a name")
            bounds: List[Optional[float]] = []
            for key in (low_key, high_key):
                value = rng.get(key)
                if value is None:
                    bounds.append(None)
                elif numeric and isinstance(value, (int, float)) and not isinstance(value, bool):
                    bounds.append(float(value))
                elif not numeric and isinstance(value, str) and parse_date(value) is not None:
                    bounds.append(parse_date(value))
                else:
                    raise QueryError(f"facet {self.name!r}: bad {key} {value!r}")
            echo = {k: rng[k] for k in (low_key, high_key) if rng.get(k) is not None}
            out.append((rng["name"], bounds[0], bounds[1], echo))
        return out

    def compute(self, index: InvertedIndex, doc_ids: Iterable[str]) -> Dict[str, Any]:
        """The facet's result over the matching ``doc_ids``."""
        if self.numeric or self.dates:
            return self._compute_ranges(index, list(doc_ids))
        counts: Dict[str, int] = {}
        missing = 0
        for doc_id in doc_ids:
            terms = index.doc_field_terms(doc_id, self.field)
            if not terms:
                stored = index.stored.get(doc_id, {}).get(self.field)
                terms = {_plain(v) for v in stored} if stored else set()
            if not terms:
                missing += 1
            for term in terms:
                counts[term] = counts.get(term, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        shown = ranked[: self.size]
        total = sum(counts.values())
        out: Dict[str, Any] = {"field": self.field, "total": total, "missing": missing,
                               "other": total - sum(c for _, c in shown)}
        if shown:
            out["terms"] = [{"term": t, "count": c} for t, c in shown]
        return out

    def _compute_ranges(self, index: InvertedIndex, doc_ids: List[str]) -> Dict[str, Any]:
        values = index.date_values(self.field) if self.dates else index.numeric_values(self.field)
        ranges = self.dates or self.numeric
        counts = [0] * len(ranges)
        missing = 0
        for doc_id in doc_ids:
            vals = values.get(doc_id)
            if not vals:
                missing += 1
                continue
            for i, (_name, low, high, _echo) in enumerate(ranges):
                if any((low is None or v >= low) and (high is None or v < high) for v in vals):
                    counts[i] += 1
        order = sorted(range(len(ranges)), key=lambda i: (-counts[i], ranges[i][0]))
        shown = [i for i in order if counts[i]][: self.size]
        total = sum(counts)
        key = "date_ranges" if self.dates else "numeric_ranges"
        out: Dict[str, Any] = {"field": self.field, "total": total, "missing": missing,
                               "other": total - sum(counts[i] for i in shown)}
        if shown:
            out[key] = [dict({"name": ranges[i][0]}, **_echo_range(ranges[i][3]), count=counts[i])
                        for i in shown]
        return out


def _echo_range(echo: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(echo)
    for key in ("start", "end"):
        if key in out:
            when = parse_date(out[key])
            assert when is not None
            out[key] = datetime.datetime.fromtimestamp(when, datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
    return out


def _plain(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).lower() if isinstance(value, str) else str(value)


def parse_facets(raw: Any) -> List[Facet]:
    """The facets of a request (``None`` gives none)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise QueryError("facets must be an object")
    return [Facet(name, spec) for name, spec in raw.items()]
