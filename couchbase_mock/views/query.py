"""Evaluate a view query over an index: key ranges, ``keys``, reduce and
grouping, ``skip``/``limit``.

Map results are produced lazily (a 50,000-row response is never built as a
list); reduced results are computed before the response starts, so a
reduce error is an HTTP error rather than a broken stream.
"""
from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence

from couchbase_mock.views.collation import sort_key
from couchbase_mock.views.index import Row
from couchbase_mock.views.params import ParamError, ViewParams
from couchbase_mock.views.reduce import Reducer

__all__ = ["ViewResult", "evaluate"]


class _Top:
    """Sorts after every doc id and value (upper bisect bound)."""

    def __lt__(self, other: Any) -> bool:
        return False

    def __gt__(self, other: Any) -> bool:
        return other is not self

    def __eq__(self, other: Any) -> bool:
        return other is self

    __hash__ = object.__hash__


_TOP = _Top()


class ViewResult:
    """``rows``: an iterator of row dicts; ``total_rows``: None for reduced results."""

    def __init__(self, rows: Iterator[Dict[str, Any]], total_rows: Optional[int]) -> None:
        self.rows = rows
        self.total_rows = total_rows


def _lower(rows: Sequence[Row], key: Any, docid: Optional[str]) -> int:
    """First row at or after (key, docid); no docid: the first row with that key."""
    return bisect_left(rows, (sort_key(key),) if docid is None else (sort_key(key), docid))


def _upper(rows: Sequence[Row], key: Any, docid: Optional[str]) -> int:
    """First row after (key, docid); no docid: after the last row with that key."""
    probe = (sort_key(key), _TOP) if docid is None else (sort_key(key), docid, _TOP)
    return bisect_right(rows, probe)


def _range(rows: Sequence[Row], p: ViewParams) -> Iterable[Row]:
    """The rows between startkey and endkey in query order."""
    start, end = (p.key, p.key) if p.has_key else (p.startkey, p.endkey)
    has_start = p.has_key or p.has_startkey
    has_end = p.has_key or p.has_endkey
    inclusive = True if p.has_key else p.inclusive_end
    if has_start and has_end:
        first, last = sort_key(start), sort_key(end)
        if (first > last) if not p.descending else (first < last):
            raise ParamError("No rows can match your key range, reverse your start_key and end_key or set "
                             "descending=%s" % ("false" if p.descending else "true"))
    if not p.descending:
        lo = _lower(rows, start, p.startkey_docid) if has_start else 0
        if not has_end:
            hi = len(rows)
        elif inclusive:
            hi = _upper(rows, end, p.endkey_docid)
        else:
            hi = _lower(rows, end, p.endkey_docid)
        return itertools.islice(rows, lo, max(lo, hi))
    hi = _upper(rows, start, p.startkey_docid) if has_start else len(rows)
    if not has_end:
        lo = 0
    elif inclusive:
        lo = _lower(rows, end, p.endkey_docid)
    else:
        lo = _upper(rows, end, p.endkey_docid)
    return (rows[i] for i in range(hi - 1, lo - 1, -1))


def _by_keys(rows: Sequence[Row], keys: List[Any], descending: bool) -> Iterator[List[Row]]:
    """For each requested key (in the order given), its rows."""
    for key in keys:
        lo, hi = _lower(rows, key, None), _upper(rows, key, None)
        found = list(rows[lo:hi])
        yield found[::-1] if descending else found


def _group_key(key: Any, level: Optional[int]) -> Any:
    if level is None:
        return key
    return key[:level] if isinstance(key, list) else key


def _reduced(selected: Iterable[Row], reducer: Reducer, level: Optional[int],
             grouped: bool) -> List[Dict[str, Any]]:
    items = [(r[2], r[1], r[3]) for r in selected]
    if not grouped:
        return [{"key": None, "value": reducer.reduce(items)}] if items else []
    out: List[Dict[str, Any]] = []
    for _sk, group in itertools.groupby(items, key=lambda item: sort_key(_group_key(item[0], level))):
        members = list(group)
        out.append({"key": _group_key(members[0][0], level), "value": reducer.reduce(members)})
    return out


def evaluate(rows: Sequence[Row], p: ViewParams, reducer: Optional[Reducer]) -> ViewResult:
    """Run the query ``p`` over the sorted index ``rows``; ParamError/ReduceError on bad queries."""
    grouping = p.group or bool(p.group_level)
    reduce = p.reduce if p.reduce is not None else reducer is not None
    if reducer is None and p.reduce:
        raise ParamError("Invalid URL parameter `reduce` for map view.")
    if (p.group or p.group_level is not None) and (reducer is None or not reduce):
        raise ParamError("Invalid URL parameter `group` or `group_level` for non-reduce view.")
    stop = None if p.limit is None else p.skip + p.limit
    if reduce and reducer is not None:
        level = p.group_level if (p.group_level is not None and not p.group) else None
        if p.keys is not None:
            groups = list(_by_keys(rows, p.keys, p.descending))
            if grouping:
                reduced = [row for g in groups for row in _reduced(g, reducer, level, True)]
            else:
                reduced = _reduced([r for g in groups for r in g], reducer, level, False)
        else:
            reduced = _reduced(_range(rows, p), reducer, level, grouping)
        return ViewResult(iter(reduced[p.skip:stop]), None)
    if p.keys is not None:
        selected: Iterable[Row] = (r for g in _by_keys(rows, p.keys, p.descending) for r in g)
    else:
        selected = _range(rows, p)
    page = itertools.islice(selected, p.skip, stop)
    return ViewResult(({"id": r[1], "key": r[2], "value": r[3]} for r in page), len(rows))
