"""Documents of one bucket: values, flags, CAS, expiry, locks, xattrs,
tombstones, and per-vBucket sequence numbers and UUIDs.

All methods run on the mock's event-loop thread. Time comes from
:class:`Clock`, which tests can advance instead of sleeping.
"""
from __future__ import annotations

import json
import os
import re
import time
from typing import Dict, List, Optional, Tuple

THIRTY_DAYS = 30 * 24 * 60 * 60
DEFAULT_CID = 0


class Clock:
    """Wall time plus an offset that ``advance`` moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds

    def absolute(self, expiry: int) -> int:
        """Server expiry semantics: 0 never, ≤ 30 days relative, else a unix time."""
        if expiry == 0:
            return 0
        if expiry <= THIRTY_DAYS:
            return int(self.now()) + expiry
        return expiry


class Doc:
    """One stored document (or tombstone)."""

    __slots__ = ("value", "flags", "datatype", "cas", "expiry", "lock_until", "lock_cas", "xattrs", "deleted",
                 "seqno")

    def __init__(self, value: bytes, flags: int, datatype: int, cas: int, expiry: int, seqno: int) -> None:
        self.value = value
        self.flags = flags
        self.datatype = datatype
        self.cas = cas
        self.expiry = expiry
        self.lock_until = 0.0
        self.lock_cas = 0
        self.xattrs: Dict[str, bytes] = {}
        self.deleted = False
        self.seqno = seqno


def is_json(value: bytes) -> bool:
    if not value or value[:1] not in b'{["-0123456789tfn':
        return False
    try:
        json.loads(value)
        return True
    except ValueError:
        return False


_COLLECTION_NAME = re.compile(r"^[A-Za-z0-9_%-][A-Za-z0-9_.%-]*$")


def collection_name_error(name: str) -> Optional[str]:
    """ns_server's refusal of a scope or collection name (the REST API and SQL++ DDL alike), or None."""
    if not name or not _COLLECTION_NAME.match(name) or len(name) > 251 or name[0] in "_%":
        return ("Name must be between 1 and 251 characters and contain only A-Z, a-z, 0-9, _, -, %; "
                "it cannot start with _ or %")
    return None


class Manifest:
    """Scopes and collections of a bucket with their ids (and per-collection maxTTL/history)."""

    def __init__(self) -> None:
        self.uid = 0
        self.scopes: Dict[str, Tuple[int, Dict[str, int]]] = {"_default": (0, {"_default": 0})}
        self.settings: Dict[int, Dict[str, object]] = {}  # cid -> {"maxTTL": n, "history": bool}
        self._next_cid = 8
        self._next_sid = 8

    def create(self, scope: str, collection: Optional[str],
               settings: Optional[Dict[str, object]] = None) -> int:
        found = self.scopes.get(scope)
        colls: Dict[str, int]
        if found is None:
            sid, colls = self._next_sid, {}
            self._next_sid += 1
            self.scopes[scope] = (sid, colls)
            self.uid += 1
        else:
            sid, colls = found
        if collection is None:
            return sid
        if collection not in colls:
            colls[collection] = self._next_cid
            self.settings[self._next_cid] = dict(settings or {})
            self._next_cid += 1
            self.uid += 1
        return colls[collection]

    def drop_scope(self, scope: str) -> List[int]:
        """Remove a scope; returns the ids of the collections that went with it."""
        _sid, colls = self.scopes.pop(scope)
        self.uid += 1
        for cid in colls.values():
            self.settings.pop(cid, None)
        return list(colls.values())

    def drop_collection(self, scope: str, collection: str) -> int:
        cid = self.scopes[scope][1].pop(collection)
        self.settings.pop(cid, None)
        self.uid += 1
        return cid

    def update(self, cid: int, settings: Dict[str, object]) -> None:
        self.settings.setdefault(cid, {}).update(settings)
        self.uid += 1

    def cid(self, scope: str, collection: str) -> Tuple[Optional[int], bool]:
        """(collection id or None, scope exists)."""
        entry = self.scopes.get(scope)
        if entry is None:
            return None, False
        return entry[1].get(collection), True

    def known(self, cid: int) -> bool:
        return any(cid in colls.values() for _sid, colls in self.scopes.values())

    def as_dict(self) -> Dict[str, object]:
        def coll(name: str, cid: int) -> Dict[str, object]:
            out: Dict[str, object] = {"name": name, "uid": f"{cid:x}"}
            out.update(self.settings.get(cid, {}))
            out.setdefault("maxTTL", 0)
            out.setdefault("history", False)
            return out

        return {"uid": f"{self.uid:x}", "scopes": [
            {"name": name, "uid": f"{sid:x}", "collections": [coll(c, cid) for c, cid in colls.items()]}
            for name, (sid, colls) in self.scopes.items()]}

    def as_json(self) -> str:
        return json.dumps(self.as_dict())


class BucketStore:
    """The documents of one bucket, keyed by (collection id, key)."""

    def __init__(self, name: str, num_vbuckets: int, clock: Clock) -> None:
        self.name = name
        self.clock = clock
        self.docs: Dict[Tuple[int, bytes], Doc] = {}
        self.vb_seqno = [0] * num_vbuckets
        self.vb_uuid = [int.from_bytes(os.urandom(8), "big") >> 1 for _ in range(num_vbuckets)]
        self.vb_history: List[List[Tuple[float, int]]] = [[] for _ in range(num_vbuckets)]
        self.manifest = Manifest()
        self._cas = time.time_ns()

    def next_cas(self) -> int:
        self._cas = max(self._cas + 1, time.time_ns())
        return self._cas

    def next_seqno(self, vb: int) -> int:
        self.vb_seqno[vb] += 1
        self.vb_history[vb].append((time.monotonic(), self.vb_seqno[vb]))
        if len(self.vb_history[vb]) > 64:
            del self.vb_history[vb][:32]
        return self.vb_seqno[vb]

    def seqno_as_of(self, vb: int, lag: float) -> int:
        """The vBucket's sequence number as it was ``lag`` seconds ago (for simulated lag)."""
        if lag <= 0:
            return self.vb_seqno[vb]
        cutoff = time.monotonic() - lag
        older = [seqno for when, seqno in self.vb_history[vb] if when <= cutoff]
        if older:
            return older[-1]
        history = self.vb_history[vb]
        return history[0][1] - 1 if history else self.vb_seqno[vb]

    def live(self, cid: int, key: bytes) -> Optional[Doc]:
        """The document if it exists and has not expired (expired ones are removed)."""
        doc = self.docs.get((cid, key))
        if doc is None or doc.deleted:
            return None
        if doc.expiry and doc.expiry <= self.clock.now():
            doc.deleted = True
            doc.value = b""
            doc.xattrs = {k: v for k, v in doc.xattrs.items() if k.startswith("_")}
            return None
        return doc

    def any(self, cid: int, key: bytes) -> Optional[Doc]:
        """The document or its tombstone."""
        self.live(cid, key)
        return self.docs.get((cid, key))

    def is_locked(self, doc: Doc) -> bool:
        return doc.lock_until > self.clock.now()

    def drop_collection_docs(self, cid: int) -> None:
        """Forget every document of a dropped collection (its id is never reused)."""
        for key in [k for k in self.docs if k[0] == cid]:
            del self.docs[key]
