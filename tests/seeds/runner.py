"""Run one extracted example against the mock, in a subprocess of its own.

How an example is adapted (mechanically; the same for every example):

* **Front end**: an example of the txcouchbase reference (001) that uses ``defer()`` or sets
  ``.callback =``/``.errback =`` runs on the raw client (the reference documents them there);
  otherwise an example that mentions ``txcouchbase``/``TxCouchbase``/``TxAsync``/
  ``reactor``/``Deferred``/``addCallback`` runs on Twisted; ``gcouchbase`` on gevent; one from
  the acouchbase reference on asyncio; the rest on the blocking API.
* **Address**: ``host='localhost'`` and the guide's example hosts (``foo.com``, ``bar.com``,
  ``baz.com``) become the mock's nodes; a 1.x constructor call (``Couchbase.connect(``,
  ``TxCouchbase(``, ``TxAsync(``, ``GConnection(``, ``Connection(``) without ``host=`` gets
  ``host=<the mock's nodes>``. Bucket names are kept: the mock has ``default``,
  ``beer-sample`` and ``travel-sample``, and accepts each bucket's name as its user (1.x SASL).
* **Prelude** (for fragments, which use names defined earlier in the text): the 1.x imports
  (``from couchbase import *``-style names, the 1.x exception names), ``c``/``client``/``cb``
  connected to ``default`` (Twisted: ``txcouchbase.connection.Connection``, raw:
  ``TxAsyncConnection``; asyncio: an ``acouchbase`` Cluster), ``ft`` (the 2.x alias of the search
  module) and ``design_name``/``view_name``/``key``. An example that passes ``password='X'`` runs
  against a mock whose bucket has that password, and the prelude connects with it too. An
  example that defines a name itself overrides it.
* **Comment-only bodies** get ``pass`` (``if x:\\n    # handle it`` is not valid Python); an
  example with a top-level ``return`` is a function body and runs wrapped in a function.
* **Epilogue** (Twisted): the reactor runs until every connection is up with nothing in flight
  (at most 5 s); every Deferred the example created must have fired by then.
  unless the example runs it itself; an unhandled error in a Deferred fails the example.
* **Interactive** (``>>>``) examples whose shown output is a traceback pass when they raise
  the exception class the traceback names.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from typing import Any, List, Tuple

CONSTRUCTORS = r"(Couchbase\.connect|TxCouchbase|TxAsync|GConnection|Connection)\("
EXAMPLE_HOSTS = ("localhost", "foo.com", "bar.com", "baz.com")


def front_end_of(doc: str, src: str) -> str:
    if doc.startswith("001") and re.search(r"\.defer\(|\.(callback|errback) = ", src):
        return "txraw"  # the reference documents defer() and raw callbacks on the raw client
    if doc.startswith("001") or re.search(
        r"txcouchbase|TxCouchbase|TxAsync|reactor|Deferred|addCallback", src
    ):
        return "twisted"
    if "gcouchbase" in src:
        return "gevent"
    if doc.startswith("000"):
        return "asyncio"
    return "sync"


def _find_close(src: str, open_idx: int) -> int:
    depth, i, quote = 0, open_idx, None
    while i < len(src):
        ch = src[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(src)


def adapt_address(src: str, hosts: List[str]) -> str:
    """The address rules of the module docstring."""
    for i, name in enumerate(EXAMPLE_HOSTS):
        repl = repr(hosts) if name == "localhost" else repr(hosts[(i - 1) % len(hosts)])
        src = re.sub(rf"""(['"]){re.escape(name)}\1""", repl, src)
    out, pos = [], 0
    for m in re.finditer(CONSTRUCTORS, src):
        if m.start() < pos:
            continue
        close = _find_close(src, m.end() - 1)
        args = src[m.end() : close]
        out.append(src[pos : m.end()])
        if "host=" not in args:
            out.append(f"host={hosts!r}, ")
        pos = m.end()
    out.append(src[pos:])
    return "".join(out)


def fill_comment_bodies(src: str) -> str:
    lines = src.split("\n")
    out: List[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        if re.match(r"^\s*(if|else|elif|for|while|try|except|def|class|with)\b.*:\s*(#.*)?$", line):
            indent = len(line) - len(line.lstrip())
            j = i + 1
            while j < len(lines) and (
                not lines[j].strip()
                or lines[j].strip().startswith("#")
                and len(lines[j]) - len(lines[j].lstrip()) > indent
            ):
                j += 1
            body_indent = len(lines[j]) - len(lines[j].lstrip()) if j < len(lines) else 0
            if j >= len(lines) or body_indent <= indent:
                out.append(" " * (indent + 4) + "pass")
    return "\n".join(out)


def wrap_returns(src: str) -> str:
    if re.search(r"^return\b", src, re.M):
        return "def _example():\n" + textwrap.indent(src, "    ") + "\n_example()\n"
    return src


PRELUDE_COMMON = """
import time, json, sys
from couchbase import (Couchbase, FMT_JSON, FMT_PICKLE, FMT_BYTES, FMT_UTF8, FMT_AUTO, FMT_MASK,
                       LOCKMODE_WAIT, LOCKMODE_EXC, LOCKMODE_NONE)
from couchbase.exceptions import *
from couchbase.exceptions import TimeoutError
design_name, view_name = "beer", "brewery_beers"
key = "prelude_key"
"""

PRELUDES = {
    "sync": ("c = client = cb = Couchbase.connect(bucket='default', host=HOSTS, password=BUCKET_PASSWORD)\n"
             "c.set(key, 'prelude value')\n"),
    "gevent": ("from gcouchbase.connection import GConnection\n"
               "c = client = cb = GConnection(bucket='default', host=HOSTS, password=BUCKET_PASSWORD)\n"),
    "twisted": (
        "from twisted.internet import reactor\nfrom twisted.internet.defer import Deferred\n"
        "import couchbase.search as ft\n"
        "from txcouchbase.connection import Connection as TxCouchbase\n"
        "c = client = cb = TxCouchbase(bucket='default', host=HOSTS, password=BUCKET_PASSWORD)\n"
    ),
    "txraw": (
        "from twisted.internet import reactor\nfrom twisted.internet.defer import Deferred\n"
        "from txcouchbase.connection import TxAsyncConnection\n"
        "c = client = cb = TxAsyncConnection(bucket='default', host=HOSTS, password=BUCKET_PASSWORD)\n"
    ),
    "asyncio": (
        "import asyncio\nfrom acouchbase.cluster import Cluster as _ACluster\n"
        "from couchbase.options import ClusterOptions\nfrom couchbase.auth import PasswordAuthenticator\n"
        "_loop = asyncio.new_event_loop()\nasyncio.set_event_loop(_loop)\n"
        "cb = _loop.run_until_complete(_ACluster.connect(CONNSTR, "
        "ClusterOptions(PasswordAuthenticator(USER, PASSWORD))))\n"
    ),
}

EPILOGUE_TWISTED = """
from twisted.internet import reactor as _r
import time as _t
from couchbase._instance import live_connections as _live
_start = _t.monotonic()
def _maybe_stop(_quiet=[0]):
    # done when every connection is up with nothing in flight (twice in a row), or after 5 s
    idle = all(c.connected and not c.pending for c in _live())
    _quiet[0] = _quiet[0] + 1 if idle else 0
    if _quiet[0] >= 2 and _t.monotonic() - _start > 0.3 or _t.monotonic() - _start > 5.0:
        _r.stop()
    else:
        _r.callLater(0.05, _maybe_stop)
if not _r.running:
    _r.callLater(0.05, _maybe_stop)
    _r.run()
import gc as _gc
from twisted.internet.defer import Deferred as _D
_gc.collect()  # a failed Deferred nobody holds: Twisted reports it when it is collected (PyPy: now)
_unfired = [d for d in _gc.get_objects() if isinstance(d, _D) and not d.called]
if _unfired:
    raise SystemExit(f"{len(_unfired)} Deferred(s) the example created never fired: {_unfired!r}")
# One the example still holds ends in a Failure no errback handled: Twisted reports that when the
# Deferred is released, which CPython does at exit (clearing the example's globals) but PyPy never
# does (no finalizers run at exit). Reported here, so an example fails the same on both.
_failed = [d.result for d in _gc.get_objects() if isinstance(d, _D)
           and getattr(getattr(d, "_debugInfo", None), "failResult", None) is not None]
if _failed:
    raise SystemExit("Unhandled error in Deferred (still held at exit):\\n"
                     + "\\n".join(f.getTraceback() for f in _failed))
"""


def build_script(example: Any, fe: str, hosts: List[str], connstr: str, user: str, password: str) -> str:
    src = wrap_returns(fill_comment_bodies(adapt_address(example.source, hosts)))
    expect = None
    if example.interactive and "Traceback" in example.original:
        names = re.findall(r"couchbase\.exceptions\.(\w+)", example.original)
        expect = names[-1] if names else None
    m = re.search(r"password=(['\"])(.+?)\1", example.source)  # the prelude connects as the example does
    bucket_password = m.group(2) if m else ""
    consts = (f"HOSTS = {hosts!r}\nCONNSTR = {connstr!r}\nUSER = {user!r}\nPASSWORD = {password!r}\n"
              f"BUCKET_PASSWORD = {bucket_password!r}\n")
    prelude = consts + PRELUDE_COMMON + PRELUDES[fe]
    body = src
    if expect:
        body = (
            f"try:\n{textwrap.indent(src, '    ')}\nexcept {expect}:\n    print('EXPECTED-RAISE {expect}')\n"
            f"else:\n    raise SystemExit('expected {expect} to be raised')\n"
        )
    script = prelude + "\n# ---- the example ----\n" + body + "\n"
    if fe in ("twisted", "txraw"):
        script += EPILOGUE_TWISTED
    return script


def run(
    example: Any,
    hosts: List[str],
    connstr: str,
    user: str,
    password: str,
    timeout: float = 60,
    previous: Any = None,
) -> Tuple[bool, str, str]:
    """(passed, front end, output). ``previous``: the example before it in the same document.

    Fragment rule: an example that fails with a NameError for a name the previous example
    defines (``result``, ``ZlibTranscoder``: "assuming the class is defined above") is run
    again after the previous example, as one script.
    """
    ok, fe, out = _run_once(example, hosts, connstr, user, password, timeout)
    if not ok and previous is not None:
        m = re.search(r"NameError: name '(\w+)' is not defined", out)
        if m and re.search(rf"^\s*(def|class)?\s*{m.group(1)}\b", previous.source, re.M):
            from dataclasses import replace

            joined = replace(example, source=previous.source + "\n" + example.source)
            ok, fe, out2 = _run_once(joined, hosts, connstr, user, password, timeout)
            out = out + "\n---- run again after the previous example ----\n" + out2
    return ok, fe, out


def _run_once(
    example: Any, hosts: List[str], connstr: str, user: str, password: str, timeout: float
) -> Tuple[bool, str, str]:
    fe = front_end_of(example.doc, example.source)
    script = build_script(example, fe, hosts, connstr, user, password)
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )
    except subprocess.TimeoutExpired as exc:
        return False, fe, f"timed out after {timeout}s\n{exc.stdout or ''}{exc.stderr or ''}"
    out = proc.stdout + proc.stderr
    ok = (
        proc.returncode == 0
        and "Unhandled error in Deferred" not in out
        and "Traceback (most recent" not in out
    )
    return ok, fe, out
