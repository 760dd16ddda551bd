"""Conditional functions for unknowns (IFMISSING, NVL, DECODE, ...), JSON and base64 encoding,
UUID: as the query service has them."""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import uuid
from typing import Any, List, Optional

from couchbase_mock.query.functions._base import MISSING, VARIADIC, Registry, equals_then, known
from couchbase_mock.query.functions.func_type import to_string
from couchbase_mock.query.values import equal, is_number, spelled

__all__ = ["MISC_FUNCTIONS", "encode_json"]


def encode_json(v: Any) -> str:
    """The server's compact JSON of a value: names sorted, no HTML escaping, numbers without an
    exponent (Go's 'f' format: 1e21 is 1000000000000000000000), NaN/Inf as "NaN"/"+Infinity"/
    "-Infinity", MISSING as null."""
    if v is MISSING or v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if not math.isfinite(v):
            return json.dumps(spelled(v))
        return "0" if v == 0 else to_string(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ",".join(encode_json(x) for x in v) + "]"
    members = (json.dumps(k, ensure_ascii=False) + ":" + encode_json(v[k]) for k in sorted(v))
    return "{" + ",".join(members) + "}"


def _first(known: Any) -> Any:
    def call(args: List[Any]) -> Any:
        return next((a for a in args if known(a)), None)

    return call








def _equivalent(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING or a is None or b is None:
        return a is b
    return equal(a, b)


def _decode(args: List[Any]) -> Any:
    """DECODE(expr, search1, result1[, search2, result2 ...][, default]): the result of the first
    search equal to expr (NULL equals NULL here), else the default, else NULL."""
    subject, rest = args[0], args[1:]
    for i in range(0, len(rest) - 1, 2):
        if _equivalent(subject, rest[i]):
            return rest[i + 1]
    return rest[-1] if len(rest) % 2 else None


def _decode_json(args: List[Any]) -> Any:
    s = args[0]
    if s is MISSING:
        return MISSING
    if not isinstance(s, str) or not s.strip():
        return None
    try:
        return json.loads(s)
    except ValueError:
        return None


def _base64_encode(args: List[Any]) -> Any:
    if args[0] is MISSING:
        return MISSING
    return base64.b64encode(encode_json(args[0]).encode("utf-8")).decode("ascii")


def _base64_decode(args: List[Any]) -> Any:
    """The decoded bytes as the JSON value they spell; NULL if they are not base64, or not JSON
    (the server has a binary value there, which a JSON result cannot carry)."""
    s = args[0]
    if s is MISSING:
        return MISSING
    if not isinstance(s, str):
        return None
    try:
        return json.loads(base64.b64decode(s, validate=True).decode("utf-8"))
    except (binascii.Error, ValueError):
        return None


def _poly_length(args: List[Any]) -> Any:
    v = args[0]
    if v is MISSING:
        return MISSING
    if isinstance(v, str):
        return len(v.encode("utf-8"))
    return len(v) if isinstance(v, (list, dict)) else None


def _len(runes: bool) -> Any:
    """LEN/MB_LEN: a string's length (bytes, or characters for MB_LEN), an array's or object's size,
    a number's printed length, 1 for a boolean."""

    def call(args: List[Any]) -> Any:
        v = args[0]
        if v is MISSING:
            return MISSING
        if isinstance(v, str):
            return len(v) if runes else len(v.encode("utf-8"))
        if isinstance(v, (list, dict)):
            return len(v)
        if isinstance(v, bool):
            return 1
        if is_number(v):
            return len(to_string(v))
        return None

    return call


def _pairs(v: Any, out: List[Any]) -> List[Any]:
    """PAIRS: every [name, value] of an object, at every depth, with [name, element] for each
    element of an array value too."""
    if isinstance(v, dict):
        for k, x in v.items():
            out.append([k, x])
            if isinstance(x, list):
                out.extend([k, e] for e in x)
            _pairs(x, out)
    elif isinstance(v, list):
        for x in v:
            _pairs(x, out)
    return out


def _pairs_call(args: List[Any]) -> Any:
    v = args[0]
    if v is MISSING:
        return MISSING
    return _pairs(v, []) if isinstance(v, (list, dict)) else None


_CRC32_POLYNOMIALS = {"ieee": 0xEDB88320, "castagnoli": 0x82F63B78, "koopman": 0xEB31D82E}
_HASHES = {"md4": "md4", "md5": "md5", "sha224": "sha224", "sha256": "sha256", "sha384": "sha384",
           "sha512": "sha512", "sha512/224": "sha512_224", "sha512/256": "sha512_256"}


def _crc32(data: bytes, polynomial: int) -> bytes:
    """CRC-32 with a polynomial in Go's (reversed) notation, as Go's crc32 tables compute it."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (polynomial if crc & 1 else 0)
    return (crc ^ 0xFFFFFFFF).to_bytes(4, "big")


def _polynomial(p: Any) -> int:
    if isinstance(p, str):
        if p.lower() in _CRC32_POLYNOMIALS:
            return _CRC32_POLYNOMIALS[p.lower()]
        try:
            v = int(p, 0)
        except ValueError:
            return _CRC32_POLYNOMIALS["ieee"]
        return v if 0 <= v < 2 ** 32 else _CRC32_POLYNOMIALS["ieee"]
    if is_number(p):
        return int(p) & 0xFFFFFFFF
    return _CRC32_POLYNOMIALS["ieee"]


def _algorithm(name: str) -> Optional[str]:
    a = name.lower().replace("sha-", "sha", 1)
    return a if a == "crc32" or a in _HASHES else None


def _hashbytes(args: List[Any]) -> Any:
    """HASHBYTES(value[, algorithm or {"algorithm": ..., "polynomial": ...}]): the hex digest of a
    string's bytes or any other value's JSON (sha256 unless told: crc32, md4, md5, sha224/256/384/512,
    sha512/224, sha512/256)."""
    v = args[0]
    if v is MISSING:
        return MISSING
    if v is None:
        return None
    data = (v if isinstance(v, str) else encode_json(v)).encode("utf-8")
    algo: Optional[str] = "sha256"
    polynomial = _CRC32_POLYNOMIALS["ieee"]
    options = args[1] if len(args) > 1 else None
    if isinstance(options, dict):
        if isinstance(options.get("algorithm"), str):
            algo = _algorithm(options["algorithm"])
        if "polynomial" in options:
            polynomial = _polynomial(options["polynomial"])
    elif isinstance(options, str):
        algo = _algorithm(options)
    elif options is not None and options is not MISSING:
        return None
    if algo is None:
        return None
    if algo == "crc32":
        return _crc32(data, polynomial).hex()
    try:
        return hashlib.new(_HASHES[algo], data).hexdigest()
    except ValueError:  # md4 where the local OpenSSL has dropped it
        return None


MISC_FUNCTIONS: Registry = {
    "HASHBYTES": (1, 2, _hashbytes),
    "LEN": (1, 1, _len(False)),
    "MB_LEN": (1, 1, _len(True)),
    "PAIRS": (1, 1, _pairs_call),
    "NVL": (2, 2, lambda args: args[0] if known(args[0]) else args[1]),
    "NVL2": (3, 3, lambda args: args[1] if known(args[0]) else args[2]),
    "DECODE": (3, 2 ** 31 - 1, _decode),  # the server's limit here is MaxInt32
    "ENCODE_JSON": (1, 1, lambda args: encode_json(args[0])),
    "JSON_ENCODE": (1, 1, lambda args: encode_json(args[0])),
    "DECODE_JSON": (1, 1, _decode_json),
    "JSON_DECODE": (1, 1, _decode_json),
    "ENCODED_SIZE": (1, 1, lambda args: len(encode_json(args[0]).encode("utf-8"))),
    "POLY_LENGTH": (1, 1, _poly_length),
    "BASE64": (1, 1, _base64_encode),
    "BASE64_ENCODE": (1, 1, _base64_encode),
    "ENCODE_BASE64": (1, 1, _base64_encode),
    "BASE64_DECODE": (1, 1, _base64_decode),
    "DECODE_BASE64": (1, 1, _base64_decode),
    "UUID": (0, 0, lambda args: str(uuid.uuid4())),
}
for _names, _fn in (
    (("IFMISSING", "IF_MISSING"), _first(lambda a: a is not MISSING)),
    (("IFNULL", "IF_NULL"), _first(lambda a: a is not None)),
    (("IFMISSINGORNULL", "IF_MISSING_OR_NULL", "COALESCE"), _first(known)),
):
    for _n in _names:
        MISC_FUNCTIONS[_n] = (2, VARIADIC, _fn)
for _names, _r in ((("NULLIF", "NULL_IF"), None), (("MISSINGIF", "MISSING_IF"), MISSING)):
    for _n in _names:
        MISC_FUNCTIONS[_n] = (2, 2, equals_then(_r))
del _names, _fn, _n, _r
