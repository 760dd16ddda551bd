"""Inputs for the property tests of ``test_properties.py``, and what the SDK must do with each.

Strategies (hypothesis) generate keys, values, transcoders and store options, good and
bad on purpose; the *models* next to them state the contract independently of the
SDK's code, from SPEC.md sections 2, 3 and 7:

* a key is valid when it is ``str`` with a UTF-8 form or ``bytes``/``bytearray``, 1..250
  bytes long (a multi operation also needs it hashable: ``bytearray`` is refused there);
* a value stored with the default transcoder (JSONTranscoder, as in the official SDK 4.x) is
  JSON (dict, list, tuple, int, finite float, bool, None, text without lone surrogates);
  anything else, binary data included, is refused;
* an option is valid when the SDK's documented types and ranges allow it
  (:func:`option_problems` lists the ones that are not).

An input the model calls invalid must raise a typed error naming it; a valid one
must work and round-trip.
"""
from __future__ import annotations

import datetime
import math
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import strategies as st

from couchbase import transcoder as T
from couchbase.options import ClientDurability, Durability, ServerDurability

THIRTY_DAYS = 30 * 24 * 3600
U32 = 0xFFFFFFFF
CURRENT_CAS = "<the document's current CAS>"  # replaced by the real CAS in the test body


class Opaque:
    """An object no JSON serializer can encode (and pickle can)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is Opaque

    def __hash__(self) -> int:
        return 1


# ---- keys ------------------------------------------------------------------------------
_SURROGATE = st.characters(categories=["Cs"])
_KEY_CHAR = st.one_of(st.characters(), st.characters(max_codepoint=0x1F), st.just("\x00"),
                      st.characters(min_codepoint=0x10000), _SURROGATE)
# lists joined, not st.text: text() merges its alphabet into one character set without surrogates
STR_KEYS = st.one_of(
    st.lists(_KEY_CHAR, max_size=80).map("".join),
    st.integers(240, 260).map(lambda n: "k" * n),  # around the 250-byte limit
    st.integers(122, 128).map(lambda n: "é" * n),  # 2 bytes a character
    st.integers(60, 66).map(lambda n: "\U0001F600" * n),  # 4 bytes a character
)
BYTES_KEYS = st.one_of(st.binary(max_size=40), st.integers(245, 256).map(lambda n: b"\xff" * n))
WRONG_TYPE_KEYS = st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.integers(), max_size=2),
                            st.builds(memoryview, st.binary(min_size=1, max_size=4)), st.just(Opaque()))
KEYS = st.one_of(STR_KEYS, BYTES_KEYS, st.builds(bytearray, st.binary(min_size=1, max_size=8)),
                 WRONG_TYPE_KEYS)


def key_wire(key: Any) -> Optional[bytes]:
    """The key's bytes on the wire, or None when the SDK must refuse it."""
    if isinstance(key, str):
        try:
            data = key.encode("utf-8")
        except UnicodeEncodeError:
            return None
    elif isinstance(key, (bytes, bytearray)):
        data = bytes(key)
    else:
        return None
    return data if 1 <= len(data) <= 250 else None


def multi_key_ok(key: Any) -> bool:
    """A key a multi operation accepts (valid, and hashable: it indexes the MultiResult)."""
    return key_wire(key) is not None and not isinstance(key, bytearray)


BAD_MULTI_KEYS = KEYS.filter(lambda key: not multi_key_ok(key))


# ---- values ------------------------------------------------------------------------------
_TEXT = st.text(max_size=12)  # no lone surrogates
_TEXT_WITH_SURROGATES = st.lists(st.one_of(st.characters(), _SURROGATE), max_size=6).map("".join)
_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(),
                    st.sampled_from([math.nan, math.inf, -math.inf]), _TEXT, _TEXT_WITH_SURROGATES)
JSONISH = st.recursive(
    _LEAVES,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.tuples(kids, kids),
                           st.dictionaries(st.one_of(_TEXT, st.integers(-5, 5)), kids, max_size=4)),
    max_leaves=10)
NOT_SERIALIZABLE = st.sampled_from([Opaque(), {1, 2}, frozenset({"a"}), complex(1, 2), object,
                                    datetime.datetime(2020, 1, 1)])
VALUES = st.one_of(JSONISH, st.binary(max_size=64), st.builds(bytearray, st.binary(max_size=32)),
                   _TEXT_WITH_SURROGATES, NOT_SERIALIZABLE,
                   st.lists(NOT_SERIALIZABLE, min_size=1, max_size=2))

_INVALID = object()


def _json_model(value: Any) -> Any:
    """``value`` as JSON gives it back, or ``_INVALID`` when it is not JSON."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _INVALID
    if isinstance(value, str):
        return value if _utf8_ok(value) else _INVALID
    if isinstance(value, (list, tuple)):
        items = [_json_model(v) for v in value]
        return _INVALID if any(i is _INVALID for i in items) else items
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(k, bool) or not isinstance(k, (str, int)):
                return _INVALID
            if isinstance(k, str) and not _utf8_ok(k):
                return _INVALID
            item = _json_model(v)
            if item is _INVALID:
                return _INVALID
            out[k if isinstance(k, str) else str(k)] = item
        if len(out) != len(value):  # 1 and "1" are one JSON key
            return _INVALID
        return out
    return _INVALID


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def default_model(value: Any) -> Optional[Tuple[Any, int]]:
    """``(value read back, flags)`` the default transcoder must give, or None if it must refuse.

    The default is the official SDK 4.x's: JSONTranscoder, which stores every value JSON
    holds as JSON (text included, as a JSON string) and refuses binary data
    (``bytes``/``bytearray``: RawBinaryTranscoder stores those)."""
    if isinstance(value, (bytes, bytearray)):
        return None
    expected = _json_model(value)
    return None if expected is _INVALID else (expected, T.FMT_JSON)


def same(a: Any, b: Any) -> bool:
    """Equal, with the types JSON keeps apart kept apart (True is not 1, bytes is not str)."""
    if any(isinstance(x, (bool, str, bytes)) for x in (a, b)):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


# ---- transcoders -------------------------------------------------------------------------
BUILTIN_TRANSCODERS = [T.DefaultTranscoder(), T.LegacyTranscoder(), T.JSONTranscoder(), T.RawJSONTranscoder(),
                       T.RawStringTranscoder(), T.RawBinaryTranscoder()]

# fresh instances each time: a raised exception keeps its traceback
_JUNK_ERRORS = st.sampled_from([ValueError, TypeError, RuntimeError, KeyError, AttributeError,
                                ZeroDivisionError, RecursionError, T.EncodingFailureException]
                               ).map(lambda cls: cls("junk"))
JUNK_ENCODED = st.one_of(
    st.tuples(st.binary(max_size=16), st.integers(0, U32)),  # valid
    # valid when it comes out as [bytes, int]
    st.lists(st.one_of(st.binary(max_size=8), st.integers(0, U32)), min_size=2, max_size=2),
    st.tuples(st.builds(bytearray, st.binary(max_size=4)), st.integers(0, 8)),  # valid
    st.tuples(st.binary(max_size=4), st.one_of(st.integers(U32 + 1, 2**70), st.integers(-(2**40), -1))),
    st.tuples(st.text(max_size=4), st.integers(0, 8)),
    st.tuples(st.binary(max_size=4), st.one_of(st.text(max_size=3), st.floats(), st.none(), st.booleans())),
    st.none(), st.integers(), st.text(max_size=4), st.binary(max_size=4),
    st.tuples(st.binary(max_size=4), st.integers(0, 8), st.integers()),
    _JUNK_ERRORS,  # raised
)
JUNK_DECODED = st.one_of(_JUNK_ERRORS, st.none(), st.integers(), st.just(Opaque()),
                         st.lists(st.integers(), max_size=2))


class JunkTranscoder:
    """A user-defined transcoder that raises or returns whatever it is given."""

    def __init__(self, encoded: Any, decoded: Any) -> None:
        self.encoded, self.decoded = encoded, decoded

    def encode_value(self, value: Any, format: Optional[int] = None) -> Any:
        if isinstance(self.encoded, BaseException):
            raise self.encoded
        return self.encoded

    def decode_value(self, value: bytes, flags: int) -> Any:
        if isinstance(self.decoded, BaseException):
            raise self.decoded
        return self.decoded


def junk_encoding_ok(encoded: Any) -> bool:
    """Whether a transcoder result is usable: a pair of bytes-like data and int flags in 32 bits."""
    if not isinstance(encoded, (tuple, list)) or len(encoded) != 2:
        return False
    data, flags = encoded
    return (isinstance(data, (bytes, bytearray, memoryview)) and isinstance(flags, int)
            and not isinstance(flags, bool) and 0 <= flags <= U32)


# ---- store options -------------------------------------------------------------------------
EXPIRY = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.integers(1, THIRTY_DAYS),
    st.integers(THIRTY_DAYS + 1, U32 + 10), st.integers(-(2**64), 2**64),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 2),
    st.timedeltas(min_value=datetime.timedelta(days=-2), max_value=datetime.timedelta(days=40)),
    st.sampled_from([datetime.timedelta.max, datetime.timedelta(microseconds=1),
                     datetime.timedelta(days=365 * 200)]),
    st.datetimes(timezones=st.none() | st.just(datetime.timezone.utc)),
    st.text(max_size=2), st.just([10]))
TIMEOUT = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True), st.floats(0.5, 5),
    st.integers(-2, 5000), st.timedeltas(max_value=datetime.timedelta(days=2)),
    st.sampled_from([datetime.timedelta.max, 1e-9, 4294.0, 4295.0]), st.text(max_size=2))
CAS = st.one_of(st.none(), st.booleans(), st.just(CURRENT_CAS), st.integers(-(2**65), 2**65),
                st.integers(1, 2**64 - 1), st.floats(), st.text(max_size=2))
DURABILITY = st.one_of(
    st.none(), st.sampled_from(list(Durability)), st.integers(-2, 6), st.booleans(), st.text(max_size=2),
    st.builds(ServerDurability, st.sampled_from(list(Durability))),
    st.builds(ClientDurability, replicate_to=st.integers(-3, 2), persist_to=st.integers(-3, 3)))
PERSIST = st.one_of(st.none(), st.integers(-2, 5), st.integers(-(2**40), 2**40), st.booleans(),
                    st.text(max_size=2), st.floats(-2, 2))
FORMAT = st.one_of(st.none(), st.sampled_from([T.FMT_JSON, T.FMT_UTF8, T.FMT_BYTES, T.FMT_PICKLE,
                                               T.FMT_AUTO]),
                   st.integers(-(2**40), 2**40), st.integers(0, 8), st.text(max_size=2), st.booleans())
OPTION_VALUES = st.sampled_from([{"a": 1}, "text", b"\x00bytes", [1, 2.5], 7, None, Opaque()])
STORE_OPTIONS = st.fixed_dictionaries({}, optional={
    "expiry": EXPIRY, "timeout": TIMEOUT, "cas": CAS, "durability": DURABILITY,
    "persist_to": PERSIST, "replicate_to": PERSIST, "format": FORMAT})


def expiry_model(value: Any, now: float, wall: float) -> Optional[int]:
    """The absolute expiry the server must hold (0: never), or None if the SDK must refuse it.

    ``now`` is the server's clock (relative expiries count from it), ``wall`` the
    client's (it turns long timedeltas into unix times).

    SPEC: seconds up to 30 days are relative, larger numbers a unix time; a timedelta
    longer than 30 days is made absolute; a datetime is absolute; a positive fraction of
    a second still expires; negative, non-finite and past-2106 values are refused.
    """
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        try:
            ts = value.timestamp()
        except (ValueError, OverflowError, OSError):
            return None
        return int(ts) if 0 < ts <= U32 else None
    if isinstance(value, datetime.timedelta):
        secs = value.total_seconds()
        if secs < 0:
            return None
        if secs > THIRTY_DAYS:
            target = wall + secs
            return int(target) if target <= U32 else None
        return _relative(secs, now)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not (0 <= value <= U32):  # also nan and inf
        return None
    return _relative(value, now) if value <= THIRTY_DAYS else int(value)


def _relative(secs: float, now: float) -> int:
    return 0 if secs == 0 else int(now) + max(int(secs), 1)


def timeout_model(value: Any) -> Optional[float]:
    """Seconds the operation may take (0: the default), or None if the SDK must refuse it."""
    if value is None:
        return 0.0
    if isinstance(value, datetime.timedelta):
        secs = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        secs = float(value)
    else:
        return None
    if not (0 <= secs < math.inf) or secs * 1e6 > U32:
        return None
    return secs


def _count_ok(value: Any) -> bool:
    """persist_to/replicate_to: falsy is 0; else an int (not bool) of at most 4."""
    if not value:
        return True
    return isinstance(value, int) and not isinstance(value, bool) and value <= 4


def option_problems(opts: Dict[str, Any], value: Any, wall: float) -> List[Tuple[str, ...]]:
    """The options the SDK must refuse (``wall``: the client's clock), each as the words one of
    which its message must contain."""
    problems: List[Tuple[str, ...]] = []
    if "expiry" in opts and expiry_model(opts["expiry"], wall, wall) is None:
        problems.append(("expiry",))
    if "timeout" in opts and timeout_model(opts["timeout"]) is None:
        problems.append(("timeout",))
    cas = opts.get("cas")
    if cas and cas is not CURRENT_CAS and not (isinstance(cas, int) and not isinstance(cas, bool)
                                                and 0 <= cas < 2**64):
        problems.append(("cas",))
    dur = opts.get("durability")
    if not isinstance(dur, ClientDurability):  # a ClientDurability replaces both
        for name in ("persist_to", "replicate_to"):
            if not _count_ok(opts.get(name)):
                problems.append((name,))
    level = 0
    if dur is not None:
        if isinstance(dur, ServerDurability):
            level = int(dur.level)
        elif isinstance(dur, ClientDurability):
            if not (_count_ok(dur.persist_to) and _count_ok(dur.replicate_to)):
                problems.append(("persist_to", "replicate_to"))
        elif isinstance(dur, int) and not isinstance(dur, bool) and 0 <= dur <= 3:
            level = dur
        else:
            problems.append(("durability",))
    counts = opts.get("persist_to") or opts.get("replicate_to")
    if level and not isinstance(dur, ClientDurability) and counts:
        problems.append(("durability", "persist_to", "replicate_to"))
    if opts.get("format") is not None:
        try:
            T.JSONTranscoder().encode_value(value, opts["format"])
        except T.ValueFormatException:
            problems.append(("format", "FMT_", "stores", "store", "encode", "pickle"))
    elif default_model(value) is None:
        problems.append(("encode", "store"))
    return problems


__all__ = [
    "BAD_MULTI_KEYS", "BUILTIN_TRANSCODERS", "CURRENT_CAS", "JUNK_DECODED", "JUNK_ENCODED", "KEYS",
    "OPTION_VALUES", "STORE_OPTIONS", "VALUES", "JunkTranscoder", "Opaque", "default_model", "expiry_model",
    "junk_encoding_ok", "key_wire", "multi_key_ok", "option_problems", "same", "timeout_model",
]
