"""Transcoders: formats both ways, common and legacy flags, pickle, serializer injection,
and every failure (ours or a user transcoder's) as a typed ValueFormatException."""
from __future__ import annotations

import datetime
import json
import pickle
from decimal import Decimal

import pytest

from couchbase import transcoder as T
from couchbase.exceptions import (
    DecodingFailureException,
    EncodingFailureException,
    InvalidArgumentTypeException,
    ValueFormatException,
)

LEGACY_JSON, LEGACY_PICKLE, LEGACY_BYTES, LEGACY_UTF8 = 0x00, 0x01, 0x02, 0x04


def test_flag_values_match_the_common_flags_layout():
    # the official SDK 4.x and the 2.x SDK use exactly these values
    assert T.FMT_JSON == 0x02000000 and T.FMT_PICKLE == 0x01000001
    assert T.FMT_BYTES == 0x03000002 and T.FMT_UTF8 == 0x04000004
    assert (T.FMT_COMMON_MASK, T.FMT_LEGACY_MASK) == (0xFF000000, 0x07)
    for fmt, legacy in ((T.FMT_JSON, 0), (T.FMT_PICKLE, 1), (T.FMT_BYTES, 2), (T.FMT_UTF8, 4)):
        assert fmt & T.FMT_LEGACY_MASK == legacy
    assert T.FMT_AUTO not in (T.FMT_JSON, T.FMT_PICKLE, T.FMT_BYTES, T.FMT_UTF8)
    from couchbase import FMT_AUTO, FMT_JSON

    assert (FMT_AUTO, FMT_JSON) == (T.FMT_AUTO, T.FMT_JSON)


@pytest.mark.parametrize("flags,fmt", [
    (0x02000000, T.FMT_JSON), (0x01000000, T.FMT_PICKLE), (0x03000000, T.FMT_BYTES), (0x04000000, T.FMT_UTF8),
    (T.FMT_JSON, T.FMT_JSON), (T.FMT_PICKLE, T.FMT_PICKLE), (T.FMT_BYTES, T.FMT_BYTES),
    (T.FMT_UTF8, T.FMT_UTF8),
    (0, T.FMT_JSON), (1, T.FMT_PICKLE), (2, T.FMT_BYTES), (4, T.FMT_UTF8),
    (0x05000000, None), (3, None), (7, None),
])
def test_format_of(flags, fmt):
    assert T.format_of(flags) == fmt


# ---- the default transcoder ---------------------------------------------------------------
@pytest.mark.parametrize("value,fmt", [
    ({"a": 1, "é": [1.5, None, True]}, T.FMT_JSON), ([1, "x"], T.FMT_JSON), ((1, 2), T.FMT_JSON),
    (None, T.FMT_JSON), (True, T.FMT_JSON), (42, T.FMT_JSON), (1.25, T.FMT_JSON),
    ("héllo", T.FMT_UTF8), ("", T.FMT_UTF8), (b"\x00\xff", T.FMT_BYTES), (bytearray(b"ab"), T.FMT_BYTES),
    (memoryview(b"mv"), T.FMT_BYTES), (b"", T.FMT_BYTES),
])
def test_default_roundtrip(value, fmt):
    tc = T.DefaultTranscoder()
    data, flags = T.encode_with(tc, value)
    assert flags == fmt and type(data) is bytes
    expected = list(value) if isinstance(value, tuple) else value
    if isinstance(value, (bytearray, memoryview)):
        expected = bytes(value)
    assert T.decode_with(tc, data, flags) == expected


def test_default_json_is_compact_utf8():
    data, _ = T.DefaultTranscoder().encode_value({"a": [1, 2], "k": "é"})
    assert data == '{"a":[1,2],"k":"é"}'.encode("utf-8")


def test_default_explicit_formats():
    tc = T.DefaultTranscoder()
    assert tc.encode_value("s", T.FMT_JSON) == (b'"s"', T.FMT_JSON)
    assert tc.encode_value("s", T.FMT_UTF8) == (b"s", T.FMT_UTF8)
    assert tc.encode_value(b"b", T.FMT_BYTES) == (b"b", T.FMT_BYTES)
    assert tc.encode_value({"a": 1}, T.FMT_AUTO) == (b'{"a":1}', T.FMT_JSON)
    assert tc.encode_value([1], 0) == (b"[1]", T.FMT_JSON)  # a 1.x-style legacy format value
    with pytest.raises(EncodingFailureException, match="bytes"):
        tc.encode_value(b"b", T.FMT_JSON)
    with pytest.raises(EncodingFailureException, match="FMT_UTF8"):
        tc.encode_value(1, T.FMT_UTF8)
    with pytest.raises(EncodingFailureException, match="FMT_BYTES"):
        tc.encode_value("s", T.FMT_BYTES)
    with pytest.raises(EncodingFailureException, match="unknown format"):
        tc.encode_value(1, 0x05000000)
    with pytest.raises(EncodingFailureException, match="FMT_"):
        tc.encode_value(1, "json")


def test_default_never_pickles():
    tc = T.DefaultTranscoder()
    with pytest.raises(ValueFormatException, match="LegacyTranscoder") as info:
        T.encode_with(tc, {1, 2})
    assert isinstance(info.value.inner_cause, TypeError)
    with pytest.raises(EncodingFailureException, match="LegacyTranscoder"):
        tc.encode_value({1}, T.FMT_PICKLE)
    with pytest.raises(DecodingFailureException, match="LegacyTranscoder"):
        T.decode_with(tc, pickle.dumps({1}), T.FMT_PICKLE)
    with pytest.raises(DecodingFailureException):
        tc.decode_value(pickle.dumps({1}), LEGACY_PICKLE)


def test_default_invalid_text():
    tc = T.DefaultTranscoder()
    with pytest.raises(EncodingFailureException) as info:
        tc.encode_value("\ud800")  # a lone surrogate is not UTF-8
    assert isinstance(info.value.inner_cause, UnicodeError)
    with pytest.raises(DecodingFailureException, match="UTF-8"):
        tc.decode_value(b"\xff\xfe", T.FMT_UTF8)
    with pytest.raises(DecodingFailureException, match="JSON"):
        tc.decode_value(b"{not json", T.FMT_JSON)
    with pytest.raises(EncodingFailureException):
        tc.encode_value(object())


# ---- reading what other SDKs and old SDKs write ----------------------------------------------
@pytest.mark.parametrize("tc", [T.DefaultTranscoder(), T.LegacyTranscoder()], ids=["default", "legacy"])
@pytest.mark.parametrize("flags,data,expected", [
    (0x02000000, b'{"a":1}', {"a": 1}),   # common flags only (official SDK 4.x, Java, Go, ...)
    (0x04000000, "tëxt".encode(), "tëxt"),
    (0x03000000, b"\x01\x02", b"\x01\x02"),
    (LEGACY_JSON, b"[1,2]", [1, 2]),        # legacy flags only (1.x/2.x Python SDK)
    (LEGACY_UTF8, b"txt", "txt"),
    (LEGACY_BYTES, b"\x01", b"\x01"),
    (0, b"plain text from cbc", b"plain text from cbc"),  # untyped and not JSON: the bytes
    (0x05000000, b"\x00odd", b"\x00odd"),   # a format no SDK defines: the bytes
    (0x05000000, b'{"x":1}', {"x": 1}),
])
def test_decode_foreign_flags(tc, flags, data, expected):
    assert T.decode_with(tc, data, flags) == expected


def test_what_the_official_sdk_writes():
    # official 4.x: JSONTranscoder -> FMT_JSON, RawStringTranscoder -> FMT_UTF8, RawBinary -> FMT_BYTES
    assert T.decode_with(T.DefaultTranscoder(), b'"just a string"', 0x02000000) == "just a string"
    assert T.decode_with(T.LegacyTranscoder(), pickle.dumps({"s"}), 0x01000001) == {"s"}
    assert T.decode_with(T.LegacyTranscoder(), pickle.dumps([1]), 0x01000000) == [1]
    assert T.decode_with(T.LegacyTranscoder(), pickle.dumps([2]), LEGACY_PICKLE) == [2]


# ---- legacy transcoder -----------------------------------------------------------------------
@pytest.mark.parametrize("value,fmt", [
    ({"a": 1}, T.FMT_JSON), ([1], T.FMT_JSON), (None, T.FMT_JSON), (3.5, T.FMT_JSON), ("s", T.FMT_UTF8),
    (b"b", T.FMT_BYTES), ({1, 2}, T.FMT_PICKLE), (datetime.date(2020, 1, 2), T.FMT_PICKLE),
    (Decimal("1.5"), T.FMT_PICKLE), (frozenset("ab"), T.FMT_PICKLE),
])
def test_legacy_roundtrip(value, fmt):
    tc = T.LegacyTranscoder()
    data, flags = T.encode_with(tc, value)
    assert flags == fmt
    assert T.decode_with(tc, data, flags) == value


def test_legacy_honours_explicit_format():
    tc = T.LegacyTranscoder()
    data, flags = tc.encode_value({"a": 1}, T.FMT_PICKLE)
    assert flags == T.FMT_PICKLE and pickle.loads(data) == {"a": 1}
    assert tc.encode_value("x", T.FMT_JSON) == (b'"x"', T.FMT_JSON)
    assert tc.encode_value("x", T.FMT_UTF8) == (b"x", T.FMT_UTF8)
    with pytest.raises(EncodingFailureException):
        tc.encode_value(lambda: 1, T.FMT_PICKLE)  # lambdas do not pickle


# ---- the strict transcoders --------------------------------------------------------------------
def test_json_transcoder():
    tc = T.JSONTranscoder()
    for value in ({"a": [1]}, "a string", 12, None, [True]):
        data, flags = T.encode_with(tc, value)
        assert flags == T.FMT_JSON and json.loads(data) == value
        assert T.decode_with(tc, data, flags) == value
    assert tc.encode_value("s") == (b'"s"', T.FMT_JSON)
    with pytest.raises(EncodingFailureException, match="RawBinaryTranscoder"):
        tc.encode_value(b"bytes")
    with pytest.raises(EncodingFailureException, match="FMT_JSON"):
        tc.encode_value("s", T.FMT_UTF8)
    with pytest.raises(EncodingFailureException) as info:
        tc.encode_value({1, 2})
    assert isinstance(info.value.inner_cause, TypeError)
    for flags in (T.FMT_UTF8, T.FMT_BYTES, T.FMT_PICKLE, LEGACY_UTF8):
        with pytest.raises(DecodingFailureException):
            tc.decode_value(b"x", flags)
    assert tc.decode_value(b"[1]", LEGACY_JSON) == [1]


def test_raw_json_transcoder():
    tc = T.RawJSONTranscoder()
    assert tc.encode_value('{"a":1}') == (b'{"a":1}', T.FMT_JSON)
    assert tc.encode_value(b'[1]') == (b"[1]", T.FMT_JSON)
    assert tc.encode_value(bytearray(b"2")) == (b"2", T.FMT_JSON)
    assert tc.decode_value(b'{"a":1}', T.FMT_JSON) == b'{"a":1}'
    assert tc.decode_value(b"x", 0) == b"x"
    with pytest.raises(EncodingFailureException):
        tc.encode_value({"a": 1})
    with pytest.raises(DecodingFailureException):
        tc.decode_value(b"x", T.FMT_BYTES)


def test_raw_string_transcoder():
    tc = T.RawStringTranscoder()
    assert tc.encode_value("héllo") == ("héllo".encode(), T.FMT_UTF8)
    assert tc.decode_value("héllo".encode(), T.FMT_UTF8) == "héllo"
    assert tc.decode_value(b"legacy", LEGACY_UTF8) == "legacy"
    assert tc.decode_value(b"common", 0x04000000) == "common"
    with pytest.raises(EncodingFailureException):
        tc.encode_value(b"bytes")
    with pytest.raises(DecodingFailureException):
        tc.decode_value(b"{}", T.FMT_JSON)
    with pytest.raises(DecodingFailureException):
        tc.decode_value(b"\xff", T.FMT_UTF8)


def test_raw_binary_transcoder():
    tc = T.RawBinaryTranscoder()
    assert tc.encode_value(b"\x00") == (b"\x00", T.FMT_BYTES)
    assert tc.encode_value(memoryview(b"mv")) == (b"mv", T.FMT_BYTES)
    assert tc.decode_value(b"\x00", T.FMT_BYTES) == b"\x00"
    assert tc.decode_value(b"\x01", LEGACY_BYTES) == b"\x01"
    assert tc.decode_value(b"\x02", 0x03000000) == b"\x02"
    with pytest.raises(EncodingFailureException):
        tc.encode_value("str")
    with pytest.raises(DecodingFailureException):
        tc.decode_value(b"x", T.FMT_UTF8)
    with pytest.raises(DecodingFailureException, match="0x5000000"):
        tc.decode_value(b"x", 0x05000000)


# ---- pluggable serializers ------------------------------------------------------------------------
class FakeOrjson:
    """Stands in for orjson: dumps returns bytes, loads takes bytes, and both count their calls."""

    def __init__(self):
        self.dumped = []
        self.loaded = []

    def dumps(self, obj):
        self.dumped.append(obj)
        if isinstance(obj, datetime.date):
            return f'"{obj.isoformat()}"'.encode()
        return json.dumps(obj).encode()

    def loads(self, data):
        self.loaded.append(bytes(data))
        return json.loads(data)


@pytest.mark.parametrize("cls", [T.JSONTranscoder, T.DefaultTranscoder, T.LegacyTranscoder])
def test_serializer_functions(cls):
    fake = FakeOrjson()
    tc = cls(serializer=fake.dumps, deserializer=fake.loads)
    data, flags = T.encode_with(tc, {"k": 1})
    assert flags == T.FMT_JSON and fake.dumped == [{"k": 1}]
    assert T.decode_with(tc, data, flags) == {"k": 1} and fake.loaded == [data]


def test_serializer_handles_what_json_cannot():
    fake = FakeOrjson()
    when = datetime.date(2024, 5, 6)
    assert T.DefaultTranscoder(fake.dumps, fake.loads).encode_value(when) == (b'"2024-05-06"', T.FMT_JSON)
    assert T.JSONTranscoder(fake.dumps).encode_value(when) == (b'"2024-05-06"', T.FMT_JSON)
    # the legacy transcoder pickles non-JSON types before any serializer sees them
    assert T.LegacyTranscoder(fake.dumps).encode_value(when)[1] == T.FMT_PICKLE


def test_serializer_object_and_str_results():
    class Upper(T.Serializer):
        def serialize(self, value):
            return json.dumps(value).upper()  # a str: encoded as UTF-8

        def deserialize(self, value):
            return {"decoded": value}

    tc = T.JSONTranscoder(serializer=Upper())
    assert tc.encode_value({"a": "b"}) == (b'{"A": "B"}', T.FMT_JSON)
    assert tc.decode_value(b"1", T.FMT_JSON) == {"decoded": b"1"}

    class Duck:  # no subclassing needed
        def serialize(self, value):
            return b"duck"

        def deserialize(self, value):
            return "duck"

    assert isinstance(Duck(), T.Serializer)
    assert T.JSONTranscoder(Duck()).encode_value(1) == (b"duck", T.FMT_JSON)
    overridden = T.JSONTranscoder(Duck(), deserializer=lambda b: "override")
    assert overridden.decode_value(b"1", T.FMT_JSON) == "override"
    assert T.DefaultJsonSerializer().serialize({"a": [1]}) == b'{"a":[1]}'
    with pytest.raises(InvalidArgumentTypeException):
        T.JSONTranscoder(serializer=42)
    with pytest.raises(InvalidArgumentTypeException):
        T.JSONTranscoder(deserializer="loads")


def test_failing_serializer_is_wrapped():
    def dumps(obj):
        raise RuntimeError("serializer broke")

    def loads(data):
        raise RuntimeError("deserializer broke")

    tc = T.JSONTranscoder(dumps, loads)
    with pytest.raises(EncodingFailureException, match="serializer broke") as info:
        T.encode_with(tc, {"a": 1})
    assert isinstance(info.value.inner_cause, RuntimeError)
    with pytest.raises(DecodingFailureException, match="deserializer broke"):
        T.decode_with(tc, b"{}", T.FMT_JSON)
    assert T.decode_with(tc, b"{}", 0) == b"{}"  # untyped: the bytes, as for any non-JSON


# ---- user transcoders through encode_with / decode_with ---------------------------------------------
class Raises:
    def encode_value(self, value, format=None):  # noqa: A002
        raise KeyError("boom")

    def decode_value(self, value, flags):
        raise KeyError("boom")


class Returns:
    def __init__(self, result):
        self.result = result

    def encode_value(self, value, format=None):  # noqa: A002
        return self.result

    def decode_value(self, value, flags):
        return ("decoded", value, flags)


def test_user_transcoder_that_raises():
    with pytest.raises(ValueFormatException) as info:
        T.encode_with(Raises(), 1)
    exc = info.value
    assert isinstance(exc, EncodingFailureException) and isinstance(exc.inner_cause, KeyError)
    assert "Raises.encode_value" in exc.message and "KeyError" in exc.message
    assert exc.__cause__ is exc.inner_cause
    with pytest.raises(DecodingFailureException) as info:
        T.decode_with(Raises(), b"1", T.FMT_JSON)
    assert isinstance(info.value.inner_cause, KeyError) and "Raises.decode_value" in info.value.message
    assert "0x2000000" in info.value.message and "FMT_JSON" in info.value.message


@pytest.mark.parametrize("result,problem", [
    (("not bytes", 0), "str data"),
    ((b"ok", "0"), "flags '0'"),
    ((b"ok", True), "flags True"),
    ((b"ok", -1), "outside 32 bits"),
    ((b"ok", 1 << 32), "outside 32 bits"),
    ((b"ok", 1.0), "flags 1.0"),
    (b"just bytes", "(bytes, flags)"),
    ((b"a", 1, 2), "(bytes, flags)"),
    (None, "(bytes, flags)"),
])
def test_user_transcoder_with_wrong_results(result, problem):
    with pytest.raises(EncodingFailureException) as info:
        T.encode_with(Returns(result), 1)
    assert problem in info.value.message and "Returns.encode_value" in info.value.message


def test_user_transcoder_with_acceptable_results():
    class Index:
        def __index__(self):
            return 7

    assert T.encode_with(Returns([bytearray(b"x"), 5]), 1) == (b"x", 5)
    assert T.encode_with(Returns((memoryview(b"y"), Index())), 1) == (b"y", 7)
    assert T.encode_with(Returns((b"z", 0xFFFFFFFF)), 1) == (b"z", 0xFFFFFFFF)
    assert T.decode_with(Returns(None), b"v", 3) == ("decoded", b"v", 3)


def test_format_is_passed_only_when_given():
    seen = []

    class SDK4Style:  # the official 4.x interface: encode_value(value)
        def encode_value(self, value):
            seen.append(value)
            return b"v", 0

        def decode_value(self, value, flags):
            return value

    assert T.encode_with(SDK4Style(), 1) == (b"v", 0) and seen == [1]
    with pytest.raises(EncodingFailureException, match="SDK4Style.encode_value"):
        T.encode_with(SDK4Style(), 1, T.FMT_JSON)
    assert isinstance(SDK4Style(), T.Transcoder)
    assert T.encode_with(T.LegacyTranscoder(), {2}, T.FMT_PICKLE)[1] == T.FMT_PICKLE


def test_value_format_exceptions_pass_through():
    class Picky:
        def encode_value(self, value, format=None):  # noqa: A002
            raise ValueFormatException("picky says no")

        def decode_value(self, value, flags):
            raise ValueFormatException("picky says no")

    with pytest.raises(ValueFormatException, match="^picky says no$"):
        T.encode_with(Picky(), 1)
    with pytest.raises(ValueFormatException, match="^picky says no$"):
        T.decode_with(Picky(), b"", 0)


def test_no_format_returns_the_stored_bytes():
    assert T.decode_with(Raises(), b"raw", 0, no_format=True) == b"raw"
    stored = pickle.dumps({1})
    assert T.decode_with(T.DefaultTranscoder(), stored, T.FMT_PICKLE, no_format=True) == stored


def test_transcoder_abc():
    with pytest.raises(TypeError):
        T.Transcoder()  # abstract

    class Half(T.Transcoder):
        def encode_value(self, value, format=None):  # noqa: A002
            return b"", 0

    with pytest.raises(TypeError):
        Half()
    assert not isinstance(object(), T.Transcoder)
    for cls in (T.DefaultTranscoder, T.LegacyTranscoder, T.JSONTranscoder, T.RawJSONTranscoder,
                T.RawStringTranscoder, T.RawBinaryTranscoder):
        assert isinstance(cls(), T.Transcoder)
