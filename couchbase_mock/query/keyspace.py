"""Keyspaces of the query services over the mock's document store.

Resolves keyspace references (``b``, ``default:b``, ``b.s.c``, names relative
to a request's ``query_context``) to a bucket store and collection id, reads
live documents as JSON with their META(), and applies DML as real KV
mutations: a new CAS from the store's clock, the vBucket's next sequence
number, system xattrs kept -- exactly what the KV path does -- so a KV get
sees the change.
"""
from __future__ import annotations

import json
import zlib
from typing import Any, Dict, Iterator, List, Optional, Tuple

from couchbase_mock.query.errors import KEYSPACE_NOT_FOUND, SCOPE_NOT_FOUND, QueryError
from couchbase_mock.query.nodes import KeyspaceRef
from couchbase_mock.store import Doc

__all__ = ["Keyspace", "resolve", "parse_query_context", "store_doc", "delete_doc", "JSON_FLAGS"]

JSON_FLAGS = 0x02000000


def parse_query_context(text: Optional[str]) -> Optional[Tuple[str, Optional[str]]]:
    """``default:`b`.`s``` (or ``b.s``, ``b``) -> (bucket, scope or None)."""
    if not text:
        return None
    if not isinstance(text, str):
        raise QueryError(1050, "Invalid value for query_context", 400)
    rest = text.split(":", 1)[1] if ":" in text.split("`", 1)[0] else text
    parts: List[str] = []
    cur, quoted = [], False
    for c in rest:
        if c == "`":
            quoted = not quoted
        elif c == "." and not quoted:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
    parts.append("".join(cur))
    if not parts[0] or len(parts) > 2:
        raise QueryError(1050, f"Invalid value for query_context: {text}", 400)
    return parts[0], parts[1] if len(parts) > 1 else None


class Keyspace:
    """A resolved keyspace: bucket model, scope, collection, collection id and its path text."""

    __slots__ = ("bucket", "scope", "collection", "cid")

    def __init__(self, bucket: Any, scope: str, collection: str, cid: int) -> None:
        self.bucket = bucket
        self.scope = scope
        self.collection = collection
        self.cid = cid

    @property
    def store(self) -> Any:
        return self.bucket.store

    @property
    def ident(self) -> Tuple[str, str, str]:
        return (self.bucket.name, self.scope, self.collection)

    @property
    def path(self) -> str:
        """``default:b`` for the default collection, else ``default:b.s.c``."""
        if (self.scope, self.collection) == ("_default", "_default"):
            return f"default:{self.bucket.name}"
        return f"default:{self.bucket.name}.{self.scope}.{self.collection}"

    def quoted(self) -> str:
        if (self.scope, self.collection) == ("_default", "_default"):
            return f"`default`:`{self.bucket.name}`"
        return f"`default`:`{self.bucket.name}`.`{self.scope}`.`{self.collection}`"

    # ---- reads
    def keys(self) -> List[bytes]:
        """Keys of the collection in primary-index (byte) order; a snapshot of keys only."""
        cid = self.cid
        return sorted(k for (c, k), d in self.store.docs.items() if c == cid and not d.deleted)

    def get(self, key: bytes) -> Optional[Doc]:
        return self.store.live(self.cid, key)

    def value_of(self, doc: Doc) -> Any:
        if doc.datatype & 1 or doc.value[:1] in (b"{", b"["):
            try:
                return json.loads(doc.value)
            except ValueError:
                pass
        try:
            return json.loads(doc.value)
        except ValueError:
            return f"<binary ({len(doc.value)} b)>"

    def meta_of(self, key: bytes, doc: Doc) -> Dict[str, Any]:
        return {"cas": doc.cas, "expiration": int(doc.expiry), "flags": doc.flags,
                "id": key.decode("utf-8", "replace"), "keyspace": self.path,
                "type": "json" if doc.datatype & 1 else "base64"}

    def scan(self, keys: Optional[List[bytes]] = None) -> Iterator[Tuple[bytes, Doc]]:
        """Live documents (of ``keys`` if given, else all, in key order), read as they are reached."""
        for key in self.keys() if keys is None else keys:
            doc = self.get(key)
            if doc is not None:
                yield key, doc

    # ---- writes
    def vbucket(self, key: bytes) -> int:
        return ((zlib.crc32(key) >> 16) & 0x7FFF) % self.bucket.num_vbuckets


def store_doc(ks: Keyspace, key: bytes, value: Any, expiry: int = 0) -> Doc:
    """Write ``value`` (a JSON value) as the KV path writes a document; returns the new Doc."""
    store = ks.store
    data = json.dumps(value, separators=(",", ":")).encode("utf-8")
    old = store.live(ks.cid, key)
    doc = Doc(data, JSON_FLAGS, 1, store.next_cas(), expiry, store.next_seqno(ks.vbucket(key)))
    if old is not None:
        doc.xattrs = {k: v for k, v in old.xattrs.items() if k.startswith("_")}
    store.docs[(ks.cid, key)] = doc
    return doc


def delete_doc(ks: Keyspace, key: bytes, doc: Doc) -> None:
    """Delete as the KV path does: a tombstone with a new CAS and sequence number."""
    store = ks.store
    doc.deleted = True
    doc.value = b""
    doc.lock_until = 0.0
    doc.xattrs = {k: v for k, v in doc.xattrs.items() if k.startswith("_")}
    doc.cas = store.next_cas()
    doc.seqno = store.next_seqno(ks.vbucket(key))


def _not_found(text: str, analytics: bool) -> QueryError:
    if analytics:
        return QueryError(24045, f"Cannot find dataset with name {text} in dataverse Default", 400)
    return QueryError(KEYSPACE_NOT_FOUND, f"Keyspace not found in CB datastore: {text}", 500)


def resolve(cluster: Any, ref: KeyspaceRef, query_context: Optional[Tuple[str, Optional[str]]],
            analytics: bool = False) -> Keyspace:
    """The keyspace ``ref`` names (relative to ``query_context``); 12003 (24045 for analytics) if none."""
    parts = list(ref.parts)
    if analytics and len(parts) == 2 and parts[0].lower() == "default":
        parts = parts[1:]  # `Default`.`bucket`: the bucket's dataset in the Default dataverse
    namespace = ref.namespace
    if namespace is not None and namespace.lower() != "default":
        raise _not_found(f"{namespace}:{'.'.join(parts)}", analytics)
    if len(parts) == 1 and query_context is not None and query_context[1] is not None and namespace is None:
        bucket, scope, coll = query_context[0], query_context[1], parts[0]
    elif len(parts) == 1:
        bucket, scope, coll = parts[0], "_default", "_default"
    elif len(parts) == 3:
        bucket, scope, coll = parts
    else:
        raise _not_found("default:" + ".".join(parts), analytics)
    shown = ".".join([bucket] if (scope, coll) == ("_default", "_default") and len(parts) == 1 else
                     [bucket, scope, coll])
    b = cluster.buckets.get(bucket)
    if b is None:
        raise _not_found(shown if analytics else f"default:{shown}", analytics)
    cid, scope_ok = b.store.manifest.cid(scope, coll)
    if cid is None and not scope_ok and not analytics:
        raise QueryError(SCOPE_NOT_FOUND, f"Scope not found in CB datastore default:{bucket}.{scope}", 500)
    if cid is None:
        raise _not_found(shown if analytics else f"default:{shown}", analytics)
    return Keyspace(b, scope, coll, cid)
