"""couchbase._json.loads gives what json.loads gives: the same value or the same exception."""
from __future__ import annotations

import json

import pytest

from couchbase._json import loads

DOCUMENTS = [
    b'{"a":1,"b":"x"}', b'[1,2,3]', b'"text"', b"1", b"-0.5e3", b"true", b"false", b"null",
    b"NaN", b"Infinity", b"-Infinity", b"12345678901234567890123", b'{"nested":{"l":[{"x":[]}]}}',
    '{"uni":"\u00e9\u4e2d\U0001f600"}'.encode(), b'"\\ud800"', b'{"a":1} ', b' {"a":1}', b'{"a":1}\n',
    b'\t[1]\r\n', b'{"a":1}x', b'{"a":1}{"b":2}', b'[1,2', b'{"a":}', b"", b" ", b"nul", b"tru",
    b"\xff\xfe", b'"\xff"', b'"\xc3"', b"\xef\xbb\xbf{}", '{"a":1}'.encode("utf-16"),
    '{"a":1}'.encode("utf-16-le"), '{"a":1}'.encode("utf-16-be"), '[1]'.encode("utf-32"),
    "1".encode("utf-16-le"), b"1\x00", b"01", b"-", b"[-]", b'{"a":1,}', b"[1,]", b"\x00",
    b'"tab\there"', b'"ok\\u0041"', b"1.5", b"1e400", b"[1e400]",
]


def _outcome(fn, data):
    try:
        value = fn(data)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return ("error", type(exc), str(exc))
    return ("value", json.dumps(value, sort_keys=True), type(value))


@pytest.mark.parametrize("data", DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_same_value_or_same_error_as_json_loads(data):
    assert _outcome(loads, data) == _outcome(json.loads, data)


@pytest.mark.parametrize("data", ['{"a":1}', bytearray(b'{"a":1}'), memoryview(b"[1]")])
def test_other_types_are_json_loads_own(data):
    assert _outcome(loads, data) == _outcome(json.loads, data)



def _circular():
    d: dict = {}
    d["self"] = d
    return d


class _Dict(dict):
    pass


class _Str(str):
    pass


VALUES = [{"a": 1, "b": [1.5, None, True]}, "caf\u00e9 \U0001f600", [], {}, 10**30, -0.0, float("nan"),
          float("inf"), {1: "int key"}, {(1, 2): "tuple key"}, _circular(), object(),
          [{"n": {"m": [1, "x"]}}], b"bytes", bytearray(b"x"), {"b": b"nested bytes"}, _Dict(a=[1]),
          _Str("sub"), {True: 1, None: 2, 1.5: 3}, "\ud800 lone surrogate", [[[[[[1]]]]]], (1, "tuple"),
          {"q": '"\\\n\t\x00'}, 1e300, -(2**70), [float("-inf")]]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_compact_json_is_json_dumps_with_the_same_arguments(value):
    from couchbase._json import dumps_compact

    def dumps(v):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")

    def outcome(fn):
        try:
            return ("value", fn(value))
        except Exception as exc:  # noqa: BLE001 - the exception is what is compared
            return ("error", type(exc), str(exc))

    assert outcome(dumps_compact) == outcome(dumps)


def test_the_prebuilt_encoder_is_used():
    # without it every document pays json's encoder set-up (more than encoding a small document)
    import json.encoder

    from couchbase import _json

    assert _json._fast_encode is not _json.COMPACT.encode
    if getattr(json.encoder, "c_make_encoder", None) is not None:  # CPython: the C encoder, built once
        assert _json._fast_encode.__name__ == "fast"


STRINGS = ["".join(map(chr, range(0, 0x100))), "plain ascii", "", "\u2028\u2029", "\U0001f600 x", "\ud800",
           "quote\" back\\slash /", "\x7f", "tab\tnl\n", "é", "a" * 1000 + "\x00"]


@pytest.mark.parametrize("text", STRINGS, ids=range(len(STRINGS)))
def test_strings_encode_as_json_dumps_does(text):
    # PyPy: strings take the ASCII escaper's shortcut when nothing needs escaping (_with_pypy_strings)
    from couchbase._json import dumps_compact

    def outcome(fn, value):
        try:
            return ("value", fn(value))
        except Exception as exc:  # noqa: BLE001 - the exception is what is compared
            return ("error", type(exc), str(exc))

    def dumps(v):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")

    for value in (text, {text: [text, 1]}):
        assert outcome(dumps_compact, value) == outcome(dumps, value)


def test_pypy_escapes_strings_without_a_regular_expression():
    import platform

    if platform.python_implementation() != "PyPy":
        pytest.skip("PyPy's pure-Python encoder only (CPython's C encoder is used there)")
    from couchbase import _json

    assert _json._fast_encode.__self__._JSONEncoder__encoder.__name__ == "escape"
