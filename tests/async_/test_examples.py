"""The asyncio example runs against an embedded mock and serves what it stored."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "asyncio_example.py"


@pytest.mark.parametrize("flags", [[], ["--uvloop"]], ids=["asyncio", "uvloop"])
def test_asyncio_example_serves_documents(flags):
    if flags:
        pytest.importorskip("uvloop")
    out = subprocess.run([sys.executable, str(EXAMPLE), *flags], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("serving on http://127.0.0.1:")
    assert lines[1:6] == [f"200 {{'id': {i}, 'name': '{n}'}}"
                          for i, n in enumerate(["Oslo", "Lima", "Pune", "Kyiv", "Faro"])]
    assert lines[6].startswith("404")
