"""The query tests' view of each front end: open it, skip it if it cannot collect rows, read rows.

``fe`` fixtures of tests/query use :func:`rows_view` so every file opens and closes front ends the same
way; :func:`rows_of` runs a statement to its end and checks the metadata says success.
"""
from __future__ import annotations

from typing import Any, Iterator, List

import pytest

from support.frontends import FRONT_ENDS


def rows_view(front_end: str, mock: Any) -> Iterator[Any]:
    """Yield ``front_end``'s view over ``mock`` (skipped if it cannot collect rows); close it after."""
    view, close = FRONT_ENDS[front_end](mock)
    if not hasattr(view, "collect_rows"):
        close()
        pytest.skip(f"the {front_end} test view cannot collect rows yet")
    try:
        yield view
    finally:
        close()


def rows_of(fe: Any, statement: str) -> List[Any]:
    """The rows of ``statement`` on view ``fe``; its metadata must say success."""
    rows, meta = fe.collect_rows(fe.cluster.query(statement))
    assert meta.status() == "success"
    return list(rows)
