"""examples/twisted_example.py runs its Deferred chain to the end on two reactors."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("twisted")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "twisted_example.py"


@pytest.mark.parametrize("reactor_name,expected",
                         [("default", "EPollReactor"), ("asyncio", "AsyncioSelectorReactor")])
def test_twisted_example_chain(reactor_name, expected):
    if reactor_name == "default" and not sys.platform.startswith("linux"):
        expected = None
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, str(EXAMPLE), "--reactor", reactor_name], capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.splitlines()
    if expected:
        assert lines[0] == f"reactor: {expected}"
    assert lines[1:] == [
        "connected",
        "stored 3 documents, all ok: True",
        "get city-1: {'id': 1, 'name': 'Lima'}",
        "visits: 1",
        "city-404: not found",
        "names: Oslo, Lima, Pune",
        "closed",
    ]
