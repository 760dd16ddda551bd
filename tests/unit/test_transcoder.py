"""Transcoders: formats, common flags both ways, and failures as ValueFormatException."""
from __future__ import annotations

import pickle

import pytest

from couchbase import transcoder as T
from couchbase.exceptions import ValueFormatException


@pytest.mark.parametrize("value,fmt", [({"a": 1}, T.FMT_JSON), ([1], T.FMT_JSON), (None, T.FMT_JSON),
                                       ("é", T.FMT_UTF8), (b"\x00", T.FMT_BYTES)])
def test_default_roundtrip(value, fmt):
    data, flags = T.DefaultTranscoder().encode_value(value)
    assert flags == fmt
    assert T.DefaultTranscoder().decode_value(data, flags) == value


def test_default_refuses_to_pickle_but_legacy_pickles():
    with pytest.raises(ValueFormatException):
        T.encode_with(T.DefaultTranscoder(), {1, 2})
    data, flags = T.encode_with(T.LegacyTranscoder(), {1, 2})
    assert flags == T.FMT_PICKLE and pickle.loads(data) == {1, 2}


@pytest.mark.parametrize("flags,data,expected", [
    (0x02000000, b'{"a":1}', {"a": 1}),   # common flags only (other SDKs)
    (0x04000000, b"txt", "txt"),
    (0x03000000, b"\x01", b"\x01"),
    (0x00, b"[1]", [1]),                   # legacy JSON
    (0x04, b"txt", "txt"),                 # legacy UTF-8
    (0x02, b"\x01", b"\x01"),              # legacy bytes
])
def test_decode_foreign_flags(flags, data, expected):
    assert T.decode_with(T.LegacyTranscoder(), data, flags) == expected


def test_compact_json_and_custom_serializer():
    assert T.JSONTranscoder().encode_value({"a": [1, 2]})[0] == b'{"a":[1,2]}'
    calls = []
    tc = T.JSONTranscoder(serializer=lambda v: calls.append(v) or b"X", deserializer=lambda b: "decoded")
    assert tc.encode_value({"k": 1}) == (b"X", T.FMT_JSON) and calls == [{"k": 1}]
    assert tc.decode_value(b"X", T.FMT_JSON) == "decoded"


def test_bad_transcoders_become_value_format_errors():
    class Raises:
        def encode_value(self, value, fmt=None):
            raise KeyError("boom")

        def decode_value(self, value, flags):
            raise KeyError("boom")

    class WrongTypes:
        def encode_value(self, value, fmt=None):
            return "not bytes", 0

    with pytest.raises(ValueFormatException) as info:
        T.encode_with(Raises(), 1)
    assert isinstance(info.value.inner_cause, KeyError)
    with pytest.raises(ValueFormatException):
        T.decode_with(Raises(), b"1", 0)
    with pytest.raises(ValueFormatException, match="not bytes"):
        T.encode_with(WrongTypes(), 1)
    assert T.decode_with(Raises(), b"raw", 0, no_format=True) == b"raw"
