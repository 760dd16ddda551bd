"""Statement execution: SELECT pipelines, DML, index DDL and prepared statements.

:meth:`QueryService.start` plans a statement -- parse, resolve keyspaces,
check indexes and functions -- raising :class:`QueryError` for anything the
server rejects before it answers, and returns an :class:`Execution` whose
``rows`` iterator produces results lazily: a SELECT without ORDER BY, GROUP
BY or aggregates reads one document per row, so a large result never sits
in memory. Errors found while running (timeouts, per-key DML failures)
surface from the iterator or in ``Execution.errors``.

One :class:`QueryService` per cluster holds the state shared by every query
node: the indexes created by DDL and the prepared statements.
"""
from __future__ import annotations

import base64
import functools
import itertools
import json
import re
import time
import uuid
import weakref
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple, Union

from couchbase_mock.query import cte, merge, scope_ddl, window
from couchbase_mock.query import nodes as N
from couchbase_mock.query.analytics_ddl import Catalog, MetadataKeyspace
from couchbase_mock.query.authorize import Authorizer
from couchbase_mock.query.errors import (
    DML_FAILURE,
    DUPLICATE_ALIAS,
    DUPLICATE_KEY,
    DUPLICATE_VARIABLE,
    INDEX_EXISTS,
    INDEX_NOT_FOUND,
    KEYSPACE_NOT_FOUND,
    NO_ANSI_JOIN,
    NO_INDEX,
    NO_SUCH_PREPARED,
    PARSE_SYNTAX,
    READONLY,
    SUBQUERY_MISSING_INDEX,
    TIMEOUT,
    QueryError,
)
from couchbase_mock.query.evaluator import (
    Accumulator,
    Params,
    Row,
    binding_items,
    check_expr,
    children,
    evaluate,
    has_aggregate,
)
from couchbase_mock.query.from_clause import (
    SelectPlan,
    StepPlan,
    TermPlan,
    check_ambiguous,
    comma_condition,
    equi_keys,
    free_names,
    hash_key,
    join_rows,
    let_names,
    primary_key_expr,
    refs,
    select_exprs,
)
from couchbase_mock.query.keyspace import Keyspace, delete_doc, resolve, store_doc
from couchbase_mock.query.ordering import order_cmp
from couchbase_mock.query.parser import parse
from couchbase_mock.query.values import MISSING, canonical, is_number, truthy

__all__ = ["QueryService", "Execution", "Options", "Prepared", "service_for", "parse_duration"]

_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
CHECK_EVERY = 64


def parse_duration(text: Any) -> float:
    """Seconds of a Go duration string (``"75000000us"``, ``"1m30s"``); ValueError if malformed."""
    if not isinstance(text, str) or not text:
        raise ValueError(f"bad duration {text!r}")
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            raise ValueError(f"bad duration {text!r}")
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text):
        raise ValueError(f"bad duration {text!r}")
    return total


def go_duration(seconds: float) -> str:
    """``seconds`` formatted as Go's time.Duration prints it (``30ms``, ``1.5s``, ``1m15s``)."""
    ns = int(round(seconds * 1e9))
    if ns < 1000:
        return f"{ns}ns"
    if ns < 1_000_000:
        return f"{ns / 1000:g}µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:g}ms"
    total = ns / 1e9
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    out = f"{int(hours)}h" if hours else ""
    out += f"{int(minutes)}m" if hours or minutes else ""
    return out + f"{secs:.9f}".rstrip("0").rstrip(".") + "s"


class Options:
    """What a request asks for, beyond the statement."""

    def __init__(self, params: Params, query_context: Optional[Tuple[str, Optional[str]]] = None,
                 timeout: Optional[float] = None, timeout_text: str = "", readonly: bool = False,
                 analytics: bool = False, preserve_expiry: bool = False) -> None:
        self.params = params
        self.query_context = query_context
        self.timeout = timeout
        self.timeout_text = timeout_text
        self.readonly = readonly
        self.analytics = analytics
        self.preserve_expiry = preserve_expiry
        self.dataverse: Optional[str] = None  # analytics: the dataverse unqualified names are in
        self.started = time.monotonic()
        # the request's user and roles (query service requests; None: no RBAC check)
        self.authorizer: Optional[Authorizer] = None
        self.withs: FrozenSet[str] = frozenset()  # the names the statement's WITH clause binds

    def probe(self) -> "Options":
        """Options for planning the statement of a PREPARE or EXPLAIN as a dry run: the same
        parameters, query context and user."""
        out = Options(self.params, self.query_context)
        out.authorizer = self.authorizer
        return out

    def authorize(self) -> None:
        """Refuse the statement (13014) if the user lacks a privilege recorded so far."""
        if self.authorizer is not None:
            self.authorizer.check()

    def need(self, privilege: str, ks: Any) -> None:
        """Record that the statement needs ``privilege`` on keyspace ``ks`` (when RBAC applies); ``ks``
        may also be a (bucket, scope, collection) target with ``"*"`` parts (a bucket or a scope)."""
        if self.authorizer is not None and isinstance(ks, Keyspace):
            self.authorizer.need(privilege, ks.ident)
        elif self.authorizer is not None and isinstance(ks, tuple):
            self.authorizer.need(privilege, ks)

    @property
    def deadline(self) -> Optional[float]:
        return self.started + self.timeout if self.timeout else None


class Execution:
    """A planned statement: ``signature``, lazy ``rows``, and counters filled while iterating."""

    def __init__(self, opts: Options) -> None:
        self.opts = opts
        self.signature: Any = None
        self.rows: Iterator[Any] = iter(())
        self.errors: List[QueryError] = []
        self.warnings: List[QueryError] = []  # reported with the result, which still succeeds
        self.mutation_count = 0
        self.processed = 0
        self.is_dml = False
        self.prepared_name: Optional[str] = None
        self._deadline = opts.deadline
        self._ticks = 0

    def check(self) -> None:
        """Raise the server's timeout error once the request's timeout has passed."""
        if self._deadline is not None and time.monotonic() > self._deadline:
            if self.opts.analytics:
                raise QueryError(21002, "Request timed out and will be cancelled", 200)
            raise QueryError(TIMEOUT, f"Timeout {go_duration(self.opts.timeout or 0)} exceeded", 200)

    def tick(self) -> None:
        self._ticks += 1
        if self._ticks % CHECK_EVERY == 0:
            self.check()


class Prepared:
    """A prepared statement: its name, text and the query_context it was prepared in."""

    __slots__ = ("name", "text", "statement", "query_context")

    def __init__(self, name: str, text: str, statement: N.Statement, query_context: Any) -> None:
        self.name = name
        self.text = text
        self.statement = statement
        self.query_context = query_context

    def encoded_plan(self) -> str:
        doc = {"name": self.name, "text": self.text, "query_context": self.query_context}
        return base64.b64encode(json.dumps(doc).encode()).decode()


class QueryService:
    """Indexes and prepared statements of one cluster, and the statement runner."""

    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.indexes: Dict[Tuple[str, str, str], Dict[str, Dict[str, Any]]] = {}
        self.prepared: Dict[str, Prepared] = {}
        self.analytics_catalog = Catalog()

    # ------------------------------------------------------------------ entry points
    def start(self, statement: Optional[str], opts: Options, prepared: Optional[str] = None,
              encoded_plan: Optional[str] = None, auto_execute: bool = False) -> Execution:
        """Plan ``statement`` (or the prepared statement named ``prepared``) and return its Execution."""
        if prepared is not None:
            entry = self._lookup_prepared(prepared, encoded_plan)
            return self._plan(entry.statement, opts, entry.query_context)
        if statement is None:
            raise QueryError(1050, "No statement or prepared value", 400)
        if opts.analytics:
            dataverse, statement = self.analytics_catalog.split_use(statement)
            if dataverse is None and opts.query_context is not None:
                # a scope's query context names the dataverse `bucket`.`scope`
                dataverse = "/".join(p for p in opts.query_context if p)
                self.analytics_catalog.require_dataverse(dataverse)
            opts.dataverse = dataverse
            if self.analytics_catalog.run(statement, self.cluster, dataverse, opts.authorizer):
                return Execution(opts)  # analytics DDL: applied, no rows
        stmt = parse(statement)
        if isinstance(stmt, N.Prepare):
            if opts.analytics:
                raise QueryError(24000, "Syntax error: PREPARE is not supported by analytics", 400)
            return self._prepare(stmt, opts, auto_execute)
        if isinstance(stmt, N.Execute):
            entry = self._lookup_prepared(stmt.name, None)
            return self._plan(entry.statement, opts, entry.query_context)
        if isinstance(stmt, N.Explain):
            if opts.analytics:
                raise QueryError(24000, "Syntax error: EXPLAIN is not supported by analytics", 400)
            return self._explain(stmt, opts)
        return self._plan(stmt, opts, opts.query_context)

    def _explain(self, stmt: N.Explain, opts: Options) -> Execution:
        """One row: the plan of the statement (checked as a dry run: keyspaces, indexes)
        and its text, as the server answers EXPLAIN."""
        probe = self._plan(stmt.statement, opts.probe(), opts.query_context, dry_run=True)
        inner = stmt.statement
        children: List[Dict[str, Any]] = []
        ks = getattr(inner, "keyspace", None)
        if isinstance(ks, N.KeyspaceRef):
            resolved = self._keyspace(ks, opts, opts.query_context)
            children.append({"#operator": "PrimaryScan3", "bucket": resolved.bucket.name
                             if hasattr(resolved, "bucket") else "", "keyspace": resolved.path,
                             "using": "gsi"})
            children.append({"#operator": "Fetch", "keyspace": resolved.path})
        children.append({"#operator": type(inner).__name__, "signature": probe.signature})
        ex = Execution(opts)
        ex.signature = "json"
        ex.rows = iter([{"plan": {"#operator": "Sequence", "~children": children}, "text": stmt.text}])
        return ex

    def _lookup_prepared(self, name: str, encoded_plan: Optional[str]) -> Prepared:
        entry = self.prepared.get(name)
        if entry is None and encoded_plan:
            try:
                doc = json.loads(base64.b64decode(encoded_plan))
                qc = doc.get("query_context")
                entry = Prepared(doc["name"], doc["text"], parse(doc["text"]), tuple(qc) if qc else None)
            except (ValueError, KeyError, TypeError, QueryError):
                raise QueryError(4070, f"Unable to decode prepared statement {name}", 400) from None
            self.prepared[entry.name] = entry
        if entry is None:
            raise QueryError(NO_SUCH_PREPARED, f"No such prepared statement: {name}", 404)
        return entry

    def _prepare(self, stmt: N.Prepare, opts: Options, auto_execute: bool) -> Execution:
        probe = self._plan(stmt.statement, opts.probe(), opts.query_context, dry_run=True)
        name = stmt.name or str(uuid.uuid4())
        entry = Prepared(name, stmt.text, stmt.statement, opts.query_context)
        self.prepared[name] = entry
        if auto_execute:
            ex = self._plan(stmt.statement, opts, opts.query_context)
            ex.prepared_name = name
            return ex
        ex = Execution(opts)
        ex.signature = {"encoded_plan": "json", "name": "json", "operator": "json", "signature": "json",
                        "text": "json"}
        row = {"encoded_plan": entry.encoded_plan(), "featureControls": 76, "indexApiVersion": 4,
               "name": name, "namespace": "default", "operator": {"#operator": "Sequence", "~children": []},
               "queryContext": "" if not opts.query_context else ".".join(x for x in opts.query_context if x),
               "signature": probe.signature, "text": "PREPARE " + stmt.text, "useCBO": False}
        ex.rows = iter([row])
        return ex

    # ------------------------------------------------------------------ planning
    def _keyspace(self, ref: N.KeyspaceRef, opts: Options, qc: Any) -> Keyspace:
        if (ref.namespace or "").lower() == "system" and [p.lower() for p in ref.parts] == ["indexes"] \
                and not opts.analytics:
            return SystemIndexes(self, opts.authorizer)  # type: ignore[return-value]
        if opts.analytics:
            parts = list(ref.parts)
            if len(parts) == 2 and parts[0].lower() == "metadata" and ref.namespace is None:
                return MetadataKeyspace(self.analytics_catalog, parts[1].lower())  # type: ignore[return-value]
            dataverse, dataset = ((opts.dataverse or "Default", parts[0]) if len(parts) == 1
                                  else ("/".join(parts[:-1]), parts[-1]))
            source = self.analytics_catalog.source_of(dataverse, dataset)
            if source is not None:
                ref = N.KeyspaceRef(None, source, ref.alias)
            elif len(parts) == 1 and opts.dataverse is not None:
                raise QueryError(24045, f"Cannot find dataset with name {dataset} in dataverse "
                                        f"{dataverse}", 400)
            qc = None
        return resolve(self.cluster, ref, qc, analytics=opts.analytics)

    def _require_index(self, ks: Keyspace, where: Optional[N.Expr], alias: str) -> None:
        if isinstance(ks, SystemIndexes):
            return
        indexes = self.indexes.get(ks.ident, {})
        if any(ix["primary"] for ix in indexes.values()):
            return
        used = _paths(where, alias) if where is not None else set()
        if any(ix["keys"] and ix["keys"][0] in used for ix in indexes.values()):
            return
        raise QueryError(NO_INDEX, f"No index available on keyspace {ks.quoted()} that matches your query. "
                         f"Use CREATE PRIMARY INDEX ON {ks.quoted()} to create a primary index, or check "
                         "that your expected index is online.", 404)

    def _plan(self, stmt: N.Statement, opts: Options, qc: Any, dry_run: bool = False) -> Execution:
        """Plan ``stmt``; then, as the server's Authorize operator does before the first row, refuse it
        (13014) if the user lacks a privilege it needs: PREPARE, EXPLAIN and every EXECUTE included."""
        ex = self._plan_statement(stmt, opts, qc, dry_run)
        opts.authorize()
        return ex

    def _plan_statement(self, stmt: N.Statement, opts: Options, qc: Any, dry_run: bool) -> Execution:
        opts.query_context = qc
        if isinstance(stmt, N.Select):
            return self._plan_select(stmt, opts)
        if opts.analytics:
            raise QueryError(24000, "Syntax error: only queries are supported by this analytics service", 400)
        if opts.readonly and not dry_run:
            raise QueryError(READONLY, "The server or request is read-only and cannot accept this write "
                             "statement.", 403)
        if isinstance(stmt, N.Insert):
            return self._plan_insert(stmt, opts, dry_run)
        if isinstance(stmt, (N.Delete, N.Update)):
            return self._plan_delete_update(stmt, opts, dry_run)
        if isinstance(stmt, N.Merge):
            return merge.plan(self, stmt, opts, dry_run)
        if isinstance(stmt, N.ScopeDDL):
            return self._scope_ddl(stmt, opts, dry_run)
        if isinstance(stmt, N.CreateIndex):
            return self._create_index(stmt, opts, dry_run)
        if isinstance(stmt, N.DropIndex):
            return self._drop_index(stmt, opts, dry_run)
        if isinstance(stmt, N.BuildIndex):
            return self._build_index(stmt, opts, dry_run)
        raise QueryError(3000, "syntax error - statement not supported", 400)

    # ------------------------------------------------------------------ SELECT
    def _plan_select(self, sel: N.Select, opts: Options) -> Execution:
        ex = Execution(opts)
        plan = self._select_plan(sel, opts, frozenset())
        ex.signature = _signature(sel.projection, sel.raw)
        self._run_subqueries(ex, self._subplans(plan, {}))
        ex.rows = self._select_rows(plan, ex)
        return ex

    def _run_subqueries(self, ex: Execution, plan_of: Dict[int, SelectPlan]) -> None:
        """Let the expressions of ``ex`` evaluate their subqueries: an uncorrelated one runs once,
        a correlated one for each row that asks."""
        cache: Dict[int, List[Any]] = {}

        def subquery(node: N.Subquery, row: Row) -> Any:
            sub = plan_of[id(node)]
            if not sub.correlated:
                if id(node) not in cache:
                    cache[id(node)] = list(self._select_rows(sub, ex))
                return cache[id(node)]
            return list(self._select_rows(sub, ex, row))

        ex.opts.params.subquery = subquery

    def _plan_expr_subqueries(self, exprs: List[Optional[N.Expr]], opts: Options,
                              scope: FrozenSet[str]) -> Dict[int, SelectPlan]:
        """Plans of the subqueries in the expressions of a DML statement (``scope``: its alias)."""
        out: Dict[int, SelectPlan] = {}
        for e in exprs:
            for node, variables in _subquery_nodes(e):
                sub = self._select_plan(node.select, opts, scope | variables, scope)
                out[id(node)] = sub
                self._subplans(sub, out)
        return out

    def _subplans(self, plan: SelectPlan, out: Dict[int, SelectPlan]) -> Dict[int, SelectPlan]:
        """id(Subquery node) -> its plan, for every subquery expression under ``plan``."""
        for node, sub in plan.subqueries:
            out[id(node)] = sub
            self._subplans(sub, out)
        for t in [plan.first] + [st.term for st in plan.steps]:
            if t is not None and t.sub is not None:
                self._subplans(t.sub, out)
        for _op, _every, term in plan.set_ops:
            self._subplans(term, out)
        for w in plan.withs:
            for sub in w.plans():
                self._subplans(sub, out)
        return out

    def _select_plan(self, sel: N.Select, opts: Options, outer: FrozenSet[str],
                     dml: FrozenSet[str] = frozenset()) -> SelectPlan:
        """Check and resolve a SELECT (``outer``: the names the enclosing queries bind, for a subquery;
        ``dml``: those of them that are a DML statement's keyspace alias, which the server does not
        count as FROM aliases)."""
        saved = opts.withs
        try:
            return self._plan_select_scoped(sel, opts, outer, dml)
        finally:
            opts.withs = saved  # a WITH clause's names are in scope in its select only

    def _plan_select_scoped(self, sel: N.Select, opts: Options, outer: FrozenSet[str],
                            dml: FrozenSet[str]) -> SelectPlan:
        withs, with_correlated = cte.plan_withs(self, sel, opts, outer) if sel.withs else ([], False)
        sqlpp = opts.analytics
        with_aggregates = ([t.expr for t in sel.projection] + [sel.having] + [e for e, _ in sel.order_by]
                           + [e for _, e in sel.letting])
        for e in with_aggregates:
            check_expr(e, True, sqlpp)
        for e in select_exprs(sel) + [sel.limit, sel.offset]:
            if not any(e is a for a in with_aggregates):
                check_expr(e, False, sqlpp)
        plan = SelectPlan(sel, withs=withs)
        qc = opts.query_context
        _outer_paths_as_expressions(sel, (outer - dml) | opts.withs)
        if sel.keyspace is not None:
            alias = sel.keyspace.default_alias
            plan.first = TermPlan("keyspace", alias, ks=self._keyspace(sel.keyspace, opts, qc))
            opts.need("select", plan.first.ks)
        elif sel.from_subquery is not None:
            plan.first = TermPlan("subquery", sel.from_alias or "",
                                  sub=self._select_plan(sel.from_subquery, opts, outer, dml))
        elif sel.from_expr is not None:
            plan.first = TermPlan("expr", sel.from_alias or "")
        aliases = [plan.first.alias] if plan.first is not None else []
        for j in sel.joins:
            step = StepPlan(j)
            name = j.bound
            t = j.term
            if name in aliases:
                # a comma term is named as the server's Formalize of that term kind names it
                what = ("FROM expression" if isinstance(t, N.ExprTerm) else "subquery"
                        if isinstance(t, N.SubqueryTerm) else "JOIN") if j.comma else j.op
                raise QueryError(DUPLICATE_ALIAS, f"Duplicate {what} alias '{name}'", 500)
            left = outer | frozenset(aliases)
            step.condition = comma_condition(sel.where, name, left) if j.comma else j.on
            if isinstance(t, N.KeyspaceTerm):
                step.term = TermPlan("keyspace", t.alias, t, ks=self._keyspace(t.ref, opts, qc))
                opts.need("select", step.term.ks)
                if not j.comma:  # the server looks for a primary join in an ON clause only
                    step.primary_key = primary_key_expr(j.on, t.alias)
            elif isinstance(t, N.SubqueryTerm):
                sub = self._select_plan(t.select, opts, left, dml)
                step.term = TermPlan("subquery", t.alias, t, sub=sub)
                step.lateral = sub.correlated
            elif isinstance(t, N.ExprTerm):
                step.term = TermPlan("expr", t.alias, t)
                step.lateral = bool(refs(t.expr) & left)
            if t is not None and not step.lateral:  # a lateral term's items differ per left row
                step.hash_keys = equi_keys(step.condition, t.alias, left)
            plan.steps.append(step)
            aliases.append(name)
        plan.aliases = aliases
        names = set(aliases) | opts.withs
        for name in let_names(sel):
            if name in names:
                raise QueryError(DUPLICATE_VARIABLE, f"Duplicate variable: '{name}' already in scope.", 400)
            names.add(name)
        plan.default = aliases[0] if len(aliases) == 1 else None
        plan.correlated = with_correlated or bool(free_names(sel) & outer)
        first = plan.first
        if plan.correlated and first is not None and first.kind == "keyspace" and sel.use_keys is None:
            plan.probe = equi_keys(sel.where, first.alias, outer)
        if len(aliases) > 1:
            check_ambiguous(sel, aliases, outer | opts.withs)
        scope = outer | frozenset(aliases) | frozenset(let_names(sel))
        for e in select_exprs(sel):
            for node, variables in _subquery_nodes(e):
                plan.subqueries.append((node, self._select_plan(node.select, opts, scope | variables, dml)))
        plan.set_ops = [(op, every, self._select_plan(term, opts, outer, dml))
                        for op, every, term in sel.set_ops]
        if not opts.analytics:
            self._require_indexes(plan)
        return plan

    def _require_indexes(self, plan: SelectPlan) -> None:
        """The server's index rules: a scanned keyspace needs an index (4000); in a correlated
        subquery a secondary one (4035); the right-hand keyspace of an ANSI JOIN/NEST a secondary
        index its ON clause can use, unless it is a primary join on META().id or has USE HASH (4330)."""
        sel = plan.sel
        first = plan.first
        if first is not None and first.kind == "keyspace" and sel.use_keys is None:
            if plan.correlated:
                if not self._secondary_for(first.ks, sel.where, first.alias):
                    raise QueryError(SUBQUERY_MISSING_INDEX, "No secondary index available for keyspace "
                                     f"{first.alias} in correlated subquery.", 500)
            else:
                self._require_index(first.ks, sel.where, first.alias)
        for step in plan.steps:
            j, t = step.join, step.term
            if t is None or t.kind != "keyspace" or j.keys is not None:
                continue
            term = t.term
            assert isinstance(term, N.KeyspaceTerm)
            if term.use_keys is not None or step.primary_key is not None:
                continue
            if term.hint is not None and term.hint.startswith("HASH"):
                self._require_index(t.ks, j.on, t.alias)  # the build side is scanned
                continue
            if j.comma:
                preds = sel.where  # (its conjuncts over this term are the join's condition)
            elif sel.where is None or j.on is None or j.outer:
                preds = j.on
            else:
                preds = N.Binary("AND", j.on, sel.where)
            if not self._secondary_for(t.ks, preds, t.alias):
                what = "nest" if j.op == "NEST" else "join"
                raise QueryError(NO_ANSI_JOIN, f"No index available for ANSI {what} term {t.alias}", 500)

    def _secondary_for(self, ks: Keyspace, preds: Optional[N.Expr], alias: str) -> bool:
        """Whether a secondary index of ``ks`` has its leading key among the paths of ``preds``."""
        if isinstance(ks, SystemIndexes):
            return True
        used = _paths(preds, alias) if preds is not None else set()
        return any(not ix["primary"] and ix["keys"] and ix["keys"][0] in used
                   for ix in self.indexes.get(ks.ident, {}).values())

    def _source(self, ks: Keyspace, alias: str, use_keys: Optional[N.Expr], ex: Execution,
                outer: Optional[Row] = None) -> Iterator[Row]:
        params = ex.opts.params
        keys = _use_keys(use_keys, params, outer) if use_keys is not None else None
        for key, doc in ks.scan(keys):
            ex.tick()
            ex.processed += 1
            yield Row({alias: ks.value_of(doc)}, {alias: functools.partial(ks.meta_of, key, doc)}, alias)

    def _expr_source(self, expr: N.Expr, alias: str, ex: Execution,
                     outer: Optional[Row] = None) -> Iterator[Row]:
        """``FROM <expression> AS alias``: one row per element of an array, else one row of the value."""
        value = evaluate(expr, outer or Row({}), ex.opts.params)
        if value is MISSING:
            return
        for item in value if isinstance(value, list) else [value]:
            ex.tick()
            ex.processed += 1
            yield Row({alias: item}, {}, alias)

    def _from_rows(self, plan: SelectPlan, ex: Execution, outer: Optional[Row]) -> Iterator[Row]:
        """The FROM clause's rows: the first term (streamed), then each join step over them."""
        sel, first = plan.sel, plan.first
        if first is None:
            rows: Iterator[Row] = iter([Row({})])
        elif first.kind == "keyspace" and plan.probe is not None and outer is not None:
            rows = self._probe(plan, ex, outer)
        elif first.kind == "keyspace":
            rows = self._source(first.ks, first.alias, sel.use_keys, ex, outer)
        elif first.kind == "subquery":
            assert first.sub is not None
            sub, alias = first.sub, first.alias
            reads = outer if sub.correlated else None
            rows = (Row({alias: v}, {}, alias) for v in self._select_rows(sub, ex, reads))
        else:
            rows = self._expr_source(sel.from_expr, first.alias, ex, outer)  # type: ignore[arg-type]
        if outer is not None:
            rows = (Row({**outer.env, **r.env}, {**outer.metas, **r.metas}, r.default) for r in rows)
        for step in plan.steps:
            right = functools.partial(self._right_items, step, ex)
            rows = join_rows(rows, step, ex.opts.params, ex.tick, right)
        return rows

    def _probe(self, plan: SelectPlan, ex: Execution, outer: Row) -> Iterator[Row]:
        """A correlated subquery's rows for one outer row, from its keyspace read once into a hash
        table on the WHERE equality with the outer row."""
        assert plan.first is not None and plan.probe is not None
        alias, (mine, other) = plan.first.alias, plan.probe
        params = ex.opts.params
        if plan.table is None:
            table: Dict[Optional[str], List[Tuple[Any, Any]]] = {}
            for row in self._source(plan.first.ks, alias, None, ex):
                k = hash_key(evaluate(mine, row, params))
                if k is not None:
                    table.setdefault(k, []).append((row.env[alias], row.metas[alias]))
            plan.table = table
        k = hash_key(evaluate(other, outer, params))
        for value, meta in plan.table.get(k, []) if k is not None else []:
            yield Row({alias: value}, {alias: meta}, alias)

    def _right_items(self, step: StepPlan, ex: Execution, left: Row) -> Iterator[Tuple[Any, Any]]:
        """The (value, meta) items of a join step's right-hand term, for one left row: a keyspace or
        an (uncorrelated) subquery is read once per execution and held; an expression is evaluated
        for the left row."""
        t = step.term
        assert t is not None
        if t.kind == "subquery" and step.lateral:
            assert t.sub is not None
            for v in self._select_rows(t.sub, ex, left):
                yield v, None
        elif t.kind in ("keyspace", "subquery"):
            if step.held is None:
                step.held = list(self._read_right(t, ex))
            yield from step.held
        else:
            assert isinstance(t.term, N.ExprTerm)
            value = evaluate(t.term.expr, left, ex.opts.params)
            if value is not MISSING:
                for v in value if isinstance(value, list) else [value]:
                    yield v, None

    def _read_right(self, t: TermPlan, ex: Execution) -> Iterator[Tuple[Any, Any]]:
        if t.kind == "keyspace":
            for key, doc in t.ks.scan(None):
                ex.tick()
                ex.processed += 1
                yield t.ks.value_of(doc), functools.partial(t.ks.meta_of, key, doc)
        else:
            assert t.sub is not None
            for v in self._select_rows(t.sub, ex):
                yield v, None

    def _select_rows(self, plan: SelectPlan, ex: Execution, outer: Optional[Row] = None,
                     with_bound: bool = False) -> Iterator[Any]:
        """The result of a (full) SELECT: its subselect, or the UNION / INTERSECT / EXCEPT of its
        subselects, then ORDER BY, OFFSET and LIMIT (``with_bound``: its WITH clause's values are
        bound already)."""
        sel = plan.sel
        params = ex.opts.params
        if plan.withs and not with_bound:
            yield from cte.rows_with(self, plan, ex, outer)
            return
        if not plan.set_ops:
            yield from self._subselect_rows(plan, ex, outer, ordered=True)
            return
        outs = self._combine(plan, ex, outer)
        if sel.order_by:  # over the combined results: their fields by name
            keyed = []
            for n, out in enumerate(outs):
                r = Row({})
                r.aliases = out if isinstance(out, dict) else {}
                keyed.append(([evaluate(e, r, params) for e, _ in sel.order_by], n, out))
                ex.tick()
            keyed.sort(key=functools.cmp_to_key(order_cmp([d for _e, d in sel.order_by])))
            ex.check()
            outs = (k[2] for k in keyed)
        yield from _offset_limit(outs, sel, params)

    def _combine(self, plan: SelectPlan, ex: Execution, outer: Optional[Row]) -> Iterator[Any]:
        """The subselects' results combined left to right, one precedence (the server's grammar)."""
        outs: Iterator[Any] = self._subselect_rows(plan, ex, outer, ordered=False)
        for op, every, term in plan.set_ops:
            right = self._select_rows(term, ex, outer)
            outs = _set_op(op, every, outs, right)
        return outs

    def _subselect_rows(self, plan: SelectPlan, ex: Execution, outer: Optional[Row],
                        ordered: bool) -> Iterator[Any]:
        """One subselect's results: FROM, LET, WHERE, GROUP BY, LETTING, HAVING, the projection and
        DISTINCT; with ``ordered``, its ORDER BY, OFFSET and LIMIT too."""
        sel = plan.sel
        params = ex.opts.params
        alias: Any = plan.default if plan.default is not None else plan.aliases
        rows = self._from_rows(plan, ex, outer)
        if sel.let:
            rows = _bind(rows, sel.let, params)
        if sel.where is not None:
            where = sel.where
            rows = (r for r in rows if truthy(evaluate(where, r, params)))
        aggregating = (bool(sel.group_by) or bool(sel.letting)
                       or any(has_aggregate(t.expr) for t in sel.projection)
                       or has_aggregate(sel.having) or any(has_aggregate(e) for e, _ in sel.order_by))
        if aggregating:
            calls = _aggregate_calls([t.expr for t in sel.projection] + [sel.having]
                                     + [e for e, _ in sel.order_by] + [e for _, e in sel.letting])
            rows = _group(rows, sel.group_by, alias, params, calls)
            if sel.group_as or sel.letting:
                rows = _bind(rows, sel.group_as + sel.letting, params)
            if sel.having is not None:
                having = sel.having
                rows = (r for r in rows if truthy(evaluate(having, r, params)))
        calls = window.window_calls([t.expr for t in sel.projection] + [e for e, _ in sel.order_by])
        if calls:  # over the whole result: it is read before the first row is projected
            rows = iter(window.compute(list(rows), calls, params))
        counter = itertools.count(1)
        if ordered and sel.order_by:
            keyed = []
            for r in rows:
                out = _project(sel, r, params, alias)
                if out is MISSING:
                    continue
                r.aliases = _aliases(sel, out)
                keyed.append(([evaluate(e, r, params) for e, _ in sel.order_by], next(counter), out))
                ex.tick()
            keyed.sort(key=functools.cmp_to_key(order_cmp([d for _e, d in sel.order_by])))
            ex.check()
            outs: Iterator[Any] = (k[2] for k in keyed)
        else:
            outs = (o for o in (_project(sel, r, params, alias) for r in rows) if o is not MISSING)
        if sel.distinct:
            outs = _distinct(outs)
        if ordered:
            outs = _offset_limit(outs, sel, params)
        yield from outs

    # ------------------------------------------------------------------ DML
    def _plan_insert(self, stmt: N.Insert, opts: Options, dry_run: bool) -> Execution:
        for e in [x for pair in stmt.values for x in pair] + [stmt.key, stmt.value]:
            check_expr(e, False)
        ks = self._keyspace(stmt.keyspace, opts, opts.query_context)
        opts.need("insert", ks)
        if stmt.upsert:
            opts.need("update", ks)
        if stmt.returning is not None:
            opts.need("select", ks)
        ex = Execution(opts)
        ex.is_dml = True
        ex.signature = _signature(stmt.returning.terms, stmt.returning.raw) if stmt.returning else None
        exprs: List[Optional[N.Expr]] = [x for pair in stmt.values for x in pair]
        exprs += [stmt.key, stmt.value]
        exprs += [t.expr for t in stmt.returning.terms] if stmt.returning else []
        subplans = self._plan_expr_subqueries(exprs, opts, frozenset())
        query = self._select_plan(stmt.query, opts, frozenset()) if stmt.query is not None else None
        if query is not None:
            self._subplans(query, subplans)
        self._run_subqueries(ex, subplans)
        if not dry_run:
            ex.rows = self._insert_rows(stmt, ks, ex, self._insert_pairs(stmt, ex, query))
        return ex

    def _insert_pairs(self, stmt: N.Insert, ex: Execution,
                      query: Optional[SelectPlan]) -> Iterator[Tuple[Any, Any]]:
        """The (key, value) of each document to write: from VALUES, or from each result of the query
        (read whole first: the statement may write into the keyspace it reads)."""
        params = ex.opts.params
        if query is None:
            for kexpr, vexpr in stmt.values:
                empty = Row({})
                yield evaluate(kexpr, empty, params), evaluate(vexpr, empty, params)
            return
        assert stmt.key is not None
        for out in list(self._select_rows(query, ex)):
            result = Row({_RESULT: out}, {}, _RESULT)  # the result's fields by name
            yield (evaluate(stmt.key, result, params),
                   out if stmt.value is None else evaluate(stmt.value, result, params))

    def _insert_rows(self, stmt: N.Insert, ks: Keyspace, ex: Execution,
                     pairs: Iterator[Tuple[Any, Any]]) -> Iterator[Any]:
        alias = stmt.keyspace.default_alias
        for key, value in pairs:
            ex.tick()
            _written, out = insert_document(ks, ex, key, value, stmt.upsert, stmt.returning, alias)
            if out is not MISSING:
                yield out

    def _plan_delete_update(self, stmt: Any, opts: Options, dry_run: bool) -> Execution:
        check_expr(stmt.use_keys, False)
        check_expr(stmt.where, False)
        check_expr(stmt.limit, False)
        if isinstance(stmt, N.Update):
            for e in _set_unset_exprs(stmt.sets, stmt.unsets):
                check_expr(e, False)
        ks = self._keyspace(stmt.keyspace, opts, opts.query_context)
        opts.need("update" if isinstance(stmt, N.Update) else "delete", ks)
        if stmt.returning is not None:
            opts.need("select", ks)
        alias = stmt.keyspace.default_alias
        if stmt.use_keys is None:
            self._require_index(ks, stmt.where, alias)
        ex = Execution(opts)
        ex.is_dml = True
        ex.signature = _signature(stmt.returning.terms, stmt.returning.raw) if stmt.returning else None
        exprs: List[Optional[N.Expr]] = [stmt.use_keys, stmt.where, stmt.limit]
        exprs += _set_unset_exprs(stmt.sets, stmt.unsets) if isinstance(stmt, N.Update) else []
        exprs += [t.expr for t in stmt.returning.terms] if stmt.returning else []
        self._run_subqueries(ex, self._plan_expr_subqueries(exprs, opts, frozenset([alias])))
        if not dry_run:
            ex.rows = self._mutate_rows(stmt, ks, alias, ex)
        return ex

    def _mutate_rows(self, stmt: Any, ks: Keyspace, alias: str, ex: Execution) -> Iterator[Any]:
        params = ex.opts.params
        limit = _count_value(stmt.limit, params, "LIMIT")
        keys = _use_keys(stmt.use_keys, params) if stmt.use_keys is not None else None
        # Materialise the matching keys first: mutating while scanning would revisit rows.
        matched = []
        for key, doc in ks.scan(keys):
            ex.tick()
            row = Row({alias: ks.value_of(doc)}, {alias: ks.meta_of(key, doc)}, alias)
            if stmt.where is None or truthy(evaluate(stmt.where, row, params)):
                matched.append(key)
                if limit is not None and len(matched) >= limit:
                    break
        is_update = isinstance(stmt, N.Update)
        verb = "UPDATE" if is_update else "DELETE"
        for key in matched:
            live = ks.get(key)
            if live is None:
                continue
            doc = live
            skey = key.decode("utf-8", "replace")
            if ks.store.is_locked(doc):
                ex.errors.append(_dml_error(verb, skey, 12033, f"document {skey} is locked"))
                continue
            value = ks.value_of(doc)
            row = Row({alias: value}, {alias: ks.meta_of(key, doc)}, alias)
            if is_update:
                value = _apply_set_unset(value, stmt.sets, stmt.unsets, alias, row, params)
                expiry = doc.expiry if ex.opts.preserve_expiry else 0
                new = store_doc(ks, key, value, expiry)
                row = Row({alias: value}, {alias: ks.meta_of(key, new)}, alias)
            else:
                delete_doc(ks, key, doc)
            ex.mutation_count += 1
            if stmt.returning is not None:
                out = _returning(stmt.returning, row, params)
                if out is not MISSING:
                    yield out

    # ------------------------------------------------------------------ DDL
    def _create_index(self, stmt: N.CreateIndex, opts: Options, dry_run: bool) -> Execution:
        ks = self._keyspace(stmt.keyspace, opts, opts.query_context)
        opts.need("create_index", ks)
        opts.authorize()  # DDL applies while it is planned: refuse it first
        name = stmt.name or "#primary"
        ex = Execution(opts)
        if dry_run:
            return ex
        existing = self.indexes.setdefault(ks.ident, {})
        if name in existing:
            if stmt.if_not_exists:
                return ex
            raise QueryError(INDEX_EXISTS, f"The index {name} already exists.", 409)
        keys = [] if stmt.primary else [_path_text(k, "") for k in stmt.keys]
        with_: Any = {}
        if stmt.with_ is not None:
            with_ = evaluate(stmt.with_, Row({}), opts.params)
            if not isinstance(with_, dict):
                raise QueryError(5000, "GSI CreateIndex() - cause: WITH clause must be an object", 500)
        existing[name] = {"name": name, "primary": stmt.primary, "keys": keys, "keyspace": ks.path,
                          "bucket": ks.bucket.name, "scope": ks.scope, "collection": ks.collection,
                          "state": "deferred" if with_.get("defer_build") else "online",
                          "index_key": [] if stmt.primary else [_key_text(k) for k in stmt.keys],
                          "condition": stmt.condition, "id": uuid.uuid4().hex[:16],
                          "partition": ("HASH(%s)" % ",".join(_key_text(k) for k in stmt.partition)
                                        if stmt.partition else None),
                          "num_replica": int(with_.get("num_replica", 0) or 0)}
        return ex

    def _scope_ddl(self, stmt: N.ScopeDDL, opts: Options, dry_run: bool) -> Execution:
        """CREATE / DROP SCOPE / COLLECTION (see :mod:`scope_ddl`): checked, authorized, applied."""
        bucket, scope, collection = scope_ddl.path_of(stmt, opts.query_context)
        b = self.cluster.buckets.get(bucket)
        if b is None:
            raise QueryError(KEYSPACE_NOT_FOUND, f"Keyspace not found in CB datastore: default:{bucket}", 500)
        if collection is None:
            opts.need("manage_scopes", (bucket, "*", "*"))
        else:
            opts.need("manage_collections", (bucket, scope, "*"))
        opts.authorize()  # DDL applies while it is planned: refuse it first
        if not dry_run:
            settings = evaluate(stmt.with_, Row({}), opts.params) if stmt.with_ is not None else None
            for cid in scope_ddl.apply(stmt, b.store.manifest, bucket, scope, collection, settings):
                self._forget_collection(b, cid)
            self.cluster.bump()  # pushes the configuration whose collectionsManifestUid moved
        return Execution(opts)

    def _forget_collection(self, bucket: Any, cid: int) -> None:
        """A dropped collection's documents and indexes."""
        bucket.store.drop_collection_docs(cid)
        for ident in [i for i in self.indexes if i[0] == bucket.name and
                      bucket.store.manifest.cid(i[1], i[2])[0] is None]:
            del self.indexes[ident]

    def _build_index(self, stmt: N.BuildIndex, opts: Options, dry_run: bool) -> Execution:
        ks = self._keyspace(stmt.keyspace, opts, opts.query_context)
        opts.need("build_index", ks)
        opts.authorize()  # DDL applies while it is planned: refuse it first
        ex = Execution(opts)
        existing = self.indexes.get(ks.ident, {})
        names: List[str] = []
        for expr in stmt.names:
            value = evaluate(expr, Row({}), opts.params) if not isinstance(expr, N.Ident) else expr.name
            names.extend(value if isinstance(value, list) else [value])
        for name in names:
            if not isinstance(name, str) or name not in existing:
                raise QueryError(5000, f"GSI index {name} not found.", 404)
        if not dry_run:
            for name in names:
                existing[name]["state"] = "online"  # the mock builds instantly
        return ex

    def _drop_index(self, stmt: N.DropIndex, opts: Options, dry_run: bool) -> Execution:
        ks = self._keyspace(stmt.keyspace, opts, opts.query_context)
        opts.need("drop_index", ks)
        opts.authorize()  # DDL applies while it is planned: refuse it first
        ex = Execution(opts)
        if dry_run:
            return ex
        existing = self.indexes.get(ks.ident, {})
        name = stmt.name
        if stmt.primary:
            name = next((n for n, ix in existing.items() if ix["primary"]), None)
        if name is None or name not in existing:
            if stmt.if_exists:
                return ex
            raise QueryError(INDEX_NOT_FOUND, f"GSI index {stmt.name or '#primary'} not found.", 404)
        del existing[name]
        return ex

    def list_indexes(self) -> List[Dict[str, Any]]:
        """Every index created through DDL (for the control API and tests)."""
        return [dict(ix) for by_name in self.indexes.values() for ix in by_name.values()]


# ----------------------------------------------------------------------------- helpers


class SystemIndexes:
    """``system:indexes``: one document per index, in the server's field layout."""

    def __init__(self, service: "QueryService", authorizer: Optional[Authorizer] = None) -> None:
        self.service = service
        self.authorizer = authorizer

    @property
    def ident(self) -> Tuple[str, str, str]:
        return ("system", "", "indexes")

    @property
    def path(self) -> str:
        return "system:indexes"

    def quoted(self) -> str:
        return "`system`:`indexes`"

    def scan(self, keys: Optional[List[bytes]] = None) -> Iterator[Tuple[bytes, Any]]:
        for by_name in list(self.service.indexes.values()):
            for ix in list(by_name.values()):
                if self.authorizer is not None and \
                        not self.authorizer.sees_index((ix["bucket"], ix["scope"], ix["collection"])):
                    continue
                key = ix["id"].encode()
                if keys is None or key in keys:
                    yield key, self._doc(ix)

    @staticmethod
    def _doc(ix: Dict[str, Any]) -> Dict[str, Any]:
        doc: Dict[str, Any] = {"datastore_id": "http://127.0.0.1:8091", "id": ix["id"],
                               "index_key": ix.get("index_key", []), "name": ix["name"],
                               "namespace_id": "default", "state": ix.get("state", "online"), "using": "gsi"}
        if ix["primary"]:
            doc["is_primary"] = True
        if ix.get("condition"):
            doc["condition"] = ix["condition"]
        if ix.get("partition"):
            doc["partition"] = ix["partition"]
        if (ix["scope"], ix["collection"]) == ("_default", "_default"):
            doc["keyspace_id"] = ix["bucket"]
        else:
            doc.update({"bucket_id": ix["bucket"], "scope_id": ix["scope"], "keyspace_id": ix["collection"]})
        return doc

    def value_of(self, doc: Any) -> Any:
        return doc

    def meta_of(self, key: bytes, doc: Any) -> Dict[str, Any]:
        return {"id": key.decode(), "keyspace": self.path}


def _outer_paths_as_expressions(sel: N.Select, outer: FrozenSet[str]) -> None:
    """A FROM or JOIN term written like a keyspace whose leading name is an alias the enclosing
    query binds (``FROM d.tags AS t`` in a subquery of ``... FROM default d``) is an expression over
    the outer row, as the server formalizes it, not a keyspace. Rewrites such terms of ``sel`` in
    place (idempotent: a prepared statement is planned again on every EXECUTE)."""
    ref = sel.keyspace
    if ref is not None and _names_outer_alias(ref, outer):
        if sel.use_keys is not None:
            raise QueryError(PARSE_SYNTAX, "FROM expression term cannot have USE KEYS or USE INDEX.", 400)
        sel.from_expr, sel.from_alias = _ref_expr(ref), ref.default_alias
        sel.keyspace = None
    scope = set(outer) | {sel.from_alias or (sel.keyspace.default_alias if sel.keyspace else "")}
    for j in sel.joins:
        t = j.term
        if isinstance(t, N.KeyspaceTerm) and j.keys is None and _names_outer_alias(t.ref, scope):
            if t.use_keys is not None:
                raise QueryError(PARSE_SYNTAX, f"{j.op} expression term cannot have USE KEYS or USE INDEX.",
                                 400)
            j.term = N.ExprTerm(_ref_expr(t.ref), t.alias, t.hint)
        scope.add(j.bound)


def _names_outer_alias(ref: N.KeyspaceRef, aliases: Any) -> bool:
    return ref.namespace is None and ref.parts[0] in aliases


def _ref_expr(ref: N.KeyspaceRef) -> N.Expr:
    expr: N.Expr = N.Ident(ref.parts[0])
    for part in ref.parts[1:]:
        expr = N.Field(expr, part)
    return expr


def _key_text(e: N.Expr) -> str:
    """An index key as system:indexes shows it (backquoted field paths)."""
    text = _path_text(e, "")
    if text is None:
        return "(expression)"
    return ".".join("`%s`" % p for p in text.split("."))



def _show(v: Any) -> str:
    return "MISSING" if v is MISSING else json.dumps(v)


def insert_document(ks: Keyspace, ex: Execution, key: Any, value: Any, upsert: bool,
                    returning: Optional[N.Returning], alias: str) -> Tuple[bool, Any]:
    """Write one document of an INSERT, UPSERT or MERGE ... INSERT, with the server's checks: a key
    that is not a string or a MISSING value is 5070, an existing key (INSERT) 12009/17012, a locked
    document 12009/12033; each is added to ``ex.errors`` and the statement goes on. Returns whether it
    was written and its RETURNING result (MISSING: none)."""
    verb = "UPSERT" if upsert else "INSERT"
    if not isinstance(key, str):
        ex.errors.append(QueryError(5070, f"Cannot {verb} non-string key {_show(key)} of type "
                                    f"{type(key).__name__}.", 200))
        return False, MISSING
    if value is MISSING:
        ex.errors.append(QueryError(5070, f"Cannot {verb} missing value for key {key}.", 200))
        return False, MISSING
    kb = key.encode("utf-8")
    old = ks.get(kb)
    if old is not None and not upsert:
        ex.errors.append(_dml_error(verb, key, DUPLICATE_KEY, f"Duplicate Key: {key}"))
        return False, MISSING
    if old is not None and ks.store.is_locked(old):
        ex.errors.append(_dml_error(verb, key, 12033, f"document {key} is locked"))
        return False, MISSING
    doc = store_doc(ks, kb, value)
    ex.mutation_count += 1
    if returning is None:
        return True, MISSING
    row = Row({alias: value}, {alias: ks.meta_of(kb, doc)}, alias)
    return True, _returning(returning, row, ex.opts.params)


def _dml_error(verb: str, key: str, reason_code: int, cause: str) -> QueryError:
    return QueryError(DML_FAILURE, "DML Error, possible causes include concurrent modification. "
                      f"Failed to perform {verb} on key {key} - cause: {cause}", 200,
                      {"caller": "couchbase_mock", "code": reason_code, "key": "dml.statement.error",
                       "message": cause})


def _use_keys(e: N.Expr, params: Params, row: Optional[Row] = None) -> List[bytes]:
    v = evaluate(e, row or Row({}), params)
    if isinstance(v, str):
        return [v.encode("utf-8")]
    if isinstance(v, list):
        return [x.encode("utf-8") for x in v if isinstance(x, str)]
    return []


def _count_value(e: Optional[N.Expr], params: Params, what: str) -> Any:
    if e is None:
        return None if what == "LIMIT" else 0
    v = evaluate(e, Row({}), params)
    if not is_number(v) or v < 0:
        raise QueryError(5030 if what == "LIMIT" else 5040, f"Invalid {what} value {_show(v)}", 500)
    return int(v)


def _implicit_name(e: Optional[N.Expr]) -> Optional[str]:
    if isinstance(e, N.Ident):
        return e.name
    if isinstance(e, N.Field):
        return e.name
    return None


def _names(terms: List[N.ResultTerm]) -> List[Optional[str]]:
    out: List[Optional[str]] = []
    n = 0
    for t in terms:
        if t.star:
            out.append(None)
            continue
        name = t.alias or _implicit_name(t.expr)
        if name is None:
            n += 1
            name = f"${n}"
        out.append(name)
    return out


def _signature(terms: List[N.ResultTerm], raw: bool) -> Any:
    if raw:
        return "json"
    sig: Dict[str, str] = {}
    for t, name in zip(terms, _names(terms)):
        if name is None:
            sig["*"] = "*"
        else:
            is_count = isinstance(t.expr, N.Call) and t.expr.name == "COUNT"
            sig[name] = "number" if is_count else "json"
    return sig


def _project_terms(terms: List[N.ResultTerm], raw: bool, row: Row, params: Params,
                   alias: Union[None, str, List[str]]) -> Any:
    """``alias``: what ``*`` shows: the one FROM alias, or each alias of a join (in FROM order)."""
    if raw:
        return evaluate(terms[0].expr, row, params)  # type: ignore[arg-type]
    out: Dict[str, Any] = {}
    for t, name in zip(terms, _names(terms)):
        if t.star and t.expr is None:
            for a in [alias] if isinstance(alias, str) else alias or []:
                if row.env.get(a, MISSING) is not MISSING:
                    out[a] = row.env[a]
            continue
        v = evaluate(t.expr, row, params)  # type: ignore[arg-type]
        if t.star:
            if isinstance(v, dict):
                out.update(v)
        elif v is not MISSING:
            out[name] = v  # type: ignore[index]
    return out


def _project(sel: N.Select, row: Row, params: Params, alias: Union[None, str, List[str]]) -> Any:
    return _project_terms(sel.projection, sel.raw, row, params, alias)


def _returning(ret: N.Returning, row: Row, params: Params) -> Any:
    return _project_terms(ret.terms, ret.raw, row, params, row.default)


def _aliases(sel: N.Select, out: Any) -> Optional[Dict[str, Any]]:
    """Projection names usable in ORDER BY (explicit AS aliases only, as the server resolves them first)."""
    if sel.raw or not isinstance(out, dict):
        return None
    named = {t.alias for t in sel.projection if t.alias}
    return {k: v for k, v in out.items() if k in named} or None


# the name an INSERT ... SELECT result is bound to while its KEY and VALUE are evaluated
_RESULT = "\x00result"


def _bind(rows: Iterator[Row], bindings: List[Tuple[str, N.Expr]], params: Params) -> Iterator[Row]:
    """LET / LETTING: each row gets the names bound in order (a binding may read the ones before it)."""
    for r in rows:
        r.env = dict(r.env)  # (rows may share their env with others: a group's, an outer row's)
        for name, e in bindings:
            r.env[name] = evaluate(e, r, params)
        yield r


def _offset_limit(outs: Iterator[Any], sel: N.Select, params: Params) -> Iterator[Any]:
    offset = _count_value(sel.offset, params, "OFFSET")
    limit = _count_value(sel.limit, params, "LIMIT")
    if offset or limit is not None:
        return itertools.islice(outs, offset, None if limit is None else offset + limit)
    return outs


def _set_op(op: str, every: bool, left: Iterator[Any], right: Iterator[Any]) -> Iterator[Any]:
    """UNION / INTERSECT / EXCEPT of two results, as the server's set operators: without ALL the
    result has no duplicates; INTERSECT ALL and EXCEPT ALL count them (a bag each side)."""
    if op == "UNION":
        both = itertools.chain(left, right)
        yield from both if every else _distinct(both)
        return
    counts: Dict[str, int] = {}
    for out in right:
        k = canonical(out)
        counts[k] = counts.get(k, 0) + 1
    seen: Set[str] = set()
    for out in left:
        k = canonical(out)
        if every:
            n = counts.get(k, 0)
            if (op == "INTERSECT") == (n > 0):
                yield out
            if n > 0:
                counts[k] = n - 1
        elif k not in seen and (op == "INTERSECT") == (k in counts):
            seen.add(k)
            yield out


def _aggregate_calls(exprs: List[Optional[N.Expr]]) -> List[N.Call]:
    """The aggregate calls in ``exprs`` (not inside another aggregate: that is refused earlier)."""
    out: List[N.Call] = []

    def walk(e: Optional[N.Expr]) -> None:
        if e is None:
            return
        if isinstance(e, N.Call) and e.is_aggregate:
            out.append(e)
            return
        for c in children(e):
            walk(c)

    for e in exprs:
        walk(e)
    return out


def _group(rows: Iterator[Row], keys: List[N.Expr], alias: Any, params: Params,
           calls: List[N.Call]) -> Iterator[Row]:
    """One row per group, its aggregates computed as the rows stream by (a group keeps its first
    row and one accumulator per aggregate call, not its rows)."""
    groups: Dict[str, Tuple[Row, List[Accumulator]]] = {}
    for r in rows:
        k = canonical([evaluate(e, r, params) for e in keys]) if keys else ""
        entry = groups.get(k)
        if entry is None:
            entry = groups[k] = (r, [Accumulator(c) for c in calls])
        for acc in entry[1]:
            acc.add(r, params)
    if not keys and not groups:
        groups[""] = (Row({}, {}, None), [Accumulator(c) for c in calls])
        empty = True
    else:
        empty = False
    for first, accs in groups.values():
        g = Row(first.env, first.metas, None if empty else first.default)
        g.group = []
        for acc in accs:
            g.cache[id(acc.call)] = acc.result()
        yield g


def _subquery_nodes(e: Optional[N.Expr], bound: FrozenSet[str] = frozenset()
                    ) -> Iterator[Tuple[N.Subquery, FrozenSet[str]]]:
    """The subquery expressions in ``e`` (not those nested inside them), each with the variables of
    the ANY/ARRAY ... FOR constructs around it (names a subquery may correlate on)."""
    if e is None:
        return
    if isinstance(e, N.Subquery):
        yield e, bound
        return
    if isinstance(e, (N.Collection, N.Comprehension)):
        inner = bound | {v for b in e.bindings for v in (b.var, b.name_var) if v is not None}
        for i, c in enumerate(children(e)):
            yield from _subquery_nodes(c, bound if i < len(e.bindings) else inner)
        return
    for c in children(e):
        yield from _subquery_nodes(c, bound)


def _distinct(outs: Iterator[Any]) -> Iterator[Any]:
    seen = set()
    for o in outs:
        c = canonical(o)
        if c not in seen:
            seen.add(c)
            yield o


def _paths(e: Optional[N.Expr], alias: str) -> set[Any]:
    """Path texts referenced in ``e`` (alias-relative), for matching secondary index keys."""
    out: set[Any] = set()
    if e is None:
        return out
    text = _path_text(e, alias)
    if text is not None:
        out.add(text)
    from couchbase_mock.query.evaluator import children

    for c in children(e):
        out |= _paths(c, alias)
    return out


def _path_text(e: N.Expr, alias: str) -> Optional[str]:
    parts: List[str] = []
    while isinstance(e, N.Field):
        parts.append(e.name)
        e = e.base
    if not isinstance(e, N.Ident):
        return None
    if e.name != alias or not parts:
        parts.append(e.name)
    return ".".join(reversed(parts))


def _set_unset_exprs(sets: List[N.SetTerm], unsets: List[N.UnsetTerm]) -> List[Optional[N.Expr]]:
    """Every expression of SET / UNSET terms (paths, values, FOR bindings and WHEN)."""
    out: List[Optional[N.Expr]] = []
    for path, value, update_for in sets:
        out += [path, value] + _for_exprs(update_for)
    for path, update_for in unsets:
        out += [path] + _for_exprs(update_for)
    return out


def _for_exprs(update_for: Optional[N.UpdateFor]) -> List[Optional[N.Expr]]:
    if update_for is None:
        return []
    return [b.expr for dim in update_for.dims for b in dim] + [update_for.when]


def _apply_set_unset(value: Any, sets: List[N.SetTerm], unsets: List[N.UnsetTerm], alias: str, row: Row,
                     params: Params) -> Any:
    """``value`` (the document bound to ``alias`` in ``row``) with the SET and UNSET terms applied:
    plain values are computed from the document as it was; a term with FOR ... END applies to each
    element its bindings reach (in place, so later terms see it)."""
    plain = [(path, evaluate(v, row, params)) for path, v, update_for in sets if update_for is None]
    for path, v in plain:
        value = _set_path(value, _path_parts(path, alias, row, params), v)
    for path, v, update_for in sets:
        if update_for is not None:
            value = _for_each(value, path, v, update_for, alias, row, params)
    for path, update_for in unsets:
        if update_for is None:
            value = _set_path(value, _path_parts(path, alias, row, params), MISSING)
        else:
            value = _for_each(value, path, None, update_for, alias, row, params)
    return value


def _for_each(value: Any, path: N.Expr, new: Optional[N.Expr], update_for: N.UpdateFor, alias: str,
              row: Row, params: Params) -> Any:
    """One ``SET path = new FOR ... END`` (``new`` None: UNSET) over every binding that ``WHEN`` admits.

    As the server (execution/update_set.go, update_util.go): each binding is a scope of its own whose
    variables hold the elements, so a path inside a FOR variable's element changes that element (an
    object or an array, in place), while a path that is the variable itself, or that starts at a name
    variable (a position or field name), changes only that scope: the document stays as it was. Any
    other path is the document's."""
    root = _path_root(path)
    variables = {b.var for dim in update_for.dims for b in dim}
    names = {b.name_var for dim in update_for.dims for b in dim if b.name_var is not None}
    if isinstance(path, N.Ident) and root in variables or root in names:
        return value
    for bound, slots in _bindings(update_for.dims, row, params):
        if update_for.when is not None and not truthy(evaluate(update_for.when, bound, params)):
            continue
        result = MISSING if new is None else evaluate(new, bound, params)
        if root not in slots:
            value = _set_path(value, _path_parts(path, alias, bound, params), result)
            continue
        container, at = slots[root]
        if isinstance(container, dict) and at not in container:
            continue  # removed by an earlier binding (WITHIN reaches inside what it changes)
        parts, element = _path_parts(path, root, bound, params), container[at]
        # only an object has fields, only an array positions
        if isinstance(element, dict) if isinstance(parts[0], str) else isinstance(element, list):
            _set_path({root: element}, [root] + parts, result)  # in place, through the element
    return value


Slot = Tuple[Any, Any]  # where a FOR variable's element lives: (its array or object, position or name)


def _bindings(dims: List[List[N.Binding]], row: Row, params: Params) -> Iterator[Tuple[Row, Dict[str, Slot]]]:
    """Each combination of the FOR dimensions (the bindings of one dimension advance together, as in a
    comprehension, as far as the shortest), with where each variable's element lives."""
    if not dims:
        yield row, {}
        return
    reached = [(b, binding_items(b, evaluate(b.expr, row, params)) or []) for b in dims[0]]
    for i in range(min(len(items) for _b, items in reached)):
        env = dict(row.env)
        slots: Dict[str, Slot] = {}
        for b, items in reached:
            container, at, element = items[i]
            env[b.var] = element
            if b.name_var is not None:
                env[b.name_var] = at
            slots[b.var] = (container, at)
        bound = Row(env, row.metas, row.default)
        for inner, inner_slots in _bindings(dims[1:], bound, params):
            yield inner, {**slots, **inner_slots}


def _path_root(e: N.Expr) -> Optional[str]:
    while isinstance(e, (N.Field, N.Index)):
        e = e.base
    return e.name if isinstance(e, N.Ident) else None


def _path_parts(e: N.Expr, alias: str, row: Row, params: Params) -> List[Any]:
    parts: List[Any] = []
    while True:
        if isinstance(e, N.Field):
            parts.append(e.name)
            e = e.base
        elif isinstance(e, N.Index):
            parts.append(evaluate(e.index, row, params))
            e = e.base
        elif isinstance(e, N.Ident):
            if e.name != alias:
                parts.append(e.name)
            break
        else:
            raise QueryError(3000, "syntax error - SET/UNSET needs a path", 400)
    parts.reverse()
    if not parts:
        raise QueryError(3000, "syntax error - SET/UNSET needs a path", 400)
    return parts


def _set_path(doc: Any, parts: List[Any], value: Any) -> Any:
    """``doc`` with the path set to ``value`` (MISSING removes a field; an array keeps its elements);
    intermediate objects are created."""
    if not isinstance(doc, dict):
        doc = {}
    cur = doc
    for p in parts[:-1]:
        nxt = cur.get(p) if isinstance(cur, dict) and isinstance(p, str) else (
            cur[p] if isinstance(cur, list) and is_number(p) and -len(cur) <= p < len(cur) else None)
        if not isinstance(nxt, (dict, list)):
            if value is MISSING or not isinstance(cur, dict) or not isinstance(p, str):
                return doc
            nxt = {}
            cur[p] = nxt
        cur = nxt
    last = parts[-1]
    if isinstance(cur, dict) and isinstance(last, str):
        if value is MISSING:
            cur.pop(last, None)
        else:
            cur[last] = value
    elif isinstance(cur, list) and is_number(last) and -len(cur) <= last < len(cur) and value is not MISSING:
        cur[int(last)] = value  # UNSET of a position changes nothing, as on the server (Element.Unset)
    return doc


_services: "weakref.WeakKeyDictionary[Any, QueryService]" = weakref.WeakKeyDictionary()


def service_for(cluster: Any) -> QueryService:
    """The (shared) :class:`QueryService` of ``cluster``."""
    svc = _services.get(cluster)
    if svc is None:
        svc = QueryService(cluster)
        _services[cluster] = svc
    return svc
