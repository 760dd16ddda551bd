"""Common table expressions: ``WITH [RECURSIVE] name AS (...), ... SELECT ...``, at the top of a
statement, in a subquery or in ``INSERT ... SELECT``, as Couchbase Server 7.6 does them.

Each name's value is computed once per run of the select that carries the clause, in order (a later
one may read an earlier one), and is a variable in that select and its subqueries.

Under ``WITH RECURSIVE`` a term whose query is ``anchor UNION [ALL] recursive``, where the last arm
reads the name as a FROM term, is computed as the server's With operator does: the anchor's results
are the first level; the recursive arm then runs with the name bound to the previous level's new
results, until a level adds none. ``UNION`` drops results seen before, ``CYCLE expr, ... RESTRICT``
drops those whose cycle fields were seen before; ``OPTIONS {"levels": n, "documents": n}`` stop after
level ``n`` or once more than ``n`` results are in (keeping ``n``). Without them the server's implicit
limits apply (no request memory quota in the mock): 100 levels, 10000 documents, each with a warning
(3306, 3305). The server's refusals: 3301 (the anchor reads the name), 3302 (the recursive arm reads it
twice), 3304 (NEST or UNNEST in either arm, an OUTER JOIN in the clause), 3300 (ORDER BY, LIMIT,
OFFSET, GROUP BY, DISTINCT or aggregates in a recursive WITH clause), 3303 (an unknown option), 3307 (a
cycle field that is not a path).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, FrozenSet, List, Optional, Sequence, Set, Tuple, Union

from couchbase_mock.query import nodes as N
from couchbase_mock.query.errors import DUPLICATE_ALIAS, QueryError
from couchbase_mock.query.evaluator import Row, check_expr, children, evaluate
from couchbase_mock.query.from_clause import SelectPlan
from couchbase_mock.query.values import MISSING, canonical

if TYPE_CHECKING:  # pragma: no cover
    from couchbase_mock.query.engine import Execution, Options, QueryService

__all__ = ["WithPlan", "plan_withs", "rows_with", "compute_withs"]

RECURSIVE_SEMANTIC = 3300
ANCHOR_RECURSIVE_REF = 3301
MORE_THAN_ONE_RECURSIVE_REF = 3302
CONFIG_INVALID_OPTION = 3303
RECURSION_UNSUPPORTED = 3304
IMPLICIT_DOC_LIMIT = 3305
IMPLICIT_DEPTH_LIMIT = 3306
CYCLE_FIELDS_INVALID = 3307
EXECUTION_INTERNAL = 5002
MAX_IMPLICIT_LEVELS = 100
MAX_IMPLICIT_DOCS = 10000
_ITEM = "\x00item"  # the Row name of a result whose cycle fields are evaluated


@dataclass
class WithPlan:
    """One planned WITH term: ``value`` (an expression or a query; for a recursive term its anchor)
    and, for a recursive term, the ``recursive`` arm."""

    name: str
    value: Union[N.Expr, SelectPlan]
    recursive: Optional[SelectPlan] = None
    union: bool = False  # UNION (not ALL): no result twice
    cycle: List[N.Expr] = field(default_factory=list)
    options: Optional[N.Expr] = None

    def plans(self) -> List[SelectPlan]:
        """Its query plans (for the subqueries they hold)."""
        out = [self.value] if isinstance(self.value, SelectPlan) else []
        return out + ([self.recursive] if self.recursive is not None else [])


def plan_withs(service: "QueryService", sel: N.Select, opts: "Options", outer: FrozenSet[str]
               ) -> Tuple[List[WithPlan], bool]:
    """Plan the WITH clause of ``sel``; its names join ``opts.withs`` (the caller restores them once
    ``sel`` is planned).

    Args:
        service: The query service (plans the queries).
        sel: The full select carrying the clause.
        opts: The request's options.
        outer: The names the enclosing queries bind.

    Returns:
        (plans, correlated): the terms' plans, and whether one reads the enclosing query's names.

    Raises:
        QueryError: 4020 for a name bound twice (or bound by an enclosing query), and the recursive
            WITH errors of the module.
    """
    out: List[WithPlan] = []
    correlated = False
    for term in sel.withs:
        if term.name in opts.withs or term.name in outer:  # the server's formalizer: 4020, not 3081
            raise QueryError(DUPLICATE_ALIAS, f"Duplicate WITH clause alias '{term.name}'", 500)
        anchor, recursive, union = _split(term) if sel.recursive else (term.value, None, False)
        if sel.recursive:
            for part in (anchor, recursive):
                if isinstance(part, N.Select):
                    _check_recursive_semantics(part)
            for e, text in zip(term.cycle, term.cycle_text):
                if not isinstance(e, (N.Ident, N.Field)):
                    raise QueryError(CYCLE_FIELDS_INVALID, "Cycle fields validation failed for with term: "
                                     f"{term.name} - cause: invalid cycle field expression term: "
                                     f"{text} only identifier/path expressions are allowed", 400)
        if isinstance(anchor, N.Select):
            anchor_plan = service._select_plan(anchor, opts, outer)
            correlated = correlated or anchor_plan.correlated
            value: Union[N.Expr, SelectPlan] = anchor_plan
        else:
            check_expr(anchor, False)
            value = anchor
            correlated = correlated or bool(_names(anchor) & outer)
        plan = WithPlan(term.name, value, union=union, cycle=term.cycle, options=term.options)
        opts.withs = opts.withs | {term.name}
        if recursive is not None:
            plan.recursive = service._select_plan(recursive, opts, outer)
            correlated = correlated or plan.recursive.correlated
        out.append(plan)
    return out, correlated


def rows_with(service: "QueryService", plan: SelectPlan, ex: "Execution", outer: Optional[Row]) -> List[Any]:
    """The rows of a select with a WITH clause: its names are bound while they are computed (all of
    them, so that no enclosing query reads the names between two rows), then unbound again.

    Args:
        service: The query service (runs the queries).
        plan: The select's plan.
        ex: The execution.
        outer: The enclosing query's row, for a correlated subquery.

    Returns:
        The select's results.

    Raises:
        QueryError: As running the select does.
    """
    bound = ex.opts.params.withs
    saved = {w.name: bound[w.name] for w in plan.withs if w.name in bound}
    try:
        compute_withs(service, plan.withs, ex, outer)
        return list(service._select_rows(plan, ex, outer, with_bound=True))
    finally:
        for w in plan.withs:
            bound.pop(w.name, None)
        bound.update(saved)


def compute_withs(service: "QueryService", withs: List[WithPlan], ex: "Execution",
                  outer: Optional[Row]) -> None:
    """Bind each term's value in ``ex``'s parameters, in order.

    Args:
        service: The query service (runs the queries).
        withs: The planned terms.
        ex: The execution (its parameters hold the values; warnings go to it).
        outer: The enclosing query's row, for a WITH clause in a correlated subquery.

    Raises:
        QueryError: 3303 or 5002 for bad OPTIONS.
    """
    params = ex.opts.params
    row = outer or Row({})
    for w in withs:
        if isinstance(w.value, SelectPlan):
            value: Any = list(service._select_rows(w.value, ex, outer))
        else:
            value = evaluate(w.value, row, params)
        params.withs[w.name] = value
        if w.recursive is not None:
            params.withs[w.name] = _recurse(service, w, value, ex, outer)


def _recurse(service: "QueryService", w: WithPlan, anchor: List[Any], ex: "Execution",
             outer: Optional[Row]) -> List[Any]:
    """The server's recursive evaluation loop (levels, documents, UNION and CYCLE filtering)."""
    assert w.recursive is not None
    params = ex.opts.params
    levels, documents = _options(w, ex)
    implicit_levels = MAX_IMPLICIT_LEVELS if levels < 0 else -1
    implicit_docs = MAX_IMPLICIT_DOCS if documents < 0 else -1
    seen: Set[str] = set()
    cycles: Set[str] = set()
    work = _restrict(anchor, w, seen, cycles, params)
    final: List[Any] = []
    level = docs = 0
    while work:
        ex.check()
        if levels > -1 and level > levels:
            break
        if implicit_levels > -1 and level > implicit_levels:
            ex.warnings.append(QueryError(IMPLICIT_DEPTH_LIMIT, f"Recursive WITH '{w.name}' stopped at "
                                          f"{implicit_levels} level as no explicit level limit or memory "
                                          "quota set", 200))
            break
        if documents > -1 and docs > documents:
            final = final[:documents]
            break
        if implicit_docs > -1 and docs > implicit_docs:
            final = final[:implicit_docs]
            ex.warnings.append(QueryError(IMPLICIT_DOC_LIMIT, f"Recursive WITH '{w.name}' limited to "
                                          f"{implicit_docs} documents as no explicit document count limit "
                                          "or memory quota set", 200))
            break
        final += work
        docs += len(work)
        level += 1
        if level > 1:  # the first recursive run reads the anchor as it came, as the server's
            params.withs[w.name] = work
        work = _restrict(list(service._select_rows(w.recursive, ex, outer)), w, seen, cycles, params)
    return final


def _options(w: WithPlan, ex: "Execution") -> Tuple[int, int]:
    """``(levels, documents)`` of the term's OPTIONS (-1: not given), checked as the server does."""
    levels = documents = -1
    if w.options is None:
        return levels, documents
    config = evaluate(w.options, Row({}), ex.opts.params)
    for name, v in config.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise QueryError(EXECUTION_INTERNAL, f"Configuration options must be numeric ('{name}' is "
                             f"{_type_name(v)})", 500)
        if name == "levels":
            levels = int(v)
        elif name == "documents":
            documents = int(v)
        else:
            raise QueryError(CONFIG_INVALID_OPTION, f"Invalid config option {name}", 500,
                             {"invalid_option": name})
    return levels, documents


def _restrict(items: List[Any], w: WithPlan, seen: Set[str], cycles: Set[str], params: Any) -> List[Any]:
    """``items`` without those seen before (UNION) and those whose cycle fields were seen before."""
    if not w.union and not w.cycle:
        return items
    out = []
    for item in items:
        keep = True
        if w.union:
            k = canonical(item)
            keep = k not in seen
            seen.add(k)
        if w.cycle and keep:
            row = Row({_ITEM: item}, {}, _ITEM)
            hop = {}
            for e in w.cycle:
                v = evaluate(e, row, params)
                if v is not MISSING:
                    hop[_key(e)] = v
            k = canonical(hop)
            keep = k not in cycles
            cycles.add(k)
        if keep:
            out.append(item)
    return out


def _split(term: N.WithTerm) -> Tuple[Union[N.Expr, N.Select], Optional[N.Select], bool]:
    """The server's split of a recursive term: ``(anchor, recursive arm, UNION without ALL)``, or the
    value unsplit (``recursive`` None) when it is not ``... UNION [ALL] select`` whose last arm reads
    the name."""
    v = term.value
    if not isinstance(v, N.Select) or not v.set_ops or v.set_ops[-1][0] != "UNION":
        return v, None, False
    _op, every, last = v.set_ops[-1]
    anchor = dataclasses.replace(v, set_ops=v.set_ops[:-1], order_by=[], limit=None, offset=None)
    if _references(term.name, anchor):
        raise QueryError(ANCHOR_RECURSIVE_REF, "Anchor Clause cannot have recursive reference in FROM "
                         f"expression: {term.name}", 400)
    if not _references(term.name, last):
        return v, None, False
    if v.order_by or v.limit is not None or v.offset is not None:
        raise QueryError(RECURSIVE_SEMANTIC, "recursive_with semantics: Order/Limit/Offset not allowed", 400)
    return anchor, last, not every


def _references(name: str, sel: N.Select) -> bool:
    """Whether the FROM clauses of ``sel`` (and of its set-operation arms, not of its subqueries) read
    ``name``; twice is 3302, a NEST or UNNEST 3304 (the server's recursion check)."""
    return _count_references(name, sel) > 0


def _count_references(name: str, sel: N.Select) -> int:
    count = 0
    terms: List[Any] = [sel.keyspace if sel.keyspace is not None else sel.from_expr]
    for j in sel.joins:
        if j.op in ("NEST", "UNNEST"):
            raise QueryError(RECURSION_UNSUPPORTED, f"recursive_with_unsupported: {j.op}", 400)
        t = j.term
        terms.append(t.ref if isinstance(t, N.KeyspaceTerm)
                     else t.expr if isinstance(t, N.ExprTerm) else None)
    for t in terms:
        if (isinstance(t, N.Ident) and t.name == name) or (
                isinstance(t, N.KeyspaceRef) and t.namespace is None and t.parts == [name]):
            count += 1
    for _op, _every, term in sel.set_ops:
        count += _count_references(name, term)
    if count > 1:
        raise QueryError(MORE_THAN_ONE_RECURSIVE_REF, f"Recursive reference '{name}' must not appear more "
                         "than once in the FROM clause", 400)
    return count


def _check_recursive_semantics(sel: N.Select) -> None:
    """What the server refuses in a WITH RECURSIVE clause's queries (3300), subqueries included."""
    if sel.from_subquery is not None:
        _check_recursive_semantics(sel.from_subquery)
    for j in sel.joins:
        if isinstance(j.term, N.SubqueryTerm):
            _check_recursive_semantics(j.term.select)
        if j.op == "JOIN" and j.outer:  # it could make the recursion endless
            raise QueryError(RECURSION_UNSUPPORTED, "recursive_with_unsupported: OUTER JOIN", 400)
    _check_exprs([e for _n, e in sel.let] + [sel.where], aggregates=False)
    if sel.group_by or sel.letting:
        raise _semantic("Grouping is not allowed")
    if sel.distinct:
        raise _semantic("Distinct not allowed")
    _check_exprs([t.expr for t in sel.projection], aggregates=True)
    for _op, _every, term in sel.set_ops:
        _check_recursive_semantics(term)
    if sel.order_by:
        raise _semantic("Order not allowed")
    if sel.offset is not None:
        raise _semantic("Offset not allowed")
    if sel.limit is not None:
        raise _semantic("Limit not allowed")


def _check_exprs(exprs: Sequence[Optional[N.Expr]], aggregates: bool) -> None:
    for e in exprs:
        if e is None:
            continue
        if isinstance(e, N.Subquery):
            _check_recursive_semantics(e.select)
            continue
        if aggregates and isinstance(e, N.Call) and (e.window is not None or e.name in N.AGGREGATES):
            raise _semantic("Aggregates/Window functions are not allowed")
        _check_exprs(list(children(e)), aggregates)


def _semantic(cause: str) -> QueryError:
    return QueryError(RECURSIVE_SEMANTIC, f"recursive_with semantics: {cause}", 400)


def _names(e: N.Expr) -> Set[str]:
    out: Set[str] = set()

    def walk(x: N.Expr) -> None:
        if isinstance(x, N.Ident):
            out.add(x.name)
        for c in children(x):
            walk(c)

    walk(e)
    return out


def _key(e: N.Expr) -> str:
    """A cycle field's name in the tracked value (its path)."""
    if isinstance(e, N.Field):
        return f"{_key(e.base)}.{e.name}"
    return e.name if isinstance(e, N.Ident) else repr(e)


def _type_name(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return "missing" if v is MISSING else "number"
