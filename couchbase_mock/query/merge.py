"""SQL++ MERGE: for each row of a source (keyspace, subquery or expression), update or delete the
target documents it matches, or insert one when it matches none, as Couchbase Server 7.x does.

Two forms: the lookup merge, ``ON [PRIMARY] KEY expr`` (the source row names the target document's key;
its INSERT gives only the value), and the ANSI merge, ``ON condition`` (the target documents for which
the condition holds; its INSERT gives ``(KEY k, VALUE v)``; the condition needs what an ANSI JOIN
needs: ``META(t).id = ...`` or a secondary index of the target it can use, else 4330). A matched
document is updated when the UPDATE action's WHERE holds, else deleted when the DELETE action's does;
one the statement has updated or deleted already is the server's 5320, a key inserted twice 5330.
``LIMIT`` caps each action's mutations. Errors on one document (locked, duplicate key) are reported
and the others are still done, as the server's DML does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Set, Tuple

from couchbase_mock.query import nodes as N
from couchbase_mock.query.errors import NO_ANSI_JOIN, QueryError
from couchbase_mock.query.evaluator import Row, check_expr, evaluate
from couchbase_mock.query.from_clause import primary_key_expr
from couchbase_mock.query.keyspace import Keyspace, delete_doc, store_doc
from couchbase_mock.query.values import MISSING, truthy

if TYPE_CHECKING:  # pragma: no cover
    from couchbase_mock.query.engine import Execution, Options, QueryService

__all__ = ["plan"]

MERGE_INSERT_NO_KEY = 3150
MERGE_INSERT_MISSING_KEY = 3160
MERGE_MULTI_UPDATE = 5320
MERGE_MULTI_INSERT = 5330


def plan(service: "QueryService", stmt: N.Merge, opts: "Options", dry_run: bool) -> "Execution":
    """Check and plan a MERGE (keyspaces, privileges, indexes); its rows run it.

    Args:
        service: The query service (keyspaces, indexes, subqueries).
        stmt: The statement.
        opts: The request's options.
        dry_run: Plan only (PREPARE, EXPLAIN).

    Returns:
        Execution: Its ``rows`` apply the merge (RETURNING rows, if any).

    Raises:
        QueryError: 3150/3160 (INSERT key forms), 12003, 4000, 4330, 13014 as the server.
    """
    from couchbase_mock.query.engine import Execution, _signature

    ks = service._keyspace(stmt.target, opts, opts.query_context)
    alias, source = stmt.target.default_alias, stmt.source
    if stmt.insert is not None:
        if stmt.lookup and stmt.insert[0] is not None:
            raise QueryError(MERGE_INSERT_NO_KEY, "MERGE with ON KEY clause cannot have document key "
                             "specification in INSERT action.", 400)
        if not stmt.lookup and stmt.insert[0] is None:
            raise QueryError(MERGE_INSERT_MISSING_KEY, "MERGE with ON clause must have document key "
                             "specification in INSERT action.", 400)
    exprs = _expressions(stmt)
    for e in exprs:
        check_expr(e, False)
    for privilege, wanted in (("update", stmt.update), ("delete", stmt.delete), ("insert", stmt.insert),
                              ("select", stmt.returning)):
        if wanted is not None:
            opts.need(privilege, ks)
    sub = None
    source_ks: Optional[Keyspace] = None
    if isinstance(source, N.KeyspaceTerm):
        source_ks = service._keyspace(source.ref, opts, opts.query_context)
        opts.need("select", source_ks)
        if source.use_keys is None:
            service._require_index(source_ks, None, source.alias)
    elif isinstance(source, N.SubqueryTerm):
        sub = service._select_plan(source.select, opts, frozenset())
    if not stmt.lookup and primary_key_expr(stmt.on, alias) is None \
            and not service._secondary_for(ks, stmt.on, alias):
        raise QueryError(NO_ANSI_JOIN, f"No index available for ANSI join term {alias}", 500)
    ex = Execution(opts)
    ex.is_dml = True
    ex.signature = _signature(stmt.returning.terms, stmt.returning.raw) if stmt.returning else None
    subplans = service._plan_expr_subqueries(exprs, opts, frozenset([alias, source.alias]))
    if sub is not None:
        service._subplans(sub, subplans)
    service._run_subqueries(ex, subplans)
    if not dry_run:
        ex.rows = _rows(service, stmt, ks, ex, _sources(service, stmt, ex, source_ks, sub))
    return ex


def _sources(service: "QueryService", stmt: N.Merge, ex: "Execution", source_ks: Optional[Keyspace],
                   sub: Any) -> List[Row]:
    """The source rows, read whole first (the statement may write into what it reads)."""
    from couchbase_mock.query.engine import _use_keys

    source, params = stmt.source, ex.opts.params
    name = source.alias
    if source_ks is not None:
        assert isinstance(source, N.KeyspaceTerm)
        keys = _use_keys(source.use_keys, params) if source.use_keys is not None else None
        return [Row({name: source_ks.value_of(doc)}, {name: source_ks.meta_of(key, doc)}, None)
                for key, doc in source_ks.scan(keys)]
    if sub is not None:
        return [Row({name: v}, {}, None) for v in service._select_rows(sub, ex)]
    assert isinstance(source, N.ExprTerm)
    value = evaluate(source.expr, Row({}), params)
    if value is MISSING:
        return []
    return [Row({name: v}, {}, None) for v in (value if isinstance(value, list) else [value])]


def _rows(service: "QueryService", stmt: N.Merge, ks: Keyspace, ex: "Execution",
                sources: List[Row]) -> Iterator[Any]:
    from couchbase_mock.query.engine import (
        _apply_set_unset,
        _count_value,
        _dml_error,
        _returning,
        insert_document,
    )

    params = ex.opts.params
    alias = stmt.target.default_alias
    limit = _count_value(stmt.limit, params, "LIMIT")
    done: Dict[str, int] = {"update": 0, "delete": 0, "insert": 0}
    touched: Set[bytes] = set()
    inserted: Set[str] = set()
    for srow in sources:
        ex.tick()
        key_value, matches = _matches(service, stmt, ks, srow, ex)
        # matched against the documents as they were before the statement (the server collects its
        # inserts and writes them last): one this statement inserted does not match
        matches = [(kb, doc) for kb, doc in matches if kb.decode("utf-8", "replace") not in inserted]
        if not matches:
            if stmt.insert is None:
                continue
            kexpr, vexpr, where = stmt.insert
            if where is not None and not truthy(evaluate(where, srow, params)):
                continue
            key = key_value if stmt.lookup else evaluate(kexpr, srow, params)  # type: ignore[arg-type]
            if isinstance(key, str):  # a key of another type is insert_document's 5070
                if key in inserted:
                    ex.errors.append(QueryError(MERGE_MULTI_INSERT, "Multiple INSERT of the same document "
                                                f"(document key '{key}') in a MERGE statement", 500))
                    continue
                inserted.add(key)
                if limit is not None and done["insert"] >= limit:
                    continue
            written, out = insert_document(ks, ex, key, evaluate(vexpr, srow, params), False,
                                           stmt.returning, alias)
            done["insert"] += written
            if out is not MISSING:
                yield out
            continue
        for kb, doc in matches:
            skey = kb.decode("utf-8", "replace")
            value = ks.value_of(doc)
            row = Row({**srow.env, alias: value}, {**srow.metas, alias: ks.meta_of(kb, doc)}, None)
            action = None
            if stmt.update is not None and (stmt.update[2] is None
                                            or truthy(evaluate(stmt.update[2], row, params))):
                action = "update"
            elif stmt.delete is not None and (stmt.delete[0] is None
                                              or truthy(evaluate(stmt.delete[0], row, params))):
                action = "delete"
            if action is None:
                continue
            if kb in touched:
                ex.errors.append(QueryError(MERGE_MULTI_UPDATE, "Multiple UPDATE/DELETE of the same "
                                            f"document (document key '{skey}') in a MERGE statement", 500))
                continue
            touched.add(kb)
            if limit is not None and done[action] >= limit:
                continue
            if ks.store.is_locked(doc):
                ex.errors.append(_dml_error(action.upper(), skey, 12033, f"document {skey} is locked"))
                continue
            if action == "update":
                assert stmt.update is not None
                sets, unsets, _where = stmt.update
                value = _apply_set_unset(value, sets, unsets, alias, row, params)
                new = store_doc(ks, kb, value, doc.expiry if ex.opts.preserve_expiry else 0)
                meta = ks.meta_of(kb, new)
            else:
                delete_doc(ks, kb, doc)
                meta = ks.meta_of(kb, doc)
            done[action] += 1
            ex.mutation_count += 1
            if stmt.returning is not None:
                out = _returning(stmt.returning, Row({alias: value}, {alias: meta}, alias), params)
                if out is not MISSING:
                    yield out


def _matches(service: "QueryService", stmt: N.Merge, ks: Keyspace, srow: Row,
                   ex: "Execution") -> Tuple[Any, List[Tuple[bytes, Any]]]:
    """(the ON KEY value of a lookup merge, the target documents ``srow`` matches)."""
    params = ex.opts.params
    alias = stmt.target.default_alias
    if stmt.lookup:
        key = evaluate(stmt.on, srow, params)
        if not isinstance(key, str):
            return key, []
        doc = ks.get(key.encode("utf-8"))
        return key, [] if doc is None else [(key.encode("utf-8"), doc)]
    pk = primary_key_expr(stmt.on, alias)
    keys = None
    if pk is not None:
        wanted = evaluate(pk, srow, params)
        wanted = wanted if isinstance(wanted, list) else [wanted]
        keys = [k.encode("utf-8") for k in wanted if isinstance(k, str)]
    matches = []
    for kb, doc in ks.scan(keys):
        ex.tick()
        row = Row({**srow.env, alias: ks.value_of(doc)}, {**srow.metas, alias: ks.meta_of(kb, doc)}, None)
        if truthy(evaluate(stmt.on, row, params)):
            matches.append((kb, doc))
    return None, matches


def _expressions(stmt: N.Merge) -> List[Optional[N.Expr]]:
    out: List[Optional[N.Expr]] = [stmt.on, stmt.limit]
    if isinstance(stmt.source, N.ExprTerm):
        out.append(stmt.source.expr)
    if stmt.update is not None:
        from couchbase_mock.query.engine import _set_unset_exprs

        out += _set_unset_exprs(stmt.update[0], stmt.update[1]) + [stmt.update[2]]
    if stmt.delete is not None:
        out.append(stmt.delete[0])
    if stmt.insert is not None:
        out += list(stmt.insert)
    if stmt.returning is not None:
        out += [t.expr for t in stmt.returning.terms]
    return out
