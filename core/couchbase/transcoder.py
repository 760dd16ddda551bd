"""Values ↔ stored bytes, and the format flags stored with them.

Flags use the cross-SDK "common flags" layout: the top byte says what the document is
(``0x01`` private, here pickle; ``0x02`` JSON; ``0x03`` binary; ``0x04`` string), and
the low bits keep the values of the 1.x/2.x Python SDK. So the official SDK 4.x (and
every other Couchbase SDK) reads what we write, and we read documents written with
common flags only (``0x02000000`` ...) or with legacy flags only (``0`` JSON, ``1``
pickle, ``2`` bytes, ``4`` UTF-8).

Transcoders (``encode_value(value, format=None) -> (bytes, flags)``,
``decode_value(bytes, flags) -> value``):

:class:`DefaultTranscoder`
    picks the format from the value's type: dict/list/tuple/number/bool/None → JSON,
    str → UTF-8 string, bytes → binary; other objects go to the JSON serializer; never
    pickles or unpickles.
:class:`LegacyTranscoder`
    the 1.x/2.x behaviour: like the default, but objects JSON cannot hold are pickled,
    and pickled documents are unpickled.
:class:`JSONTranscoder`
    the default of a ``Cluster`` (as the official SDK 4.x): everything (str too) stored as
    JSON; bytes refused, and string/binary documents refused when read.
:class:`RawJSONTranscoder`
    str/bytes that already hold JSON; reads return bytes.
:class:`RawStringTranscoder`
    str ↔ UTF-8 string documents.
:class:`RawBinaryTranscoder`
    bytes ↔ binary documents.

The JSON transcoders write compact JSON (no spaces, UTF-8) and take a pluggable
serializer, e.g. ``JSONTranscoder(serializer=orjson.dumps, deserializer=orjson.loads)``
or any :class:`Serializer` object.

Reading leniency (Default, Legacy and JSON transcoders): a document whose flags say
nothing (``0``, or an unknown format) is decoded as JSON if it parses, else returned as
bytes (memcached clients and ``cbc`` write such documents); a document flagged as JSON
with common flags that does not parse is an error. The Raw transcoders only read their
own format.

The SDK calls every transcoder, built-in or the user's, through :func:`encode_with`
and :func:`decode_with`, which turn any failure into a
:class:`~couchbase.exceptions.ValueFormatException` with ``inner_cause``.
"""
from __future__ import annotations

import operator
import pickle
from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, Optional, Tuple

from couchbase._json import dumps_compact
from couchbase._json import loads as _json_loads
from couchbase.exceptions import (
    DecodingFailureException,
    EncodingFailureException,
    InvalidArgumentTypeException,
    ValueFormatException,
)

__all__ = [
    "FMT_JSON", "FMT_PICKLE", "FMT_BYTES", "FMT_UTF8", "FMT_AUTO", "FMT_LEGACY_MASK", "FMT_COMMON_MASK",
    "FMT_COMMON_PRIVATE", "FMT_COMMON_JSON", "FMT_COMMON_BINARY", "FMT_COMMON_STRING",
    "format_of", "format_name", "Serializer", "DefaultJsonSerializer", "Transcoder", "DefaultTranscoder",
    "LegacyTranscoder", "JSONTranscoder", "RawJSONTranscoder", "RawStringTranscoder", "RawBinaryTranscoder",
    "encode_with", "decode_with",
]

FMT_COMMON_MASK = 0xFF000000
FMT_LEGACY_MASK = 0x07
FMT_COMMON_PRIVATE = 0x01 << 24
FMT_COMMON_JSON = 0x02 << 24
FMT_COMMON_BINARY = 0x03 << 24
FMT_COMMON_STRING = 0x04 << 24

FMT_JSON = FMT_COMMON_JSON | 0x00  #: JSON (legacy 0x00)
FMT_PICKLE = FMT_COMMON_PRIVATE | 0x01  #: Python pickle (legacy 0x01)
FMT_BYTES = FMT_COMMON_BINARY | 0x02  #: raw bytes (legacy 0x02)
FMT_UTF8 = FMT_COMMON_STRING | 0x04  #: UTF-8 text (legacy 0x04)
FMT_AUTO = -1  #: choose the format from the value's type (the default)

_NAMES = {FMT_JSON: "FMT_JSON", FMT_PICKLE: "FMT_PICKLE", FMT_BYTES: "FMT_BYTES", FMT_UTF8: "FMT_UTF8",
          FMT_AUTO: "FMT_AUTO"}
_BY_COMMON = {FMT_COMMON_JSON: FMT_JSON, FMT_COMMON_PRIVATE: FMT_PICKLE, FMT_COMMON_BINARY: FMT_BYTES,
              FMT_COMMON_STRING: FMT_UTF8}
_BY_LEGACY = {0x00: FMT_JSON, 0x01: FMT_PICKLE, 0x02: FMT_BYTES, 0x04: FMT_UTF8}
_BYTES_TYPES = (bytes, bytearray, memoryview)
_JSON_TYPES = (dict, list, tuple, int, float, bool, type(None))
_AUTO_BY_TYPE: Dict[type, int] = {str: FMT_UTF8, **{t: FMT_BYTES for t in _BYTES_TYPES},
                                  **{t: FMT_JSON for t in _JSON_TYPES}}


def format_of(flags: int) -> Optional[int]:
    """The ``FMT_*`` constant stored ``flags`` mean.

    The common-flags byte decides when set; otherwise the legacy low bits do (so ``0`` is legacy
    JSON).

    Args:
        flags: The stored flags (None: JSON, as SDK 4.x transcoders take it).

    Returns:
        int: The ``FMT_*`` constant, or None if unrecognised.

    Never raises.
    """
    if flags is None:  # SDK 4.x transcoders accept "no flags" as JSON
        flags = 0
    common = flags & FMT_COMMON_MASK
    if common:
        return _BY_COMMON.get(common)
    return _BY_LEGACY.get(flags & FMT_LEGACY_MASK)


def format_name(fmt: Optional[int]) -> str:
    """The name of a format constant (``"FMT_JSON"`` ...), for messages.

    Args:
        fmt: A ``FMT_*`` constant.

    Returns:
        str: Its name; hex for anything else.

    Never raises.
    """
    name = _NAMES.get(fmt) if fmt is not None else None
    return name or (f"{fmt:#x}" if isinstance(fmt, int) else repr(fmt))


def _checked_format(who: str, format: Any) -> int:  # noqa: A002
    """``format`` if it is a 32-bit flags value, else EncodingFailureException naming it."""
    if isinstance(format, int) and not isinstance(format, bool) and 0 <= format <= 0xFFFFFFFF:
        return format
    raise EncodingFailureException(f"{who}: format must be one of the FMT_* constants, got {format!r}")


def _is_typed_json(flags: int) -> bool:
    # JSON flagged by an SDK (common flags); flags 0 and unknown flags only say "no idea"
    return flags & FMT_COMMON_MASK == FMT_COMMON_JSON




def _as_bytes(data: Any) -> bytes:
    return data if type(data) is bytes else bytes(data)


# ---- serializers ---------------------------------------------------------------------
class Serializer(ABC):
    """Turns objects into JSON bytes and back (the SDK 4.x serializer interface).

    Any object with ``serialize(obj) -> bytes`` and ``deserialize(bytes) -> obj``
    counts as a Serializer; subclassing is not required.
    """

    @abstractmethod
    def serialize(self, value: Any) -> bytes:
        """JSON bytes for ``value``.

        Args:
            value: The object.

        Returns:
            bytes: Its JSON.

        Raises:
            ValueFormatException: ``value`` cannot be serialized (an implementation's choice of exception is
                wrapped by the transcoder).
        """

    @abstractmethod
    def deserialize(self, value: bytes) -> Any:
        """The object the JSON ``value`` holds.

        Args:
            value: JSON bytes.

        Returns:
            The object.

        Raises:
            ValueFormatException: ``value`` is not JSON (an implementation's exception is wrapped by the
                transcoder).
        """

    @classmethod
    def __subclasshook__(cls, other: type) -> Any:
        if cls is Serializer:
            if all(callable(getattr(other, m, None)) for m in ("serialize", "deserialize")):
                return True
        return NotImplemented


class DefaultJsonSerializer(Serializer):
    """The standard library's ``json``, compact (no spaces) and UTF-8 (not ASCII-escaped)."""

    def serialize(self, value: Any) -> bytes:
        """Compact UTF-8 JSON for ``value`` (no NaN or Infinity: they are not JSON).

        Args:
            value: The object.

        Returns:
            bytes: Its JSON.

        Raises:
            TypeError: ``value`` holds an object json cannot serialize.
            ValueError: ``value`` holds NaN or Infinity.
        """
        return dumps_compact(value)

    def deserialize(self, value: bytes) -> Any:
        """The object the JSON ``value`` holds.

        Args:
            value: JSON bytes.

        Returns:
            The object.

        Raises:
            ValueError: ``value`` is not JSON (json.JSONDecodeError).
        """
        return _json_loads(value)


def _serializer_pair(serializer: Any,
                     deserializer: Any) -> Tuple[Callable[[Any], Any], Callable[[bytes], Any]]:
    if serializer is None:
        dumps: Callable[[Any], Any] = dumps_compact
        loads: Callable[[bytes], Any] = _json_loads
    elif isinstance(serializer, Serializer):
        dumps, loads = serializer.serialize, serializer.deserialize
    elif callable(serializer):
        dumps, loads = serializer, _json_loads
    else:
        raise InvalidArgumentTypeException(
            message=f"serializer must be a Serializer (serialize/deserialize) or a callable, "
                    f"got {serializer!r}")
    if deserializer is not None:
        if not callable(deserializer):
            raise InvalidArgumentTypeException(message=f"deserializer must be callable, got {deserializer!r}")
        loads = deserializer
    return dumps, loads


# ---- the interface ---------------------------------------------------------------------
class Transcoder(ABC):
    """What a transcoder implements. Subclassing is optional: any object with these two
    methods can be passed as ``transcoder=`` (``isinstance(obj, Transcoder)`` is true for it).

    ``format`` is what the caller passed as ``format=`` (``None`` when nothing was
    passed); a transcoder may ignore it. SDK 4.x transcoders, whose ``encode_value``
    takes only the value, work unchanged as long as no ``format=`` is passed.
    """

    @abstractmethod
    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        """The bytes to store for ``value`` and the flags to store with them (a ``super()`` call: the 1.x
        built-in conversions).

        Args:
            value: The value to store.
            format: A ``FMT_*`` constant to store it as (None: the transcoder's choice).

        Returns:
            tuple: ``(bytes, flags)``: the bytes to store and the 32-bit flags to store with them.

        Raises:
            EncodingFailureException: ``value`` cannot be stored in that format.
        """
        return LegacyTranscoder().encode_value(value, format)

    @abstractmethod
    def decode_value(self, value: bytes, flags: int) -> Any:
        """The value that stored ``value`` bytes with ``flags`` represent (a ``super()`` call: the 1.x
        built-in conversions).

        Args:
            value: The stored bytes.
            flags: The stored flags.

        Returns:
            The decoded value.

        Raises:
            DecodingFailureException: The bytes cannot be decoded as ``flags`` say.
        """
        return LegacyTranscoder().decode_value(value, flags)

    @classmethod
    def __subclasshook__(cls, other: type) -> Any:
        if cls is Transcoder:
            if all(callable(getattr(other, m, None)) for m in ("encode_value", "decode_value")):
                return True
        return NotImplemented


def _need(value: Any, types: Any, what: str, who: str) -> None:
    if not isinstance(value, types):
        raise EncodingFailureException(f"{who} stores {what}, got {type(value).__name__}")


def _wrong_format(who: str, flags: int, hint: str) -> DecodingFailureException:
    fmt = format_of(flags)
    stored = format_name(fmt) if fmt is not None else f"flags {flags:#x} (an unknown format)"
    return DecodingFailureException(f"{who} cannot read a document stored as {stored}; {hint}")


class _JSONCodec:
    """The serializer pair and the JSON rules shared by the transcoders that write JSON.

    Args:
        serializer: A :class:`Serializer` (``serialize``/``deserialize``) or a callable returning
            JSON bytes (default: the standard library's json, compact).
        deserializer: A callable turning JSON bytes into an object (default: the serializer's, or
            ``json.loads``).

    Raises:
        InvalidArgumentTypeException: A serializer that is neither, or a deserializer that is not
            callable.
    """

    def __init__(self, serializer: Any = None, deserializer: Any = None) -> None:
        self._dumps, self._loads = _serializer_pair(serializer, deserializer)

    def _encode_json(self, value: Any, who: str, hint: str = "") -> Tuple[bytes, int]:
        if isinstance(value, _BYTES_TYPES):
            other = ("RawBinaryTranscoder" if who == "JSONTranscoder"
                     else "RawBinaryTranscoder, or format=FMT_BYTES")
            raise EncodingFailureException(f"{who} does not store {type(value).__name__} values as JSON; "
                                           f"use {other} for binary data")
        try:
            data = self._dumps(value)
            return (data.encode("utf-8") if isinstance(data, str) else _as_bytes(data)), FMT_JSON
        except Exception as exc:  # noqa: BLE001 - any serializer failure is an encoding failure
            raise EncodingFailureException(
                f"{who} cannot encode a {type(value).__name__} as JSON: {exc}{hint}",
                inner_cause=exc) from exc

    def _decode_json(self, value: bytes, flags: int, who: str) -> Any:
        try:
            return self._loads(value)
        except Exception as exc:  # noqa: BLE001
            if not _is_typed_json(flags):
                return value  # untyped document that is not JSON: hand back the bytes
            raise DecodingFailureException(
                f"{who}: the document is flagged as JSON but does not parse: {exc}", inner_cause=exc) from exc


# ---- built-in transcoders ----------------------------------------------------------------
_PICKLE_HINT = " (LegacyTranscoder() stores such objects with pickle)"


class DefaultTranscoder(_JSONCodec, Transcoder):
    """Picks the format from the value's type (the default of ``Cluster`` before SDK 4.x parity;
    ``ClusterOptions(transcoder=DefaultTranscoder())`` brings it back).

    Encoding with no ``format`` (or ``FMT_AUTO``): dict, list, tuple, int, float, bool
    and None → JSON (``FMT_JSON``); str → UTF-8 string (``FMT_UTF8``); bytes, bytearray,
    memoryview → binary (``FMT_BYTES``); anything else is handed to the JSON serializer
    (so a serializer such as orjson can store dataclasses or datetimes) and fails with
    a ValueFormatException if it cannot. An explicit ``format=FMT_JSON|FMT_UTF8|FMT_BYTES``
    is honoured (``FMT_JSON`` stores a str as a JSON string).

    Decoding follows the flags. Pickle is never used: ``FMT_PICKLE`` is refused both
    ways, because unpickling a document runs code chosen by whoever wrote it; use
    :class:`LegacyTranscoder` to opt in.

    :param serializer: a :class:`Serializer`, or a callable ``obj -> bytes|str``.
    :param deserializer: a callable ``bytes -> obj`` (default ``json.loads``).
    """

    _pickle = False

    def _auto_format(self, value: Any) -> int:
        fmt = _AUTO_BY_TYPE.get(type(value))
        if fmt is not None:
            return fmt
        if isinstance(value, str):
            return FMT_UTF8
        if isinstance(value, _BYTES_TYPES):
            return FMT_BYTES
        if isinstance(value, _JSON_TYPES) or not self._pickle:
            return FMT_JSON
        return FMT_PICKLE

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        """Encode ``value`` (JSON, UTF-8 string or binary, by its type or ``format``).

        Args:
            value: The value to store.
            format: A ``FMT_*`` constant to store it as (None: the transcoder's choice).

        Returns:
            tuple: ``(bytes, flags)``: the bytes to store and the 32-bit flags to store with them.

        Raises:
            EncodingFailureException: A value the serializer cannot store as JSON, a str that is not valid
                UTF-8, ``FMT_PICKLE`` (only LegacyTranscoder pickles), or an unknown format.
        """
        who = type(self).__name__
        if format is None or format == FMT_AUTO:
            fmt: Optional[int] = self._auto_format(value)
        else:
            fmt = format_of(_checked_format(who, format))
        if fmt == FMT_JSON:
            hint = "" if self._pickle or isinstance(value, _JSON_TYPES) else _PICKLE_HINT
            return self._encode_json(value, who, hint)
        if fmt == FMT_UTF8:
            _need(value, str, "str values as FMT_UTF8", who)
            try:
                return value.encode("utf-8"), FMT_UTF8
            except UnicodeError as exc:
                raise EncodingFailureException(f"{who}: the str is not valid UTF-8 text: {exc}",
                                               inner_cause=exc) from exc
        if fmt == FMT_BYTES:
            _need(value, _BYTES_TYPES, "bytes-like values as FMT_BYTES", who)
            return _as_bytes(value), FMT_BYTES
        if fmt == FMT_PICKLE and self._pickle:
            try:
                return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), FMT_PICKLE
            except Exception as exc:  # noqa: BLE001 - pickle raises many types
                raise EncodingFailureException(f"{who} cannot pickle a {type(value).__name__}: {exc}",
                                               inner_cause=exc) from exc
        if fmt == FMT_PICKLE:
            raise EncodingFailureException(f"{who} does not pickle; use LegacyTranscoder() to store "
                                           f"{type(value).__name__} values as FMT_PICKLE")
        raise EncodingFailureException(f"{who}: unknown format {format_name(format)}")

    def decode_value(self, value: bytes, flags: int) -> Any:
        """Decode stored bytes by their flags (JSON, UTF-8 string, binary).

        Args:
            value: The stored bytes.
            flags: The stored flags.

        Returns:
            The decoded value: dict/list/... for JSON, str, or bytes.

        Raises:
            DecodingFailureException: Invalid JSON or UTF-8, or a pickled document (read it with
                LegacyTranscoder).
        """
        if flags == FMT_JSON:  # the common case first
            return self._decode_json(value, flags, type(self).__name__)
        fmt = format_of(flags)
        if fmt == FMT_UTF8:
            try:
                return value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DecodingFailureException(f"{type(self).__name__}: the document is flagged as UTF-8 "
                                               f"but is not: {exc}", inner_cause=exc) from exc
        if fmt == FMT_BYTES:
            return _as_bytes(value)
        if fmt == FMT_PICKLE:
            if self._pickle:
                return pickle.loads(value)  # noqa: S301 - opted in by choosing LegacyTranscoder
            raise _wrong_format(type(self).__name__, flags, "read it with LegacyTranscoder() to unpickle it "
                                "(only if you trust its writer), or with no_format=True for the bytes")
        # FMT_JSON with other low bits, legacy 0, or flags no SDK writes
        return self._decode_json(value, flags, type(self).__name__)


class LegacyTranscoder(DefaultTranscoder):
    """The 1.x/2.x SDK behaviour: like :class:`DefaultTranscoder`, but values JSON cannot
    hold (sets, datetimes, your classes, ...) are pickled (``FMT_PICKLE``), an explicit
    ``format=FMT_PICKLE`` is honoured, and pickled documents are unpickled when read.

    Unpickling runs code chosen by the document's writer: read with this transcoder only
    buckets whose writers you trust.
    """

    _pickle = True


class JSONTranscoder(_JSONCodec, Transcoder):
    """Everything as JSON, the default of ``Cluster`` (as SDK 4.x): str is stored as a JSON
    string; bytes are refused (use :class:`RawBinaryTranscoder`). Reads JSON documents
    (and untyped ones that parse); string, binary and pickle documents are refused.

    :param serializer: a :class:`Serializer`, or a callable ``obj -> bytes|str``
        (e.g. ``orjson.dumps``).
    :param deserializer: a callable ``bytes -> obj`` (e.g. ``orjson.loads``).
    """

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        """Encode ``value`` as JSON (str too, as a JSON string).

        Args:
            value: The value to store.
            format: A ``FMT_*`` constant to store it as (None: the transcoder's choice).

        Returns:
            tuple: ``(bytes, flags)``: the bytes to store and the 32-bit flags to store with them.

        Raises:
            EncodingFailureException: A format other than FMT_JSON, bytes, or a value the serializer cannot
                store.
        """
        if format is not None and format != FMT_AUTO \
                and format_of(_checked_format("JSONTranscoder", format)) != FMT_JSON:
            raise EncodingFailureException(f"JSONTranscoder only writes FMT_JSON, not {format_name(format)}")
        return self._encode_json(value, "JSONTranscoder")

    def decode_value(self, value: bytes, flags: int) -> Any:
        """Decode a JSON document.

        Args:
            value: The stored bytes.
            flags: The stored flags.

        Returns:
            The decoded value.

        Raises:
            DecodingFailureException: The document is not flagged JSON, or is not valid JSON.
        """
        fmt = format_of(flags)
        if fmt in (FMT_UTF8, FMT_BYTES, FMT_PICKLE):
            raise _wrong_format("JSONTranscoder", flags, "use RawStringTranscoder, RawBinaryTranscoder or "
                                "LegacyTranscoder for it, or no_format=True")
        return self._decode_json(value, flags, "JSONTranscoder")


class RawJSONTranscoder(Transcoder):
    """Documents that are already JSON: str or bytes in (stored as given, flagged
    ``FMT_JSON``), bytes out, never parsed."""

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        """Store already-encoded JSON (str or bytes) as given, flagged ``FMT_JSON``.

        Args:
            value: The value to store.
            format: A ``FMT_*`` constant to store it as (None: the transcoder's choice).

        Returns:
            tuple: ``(bytes, flags)``: the bytes to store and the 32-bit flags to store with them.

        Raises:
            EncodingFailureException: Not str or bytes, or a str that is not valid UTF-8.
        """
        if isinstance(value, str):
            try:
                return value.encode("utf-8"), FMT_JSON
            except UnicodeError as exc:
                raise EncodingFailureException(f"RawJSONTranscoder: the str is not valid UTF-8 text: {exc}",
                                               inner_cause=exc) from exc
        _need(value, _BYTES_TYPES, "str or bytes that hold JSON", "RawJSONTranscoder")
        return _as_bytes(value), FMT_JSON

    def decode_value(self, value: bytes, flags: int) -> Any:
        """A JSON document's bytes, unparsed.

        Args:
            value: The stored bytes.
            flags: The stored flags.

        Returns:
            bytes: The stored JSON.

        Raises:
            DecodingFailureException: The document is not flagged JSON.
        """
        fmt = format_of(flags)
        if fmt in (FMT_UTF8, FMT_BYTES, FMT_PICKLE):
            raise _wrong_format("RawJSONTranscoder", flags, "use no_format=True for its bytes")
        return _as_bytes(value)


class RawStringTranscoder(Transcoder):
    """str ↔ UTF-8 string documents (``FMT_UTF8``)."""

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        """Store a str as a UTF-8 string document (``FMT_UTF8``).

        Args:
            value: The value to store.
            format: A ``FMT_*`` constant to store it as (None: the transcoder's choice).

        Returns:
            tuple: ``(bytes, flags)``: the bytes to store and the 32-bit flags to store with them.

        Raises:
            EncodingFailureException: Not a str, or not valid UTF-8 text.
        """
        _need(value, str, "str values", "RawStringTranscoder")
        try:
            return value.encode("utf-8"), FMT_UTF8
        except UnicodeError as exc:
            raise EncodingFailureException(f"RawStringTranscoder: the str is not valid UTF-8 text: {exc}",
                                           inner_cause=exc) from exc

    def decode_value(self, value: bytes, flags: int) -> Any:
        """A string document's text.

        Args:
            value: The stored bytes.
            flags: The stored flags.

        Returns:
            str: The text.

        Raises:
            DecodingFailureException: The document is not flagged as a string, or is not UTF-8.
        """
        fmt = format_of(flags)
        if fmt != FMT_UTF8:
            raise _wrong_format("RawStringTranscoder", flags, "use no_format=True for its bytes")
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodingFailureException(f"RawStringTranscoder: the document is not UTF-8: {exc}",
                                           inner_cause=exc) from exc


class RawBinaryTranscoder(Transcoder):
    """bytes ↔ binary documents (``FMT_BYTES``); bytearray and memoryview are stored as bytes."""

    def encode_value(self, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
        """Store bytes (bytearray and memoryview too) as a binary document (``FMT_BYTES``).

        Args:
            value: The value to store.
            format: A ``FMT_*`` constant to store it as (None: the transcoder's choice).

        Returns:
            tuple: ``(bytes, flags)``: the bytes to store and the 32-bit flags to store with them.

        Raises:
            EncodingFailureException: Not bytes-like.
        """
        _need(value, _BYTES_TYPES, "bytes-like values", "RawBinaryTranscoder")
        return _as_bytes(value), FMT_BYTES

    def decode_value(self, value: bytes, flags: int) -> Any:
        """A binary document's bytes.

        Args:
            value: The stored bytes.
            flags: The stored flags.

        Returns:
            bytes: The stored bytes.

        Raises:
            DecodingFailureException: The document is not flagged binary.
        """
        fmt = format_of(flags)
        if fmt != FMT_BYTES:
            raise _wrong_format("RawBinaryTranscoder", flags, "use no_format=True for its bytes")
        return _as_bytes(value)


# ---- what the SDK calls ---------------------------------------------------------------------
def _who(transcoder: Any) -> str:
    return type(transcoder).__name__


def encode_with(transcoder: Any, value: Any, format: Optional[int] = None) -> Tuple[bytes, int]:  # noqa: A002
    """``transcoder.encode_value(value[, format])``, checked: what it returns must be ``(bytes, int flags)``.

    Args:
        transcoder: Any object with ``encode_value``.
        value: The value.
        format: A ``FMT_*`` constant, or None.

    Returns:
        tuple: ``(bytes, flags)``: the bytes to store and the 32-bit flags to store with them.

    Raises:
        ValueFormatException: Raised by the transcoder (passed through unchanged).
        EncodingFailureException: Any other exception of the transcoder, or a result that is not ``(bytes,
            flags)``.
    """
    try:
        result = transcoder.encode_value(value) if format is None else transcoder.encode_value(value, format)
    except ValueFormatException:
        raise
    except Exception as exc:  # noqa: BLE001 - a user transcoder may raise anything
        raise EncodingFailureException(
            f"{_who(transcoder)}.encode_value failed for a {type(value).__name__} value: "
            f"{type(exc).__name__}: {exc}", inner_cause=exc) from exc
    if isinstance(result, (tuple, list)) and len(result) == 2:
        data, flags = result
    else:
        raise EncodingFailureException(
            f"{_who(transcoder)}.encode_value must return (bytes, flags), got {type(result).__name__}")
    if type(data) is not bytes:
        if not isinstance(data, _BYTES_TYPES):
            raise EncodingFailureException(
                f"{_who(transcoder)}.encode_value returned {type(data).__name__} data; it must return bytes")
        data = bytes(data)
    if type(flags) is not int:
        if isinstance(flags, bool) or not hasattr(type(flags), "__index__"):
            raise EncodingFailureException(
                f"{_who(transcoder)}.encode_value returned flags {flags!r}; flags must be an int")
        flags = operator.index(flags)  # e.g. a numpy integer
    if not 0 <= flags <= 0xFFFFFFFF:
        raise EncodingFailureException(
            f"{_who(transcoder)}.encode_value returned flags {flags:#x}, outside 32 bits")
    return data, flags


def decode_with(transcoder: Any, value: bytes, flags: int, *, no_format: bool = False) -> Any:
    """``transcoder.decode_value(value, flags)``, checked; with ``no_format=True`` the stored bytes as they
    are.

    Args:
        transcoder: Any object with ``decode_value``.
        value: The stored bytes.
        flags: The stored flags.
        no_format: Return ``value`` undecoded.

    Returns:
        The decoded value.

    Raises:
        ValueFormatException: Raised by the transcoder (passed through unchanged).
        DecodingFailureException: Any other exception of the transcoder.
    """
    if no_format:
        return value
    try:
        return transcoder.decode_value(value, flags)
    except ValueFormatException:
        raise
    except Exception as exc:  # noqa: BLE001
        raise DecodingFailureException(
            f"{_who(transcoder)}.decode_value failed for a document with flags {flags:#x} "
            f"({format_name(format_of(flags))}): {type(exc).__name__}: {exc}", inner_cause=exc) from exc
