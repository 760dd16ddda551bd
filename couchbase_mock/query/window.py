"""Window functions (``f(...) OVER (PARTITION BY ... ORDER BY ... frame)``), computed over a
subselect's rows after WHERE, GROUP BY and HAVING and before the projection, as the server does.

Each row of a partition gets each window call's value in its ``cache`` (where
:func:`~couchbase_mock.query.evaluator.evaluate` finds it). Ranking (ROW_NUMBER, RANK, DENSE_RANK,
PERCENT_RANK, CUME_DIST, NTILE) and LAG/LEAD follow the partition's order; FIRST_VALUE, LAST_VALUE,
NTH_VALUE, RATIO_TO_REPORT and the aggregates read the row's frame: by default, with ORDER BY, from the
partition's start to the current row and its peers (RANGE UNBOUNDED PRECEDING), without ORDER BY the
whole partition; ``ROWS``, ``RANGE`` (a numeric offset needs one numeric ORDER BY key) and ``GROUPS``
(peer groups) frames with ``EXCLUDE CURRENT ROW | GROUP | TIES``.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, List, Optional, Tuple

from couchbase_mock.query import nodes as N
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Accumulator, Params, Row, children, evaluate
from couchbase_mock.query.ordering import order_cmp
from couchbase_mock.query.values import MISSING, canonical, is_number, number

__all__ = ["window_calls", "compute"]

_INVALID_FRAME_VALUE = 3220


def window_calls(exprs: List[Optional[N.Expr]]) -> List[N.Call]:
    """The window calls in ``exprs`` (outermost first; one nested in another's arguments too)."""
    out: List[N.Call] = []

    def walk(e: Optional[N.Expr]) -> None:
        if e is None or isinstance(e, N.Subquery):
            return
        if isinstance(e, N.Call) and e.window is not None:
            out.append(e)
        for c in children(e):
            walk(c)

    for e in exprs:
        walk(e)
    return out


def compute(rows: List[Row], calls: List[N.Call], params: Params) -> List[Row]:
    """Store each call's value in each row's cache; returns ``rows`` (their order unchanged)."""
    for call in reversed(calls):  # an inner window call first: an outer one may read it
        w = call.window
        assert w is not None
        partitions: Dict[str, List[Row]] = {}
        for r in rows:
            k = _values_key([evaluate(e, r, params) for e in w.partition])
            partitions.setdefault(k, []).append(r)
        for part in partitions.values():
            _partition(call, w, part, params)
    return rows


def _partition(call: N.Call, w: N.Window, part: List[Row], params: Params) -> None:
    keys = [[evaluate(e, r, params) for e, _desc in w.order] for r in part]
    if w.order:
        entries = sorted(((k, i) for i, k in enumerate(keys)),
                         key=functools.cmp_to_key(order_cmp([d for _e, d in w.order])))
        order = [i for _k, i in entries]
        part[:] = [part[i] for i in order]
        keys = [keys[i] for i in order]
    n = len(part)
    # peer groups: rows with equal ORDER BY values (all rows are peers without ORDER BY)
    group_of: List[int] = []
    starts: List[int] = []
    for i in range(n):
        if i == 0 or (w.order and _values_key(keys[i]) != _values_key(keys[i - 1])):
            starts.append(i)
        group_of.append(len(starts) - 1)
    ends = [s - 1 for s in starts[1:]] + [n - 1]
    name = call.name
    key = id(call)
    for i, row in enumerate(part):
        g = group_of[i]
        if name == "ROW_NUMBER":
            value: Any = i + 1
        elif name == "RANK":
            value = starts[g] + 1
        elif name == "DENSE_RANK":
            value = g + 1
        elif name == "PERCENT_RANK":
            value = number(starts[g] / (n - 1)) if n > 1 else 0
        elif name == "CUME_DIST":
            value = number((ends[g] + 1) / n)
        elif name == "NTILE":
            value = _ntile(call, row, params, i, n)
        elif name in ("LAG", "LEAD"):
            value = _lag_lead(call, part, i, params)
        else:
            frame = _frame(w, part, keys, i, group_of, starts, ends, params)
            value = _over_frame(call, part, frame, row, params)
        row.cache[key] = value


def _values_key(values: List[Any]) -> str:
    """A string equal for equal lists of values, MISSING among them (a partition's or a peer group's)."""
    return "\x1f".join(canonical(v) for v in values)


def _ntile(call: N.Call, row: Row, params: Params, i: int, n: int) -> Any:
    buckets = evaluate(call.args[0], row, params)
    if not is_number(buckets) or buckets < 1 or buckets != int(buckets):
        return None
    buckets = int(buckets)
    size, extra = divmod(n, buckets)
    # the first ``extra`` buckets hold one row more
    big = extra * (size + 1)
    return i // (size + 1) + 1 if i < big else extra + (i - big) // max(size, 1) + 1


def _lag_lead(call: N.Call, part: List[Row], i: int, params: Params) -> Any:
    row = part[i]
    offset = evaluate(call.args[1], row, params) if len(call.args) > 1 else 1
    default = evaluate(call.args[2], row, params) if len(call.args) > 2 else None
    if not is_number(offset) or offset < 0 or offset != int(offset):
        return None
    step = -1 if call.name == "LAG" else 1
    j, left = i, int(offset)
    if left == 0:
        return evaluate(call.args[0], row, params)
    while True:
        j += step
        if not 0 <= j < len(part):
            return default
        v = evaluate(call.args[0], part[j], params)
        if call.ignore_nulls and (v is None or v is MISSING):
            continue
        left -= 1
        if left == 0:
            return v


def _offset(bound: N.FrameBound, row: Row, params: Params, unit: str) -> Any:
    """A frame's ``value PRECEDING|FOLLOWING``: a number >= 0 (an integer but for RANGE)."""
    v: Any = evaluate(bound.value, row, params) if bound.value is not None else None
    if not is_number(v) or v < 0 or (unit != "RANGE" and v != int(v)):
        raise QueryError(_INVALID_FRAME_VALUE, "window function window frame value expression is invalid.",
                         400)
    return v


def _frame(w: N.Window, part: List[Row], keys: List[List[Any]], i: int, group_of: List[int],
           starts: List[int], ends: List[int], params: Params) -> List[int]:
    """The indexes of row ``i``'s frame in its (ordered) partition."""
    n = len(part)
    if w.unit is None:
        return list(range(ends[group_of[i]] + 1)) if w.order else list(range(n))
    assert w.start is not None and w.end is not None
    if w.unit == "ROWS":
        lo = _rows_bound(w.start, i, n, part[i], params)
        hi = _rows_bound(w.end, i, n, part[i], params)
    elif w.unit == "GROUPS":
        g = group_of[i]
        lo_g = _groups_bound(w.start, g, len(starts), part[i], params)
        hi_g = _groups_bound(w.end, g, len(starts), part[i], params)
        lo = starts[lo_g] if 0 <= lo_g < len(starts) else (0 if lo_g < 0 else n)
        hi = ends[hi_g] if 0 <= hi_g < len(starts) else (n - 1 if hi_g >= len(starts) else -1)
    else:  # RANGE
        lo, hi = _range_bounds(w, keys, i, group_of, starts, ends, part[i], params)
    frame = [j for j in range(max(lo, 0), min(hi, n - 1) + 1)]
    if w.exclude == "CURRENT ROW":
        frame = [j for j in frame if j != i]
    elif w.exclude == "GROUP":
        frame = [j for j in frame if group_of[j] != group_of[i]]
    elif w.exclude == "TIES":
        frame = [j for j in frame if j == i or group_of[j] != group_of[i]]
    return frame


def _rows_bound(b: N.FrameBound, i: int, n: int, row: Row, params: Params) -> int:
    if b.kind == "UNBOUNDED PRECEDING":
        return 0
    if b.kind == "UNBOUNDED FOLLOWING":
        return n - 1
    if b.kind == "CURRENT ROW":
        return i
    off = int(_offset(b, row, params, "ROWS"))
    return i - off if b.kind == "PRECEDING" else i + off


def _groups_bound(b: N.FrameBound, g: int, groups: int, row: Row, params: Params) -> int:
    if b.kind == "UNBOUNDED PRECEDING":
        return 0
    if b.kind == "UNBOUNDED FOLLOWING":
        return groups - 1
    if b.kind == "CURRENT ROW":
        return g
    off = int(_offset(b, row, params, "GROUPS"))
    return g - off if b.kind == "PRECEDING" else g + off


def _range_bounds(w: N.Window, keys: List[List[Any]], i: int, group_of: List[int], starts: List[int],
                  ends: List[int], row: Row, params: Params) -> Tuple[int, int]:
    assert w.start is not None and w.end is not None
    n = len(keys)
    g = group_of[i]
    bounds = []
    for b, first in ((w.start, True), (w.end, False)):
        if b.kind == "UNBOUNDED PRECEDING":
            bounds.append(0)
        elif b.kind == "UNBOUNDED FOLLOWING":
            bounds.append(n - 1)
        elif b.kind == "CURRENT ROW":
            bounds.append(starts[g] if first else ends[g])
        else:
            off = _offset(b, row, params, "RANGE")
            mine = keys[i][0]
            if not is_number(mine):
                bounds.append(starts[g] if first else ends[g])
                continue
            desc = w.order[0][1]
            # PRECEDING means earlier in the order: smaller keys ascending, larger descending
            sign = -1 if (b.kind == "PRECEDING") != desc else 1
            target = mine + sign * off
            low, high = (target, mine) if sign < 0 else (mine, target)
            inside = [j for j in range(n) if is_number(keys[j][0]) and low <= keys[j][0] <= high]
            if first:
                bounds.append(min(inside) if inside else n)
            else:
                bounds.append(max(inside) if inside else -1)
    return bounds[0], bounds[1]


def _over_frame(call: N.Call, part: List[Row], frame: List[int], row: Row, params: Params) -> Any:
    name = call.name
    if name in ("FIRST_VALUE", "LAST_VALUE", "NTH_VALUE"):
        values = [evaluate(call.args[0], part[j], params) for j in frame]
        if call.ignore_nulls:
            values = [v for v in values if v is not None and v is not MISSING]
        if name == "FIRST_VALUE":
            pos: Any = 0
        elif name == "LAST_VALUE":
            pos = len(values) - 1
        else:
            nth = evaluate(call.args[1], row, params)
            if not is_number(nth) or nth < 1 or nth != int(nth):
                return None
            pos = len(values) - int(nth) if call.from_last else int(nth) - 1
        return values[pos] if 0 <= pos < len(values) else None
    if name == "RATIO_TO_REPORT":
        mine = evaluate(call.args[0], row, params)
        total = [evaluate(call.args[0], part[j], params) for j in frame]
        numbers = [v for v in total if is_number(v)]
        if not is_number(mine) or not numbers or sum(numbers) == 0:
            return None
        return number(mine / sum(numbers))
    acc = Accumulator(call)
    for j in frame:
        acc.add(part[j], params)
    return acc.result()
