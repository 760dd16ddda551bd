"""Documents flagged as JSON decode as ``json.loads`` decodes them, on every front end.

A get with the default transcoder decodes a FMT_JSON body straight from the response (no
transcoder call); these pin that this is the transcoder's result and error, whatever the bytes.
"""
from __future__ import annotations

import pytest

from couchbase.exceptions import DecodingFailureException
from couchbase.options import GetOptions, UpsertOptions
from couchbase.transcoder import FMT_JSON, DefaultTranscoder


class _StoredAsJson:
    """Writes the given bytes as they are, flagged FMT_JSON."""

    def encode_value(self, value, format=None):  # noqa: A002 - the Transcoder signature
        return value, FMT_JSON

    def decode_value(self, value, flags):
        return value


DOCUMENTS = [
    (b'{"a":1,"b":[true,null]}', {"a": 1, "b": [True, None]}),
    (b' [1, 2] \n', [1, 2]),
    ('"caf\u00e9 \\u00e9"'.encode(), "caf\u00e9 \u00e9"),
    (b"12345678901234567890123", 12345678901234567890123),
    ('{"x":1}'.encode("utf-16"), {"x": 1}),
]


@pytest.mark.parametrize("stored,expected", DOCUMENTS, ids=["object", "spaces", "unicode", "bigint", "utf16"])
def test_a_json_document_reads_as_its_value(kv, key, stored, expected):
    kv.upsert(key, stored, UpsertOptions(transcoder=_StoredAsJson()))
    assert kv.get(key).value == expected
    # the same with the transcoder passed explicitly (the transcoder's own path)
    assert kv.get(key, GetOptions(transcoder=DefaultTranscoder())).value == expected
    assert kv.get(key, no_format=True).value == stored


@pytest.mark.parametrize("stored", [b'{"a":1}x', b'{"a":', b"", b"\xff\xfe{"],
                         ids=["trailing", "cut", "empty", "bad"])
def test_a_json_document_that_does_not_parse_fails_on_access_with_the_transcoders_error(kv, key, stored):
    kv.upsert(key, stored, UpsertOptions(transcoder=_StoredAsJson()))
    res = kv.get(key)  # the read itself succeeds: its result decodes on first access (SDK 4.x)
    assert res.success and res.cas and res.flags == FMT_JSON
    for _ in range(2):  # and fails each time it is asked
        with pytest.raises(DecodingFailureException, match="flagged as JSON but does not parse"):
            res.value
    with pytest.raises(DecodingFailureException, match="flagged as JSON but does not parse"):
        res.content_as[dict]
    assert "undecodable" in repr(res)
    multi = kv.get_multi([key])
    assert multi.all_ok
    with pytest.raises(DecodingFailureException):
        multi.results[key].value
