"""The ORDER BY comparator the query engine and window functions share.

Entries are ``(keys, arrival, ...)``: ``keys`` are the ORDER BY values, compared term by term under
the server's collation (each term ascending or descending), then ``arrival`` keeps equal entries in
the order they came (a stable sort, as the server's).
"""
from __future__ import annotations

from typing import Any, Callable, List

from couchbase_mock.query.values import collate

__all__ = ["order_cmp"]


def order_cmp(descending: List[bool]) -> Callable[[Any, Any], int]:
    """A ``cmp`` function (for :func:`functools.cmp_to_key`) over ``(keys, arrival, ...)`` entries,
    ``descending[i]`` telling the direction of the i-th key."""
    def cmp(a: Any, b: Any) -> int:
        for x, y, desc in zip(a[0], b[0], descending):
            c = collate(x, y)
            if c:
                return -c if desc else c
        order: int = (a[1] > b[1]) - (a[1] < b[1])
        return order
    return cmp
