"""Sub-document engine: the semantics of SUBDOC_MULTI_LOOKUP / SUBDOC_MULTI_MUTATION.

This module is pure (no I/O, no clock, no randomness).  The KV handler parses the
0xd0/0xd1 wire format into :class:`LookupSpec` / :class:`MutationSpec`, checks the
*document-level* conditions itself (document missing, MKDOC/ADD, CAS, locks,
tombstones, expiry) and then calls:

* :func:`validate_lookup` / :func:`validate_mutation` -- request-level checks the
  server does before touching the document.  A non-zero result is sent as the
  plain response status with an empty value.
* :func:`lookup` -- one ``(status, value)`` per spec.
* :func:`mutate` -- all-or-nothing; a :class:`MutateOutcome`.

:func:`lookup` and :func:`mutate` run the validation again and raise
:class:`SubdocRequestError` when it fails, so a handler that skips the
``validate_*`` call still cannot apply an invalid request.

Document bodies are ``bytes``.  Extended attributes are a ``dict`` mapping the
xattr name (``str``) to its JSON text (``bytes``; ``str`` is accepted too); the
returned dict always holds ``bytes``.  Output JSON is compact.

Facts follow kv_engine's ``docs/SubDocument.md``, its sub-document validators and
command traits (Couchbase Server 7.x).
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple, Union

__all__ = [
    "LookupSpec",
    "MutationSpec",
    "MutateOutcome",
    "SubdocRequestError",
    "lookup",
    "mutate",
    "validate_lookup",
    "validate_mutation",
    "crc32c",
]

# ----------------------------------------------------------------------------- opcodes

OP_GET_DOC = 0x00  # whole-document GET (lookup, empty path)
OP_SET_DOC = 0x01  # whole-document SET (mutation, empty path)
OP_DELETE_DOC = 0x04  # whole-document DELETE (mutation, empty path)
OP_GET = 0xC5
OP_EXISTS = 0xC6
OP_DICT_ADD = 0xC7
OP_DICT_UPSERT = 0xC8
OP_DELETE = 0xC9
OP_REPLACE = 0xCA
OP_ARRAY_PUSH_LAST = 0xCB
OP_ARRAY_PUSH_FIRST = 0xCC
OP_ARRAY_INSERT = 0xCD
OP_ARRAY_ADD_UNIQUE = 0xCE
OP_COUNTER = 0xCF
OP_GET_COUNT = 0xD2

# path flags
FLAG_MKDIR_P = 0x01
FLAG_XATTR = 0x04
FLAG_EXPAND_MACROS = 0x10

# doc flags (the trailing extras byte)
DOC_MKDOC = 0x01
DOC_ADD = 0x02
DOC_ACCESS_DELETED = 0x04
DOC_CREATE_AS_DELETED = 0x08
DOC_REVIVE = 0x10
DOC_REPLICA_READ = 0x20

# ----------------------------------------------------------------------------- statuses

SUCCESS = 0x00
EINVAL = 0x04
XATTR_EINVAL = 0x87
PATH_ENOENT = 0xC0
PATH_MISMATCH = 0xC1
PATH_EINVAL = 0xC2
PATH_E2BIG = 0xC3
DOC_E2DEEP = 0xC4
VALUE_CANTINSERT = 0xC5
DOC_NOTJSON = 0xC6
NUM_ERANGE = 0xC7
DELTA_EINVAL = 0xC8
PATH_EEXISTS = 0xC9
VALUE_ETOODEEP = 0xCA
INVALID_COMBO = 0xCB
XATTR_INVALID_FLAG_COMBO = 0xCE
XATTR_INVALID_KEY_COMBO = 0xCF
XATTR_UNKNOWN_MACRO = 0xD0
XATTR_UNKNOWN_VATTR = 0xD1
XATTR_CANT_MODIFY_VATTR = 0xD2
INVALID_XATTR_ORDER = 0xD4
XATTR_UNKNOWN_VATTR_MACRO = 0xD5

# ----------------------------------------------------------------------------- limits

MAX_PATHS = 16
MAX_PATH_LENGTH = 1024
MAX_PATH_COMPONENTS = 32
MAX_DEPTH = 32
MAX_XATTR_KEY_LENGTH = 16

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

MACRO_CAS = '"${Mutation.CAS}"'
MACRO_SEQNO = '"${Mutation.seqno}"'
MACRO_CRC32C = '"${Mutation.value_crc32c}"'
_MUTATION_MACROS = (MACRO_CAS, MACRO_SEQNO, MACRO_CRC32C)


# ----------------------------------------------------------------------------- public types


class LookupSpec(NamedTuple):
    """One spec of a SUBDOC_MULTI_LOOKUP request."""

    opcode: int
    flags: int
    path: str


class MutationSpec(NamedTuple):
    """One spec of a SUBDOC_MULTI_MUTATION request (``value`` is the raw spec value)."""

    opcode: int
    flags: int
    path: str
    value: bytes = b""


class MutateOutcome(NamedTuple):
    """Result of :func:`mutate`.

    On success ``ok`` is true, ``doc`` is the new body (``None`` when a whole-doc
    DELETE ran), ``xattrs`` the complete new xattr dict and ``results`` the
    ``(index, value)`` pairs of the specs that produce a value (COUNTER).
    On failure ``ok`` is false, ``failed_index``/``status`` name the first failing spec and
    nothing was applied (``doc``/``xattrs`` are the inputs, untouched).
    """

    ok: bool
    doc: Optional[bytes]
    xattrs: Dict[str, bytes]
    results: List[Tuple[int, bytes]]
    failed_index: int = -1
    status: int = SUCCESS

    @property
    def deleted(self) -> bool:
        """True when the body was removed by a whole-document DELETE spec."""
        return self.ok and self.doc is None


class SubdocRequestError(Exception):
    """A request-level failure: send ``status`` as the response status, empty value."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or "subdoc request error 0x%02x" % status)
        self.status = status
        self.message = message


# ----------------------------------------------------------------------------- command traits

# opcode -> (is_mutator, valid path flags, valid doc flags, has value, allow empty path, whole doc)
_MK, _XA, _EM = FLAG_MKDIR_P, FLAG_XATTR, FLAG_EXPAND_MACROS
_LOOKUP_DOC_FLAGS = DOC_ACCESS_DELETED | DOC_REVIVE | DOC_REPLICA_READ
_ALL_CREATE = DOC_MKDOC | DOC_ACCESS_DELETED | DOC_REVIVE | DOC_ADD | DOC_CREATE_AS_DELETED


class _Traits(NamedTuple):
    mutator: bool
    path_flags: int
    doc_flags: int
    has_value: bool
    empty_path: bool
    wholedoc: bool


_TRAITS: Dict[int, _Traits] = {
    OP_GET_DOC: _Traits(False, 0, _LOOKUP_DOC_FLAGS, False, True, True),
    OP_GET: _Traits(False, _XA, _LOOKUP_DOC_FLAGS, False, False, False),
    OP_EXISTS: _Traits(False, _XA, _LOOKUP_DOC_FLAGS, False, False, False),
    OP_GET_COUNT: _Traits(False, _XA, _LOOKUP_DOC_FLAGS, False, True, False),
    # Whole-doc SET/DELETE: also accept the flags transactions send with them.
    OP_SET_DOC: _Traits(True, 0, _ALL_CREATE, True, True, True),
    OP_DELETE_DOC: _Traits(True, 0, DOC_ACCESS_DELETED | DOC_REVIVE, False, True, True),
    OP_DICT_ADD: _Traits(True, _MK | _XA | _EM, _ALL_CREATE, True, False, False),
    OP_DICT_UPSERT: _Traits(True, _MK | _XA | _EM, _ALL_CREATE, True, False, False),
    OP_DELETE: _Traits(True, _XA, DOC_ACCESS_DELETED | DOC_REVIVE, False, False, False),
    OP_REPLACE: _Traits(True, _XA | _EM, DOC_ACCESS_DELETED | DOC_REVIVE | DOC_ADD, True, False, False),
    OP_ARRAY_PUSH_LAST: _Traits(True, _MK | _XA | _EM, _ALL_CREATE, True, True, False),
    OP_ARRAY_PUSH_FIRST: _Traits(True, _MK | _XA | _EM, _ALL_CREATE, True, True, False),
    OP_ARRAY_INSERT: _Traits(
        True, _XA | _EM, DOC_ACCESS_DELETED | DOC_REVIVE | DOC_ADD | DOC_CREATE_AS_DELETED, True, False, False
    ),
    OP_ARRAY_ADD_UNIQUE: _Traits(True, _MK | _XA, _ALL_CREATE, True, True, False),
    OP_COUNTER: _Traits(True, _MK | _XA, _ALL_CREATE, True, False, False),
}

_ARRAY_ROOT_OPS = (OP_ARRAY_PUSH_LAST, OP_ARRAY_PUSH_FIRST, OP_ARRAY_ADD_UNIQUE)


# ----------------------------------------------------------------------------- validation


def _path_bytes(path: Union[str, bytes]) -> bytes:
    return path if isinstance(path, bytes) else path.encode("utf-8", "surrogatepass")


def _path_str(path: Union[str, bytes]) -> Optional[str]:
    if isinstance(path, str):
        return path
    try:
        return path.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _xattr_key(path: str) -> str:
    end = len(path)
    for ch in ".[":
        pos = path.find(ch)
        if pos != -1 and pos < end:
            end = pos
    return path[:end]


def _valid_xattr_key(key: str) -> bool:
    raw = key.encode("utf-8", "surrogatepass")
    if not raw or len(raw) > MAX_XATTR_KEY_LENGTH:
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        return False
    first = key[0]
    if first in "_$":
        return True
    # ispunct() in the C locale: printable, not alphanumeric, not space
    return not (first.isascii() and not first.isalnum() and first != " ")


def _is_vattr_key(key: str) -> bool:
    return key.startswith("$")


def _validate(
    specs: Sequence[Union[LookupSpec, MutationSpec]],
    mutator: bool,
    doc_flags: int,
    cas: int,
    multiple_xattr_keys: bool,
) -> Tuple[int, str]:
    if doc_flags & DOC_ADD and doc_flags & DOC_MKDOC:
        return EINVAL, "Request must not contain both add and mkdoc flags"
    if doc_flags & DOC_ADD and cas:
        return EINVAL, "Request with add flag must have CAS 0"
    if doc_flags & DOC_CREATE_AS_DELETED and not doc_flags & (DOC_ADD | DOC_MKDOC):
        return EINVAL, "CreateAsDeleted requires Mkdoc or Add"
    if not specs:
        return INVALID_COMBO, "Request must contain at least one path"
    if len(specs) > MAX_PATHS:
        return INVALID_COMBO, "Request must contain at most %d paths" % MAX_PATHS
    xattrs_allowed = True
    body_allowed = True
    xkey: Optional[str] = None
    for spec in specs:
        if not body_allowed:
            return INVALID_COMBO, "Request contains an invalid combination of commands"
        traits = _TRAITS.get(spec.opcode)
        if traits is None or traits.mutator != mutator:
            return INVALID_COMBO, "Invalid opcode 0x%02x for this command" % spec.opcode
        flags = spec.flags
        if flags & FLAG_EXPAND_MACROS and not flags & FLAG_XATTR:
            return XATTR_INVALID_FLAG_COMBO, "EXPAND_MACROS flag requires XATTR flag to be set"
        if flags & ~traits.path_flags:
            return EINVAL, "Request flags invalid"
        if doc_flags & ~traits.doc_flags & 0xFF:
            return EINVAL, "Request document flags invalid"
        raw_path = _path_bytes(spec.path)
        if len(raw_path) > MAX_PATH_LENGTH:
            return EINVAL, "Request path length exceeds maximum"
        if traits.wholedoc and raw_path:
            return EINVAL, "Request must not include path for wholedoc operations"
        is_xattr = bool(flags & FLAG_XATTR)
        value = getattr(spec, "value", b"")
        if is_xattr:
            path = _path_str(spec.path)
            key = _xattr_key(path) if path is not None else ""
            if not _valid_xattr_key(key):
                return XATTR_EINVAL, "Request XATTR key invalid"
            if _is_vattr_key(key):
                if mutator:
                    return XATTR_CANT_MODIFY_VATTR, "Can't modify virtual attributes"
            elif not multiple_xattr_keys:
                if xkey is None:
                    xkey = key
                elif xkey != key:
                    return XATTR_INVALID_KEY_COMBO, "Only a single xattr key may be accessed"
            if flags & FLAG_EXPAND_MACROS:
                text = bytes(value).decode("utf-8", "replace")
                if text not in _MUTATION_MACROS and not text.startswith('"${$document'):
                    return XATTR_UNKNOWN_MACRO, "Unknown macro"
        elif not traits.empty_path and not raw_path:
            return EINVAL, "Request must include path"
        if traits.has_value and not value:
            return EINVAL, "Request must include value"
        if not traits.has_value and value:
            return EINVAL, "Request must not include value"
        if xattrs_allowed:
            xattrs_allowed = is_xattr
        elif is_xattr:
            return INVALID_XATTR_ORDER, "XATTR specs must come first"
        elif spec.opcode == OP_DELETE_DOC:
            return INVALID_COMBO, "Request contains an invalid combination of commands"
        if spec.opcode == OP_DELETE_DOC:
            body_allowed = False
    return SUCCESS, ""


def validate_lookup(
    specs: Sequence[LookupSpec], doc_flags: int = 0, *, multiple_xattr_keys: bool = False
) -> int:
    """Request-level checks for a multi-lookup; 0 if valid, else the status to send.

    ``multiple_xattr_keys`` relaxes the Server 7.0 rule that all non-virtual xattr
    specs must address the same xattr key (0xcf), as Server 7.6 does.
    """
    return _validate(specs, False, doc_flags, 0, multiple_xattr_keys)[0]


def validate_mutation(
    specs: Sequence[MutationSpec], doc_flags: int = 0, cas: int = 0, *, multiple_xattr_keys: bool = False
) -> int:
    """Request-level checks for a multi-mutation; 0 if valid, else the status to send.

    Covers: opcode/flag validity, empty/oversized paths, values present iff needed,
    xattr key syntax (0x87), vattr writes (0xd2), xattr key combos (0xcf), flag
    combos (0xce), unknown macros (0xd0), xattr-first ordering (0xd4), path count
    and whole-doc DELETE isolation (0xcb), ADD+MKDOC and ADD with CAS (0x04).
    """
    return _validate(specs, True, doc_flags, cas, multiple_xattr_keys)[0]


# ----------------------------------------------------------------------------- JSON model


class _Num(float):
    """A JSON non-integer number that remembers its source text."""

    __slots__ = ("raw",)
    raw: str


def _parse_float(text: str) -> _Num:
    num = _Num(text)
    num.raw = text
    return num


def _reject_constant(name: str) -> Any:
    raise ValueError("invalid JSON constant " + name)


def _loads(data: Union[bytes, str]) -> Any:
    """Parse JSON (raises ValueError on anything that is not strict JSON)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    return json.loads(data, parse_float=_parse_float, parse_constant=_reject_constant)


def _encode_into(value: Any, out: List[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, _Num):
        out.append(value.raw)
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        out.append(repr(value))
    elif isinstance(value, list):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode_into(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _encode_into(item, out)
        out.append("}")
    else:  # pragma: no cover - only JSON types are ever stored
        raise TypeError("not a JSON value: %r" % (value,))


def _dumps(value: Any) -> bytes:
    out: List[str] = []
    _encode_into(value, out)
    text = "".join(out)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from \ud8xx escapes: keep them escaped
        return json.dumps(_loads(text), ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _depth(value: Any) -> int:
    """Nesting depth: 0 for a primitive, 1 for a flat container, ..."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _is_primitive(value: Any) -> bool:
    return not isinstance(value, (dict, list))


# ----------------------------------------------------------------------------- paths


class _PathError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


_INDEX_RE = re.compile(r"-1|[0-9]+\Z")

Component = Union[str, int]


def _decode_key(text: str) -> str:
    # Paths carry keys in their JSON-escaped form (e.g. \" for a quote).
    if "\\" not in text:
        return text
    try:
        return str(json.loads('"' + text + '"'))
    except ValueError:
        return text


def parse_path(path: str) -> List[Component]:
    """Split a sub-document path into keys (str) and array indices (int, -1 = last).

    Raises ``_PathError`` with PATH_EINVAL for a malformed path and PATH_E2BIG when
    it has more than 32 components.
    """
    comps: List[Component] = []
    n = len(path)
    i = 0
    if n == 0:
        return comps
    expect_key = path[0] != "["
    while i < n:
        if path[i] == "[":
            end = path.find("]", i + 1)
            if end == -1:
                raise _PathError(PATH_EINVAL)
            text = path[i + 1 : end]
            if not _INDEX_RE.match(text):
                raise _PathError(PATH_EINVAL)
            comps.append(int(text))
            i = end + 1
            if i < n and path[i] not in ".[":
                raise _PathError(PATH_EINVAL)
            if i < n and path[i] == ".":
                i += 1
                if i >= n or path[i] in ".[":
                    raise _PathError(PATH_EINVAL)
                expect_key = True
            continue
        if not expect_key:
            raise _PathError(PATH_EINVAL)
        chars: List[str] = []
        quoted = False
        escaped_any = False
        while i < n:
            ch = path[i]
            if quoted:
                if ch == "`":
                    if i + 1 < n and path[i + 1] == "`":
                        chars.append("`")
                        i += 2
                        continue
                    quoted = False
                    i += 1
                    continue
                chars.append(ch)
                i += 1
                continue
            if ch == "`":
                quoted = True
                escaped_any = True
                i += 1
                continue
            if ch in ".[":
                break
            if ch == "]":
                raise _PathError(PATH_EINVAL)
            chars.append(ch)
            i += 1
        if quoted:
            raise _PathError(PATH_EINVAL)
        if not chars and not escaped_any:
            raise _PathError(PATH_EINVAL)
        comps.append(_decode_key("".join(chars)))
        expect_key = False
        if i < n and path[i] == ".":
            i += 1
            if i < n and path[i] == "[":
                continue  # ``array.[2]`` is ``array[2]``: a server accepts the dot before an index
            if i >= n or path[i] == ".":
                raise _PathError(PATH_EINVAL)
            expect_key = True
    if len(comps) > MAX_PATH_COMPONENTS:
        raise _PathError(PATH_E2BIG)
    return comps


def _parse_xattr_path(path: str) -> List[Component]:
    """The first component of an xattr path is the raw xattr key (no backticks)."""
    key = _xattr_key(path)
    rest = path[len(key) :]
    comps: List[Component] = [key]
    if rest.startswith(".["):  # ``xattr.[0]`` is ``xattr[0]``, as above
        rest = rest[1:]
    elif rest.startswith("."):
        rest = rest[1:]
        if not rest or rest[0] in ".[":
            raise _PathError(PATH_EINVAL)
    comps.extend(parse_path(rest))
    if len(comps) > MAX_PATH_COMPONENTS:
        raise _PathError(PATH_E2BIG)
    return comps


def _child(container: Any, comp: Component) -> Any:
    """Return container[comp] or raise PATH_ENOENT / PATH_MISMATCH."""
    if isinstance(comp, int):
        if not isinstance(container, list):
            raise _PathError(PATH_MISMATCH)
        if comp == -1:
            if not container:
                raise _PathError(PATH_ENOENT)
            return container[-1]
        if comp >= len(container):
            raise _PathError(PATH_ENOENT)
        return container[comp]
    if not isinstance(container, dict):
        raise _PathError(PATH_MISMATCH)
    if comp not in container:
        raise _PathError(PATH_ENOENT)
    return container[comp]


def _walk(root: Any, comps: Sequence[Component]) -> Any:
    node = root
    for comp in comps:
        node = _child(node, comp)
    return node


def _walk_create(root: Any, comps: Sequence[Component], mkdir: bool, last_is_index: bool) -> Any:
    """Walk to the container named by ``comps``; with ``mkdir`` create missing dicts.

    A missing key is only created when the component after it is also a key (MKDIR_P
    never creates array elements).  ``last_is_index`` tells whether the component
    following ``comps`` (the final path component) is an array index.
    """
    node = root
    for pos, comp in enumerate(comps):
        if isinstance(comp, str) and isinstance(node, dict) and comp not in node and mkdir:
            nxt_is_index = isinstance(comps[pos + 1], int) if pos + 1 < len(comps) else last_is_index
            if nxt_is_index:
                raise _PathError(PATH_ENOENT)
            node[comp] = {}
        node = _child(node, comp)
    return node


# ----------------------------------------------------------------------------- values


def _parse_value(raw: bytes) -> Any:
    """A single JSON value for DICT_ADD/UPSERT/REPLACE (VALUE_CANTINSERT if invalid)."""
    try:
        return _loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _PathError(VALUE_CANTINSERT) from None


def _parse_values(raw: bytes) -> List[Any]:
    """Array-insertion values: one JSON value or several separated by commas."""
    try:
        text = raw.decode("utf-8")
        if not text.strip():
            raise ValueError("empty")
        values: List[Any] = _loads("[" + text + "]")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _PathError(VALUE_CANTINSERT) from None
    return values


def _check_depth(prefix_len: int, value: Any) -> None:
    if prefix_len + _depth(value) > MAX_DEPTH:
        raise _PathError(VALUE_ETOODEEP)


_DELTA_RE = re.compile(rb"[+-]?[0-9]+\Z")


def _parse_delta(raw: bytes) -> int:
    text = raw.strip()
    if not _DELTA_RE.match(text):
        raise _PathError(DELTA_EINVAL)
    delta = int(text)
    if delta == 0 or not _INT64_MIN <= delta <= _INT64_MAX:
        raise _PathError(DELTA_EINVAL)
    return delta


# ----------------------------------------------------------------------------- CRC32C

_CRC32C_TABLE: List[int] = []


def _crc32c_table() -> List[int]:
    if not _CRC32C_TABLE:
        for n in range(256):
            c = n
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _CRC32C_TABLE.append(c)
    return _CRC32C_TABLE


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC-32C (Castagnoli), as the server uses for ``value_crc32c``."""
    table = _crc32c_table()
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# ----------------------------------------------------------------------------- virtual xattrs

_DATATYPE_NAMES = ((0x01, "json"), (0x02, "snappy"), (0x04, "xattr"))


def _datatype_list(datatype: Any) -> List[str]:
    if isinstance(datatype, (list, tuple)):
        return [str(d) for d in datatype]
    names = [name for bit, name in _DATATYPE_NAMES if int(datatype or 0) & bit]
    return names or ["raw"]


def document_vattr(virtual: Mapping[str, Any], doc: Optional[bytes]) -> Dict[str, Any]:
    """Build the ``$document`` virtual xattr object the way the server formats it.

    ``virtual`` keys (all optional): ``cas``, ``seqno``, ``vbucket_uuid``, ``revid``
    (ints), ``exptime`` (absolute unix seconds, 0 = none), ``flags`` (int),
    ``datatype`` (int bits or a list of names), ``deleted`` (bool),
    ``value_bytes``/``value_crc32c`` (computed from ``doc`` when absent),
    ``last_modified`` (computed from an HLC ``cas`` unless ``cas_is_hlc`` is false).
    """
    body = doc or b""
    cas = int(virtual.get("cas", virtual.get("CAS", 0)) or 0)
    out: Dict[str, Any] = {
        "CAS": "0x%016x" % cas,
        "vbucket_uuid": "0x%016x" % int(virtual.get("vbucket_uuid", 0) or 0),
        "seqno": "0x%016x" % int(virtual.get("seqno", 0) or 0),
        "revid": str(int(virtual.get("revid", 1) or 0)),
        "exptime": int(virtual.get("exptime", 0) or 0),
        "flags": int(virtual.get("flags", 0) or 0),
        "value_bytes": int(virtual.get("value_bytes", len(body))),
        "datatype": _datatype_list(virtual.get("datatype", 0x01 if _is_json(body) else 0)),
        "deleted": bool(virtual.get("deleted", False)),
    }
    if "last_modified" in virtual:
        out["last_modified"] = str(virtual["last_modified"])
    elif virtual.get("cas_is_hlc", True) and cas:
        out["last_modified"] = str(cas // 1_000_000_000)
    crc = virtual.get("value_crc32c")
    out["value_crc32c"] = "0x%08x" % (crc32c(body) if crc is None else int(crc))
    return out


def _is_json(body: bytes) -> bool:
    try:
        _loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return True


def _vattr_root(
    key: str, virtual: Mapping[str, Any], doc: Optional[bytes], xattrs: Mapping[str, Any]
) -> Optional[Dict[str, Any]]:
    if key == "$document":
        return {"$document": document_vattr(virtual, doc)}
    if key == "$XTOC":
        return {"$XTOC": list(xattrs.keys())}
    if key == "$vbucket":
        now = virtual.get("hlc_now")
        if now is None:
            now = int(virtual.get("cas", 0) or 0) // 1_000_000_000
        return {"$vbucket": {"HLC": {"now": str(int(now)), "mode": str(virtual.get("hlc_mode", "real"))}}}
    return None


# ----------------------------------------------------------------------------- documents


class _Body:
    """The document body, parsed on first use (so non-JSON bodies only fail path ops)."""

    __slots__ = ("raw", "_root", "_status", "dirty", "deleted")

    def __init__(self, raw: Optional[bytes], root: Any = None, parsed: bool = False) -> None:
        self.raw = raw
        self._root = root
        self._status = SUCCESS if parsed else -1
        self.dirty = parsed
        self.deleted = False

    def root(self) -> Any:
        if self._status == -1:
            if self.raw is None:
                self._status = PATH_ENOENT
            else:
                try:
                    self._root = _loads(self.raw)
                    self._status = DOC_E2DEEP if _depth(self._root) > MAX_DEPTH else SUCCESS
                except RecursionError:
                    self._status = DOC_E2DEEP
                except (ValueError, UnicodeDecodeError):
                    self._status = DOC_NOTJSON
        if self._status:
            raise _PathError(self._status)
        return self._root

    def set_root(self, root: Any) -> None:
        self._root = root
        self._status = SUCCESS
        self.dirty = True

    def set_raw(self, raw: bytes) -> None:
        self.raw = raw
        self._root = None
        self._status = -1
        self.dirty = False
        self.deleted = False

    def output(self) -> Optional[bytes]:
        if self.deleted:
            return None
        if self.dirty:
            return _dumps(self._root)
        return self.raw


def _xattr_text(value: Union[bytes, str]) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


# ----------------------------------------------------------------------------- lookup


def lookup(
    doc: Optional[bytes],
    specs: Sequence[LookupSpec],
    xattrs: Optional[Mapping[str, Union[bytes, str]]] = None,
    virtual: Optional[Mapping[str, Any]] = None,
    *,
    doc_flags: int = 0,
    multiple_xattr_keys: bool = False,
) -> List[Tuple[int, bytes]]:
    """Run a multi-lookup; returns one ``(status, value)`` per spec, in order.

    ``doc`` is the body (``None`` for a tombstone without body: body paths then give
    PATH_ENOENT).  ``xattrs`` maps xattr name -> JSON text.  ``virtual`` feeds the
    virtual xattrs (see :func:`document_vattr` for its keys).  The top-level status is
    the handler's: SUCCESS if every status is 0, else 0xcc (or the *_DELETED forms).

    Raises :class:`SubdocRequestError` when :func:`validate_lookup` fails.
    """
    status, message = _validate(specs, False, doc_flags, 0, multiple_xattr_keys)
    if status:
        raise SubdocRequestError(status, message)
    xattrs = xattrs or {}
    virtual = virtual or {}
    body = _Body(doc)
    xroot: Optional[Dict[str, Any]] = None
    results: List[Tuple[int, bytes]] = []
    for spec in specs:
        try:
            if spec.opcode == OP_GET_DOC:
                if not doc:
                    raise _PathError(PATH_ENOENT)
                results.append((SUCCESS, bytes(doc)))
                continue
            path = _path_str(spec.path)
            if path is None:
                raise _PathError(PATH_EINVAL)
            if spec.flags & FLAG_XATTR:
                comps = _parse_xattr_path(path)
                key = comps[0]
                assert isinstance(key, str)
                if _is_vattr_key(key):
                    root = _vattr_root(key, virtual, doc, xattrs)
                    if root is None:
                        raise _PathError(XATTR_UNKNOWN_VATTR)
                else:
                    if xroot is None:
                        xroot = _parse_xattrs(xattrs)
                    root = xroot
            else:
                comps = parse_path(path)
                root = body.root()
            value = _walk(root, comps)
            if spec.opcode == OP_GET:
                results.append((SUCCESS, _dumps(value)))
            elif spec.opcode == OP_EXISTS:
                results.append((SUCCESS, b""))
            else:  # GET_COUNT
                if not isinstance(value, (dict, list)):
                    raise _PathError(PATH_MISMATCH)
                results.append((SUCCESS, str(len(value)).encode("ascii")))
        except _PathError as exc:
            results.append((exc.status, b""))
    return results


def _parse_xattrs(xattrs: Mapping[str, Union[bytes, str]]) -> Dict[str, Any]:
    root: Dict[str, Any] = {}
    for name, text in xattrs.items():
        try:
            root[name] = _loads(_xattr_text(text))
        except (ValueError, UnicodeDecodeError, RecursionError):
            # Not JSON: expose it as a string rather than hiding the key.
            root[name] = _xattr_text(text).decode("utf-8", "replace")
    return root


# ----------------------------------------------------------------------------- mutate


def _initial_root(specs: Sequence[MutationSpec]) -> Any:
    """Root of a document created by MKDOC/ADD: decided by the first body path spec."""
    for spec in specs:
        if spec.flags & FLAG_XATTR or _TRAITS[spec.opcode].wholedoc:
            continue
        path = _path_str(spec.path) or ""
        if path.startswith("[") or (spec.opcode in _ARRAY_ROOT_OPS and not path):
            return []
        return {}
    return {}


def _expand_macro(
    text: str, macros: Mapping[str, Any], virtual: Mapping[str, Any], doc: Optional[bytes], new_body: _Body
) -> bytes:
    if text == MACRO_CAS:
        cas = int(macros.get("cas", 0)) & 0xFFFFFFFFFFFFFFFF
        # The server prints htonll(cas): the CAS bytes in network order, read as a
        # little-endian number.
        swapped = int.from_bytes(cas.to_bytes(8, "big"), "little")
        return b'"0x%016x"' % swapped
    if text == MACRO_SEQNO:
        return b'"0x%016x"' % (int(macros.get("seqno", 0)) & 0xFFFFFFFFFFFFFFFF)
    if text == MACRO_CRC32C:
        crc = macros.get("value_crc32c")
        if crc is None:
            crc = crc32c(new_body.output() or b"")
        return b'"0x%08x"' % (int(crc) & 0xFFFFFFFF)
    if text.startswith('"${$document') and text.endswith('}"'):
        vdoc = document_vattr(virtual, doc)
        inner = text[len('"${$document') : -2]
        if not inner:
            return _dumps(vdoc)
        if inner.startswith(".") and inner[1:] in vdoc:
            return _dumps(vdoc[inner[1:]])
    raise _PathError(XATTR_UNKNOWN_VATTR_MACRO)


def _apply(
    root_holder: List[Any], comps: List[Component], spec: MutationSpec, value_raw: bytes, mkdir: bool
) -> Optional[bytes]:
    """Apply one path mutation to ``root_holder[0]``; returns the COUNTER result."""
    op = spec.opcode
    root = root_holder[0]
    if op in (OP_DICT_ADD, OP_DICT_UPSERT):
        last = comps[-1]
        if isinstance(last, int):
            raise _PathError(PATH_EINVAL)
        parent = _walk_create(root, comps[:-1], mkdir, False)
        if not isinstance(parent, dict):
            raise _PathError(PATH_MISMATCH)
        if op == OP_DICT_ADD and last in parent:
            raise _PathError(PATH_EEXISTS)
        value = _parse_value(value_raw)
        _check_depth(len(comps), value)
        parent[last] = value
        return None
    if op == OP_REPLACE:
        parent = _walk(root, comps[:-1])
        last = comps[-1]
        _child(parent, last)  # must exist
        value = _parse_value(value_raw)
        _check_depth(len(comps), value)
        parent[last] = value  # an index of -1 addresses the last element directly
        return None
    if op == OP_DELETE:
        parent = _walk(root, comps[:-1])
        last = comps[-1]
        _child(parent, last)
        del parent[last]
        return None
    if op in (OP_ARRAY_PUSH_LAST, OP_ARRAY_PUSH_FIRST, OP_ARRAY_ADD_UNIQUE):
        if op == OP_ARRAY_ADD_UNIQUE:
            values = _parse_values(value_raw)
            if len(values) != 1 or not _is_primitive(values[0]):
                raise _PathError(VALUE_CANTINSERT)
        else:
            values = _parse_values(value_raw)
        if not comps:
            target = root
        else:
            parent = _walk_create(root, comps[:-1], mkdir, isinstance(comps[-1], int))
            last = comps[-1]
            if mkdir and isinstance(last, str) and isinstance(parent, dict) and last not in parent:
                parent[last] = []
            target = _child(parent, last)
        if not isinstance(target, list):
            raise _PathError(PATH_MISMATCH)
        for value in values:
            _check_depth(len(comps) + 1, value)
        if op == OP_ARRAY_ADD_UNIQUE:
            if not all(_is_primitive(item) for item in target):
                raise _PathError(PATH_MISMATCH)
            needle = _dumps(values[0])
            if any(_dumps(item) == needle for item in target):
                raise _PathError(PATH_EEXISTS)
            target.append(values[0])
        elif op == OP_ARRAY_PUSH_LAST:
            target.extend(values)
        else:
            target[0:0] = values
        return None
    if op == OP_ARRAY_INSERT:
        last = comps[-1]
        if not isinstance(last, int) or last < 0:
            raise _PathError(PATH_EINVAL)
        parent = _walk(root, comps[:-1])
        if not isinstance(parent, list):
            raise _PathError(PATH_MISMATCH)
        if last > len(parent):
            raise _PathError(PATH_ENOENT)
        values = _parse_values(value_raw)
        for value in values:
            _check_depth(len(comps), value)
        parent[last:last] = values
        return None
    if op == OP_COUNTER:
        delta = _parse_delta(value_raw)
        last = comps[-1]
        parent = _walk_create(root, comps[:-1], mkdir, isinstance(last, int))
        if isinstance(last, str) and isinstance(parent, dict) and last not in parent:
            new = delta  # a missing leaf is created, starting from 0
        else:
            current = _child(parent, last)
            if isinstance(current, (bool, float)) or not isinstance(current, int):
                raise _PathError(PATH_MISMATCH)
            if not _INT64_MIN <= current <= _INT64_MAX:
                raise _PathError(NUM_ERANGE)
            new = current + delta
            if not _INT64_MIN <= new <= _INT64_MAX:
                raise _PathError(VALUE_CANTINSERT)  # the server's DELTA_OVERFLOW
        parent[last] = new
        return str(new).encode("ascii")
    raise _PathError(EINVAL)  # pragma: no cover - filtered by validation


def mutate(
    doc: Optional[bytes],
    specs: Sequence[MutationSpec],
    xattrs: Optional[Mapping[str, Union[bytes, str]]] = None,
    macros: Optional[Mapping[str, Any]] = None,
    *,
    doc_flags: int = 0,
    cas: int = 0,
    virtual: Optional[Mapping[str, Any]] = None,
    multiple_xattr_keys: bool = False,
) -> MutateOutcome:
    """Apply a multi-mutation atomically.

    Contract with the KV handler:

    * ``doc`` is the current body.  Pass ``None`` when the document does not exist
      and the request may create it (MKDOC / ADD doc flag): the engine then starts
      from an empty root, ``{}`` or ``[]`` depending on the first body spec, as the
      server does.  For CREATE_AS_DELETED the handler should store the xattrs and
      drop the body.
    * ``doc_flags`` is the request's doc-flags byte: MKDOC and ADD imply MKDIR_P on
      every path.  ``cas`` is only used for the ADD-with-CAS check.
    * ``macros`` supplies the values of the mutation being made, used when a spec
      has EXPAND_MACROS: ``cas`` (new CAS, int), ``seqno`` (new seqno, int) and
      optionally ``value_crc32c`` (default: CRC32C of the new body).
      ``${Mutation.CAS}`` expands as the server does, ``"0x%016x"`` of the CAS bytes
      in network order read little-endian; seqno as ``"0x%016x"``; crc as ``"0x%08x"``.
      ``virtual`` (see :func:`document_vattr`) feeds ``${$document...}`` macros.
    * A whole-doc DELETE (opcode 0x04) yields ``doc=None`` and keeps only the system
      xattrs (names starting with ``_``).

    Raises :class:`SubdocRequestError` for request-level failures (see
    :func:`validate_mutation`).
    """
    status, message = _validate(specs, True, doc_flags, cas, multiple_xattr_keys)
    if status:
        raise SubdocRequestError(status, message)
    src_xattrs: Dict[str, bytes] = {k: _xattr_text(v) for k, v in (xattrs or {}).items()}
    macros = macros or {}
    virtual = virtual or {}
    implied_mkdir = bool(doc_flags & (DOC_MKDOC | DOC_ADD))
    body = _Body(doc) if doc is not None else _Body(None, _initial_root(specs), parsed=True)
    xroot: Optional[Dict[str, Any]] = None
    touched: Set[str] = set()
    results: List[Tuple[int, bytes]] = []
    failed = MutateOutcome(False, doc, dict(src_xattrs), [])

    # Mutation macros are inserted as unique placeholder strings and substituted in
    # the serialized xattrs at the end (as the server does), so value_crc32c sees
    # the final body and later specs may move or drop the value freely.
    placeholders: List[Tuple[bytes, str]] = []

    for index, spec in enumerate(specs):
        try:
            op = spec.opcode
            if op == OP_SET_DOC:
                body.set_raw(bytes(spec.value))
                continue
            if op == OP_DELETE_DOC:
                body.deleted = True
                if xroot is None:
                    xroot = _parse_xattrs(src_xattrs)
                for name in list(xroot):
                    if not name.startswith("_"):
                        del xroot[name]
                        touched.add(name)
                continue
            path = _path_str(spec.path)
            if path is None:
                raise _PathError(PATH_EINVAL)
            mkdir = implied_mkdir or bool(spec.flags & FLAG_MKDIR_P)
            value_raw = bytes(spec.value)
            if spec.flags & FLAG_XATTR:
                comps = _parse_xattr_path(path)
                if xroot is None:
                    xroot = _parse_xattrs(src_xattrs)
                if spec.flags & FLAG_EXPAND_MACROS:
                    text = value_raw.decode("utf-8", "replace")
                    if text in _MUTATION_MACROS:
                        token = _placeholder(len(placeholders), specs, src_xattrs)
                        placeholders.append((token, text))
                        value_raw = token
                    else:
                        value_raw = _expand_macro(text, macros, virtual, doc, body)
                holder = [xroot]
                out = _apply(holder, comps, spec, value_raw, mkdir)
                touched.add(str(comps[0]))
            else:
                comps = parse_path(path)
                root = body.root()
                holder = [root]
                out = _apply(holder, comps, spec, value_raw, mkdir)
                body.set_root(holder[0])
            if out is not None:
                results.append((index, out))
        except _PathError as exc:
            return failed._replace(failed_index=index, status=exc.status)

    new_xattrs: Dict[str, bytes] = {}
    if xroot is None:
        new_xattrs = dict(src_xattrs)
    else:
        for name, value in xroot.items():
            if name in touched or name not in src_xattrs:
                new_xattrs[name] = _dumps(value)
            else:
                new_xattrs[name] = src_xattrs[name]
    new_doc = body.output()
    if placeholders:
        expansions = [(tok, _expand_macro(text, macros, virtual, doc, body)) for tok, text in placeholders]
        for name in touched:
            if name in new_xattrs:
                value = new_xattrs[name]
                for tok, expanded in expansions:
                    value = value.replace(tok, expanded)
                new_xattrs[name] = value
    return MutateOutcome(True, new_doc, new_xattrs, results)


def _placeholder(n: int, specs: Sequence[MutationSpec], xattrs: Mapping[str, bytes]) -> bytes:
    """A JSON string token that occurs nowhere in the request or the xattrs."""
    salt = 0
    while True:
        token = b'"\\u0000subdoc-macro-%d-%d\\u0000"' % (n, salt)
        if not any(token in bytes(s.value) for s in specs) and not any(token in v for v in xattrs.values()):
            return token
        salt += 1
