"""Expression evaluation over one binding row (or one group of rows).

A :class:`Row` binds keyspace aliases to documents (``env``) and their
metadata (``metas``); unqualified names resolve against the row's default
alias, as N1QL does for a single FROM term. Aggregates are evaluated over
``Row.group`` (the rows of the group) and cached per row. Three-valued logic
with MISSING and NULL follows the server: comparisons with MISSING give
MISSING, with NULL give NULL; AND/OR short-circuit on false/true.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from couchbase_mock.query import nodes as N
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.functions import ANALYTICS_FUNCTIONS, FUNCTIONS
from couchbase_mock.query.functions._base import RequestBound, arg_count_message, like_regex
from couchbase_mock.query.values import (
    MISSING,
    canonical,
    collate,
    equal,
    is_number,
    number,
    rank,
    sort_key,
    truthy,
)

__all__ = ["Row", "Params", "Accumulator", "evaluate", "check_expr", "children", "has_aggregate"]

MISSING_PARAM = 5010


class Params:
    """Positional (``args``) and named (``$name``) parameters of a request."""

    def __init__(self, positional: Sequence[Any] = (), named: Optional[Mapping[str, Any]] = None) -> None:
        self.positional = list(positional)
        self.named = {k.lstrip("$"): v for k, v in (named or {}).items()}
        # runs a subquery expression for a row (set by the engine that plans the statement)
        self.subquery: Optional[Callable[[N.Subquery, "Row"], Any]] = None
        # the values a statement's WITH clause names (variables everywhere in the statement)
        self.withs: Dict[str, Any] = {}
        # the request's time: NOW_* functions give this one value throughout the statement
        self.now = time.time()
        # state functions keep for the request (RANDOM(seed)'s generator per call site)
        self.state: Dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        if isinstance(key, int):
            if 1 <= key <= len(self.positional):
                return self.positional[key - 1]
            if str(key) in self.named:  # cbc-n1ql -A '$1=...' sends positional values as "$1" fields
                return self.named[str(key)]
            raise QueryError(MISSING_PARAM, f"No value for positional parameter ${key}.", 500)
        if key in self.named:
            return self.named[key]
        raise QueryError(MISSING_PARAM, f"No value for named parameter ${key}.", 500)


class Row:
    """One binding: ``env`` (alias -> value), ``metas`` (alias -> META()), ``default`` alias,
    ``group`` (rows of the group when aggregating) and ``aliases`` (projection names, for ORDER BY)."""

    __slots__ = ("env", "metas", "default", "group", "aliases", "cache")

    # a META() value, or a callable computing it on first use (see engine: functools.partial)
    def __init__(self, env: Dict[str, Any], metas: Optional[Dict[str, Any]] = None,
                 default: Optional[str] = None) -> None:
        self.env = env
        self.metas = metas or {}
        self.default = default
        self.group: Optional[List["Row"]] = None
        self.aliases: Optional[Dict[str, Any]] = None
        self.cache: Dict[int, Any] = {}


def _field(base: Any, name: str) -> Any:
    if isinstance(base, dict):
        return base.get(name, MISSING)
    return MISSING


def _compare(op: str, a: Any, b: Any) -> Any:
    if a is MISSING or b is MISSING:
        return MISSING
    if a is None or b is None:
        return None
    if op == "=":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if rank(a) != rank(b):
        return None  # ordering across types is not defined outside ORDER BY
    c = collate(a, b)
    return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]


def _arith(op: str, a: Any, b: Any) -> Any:
    if a is MISSING or b is MISSING:
        return MISSING
    if not is_number(a) or not is_number(b):
        return None
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return None
    if op == "/":
        return number(a / b)
    return number(float(a % b)) if isinstance(a, float) or isinstance(b, float) else int(
        abs(a) % abs(b)) * (1 if a >= 0 else -1)


def _logic(op: str, left: N.Expr, right: N.Expr, row: Row, params: Params) -> Any:
    values = []
    for e in (left, right):
        v = evaluate(e, row, params)
        if op == "AND" and v is not MISSING and v is not None and not truthy(v):
            return False
        if op == "OR" and truthy(v):
            return True
        values.append(v)
    if op == "AND":
        if any(v is MISSING for v in values):
            return MISSING
        return None if any(v is None for v in values) else True
    if any(v is None for v in values):
        return None
    return MISSING if any(v is MISSING for v in values) else False


def _aggregate(call: N.Call, row: Row, params: Params) -> Any:
    key = id(call)
    if key in row.cache:
        return row.cache[key]
    group = row.group if row.group is not None else []
    if call.filter is not None:
        condition = call.filter
        group = [r for r in group if truthy(evaluate(condition, r, params))]
    if call.star:
        result: Any = len(group)
    else:
        values = [evaluate(call.args[0], r, params) for r in group]
        values = [v for v in values if v is not MISSING and v is not None]
        if call.distinct:
            seen: Dict[str, Any] = {}
            for v in values:
                seen.setdefault(canonical(v), v)
            values = list(seen.values())
        name = "AVG" if call.name == "MEAN" else call.name
        if name in N.STATISTICS:
            result = statistic(name, [v for v in values if is_number(v)])
        elif name in ("COUNT", "COUNTN"):
            result = len(values) if name == "COUNT" else sum(1 for v in values if is_number(v))
        elif name in ("SUM", "AVG"):
            nums = [v for v in values if is_number(v)]
            if not nums:
                result = None
            else:
                total = sum(nums)
                result = number(total / len(nums)) if name == "AVG" else number(total) if isinstance(
                    total, float) else total
        elif name in ("MIN", "MAX"):
            result = (min if name == "MIN" else max)(values, key=sort_key) if values else None
        else:  # ARRAY_AGG
            result = sorted(values, key=sort_key) if call.distinct else values
            result = result if result else None
    row.cache[key] = result
    return result


class Accumulator:
    """One aggregate call over a group, fed row by row (what :func:`_aggregate` computes from a
    group's rows, without keeping them): only DISTINCT and ARRAY_AGG keep values."""

    __slots__ = ("call", "count", "numbers", "total", "best", "values", "seen")

    def __init__(self, call: N.Call) -> None:
        self.call = call
        self.count = 0  # values counted (rows for COUNT(*))
        self.numbers = 0
        self.total: Any = 0
        self.best: Any = MISSING
        self.values: List[Any] = []
        self.seen: Optional[Dict[str, Any]] = {} if call.distinct else None

    def add(self, row: Row, params: Params) -> None:
        call = self.call
        if call.filter is not None and not truthy(evaluate(call.filter, row, params)):
            return
        if call.star:
            self.count += 1
            return
        v = evaluate(call.args[0], row, params)
        if v is MISSING or v is None:
            return
        if self.seen is not None:
            k = canonical(v)
            if k in self.seen:
                return
            self.seen[k] = v
        name = call.name
        self.count += 1
        if is_number(v):
            self.numbers += 1
            if name in ("SUM", "AVG", "MEAN"):
                self.total += v
            elif name in N.STATISTICS:
                self.values.append(v)
        if name in ("MIN", "MAX"):
            if self.best is MISSING or (sort_key(v) < sort_key(self.best) if name == "MIN"
                                        else sort_key(v) > sort_key(self.best)):
                self.best = v
        elif name == "ARRAY_AGG":
            self.values.append(v)

    def result(self) -> Any:
        call, name = self.call, self.call.name
        if call.star or name == "COUNT":
            return self.count
        if name == "COUNTN":
            return self.numbers
        if name in N.STATISTICS:
            return statistic(name, self.values)
        if name in ("SUM", "AVG", "MEAN"):
            if not self.numbers:
                return None
            total = self.total
            if name != "SUM":
                return number(total / self.numbers)
            return number(total) if isinstance(total, float) else total
        if name in ("MIN", "MAX"):
            return None if self.best is MISSING else self.best
        values = sorted(self.values, key=sort_key) if call.distinct else self.values
        return values if values else None


def statistic(name: str, numbers: List[Any]) -> Any:
    """MEDIAN and the variances and standard deviations of ``numbers``, as the server computes them:
    NULL for none; for one value 0, but NULL for the ``_SAMP`` ones; VARIANCE and STDDEV are the
    sample (n - 1) forms."""
    n = len(numbers)
    if not n:
        return None
    if name == "MEDIAN":
        ordered = sorted(numbers)
        mid = (n - 1) // 2
        return number((ordered[mid] + ordered[mid + 1]) / 2) if n % 2 == 0 else ordered[mid]
    sample = name in ("VAR_SAMP", "VARIANCE_SAMP", "STDDEV_SAMP")
    if n == 1:
        return None if sample else 0
    population = name in ("VAR_POP", "VARIANCE_POP", "STDDEV_POP")
    mean = sum(numbers) / n
    variance = sum((x - mean) ** 2 for x in numbers) / (n if population else n - 1)
    return number(math.sqrt(variance) if name.startswith("STDDEV") else variance)


def _meta(call: N.Call, row: Row, params: Params) -> Any:
    if call.args:
        arg = call.args[0]
        if not isinstance(arg, N.Ident):
            return MISSING
        alias: Optional[str] = arg.name
    else:
        alias = row.default
    if alias is None:
        return MISSING
    meta = row.metas.get(alias, MISSING)
    if callable(meta):  # built on first use: most rows never ask for META()
        meta = row.metas[alias] = meta()
    return meta


Reached = List[Tuple[Any, Any, Any]]  # (container, position or field name, element)


def binding_items(b: N.Binding, value: Any) -> Optional[Reached]:
    """What a ``[name:]var IN | WITHIN expr`` binding reaches in ``value``, as the server's bindings:
    ``IN`` an array's elements (with ``name:`` an object's fields too, by name), ``WITHIN`` every
    descendant of an array or object, depth first, an object's fields in name order. None when it
    reaches nothing it could (not an array, nor an object such a binding reads).

    Args:
        b: The binding.
        value: Its expression's value.

    Returns:
        The ``(container, position or field name, element)`` of each element, or None.
    """
    if b.within:
        if not isinstance(value, (list, dict)):
            return None
        out: Reached = []
        _descendants(value, out)
        return out
    if isinstance(value, list):
        return [(value, i, v) for i, v in enumerate(value)]
    if isinstance(value, dict) and b.name_var is not None:
        return [(value, k, value[k]) for k in sorted(value)]
    return None


def _descendants(value: Any, out: Reached) -> None:
    items = (enumerate(value) if isinstance(value, list)
             else ((k, value[k]) for k in sorted(value)) if isinstance(value, dict) else ())
    for at, child in items:
        out.append((value, at, child))
        _descendants(child, out)


def _iterate(e: Any, row: Row, params: Params) -> Any:
    """ANY/EVERY ... SATISFIES and ARRAY/FIRST/OBJECT ... FOR: the bindings run in step (to the
    shortest); a MISSING binding gives MISSING, one that reaches nothing NULL."""
    reached: List[Tuple[N.Binding, Reached]] = []
    null = False
    for b in e.bindings:
        v = evaluate(b.expr, row, params)
        if v is MISSING:
            return MISSING
        items = binding_items(b, v)
        if items is None:
            null = True
        else:
            reached.append((b, items))
    if null:
        return None
    collection = isinstance(e, N.Collection)
    matched = 0
    out: Any = {} if not collection and e.kind == "OBJECT" else []
    n = min(len(items) for _b, items in reached) if reached else 0
    for i in range(n):
        env = dict(row.env)
        for b, items in reached:
            _container, at, element = items[i]
            env[b.var] = element
            if b.name_var is not None:
                env[b.name_var] = at
        scoped = Row(env, row.metas, row.default)
        if collection:
            ok = truthy(evaluate(e.satisfies, scoped, params))
            if ok and e.quantifier == "ANY":
                return True
            if not ok and e.quantifier != "ANY":
                return False
            matched += ok
            continue
        if e.when is not None and not truthy(evaluate(e.when, scoped, params)):
            continue
        v = evaluate(e.value, scoped, params)
        if e.kind == "FIRST":
            if v is not MISSING:
                return v
        elif e.kind == "OBJECT":
            k = evaluate(e.key, scoped, params)
            if isinstance(k, str) and v is not MISSING:
                out[k] = v
        elif v is not MISSING:
            out.append(v)
    if collection:
        return e.quantifier == "EVERY" or (e.quantifier == "ANY_EVERY" and n > 0)
    return MISSING if e.kind == "FIRST" else out


def evaluate(e: N.Expr, row: Row, params: Params) -> Any:
    """The value of ``e`` for ``row`` (a JSON value or MISSING)."""
    t = type(e)
    if t is N.Field:
        return _field(evaluate(e.base, row, params), e.name)  # type: ignore[attr-defined]
    if t is N.Ident:
        name = e.name  # type: ignore[attr-defined]
        if row.aliases is not None and name in row.aliases:
            return row.aliases[name]
        if name in row.env:
            return row.env[name]
        if params.withs and name in params.withs:
            return params.withs[name]
        if row.default is not None:
            return _field(row.env.get(row.default), name)
        return MISSING
    if t is N.Lit:
        return e.value  # type: ignore[attr-defined]
    if t is N.Binary:
        op, left, right = e.op, e.left, e.right  # type: ignore[attr-defined]
        if op in ("AND", "OR"):
            return _logic(op, left, right, row, params)
        a = evaluate(left, row, params)
        b = evaluate(right, row, params)
        if op in ("=", "!=", "<", "<=", ">", ">="):
            return _compare(op, a, b)
        if op in ("+", "-", "*", "/", "%"):
            return _arith(op, a, b)
        if a is MISSING or b is MISSING:
            return MISSING
        if op == "||":
            return a + b if isinstance(a, str) and isinstance(b, str) else None
        if op == "LIKE":
            if not isinstance(a, str) or not isinstance(b, str):
                return None
            return like_regex(b).fullmatch(a) is not None
        if op == "IN":
            if a is None or not isinstance(b, list):
                return None
            return any(equal(a, x) for x in b)
        raise QueryError(5000, f"unknown operator {op}")
    if t is N.Param:
        return params.get(e.key)  # type: ignore[attr-defined]
    if t is N.Unary:
        v = evaluate(e.operand, row, params)  # type: ignore[attr-defined]
        if v is MISSING or v is None:
            return v
        if e.op == "NOT":  # type: ignore[attr-defined]
            return not truthy(v)
        return -v if is_number(v) else None
    if t is N.Index:
        base = evaluate(e.base, row, params)  # type: ignore[attr-defined]
        idx = evaluate(e.index, row, params)  # type: ignore[attr-defined]
        if isinstance(base, list) and is_number(idx):
            i = int(idx)
            if i < 0:
                i += len(base)
            return base[i] if 0 <= i < len(base) else MISSING
        if isinstance(base, dict) and isinstance(idx, str):
            return base.get(idx, MISSING)
        return MISSING
    if t is N.Between:
        v = evaluate(e.operand, row, params)  # type: ignore[attr-defined]
        lo = _compare(">=", v, evaluate(e.low, row, params))  # type: ignore[attr-defined]
        hi = _compare("<=", v, evaluate(e.high, row, params))  # type: ignore[attr-defined]
        if lo is False or hi is False:
            return False
        if lo is MISSING or hi is MISSING:
            return MISSING
        if lo is None or hi is None:
            return None
        return True
    if t is N.Is:
        v = evaluate(e.operand, row, params)  # type: ignore[attr-defined]
        what = e.what  # type: ignore[attr-defined]
        if what == "MISSING":
            result = v is MISSING
        elif what == "NULL":
            if v is MISSING:
                return MISSING
            result = v is None
        else:
            result = v is not MISSING and v is not None
        return (not result) if e.negated else result  # type: ignore[attr-defined]
    if t is N.Call:
        call: N.Call = e  # type: ignore[assignment]
        if call.window is not None:  # computed over the result before projection (engine: window.py)
            return row.cache.get(id(call), MISSING)
        if call.is_aggregate:
            return _aggregate(call, row, params)
        if call.name == "META":
            return _meta(call, row, params)
        fn = (FUNCTIONS.get(call.name) or ANALYTICS_FUNCTIONS[call.name])[2]
        if isinstance(fn, RequestBound):
            return fn.at(params, call, [evaluate(a, row, params) for a in call.args])
        return fn([evaluate(a, row, params) for a in call.args])
    if t is N.ArrayLit:
        return [v for v in (evaluate(x, row, params) for x in e.items) if v is not MISSING]  # type: ignore
    if t is N.ObjectLit:
        out: Dict[str, Any] = {}
        for k, ve in e.pairs:  # type: ignore[attr-defined]
            key = evaluate(k, row, params)
            if not isinstance(key, str):
                if key is MISSING or key is None:
                    continue
                raise QueryError(5000, "Object member name must be a string")
            v = evaluate(ve, row, params)
            if v is not MISSING:
                out[key] = v
        return out
    if t is N.Case:
        case: N.Case = e  # type: ignore[assignment]
        subject = evaluate(case.operand, row, params) if case.operand is not None else MISSING
        for cond, then in case.whens:
            c = evaluate(cond, row, params)
            if (case.operand is None and c is True) or (case.operand is not None and equal(subject, c)):
                return evaluate(then, row, params)
        return evaluate(case.default, row, params) if case.default is not None else None
    if t is N.Collection or t is N.Comprehension:
        return _iterate(e, row, params)
    if t is N.Subquery:
        if params.subquery is None:
            raise QueryError(5000, "subquery evaluated outside a statement")
        return params.subquery(e, row)  # type: ignore[arg-type]
    if t is N.Exists:
        v = evaluate(e.operand, row, params)  # type: ignore[attr-defined]
        if isinstance(v, list):
            return len(v) > 0
        return MISSING if v is MISSING else None
    raise QueryError(5000, f"cannot evaluate {type(e).__name__}")


def children(e: N.Expr) -> List[N.Expr]:
    """Direct sub-expressions of ``e`` (a subquery's are its own scope: none here)."""
    if isinstance(e, (N.Field,)):
        return [e.base]
    if isinstance(e, N.Index):
        return [e.base, e.index]
    if isinstance(e, N.Binary):
        return [e.left, e.right]
    if isinstance(e, N.Unary):
        return [e.operand]
    if isinstance(e, N.Between):
        return [e.operand, e.low, e.high]
    if isinstance(e, (N.Is, N.Exists)):
        return [e.operand]
    if isinstance(e, N.Collection):
        return [b.expr for b in e.bindings] + [e.satisfies]
    if isinstance(e, N.Comprehension):
        out = [b.expr for b in e.bindings] + [e.value]
        return out + [x for x in (e.when, e.key) if x is not None]
    if isinstance(e, N.Call):
        out = list(e.args) + ([e.filter] if e.filter is not None else [])
        w = e.window
        if w is not None:
            out += list(w.partition) + [x for x, _desc in w.order]
            out += [b.value for b in (w.start, w.end) if b is not None and b.value is not None]
        return out
    if isinstance(e, N.ArrayLit):
        return list(e.items)
    if isinstance(e, N.ObjectLit):
        return [x for pair in e.pairs for x in pair]
    if isinstance(e, N.Case):
        out = [e.operand] if e.operand is not None else []
        out += [x for pair in e.whens for x in pair]
        return out + ([e.default] if e.default is not None else [])
    return []


def check_expr(e: Optional[N.Expr], aggregates_allowed: bool, analytics: bool = False) -> None:
    """Reject unknown functions, wrong argument counts and misplaced aggregates (planning errors);
    ``analytics``: the analytics service's own functions (RANGE, SLEEP) are known too."""
    if e is None:
        return
    if isinstance(e, N.Call):
        if e.window is not None or e.name in N.WINDOW_FUNCTIONS:
            check_window(e, aggregates_allowed)
            for c in children(e):
                check_expr(c, aggregates_allowed, analytics)
            return
        if e.filter is not None and not e.is_aggregate:
            raise QueryError(3220, f"{e.name} window function FILTER clause is not allowed.", 400)
        if e.is_aggregate:
            if not aggregates_allowed:
                raise QueryError(3000, f"Aggregate function {e.name} is not allowed here.", 400)
            if not e.star and len(e.args) != 1:
                raise QueryError(3000, f"Incorrect number of arguments to function {e.name.lower()}.", 400)
            for a in e.args:
                check_expr(a, False, analytics)
            return
        if e.name == "META":
            if len(e.args) > 1:
                raise QueryError(3000, "Incorrect number of arguments to function meta.", 400)
            return
        spec = FUNCTIONS.get(e.name) or (ANALYTICS_FUNCTIONS.get(e.name) if analytics else None)
        if spec is None:
            raise QueryError(3000, f"Invalid function {e.name.lower()}.", 400)
        lo, hi, _fn = spec
        if len(e.args) < lo or (hi is not None and len(e.args) > hi):
            raise QueryError(3000, arg_count_message(e.name.lower(), lo, hi), 400)
    for c in children(e):
        check_expr(c, aggregates_allowed, analytics)


# window function -> (min, max arguments, ORDER BY required, frame allowed, NULLS allowed)
_WINDOW_RULES: Dict[str, Tuple[int, int, bool, bool, bool]] = {
    "ROW_NUMBER": (0, 0, False, False, False), "RANK": (0, 0, True, False, False),
    "DENSE_RANK": (0, 0, True, False, False), "PERCENT_RANK": (0, 0, True, False, False),
    "CUME_DIST": (0, 0, True, False, False), "NTILE": (1, 1, True, False, False),
    "LAG": (1, 3, True, False, True), "LEAD": (1, 3, True, False, True),
    "FIRST_VALUE": (1, 1, False, True, True), "LAST_VALUE": (1, 1, False, True, True),
    "NTH_VALUE": (2, 2, False, True, True), "RATIO_TO_REPORT": (1, 1, False, True, False),
}


def check_window(e: N.Call, allowed: bool) -> None:
    """The server's semantic checks of a window function (3220), where only a SELECT's projection and
    ORDER BY may have one."""
    name = e.name
    if not allowed:
        raise QueryError(3000, f"Window function {name} is not allowed here.", 400)
    w = e.window
    if w is None:
        raise QueryError(3220, f"{name} window function Requires OVER clause", 400)
    if name in N.AGGREGATES:
        lo, hi, needs_order, frame_ok, nulls_ok = (0 if e.star else 1, 1, False, True, False)
    else:
        lo, hi, needs_order, frame_ok, nulls_ok = _WINDOW_RULES[name]
        if e.distinct:
            raise QueryError(3220, f"{name} window function DISTINCT is not allowed.", 400)
    if not lo <= len(e.args) <= hi:
        raise QueryError(3000, f"Incorrect number of arguments to function {name.lower()}.", 400)
    if e.ignore_nulls and not nulls_ok:
        raise QueryError(3220, f"{name} window function NULLS clause is not allowed.", 400)
    if e.from_last and name != "NTH_VALUE":
        raise QueryError(3220, f"{name} window function FROM clause is not allowed.", 400)
    if w.unit is not None and not w.order:
        raise QueryError(3220, f"{name} window function window frame is not allowed without ORDER BY.", 400)
    if needs_order and not w.order:
        raise QueryError(3220, f"{name} window function ORDER BY clause is required.", 400)
    if w.unit is not None and not frame_ok:
        raise QueryError(3220, f"{name} window function window frame is not allowed.", 400)
    if w.unit == "RANGE" and len(w.order) > 1 and any(
            b is not None and b.kind in ("PRECEDING", "FOLLOWING") for b in (w.start, w.end)):
        raise QueryError(3220, f"{name} window function multiple ORDER BY terms are not allowed.", 400)


def has_aggregate(e: Optional[N.Expr]) -> bool:
    """Whether ``e`` contains an aggregate call."""
    if e is None:
        return False
    if isinstance(e, N.Call) and e.is_aggregate:
        return True
    return any(has_aggregate(c) for c in children(e))
