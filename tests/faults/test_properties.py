"""Property tests of the blocking API: every input works and round-trips, or is refused with a typed error.

Run against the session ``mock`` with hypothesis: keys (str, bytes, unicode with
astral characters and lone surrogates, empty, over 250 bytes, control characters,
NUL, wrong types), values (nested JSON with nan/inf, bytes, bytearray, str,
objects JSON cannot hold), store options (expiry of every type, cas, timeout,
durability levels, persist_to/replicate_to, format flags), the transcoders the SDK
ships and a user-defined one that raises or returns junk, and multi operations
mixing good and bad keys and values. ``kv_inputs`` generates them and states what
the SDK must do with each.

The errors allowed are :class:`~couchbase.exceptions.CouchbaseException` subclasses
only: an argument the SDK refuses before any I/O is an ``InvalidArgumentException``
(a ``ValueError``; ``KeyFormatException`` for keys, ``InvalidArgumentTypeException``,
also a ``TypeError``, for wrong types), a value or transcoder failure a
``ValueFormatException`` (``EncodingFailureException`` / ``DecodingFailureException``),
and what the server answers its semantic class (``CasMismatchException``,
``DurabilityException``, ``TimeoutException``, ``DocumentNotFoundException``). A bare
``TypeError``/``ValueError``/``OverflowError`` from cffi or ``int()``, an
``AttributeError`` or a ``UnicodeError`` escapes :func:`attempt` and fails the test.
Refusals must name what was wrong and leave the store untouched; every call must
return within its timeout plus a margin; nothing stays in the pending registry.

About 200 examples per property in CI; ``pytest --long`` runs 3,000.
"""
from __future__ import annotations

import contextlib
import datetime
import itertools
import os
import time
from typing import Any, Callable, Iterator, Optional, Tuple

import kv_inputs as I
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from couchbase import transcoder as T
from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import (
    CasMismatchException,
    CouchbaseException,
    DecodingFailureException,
    DocumentNotFoundException,
    DurabilityException,
    EncodingFailureException,
    InvalidArgumentException,
    TimeoutException,
    ValueFormatException,
)
from couchbase.options import ClusterOptions

BUCKET = "other"  # the session mock's spare bucket: thousands of odd documents stay out of "default"
KV_TIMEOUT = 2.5
MARGIN = 5.0  # on top of an operation's timeout: a slower return is a hang
BOUND = KV_TIMEOUT + MARGIN
DURABILITY_BOUND = 10.0  # observe polling (persist_to/replicate_to) on top of the timeout

settings.register_profile(
    "faults-ci", max_examples=200, deadline=datetime.timedelta(seconds=30), database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile("faults-long", parent=settings.get_profile("faults-ci"), max_examples=3000)

pytestmark = pytest.mark.timeout(600)  # a hang fails the test instead of blocking CI


def profile(long_run: bool) -> settings:
    """The hypothesis settings for this run (``pytest --long`` runs the long profile)."""
    return settings.get_profile("faults-long" if long_run else "faults-ci")


@pytest.fixture(scope="module")
def coll(mock: Any) -> Iterator[Any]:
    """The default collection of :data:`BUCKET`, on a blocking cluster on the session mock."""
    cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                      kv_timeout=KV_TIMEOUT)
    try:
        yield cluster.bucket(BUCKET).default_collection()
    finally:
        cluster.close()


_ids = itertools.count()


def fresh(tag: str) -> str:
    """A key no other example uses."""
    return f"prop-{tag}-{os.getpid()}-{next(_ids)}"


def attempt(bound: float, fn: Callable[..., Any], *args: Any,
            **kwargs: Any) -> Tuple[Any, Optional[CouchbaseException]]:
    """``(result, None)`` or ``(None, the CouchbaseException)``; any other exception propagates
    (an untyped error fails the property), and so does a call slower than ``bound`` seconds."""
    start = time.monotonic()
    try:
        return fn(*args, **kwargs), None
    except CouchbaseException as exc:
        return None, exc
    finally:
        elapsed = time.monotonic() - start
        assert elapsed <= bound, f"{getattr(fn, '__name__', fn)} took {elapsed:.1f}s (bound {bound}s)"


def get_value(coll: Any, key: Any, **kwargs: Any) -> Any:
    """A get and the first access to its value, where the result decodes the document (SDK 4.x)."""
    res = coll.get(key, **kwargs)
    res.value
    return res


@contextlib.contextmanager
def settled(coll: Any) -> Iterator[None]:
    """Run one example; when it ends normally nothing may be left in the pending registry."""
    yield
    assert not coll._conn.pending, f"left in the pending registry: {coll._conn.pending}"


def stored(mock: Any, key: Any) -> Optional[dict]:
    """The document the mock holds under ``key`` (str keys only)."""
    return mock.get_doc(BUCKET, key)


def assert_refused_key(err: Optional[BaseException], key: Any) -> None:
    assert isinstance(err, InvalidArgumentException), f"{key!r}: {err!r}"
    assert "key" in str(err).lower(), str(err)
    if not isinstance(key, (str, bytes, bytearray)):
        assert isinstance(err, TypeError), repr(err)


def test_keys_round_trip_or_are_refused(coll: Any, mock: Any, long_run: bool) -> None:
    """A valid key stores and reads back the same document, which is the one its UTF-8 bytes
    name; an invalid one is refused by every operation, typed and naming the key."""

    @profile(long_run)
    @given(key=I.KEYS)
    def check(key: Any) -> None:
        with settled(coll):
            wire = I.key_wire(key)
            value = {"key": repr(key)[:60]}
            res, err = attempt(BOUND, coll.upsert, key, value)
            if wire is None:
                assert_refused_key(err, key)
                for op in (coll.get, coll.exists, coll.remove):
                    assert_refused_key(attempt(BOUND, op, key)[1], key)
            else:
                assert err is None, repr(err)
                assert res.key is key
                got = coll.get(key)
                assert got.value == value and got.flags == T.FMT_JSON
                assert coll.get(wire).value == value  # the same document, named by its bytes
                try:
                    as_text = wire.decode("utf-8")
                except UnicodeDecodeError:
                    as_text = None
                if as_text is not None:
                    doc = stored(mock, as_text)
                    assert T.JSONTranscoder().decode_value(doc["value"], T.FMT_JSON) == value

    check()


def test_values_round_trip_or_are_refused(coll: Any, mock: Any, long_run: bool) -> None:
    """With the default transcoder (JSONTranscoder) a JSON value, text included, reads back
    equal with the JSON format flags (also in the mock's store); bytes, nan/inf, lone
    surrogates and objects JSON cannot hold raise EncodingFailureException naming the
    value's type, and nothing is stored."""

    @profile(long_run)
    @given(value=I.VALUES)
    def check(value: Any) -> None:
        with settled(coll):
            key = fresh("v")
            model = I.default_model(value)
            _, err = attempt(BOUND, coll.upsert, key, value)
            if model is None:
                assert isinstance(err, EncodingFailureException), repr(err)
                assert type(value).__name__ in str(err), str(err)
                assert stored(mock, key) is None
                assert isinstance(attempt(BOUND, coll.get, key)[1], DocumentNotFoundException)
            else:
                assert err is None, repr(err)
                expected, flags = model
                got = coll.get(key)
                assert I.same(got.value, expected), (got.value, expected)
                assert got.flags == flags == stored(mock, key)["flags"]

    check()


def _decoded(tc: Any, data: bytes, flags: int) -> Tuple[bool, Any]:
    try:
        return True, tc.decode_value(data, flags)
    except Exception:  # any decoding failure must reach the caller typed
        return False, None


def test_builtin_transcoders_per_operation(coll: Any, mock: Any, long_run: bool) -> None:
    """Each shipped transcoder, passed per operation, stores exactly the bytes and flags it
    encodes (checked in the mock's store) or refuses typed; reading back with it or with
    another shipped transcoder gives what that one decodes, or DecodingFailureException (from the
    first access to the value, where the result decodes it)."""

    @profile(long_run)
    @given(value=I.VALUES, writer=st.sampled_from(I.BUILTIN_TRANSCODERS),
           reader=st.sampled_from(I.BUILTIN_TRANSCODERS))
    def check(value: Any, writer: Any, reader: Any) -> None:
        with settled(coll):
            key = fresh("t")
            try:
                data, flags = writer.encode_value(value)
            except ValueFormatException:
                data = None
            _, err = attempt(BOUND, coll.upsert, key, value, transcoder=writer)
            if data is None:
                assert isinstance(err, ValueFormatException), repr(err)
                assert type(writer).__name__ in str(err), str(err)
                assert stored(mock, key) is None
                return
            assert err is None, repr(err)
            doc = stored(mock, key)
            assert (doc["value"], doc["flags"]) == (bytes(data), flags)
            for tc in (writer, reader):
                ok, expected = _decoded(tc, bytes(data), flags)
                got, err = attempt(BOUND, get_value, coll, key, transcoder=tc)
                if ok:
                    assert err is None, repr(err)
                    assert I.same(got.value, expected) and got.flags == flags
                else:
                    assert isinstance(err, DecodingFailureException), repr(err)
                    assert type(tc).__name__ in str(err), str(err)

    check()


def test_user_transcoder_that_raises_or_returns_junk(coll: Any, mock: Any, long_run: bool) -> None:
    """A user transcoder whose encode_value raises or returns anything but (bytes, 32-bit int)
    gives EncodingFailureException (with the raised error as inner_cause) and stores
    nothing; a decode_value that raises gives DecodingFailureException; junk it returns is
    handed back as the value."""

    @profile(long_run)
    @given(value=I.VALUES, encoded=I.JUNK_ENCODED, decoded=I.JUNK_DECODED)
    def check(value: Any, encoded: Any, decoded: Any) -> None:
        with settled(coll):
            tc = I.JunkTranscoder(encoded, decoded)
            key = fresh("j")
            _, err = attempt(BOUND, coll.upsert, key, value, transcoder=tc)
            if not I.junk_encoding_ok(encoded):
                assert isinstance(err, EncodingFailureException), repr(err)
                if isinstance(encoded, ValueFormatException):
                    assert err is encoded  # the transcoder's own typed error passes through
                else:
                    assert "JunkTranscoder" in str(err), str(err)
                    if isinstance(encoded, BaseException):
                        assert err.inner_cause is encoded
                assert stored(mock, key) is None
                return
            assert err is None, repr(err)
            data, flags = encoded
            doc = stored(mock, key)
            assert (doc["value"], doc["flags"]) == (bytes(data), flags)
            got, err = attempt(BOUND, get_value, coll, key, transcoder=tc)
            if isinstance(decoded, ValueFormatException):
                assert err is decoded
            elif isinstance(decoded, BaseException):
                assert isinstance(err, DecodingFailureException) and err.inner_cause is decoded, repr(err)
                assert "JunkTranscoder" in str(err), str(err)
            else:
                assert err is None, repr(err)
                assert got.value is decoded and got.flags == flags

    check()


def _server_clock(mock: Any) -> float:
    return mock.cluster.clock.now()


def test_store_options_work_or_are_refused(coll: Any, mock: Any, long_run: bool) -> None:
    """upsert with any mix of expiry, cas, timeout, durability, persist_to/replicate_to and
    format: an option the model calls invalid is refused before any I/O, typed and named,
    the document unchanged; otherwise the upsert succeeds (or the server refuses it typed:
    CAS mismatch, durability, a timeout shorter than a round trip) and the stored value,
    flags and expiry are what the options say."""

    @profile(long_run)
    @given(opts=I.STORE_OPTIONS, value=I.OPTION_VALUES)
    def check(opts: Any, value: Any) -> None:
        with settled(coll):
            key = fresh("o")
            first = coll.upsert(key, "initial")
            opts = {k: (first.cas if v is I.CURRENT_CAS else v) for k, v in opts.items()}
            now, wall = _server_clock(mock), time.time()
            problems = I.option_problems(opts, value, wall)
            tmo = I.timeout_model(opts.get("timeout"))
            bound = (tmo or KV_TIMEOUT) + DURABILITY_BOUND + MARGIN
            _, err = attempt(bound, coll.upsert, key, value, **opts)
            after, wall_after = _server_clock(mock), time.time()
            if problems:
                assert isinstance(err, (InvalidArgumentException, ValueFormatException)), (
                    problems, repr(err))
                assert any(word in str(err) for words in problems for word in words), (problems, str(err))
                assert stored(mock, key)["value"] == b'"initial"'  # the default transcoder's JSON
                return
            if err is not None:
                durable = any(opts.get(k) not in (None, 0)
                              for k in ("durability", "persist_to", "replicate_to"))
                if isinstance(err, CasMismatchException):
                    assert opts.get("cas") not in (None, 0, first.cas)
                elif isinstance(err, TimeoutException):
                    assert durable or (tmo is not None and 0 < tmo < KV_TIMEOUT), repr(err)
                else:
                    assert durable and isinstance(err, DurabilityException), repr(err)
                return
            if opts.get("cas"):
                assert opts["cas"] == first.cas  # a wrong CAS never succeeds
            fmt = opts.get("format")
            data, flags = T.JSONTranscoder().encode_value(value, fmt) if fmt is not None else \
                T.JSONTranscoder().encode_value(value)  # the default transcoder
            # the server's clock moves while the call runs: the expiry lies between the two models
            low = I.expiry_model(opts.get("expiry"), now, wall)
            high = I.expiry_model(opts.get("expiry"), after, wall_after)
            doc = stored(mock, key)
            if doc is None:  # gone only because it expired: a past time, or seconds that ran out
                assert low and low <= _server_clock(mock) + 1, (low, opts.get("expiry"))
                return
            assert (doc["value"], doc["flags"]) == (data, flags)
            if low == 0:
                assert doc["expiry"] == 0
            else:
                assert low - 1 <= doc["expiry"] <= high + 1, (doc["expiry"], low, high, opts.get("expiry"))
            got, err = attempt(BOUND, coll.get, key)
            if err is not None:
                assert isinstance(err, DocumentNotFoundException) and low and low <= _server_clock(mock) + 1
                return
            assert I.same(got.value, T.DefaultTranscoder().decode_value(data, flags)) and got.flags == flags

    check()


_GOOD_VALUES = st.one_of(st.just({"v": 1}), st.text(max_size=5), st.binary(max_size=5), I.VALUES)
ENTRIES = st.lists(st.one_of(st.tuples(st.just(None), _GOOD_VALUES),
                             st.tuples(I.BAD_MULTI_KEYS.map(lambda k: [k]), _GOOD_VALUES)), max_size=8)


def test_multi_operations_with_mixed_keys_and_values(coll: Any, mock: Any, long_run: bool) -> None:
    """upsert_multi/get_multi with good and bad keys and values: one bad key refuses the
    whole call before any I/O (InvalidArgumentException naming a key), one bad value
    refuses it (ValueFormatException) with nothing stored; otherwise every key is stored
    and read back, and a missing key is a per-key DocumentNotFoundException
    (``return_exceptions=True``) or the raised one carrying every key's result."""

    @profile(long_run)
    @given(entries=ENTRIES, as_dict=st.booleans())
    def check(entries: Any, as_dict: bool) -> None:
        with settled(coll):
            keys = [fresh("m") if bad is None else bad[0] for bad, _ in entries]
            values = [v for _, v in entries]
            good = [k for (bad, _), k in zip(entries, keys) if bad is None]
            pairs = list(zip(keys, values))
            bad_keys = [k for k in keys if not I.multi_key_ok(k)]
            models = [I.default_model(v) for v in values]
            arg = dict(pairs) if as_dict and not bad_keys else pairs
            res, err = attempt(BOUND, coll.upsert_multi, arg)
            if bad_keys:
                assert isinstance(err, InvalidArgumentException) and "key" in str(err).lower(), repr(err)
                assert isinstance(attempt(BOUND, coll.get_multi, keys)[1], InvalidArgumentException)
                assert all(stored(mock, k) is None for k in good)
            elif any(m is None for m in models):
                assert isinstance(err, ValueFormatException), repr(err)
                assert all(stored(mock, k) is None for k in good)
            else:
                assert err is None, repr(err)
                assert set(res) == set(keys) and res.all_ok
                missing = fresh("missing")
                got, err = attempt(BOUND, coll.get_multi, keys + [missing], return_exceptions=True)
                assert err is None, repr(err)
                for k, (expected, flags) in zip(keys, models):
                    assert I.same(got[k].value, expected) and got[k].flags == flags
                assert isinstance(got.exceptions[missing], DocumentNotFoundException)
                _, err = attempt(BOUND, coll.get_multi, keys + [missing], return_exceptions=False)
                assert isinstance(err, DocumentNotFoundException)
                assert set(err.all_results) == set(keys) | {missing}

    check()
