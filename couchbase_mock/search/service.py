"""The search service of one mock cluster: its indexes and the operations the
fts port (and the Python control API) perform on them.

All methods run on the mock's event-loop thread.  Errors are
:class:`SearchError` with the HTTP status and the server's wording, chosen so
that both clients classify them: libcouchbase maps a 400 whose message holds
``not_found`` to INDEX_NOT_FOUND and any message holding ``QueryBleve
parsing`` to PARSING_FAILURE; the official SDK's core maps a 400 holding
``index not found`` to index-not-found.  The not-found message therefore
carries both spellings.
"""
from __future__ import annotations

import threading
import weakref
from collections import deque
from typing import Any, Deque, Dict, Iterable, List, Optional, Tuple

from .definition import DefinitionError, IndexDefinition
from .inverted import InvertedIndex
from .query import QueryError
from .request import SearchOutcome, SearchRequest

__all__ = ["SearchError", "SearchIndex", "SearchService", "service_for"]

IMPL_VERSION = "5.5.0"


class SearchError(Exception):
    """A failed search-service request: HTTP ``status`` and the ``error`` text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def to_json(self, request: Any = None) -> Dict[str, Any]:
        out: Dict[str, Any] = {"error": self.message, "status": "fail"}
        if request is not None:
            out["request"] = request
        return out


def not_found(name: str, where: str) -> SearchError:
    return SearchError(400, f"rest_auth: preparePerms, {where}, err: index not found: {name} (not_found)")


class SearchIndex:
    """A definition, its inverted index and an optional artificial query delay."""

    def __init__(self, definition: IndexDefinition) -> None:
        self.definition = definition
        self.inverted = InvertedIndex(definition)
        self.delay = 0.0
        self.ingest_paused = False  # documents written meanwhile are indexed on resume
        self.queries_allowed = True
        self.plan_frozen = False

    @property
    def pindex(self) -> str:
        return f"{self.definition.name}_{self.definition.uuid[:8]}"


class SearchService:
    """The indexes of one cluster (``cluster.buckets[name].store`` holds the documents)."""

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.indexes: Dict[str, SearchIndex] = {}
        self.uuid = "0"
        # the last query bodies received, as parsed JSON (what a client sends, for tests to compare)
        self.received: Deque[Any] = deque(maxlen=64)

    def _bump(self) -> None:
        self.uuid = format(int(self.uuid, 16) + 1, "x")

    def _version(self) -> Tuple[int, int, int]:
        """The server version the cluster reports, as (major, minor, patch)."""
        version = getattr(self.cluster, "version", None)
        return version() if callable(version) else (7, 6, 2)

    def _store(self, bucket: str) -> Optional[Any]:
        b = self.cluster.buckets.get(bucket)
        return None if b is None else b.store

    def _index(self, name: str, where: str) -> SearchIndex:
        index = self.indexes.get(name)
        if index is None:
            raise not_found(name, where)
        return index

    def _synced(self, index: SearchIndex) -> InvertedIndex:
        store = self._store(index.definition.source)
        if store is not None and not index.ingest_paused:
            index.inverted.sync(store)
        return index.inverted

    # ------------------------------------------------------------------ management
    def upsert(self, name: str, body: Any) -> SearchIndex:
        """Create or replace index ``name`` from a server-shaped definition."""
        try:
            definition = IndexDefinition.parse(name, body, self._version())
        except DefinitionError as exc:
            raise SearchError(400, f"rest_create_index: error creating index: {name}, err: {exc}") from None
        if self._store(definition.source) is None:
            raise SearchError(400, f"rest_create_index: error creating index: {name}, err: manager_api: "
                                   f"CreateIndex, Prepare failed, err: bucket not found: {definition.source}")
        old = self.indexes.get(name)
        if old is not None and body.get("uuid") != old.definition.uuid:
            # an update must name the index's current uuid (cbft's prevIndexUUID check)
            raise SearchError(400, f"rest_create_index: error creating index: {name}, err: manager_api: "
                                   f"index with the same name already exists: {name}")
        index = SearchIndex(definition)
        if old is not None:
            index.delay = old.delay
        self.indexes[name] = index
        self._bump()
        return index

    def create(self, name: str, bucket: str, fields: Optional[Iterable[str]] = None,
               doc_type: Optional[str] = None) -> SearchIndex:
        """Create (or replace) an index over ``bucket``: every field, or only ``fields``;
        only documents whose ``type`` is ``doc_type`` when it is given."""
        try:
            definition = IndexDefinition.simple(name, bucket, fields, doc_type)
        except DefinitionError as exc:
            raise SearchError(400, str(exc)) from None
        old = self.indexes.get(name)
        raw = definition.raw if old is None else dict(definition.raw, uuid=old.definition.uuid)
        return self.upsert(name, raw)

    def get(self, name: str) -> Dict[str, Any]:
        index = self._index(name, "GetIndex")
        return {"status": "ok", "indexDef": index.definition.to_json(),
                "planPIndexes": [{"name": index.pindex, "indexName": name,
                                  "sourceName": index.definition.source}],
                "warnings": []}

    def list(self) -> Dict[str, Any]:
        defs = {name: index.definition.to_json() for name, index in self.indexes.items()}
        return {"status": "ok",
                "indexDefs": {"uuid": self.uuid, "indexDefs": defs, "implVersion": IMPL_VERSION}}

    def delete(self, name: str) -> Dict[str, Any]:
        index = self._index(name, "DeleteIndex")
        del self.indexes[name]
        self._bump()
        return {"status": "ok", "uuid": index.definition.uuid}

    def count(self, name: str) -> Dict[str, Any]:
        index = self._index(name, "CountIndex")
        return {"status": "ok", "count": self._synced(index).doc_count}

    def control(self, name: str, what: str, op: str) -> Dict[str, Any]:
        """ingestControl pause|resume, queryControl allow|disallow, planFreezeControl freeze|unfreeze."""
        index = self._index(name, what)
        flags = {("ingestControl", "pause"): ("ingest_paused", True),
                 ("ingestControl", "resume"): ("ingest_paused", False),
                 ("queryControl", "allow"): ("queries_allowed", True),
                 ("queryControl", "disallow"): ("queries_allowed", False),
                 ("planFreezeControl", "freeze"): ("plan_frozen", True),
                 ("planFreezeControl", "unfreeze"): ("plan_frozen", False)}
        if (what, op) not in flags:
            raise SearchError(400, f"rest_index: {what}, unsupported op: {op}")
        attr, value = flags[(what, op)]
        setattr(index, attr, value)
        return {"status": "ok"}

    def analyze(self, name: str, doc: Any) -> Dict[str, Any]:
        """The tokens the index's analyzer makes of every string in ``doc``."""
        from couchbase_mock.search.analysis import analyze

        self._index(name, "AnalyzeDoc")
        out: List[Any] = []

        def walk(value: Any) -> None:
            if isinstance(value, str):
                out.extend({"term": t.term, "position": t.pos, "start": t.start, "end": t.end}
                           for t in analyze(value))
            elif isinstance(value, dict):
                for v in value.values():
                    walk(v)
            elif isinstance(value, list):
                for v in value:
                    walk(v)

        walk(doc)
        return {"status": "ok", "analyzed": out}

    def set_delay(self, name: str, seconds: float) -> None:
        """Make every query of ``name`` wait ``seconds`` before answering (to test timeouts)."""
        if seconds < 0:
            raise ValueError("delay must not be negative")
        self._index(name, "SetDelay").delay = float(seconds)

    # ------------------------------------------------------------------ queries
    def parse(self, name: str, body: Any) -> SearchRequest:
        """Check the index exists and parse a query body (SearchError on failure)."""
        self.received.append(body)
        self._index(name, "Query")
        try:
            return SearchRequest(body, self._version())
        except QueryError as exc:
            raise parsing_error(name, str(exc)) from None

    def query(self, name: str, request: SearchRequest) -> SearchOutcome:
        """Run a parsed request against the (freshly synced) index."""
        index = self._index(name, "Query")
        if not index.queries_allowed:
            raise SearchError(400, f"rest_index: Query, indexName: {name}, err: pindex_consistency: queries "
                                   f"disallowed for index")
        return request.run(self._synced(index), index.pindex)

    def delay_of(self, name: str) -> float:
        index = self.indexes.get(name)
        return index.delay if index is not None else 0.0


def parsing_error(name: str, detail: str) -> SearchError:
    return SearchError(400, f"rest_index: Query, indexName: {name}, err: bleve: QueryBleve parsing "
                            f"searchRequest, err: {detail}")


_services: "weakref.WeakKeyDictionary[Any, SearchService]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def service_for(cluster: Any) -> SearchService:
    """The (one) :class:`SearchService` of ``cluster``."""
    with _lock:
        service = _services.get(cluster)
        if service is None:
            service = SearchService(cluster)
            _services[cluster] = service
        return service
