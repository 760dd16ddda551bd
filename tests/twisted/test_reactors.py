"""txcouchbase on other reactors, each in its own process (a reactor installs once per process).

The subprocess runs a slice of the shared KV suite and the txcouchbase tests
with ``COUCHBASE_TEST_REACTOR`` set, which tests/support/frontends/twisted_fe.py
installs before anything imports the global reactor.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("twisted")

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


def test_importing_txcouchbase_installs_no_reactor():
    code = ("import sys, txcouchbase, txcouchbase.cluster, txcouchbase._loop; "
            "assert 'twisted.internet.reactor' not in sys.modules, 'a reactor was installed'; "
            "from twisted.internet import asyncioreactor; asyncioreactor.install(); "
            "from twisted.internet import reactor; print(type(reactor).__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         cwd=str(ROOT), env=_env())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "AsyncioSelectorReactor"


@pytest.mark.parametrize("reactor_name,selection,at_least", [
    ("asyncio", "roundtrip or multi or lock or durability_met or requested_reactor or inline or coroutine "
                "or close_with or connection_error or dropping", 30),
    ("select", "roundtrip or multi_ops or requested_reactor or close_with or dropping", 12),
    ("poll", "roundtrip or requested_reactor or close_with", 10),
])
def test_suite_slice_on_another_reactor(reactor_name, selection, at_least):
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "-k", selection,
            "tests/kv/test_kv.py", "tests/kv/test_cluster.py", "tests/twisted/test_txcouchbase.py"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=240, cwd=str(ROOT),
                         env=_env(COUCHBASE_TEST_REACTOR=reactor_name, COUCHBASE_FRONT_ENDS="twisted,txraw"))
    tail = out.stdout[-3000:]
    assert out.returncode == 0, tail + out.stderr[-2000:]
    summary = tail.strip().splitlines()[-1]
    match = re.search(r"(\d+) passed", summary)
    assert match and int(match.group(1)) >= at_least, summary
    assert "failed" not in summary and "error" not in summary, summary
