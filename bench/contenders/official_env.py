"""Where the official Couchbase SDK 4.x lives: the venv of tests/support/official_sdk.py.

The harness never creates that venv itself (that downloads from PyPI); when it
is missing the official contenders are skipped with the command that creates it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Missing:
    reason: str


def _venv() -> Path:
    from tests.support import official_sdk

    return official_sdk._cache()


def python() -> Union[str, Missing]:
    """The venv's python, or why it cannot be used."""
    try:
        venv = _venv()
    except Exception as exc:  # noqa: BLE001 - reported as a skip reason
        return Missing(f"tests/support/official_sdk.py unavailable: {exc}")
    exe = venv / "bin" / "python"
    if not (venv / ".installed").exists() or not exe.exists():
        return Missing(f"official SDK venv {venv} not created; run: python -c "
                       "'from tests.support.official_sdk import official_python; official_python()'")
    return str(exe)


def workdir() -> str:
    """Run outside the checkout, whose packages would shadow the official ones."""
    try:
        return str(_venv())
    except Exception:  # noqa: BLE001
        return os.path.expanduser("~")
