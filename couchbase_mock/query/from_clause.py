"""The FROM clause beyond one term: ANSI JOIN / NEST, lookup JOIN / NEST (ON KEYS), UNNEST, and the
scoping rules of subqueries (correlation, ambiguous names).

The engine plans a SELECT into a :class:`SelectPlan` (resolved keyspaces, the strategy of each join
step) and runs it; this module holds the plan types, the analysis of ON clauses and the row
generators of the join steps. Left-hand rows always stream: a step reads one left row at a time.
Key lookups (``META(r).id = ...``, ``ON KEYS``, ``USE KEYS``) read documents per left row; otherwise
a right-hand keyspace or subquery is read once per execution and held (the mock has no index to
look rows up in), in a hash table when the ON clause equates a right-only with a left-only
expression (what a server hash join builds), else as a list the nested loop walks for each left
row. An expression term is evaluated per left row, and so is a lateral subquery term (one reading an
alias bound before it, with or without ``LATERAL``, or a name of the enclosing query). A
comma-separated term (``FROM a, b``) is an inner join whose condition is the WHERE clause: its
conjuncts over that term and the earlier ones choose the strategy (never a primary join: the server
looks for one only in an ON clause), and WHERE filters the joined rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Optional,
    Set,
    Tuple,
)

from couchbase_mock.query import nodes as N
from couchbase_mock.query.errors import AMBIGUOUS_REFERENCE, QueryError
from couchbase_mock.query.evaluator import Params, Row, children, evaluate
from couchbase_mock.query.values import MISSING, canonical, is_number, truthy

if TYPE_CHECKING:  # pragma: no cover
    from couchbase_mock.query.cte import WithPlan

__all__ = ["TermPlan", "StepPlan", "SelectPlan", "conjuncts", "refs", "equi_keys", "comma_condition",
           "primary_key_expr", "select_exprs", "bound_aliases", "free_names", "let_names", "check_ambiguous",
           "join_rows", "with_binding",
           "hash_key"]

# (value, META() or a callable building it, or None) of one right-hand item
Item = Tuple[Any, Any]


@dataclass
class TermPlan:
    """A resolved FROM term: ``kind`` is keyspace, subquery or expr."""

    kind: str
    alias: str
    term: Optional[N.FromTerm] = None
    ks: Any = None  # the Keyspace of a keyspace term
    sub: Optional["SelectPlan"] = None  # the plan of a subquery term


@dataclass
class StepPlan:
    """One JOIN / NEST / UNNEST step and how its right-hand side is matched."""

    join: N.Join
    term: Optional[TermPlan] = None
    hash_keys: Optional[Tuple[N.Expr, N.Expr]] = None  # (right-only expr, left-only expr) of an equality
    primary_key: Optional[N.Expr] = None  # left-only expr equal to META(right).id
    held: Optional[List[Any]] = None  # the right-hand items, once read
    # a subquery term reading an earlier alias (or the enclosing query's): run for each left row
    lateral: bool = False
    condition: Optional[N.Expr] = None  # the ON clause, or a comma term's WHERE conjuncts


@dataclass
class SelectPlan:
    """A planned SELECT: its first term, join steps, the aliases it binds (FROM order) and the
    default alias unqualified names resolve against (only with exactly one term)."""

    sel: N.Select
    first: Optional[TermPlan] = None
    steps: List[StepPlan] = field(default_factory=list)
    aliases: List[str] = field(default_factory=list)
    default: Optional[str] = None
    correlated: bool = False
    subqueries: List[Tuple[N.Subquery, "SelectPlan"]] = field(default_factory=list)  # in expressions
    # a correlated subquery's WHERE equality (own expr, outer expr): its keyspace is read once into a
    # hash table (what the secondary index it requires serves), probed with each outer row
    probe: Optional[Tuple[N.Expr, N.Expr]] = None
    table: Optional[Dict[Optional[str], List[Item]]] = None
    # the further subselects of a UNION / INTERSECT / EXCEPT: (operator, ALL, plan)
    set_ops: List[Tuple[str, bool, "SelectPlan"]] = field(default_factory=list)
    withs: List["WithPlan"] = field(default_factory=list)  # its WITH clause


# ----------------------------------------------------------------------------- analysis


def conjuncts(e: Optional[N.Expr]) -> List[N.Expr]:
    """The terms of a top-level AND chain."""
    if e is None:
        return []
    if isinstance(e, N.Binary) and e.op == "AND":
        return conjuncts(e.left) + conjuncts(e.right)
    return [e]


def refs(e: N.Expr) -> Set[str]:
    """Names ``e`` reads from its row (the first step of each path), subqueries' free names included."""
    out: Set[str] = set()
    _walk_names(e, out, into_subqueries=True)
    return out


def _walk_names(e: Optional[N.Expr], out: Set[str], into_subqueries: bool) -> None:
    if e is None:
        return
    if isinstance(e, N.Ident):
        out.add(e.name)
        return
    if isinstance(e, N.Subquery):
        if into_subqueries:
            out |= free_names(e.select)
        return
    if isinstance(e, (N.Collection, N.Comprehension)):
        # the binding variables are names of the body only
        bound = {v for b in e.bindings for v in (b.var, b.name_var) if v is not None}
        for b in e.bindings:
            _walk_names(b.expr, out, into_subqueries)
        body: Set[str] = set()
        for c in children(e)[len(e.bindings):]:
            _walk_names(c, body, into_subqueries)
        out |= body - bound
        return
    for c in children(e):
        _walk_names(c, out, into_subqueries)


def select_exprs(sel: N.Select) -> List[Optional[N.Expr]]:
    """Every expression of a SELECT that is evaluated over its rows (not its FROM subqueries)."""
    exprs: List[Optional[N.Expr]] = [t.expr for t in sel.projection]
    exprs += [sel.where, sel.having, sel.use_keys, sel.from_expr]
    exprs += [e for _, e in sel.let] + [e for _, e in sel.letting]
    exprs += list(sel.group_by) + [e for e, _ in sel.order_by]
    for j in sel.joins:
        exprs += [j.on, j.unnest, j.keys]
        if isinstance(j.term, N.KeyspaceTerm):
            exprs.append(j.term.use_keys)
        elif isinstance(j.term, N.ExprTerm):
            exprs.append(j.term.expr)
    return exprs


def bound_aliases(sel: N.Select) -> List[str]:
    """The aliases a SELECT's FROM clause binds, in order."""
    out: List[str] = []
    if sel.keyspace is not None:
        out.append(sel.keyspace.default_alias)
    elif sel.from_alias is not None:
        out.append(sel.from_alias)
    out += [j.bound for j in sel.joins]
    return out


def free_names(sel: N.Select) -> Set[str]:
    """Names a SELECT reads that its own FROM clause does not bind (candidates for correlation).
    With one FROM term an unbound name is a field of that term, unless the enclosing query binds it;
    the caller intersects with the enclosing scope."""
    out: Set[str] = set()
    for e in select_exprs(sel):
        _walk_names(e, out, into_subqueries=True)
    # what a FROM subquery reads from outside itself: an alias bound here (a lateral reference,
    # subtracted below) or a name of the enclosing query (this SELECT is correlated then too)
    terms = [sel.from_subquery] + [j.term.select for j in sel.joins if isinstance(j.term, N.SubqueryTerm)]
    for sub in terms:
        if sub is not None:
            out |= free_names(sub)
    named = {t.alias for t in sel.projection if t.alias}
    out = out - set(bound_aliases(sel)) - named - set(let_names(sel))
    for _op, _all, term in sel.set_ops:  # each subselect of a UNION/INTERSECT/EXCEPT is its own scope
        out |= free_names(term)
    return out


def let_names(sel: N.Select) -> List[str]:
    """The names a SELECT's LET, GROUP BY ... AS and LETTING clauses bind, in that order."""
    return [name for name, _ in sel.let + sel.group_as + sel.letting]


def check_ambiguous(sel: N.Select, aliases: List[str], outer: FrozenSet[str]) -> None:
    """With several FROM terms there is no default alias: an unqualified name that is not an alias
    is the server's 3080."""
    allowed = set(aliases) | set(outer) | set(let_names(sel))
    named = {t.alias for t in sel.projection if t.alias}
    for e in select_exprs(sel):
        names: Set[str] = set()
        _walk_names(e, names, into_subqueries=False)
        for name in sorted(names):
            in_order_by = any(e is o for o, _ in sel.order_by) or e is sel.having
            if name not in allowed and not (in_order_by and name in named):
                raise QueryError(AMBIGUOUS_REFERENCE, f"Ambiguous reference to field '{name}'.", 500)


def _is_meta_id(e: N.Expr, alias: str) -> bool:
    """``META(alias).id``."""
    if not (isinstance(e, N.Field) and e.name == "id" and isinstance(e.base, N.Call)):
        return False
    args = e.base.args
    return e.base.name == "META" and len(args) == 1 and isinstance(args[0], N.Ident) and args[0].name == alias


def primary_key_expr(on: Optional[N.Expr], alias: str) -> Optional[N.Expr]:
    """The keys of a primary join: ``expr`` of an ON conjunct ``META(alias).id = expr`` (either way
    round) or ``META(alias).id IN expr``."""
    for c in conjuncts(on):
        if isinstance(c, N.Binary) and c.op in ("=", "IN"):
            pairs = ((c.left, c.right), (c.right, c.left)) if c.op == "=" else ((c.left, c.right),)
            for mine, other in pairs:
                if _is_meta_id(mine, alias) and alias not in refs(other):
                    return other
    return None


def comma_condition(where: Optional[N.Expr], alias: str, left: FrozenSet[str]) -> Optional[N.Expr]:
    """The condition of a comma-separated term ``alias`` (``FROM a, b WHERE ...``): the WHERE
    conjuncts that read ``alias`` and otherwise only ``left`` names (what the server's planner
    takes as that join's filters), ANDed; None when there is none (a cross product)."""
    picked = [c for c in conjuncts(where) if alias in refs(c) and refs(c) <= left | {alias}]
    cond: Optional[N.Expr] = None
    for c in picked:
        cond = c if cond is None else N.Binary("AND", cond, c)
    return cond


def equi_keys(on: Optional[N.Expr], alias: str, left: FrozenSet[str]) -> Optional[Tuple[N.Expr, N.Expr]]:
    """(right expr, left expr) of the first conjunct equating an expression of ``alias`` only with
    one of the ``left`` names only: what a hash join builds and probes on."""
    for c in conjuncts(on):
        if isinstance(c, N.Binary) and c.op == "=":
            for mine, other in ((c.left, c.right), (c.right, c.left)):
                if refs(mine) == {alias} and refs(other) <= left and alias not in refs(other):
                    return mine, other
    return None


# ----------------------------------------------------------------------------- execution


def with_binding(row: Row, alias: str, value: Any, meta: Any = None) -> Row:
    """``row`` plus ``alias`` bound to ``value`` (rows of a join have no default alias)."""
    env = dict(row.env)
    env[alias] = value
    metas = row.metas
    if meta is not None:
        metas = dict(metas)
        metas[alias] = meta
    return Row(env, metas, None)


def hash_key(v: Any) -> Optional[str]:
    """A key equal for values N1QL's ``=`` finds equal (2 and 2.0 alike); None for MISSING and NULL,
    which equal nothing."""
    if v is MISSING or v is None:
        return None
    return canonical(_normal(v))


def _normal(v: Any) -> Any:
    if is_number(v) and isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, list):
        return [_normal(x) for x in v]
    if isinstance(v, dict):
        return {k: _normal(x) for k, x in v.items()}
    return v


def _keys_of(v: Any) -> List[bytes]:
    if isinstance(v, str):
        return [v.encode("utf-8")]
    if isinstance(v, list):
        return [x.encode("utf-8") for x in v if isinstance(x, str)]
    return []


def join_rows(rows: Iterable[Row], step: StepPlan, params: Params, tick: Callable[[], None],
              right_items: Callable[[Row], Iterable[Item]]) -> Iterator[Row]:
    """The rows of one JOIN / NEST / UNNEST step over the streamed left ``rows``.

    ``right_items(left_row)`` gives the right-hand term's (value, meta) items (a keyspace scan, a
    subquery's held result or an expression's elements); key lookups go to the keyspace directly.
    """
    j = step.join
    if j.op == "UNNEST":
        yield from _unnest(rows, j, params, tick)
        return
    assert step.term is not None
    alias = step.term.alias
    ks = step.term.ks
    candidates: Callable[[Row], Iterable[Item]]
    keys_expr = j.keys if j.keys is not None else step.primary_key
    use_keys = step.term.term.use_keys if isinstance(step.term.term, N.KeyspaceTerm) else None
    if keys_expr is not None or use_keys is not None:
        def candidates(left: Row) -> Iterable[Item]:
            keys = _keys_of(evaluate(keys_expr if keys_expr is not None else use_keys, left, params))  # type: ignore
            for key, doc in ks.scan(keys):
                yield ks.value_of(doc), ks.meta_of(key, doc)
    elif step.hash_keys is not None:
        right_key, left_key = step.hash_keys
        table: Optional[Dict[str, List[Item]]] = None

        def candidates(left: Row) -> Iterable[Item]:
            nonlocal table
            if table is None:  # built on the first left row (none: the right side is never read)
                table = {}
                for value, meta in right_items(Row({})):
                    tick()
                    bound = Row({alias: value}, {alias: meta} if meta else {})
                    k = hash_key(evaluate(right_key, bound, params))
                    if k is not None:
                        table.setdefault(k, []).append((value, meta))
            k = hash_key(evaluate(left_key, left, params))
            return table.get(k, []) if k is not None else []
    else:
        candidates = right_items
    nest = j.op == "NEST"
    for left in rows:
        nested: List[Any] = []
        matched = False
        for value, meta in candidates(left):
            tick()
            joined = with_binding(left, alias, value, meta)
            if j.on is not None and not truthy(evaluate(j.on, joined, params)):
                continue
            matched = True
            if nest:
                nested.append(value)
            else:
                yield joined
        if nest:
            if nested or j.outer:
                yield with_binding(left, alias, nested)  # LEFT NEST without a match: []
        elif not matched and j.outer:
            yield Row(left.env, left.metas, None)  # the right alias stays MISSING


def _unnest(rows: Iterable[Row], j: N.Join, params: Params, tick: Callable[[], None]) -> Iterator[Row]:
    assert j.unnest is not None
    for left in rows:
        v = evaluate(j.unnest, left, params)
        if isinstance(v, list) and v:
            for item in v:
                tick()
                yield with_binding(left, j.alias, item)
        elif j.outer:
            yield Row(left.env, left.metas, None)
