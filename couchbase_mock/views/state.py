"""The views state of each bucket: its design documents, JavaScript engine
and indexes, and the query entry point that applies ``stale``.

State is kept per :class:`~couchbase_mock.store.BucketStore` (weakly), so a
bucket that is dropped takes its design documents with it. Everything runs
on the mock's loop thread.

``stale=false`` refreshes the index before answering; ``stale=ok`` answers
from the index as it is (building it only if it was never built);
``update_after`` (the server's default) answers like ``ok`` and then
refreshes in the background.
"""
from __future__ import annotations

import asyncio
import weakref
from typing import Any, Dict, Optional, Set

from couchbase_mock.store import BucketStore
from couchbase_mock.views import collation
from couchbase_mock.views.ddocs import DesignDocs, validate
from couchbase_mock.views.index import ViewIndex
from couchbase_mock.views.jsengine import JSEngine, engine
from couchbase_mock.views.params import ViewParams
from couchbase_mock.views.query import ViewResult, evaluate
from couchbase_mock.views.reduce import make_reducer

__all__ = ["BucketViews", "views_of", "ViewNotFound"]


class ViewNotFound(LookupError):
    """No such design document or view (HTTP 404 ``not_found``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BucketViews:
    """Design documents and indexes of one bucket."""

    def __init__(self, store: BucketStore) -> None:
        self._store = weakref.ref(store)
        self.ddocs = DesignDocs()
        self._engine: Optional[JSEngine] = None
        self._indexes: Dict[str, ViewIndex] = {}
        self._background: Set["asyncio.Task[None]"] = set()

    @property
    def store(self) -> BucketStore:
        store = self._store()
        if store is None:
            raise ViewNotFound("no_couchbase_bucket_exists")
        return store

    def engine(self) -> JSEngine:
        """The bucket's JavaScript engine (JSEngineMissing without quickjs)."""
        if self._engine is None:
            self._engine = engine()
        return self._engine

    def put_ddoc(self, name: str, body: Any) -> str:
        """Validate (compiling the functions when the engine is there) and store; the revision."""
        try:
            check = self.engine().function
        except RuntimeError:
            check = None
        rev = self.ddocs.put(name, validate(body, check))
        self._drop_unused()
        return rev

    def delete_ddoc(self, name: str) -> bool:
        found = self.ddocs.delete(name)
        self._drop_unused()
        return found

    def _drop_unused(self) -> None:
        used = set(self.ddocs.map_sources())
        for source in [s for s in self._indexes if s not in used]:
            del self._indexes[source]

    async def query(self, ddoc: str, view: str, params: ViewParams) -> ViewResult:
        """Answer a view query. ViewNotFound, ParamError, ReduceError, JSEngineMissing or
        CollationMissing on failure."""
        body, definition = self.ddocs.view(ddoc, view)
        if body is None:
            raise ViewNotFound("missing")
        if definition is None:
            raise ViewNotFound("missing_named_view")
        js = self.engine()
        collation.require()
        reduce_source = definition.get("reduce")
        reducer = make_reducer(reduce_source, self.engine) if reduce_source else None
        index = self._indexes.get(definition["map"])
        if index is None:
            index = self._indexes[definition["map"]] = ViewIndex(definition["map"])
        store = self.store
        if params.stale == "false" or not index.built:
            await index.refresh(store, js)
        elif params.stale == "update_after" and not index.is_current(store):
            task = asyncio.ensure_future(index.refresh(store, js))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return evaluate(index.rows, params, reducer)


_states: "weakref.WeakKeyDictionary[BucketStore, BucketViews]" = weakref.WeakKeyDictionary()


def views_of(store: BucketStore) -> BucketViews:
    """The views state of a bucket's store (created on first use)."""
    state = _states.get(store)
    if state is None:
        state = _states[store] = BucketViews(store)
    return state
