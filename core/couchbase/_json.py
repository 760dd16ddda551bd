"""JSON documents and rows decoded as :func:`json.loads` decodes them, for less CPU per document.

``json.loads`` runs a regular expression before and after the parse (to skip whitespace) and
detects the encoding of bytes; for a compact UTF-8 document (what SDKs store and what the
query service streams as rows) neither does anything but costs as much as parsing a small
document. :func:`loads` parses such a document with the same scanner directly and hands
everything else, and every error, to ``json.loads``: results and exceptions are the same.

:data:`scan_once` (``scan_once(text, index) -> (value, end)``) is that scanner, for rows parsed
in place in a longer text: a value that starts at a row's first character and ends exactly at
its last is the value ``json.loads`` gives for that row alone (the scanner never looks past
the value it returns, except for a number, whose end it finds where the row ends anyway).
"""
from __future__ import annotations

import json
from json.decoder import JSONDecoder
from json.scanner import c_make_scanner  # type: ignore[attr-defined]  # typeshed omits the C scanner
from typing import Any, Callable, Optional, Tuple

# The scanner json.loads uses, when it is the C one (the _json accelerator); one call clears its
# memo when it returns, as json's own decoder does. Without the accelerator (PyPy, whose
# json.loads has its own fast decoder) calling json.loads is the fast way: scan_once is None.
_decoder: Any = JSONDecoder()  # Any: typeshed does not declare scan_once
scan_once: Optional[Callable[[str, int], Tuple[Any, int]]] = (
    _decoder.scan_once if c_make_scanner is not None else None)
_scan_once: Any = scan_once
# First bytes of a JSON value with no leading whitespace. None starts a byte order mark or is
# zero, so such data is UTF-8 for json.detect_encoding as long as its second byte is not zero.
_STARTS = frozenset(b'{["-0123456789tfnNI')


def loads(data: Any) -> Any:
    """``json.loads(data)``: the same value, or the same exception."""
    if type(data) is bytes and data and data[0] in _STARTS and data[1:2] != b"\x00":
        try:
            text = data.decode("utf-8", "surrogatepass")
            obj, end = _scan_once(text, 0)
        except (UnicodeDecodeError, StopIteration):
            return json.loads(data)  # raises json.loads' own error
        if end == len(text):
            return obj
    return json.loads(data)


try:  # PyPy's own decoder and escaper (its json module's RPython helpers)
    import _pypyjson as _pypyjson_module  # type: ignore[import-not-found]
except ImportError:
    _pypyjson_module = None
_PYPYJSON: Any = _pypyjson_module
_pypy_loads: Any = _PYPYJSON and _PYPYJSON.loads  # what PyPy's json.loads calls after its checks

_JSONDecodeError = json.JSONDecodeError
# _STARTS as a table indexed by the first byte: PyPy's JIT reads a byte inline, a set lookup is a call.
_STARTS_TABLE = bytes(1 if b in _STARTS else 0 for b in range(256))


def _loads_pypy(data: Any) -> Any:
    """``json.loads(data)`` on PyPy: for bytes that are UTF-8 for ``json.detect_encoding`` (the same
    test as :func:`loads`), the decoder ``json.loads`` ends in, without its encoding detection (two
    ``startswith`` and a tuple per call, more than decoding a small document costs)."""
    if type(data) is bytes and data and _STARTS_TABLE[data[0]] and data[1:2] != b"\x00":
        try:
            text = data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            return json.loads(data)  # raises json.loads' own error
        return _pypy_loads(text, _JSONDecodeError)
    return json.loads(data)


if _scan_once is None:
    loads = _loads_pypy if _pypy_loads is not None else json.loads  # type: ignore[assignment]  # noqa: F811


# ---- encoding ------------------------------------------------------------------------------------
# ``json.JSONEncoder.encode`` keeps a dict of the containers in progress (to detect a circular
# structure) and, on CPython, builds a new C encoder on every call: both cost more than encoding a
# small document. :func:`dumps_compact` encodes with an encoder built once, with the compact settings
# of :data:`COMPACT` and no circular-reference bookkeeping (so it holds no state between calls and
# threads can share it). Whatever it cannot encode (an unsupported type, NaN, a circular structure:
# RecursionError) is encoded again by ``COMPACT.encode``, which raises its own error: the outcome is
# always what ``COMPACT.encode`` gives.

#: The encoder of the SDK's JSON documents: compact, UTF-8 text as is, no NaN/Infinity (not JSON;
#: other SDKs, N1QL and the server's JSON check reject them).
COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _build_fast_encode() -> Callable[[Any], str]:
    """COMPACT's encoding without its per-call set-up: CPython's C encoder built once (when its
    ``c_make_encoder`` takes the arguments this knows and gives COMPACT's exact output), else a
    JSONEncoder with COMPACT's settings that skips the circular-reference check (PyPy's pure-Python
    encoder, where that check is a third of the cost)."""
    from json import encoder as _enc

    plain_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                                     check_circular=False)
    plain = plain_encoder.encode
    make = getattr(_enc, "c_make_encoder", None)
    basestring = getattr(_enc, "c_encode_basestring", None)
    if make is None or basestring is None:
        return _with_pypy_strings(plain_encoder)
    try:
        c_encoder = make(None, COMPACT.default, basestring, None, COMPACT.key_separator,
                         COMPACT.item_separator, COMPACT.sort_keys, COMPACT.skipkeys, COMPACT.allow_nan)

        def fast(value: Any) -> str:
            return "".join(c_encoder(value, 0))

        sample = {"a": [1, 2.5, None, True, "\u00e9\n\"", {"b": -3}], "c": "x" * 3}
        if fast(sample) != COMPACT.encode(sample):
            return plain
    except Exception:  # noqa: BLE001 - another signature: the plain encoder
        return plain
    return fast


def _with_pypy_strings(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """PyPy's pure-Python encoder escapes each string (ensure_ascii=False) with a regular expression
    substitution, which costs more than the rest of encoding a short string. Its RPython ASCII
    escaper returns a string as long as its input exactly when nothing needed escaping (every
    escape is longer than the character it replaces): then the string is its own escape for
    ensure_ascii=False too (no control character, quote, backslash or non-ASCII character), and only
    the others go through the substitution. Used when the encoder keeps its escaper where PyPy's does
    and the result is COMPACT's on a sample; otherwise the encoder as it is."""
    from json import encoder as _enc

    ascii_escape: Any = getattr(_PYPYJSON, "raw_encode_basestring_ascii", None)
    slow: Any = getattr(_enc, "raw_encode_basestring", None)
    current: Any = getattr(encoder, "_JSONEncoder__encoder", None)
    if ascii_escape is None or slow is None or current is not slow:
        return encoder.encode

    def escape(text: str) -> str:
        return text if len(ascii_escape(text)) == len(text) else slow(text)

    fast = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=False)
    fast._JSONEncoder__encoder = escape  # type: ignore[attr-defined]
    samples = [{"a": [1, 2.5, None, True, "\u00e9\n\"", {"b": -3}], "c": "x" * 3, "\u4e2d\x01": "\\/\x7f"},
               "plain", "", "\t", "\U0001f600", "\ud800"]
    try:
        if all(fast.encode(v) == COMPACT.encode(v) for v in samples):
            return fast.encode
    except Exception:  # noqa: BLE001 - another encoder: the plain one
        pass
    return encoder.encode


_fast_encode = _build_fast_encode()


def dumps_compact(value: Any) -> bytes:
    """``COMPACT.encode(value)`` as UTF-8 bytes: the same bytes, or the same exception."""
    try:
        return _fast_encode(value).encode("utf-8")
    except Exception:  # noqa: BLE001 - COMPACT.encode raises what it raises for this value
        return COMPACT.encode(value).encode("utf-8")
