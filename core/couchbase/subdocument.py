"""Sub-document spec helpers for ``lookup_in`` and ``mutate_in``.

``import couchbase.subdocument as SD`` then
``coll.lookup_in("k", [SD.get("a.b"), SD.exists("c"), SD.count("list")])`` or
``coll.mutate_in("k", [SD.upsert("a", 1, create_parents=True), SD.increment("n", 2)])``.
Values are JSON-encoded here, once, when the spec is made.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from couchbase._binding import lib
from couchbase.exceptions import InvalidArgumentException, ValueFormatException

# Spec kinds: the PYCB_SD_* enum of _bridge.h, which pycb_subdoc turns into libcouchbase specs.
GET, EXISTS = lib.PYCB_SD_GET, lib.PYCB_SD_EXISTS
GET_COUNT, GET_DOC = lib.PYCB_SD_GET_COUNT, lib.PYCB_SD_GET_DOC
REPLACE, DICT_ADD, DICT_UPSERT = lib.PYCB_SD_REPLACE, lib.PYCB_SD_DICT_ADD, lib.PYCB_SD_DICT_UPSERT
ARRAY_ADD_FIRST, ARRAY_ADD_LAST = lib.PYCB_SD_ARRAY_ADD_FIRST, lib.PYCB_SD_ARRAY_ADD_LAST
ARRAY_ADD_UNIQUE, ARRAY_INSERT = lib.PYCB_SD_ARRAY_ADD_UNIQUE, lib.PYCB_SD_ARRAY_INSERT
COUNTER, REMOVE = lib.PYCB_SD_COUNTER, lib.PYCB_SD_REMOVE
REPLACE_DOC, REMOVE_DOC = lib.PYCB_SD_REPLACE_DOC, lib.PYCB_SD_REMOVE_DOC

LOOKUP_KINDS = frozenset({GET, EXISTS, GET_COUNT, GET_DOC})

_F_MKINTERMEDIATES = lib.LCB_SUBDOCSPECS_F_MKINTERMEDIATES
_F_XATTRPATH = lib.LCB_SUBDOCSPECS_F_XATTRPATH
_F_MACROVALUES = lib.LCB_SUBDOCSPECS_F_XATTR_MACROVALUES


class Spec:
    """One path operation. Build with the helper functions of this module."""

    __slots__ = ("kind", "path", "value", "flags", "delta")

    def __init__(self, kind: int, path: str, value: bytes = b"", flags: int = 0, delta: int = 0) -> None:
        if not isinstance(path, str):
            raise InvalidArgumentException(
                message=f"sub-document path must be a str, got {type(path).__name__}")
        self.kind = kind
        self.path = path
        self.value = value
        self.flags = flags
        self.delta = delta

    @property
    def is_lookup(self) -> bool:
        return self.kind in LOOKUP_KINDS

    def __repr__(self) -> str:
        return f"Spec(kind={self.kind}, path={self.path!r}, value={self.value!r}, flags={self.flags:#x})"


class MutationMacro:
    """Server-expanded values for xattr mutations (``${Mutation.CAS}`` …)."""

    def __init__(self, value: str) -> None:
        self.value = value

    @classmethod
    def cas(cls) -> "MutationMacro":
        return cls("${Mutation.CAS}")

    @classmethod
    def seq_no(cls) -> "MutationMacro":
        return cls("${Mutation.seqno}")

    @classmethod
    def value_crc32c(cls) -> "MutationMacro":
        return cls("${Mutation.value_crc32c}")


def _flags(xattr: bool, create_parents: bool = False) -> int:
    return (_F_XATTRPATH if xattr else 0) | (_F_MKINTERMEDIATES if create_parents else 0)


def _encode(value: Any) -> "tuple[bytes, int]":
    if isinstance(value, MutationMacro):
        return json.dumps(value.value).encode(), _F_MACROVALUES | _F_XATTRPATH
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), 0
    except (TypeError, ValueError) as exc:
        raise ValueFormatException(message=f"sub-document value {value!r} is not JSON-serializable",
                                   inner_cause=exc) from exc


def _multi(values: "tuple[Any, ...]") -> "tuple[bytes, int]":
    """The values of an array operation, comma-joined, and the flags they need (a MutationMacro
    value is expanded by the server, in an xattr)."""
    if len(values) == 1 and isinstance(values[0], ArrayValues):
        values = tuple(values[0])
    if not values:
        raise InvalidArgumentException(message="array operations need at least one value")
    encoded = [_encode(v) for v in values]
    extra = 0
    for _data, flags in encoded:
        extra |= flags
    return b",".join(data for data, _flags in encoded), extra


def get(path: str, xattr: bool = False) -> Spec:
    """Read the value at ``path`` (``""`` reads the whole document)."""
    if path == "" and not xattr:
        return Spec(GET_DOC, path)
    return Spec(GET, path, flags=_flags(xattr))


def get_full() -> Spec:
    """Read the whole document body."""
    return Spec(GET_DOC, "")


def exists(path: str, xattr: bool = False) -> Spec:
    """True/False: does ``path`` exist."""
    return Spec(EXISTS, path, flags=_flags(xattr))


def count(path: str, xattr: bool = False) -> Spec:
    """Number of elements of the array or object at ``path``."""
    return Spec(GET_COUNT, path, flags=_flags(xattr))


def _mutation(kind: int, path: str, value: Any, xattr: bool, create_parents: bool) -> Spec:
    data, extra = _encode(value)
    return Spec(kind, path, data, _flags(xattr, create_parents) | extra)


def upsert(path: str, value: Any, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Create or overwrite the dictionary entry at ``path``."""
    return _mutation(DICT_UPSERT, path, value, xattr, create_parents)


def insert(path: str, value: Any, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Create the dictionary entry at ``path``; fails with PathExists if it is there."""
    return _mutation(DICT_ADD, path, value, xattr, create_parents)


def replace(path: str, value: Any, xattr: bool = False) -> Spec:
    """Replace the value at ``path`` (``""`` replaces the whole document)."""
    if path == "" and not xattr:
        return Spec(REPLACE_DOC, "", _encode(value)[0])
    return _mutation(REPLACE, path, value, xattr, False)


def remove(path: str, xattr: bool = False) -> Spec:
    """Remove the value at ``path`` (``""`` removes the whole document)."""
    if path == "" and not xattr:
        return Spec(REMOVE_DOC, "")
    return Spec(REMOVE, path, flags=_flags(xattr))


def array_append(path: str, *values: Any, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Append values to the array at ``path``."""
    data, extra = _multi(values)
    return Spec(ARRAY_ADD_LAST, path, data, _flags(xattr, create_parents) | extra)


def array_prepend(path: str, *values: Any, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Prepend values to the array at ``path``."""
    data, extra = _multi(values)
    return Spec(ARRAY_ADD_FIRST, path, data, _flags(xattr, create_parents) | extra)


def array_insert(path: str, *values: Any, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Insert values at the array position ``path`` ends with (``list[2]``)."""
    data, extra = _multi(values)
    return Spec(ARRAY_INSERT, path, data, _flags(xattr, create_parents) | extra)


def array_addunique(path: str, value: Any, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Add a primitive value to the array at ``path`` unless already present."""
    return _mutation(ARRAY_ADD_UNIQUE, path, value, xattr, create_parents)


array_add_unique = array_addunique


def _delta(delta: Any) -> int:
    if not isinstance(delta, int) or isinstance(delta, bool):
        raise InvalidArgumentException(message=f"counter delta must be an int, got {type(delta).__name__}")
    if delta <= 0:
        raise InvalidArgumentException(message=f"counter delta must be positive, got {delta}")
    return delta


def increment(path: str, delta: int = 1, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Add ``delta`` to the number at ``path``; the result holds the new value."""
    return Spec(COUNTER, path, flags=_flags(xattr, create_parents), delta=_delta(delta))


def decrement(path: str, delta: int = 1, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Subtract ``delta`` from the number at ``path``; the result holds the new value."""
    return Spec(COUNTER, path, flags=_flags(xattr, create_parents), delta=-_delta(delta))


def counter(path: str, delta: int, create_parents: bool = False, xattr: bool = False) -> Spec:
    """Add a signed ``delta`` (1.x/2.x spelling)."""
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise InvalidArgumentException(message=f"counter delta must be a non-zero int, got {delta!r}")
    return Spec(COUNTER, path, flags=_flags(xattr, create_parents), delta=delta)


def check_specs(specs: Any, lookup: bool) -> "list[Spec]":
    """Validate a spec list for lookup_in (``lookup=True``) or mutate_in."""
    if isinstance(specs, Spec):
        specs = [specs]
    try:
        specs = list(specs)
    except TypeError:
        raise InvalidArgumentException(
            message=f"specs must be a list of Spec, got {type(specs).__name__}") from None
    if not specs:
        raise InvalidArgumentException(message="at least one sub-document spec is needed")
    if len(specs) > 16:
        raise InvalidArgumentException(
            message=f"at most 16 sub-document specs per operation, got {len(specs)}")
    for spec in specs:
        if not isinstance(spec, Spec):
            raise InvalidArgumentException(message=f"not a sub-document spec: {spec!r}")
        if spec.is_lookup != lookup:
            which = "lookup_in" if lookup else "mutate_in"
            raise InvalidArgumentException(message=f"{which} cannot take spec {spec!r}")
    return specs


def decode_value(raw: Optional[bytes]) -> Any:
    """JSON-decode one path's value (None for no value)."""
    if not raw:
        return None
    return json.loads(raw)


# ---- SDK 4.x names ----------------------------------------------------------------------------
from couchbase.options import StoreSemantics  # noqa: E402,F401  (4.x: also importable from here)


class LookupInMacro:
    """Virtual extended attributes readable with ``get(LookupInMacro.cas(), xattr=True)``."""

    @staticmethod
    def document() -> str:
        return "$document"

    @staticmethod
    def expiry_time() -> str:
        return "$document.exptime"

    @staticmethod
    def cas() -> str:
        return "$document.CAS"

    @staticmethod
    def seq_no() -> str:
        return "$document.seqno"

    @staticmethod
    def last_modified() -> str:
        return "$document.last_modified"

    @staticmethod
    def is_deleted() -> str:
        return "$document.deleted"

    @staticmethod
    def value_size_bytes() -> str:
        return "$document.value_bytes"

    @staticmethod
    def rev_id() -> str:
        return "$document.revid"


class ArrayValues(tuple):  # type: ignore[type-arg]
    """Several values for one array operation: ``array_append("a", ArrayValues(1, 2))``."""

    def __new__(cls, *args: Any) -> "ArrayValues":
        return super().__new__(cls, tuple(args))

    def __repr__(self) -> str:
        return f"ArrayValues{tuple(self)!r}"


def with_expiry() -> Spec:
    """Read the document's expiry (its ``$document.exptime`` virtual attribute)."""
    return get(LookupInMacro.expiry_time(), xattr=True)


def convert_macro_cas_to_cas(cas: str) -> int:
    """The CAS as an int from the hex string ``MutationMacro.cas()`` stored in an xattr (the server
    writes it little-endian, as SDK 4.x documents)."""
    raw = bytearray.fromhex(cas[2:] if cas.startswith("0x") else cas)
    raw.reverse()
    return int(raw.hex(), 16)
