"""The syntax tree of parsed statements and expressions (plain dataclasses).

Expressions are evaluated by :mod:`couchbase_mock.query.evaluator`;
statements are executed by :mod:`couchbase_mock.query.engine`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional, Tuple, Union

# the statistics read all of a group's numbers (the other aggregates keep a running value)
STATISTICS = frozenset({"MEDIAN", "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VARIANCE", "VAR_POP", "VAR_SAMP",
                        "VARIANCE_POP", "VARIANCE_SAMP"})
AGGREGATES = frozenset({"COUNT", "SUM", "AVG", "MEAN", "MIN", "MAX", "ARRAY_AGG", "COUNTN"}) | STATISTICS
# functions that exist only with OVER (...): ranking, navigation, distribution
WINDOW_FUNCTIONS = frozenset({"ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE",
                              "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE", "RATIO_TO_REPORT"})


class Expr:
    """Base of expression nodes."""


@dataclass
class Lit(Expr):
    value: Any  # a JSON value or MISSING


@dataclass
class Param(Expr):
    key: Union[int, str]  # 1-based position or name without "$"


@dataclass
class Ident(Expr):
    name: str


@dataclass
class Field(Expr):
    base: Expr
    name: str


@dataclass
class Index(Expr):
    base: Expr
    index: Expr


@dataclass
class Binary(Expr):
    op: str  # + - * / % || = != < <= > >= AND OR LIKE IN
    left: Expr
    right: Expr


@dataclass
class Unary(Expr):
    op: str  # NOT, NEG
    operand: Expr


@dataclass
class Between(Expr):
    operand: Expr
    low: Expr
    high: Expr


@dataclass
class Is(Expr):
    operand: Expr
    what: str  # NULL, MISSING, VALUED
    negated: bool


@dataclass
class FrameBound:
    """One end of a window frame: UNBOUNDED PRECEDING / FOLLOWING, CURRENT ROW, or ``value``
    PRECEDING / FOLLOWING."""

    kind: str  # UNBOUNDED PRECEDING, UNBOUNDED FOLLOWING, CURRENT ROW, PRECEDING, FOLLOWING
    value: Optional[Expr] = None


@dataclass
class Window:
    """``OVER ([PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE|GROUPS frame [EXCLUDE ...]])``."""

    partition: List[Expr] = field(default_factory=list)
    order: List[Tuple[Expr, bool]] = field(default_factory=list)  # (expr, descending)
    unit: Optional[str] = None  # ROWS, RANGE, GROUPS (None: the default frame)
    start: Optional[FrameBound] = None
    end: Optional[FrameBound] = None
    exclude: Optional[str] = None  # CURRENT ROW, GROUP, TIES
    # a named window this one builds on: ``OVER name`` (``bare``) or ``OVER (name ORDER BY ...)``; the
    # parser fills the window in from the WINDOW clause and clears the name
    ref: Optional[str] = None
    bare: bool = False


@dataclass
class Call(Expr):
    name: str  # upper case
    args: List[Expr]
    distinct: bool = False
    star: bool = False  # COUNT(*)
    window: Optional[Window] = None  # OVER (...): a window function
    ignore_nulls: bool = False  # IGNORE NULLS (FIRST_VALUE, LAST_VALUE, NTH_VALUE, LAG, LEAD)
    from_last: bool = False  # NTH_VALUE ... FROM LAST
    filter: Optional[Expr] = None  # an aggregate's FILTER (WHERE cond)

    @property
    def is_aggregate(self) -> bool:
        """A group aggregate (an aggregate function without OVER)."""
        return self.name in AGGREGATES and self.window is None


@dataclass
class ArrayLit(Expr):
    items: List[Expr]


@dataclass
class ObjectLit(Expr):
    pairs: List[Tuple[Expr, Expr]]


@dataclass
class Case(Expr):
    operand: Optional[Expr]
    whens: List[Tuple[Expr, Expr]]
    default: Optional[Expr]


@dataclass
class Binding:
    """``var IN expr`` (the elements of an array) or ``var WITHIN expr`` (all its descendants); in an
    UPDATE's FOR clause ``name:var IN | WITHIN expr`` also binds ``name`` to each one's position or
    field name."""

    var: str
    expr: Expr
    within: bool = False
    name_var: Optional[str] = None


@dataclass
class Collection(Expr):
    """``ANY|SOME|EVERY|ANY AND EVERY bindings SATISFIES cond END`` (``quantifier``: ANY, EVERY or
    ANY_EVERY)."""

    quantifier: str
    bindings: List[Binding]
    satisfies: Expr


@dataclass
class Comprehension(Expr):
    """``ARRAY|FIRST value FOR bindings [WHEN cond] END`` and ``OBJECT key: value FOR ...``."""

    kind: str  # ARRAY, FIRST or OBJECT
    value: Expr
    bindings: List[Binding]
    when: Optional[Expr] = None
    key: Optional[Expr] = None  # OBJECT's name expression


@dataclass(eq=False)
class Subquery(Expr):
    """``(SELECT ...)`` used as an expression: its value is the array of the result rows."""

    select: "Select"


@dataclass
class Exists(Expr):
    """``EXISTS expr``: whether an array (usually a subquery's) is non-empty."""

    operand: Expr


# ----------------------------------------------------------------------------- statements


@dataclass
class ResultTerm:
    """One projection term: ``expr [AS alias]``, ``*`` (expr None, star) or ``path.*`` (star)."""

    expr: Optional[Expr]
    alias: Optional[str] = None
    star: bool = False


@dataclass
class KeyspaceRef:
    """``[namespace:]name[.scope.collection]`` as written (resolution happens later)."""

    namespace: Optional[str]
    parts: List[str]
    alias: Optional[str] = None

    @property
    def default_alias(self) -> str:
        return self.alias or self.parts[-1]

    def text(self) -> str:
        return (self.namespace + ":" if self.namespace else "") + ".".join(self.parts)


class FromTerm:
    """Base of the terms of a FROM clause; ``alias`` is the name the term binds."""

    alias: str


@dataclass
class KeyspaceTerm(FromTerm):
    """A keyspace in FROM or on the right of a JOIN/NEST: ``ref [AS alias] [USE KEYS ...]``."""

    ref: KeyspaceRef
    alias: str
    use_keys: Optional[Expr] = None
    hint: Optional[str] = None  # join hint: HASH, HASH_BUILD, HASH_PROBE or NL


@dataclass
class SubqueryTerm(FromTerm):
    """``(SELECT ...) AS alias`` (the alias is mandatory)."""

    select: "Select"
    alias: str
    hint: Optional[str] = None


@dataclass
class ExprTerm(FromTerm):
    """An expression term: ``ARRAY_RANGE(0, 5) AS n``, ``[1, 2] AS x``."""

    expr: Expr
    alias: str
    hint: Optional[str] = None


@dataclass
class Join:
    """One step after the first FROM term: an ANSI ``JOIN``/``NEST`` (``term`` ``ON`` ``on``), or an
    ``UNNEST`` of ``unnest`` bound to ``alias``; ``outer`` for LEFT [OUTER]. A comma-separated term
    (``FROM a, b``) is an inner ``JOIN`` with ``comma`` set and no ``on``: the WHERE clause is its
    condition."""

    op: str  # JOIN, NEST or UNNEST
    outer: bool
    term: Optional[FromTerm] = None
    on: Optional[Expr] = None
    unnest: Optional[Expr] = None
    alias: str = ""
    keys: Optional[Expr] = None  # a lookup join/nest: ON KEYS <keys>
    comma: bool = False

    @property
    def bound(self) -> str:
        """The alias this step adds to each row."""
        return self.term.alias if self.term is not None else self.alias


class Statement:
    """Base of statement nodes."""


@dataclass
class Select(Statement):
    projection: List[ResultTerm]
    raw: bool = False
    distinct: bool = False
    keyspace: Optional[KeyspaceRef] = None
    use_keys: Optional[Expr] = None
    from_expr: Optional[Expr] = None  # FROM <expression> AS alias (an expression term)
    from_alias: Optional[str] = None
    from_subquery: Optional["Select"] = None  # FROM (SELECT ...) AS from_alias
    joins: List[Join] = field(default_factory=list)  # JOIN / NEST / UNNEST steps, in order
    let: List[Tuple[str, Expr]] = field(default_factory=list)  # LET name = expr, ... (per row, in order)
    where: Optional[Expr] = None
    group_by: List[Expr] = field(default_factory=list)
    group_as: List[Tuple[str, Expr]] = field(default_factory=list)  # GROUP BY expr AS name
    letting: List[Tuple[str, Expr]] = field(default_factory=list)  # LETTING name = expr, ... (per group)
    having: Optional[Expr] = None
    # further subselects: (UNION|INTERSECT|EXCEPT, ALL, subselect); ORDER BY / LIMIT / OFFSET below
    # then apply to the combined result
    set_ops: List[Tuple[str, bool, "Select"]] = field(default_factory=list)
    # WITH name AS (SELECT ... | expression), ...: values named for the whole statement
    withs: List["WithTerm"] = field(default_factory=list)
    recursive: bool = False  # WITH RECURSIVE
    windows: List[Tuple[str, Window]] = field(default_factory=list)  # WINDOW name AS (...), ...
    order_by: List[Tuple[Expr, bool]] = field(default_factory=list)  # (expr, descending)
    limit: Optional[Expr] = None
    offset: Optional[Expr] = None


@dataclass
class WithTerm:
    """``name AS (SELECT ... | expression) [CYCLE expr, ... RESTRICT] [OPTIONS {...}]`` of a WITH
    clause (CYCLE and OPTIONS only after WITH RECURSIVE)."""

    name: str
    value: Union[Expr, "Select"]
    cycle: List[Expr] = field(default_factory=list)
    cycle_text: List[str] = field(default_factory=list)  # as written (for error messages)
    options: Optional[Expr] = None


@dataclass
class Returning:
    terms: List[ResultTerm]
    raw: bool = False


@dataclass
class Insert(Statement):
    """INSERT / UPSERT: ``VALUES (key, value), ...``, or one document per result of ``query`` with
    ``key`` (and ``value``, else the result itself) evaluated over that result."""

    keyspace: KeyspaceRef
    values: List[Tuple[Expr, Expr]]
    upsert: bool = False
    returning: Optional[Returning] = None
    query: Optional["Select"] = None
    key: Optional[Expr] = None
    value: Optional[Expr] = None


@dataclass
class Delete(Statement):
    keyspace: KeyspaceRef
    use_keys: Optional[Expr] = None
    where: Optional[Expr] = None
    limit: Optional[Expr] = None
    returning: Optional[Returning] = None


@dataclass
class Update(Statement):
    keyspace: KeyspaceRef
    sets: List["SetTerm"]
    unsets: List["UnsetTerm"]
    use_keys: Optional[Expr] = None
    where: Optional[Expr] = None
    limit: Optional[Expr] = None
    returning: Optional[Returning] = None


@dataclass
class UpdateFor:
    """``FOR [name:]var IN | WITHIN expr [, ...] [FOR ...] [WHEN cond] END`` of a SET or UNSET term: the
    term applies to each element (each combination, nested left to right) for which ``when`` holds."""

    dims: List[List[Binding]]
    when: Optional[Expr] = None


# SET path = value [FOR ... END]; UNSET path [FOR ... END]
SetTerm = Tuple[Expr, Expr, Optional[UpdateFor]]
UnsetTerm = Tuple[Expr, Optional[UpdateFor]]


@dataclass
class Merge(Statement):
    """``MERGE INTO target USING source ON [PRIMARY] KEY key | ON condition`` and its actions: an
    UPDATE (``sets``/``unsets``), a DELETE, an INSERT, each with its own WHERE filter."""

    target: KeyspaceRef
    source: FromTerm
    on: Expr
    lookup: bool  # ON KEY: ``on`` is the target document's key, per source row
    update: Optional[Tuple[List["SetTerm"], List["UnsetTerm"], Optional[Expr]]] = None  # sets, unsets, where
    delete: Optional[Tuple[Optional[Expr]]] = None  # (where,)
    # (key or None, value, where): the lookup form inserts ``value`` under the ON KEY key
    insert: Optional[Tuple[Optional[Expr], Expr, Optional[Expr]]] = None
    limit: Optional[Expr] = None
    returning: Optional[Returning] = None


@dataclass
class ScopeDDL(Statement):
    """``CREATE | DROP  SCOPE | COLLECTION  [IF [NOT] EXISTS] path [WITH {...}]``."""

    verb: str  # CREATE or DROP
    what: str  # SCOPE or COLLECTION
    path: KeyspaceRef
    lenient: bool = False  # IF NOT EXISTS / IF EXISTS
    with_: Optional[Expr] = None


@dataclass
class CreateIndex(Statement):
    keyspace: KeyspaceRef
    name: Optional[str]
    primary: bool
    keys: List[Expr] = field(default_factory=list)
    if_not_exists: bool = False
    with_: Optional[Expr] = None
    condition: Optional[str] = None
    partition: List[Expr] = field(default_factory=list)


@dataclass
class BuildIndex(Statement):
    keyspace: KeyspaceRef
    names: List[Expr] = field(default_factory=list)


@dataclass
class DropIndex(Statement):
    keyspace: KeyspaceRef
    name: Optional[str]
    primary: bool
    if_exists: bool = False


@dataclass
class Prepare(Statement):
    name: Optional[str]
    statement: Statement
    text: str  # the statement text after PREPARE [name FROM|AS]


@dataclass
class Explain(Statement):
    statement: Statement
    text: str  # the statement text after EXPLAIN


@dataclass
class Execute(Statement):
    name: str
