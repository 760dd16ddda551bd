"""libcouchbase's log lines through :mod:`logging` (couchbase/_logging.py).

Quiet by default (a NullHandler on ``couchbase``: caught failures print nothing on stderr, on
every front end), one logger per libcouchbase subsystem under ``couchbase.lcb``, repeats
collapsed with a count, ``LCB_LOGLEVEL`` honoured, and nothing bypassing ``logging`` (the
select plugin's "event loop might be still active" line after a signal).
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from couchbase import _logging
from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import AuthenticationException
from couchbase.options import ClusterOptions
from support.frontends import selected

HERE = Path(__file__).resolve().parent


def _child(*args: str, env: dict = None, script: str = "quiet_child.py") -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "LCB_LOGLEVEL"}
    environ.update(env or {})
    return subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True,
                          timeout=180, env=environ)


def test_couchbase_logger_has_a_null_handler():
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("couchbase").handlers)


@pytest.mark.parametrize("front_end", selected())
def test_caught_failures_print_nothing_without_logging_configured(front_end):
    res = _child(front_end)
    assert res.returncode == 0, res.stderr
    done, failed = res.stdout.split()
    assert done == "done" and int(failed) > 0  # the batch did fail (a third of it)
    assert res.stderr == ""


def test_configured_logging_receives_every_subsystem_on_stderr():
    res = _child("sync", "configure")
    assert res.returncode == 0, res.stderr
    names = {line.split()[0] for line in res.stderr.splitlines() if line.startswith("couchbase.lcb.")}
    assert {"couchbase.lcb.negotiation", "couchbase.lcb.server", "couchbase.lcb.retryq"} <= names
    assert "more like this)" in res.stderr  # the failed batch's repeated lines were collapsed
    assert "not-the-password" not in res.stderr


def test_lcb_loglevel_is_honoured_without_logging_configured():
    res = _child("sync", env={"LCB_LOGLEVEL": "3"})  # DEBUG and above, on stderr
    assert res.returncode == 0, res.stderr
    assert " DEBUG couchbase.lcb." in res.stderr and " WARNING couchbase.lcb." in res.stderr
    assert " TRACE" not in res.stderr and "Level 5" not in res.stderr
    res = _child("sync", env={"LCB_LOGLEVEL": "1"})  # WARNING and above
    assert " WARNING couchbase.lcb." in res.stderr
    assert " DEBUG " not in res.stderr and " INFO " not in res.stderr


def test_lcb_loglevel_0_turns_libcouchbase_lines_off():
    res = _child("sync", "configure", env={"LCB_LOGLEVEL": "0"})
    assert res.returncode == 0, res.stderr
    assert "couchbase.lcb." not in res.stderr


def test_lines_carry_subsystem_and_instance(mock, caplog):
    with caplog.at_level(logging.DEBUG, logger="couchbase.lcb"):
        with pytest.raises(AuthenticationException):
            Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator("Administrator", "wrong-one")))
    records = [r for r in caplog.records if r.name.startswith("couchbase.lcb.")]
    assert records
    negotiation = [r for r in records if r.name == "couchbase.lcb.negotiation"]
    assert negotiation and all(r.lcb_subsys == "negotiation" and r.lcb_instance for r in negotiation)
    assert any(r.levelno >= logging.WARNING and "auth" in r.getMessage().lower() for r in negotiation)
    assert all(r.lcb_srcfile and r.lcb_srcline > 0 for r in records)
    assert "wrong-one" not in caplog.text


def test_repeats_are_collapsed_with_a_count(caplog, monkeypatch):
    _logging.flush_repeats()
    with caplog.at_level(logging.DEBUG, logger="couchbase.lcb"):
        for i in range(500):
            line = (f"Failing command (pkt=0x{0x5500 + i:x}, opaque={i}, spent={i * 3}us) "
                    "LCB_ERR_TIMEOUT (201)")
            _logging.emit(7, "retryq", 3, "retryq.cc", 10, line)
            _logging.emit(7, "server", 3, "mcserver.cc", 20, "Connection attempt failed")
        _logging.emit(7, "server", 3, "mcserver.cc", 20, "A different line")
        assert [r.getMessage() for r in caplog.records] == [
            "Failing command (pkt=0x5500, opaque=0, spent=0us) LCB_ERR_TIMEOUT (201)",
            "Connection attempt failed",
            "A different line",
        ]
        _logging.flush_repeats()
    messages = sorted(r.getMessage() for r in caplog.records[3:])
    assert messages == [
        "Connection attempt failed (499 more like this)",
        "Failing command (pkt=0x56f3, opaque=499, spent=1497us) LCB_ERR_TIMEOUT (201) (499 more like this)",
    ]
    assert {r.name for r in caplog.records} == {"couchbase.lcb.retryq", "couchbase.lcb.server"}
    # a window that has ended is reported at the next line, and the line is logged afresh
    monkeypatch.setattr(_logging, "REPEAT_WINDOW", 0.0)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="couchbase.lcb"):
        for _ in range(3):
            _logging.emit(7, "server", 3, "mcserver.cc", 20, "again")
    assert [r.getMessage() for r in caplog.records] == ["again"] * 3


def test_lines_below_the_level_are_not_logged(caplog):
    _logging.flush_repeats()
    with caplog.at_level(logging.WARNING, logger="couchbase.lcb"):
        _logging.emit(1, "bootstrap", 1, "f.c", 1, "a debug line")
        _logging.emit(1, "bootstrap", 4, "f.c", 1, "an error line")
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("couchbase.lcb.bootstrap", logging.ERROR, "an error line")]


def test_signals_during_blocking_operations_neither_fail_them_nor_print():
    """A signal cuts libcouchbase's select() short: the wait resumes (it used to fail the operation
    with InternalSDKException), a KeyboardInterrupt from the handler propagates, and closing
    afterwards prints nothing (it printed "WARN: libcouchbase(plugin-select) ..." past logging)."""
    res = _child(script="signal_child.py")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["ok", "interrupted", "closed"]
    assert res.stderr == ""
