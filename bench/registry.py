"""Every contender the harness knows: how to start its process and what it is compared with."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional


@dataclass(frozen=True)
class Contender:
    """One client under test.

    ``kind``: ``ours`` (a module of bench.contenders run by this interpreter,
    or with ``python="pypy"`` by the PyPy of ``.venv-pypy``, see
    :func:`bench.harness.pypy_python`), ``official`` (bench/contenders/official.py
    run by the official SDK's venv python) or ``pillowfight`` (libcouchbase's
    cbc-pillowfight).
    """

    name: str
    kind: str
    module: str = ""
    variant: str = ""
    label: str = ""
    python: str = ""


CONTENDERS: List[Contender] = [
    Contender("blocking", "ours", "bench.contenders.blocking", label="couchbase-cffi blocking"),
    Contender("raw", "ours", "bench.contenders.raw", label="couchbase-cffi raw AsyncResult (SelectorLoop)"),
    Contender("acouchbase", "ours", "bench.contenders.acouchbase_", "asyncio", "acouchbase (asyncio)"),
    Contender("acouchbase-uvloop", "ours", "bench.contenders.acouchbase_", "uvloop", "acouchbase (uvloop)"),
    Contender("tx-deferred", "ours", "bench.contenders.txcouchbase_", "deferred", "txcouchbase Deferreds"),
    Contender("tx-raw", "ours", "bench.contenders.txcouchbase_", "raw", "txcouchbase raw AsyncResults"),
    # like for like with the official SDK's -notrace contenders: libcouchbase's tracer and metrics off
    Contender("blocking-notrace", "ours", "bench.contenders.blocking", "notrace",
              "couchbase-cffi blocking, tracing+metrics off"),
    Contender("acouchbase-notrace", "ours", "bench.contenders.acouchbase_", "asyncio-notrace",
              "acouchbase (asyncio), tracing+metrics off"),
    Contender("tx-deferred-notrace", "ours", "bench.contenders.txcouchbase_", "deferred-notrace",
              "txcouchbase Deferreds, tracing+metrics off"),
    Contender("gcouchbase", "ours", "bench.contenders.gcouchbase_", label="gcouchbase (gevent)"),
    Contender("official-blocking", "official", variant="blocking", label="official 4.x blocking"),
    Contender("official-blocking-notrace", "official", variant="blocking-notrace",
              label="official 4.x blocking, tracing+metrics off"),
    Contender("official-acouchbase", "official", variant="acouchbase", label="official 4.x acouchbase"),
    Contender("official-acouchbase-notrace", "official", variant="acouchbase-notrace",
              label="official 4.x acouchbase, tracing+metrics off"),
    Contender("official-txcouchbase", "official", variant="txcouchbase", label="official 4.x txcouchbase"),
    Contender("official-txcouchbase-notrace", "official", variant="txcouchbase-notrace",
              label="official 4.x txcouchbase, tracing+metrics off"),
    # the same contender modules on PyPy (scripts/setup_pypy.sh makes .venv-pypy); uvloop has no PyPy build
    Contender("blocking-pypy", "ours", "bench.contenders.blocking", label="couchbase-cffi blocking, PyPy",
              python="pypy"),
    Contender("raw-pypy", "ours", "bench.contenders.raw", label="couchbase-cffi raw AsyncResult, PyPy",
              python="pypy"),
    Contender("acouchbase-pypy", "ours", "bench.contenders.acouchbase_", "asyncio",
              "acouchbase (asyncio), PyPy", python="pypy"),
    Contender("tx-deferred-pypy", "ours", "bench.contenders.txcouchbase_", "deferred",
              "txcouchbase Deferreds, PyPy", python="pypy"),
    Contender("tx-raw-pypy", "ours", "bench.contenders.txcouchbase_", "raw",
              "txcouchbase raw AsyncResults, PyPy", python="pypy"),
    Contender("gcouchbase-pypy", "ours", "bench.contenders.gcouchbase_", label="gcouchbase (gevent), PyPy",
              python="pypy"),
    Contender("floor", "ours", "bench.contenders.floor", label="pipelined socket floor (bench/floor.py)"),
    Contender("pillowfight", "pillowfight", label="libcouchbase cbc-pillowfight (C)"),
]

BY_NAME: Dict[str, Contender] = {c.name: c for c in CONTENDERS}


def select(names: Optional[str]) -> List[Contender]:
    """Contenders named in a comma-separated list (all when ``names`` is empty)."""
    if not names:
        return list(CONTENDERS)
    chosen = []
    for name in (n.strip() for n in names.split(",")):
        if not name:
            continue
        if name not in BY_NAME:
            raise ValueError(f"unknown contender {name!r}; known: {', '.join(BY_NAME)}")
        chosen.append(BY_NAME[name])
    if not chosen:
        raise ValueError("no contender selected")
    return chosen
