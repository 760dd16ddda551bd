"""Values ↔ bytes and format flags, with the cross-SDK "common flags".

The top byte of the 32-bit flags is the common format every Couchbase SDK
reads (0x01 private/pickle, 0x02 JSON, 0x03 binary, 0x04 string); the low
bits keep the legacy Python SDK values, so documents written here are read by
the official SDK 4.x and by old Python SDKs, and we read what they write.

The SDK calls :func:`encode_with` / :func:`decode_with`, which turn any
failure of a transcoder (including a user's) into ValueFormatException with
``inner_cause``, never a crash.
"""
from __future__ import annotations

import json
import pickle
from typing import Any, Callable, Optional, Tuple

from couchbase.exceptions import ValueFormatException

COMMON_PRIVATE = 0x01 << 24
COMMON_JSON = 0x02 << 24
COMMON_BINARY = 0x03 << 24
COMMON_STRING = 0x04 << 24
FMT_COMMON_MASK = 0xFF << 24
FMT_LEGACY_MASK = 0x07

FMT_JSON = COMMON_JSON | 0x00
FMT_PICKLE = COMMON_PRIVATE | 0x01
FMT_BYTES = COMMON_BINARY | 0x02
FMT_UTF8 = COMMON_STRING | 0x04
FMT_AUTO = -1

_LEGACY = {0x00: FMT_JSON, 0x01: FMT_PICKLE, 0x02: FMT_BYTES, 0x04: FMT_UTF8}
_COMMON = {COMMON_JSON: FMT_JSON, COMMON_PRIVATE: FMT_PICKLE, COMMON_BINARY: FMT_BYTES, COMMON_STRING: FMT_UTF8}


def format_of(flags: int) -> int:
    """The FMT_* constant a stored document's flags mean (common flags first, then legacy)."""
    common = flags & FMT_COMMON_MASK
    if common:
        fmt = _COMMON.get(common)
        if fmt is None:
            raise ValueError(f"unknown common format flags {flags:#x}")
        return fmt
    fmt = _LEGACY.get(flags & FMT_LEGACY_MASK)
    if fmt is None:
        raise ValueError(f"unknown format flags {flags:#x}")
    return fmt


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


class Transcoder:
    """Interface: ``encode_value(value, format) -> (bytes, flags)``, ``decode_value(bytes, flags) -> value``."""

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        raise NotImplementedError

    def decode_value(self, value: bytes, flags: int) -> Any:
        raise NotImplementedError


class JSONTranscoder(Transcoder):
    """JSON documents (SDK 4.x default style); pluggable serializer (e.g. orjson).

    :param serializer: ``obj -> bytes|str`` (default compact ``json.dumps``).
    :param deserializer: ``bytes -> obj`` (default ``json.loads``).
    """

    def __init__(self, serializer: Optional[Callable[[Any], Any]] = None,
                 deserializer: Optional[Callable[[bytes], Any]] = None) -> None:
        self._dumps = serializer or _compact_json
        self._loads = deserializer or json.loads

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        if isinstance(value, (bytes, bytearray, memoryview)):
            raise ValueFormatException("JSONTranscoder cannot encode bytes; use RawBinaryTranscoder or FMT_BYTES")
        data = self._dumps(value)
        return (data.encode("utf-8") if isinstance(data, str) else bytes(data)), FMT_JSON

    def decode_value(self, value: bytes, flags: int) -> Any:
        return self._loads(value)


class RawJSONTranscoder(Transcoder):
    """Already-encoded JSON: str/bytes in, bytes out."""

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        if isinstance(value, str):
            return value.encode("utf-8"), FMT_JSON
        if isinstance(value, (bytes, bytearray)):
            return bytes(value), FMT_JSON
        raise ValueFormatException(f"RawJSONTranscoder takes str or bytes, got {type(value).__name__}")

    def decode_value(self, value: bytes, flags: int) -> Any:
        return value


class RawStringTranscoder(Transcoder):
    """str ↔ UTF-8 string documents."""

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        if not isinstance(value, str):
            raise ValueFormatException(f"RawStringTranscoder takes str, got {type(value).__name__}")
        return value.encode("utf-8"), FMT_UTF8

    def decode_value(self, value: bytes, flags: int) -> Any:
        return value.decode("utf-8")


class RawBinaryTranscoder(Transcoder):
    """bytes ↔ binary documents."""

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise ValueFormatException(f"RawBinaryTranscoder takes bytes, got {type(value).__name__}")
        return bytes(value), FMT_BYTES

    def decode_value(self, value: bytes, flags: int) -> Any:
        return value


class LegacyTranscoder(Transcoder):
    """The 1.x/2.x behaviour: the format follows the value's type (FMT_AUTO) or an
    explicit ``format``; anything that is not JSON, str or bytes is pickled."""

    def __init__(self, serializer: Optional[Callable[[Any], Any]] = None,
                 deserializer: Optional[Callable[[bytes], Any]] = None, pickle_all: bool = True) -> None:
        self._json = JSONTranscoder(serializer, deserializer)
        self._pickle_all = pickle_all

    def _auto(self, value: Any) -> int:
        if isinstance(value, str):
            return FMT_UTF8
        if isinstance(value, (bytes, bytearray, memoryview)):
            return FMT_BYTES
        if isinstance(value, (dict, list, tuple, int, float, bool)) or value is None:
            return FMT_JSON
        if self._pickle_all:
            return FMT_PICKLE
        raise ValueFormatException(f"cannot store a {type(value).__name__} without FMT_PICKLE")

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        fmt = self._auto(value) if format is None or format == FMT_AUTO else format
        if fmt == FMT_JSON:
            return self._json.encode_value(value)
        if fmt == FMT_UTF8:
            return RawStringTranscoder().encode_value(value)
        if fmt == FMT_BYTES:
            return RawBinaryTranscoder().encode_value(value)
        if fmt == FMT_PICKLE:
            return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), FMT_PICKLE
        raise ValueFormatException(f"unknown format {fmt!r}")

    def decode_value(self, value: bytes, flags: int) -> Any:
        fmt = format_of(flags)
        if fmt == FMT_JSON:
            return self._json.decode_value(value, flags)
        if fmt == FMT_UTF8:
            return value.decode("utf-8")
        if fmt == FMT_BYTES:
            return value
        return pickle.loads(value)


class DefaultTranscoder(LegacyTranscoder):
    """What the SDK uses unless told otherwise: dict/list/numbers/None → JSON,
    str → UTF-8 string, bytes → binary, decoded by flags. Other objects raise
    ValueFormatException (pickling needs LegacyTranscoder or ``format=FMT_PICKLE``)."""

    def __init__(self, serializer: Optional[Callable[[Any], Any]] = None,
                 deserializer: Optional[Callable[[bytes], Any]] = None) -> None:
        super().__init__(serializer, deserializer, pickle_all=False)


def _name(transcoder: Any) -> str:
    return type(transcoder).__name__


def encode_with(transcoder: Any, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
    """``transcoder.encode_value`` with every failure turned into ValueFormatException."""
    try:
        result = transcoder.encode_value(value, format) if format is not None else transcoder.encode_value(value)
    except ValueFormatException:
        raise
    except Exception as exc:  # noqa: BLE001 - a user transcoder may raise anything
        raise ValueFormatException(f"{_name(transcoder)} could not encode {type(value).__name__} value: {exc}",
                                   inner_cause=exc) from exc
    try:
        data, flags = result
    except (TypeError, ValueError) as exc:
        raise ValueFormatException(f"{_name(transcoder)}.encode_value must return (bytes, flags), got {result!r}",
                                   inner_cause=exc) from exc
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise ValueFormatException(f"{_name(transcoder)}.encode_value returned {type(data).__name__}, not bytes")
    if not isinstance(flags, int) or isinstance(flags, bool) or not 0 <= flags <= 0xFFFFFFFF:
        raise ValueFormatException(f"{_name(transcoder)}.encode_value returned invalid flags {flags!r}")
    return data, flags


def decode_with(transcoder: Any, value: bytes, flags: int, no_format: bool = False) -> Any:
    """``transcoder.decode_value`` with every failure turned into ValueFormatException."""
    if no_format:
        return value
    try:
        return transcoder.decode_value(value, flags)
    except ValueFormatException:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ValueFormatException(f"{_name(transcoder)} could not decode a value with flags {flags:#x}: {exc}",
                                   inner_cause=exc) from exc
