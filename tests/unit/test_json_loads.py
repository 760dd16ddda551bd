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


VALUES = [{"a": 1, "b": [1.5, None, True]}, "caf\u00e9 \U0001f600", [], {}, 10**30, -0.0, float("nan"),
          float("inf"), {1: "int key"}, {(1, 2): "tuple key"}, _circular(), object(),
          [{"n": {"m": [1, "x"]}}]]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_compact_json_is_json_dumps_with_the_same_arguments(value):
    from couchbase.transcoder import _compact_json

    def dumps(v):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")

    def outcome(fn):
        try:
            return ("value", fn(value))
        except Exception as exc:  # noqa: BLE001 - the exception is what is compared
            return ("error", type(exc), str(exc))

    assert outcome(_compact_json) == outcome(dumps)
