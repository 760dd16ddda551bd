"""Helpers of the management tests (see tests/mgmt/conftest.py)."""
from __future__ import annotations

from typing import Any, Tuple

from support.frontends import BlockingView


def blocking(fe: Any, obj: Any) -> Any:
    """``obj`` (an object of fe's front end) with calls that wait for their results."""
    if isinstance(fe, BlockingView):
        return BlockingView(obj, fe._resolve, fe._is_pending, fe.track)
    return obj


def managers(fe: Any) -> Tuple[Any, Any, Any]:
    """Blocking views of the cluster's bucket, user and query index managers."""
    cluster = fe.cluster
    return (blocking(fe, cluster.buckets()), blocking(fe, cluster.users()),
            blocking(fe, cluster.query_indexes()))
