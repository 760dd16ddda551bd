"""Named windows: ``f(...) OVER w`` and ``OVER (w ORDER BY ...)`` with ``WINDOW w AS (...), ...``.

As the server's rewrite phase, a window call that names a window gets that window's PARTITION BY,
ORDER BY and frame (following a chain of windows that build on earlier ones), once the statement is
parsed; the evaluation then sees ordinary windows. The server's refusals are error 6500 with its
words: a name defined twice, a name not defined (or used under UNION / INTERSECT / EXCEPT, where a
subselect's WINDOW clause is out of scope), a window that redefines what the named one has (its
partitioning, its ordering, or a frame when the named one has one and the reference is not bare), and
a named window with only a frame.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from couchbase_mock.query import nodes as N
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.window import window_calls

__all__ = ["check_frame", "resolve_windows"]

REWRITE = 6500  # the server's E_REWRITE: the window clause is checked in its rewrite phase
WINDOW_SEMANTIC = 3220

Terms = List[Tuple[str, N.Window]]


def check_frame(w: N.Window, name: str) -> None:
    """The server's frame rules (3220): UNBOUNDED FOLLOWING cannot start it nor UNBOUNDED PRECEDING end
    it; an end that PRECEDES needs a start that does too, a start that FOLLOWS an end that does too."""
    if w.start is None or w.end is None:
        return
    start, end = w.start.kind, w.end.kind
    bad = (start == "UNBOUNDED FOLLOWING" or end == "UNBOUNDED PRECEDING"
           or (end == "PRECEDING" and start not in ("PRECEDING", "UNBOUNDED PRECEDING"))
           or (start == "FOLLOWING" and end not in ("FOLLOWING", "UNBOUNDED FOLLOWING")))
    if bad:
        raise QueryError(WINDOW_SEMANTIC, f"{name} window function invalid window frame.", 400)


def resolve_windows(sel: N.Select) -> None:
    """Fill in the named windows of ``sel``'s window calls (its projection and ORDER BY; a subquery
    resolves its own) from its WINDOW clause.

    Args:
        sel: A parsed full SELECT (its first subselect holds the WINDOW clause).

    Raises:
        QueryError: 6500 for the server's rewrite errors, 3220 for an invalid inherited frame.
    """
    terms: Optional[Terms] = sel.windows if not sel.set_ops else None
    if terms:
        _validate_terms(terms)
    exprs: List[Optional[N.Expr]] = [t.expr for t in sel.projection] + [e for e, _d in sel.order_by]
    for _op, _all, arm in sel.set_ops:  # under a set operation no WINDOW clause is in scope
        exprs += [t.expr for t in arm.projection]
    for call in window_calls(exprs):
        w = call.window
        assert w is not None
        if w.ref is None:
            continue
        _inherit(w, terms or [])
        check_frame(w, call.name)


def _error(msg: str) -> QueryError:
    return QueryError(REWRITE, msg, 500)


def _validate_terms(terms: Terms) -> None:
    seen = set()
    for i, (name, w) in enumerate(terms):
        if name in seen:
            raise _error(f"Duplicate window clause alias {name}.")
        seen.add(name)
        if w.ref is None and not w.partition and not w.order and w.unit is not None:
            raise _error(f"Only window frame clause is not allowed in named window: {name}")
        _validate_chain(w, terms, i)


def _validate_chain(w: N.Window, terms: Terms, start: int) -> None:
    """The windows ``w`` builds on, looked up from ``terms[start]`` back to the first: each one found
    must not have what the one naming it redefines."""
    ref, bare = w.ref, w.bare
    if ref is None:
        return
    current = w
    for i in range(start, -1, -1):
        name, named = terms[i]
        if name != ref:
            continue
        what = ("partitioning" if current.partition else "ordering" if current.order and named.order
                else "framing" if not bare and named.unit is not None else "")
        if what:
            raise _error(f"Window {name} shall not have a window {what} clause")
        if named.ref is None:
            return
        current, ref, bare = named, named.ref, False
    raise _error(f"Window {ref} not in the scope of window clause")


def _inherit(w: N.Window, terms: Terms) -> None:
    _validate_chain(w, terms, len(terms) - 1)
    ref = w.ref
    for name, named in reversed(terms):
        if name != ref:
            continue
        if named.partition:
            w.partition = list(named.partition)
        if named.order:
            w.order = list(named.order)
        if named.unit is not None:
            w.unit, w.start, w.end, w.exclude = named.unit, named.start, named.end, named.exclude
        if named.ref is None:
            break
        ref = named.ref
    w.ref, w.bare = None, False

