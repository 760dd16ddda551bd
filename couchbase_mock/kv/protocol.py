"""Memcached binary protocol: header layout, framing extras, LEB128, replies."""
from __future__ import annotations

import struct
from typing import Dict, Tuple

HEADER = struct.Struct(">BBHBBHIIQ")
REQ, ALT_REQ, RES, ALT_RES = 0x80, 0x08, 0x81, 0x18

# statuses
SUCCESS, KEY_ENOENT, KEY_EEXISTS, E2BIG, EINVAL, NOT_STORED, DELTA_BADVAL = \
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06
NOT_MY_VBUCKET, NO_BUCKET, LOCKED, NOT_LOCKED = 0x07, 0x08, 0x09, 0x0E
AUTH_ERROR, AUTH_CONTINUE, EACCESS = 0x20, 0x21, 0x24
UNKNOWN_COMMAND, NOT_SUPPORTED, ETMPFAIL = 0x81, 0x83, 0x86
UNKNOWN_COLLECTION, UNKNOWN_SCOPE = 0x88, 0x8C
DURABILITY_INVALID_LEVEL, DURABILITY_IMPOSSIBLE = 0xA0, 0xA1
SUBDOC_MULTI_PATH_FAILURE, SUBDOC_SUCCESS_DELETED, SUBDOC_MULTI_PATH_FAILURE_DELETED = 0xCC, 0xCD, 0xD3

MAX_VALUE = 20 * 1024 * 1024


def parse_framing(data: bytes) -> Dict[int, bytes]:
    """Framing extras → {id: payload}. id/len 15 escapes to 15 + next byte."""
    out: Dict[int, bytes] = {}
    i = 0
    while i < len(data):
        byte = data[i]
        i += 1
        fid, flen = byte >> 4, byte & 0x0F
        if fid == 15:
            fid = 15 + data[i]
            i += 1
        if flen == 15:
            flen = 15 + data[i]
            i += 1
        out[fid] = data[i:i + flen]
        i += flen
    return out


def leb128(data: bytes) -> Tuple[int, int]:
    """(value, bytes used) of an unsigned LEB128 prefix."""
    value = shift = 0
    for i, byte in enumerate(data):
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i + 1
        shift += 7
        if i >= 4:
            break
    raise ValueError("bad LEB128 collection id")


def response(opcode: int, opaque: int, status: int = 0, value: bytes = b"", extras: bytes = b"",
             key: bytes = b"", cas: int = 0, datatype: int = 0) -> bytes:
    body = len(extras) + len(key) + len(value)
    return (HEADER.pack(RES, opcode, len(key), len(extras), datatype, status, body, opaque, cas)
            + extras + key + value)
