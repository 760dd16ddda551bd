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
from json.scanner import c_make_scanner
from typing import Any

# The scanner json.loads uses, when it is the C one (the _json accelerator); one call clears its
# memo when it returns, as json's own decoder does. Without the accelerator (PyPy, whose
# json.loads has its own fast decoder) calling json.loads is the fast way: scan_once is None.
scan_once = JSONDecoder().scan_once if c_make_scanner is not None else None
_scan_once = scan_once
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


if _scan_once is None:
    loads = json.loads  # noqa: F811 - see scan_once
