"""Full-text search index management: ``cluster.search_indexes()`` and ``scope.search_indexes()``.

Over the search service's REST API (``/api/index/<name>``; scoped indexes under
``/api/bucket/<b>/scope/<s>/index/<name>``): upsert/get/drop/list, document
counts, pause/resume ingest, allow/disallow querying, freeze/unfreeze the plan,
analyze a document, index stats.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Mapping, Optional

from couchbase import options as _o
from couchbase._generic import AnalyzedT, DocCountT, DoneT, IndexStatsT, SearchIndexListT, SearchIndexT
from couchbase.exceptions import (
    FeatureUnavailableException,
    InvalidArgumentException,
    QueryIndexAlreadyExistsException,
    SearchIndexNotFoundException,
)
from couchbase.management._http import Program, http_error, json_body, path_escape, timed_call

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import MgmtKwargs
    from couchbase.management.options import (
        AllowQueryingSearchIndexOptions,
        AnalyzeDocumentSearchIndexOptions,
        DisallowQueryingSearchIndexOptions,
        DropSearchIndexOptions,
        FreezePlanSearchIndexOptions,
        GetAllSearchIndexesOptions,
        GetAllSearchIndexStatsOptions,
        GetSearchIndexedDocumentsCountOptions,
        GetSearchIndexOptions,
        GetSearchIndexStatsOptions,
        PauseIngestSearchIndexOptions,
        ResumeIngestSearchIndexOptions,
        UnfreezePlanSearchIndexOptions,
        UpsertSearchIndexOptions,
    )

__all__ = ["SearchIndexManager", "ScopeSearchIndexManager", "SearchIndex"]


class SearchIndex:
    """A search index definition (``uuid`` must be the current one to update an index).

    Args:
        name: The index's name.
        source_type: The source type (``couchbase``).
        idx_type: The index type (``fulltext-index``).
        source_name: The bucket it indexes.
        uuid: The definition's current UUID (for updates).
        params: The mapping and analysis parameters.
        source_uuid: The bucket's UUID.
        source_params: Source parameters.
        plan_params: Partitioning and replica parameters.
    """

    def __init__(self, name: str, source_type: str = "couchbase", idx_type: str = "fulltext-index",
                 source_name: Optional[str] = None, uuid: Optional[str] = None,
                 params: Optional[Dict[str, Any]] = None, source_uuid: Optional[str] = None,
                 source_params: Optional[Dict[str, Any]] = None,
                 plan_params: Optional[Dict[str, Any]] = None) -> None:
        self.name, self.source_type, self.idx_type, self.source_name = (name, source_type, idx_type,
                                                                          source_name)
        self.uuid, self.source_uuid = uuid, source_uuid
        self.params = dict(params or {})
        self.source_params = dict(source_params or {})
        self.plan_params = dict(plan_params or {})

    def is_valid(self) -> bool:
        """Whether the definition can be sent: it names an index, a type and a source.

        Returns:
            bool: True when it can.

        Never raises.
        """
        return all(isinstance(v, str) and v for v in (self.name, self.idx_type, self.source_type))

    def as_server(self) -> Dict[str, Any]:
        """The definition as the search service takes it.

        Returns:
            dict: The JSON object.

        Never raises.
        """
        out: Dict[str, Any] = {"name": self.name, "type": self.idx_type, "sourceType": self.source_type}
        for key, value in (("sourceName", self.source_name), ("uuid", self.uuid),
                           ("sourceUUID", self.source_uuid)):
            if value:
                out[key] = value
        for key, block in (("params", self.params), ("sourceParams", self.source_params),
                           ("planParams", self.plan_params)):
            if block:
                out[key] = block
        return out

    @classmethod
    def from_json(cls, json_input: Any) -> "SearchIndex":
        """A SearchIndex from a definition exported by the UI or REST API.

        A scoped name ``bucket.scope.index`` keeps its last part.

        Args:
            json_input: A JSON str or dict.

        Returns:
            SearchIndex: The definition.

        Raises:
            InvalidArgumentException: Not a JSON object, or no name.
        """
        data = json.loads(json_input) if isinstance(json_input, str) else json_input
        if not isinstance(data, dict):
            raise InvalidArgumentException(message="from_json needs a JSON object (a dict or a str of one)")
        name = data.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidArgumentException(message="the JSON index definition has no name")
        return cls(name.split(".")[-1], data.get("sourceType", "couchbase"),
                   data.get("type", "fulltext-index"), data.get("sourceName"), None, data.get("params"), None,
                   data.get("sourceParams"), data.get("planParams"))

    @classmethod
    def from_server(cls, raw: Dict[str, Any]) -> "SearchIndex":
        """A SearchIndex from the service's answer.

        Args:
            raw: The service's JSON object of the index.

        Returns:
            SearchIndex: The definition.

        Raises:
            AttributeError: ``raw`` is not a dict.
        """
        return cls(raw.get("name", ""), raw.get("sourceType", "couchbase"), raw.get("type", "fulltext-index"),
                   raw.get("sourceName"), raw.get("uuid"), raw.get("params"), raw.get("sourceUUID"),
                   raw.get("sourceParams"), raw.get("planParams"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchIndex) and self.as_server() == other.as_server()

    def __repr__(self) -> str:
        return f"SearchIndex(name={self.name!r}, source_name={self.source_name!r}, uuid={self.uuid!r})"


_OPTS = frozenset({"timeout", "parent_span"})


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgumentException(message=f"index_name must be a non-empty str, got {value!r}")
    return value


def _check(resp: Any, what: str) -> Any:
    """The parsed body of a successful answer, or the typed error the server's text calls for."""
    text = resp.body[:500].decode("utf-8", "replace")
    if resp.status == 200:
        return json_body(resp)
    if resp.status in (400, 404, 500):
        if "index not found" in text or "no indexName:" in text:
            raise SearchIndexNotFoundException(message=f"{what}: {text}")
        if "index with the same name already exists" in text:
            raise QueryIndexAlreadyExistsException(message=f"{what}: {text}")
        if resp.status == 400:
            raise InvalidArgumentException(message=f"{what}: {text}")
    raise http_error(resp, what)


class SearchIndexManager(Generic[DoneT, SearchIndexT, SearchIndexListT, DocCountT, AnalyzedT, IndexStatsT]):
    """Search indexes of the cluster (``cluster.search_indexes()``).

    Args:
        run: The front end's driver of management programs.
    """

    def __init__(self, run: Callable[[Program], Any]) -> None:
        self._run = run

    def _path(self, name: Optional[str] = None, tail: str = "") -> str:
        base = "/api/index"
        return base + (f"/{path_escape(name)}" if name else "") + tail

    def _call(self, op: str, options: Any, kwargs: Mapping[str, Any], method: str, path: str,
              parse: Callable[[Any], Any], body: bytes = b"") -> Any:
        opts = _o.merge(op, _OPTS, options, kwargs)
        call = timed_call("search", method, path, body, "application/json", opts=opts)

        def program() -> Program:
            resp = yield call
            return parse(_check(resp, op))

        return self._run(program())

    def upsert_index(self, index: SearchIndex, *options: UpsertSearchIndexOptions,
                     **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Create or update an index (an update needs the index's current ``uuid``).

        Args:
            index: The :class:`SearchIndex`.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``index`` not a valid SearchIndex, or a definition the service refuses.
            QueryIndexAlreadyExistsException: A create of an index that exists (no ``uuid``).
        """
        if not isinstance(index, SearchIndex) or not index.is_valid():
            raise InvalidArgumentException(message=f"upsert_index needs a valid SearchIndex, got {index!r}")
        body = json.dumps(index.as_server()).encode()
        return self._call("upsert_index", options, kwargs, "PUT", self._path(index.name),
                          lambda b: None, body)

    def drop_index(self, index_name: str, *options: DropSearchIndexOptions,
                   **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Delete an index.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._call("drop_index", options, kwargs, "DELETE", self._path(_name(index_name)),
                          lambda b: None)

    def get_index(self, index_name: str, *options: GetSearchIndexOptions,
                  **kwargs: Unpack[MgmtKwargs]) -> SearchIndexT:
        """The index named ``index_name``.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            SearchIndex: The definition.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._call("get_index", options, kwargs, "GET", self._path(_name(index_name)),
                          lambda b: SearchIndex.from_server(b["indexDef"]))

    def get_all_indexes(self, *options: GetAllSearchIndexesOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> SearchIndexListT:
        """Every index.

        Args:
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            list[SearchIndex]: The definitions.

        Raises:
            InvalidArgumentException: A bad option.
        """
        def parse(body: Any) -> List[SearchIndex]:
            defs = ((body or {}).get("indexDefs") or {}).get("indexDefs") or {}
            return [SearchIndex.from_server(d) for d in defs.values()]

        return self._call("get_all_indexes", options, kwargs, "GET", self._path(), parse)

    def get_indexed_documents_count(self, index_name: str, *options: GetSearchIndexedDocumentsCountOptions,
                                    **kwargs: Unpack[MgmtKwargs]) -> DocCountT:
        """How many documents the index holds.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            int: The count.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._call("get_indexed_documents_count", options, kwargs, "GET",
                          self._path(_name(index_name), "/count"), lambda b: int(b.get("count", 0)))

    def _control(self, op: str, name: str, tail: str, options: Any, kwargs: Mapping[str, Any]) -> Any:
        return self._call(op, options, kwargs, "POST", self._path(_name(name), tail), lambda b: None)

    def pause_ingest(self, index_name: str, *options: PauseIngestSearchIndexOptions,
                     **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Stop indexing new mutations.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._control("pause_ingest", index_name, "/ingestControl/pause", options, kwargs)

    def resume_ingest(self, index_name: str, *options: ResumeIngestSearchIndexOptions,
                      **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Resume indexing.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._control("resume_ingest", index_name, "/ingestControl/resume", options, kwargs)

    def allow_querying(self, index_name: str, *options: AllowQueryingSearchIndexOptions,
                       **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Allow queries on the index.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._control("allow_querying", index_name, "/queryControl/allow", options, kwargs)

    def disallow_querying(self, index_name: str, *options: DisallowQueryingSearchIndexOptions,
                          **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Refuse queries on the index.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._control("disallow_querying", index_name, "/queryControl/disallow", options, kwargs)

    def freeze_plan(self, index_name: str, *options: FreezePlanSearchIndexOptions,
                    **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Freeze the index's partition plan.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._control("freeze_plan", index_name, "/planFreezeControl/freeze", options, kwargs)

    def unfreeze_plan(self, index_name: str, *options: UnfreezePlanSearchIndexOptions,
                      **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Unfreeze the index's partition plan.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._control("unfreeze_plan", index_name, "/planFreezeControl/unfreeze", options, kwargs)

    def analyze_document(self, index_name: str, document: Any, *options: AnalyzeDocumentSearchIndexOptions,
                         **kwargs: Unpack[MgmtKwargs]) -> AnalyzedT:
        """The tokens the index's analyzers make of ``document``.

        Args:
            index_name: The index's name.
            document: A JSON-serializable document.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            dict: ``{"status": ..., "analysis": the server's analyzed list}``.

        Raises:
            InvalidArgumentException: ``document`` is not JSON-serializable, or a bad name or option.
            SearchIndexNotFoundException: No such index.
        """
        try:
            body = json.dumps(document).encode()
        except (TypeError, ValueError) as exc:
            raise InvalidArgumentException(message=f"analyze_document: document is not JSON: {exc}") from None
        return self._call("analyze_document", options, kwargs, "POST",
                          self._path(_name(index_name), "/analyzeDoc"),
                          lambda b: {"status": b.get("status"), "analysis": b.get("analyzed")}, body)

    def get_index_stats(self, index_name: str, *options: GetSearchIndexStatsOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> IndexStatsT:
        """The index's statistics, as the server reports them.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            dict: The statistics.

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._call("get_index_stats", options, kwargs, "GET",
                          f"/api/stats/index/{path_escape(_name(index_name))}", lambda b: b)

    def get_all_index_stats(self, *options: GetAllSearchIndexStatsOptions,
                            **kwargs: Unpack[MgmtKwargs]) -> IndexStatsT:
        """Statistics of every index.

        Args:
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            dict: The statistics.

        Raises:
            InvalidArgumentException: A bad option.
        """
        return self._call("get_all_index_stats", options, kwargs, "GET", "/api/stats", lambda b: b)


class ScopeSearchIndexManager(
        SearchIndexManager[DoneT, SearchIndexT, SearchIndexListT, DocCountT, AnalyzedT, IndexStatsT]):
    """Search indexes of one scope (``scope.search_indexes()``); names are given and shown without the
    ``bucket.scope.`` prefix the service stores them under.

    Args:
        run: The front end's driver of management programs.
        bucket_name: The scope's bucket.
        scope_name: The scope.
    """

    def __init__(self, run: Callable[[Program], Any], bucket_name: str, scope_name: str) -> None:
        super().__init__(run)
        self._bucket, self._scope = bucket_name, scope_name

    def _short(self, index: SearchIndex) -> SearchIndex:
        prefix = f"{self._bucket}.{self._scope}."
        if index.name.startswith(prefix):
            index.name = index.name[len(prefix):]
        return index

    def get_index(self, index_name: str, *options: GetSearchIndexOptions,
                  **kwargs: Unpack[MgmtKwargs]) -> SearchIndexT:
        """The index named ``index_name`` in this scope.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            SearchIndex: The definition (its name without the prefix).

        Raises:
            InvalidArgumentException: ``index_name`` not a non-empty str, or a bad option.
            SearchIndexNotFoundException: No such index.
        """
        return self._call("get_index", options, kwargs, "GET", self._path(_name(index_name)),
                          lambda b: self._short(SearchIndex.from_server(b["indexDef"])))

    def get_all_indexes(self, *options: GetAllSearchIndexesOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> SearchIndexListT:
        """Every index of this scope.

        Args:
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            list[SearchIndex]: The definitions.

        Raises:
            InvalidArgumentException: A bad option.
        """
        def parse(body: Any) -> List[SearchIndex]:
            defs = ((body or {}).get("indexDefs") or {}).get("indexDefs") or {}
            return [self._short(SearchIndex.from_server(d)) for d in defs.values()]

        return self._call("get_all_indexes", options, kwargs, "GET", self._path(), parse)

    def get_index_stats(self, index_name: str, *options: GetSearchIndexStatsOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> IndexStatsT:
        """Not offered for scoped indexes, as in the official SDK.

        Args:
            index_name: The index's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            Nothing: it always raises.

        Raises:
            FeatureUnavailableException: Always.
        """
        raise FeatureUnavailableException(
            message="get_index_stats is not available for scope-level search indexes")

    def _path(self, name: Optional[str] = None, tail: str = "") -> str:
        base = f"/api/bucket/{path_escape(self._bucket)}/scope/{path_escape(self._scope)}/index"
        return base + (f"/{path_escape(name)}" if name else "") + tail
