"""Key-value behaviour, one body per behaviour, run on every front end."""
from __future__ import annotations

import datetime
import pickle
import time

import pytest

import couchbase.subdocument as SD
from couchbase import FMT_BYTES, FMT_JSON, FMT_PICKLE, FMT_UTF8
from couchbase.exceptions import (
    CasMismatchException,
    CouchbaseException,
    DocumentExistsException,
    DocumentLockedException,
    DocumentNotFoundException,
    DocumentNotLockedException,
    InvalidArgumentException,
    PathExistsException,
    PathNotFoundException,
    TimeoutException,
    ValueFormatException,
)
from couchbase.options import DecrementOptions, DeltaValue, GetOptions, SignedInt64, UpsertOptions
from couchbase.transcoder import (
    DefaultTranscoder,
    JSONTranscoder,
    LegacyTranscoder,
    RawBinaryTranscoder,
    RawStringTranscoder,
)


def test_upsert_get_roundtrip_json(kv, key):
    res = kv.upsert(key, {"a": 1, "b": [1, 2]})
    assert res.success and res.cas > 0
    token = res.mutation_token()
    assert token is not None and token.sequence_number > 0 and token.bucket_name == "default"
    got = kv.get(key)
    assert got.value == {"a": 1, "b": [1, 2]}
    assert got.content_as[dict] == {"a": 1, "b": [1, 2]}
    assert got.cas == res.cas
    assert got.key == key
    assert "GetResult" in repr(got)


@pytest.mark.parametrize("value,fmt", [("héllo", FMT_UTF8), (b"\x00\x01bytes", FMT_BYTES),
                                       ([1, "x"], FMT_JSON)])
def test_formats_roundtrip(kv, key, value, fmt):
    tc = DefaultTranscoder()  # picks the format from the value's type
    kv.upsert(key, value, transcoder=tc)
    got = kv.get(key, transcoder=tc)
    assert got.value == value
    assert got.flags == fmt


def test_default_transcoder_is_json(kv, key):
    # SDK 4.x: the default stores everything as JSON (str too) and refuses bytes both ways
    kv.upsert(key, "héllo")
    got = kv.get(key)
    assert got.value == "héllo" and got.flags == FMT_JSON
    for value in (b"raw", bytearray(b"raw")):
        with pytest.raises(ValueFormatException):
            kv.upsert(key, value)
        with pytest.raises(ValueFormatException):
            kv.insert(key + "-new", value)
        with pytest.raises(ValueFormatException):
            kv.replace(key, value)
    assert kv.get(key).value == "héllo"  # nothing was stored
    kv.upsert(key, b"\x00raw", transcoder=RawBinaryTranscoder())
    with pytest.raises(ValueFormatException):  # a binary document is not read as JSON
        kv.get(key).content_as[bytes]
    assert kv.get(key, transcoder=RawBinaryTranscoder()).value == b"\x00raw"
    kv.upsert(key, "text", transcoder=RawStringTranscoder())
    with pytest.raises(ValueFormatException):
        kv.get(key).value


def test_pickle_with_legacy_transcoder(kv, key):
    value = {1, 2, datetime.date(2020, 1, 2)}  # not JSON: the legacy transcoder pickles it
    kv.upsert(key, value, transcoder=LegacyTranscoder())
    got = kv.get(key, transcoder=LegacyTranscoder())
    assert got.value == value and got.flags == FMT_PICKLE
    assert pickle.loads(kv.get(key, no_format=True).value) == value


def test_get_missing_raises_and_quiet(kv, key):
    with pytest.raises(DocumentNotFoundException) as info:
        kv.get(key)
    assert info.value.rc is not None
    res = kv.get(key, quiet=True)
    assert not res.success and res.value is None


def test_insert_existing_and_replace_missing(kv, key):
    kv.insert(key, {"v": 1})
    with pytest.raises(DocumentExistsException):
        kv.insert(key, {"v": 2})
    with pytest.raises(DocumentNotFoundException):
        kv.replace(key + "-missing", {"v": 1})
    assert kv.replace(key, {"v": 3}).success
    assert kv.get(key).value == {"v": 3}


def test_cas_conflict(kv, key):
    first = kv.upsert(key, 1)
    kv.upsert(key, 2)
    with pytest.raises(CasMismatchException):
        kv.replace(key, 3, cas=first.cas)
    with pytest.raises(CasMismatchException):
        kv.remove(key, cas=first.cas)
    current = kv.get(key)
    assert kv.replace(key, 4, cas=current.cas).success


def test_remove(kv, key):
    kv.upsert(key, "x")
    assert kv.remove(key).success
    with pytest.raises(DocumentNotFoundException):
        kv.remove(key)
    assert not kv.remove(key, quiet=True).success


def test_exists(kv, key):
    assert kv.exists(key).exists is False
    kv.upsert(key, 1)
    assert kv.exists(key).exists is True


def test_expiry_with_mock_clock(kv, key, mock):
    kv.upsert(key, "short", expiry=10)
    got = kv.get(key, with_expiry=True)
    assert got.value == "short"
    assert got.expiry_time is not None
    mock.advance_clock(11)
    with pytest.raises(DocumentNotFoundException):
        kv.get(key)


def test_touch_and_get_and_touch(kv, key, mock):
    kv.upsert(key, "v")
    kv.touch(key, 5)
    assert kv.get_and_touch(key, datetime.timedelta(seconds=100)).value == "v"
    mock.advance_clock(6)
    assert kv.get(key).value == "v"  # the later touch extended it
    mock.advance_clock(100)
    assert kv.exists(key).exists is False


def test_preserve_expiry(kv, key, mock):
    kv.upsert(key, 1, expiry=20)
    kv.upsert(key, 2, preserve_expiry=True)
    mock.advance_clock(21)
    assert kv.exists(key).exists is False


def test_mutate_in_expiry(kv, key, mock):
    exptime = [SD.get("$document.exptime", xattr=True)]
    kv.upsert(key, {"a": 1})
    kv.mutate_in(key, [SD.upsert("a", 2)], expiry=datetime.timedelta(seconds=50))
    assert kv.lookup_in(key, exptime).content_as[int](0) > 0
    kv.mutate_in(key, [SD.upsert("a", 3)], preserve_expiry=True)
    assert kv.lookup_in(key, exptime).content_as[int](0) > 0
    kv.mutate_in(key, [SD.upsert("a", 4)])  # no expiry, not preserved: the server clears it
    assert kv.lookup_in(key, exptime).content_as[int](0) == 0
    # the combinations SDK 4.x refuses
    with pytest.raises(InvalidArgumentException):
        kv.mutate_in(key, [SD.insert("b", 1)], preserve_expiry=True)
    with pytest.raises(InvalidArgumentException):
        kv.mutate_in(key, [SD.replace("a", 1)], expiry=datetime.timedelta(seconds=5), preserve_expiry=True)
    assert kv.get(key).value == {"a": 4}


def test_a_timeout_shorter_than_the_default_applies_to_a_lone_operation(kv, key, mock):
    """A get with its own 0.3 s timeout, alone on the connection (default 2.5 s), with replies
    taking 1.5 s: it times out after about 0.3 s. libcouchbase armed its timer for the requests
    already sent, not counting the one being scheduled, so the timeout came after 2.5 s (build_lcb.py)."""
    kv.upsert(key, 1)
    mock.set_latency(1500)
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutException):
            kv.get(key, timeout=0.3)
        took = time.monotonic() - started
    finally:
        mock.set_latency(0)
    assert 0.25 <= took < 1.3, took
    assert kv.get(key).value == 1


def test_lock_unlock(kv, key):
    kv.upsert(key, {"n": 1})
    locked = kv.get_and_lock(key, 10)
    assert locked.value == {"n": 1}
    with pytest.raises((DocumentLockedException, CouchbaseException)):
        kv.upsert(key, {"n": 2}, timeout=0.5)
    kv.unlock(key, locked.cas)
    started = time.monotonic()
    with pytest.raises(DocumentNotLockedException):  # Server 7.6 says NOT_LOCKED, at once
        kv.unlock(key, locked.cas, timeout=5)
    assert time.monotonic() - started < 2.5  # not retried until the timeout
    assert kv.upsert(key, {"n": 3}).success


def test_lock_expires(kv, key, mock):
    kv.upsert(key, 1)
    kv.get_and_lock(key, 5)
    mock.advance_clock(6)
    assert kv.upsert(key, 2).success


def test_counters(kv, key):
    b = kv.binary()
    # SDK 4.x: a negative initial means "do not create"; the default initial is 0 (created)
    with pytest.raises(DocumentNotFoundException):
        b.increment(key, initial=SignedInt64(-1))
    with pytest.raises(DocumentNotFoundException):
        b.decrement(key, DecrementOptions(initial=SignedInt64(-1)))
    assert b.increment(key + "-new").content == 0 and b.decrement(key + "-new2").content == 0
    assert b.increment(key, delta=DeltaValue(5), initial=SignedInt64(10)).content == 10
    assert b.increment(key, delta=DeltaValue(5)).content == 15
    assert b.decrement(key, DecrementOptions(delta=DeltaValue(5))).content == 10
    # SDK 4.x's binary() takes DeltaValue/SignedInt64 only ...
    for bad in ({"delta": 5}, {"initial": 100}, {"delta": DeltaValue(1), "initial": 7}):
        with pytest.raises(InvalidArgumentException):
            b.increment(key, **bad)
        with pytest.raises(InvalidArgumentException):
            b.decrement(key, **bad)
    with pytest.raises(InvalidArgumentException):
        b.increment_multi([key], delta=2)
    assert kv.get(key).value == 10  # nothing was sent
    # ... the counters on the collection itself (this SDK's earlier API) take plain ints
    assert kv.increment(key, delta=5, initial=10).content == 15
    assert kv.decrement(key, delta=20).content == 0
    with pytest.raises(InvalidArgumentException):
        kv.increment(key, delta=0)


def test_append_prepend(kv, key):
    tc = RawStringTranscoder()
    kv.upsert(key, "mid", transcoder=tc)
    kv.binary().append(key, "-end")
    kv.binary().prepend(key, "start-")
    assert kv.get(key, transcoder=tc).value == "start-mid-end"
    with pytest.raises(DocumentNotFoundException):
        kv.binary().append(key + "-missing", "x")


def test_lookup_in(kv, key):
    kv.upsert(key, {"a": {"b": 1}, "list": [1, 2, 3]})
    res = kv.lookup_in(key, [SD.get("a.b"), SD.exists("missing"), SD.count("list"), SD.exists("list")])
    assert res.content_as[int](0) == 1
    assert res.exists(1) is False
    assert res.content_as[int](2) == 3
    assert res.exists(3) is True
    res = kv.lookup_in(key, [SD.get("nope")])
    with pytest.raises(PathNotFoundException):
        res.content_as[int](0)


def test_mutate_in(kv, key):
    kv.upsert(key, {"a": 1, "list": [1]})
    res = kv.mutate_in(key, [SD.upsert("b.c", "x", create_parents=True), SD.array_append("list", 2, 3),
                             SD.increment("a", 4), SD.array_prepend("list", 0)])
    assert res.cas > 0
    assert res.content_as[int](2) == 5
    assert kv.get(key).value == {"a": 5, "b": {"c": "x"}, "list": [0, 1, 2, 3]}
    with pytest.raises(PathExistsException):
        kv.mutate_in(key, [SD.insert("a", 1)])
    kv.mutate_in(key, [SD.remove("b")])
    assert "b" not in kv.get(key).value


def test_get_project(kv, key):
    kv.upsert(key, {"name": "n", "age": 3, "addr": {"city": "c", "zip": 1}})
    assert kv.get(key, project=["name", "addr.city"]).value == {"name": "n", "addr": {"city": "c"}}


def test_options_objects(kv, key):
    kv.upsert(key, {"x": 1}, UpsertOptions(expiry=datetime.timedelta(seconds=100)))
    assert kv.get(key, GetOptions(with_expiry=True)).expiry_time is not None


def test_multi_ops_and_partial_failure(kv, key):
    docs = {f"{key}-{i}": {"i": i} for i in range(20)}
    res = kv.upsert_multi(docs)
    assert res.all_ok and set(res) == set(docs)
    got = kv.get_multi(list(docs))
    assert {k: r.value for k, r in got.items()} == docs
    keys = list(docs) + [key + "-missing"]
    with pytest.raises(DocumentNotFoundException) as info:
        kv.get_multi(keys, return_exceptions=False)
    all_results = info.value.all_results
    assert not all_results.all_ok and all_results[keys[0]].success
    assert list(all_results.exceptions) == [key + "-missing"]
    # the SDK 4.x default is return_exceptions=True: failed keys are returned, not raised
    quiet = kv.get_multi(keys)
    assert quiet[keys[0]].value == {"i": 0} and not quiet[key + "-missing"].success
    assert set(quiet.results) == set(docs) and not quiet.all_ok
    assert isinstance(quiet.exceptions[key + "-missing"], DocumentNotFoundException)
    assert kv.remove_multi(list(docs)).all_ok
    assert all(not r.exists for r in kv.exists_multi(list(docs)).values())


def test_finished_operations_are_freed_without_the_garbage_collector(kv, key):
    # each key's operation pointed back at the collector (its completion hook) while the collector
    # listed the operations: a cycle per multi call, left for the cyclic collector to find
    import gc

    from couchbase._kv_response import AsyncResult, MultiCollector

    docs = {f"{key}-{i}": i for i in range(50)}
    kv.upsert_multi(docs)

    def alive() -> tuple:
        objs = gc.get_objects()
        return (sum(type(o) is MultiCollector for o in objs), sum(type(o) is AsyncResult for o in objs))

    gc.collect()
    gc.disable()
    try:
        before = alive()
        for _ in range(3):
            assert kv.get_multi(list(docs)).all_ok and kv.upsert_multi(docs).all_ok
        after = alive()
        for k in list(docs)[:20]:
            kv.get(k)
            kv.upsert(k, 1)
        after_single = alive()
    finally:
        gc.enable()
    assert after[0] - before[0] <= 1 and after[1] - before[1] <= 50  # (the last call's, if still held)
    assert after_single[1] - after[1] <= 2, "single operations left in reference cycles"


def test_counter_and_touch_multi(kv, key):
    keys = [f"{key}-{i}" for i in range(5)]
    res = kv.counter_multi(keys, delta=2, initial=7)
    assert all(r.content == 7 for r in res.values())
    res = kv.counter_multi(keys, delta=2)
    assert all(r.content == 9 for r in res.values())
    assert kv.touch_multi(keys, 100).all_ok


def test_lock_unlock_multi(kv, key):
    keys = [f"{key}-{i}" for i in range(3)]
    kv.upsert_multi({k: i for i, k in enumerate(keys)})
    locked = kv.lock_multi(keys, 10)
    assert kv.unlock_multi({k: r.cas for k, r in locked.items()}).all_ok


@pytest.mark.parametrize("bad", [123, None, 1.5, object(), "", "x" * 251, b"y" * 251])
def test_bad_keys(kv, bad):
    with pytest.raises((InvalidArgumentException, TypeError, ValueError)) as info:
        kv.get(bad)
    assert "key" in str(info.value)


def test_bad_options(kv, key):
    with pytest.raises(InvalidArgumentException, match="expiry"):
        kv.upsert(key, 1, expiry=-1)
    with pytest.raises(InvalidArgumentException, match="bogus"):
        kv.upsert(key, 1, bogus=True)
    with pytest.raises(InvalidArgumentException, match="timeout"):
        kv.get(key, timeout="soon")


def test_unserializable_value(kv, key):
    with pytest.raises(ValueFormatException):
        kv.upsert(key, object())


def test_transcoder_that_raises(kv, key):
    class Broken:
        def encode_value(self, value, fmt=None):
            raise RuntimeError("nope")

        def decode_value(self, value, flags):
            raise RuntimeError("nope")

    with pytest.raises(ValueFormatException) as info:
        kv.upsert(key, 1, transcoder=Broken())
    assert isinstance(info.value.inner_cause, RuntimeError)
    kv.upsert(key, 1)
    res = kv.get(key, transcoder=Broken())  # decoded on first access, as SDK 4.x does
    with pytest.raises(ValueFormatException) as info:
        res.value
    assert isinstance(info.value.inner_cause, RuntimeError)


def test_a_read_decodes_its_document_once_on_first_access(kv, key):
    """get, get_and_touch, get_and_lock, the replica reads and get_multi keep the stored bytes;
    the transcoder runs when the value is first asked for, once."""
    calls = []

    class Counting:
        def encode_value(self, value, fmt=None):
            return JSONTranscoder().encode_value(value)

        def decode_value(self, value, flags):
            calls.append(value)
            return JSONTranscoder().decode_value(value, flags)

    tc = Counting()
    kv.upsert(key, {"n": 1})
    results = [kv.get(key, transcoder=tc), kv.get(key, transcoder=tc, with_expiry=True),
               kv.get_and_touch(key, 60, transcoder=tc), kv.get_any_replica(key, transcoder=tc),
               *kv.get_all_replicas(key, transcoder=tc)]
    lock = kv.get_and_lock(key, 5, transcoder=tc)
    kv.unlock(key, lock.cas)
    results.append(lock)
    assert calls == []  # nothing decoded yet
    for res in results:
        assert res.value == {"n": 1} and res.content_as[dict] == {"n": 1} and res.content == {"n": 1}
    assert calls == [b'{"n":1}'] * len(results)
    results[0].value = "replaced"  # a result's value may still be set (the 1.x *_items helpers do)
    assert results[0].value == "replaced" and len(calls) == len(results)


def test_value_too_large(kv, key):
    from couchbase.exceptions import ValueTooLargeException

    with pytest.raises(ValueTooLargeException):
        kv.upsert(key, b"x" * (20 * 1024 * 1024 + 1), transcoder=RawBinaryTranscoder())


def test_replica_reads(kv, key):
    kv.upsert(key, {"r": 1})
    any_ = kv.get_any_replica(key)
    assert any_.value == {"r": 1}
    copies = kv.get_all_replicas(key)
    assert len(copies) >= 1 and all(c.value == {"r": 1} for c in copies)
