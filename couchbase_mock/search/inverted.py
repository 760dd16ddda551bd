"""The inverted index of one search index over one bucket's documents.

Documents are flattened into dotted field paths (array elements keep the path
of the array and record their ``array_positions``).  Strings are analyzed into
term postings, numbers go into per-field numeric lists, strings that look like
RFC 3339 date-times also go into per-field date lists, and every leaf value is
kept as a stored field.  Each text token is also posted under the composite
field ``_all`` (recording its source field), which is what field-less queries
search, as in the server's default mapping.

:meth:`InvertedIndex.sync` brings the index up to date with the bucket's
store lazily: it is cheap when nothing changed (a fingerprint of the store's
sequence numbers and size) and otherwise re-indexes only documents whose CAS
changed, removing the ones that are gone or expired.
"""
from __future__ import annotations

import datetime
import json
import re
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from .analysis import analyze
from .definition import IndexDefinition, TypeMapping

__all__ = ["ALL", "Loc", "InvertedIndex", "parse_date"]

ALL = "_all"
DEFAULT_CID = 0

# (source field, 1-based position, start offset, end offset, array positions or None)
Loc = Tuple[str, int, int, int, Optional[Tuple[int, ...]]]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def parse_date(text: str) -> Optional[float]:
    """Seconds since the epoch of an RFC 3339 / ISO 8601 date-time string, else None."""
    if not isinstance(text, str) or not _DATE_RE.match(text):
        return None
    value = text.replace("Z", "+00:00").replace(" ", "T")
    try:
        dt = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def _leaves(value: Any, path: str, arrays: Tuple[int, ...]) -> Iterator[Tuple[str, Any, Tuple[int, ...]]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _leaves(sub, f"{path}.{key}" if path else str(key), arrays)
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from _leaves(sub, path, arrays + (i,))
    elif path:
        yield path, value, arrays


def _at(doc: Any, path: str) -> Any:
    """The value at dotted ``path`` of a document (None when absent)."""
    for part in path.split("."):
        if not isinstance(doc, dict):
            return None
        doc = doc.get(part)
    return doc


class InvertedIndex:
    """Postings, numeric and date values, stored fields and lengths of the indexed documents."""

    def __init__(self, definition: IndexDefinition) -> None:
        self.definition = definition
        self.postings: Dict[str, Dict[str, Dict[str, List[Loc]]]] = {}
        self.lengths: Dict[str, Dict[str, int]] = {}
        self.numbers: Dict[str, Dict[str, List[float]]] = {}
        self.dates: Dict[str, Dict[str, List[float]]] = {}
        self.stored: Dict[str, Dict[str, List[Any]]] = {}
        self.vector_fields = definition.vector_fields
        self.vectors: Dict[str, Dict[str, List[float]]] = {}  # vector field -> doc id -> vector
        self._versions: Dict[str, int] = {}
        self.collection: Dict[str, str] = {}  # doc id -> the collection it was read from
        self._doc_terms: Dict[str, Set[Tuple[str, str]]] = {}
        self._fingerprint: Any = None
        self._next_expiry = 0.0

    # ------------------------------------------------------------------ queries on the index
    @property
    def doc_count(self) -> int:
        return len(self.stored)

    def doc_ids(self) -> List[str]:
        return list(self.stored)

    def field_terms(self, field: str) -> Dict[str, Dict[str, List[Loc]]]:
        """``{term: {doc id: [locations]}}`` of a text field (``_all`` for every field)."""
        return self.postings.get(field, {})

    def numeric_values(self, field: Optional[str]) -> Dict[str, List[float]]:
        """``{doc id: [numbers]}`` of a field (of every numeric field when ``field`` is None)."""
        return self._values(self.numbers, field)

    def date_values(self, field: Optional[str]) -> Dict[str, List[float]]:
        """``{doc id: [epoch seconds]}`` of a field (every date field when ``field`` is None)."""
        return self._values(self.dates, field)

    @staticmethod
    def _values(table: Dict[str, Dict[str, List[float]]], field: Optional[str]) -> Dict[str, List[float]]:
        if field is not None and field != ALL:
            return table.get(field, {})
        merged: Dict[str, List[float]] = {}
        for per_doc in table.values():
            for doc_id, values in per_doc.items():
                merged.setdefault(doc_id, []).extend(values)
        return merged

    def doc_field_terms(self, doc_id: str, field: str) -> Set[str]:
        """The distinct terms of one field of one document."""
        return {term for f, term in self._doc_terms.get(doc_id, ()) if f == field}

    def field_length(self, field: str, doc_id: str) -> int:
        return self.lengths.get(field, {}).get(doc_id, 1)

    # ------------------------------------------------------------------ maintenance
    def _sources(self, store: Any) -> Dict[int, Tuple[str, str]]:
        """Collection id -> (scope, collection) of the collections this index reads."""
        if not self.definition.collection_mode:
            return {DEFAULT_CID: ("_default", "_default")}
        out: Dict[int, Tuple[str, str]] = {}
        for scope, (_sid, colls) in store.manifest.scopes.items():
            for coll, cid in colls.items():
                if (scope, coll) in self.definition.collections or (scope, coll) == ("_default", "_default"):
                    out[cid] = (scope, coll)
        return out

    def sync(self, store: Any) -> None:
        """Catch up with ``store`` (a ``BucketStore``): index new or changed documents of
        the collections the index reads (the default one unless it is collection-aware),
        drop deleted and expired ones. A key present in two indexed collections is indexed
        once (the later scanned)."""
        now = store.clock.now()
        fingerprint = (sum(store.vb_seqno), len(store.docs), store.manifest.uid)
        if fingerprint == self._fingerprint and not (self._next_expiry and now >= self._next_expiry):
            return
        sources = self._sources(store)
        seen: Set[str] = set()
        next_expiry = 0.0
        for (cid, key), doc in list(store.docs.items()):
            if cid not in sources or doc.deleted:
                continue
            if doc.expiry and doc.expiry <= now:
                continue
            doc_id = key.decode("utf-8", "replace")
            seen.add(doc_id)
            if doc.expiry:
                next_expiry = doc.expiry if not next_expiry else min(next_expiry, doc.expiry)
            if self._versions.get(doc_id) == doc.cas and self.collection.get(doc_id) == sources[cid][1]:
                continue
            self.remove(doc_id)
            if doc.datatype & 1 or doc.value[:1] in (b"{", b"["):
                try:
                    parsed = json.loads(doc.value)
                except ValueError:
                    continue
                if self.add(doc_id, parsed, *sources[cid]):
                    self._versions[doc_id] = doc.cas
        for doc_id in [d for d in self._versions if d not in seen]:
            self.remove(doc_id)
        self._fingerprint = fingerprint
        self._next_expiry = next_expiry

    def add(self, doc_id: str, doc: Any, scope: str = "_default", collection: str = "_default") -> bool:
        """Index one parsed JSON document of ``scope.collection``; False when its mapping excludes it."""
        mapping: Optional[TypeMapping] = self.definition.mapping_for(doc, scope, collection)
        if mapping is None or not isinstance(doc, dict):
            return False
        self.collection[doc_id] = collection
        stored: Dict[str, List[Any]] = {}
        for path, field in self.vector_fields.items():
            vec = field.vector_of(_at(doc, path))
            if vec is not None:
                self.vectors.setdefault(path, {})[doc_id] = vec
        for path, value, arrays in _leaves(doc, "", ()):
            if not mapping.wants(path) or path in self.vector_fields:
                continue
            stored.setdefault(path, []).append(value)
            apos = arrays or None
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, (int, float)):
                self.numbers.setdefault(path, {}).setdefault(doc_id, []).append(float(value))
                continue
            if not isinstance(value, str):
                continue
            when = parse_date(value)
            if when is not None:
                self.dates.setdefault(path, {}).setdefault(doc_id, []).append(when)
            tokens = analyze(value)
            field_postings = self.postings.setdefault(path, {})
            all_postings = self.postings.setdefault(ALL, {})
            doc_terms = self._doc_terms.setdefault(doc_id, set())
            for tok in tokens:
                # Positions restart for every value; array_positions tell array elements apart.
                loc = (path, tok.pos, tok.start, tok.end, apos)
                doc_terms.add((path, tok.term))
                field_postings.setdefault(tok.term, {}).setdefault(doc_id, []).append(loc)
                all_postings.setdefault(tok.term, {}).setdefault(doc_id, []).append(loc)
            for name in (path, ALL):
                per_doc = self.lengths.setdefault(name, {})
                per_doc[doc_id] = per_doc.get(doc_id, 0) + len(tokens)
        self.stored[doc_id] = stored
        return True

    def remove(self, doc_id: str) -> None:
        """Forget one document (no-op if it is not indexed)."""
        self._versions.pop(doc_id, None)
        self.collection.pop(doc_id, None)
        stored = self.stored.pop(doc_id, None)
        if stored is None:
            return
        for table in (self.numbers, self.dates, self.lengths, self.vectors):
            for per_doc in table.values():
                per_doc.pop(doc_id, None)
        for field, term in self._doc_terms.pop(doc_id, ()):
            for name in (field, ALL):
                docs = self.postings.get(name, {}).get(term)
                if docs is not None and docs.pop(doc_id, None) is not None and not docs:
                    del self.postings[name][term]
