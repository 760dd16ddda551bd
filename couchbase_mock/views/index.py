"""The index of one map function over a bucket's default collection.

Rows are ``(sort key, doc id, key, value)`` tuples kept sorted (view
collation of the key, ties by doc id in code-point order, which is the byte
order of the UTF-8 ids). Refreshing re-runs the map function only for
documents whose CAS changed since the last build, and swaps in a new row list,
so a response streaming the old list is unaffected.

The index is stale when the store's mutation count (sum of the vBucket
sequence numbers, number of stored entries) moved, or when an indexed
document's expiry has passed.
"""
from __future__ import annotations

import asyncio
import base64
import json
from typing import Any, Dict, List, Optional, Tuple

from couchbase_mock.store import DEFAULT_CID, BucketStore, is_json
from couchbase_mock.views.collation import sort_key
from couchbase_mock.views.jsengine import JSEngine

__all__ = ["ViewIndex", "Row", "store_version"]

Row = Tuple[Any, str, Any, Any]  # (sort key, doc id, key, value)
BATCH = 500


def store_version(store: BucketStore) -> Tuple[int, int]:
    """Changes whenever a document of the store is written or deleted."""
    return sum(store.vb_seqno), len(store.docs)


class ViewIndex:
    """Sorted map output of one map function; :meth:`refresh` brings it up to date."""

    def __init__(self, map_source: str) -> None:
        self.map_source = map_source
        self.rows: List[Row] = []
        self.built = False
        self.version: Optional[Tuple[int, int]] = None
        self.errors: Dict[str, str] = {}
        self._per_doc: Dict[bytes, Tuple[int, List[Row]]] = {}
        self._next_expiry = 0.0
        self._lock = asyncio.Lock()

    def is_current(self, store: BucketStore) -> bool:
        if not self.built or self.version != store_version(store):
            return False
        return not self._next_expiry or self._next_expiry > store.clock.now()

    async def refresh(self, store: BucketStore, engine: JSEngine) -> None:
        """Bring the index up to date with ``store`` (yields to the loop between batches)."""
        async with self._lock:
            if self.is_current(store):
                return
            version = store_version(store)
            live = []
            next_expiry = 0.0
            for (cid, key), _doc in list(store.docs.items()):
                if cid != DEFAULT_CID:
                    continue
                doc = store.live(cid, key)
                if doc is None:
                    continue
                live.append((key, doc.cas, doc))
                if doc.expiry and (not next_expiry or doc.expiry < next_expiry):
                    next_expiry = doc.expiry
            per_doc: Dict[bytes, Tuple[int, List[Row]]] = {}
            todo = []
            for key, cas, doc in live:
                cached = self._per_doc.get(key)
                if cached is not None and cached[0] == cas:
                    per_doc[key] = cached
                else:
                    todo.append((key, cas, _doc_json(key, doc)))
            errors: Dict[str, str] = {}
            handle = engine.function(self.map_source)
            for start in range(0, len(todo), BATCH):
                batch = todo[start:start + BATCH]
                outputs = engine.map(handle, "[" + ",".join(text for _k, _c, text in batch) + "]", len(batch))
                for (key, cas, _text), output in zip(batch, outputs):
                    doc_id = key.decode("utf-8", "replace")
                    if isinstance(output, str):
                        errors[doc_id] = output
                        per_doc[key] = (cas, [])
                        continue
                    per_doc[key] = (cas, [(sort_key(k), doc_id, k, v) for k, v in output])
                await asyncio.sleep(0)
            rows = [row for _cas, doc_rows in per_doc.values() for row in doc_rows]
            rows.sort(key=lambda r: (r[0], r[1]))
            self._per_doc = per_doc
            self.rows = rows
            self.errors = errors
            self.version = version
            self._next_expiry = next_expiry
            self.built = True


def _doc_json(key: bytes, doc: Any) -> str:
    """``[doc, meta]`` as JSON text: the document itself when it is JSON, else base64."""
    value = doc.value
    meta: Dict[str, Any] = {"id": key.decode("utf-8", "replace"), "rev": "%d-%016x%08x%08x" % (
        doc.seqno, doc.cas, doc.expiry, doc.flags), "seq": doc.seqno, "cas": doc.cas, "flags": doc.flags,
        "expiration": doc.expiry}
    if is_json(value):
        meta["type"] = "json"
        body: str = value.decode("utf-8", "replace")
    else:
        meta["type"] = "base64"
        body = json.dumps(base64.b64encode(value).decode("ascii"))
    return "[" + body + "," + json.dumps(meta) + "]"
