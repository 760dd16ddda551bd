"""Argument checking in the core that happens before any I/O."""
from __future__ import annotations

import datetime
import time

import pytest

import couchbase.subdocument as SD
from couchbase import _connstr
from couchbase import options as O
from couchbase._kv import key_bytes
from couchbase.exceptions import InvalidArgumentException


@pytest.mark.parametrize("key,expected", [("k", b"k"), ("é", "é".encode()), (b"\x00b", b"\x00b"),
                                          ("x" * 250, b"x" * 250)])
def test_key_bytes_ok(key, expected):
    assert key_bytes(key) == expected


@pytest.mark.parametrize("key", ["", b"", "x" * 251, "é" * 126])
def test_key_length_errors(key):
    with pytest.raises(InvalidArgumentException, match="key"):
        key_bytes(key)


@pytest.mark.parametrize("key", [1, None, 2.0, ["k"], object()])
def test_key_type_errors_are_type_errors(key):
    with pytest.raises(TypeError, match="key"):
        key_bytes(key)


def test_expiry_values():
    assert O.expiry_value(None) == 0
    assert O.expiry_value(10) == 10
    assert O.expiry_value(datetime.timedelta(seconds=30)) == 30
    far = O.expiry_value(datetime.timedelta(days=31))
    assert abs(far - (time.time() + 31 * 86400)) < 5
    when = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    assert O.expiry_value(when) == int(when.timestamp())
    for bad in (-1, "10", True, datetime.timedelta(seconds=-1)):
        with pytest.raises(InvalidArgumentException):
            O.expiry_value(bad)


def test_timeouts():
    assert O.timeout_us(None) == 0
    assert O.timeout_us(1.5) == 1_500_000
    assert O.timeout_us(datetime.timedelta(milliseconds=20)) == 20_000
    with pytest.raises(InvalidArgumentException):
        O.timeout_us(-1)
    with pytest.raises(InvalidArgumentException):
        O.timeout_us("1s")


def test_merge_rejects_unknown_and_positional():
    assert O.merge("get", frozenset({"timeout"}), (O.GetOptions(timeout=1),), {}) == {"timeout": 1}
    with pytest.raises(InvalidArgumentException, match="colour"):
        O.merge("get", frozenset({"timeout"}), (), {"colour": 1})
    with pytest.raises(InvalidArgumentException, match="positional"):
        O.merge("get", frozenset({"timeout"}), (5,), {})


def test_durability_args():
    assert O.durability_args({}) == (0, 0, 0)
    assert O.durability_args({"durability": O.Durability.MAJORITY}) == (1, 0, 0)
    assert O.durability_args({"durability": O.ClientDurability(replicate_to=1, persist_to=2)}) == (0, 2, 1)
    assert O.durability_args({"persist_to": -1}) == (0, -1, 0)
    with pytest.raises(InvalidArgumentException):
        O.durability_args({"durability": 9})
    with pytest.raises(InvalidArgumentException):
        O.durability_args({"durability": O.Durability.MAJORITY, "persist_to": 1})
    with pytest.raises(InvalidArgumentException):
        O.durability_args({"persist_to": "1"})


def test_connstr_build():
    assert _connstr.build("couchbase://h1,h2", "b") == "couchbase://h1,h2/b"
    assert _connstr.build("couchbase://h:1=mcd/old?x=1", "b", {"y": "2"}) == "couchbase://h:1=mcd/b?x=1&y=2"
    assert _connstr.build("couchbase://h?operation_timeout=1", "", {"operation_timeout": "2"}) == \
        "couchbase://h?operation_timeout=1"
    for bad in ("", "h1", "redis://h", "couchbase://", 5):
        with pytest.raises(InvalidArgumentException):
            _connstr.split(bad)


def test_subdoc_specs():
    spec = SD.array_append("l", 1, "two")
    assert spec.value == b'1,"two"'
    assert SD.get("").kind == SD.GET_DOC
    with pytest.raises(InvalidArgumentException):
        SD.check_specs([SD.upsert("a", 1)], lookup=True)
    with pytest.raises(InvalidArgumentException):
        SD.check_specs([SD.get("a")], lookup=False)
    with pytest.raises(InvalidArgumentException):
        SD.check_specs([], lookup=True)
    with pytest.raises(InvalidArgumentException):
        SD.check_specs([SD.get("a")] * 17, lookup=True)
    with pytest.raises(InvalidArgumentException):
        SD.increment("n", 0)
    with pytest.raises(InvalidArgumentException):
        SD.get(5)  # type: ignore[arg-type]
