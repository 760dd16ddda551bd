"""Recursive-descent parser: statement text -> :mod:`nodes` tree.

Grammar (subset of SQL++ for Couchbase): SELECT (with RAW/ELEMENT/VALUE,
DISTINCT, FROM keyspace [AS alias] [USE KEYS], FROM expression [AS] alias or FROM (subquery) [AS] alias,
followed by ANSI ``[INNER|LEFT [OUTER]] JOIN|NEST term [USE HASH|NL] ON cond`` (a ``RIGHT [OUTER] JOIN``
only as the first join), lookup ``JOIN|NEST keyspace ON KEYS expr``, ``[LEFT] UNNEST expr [AS] alias`` and
comma-separated ``[LATERAL]`` terms (``FROM a, b``: an inner join on the WHERE clause);
LET, WHERE, GROUP BY [AS], LETTING, HAVING, WINDOW; UNION / INTERSECT / EXCEPT [ALL]; ORDER BY, LIMIT,
OFFSET; a leading WITH [RECURSIVE], in a subquery too), subqueries and ``EXISTS`` in expressions,
INSERT/UPSERT ... VALUES or ... SELECT, DELETE, UPDATE ... SET / UNSET [FOR ... END], MERGE, CREATE/DROP
[PRIMARY] INDEX, CREATE/DROP SCOPE and COLLECTION, PREPARE and EXECUTE. Any token the grammar does not
expect raises the server's 3000 error, worded ``syntax error - at <token>``.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from couchbase_mock.query import nodes as N
from couchbase_mock.query.errors import NO_TERM_NAME, PARSE_SYNTAX, QueryError, syntax_error
from couchbase_mock.query.lexer import Token, tokenize
from couchbase_mock.query.values import MISSING
from couchbase_mock.query.window_names import check_frame, resolve_windows

__all__ = ["parse", "parse_expression"]

# Words that cannot be bare identifiers (they end an expression or an alias).
RESERVED = frozenset("""
ALL AND ANY AS ASC BETWEEN BY CASE CREATE DELETE DESC DISTINCT DROP ELEMENT ELSE END EVERY EXCEPT EXECUTE EXISTS
FALSE FLATTEN FOR FROM GROUP HAVING IN INDEX INNER INSERT INTERSECT INTO IS JOIN KEY KEYS LATERAL LEFT LET
LETTING LIKE LIMIT MISSING NEST NOT NULL OFFSET ON OR ORDER OUTER PREPARE PRIMARY RAW RETURNING RIGHT SATISFIES
SELECT SET THEN TRUE UNION UNNEST UNSET UPDATE UPSERT USE USING VALUE VALUED VALUES WHEN WHERE WINDOW WITH WITHIN
""".split())  # noqa: E501 - a word list: the string stays as written

_COMPARE = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    # ---- token helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def advance(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "EOF":
            self.i += 1
        return t

    def fail(self, tok: Optional[Token] = None) -> Exception:
        return syntax_error((tok or self.tok).text)

    def at_op(self, *ops: str) -> bool:
        return self.tok.kind == "OP" and self.tok.value in ops

    def accept_op(self, op: str) -> bool:
        if self.at_op(op):
            self.advance()
            return True
        return False

    def expect_op(self, op: str) -> None:
        if not self.accept_op(op):
            raise self.fail()

    def at_kw(self, *words: str) -> bool:
        return self.tok.is_kw(*words)

    def accept_kw(self, *words: str) -> Optional[str]:
        if self.tok.is_kw(*words):
            return str(self.advance().value).upper()
        return None

    def expect_kw(self, *words: str) -> str:
        word = self.accept_kw(*words)
        if word is None:
            raise self.fail()
        return word

    def ident(self, allow_reserved: Tuple[str, ...] = ()) -> str:
        t = self.tok
        if t.kind == "QIDENT" or (t.kind == "IDENT" and (str(t.value).upper() not in RESERVED
                                                          or str(t.value).upper() in allow_reserved)):
            self.advance()
            return str(t.value)
        raise self.fail()

    def at_ident(self) -> bool:
        t = self.tok
        return t.kind == "QIDENT" or (t.kind == "IDENT" and str(t.value).upper() not in RESERVED)

    # ---- statements
    def statement(self) -> N.Statement:
        t = self.tok
        if t.is_kw("SELECT", "WITH"):
            stmt: N.Statement = self.select()
        elif t.is_kw("INSERT", "UPSERT"):
            stmt = self.insert()
        elif t.is_kw("DELETE"):
            stmt = self.delete()
        elif t.is_kw("UPDATE"):
            stmt = self.update()
        elif t.is_kw("MERGE"):
            stmt = self.merge()
        elif t.is_kw("CREATE", "DROP") and self.peek().is_kw("SCOPE", "COLLECTION"):
            stmt = self.scope_ddl()
        elif t.is_kw("CREATE"):
            stmt = self.create_index()
        elif t.is_kw("DROP"):
            stmt = self.drop_index()
        elif t.is_kw("BUILD"):
            stmt = self.build_index()
        elif t.is_kw("PREPARE"):
            stmt = self.prepare()
        elif t.is_kw("EXECUTE"):
            self.advance()
            stmt = N.Execute(self.name_token())
        elif t.is_kw("EXPLAIN"):
            self.advance()
            start = self.tok.pos
            inner = self._dml_or_select()
            stmt = N.Explain(inner, self.src[start:self.tok.pos].strip().rstrip(";").strip())
        else:
            raise self.fail()
        self.accept_op(";")
        if self.tok.kind != "EOF":
            raise self.fail()
        return stmt

    def name_token(self) -> str:
        t = self.tok
        if t.kind in ("IDENT", "QIDENT", "STRING"):
            self.advance()
            return str(t.value)
        raise self.fail()

    def prepare(self) -> N.Prepare:
        self.expect_kw("PREPARE")
        self.accept_kw("FORCE") if self.tok.is_kw("FORCE") and not self.peek().is_kw("FROM", "AS") else None
        name = None
        if self.tok.kind in ("IDENT", "QIDENT", "STRING") and self.peek().is_kw("FROM", "AS") \
                and not self.tok.is_kw("SELECT", "INSERT", "UPSERT", "DELETE", "UPDATE"):
            name = self.name_token()
            self.advance()
        start = self.tok.pos
        inner = self._dml_or_select()
        end = self.tok.pos
        return N.Prepare(name, inner, self.src[start:end].strip().rstrip(";").strip())

    def _dml_or_select(self) -> N.Statement:
        """The statement PREPARE and EXPLAIN take: SELECT, INSERT/UPSERT, DELETE or UPDATE."""
        t = self.tok
        if t.is_kw("SELECT", "WITH"):
            return self.select()
        if t.is_kw("INSERT", "UPSERT"):
            return self.insert()
        if t.is_kw("DELETE"):
            return self.delete()
        if t.is_kw("UPDATE"):
            return self.update()
        if t.is_kw("MERGE"):
            return self.merge()
        raise self.fail()

    def select(self) -> N.Select:
        """A full select: subselects joined by UNION / INTERSECT / EXCEPT [ALL] (left to right, one
        precedence, as the server's grammar), then ORDER BY, LIMIT and OFFSET, which apply to the
        whole result when there are several subselects (they are kept on the first). A leading
        ``WITH name AS (...), ...`` names values for the whole statement (kept on the first too)."""
        withs: List[N.WithTerm] = []
        recursive = False
        if self.accept_kw("WITH"):
            recursive = self.accept_kw("RECURSIVE") is not None
            withs = self.with_clause(recursive)
        head = self.subselect()
        head.withs, head.recursive = withs, recursive
        while True:
            op = self.accept_kw("UNION", "INTERSECT", "EXCEPT")
            if op is None:
                break
            every = self.accept_kw("ALL") is not None
            if self.at_op("(") and self.peek().is_kw("SELECT", "WITH"):
                self.advance()
                term = self.select()  # with its own ORDER BY / LIMIT
                self.expect_op(")")
            else:
                term = self.subselect()
            head.set_ops.append((op, every, term))
        self._order_limit(head)
        resolve_windows(head)
        return head

    def with_clause(self, recursive: bool) -> List[N.WithTerm]:
        """``name AS (SELECT ... | expression) [CYCLE expr, ... RESTRICT] [OPTIONS {...}], ...`` after
        WITH [RECURSIVE] (common table expressions; CYCLE and OPTIONS need RECURSIVE, as on the server)."""
        out: List[N.WithTerm] = []
        while True:
            name = self.ident()
            self.expect_kw("AS")
            self.expect_op("(")
            value: "N.Expr | N.Select" = self.select() if self.at_kw("SELECT", "WITH") else self.expr()
            self.expect_op(")")
            term = N.WithTerm(name, value)
            if self.accept_kw("CYCLE"):
                while True:
                    start = self.tok.pos
                    term.cycle.append(self.expr())
                    term.cycle_text.append(self.src[start:self.tok.pos].strip())
                    if not self.accept_op(","):
                        break
                self.expect_kw("RESTRICT")
            if self.accept_kw("OPTIONS"):
                at = self.tok
                term.options = self.expr()
                if not isinstance(term.options, N.ObjectLit):
                    raise self.fail(at)
                if not _static(term.options):
                    raise QueryError(PARSE_SYNTAX, "OPTIONS value must be static", 400)
            if not recursive and (term.options is not None or term.cycle):
                what = "OPTIONS" if term.options is not None else "CYCLE"
                raise QueryError(PARSE_SYNTAX, f"cannot have {what} without RECURSIVE keyword as part of "
                                 f"'{name}'", 400)
            out.append(term)
            if not self.accept_op(","):
                return out

    def subselect(self) -> N.Select:
        """``SELECT ... [FROM ...] [LET ...] [WHERE ...] [GROUP BY ... [LETTING ...] [HAVING ...]]``."""
        self.expect_kw("SELECT")
        distinct = raw = False
        for _ in range(2):
            if self.accept_kw("DISTINCT"):
                distinct = True
            elif self.accept_kw("ALL"):
                pass
            elif self.accept_kw("RAW", "ELEMENT", "VALUE"):
                raw = True
        if raw:
            projection = [N.ResultTerm(self.expr())]
            if self.accept_kw("AS"):
                projection[0].alias = self.ident()
        else:
            projection = self.result_terms()
        sel = N.Select(projection, raw=raw, distinct=distinct)
        if self.accept_kw("FROM"):
            self.from_clause(sel)
        return self._select_tail(sel)

    def let_bindings(self) -> List[Tuple[str, N.Expr]]:
        """``name = expr, ...`` of LET and LETTING."""
        out: List[Tuple[str, N.Expr]] = []
        while True:
            name = self.ident()
            if not self.accept_op("="):
                raise self.fail()
            out.append((name, self.expr()))
            if not self.accept_op(","):
                return out

    # ---- FROM clause
    def from_clause(self, sel: N.Select) -> None:
        first = self.simple_term()
        if self.at_kw("RIGHT"):
            # only the first join may be a RIGHT one; the server runs `a RIGHT JOIN b ON c`
            # as `b LEFT JOIN a ON c`
            self.advance()
            self.accept_kw("OUTER")
            self.expect_kw("JOIN")
            if self.at_kw("LATERAL"):
                raise QueryError(PARSE_SYNTAX, "LATERAL cannot be specified in RIGHT OUTER JOIN", 400)
            swapped = self.simple_term()
            self.expect_kw("ON")
            sel.joins.append(N.Join("JOIN", True, first, self.expr()))
            first = swapped
        if isinstance(first, N.KeyspaceTerm):
            first.ref.alias = first.alias
            sel.keyspace, sel.use_keys = first.ref, first.use_keys
        elif isinstance(first, N.SubqueryTerm):
            sel.from_subquery, sel.from_alias = first.select, first.alias
        else:
            assert isinstance(first, N.ExprTerm)
            sel.from_expr, sel.from_alias = first.expr, first.alias
        comma: Optional[N.FromTerm] = None  # the last comma-separated term
        while True:
            if self.accept_op(","):
                # FROM a, [LATERAL] b: an inner join whose condition is the WHERE clause (a
                # cross product without one)
                self.accept_kw("LATERAL")  # optional: a term reading an earlier alias is lateral anyway
                comma = self.simple_term()
                sel.joins.append(N.Join("JOIN", False, comma, comma=True))
                continue
            if comma is not None and self.at_kw("INNER", "LEFT", "JOIN", "NEST", "UNNEST", "FLATTEN"):
                # the server's grammar: `from_terms , from_term`, where the right side must be simple
                raise QueryError(PARSE_SYNTAX, f"Right side ({comma.alias} {self.tok.value} ...) of a COMMA "
                                 "in a FROM clause must be a simple term or sub-query", 400)
            start = self.tok
            outer = False
            if self.accept_kw("INNER"):
                pass
            elif self.accept_kw("LEFT"):
                self.accept_kw("OUTER")
                outer = True
            op = self.accept_kw("JOIN", "NEST", "UNNEST", "FLATTEN")
            if op is None:
                if self.tok is not start:
                    raise self.fail()
                return
            if op in ("UNNEST", "FLATTEN"):
                expr = self.expr()
                alias = self.opt_alias() or _implicit_alias(expr)
                if alias is None:
                    raise QueryError(NO_TERM_NAME, "UNNEST term must have a name or alias", 500)
                sel.joins.append(N.Join("UNNEST", outer, None, None, expr, alias))
                continue
            lateral = self.accept_kw("LATERAL") is not None
            right = self.simple_term()
            self.expect_kw("ON")
            if self.at_kw("KEYS", "PRIMARY"):
                # a lookup join/nest: ON [PRIMARY] KEYS <expression>
                if lateral:
                    raise QueryError(PARSE_SYNTAX, f"LATERAL cannot be specified in lookup {op.lower()} "
                                     "with ON KEYS clause", 400)
                self.accept_kw("PRIMARY")
                self.expect_kw("KEYS")
                if not isinstance(right, N.KeyspaceTerm):
                    raise QueryError(PARSE_SYNTAX, f"{op} must be done on a keyspace", 400)
                sel.joins.append(N.Join(op, outer, right, None, keys=self.expr()))
                continue
            sel.joins.append(N.Join(op, outer, right, self.expr()))

    def opt_alias(self) -> Optional[str]:
        if self.accept_kw("AS"):
            return self.ident()
        if self.at_ident():
            return self.ident()
        return None

    def simple_term(self) -> N.FromTerm:
        """A keyspace, ``(SELECT ...) [AS] alias`` or an expression term, with its USE clauses."""
        if self.at_op("(") and self.peek().is_kw("SELECT", "WITH"):
            self.advance()
            sub = self.select()
            self.expect_op(")")
            alias = self.opt_alias()
            if alias is None:
                raise QueryError(PARSE_SYNTAX, "Subquery in FROM clause must have an alias.", 400)
            keys, hint = self.use_clause()
            if keys is not None:
                raise QueryError(PARSE_SYNTAX, "FROM Subquery cannot have USE KEYS or USE INDEX.", 400)
            return N.SubqueryTerm(sub, alias, hint)
        t = self.tok
        if self.at_op("[", "(", "{") or t.kind in ("PARAM", "NUMBER", "STRING") or (
                self.at_ident() and self.peek().kind == "OP" and self.peek().value == "("):
            # an expression term: FROM ARRAY_RANGE(0, 10) AS n, FROM [1, 2] AS n
            expr = self.expr()
            if not self.accept_kw("AS") and not self.at_ident():
                raise self.fail()
            alias = self.ident()
            keys, hint = self.use_clause()
            if keys is not None:
                raise QueryError(PARSE_SYNTAX, "FROM Expression cannot have USE KEYS or USE INDEX.", 400)
            return N.ExprTerm(expr, alias, hint)
        ref = self.keyspace_ref(alias=True)
        keys, hint = self.use_clause()
        return N.KeyspaceTerm(ref, ref.default_alias, keys, hint)

    def use_clause(self) -> Tuple[Optional[N.Expr], Optional[str]]:
        """``USE [PRIMARY] KEYS expr``, ``USE INDEX (...)`` (accepted, the mock has no index choice),
        ``USE HASH(BUILD|PROBE)`` and ``USE NL``: (keys, join hint)."""
        keys: Optional[N.Expr] = None
        hint: Optional[str] = None
        while self.accept_kw("USE"):
            while True:
                if self.at_kw("PRIMARY", "KEYS") and keys is None:
                    self.accept_kw("PRIMARY")
                    self.expect_kw("KEYS")
                    keys = self.expr()
                elif self.accept_kw("INDEX"):
                    self.expect_op("(")
                    while True:
                        self.name_token()
                        if self.accept_kw("USING"):
                            self.ident()
                        if not self.accept_op(","):
                            break
                    self.expect_op(")")
                elif self.tok.is_kw("HASH") and hint is None:
                    self.advance()
                    self.expect_op("(")
                    side = self.tok
                    if not side.is_kw("BUILD", "PROBE"):
                        raise self.fail()
                    self.advance()
                    self.expect_op(")")
                    hint = "HASH_" + str(side.value).upper()
                elif self.tok.is_kw("NL") and hint is None:
                    self.advance()
                    hint = "NL"
                else:
                    raise self.fail()
                if not (self.at_kw("KEYS", "PRIMARY", "INDEX") or self.tok.is_kw("HASH", "NL")):
                    break
        return keys, hint

    def _select_tail(self, sel: N.Select) -> N.Select:
        if self.accept_kw("LET"):
            sel.let = self.let_bindings()
        if self.accept_kw("WHERE"):
            sel.where = self.expr()
        if self.accept_kw("GROUP"):
            self.expect_kw("BY")
            while True:
                e = self.expr()
                sel.group_by.append(e)
                if self.accept_kw("AS"):  # GROUP BY expr AS name: the group's key by that name
                    sel.group_as.append((self.ident(), e))
                if not self.accept_op(","):
                    break
            if self.accept_kw("LETTING"):
                sel.letting = self.let_bindings()
            if self.accept_kw("HAVING"):
                sel.having = self.expr()
        elif self.accept_kw("LETTING"):  # without GROUP BY: the whole result is one group
            sel.letting = self.let_bindings()
        if self.accept_kw("WINDOW"):
            while True:
                name = self.ident()
                self.expect_kw("AS")
                sel.windows.append((name, self.window_spec("")))
                if not self.accept_op(","):
                    break
        return sel

    def _order_limit(self, sel: N.Select) -> N.Select:
        if self.accept_kw("ORDER"):
            self.expect_kw("BY")
            while True:
                e = self.expr()
                desc = self.accept_kw("ASC", "DESC") == "DESC"
                sel.order_by.append((e, desc))
                if not self.accept_op(","):
                    break
        while self.at_kw("LIMIT", "OFFSET"):
            if self.accept_kw("LIMIT"):
                if sel.limit is not None:
                    raise self.fail(self.toks[self.i - 1])
                sel.limit = self.expr()
            else:
                self.advance()
                if sel.offset is not None:
                    raise self.fail(self.toks[self.i - 1])
                sel.offset = self.expr()
        return sel

    def result_terms(self) -> List[N.ResultTerm]:
        terms = []
        while True:
            if self.accept_op("*"):
                terms.append(N.ResultTerm(None, star=True))
            else:
                e = self.expr()
                if self.at_op(".") and self.peek().kind == "OP" and self.peek().value == "*":
                    self.advance()
                    self.advance()
                    terms.append(N.ResultTerm(e, star=True))
                else:
                    alias = None
                    if self.accept_kw("AS"):
                        alias = self.ident()
                    elif self.at_ident():
                        alias = self.ident()
                    terms.append(N.ResultTerm(e, alias))
            if not self.accept_op(","):
                return terms

    def keyspace_ref(self, alias: bool) -> N.KeyspaceRef:
        namespace = None
        first = (self.ident(allow_reserved=("DEFAULT",)) if not self.tok.is_kw("DEFAULT")
                 else str(self.advance().value))
        if self.accept_op(":"):
            namespace = first
            first = self.ident(allow_reserved=("DEFAULT",)) if not self.tok.is_kw("DEFAULT") else str(
                self.advance().value)
        parts = [first]
        while len(parts) < 3 and self.at_op(".") and self.peek().kind in ("IDENT", "QIDENT"):
            self.advance()
            parts.append(self.ident())
        ref = N.KeyspaceRef(namespace, parts)
        if alias:
            if self.accept_kw("AS"):
                ref.alias = self.ident()
            elif self.at_ident():
                ref.alias = self.ident()
        return ref

    def returning(self) -> Optional[N.Returning]:
        if not self.accept_kw("RETURNING"):
            return None
        if self.accept_kw("RAW", "ELEMENT", "VALUE"):
            return N.Returning([N.ResultTerm(self.expr())], raw=True)
        return N.Returning(self.result_terms())

    def insert(self) -> N.Insert:
        upsert = self.expect_kw("INSERT", "UPSERT") == "UPSERT"
        self.expect_kw("INTO")
        ks = self.keyspace_ref(alias=True)
        self.expect_op("(")
        self.expect_kw("KEY")
        if not self.at_op(","):
            return self._insert_select(ks, upsert)
        self.expect_op(",")
        self.expect_kw("VALUE")
        if self.accept_op(","):
            self.expect_kw("OPTIONS") if self.tok.is_kw("OPTIONS") else self.ident()
        self.expect_op(")")
        self.expect_kw("VALUES")
        values = []
        while True:
            self.expect_op("(")
            k = self.expr()
            self.expect_op(",")
            v = self.expr()
            if self.accept_op(","):
                self.expr()  # OPTIONS (expiration); accepted, not applied
            self.expect_op(")")
            values.append((k, v))
            if not self.accept_op(","):
                break
            self.accept_kw("VALUES")
        return N.Insert(ks, values, upsert, self.returning())

    def _insert_select(self, ks: N.KeyspaceRef, upsert: bool) -> N.Insert:
        """``... (KEY expr [, VALUE expr] [, OPTIONS expr]) SELECT ...``: a document per result of the
        query, its key and value computed from the result's fields (no VALUE: the result itself)."""
        key = self.expr()
        value: Optional[N.Expr] = None
        if self.accept_op(","):
            if self.accept_kw("VALUE"):
                value = self.expr()
                if self.accept_op(","):
                    self.expect_kw("OPTIONS")
                    self.expr()  # (expiration); accepted, not applied
            else:
                self.expect_kw("OPTIONS")
                self.expr()
        self.expect_op(")")
        query = self.select()
        return N.Insert(ks, [], upsert, self.returning(), query=query, key=key, value=value)

    def delete(self) -> N.Delete:
        self.expect_kw("DELETE")
        self.expect_kw("FROM")
        stmt = N.Delete(self.keyspace_ref(alias=True))
        if self.accept_kw("USE"):
            self.accept_kw("PRIMARY")
            self.expect_kw("KEYS")
            stmt.use_keys = self.expr()
        if self.accept_kw("WHERE"):
            stmt.where = self.expr()
        if self.accept_kw("LIMIT"):
            stmt.limit = self.expr()
        stmt.returning = self.returning()
        return stmt

    def update(self) -> N.Update:
        self.expect_kw("UPDATE")
        stmt = N.Update(self.keyspace_ref(alias=True), [], [])
        if self.accept_kw("USE"):
            self.accept_kw("PRIMARY")
            self.expect_kw("KEYS")
            stmt.use_keys = self.expr()
        stmt.sets, stmt.unsets = self._set_unset()
        if self.accept_kw("WHERE"):
            stmt.where = self.expr()
        if self.accept_kw("LIMIT"):
            stmt.limit = self.expr()
        stmt.returning = self.returning()
        return stmt

    def _set_unset(self) -> Tuple[List[N.SetTerm], List[N.UnsetTerm]]:
        """``SET path = expr [FOR ... END], ... [UNSET path [FOR ... END], ...]`` or ``UNSET ...`` (one
        of them at least)."""
        sets: List[N.SetTerm] = []
        unsets: List[N.UnsetTerm] = []
        if self.accept_kw("SET"):
            while True:
                path = self.postfix()
                self.expect_op("=")
                value = self.expr()
                sets.append((path, value, self._update_for()))
                if not self.accept_op(","):
                    break
        if self.accept_kw("UNSET"):
            while True:
                path = self.postfix()
                unsets.append((path, self._update_for()))
                if not self.accept_op(","):
                    break
        if not sets and not unsets:
            raise self.fail()
        return sets, unsets

    def _update_for(self) -> Optional[N.UpdateFor]:
        """``FOR [name:]var IN | WITHIN expr [, ...] [FOR ...] [WHEN cond] END``, if there."""
        if not self.at_kw("FOR"):
            return None
        dims: List[List[N.Binding]] = []
        while self.accept_kw("FOR"):
            dims.append(self.bindings(update=True))
        when = self.expr() if self.accept_kw("WHEN") else None
        self.expect_kw("END")
        return N.UpdateFor(dims, when)

    def merge(self) -> N.Merge:
        """``MERGE INTO target [AS t] USING source ON [PRIMARY] KEY expr | ON expr`` then ``WHEN MATCHED
        THEN UPDATE SET ... [UNSET ...] [WHERE ...]``, ``WHEN MATCHED THEN DELETE [WHERE ...]``, ``WHEN
        NOT MATCHED THEN INSERT value | (KEY k, VALUE v [, OPTIONS o]) [WHERE ...]``, in that order, each
        optional; ``[LIMIT n] [RETURNING ...]``."""
        self.expect_kw("MERGE")
        self.expect_kw("INTO")
        target = self.keyspace_ref(alias=True)
        self.expect_kw("USING")
        source = self.simple_term()
        self.expect_kw("ON")
        lookup = False
        if self.at_kw("PRIMARY", "KEY"):
            self.accept_kw("PRIMARY")
            self.expect_kw("KEY")
            lookup = True
        stmt = N.Merge(target, source, self.expr(), lookup)
        seen = 0  # the actions come in this order: UPDATE, DELETE, INSERT
        while self.accept_kw("WHEN"):
            if self.accept_kw("NOT"):
                self.expect_kw("MATCHED")
                self.expect_kw("THEN")
                self.expect_kw("INSERT")
                if seen >= 3:
                    raise self.fail(self.toks[self.i - 1])
                stmt.insert = self._merge_insert()
                seen = 3
                continue
            self.expect_kw("MATCHED")
            self.expect_kw("THEN")
            action = self.expect_kw("UPDATE", "DELETE")
            order = 1 if action == "UPDATE" else 2
            if seen >= order:
                raise self.fail(self.toks[self.i - 1])
            seen = order
            if action == "UPDATE":
                sets, unsets = self._set_unset()
                stmt.update = (sets, unsets, self.expr() if self.accept_kw("WHERE") else None)
            else:
                stmt.delete = (self.expr() if self.accept_kw("WHERE") else None,)
        if self.accept_kw("LIMIT"):
            stmt.limit = self.expr()
        stmt.returning = self.returning()
        return stmt

    def _merge_insert(self) -> Tuple[Optional[N.Expr], N.Expr, Optional[N.Expr]]:
        """(key or None, value, where) of ``INSERT value``, ``INSERT (k, v [, o])`` or ``INSERT (KEY k,
        VALUE v [, OPTIONS o])``."""
        key: Optional[N.Expr] = None
        start = self.i
        if self.accept_op("("):
            named = self.accept_kw("KEY") is not None
            first = self.expr()
            if named or self.at_op(","):
                key = first
                self.expect_op(",")
                if named:
                    self.expect_kw("VALUE")
                value = self.expr()
                if self.accept_op(","):
                    if named:
                        self.expect_kw("OPTIONS")
                    self.expr()  # (expiration); accepted, not applied
                self.expect_op(")")
                return key, value, self.expr() if self.accept_kw("WHERE") else None
            self.i = start  # a parenthesized value expression
        value = self.expr()
        return key, value, self.expr() if self.accept_kw("WHERE") else None

    def _index_tail(self) -> Optional[N.Expr]:
        if self.accept_kw("USING"):
            self.ident()
        if self.accept_kw("WITH"):
            return self.expr()
        return None

    def build_index(self) -> N.BuildIndex:
        self.expect_kw("BUILD")
        self.expect_kw("INDEX")
        self.expect_kw("ON")
        ks = self.keyspace_ref(alias=False)
        self.expect_op("(")
        names = self.expr_list()
        self.expect_op(")")
        self._index_tail()
        return N.BuildIndex(ks, names)

    def scope_ddl(self) -> N.ScopeDDL:
        """``CREATE SCOPE [IF NOT EXISTS] [ns:]bucket.scope [IF NOT EXISTS]``, ``DROP SCOPE [IF
        EXISTS] ...``, and the COLLECTION forms (``bucket.scope.collection``, or shorter within the
        query context; CREATE COLLECTION takes ``WITH {"maxTTL": seconds}``)."""
        verb = self.expect_kw("CREATE", "DROP")
        what = self.expect_kw("SCOPE", "COLLECTION")
        lenient = self._if_exists(verb)
        path = self.keyspace_ref(alias=False)
        if not lenient:
            lenient = self._if_exists(verb)
        with_ = self.expr() if verb == "CREATE" and what == "COLLECTION" and self.accept_kw("WITH") else None
        return N.ScopeDDL(verb, what, path, lenient, with_)

    def _if_exists(self, verb: str) -> bool:
        """``IF NOT EXISTS`` (CREATE) or ``IF EXISTS`` (DROP), if there."""
        if not self.accept_kw("IF"):
            return False
        if verb == "CREATE":
            self.expect_kw("NOT")
        self.expect_kw("EXISTS")
        return True

    def create_index(self) -> N.CreateIndex:
        self.expect_kw("CREATE")
        primary = bool(self.accept_kw("PRIMARY"))
        self.expect_kw("INDEX")
        name = None
        if_not_exists = False
        if self.at_kw("IF"):
            self.advance()
            self.expect_kw("NOT")
            self.expect_kw("EXISTS")
            if_not_exists = True
        if not self.at_kw("ON"):
            name = self.ident()
            if self.at_kw("IF"):
                self.advance()
                self.expect_kw("NOT")
                self.expect_kw("EXISTS")
                if_not_exists = True
        if name is None and not primary:
            raise self.fail()
        self.expect_kw("ON")
        ks = self.keyspace_ref(alias=False)
        keys: List[N.Expr] = []
        condition = None
        if not primary:
            self.expect_op("(")
            keys = self.expr_list()
            self.expect_op(")")
        partition: List[N.Expr] = []
        if self.accept_kw("PARTITION"):
            self.expect_kw("BY")
            self.expect_kw("HASH")
            self.expect_op("(")
            partition = self.expr_list()
            self.expect_op(")")
        if not primary and self.accept_kw("WHERE"):
            start = self.tok.pos
            self.expr()
            condition = self.src[start:self.tok.pos].strip()
        with_ = self._index_tail()
        return N.CreateIndex(ks, name, primary, keys, if_not_exists, with_, condition, partition)

    def drop_index(self) -> N.DropIndex:
        self.expect_kw("DROP")
        primary = bool(self.accept_kw("PRIMARY"))
        self.expect_kw("INDEX")
        if_exists = False
        if self.at_kw("IF"):
            self.advance()
            self.expect_kw("EXISTS")
            if_exists = True
        if primary:
            self.expect_kw("ON")
            ks = self.keyspace_ref(alias=False)
            self._index_tail()
            return N.DropIndex(ks, None, True, if_exists)
        first = self.keyspace_ref(alias=False)
        if self.accept_kw("ON"):
            if len(first.parts) != 1:
                raise self.fail()
            ks = self.keyspace_ref(alias=False)
            name = first.parts[0]
        else:
            if len(first.parts) < 2:
                raise self.fail()
            name = first.parts.pop()
            ks = first
        if self.at_kw("IF"):
            self.advance()
            self.expect_kw("EXISTS")
            if_exists = True
        self._index_tail()
        return N.DropIndex(ks, name, False, if_exists)

    # ---- expressions
    def expr_list(self) -> List[N.Expr]:
        out = [self.expr()]
        while self.accept_op(","):
            out.append(self.expr())
        return out

    def expr(self) -> N.Expr:
        left = self.and_expr()
        while self.accept_kw("OR"):
            left = N.Binary("OR", left, self.and_expr())
        return left

    def and_expr(self) -> N.Expr:
        left = self.not_expr()
        while self.accept_kw("AND"):
            left = N.Binary("AND", left, self.not_expr())
        return left

    def not_expr(self) -> N.Expr:
        if self.accept_kw("NOT"):
            return N.Unary("NOT", self.not_expr())
        return self.comparison()

    def comparison(self) -> N.Expr:
        left = self.concat()
        t = self.tok
        if t.kind == "OP" and t.value in _COMPARE:
            self.advance()
            return N.Binary(_COMPARE[str(t.value)], left, self.concat())
        negated = False
        if t.is_kw("NOT") and self.peek().is_kw("LIKE", "IN", "BETWEEN"):
            self.advance()
            negated = True
        if self.accept_kw("LIKE"):
            out: N.Expr = N.Binary("LIKE", left, self.concat())
        elif self.accept_kw("IN"):
            out = N.Binary("IN", left, self.concat())
        elif self.accept_kw("BETWEEN"):
            low = self.concat()
            self.expect_kw("AND")
            out = N.Between(left, low, self.concat())
        elif not negated and self.accept_kw("IS"):
            neg = bool(self.accept_kw("NOT"))
            what = self.expect_kw("NULL", "MISSING", "VALUED")
            return N.Is(left, what, neg)
        else:
            return left
        return N.Unary("NOT", out) if negated else out

    def concat(self) -> N.Expr:
        left = self.additive()
        while self.accept_op("||"):
            left = N.Binary("||", left, self.additive())
        return left

    def additive(self) -> N.Expr:
        left = self.multiplicative()
        while self.at_op("+", "-"):
            op = str(self.advance().value)
            left = N.Binary(op, left, self.multiplicative())
        return left

    def multiplicative(self) -> N.Expr:
        left = self.unary()
        while self.at_op("*", "/", "%"):
            op = str(self.advance().value)
            left = N.Binary(op, left, self.unary())
        return left

    def unary(self) -> N.Expr:
        if self.accept_op("-"):
            operand = self.unary()
            if isinstance(operand, N.Lit) and isinstance(operand.value, (int, float)) \
                    and not isinstance(operand.value, bool):
                return N.Lit(-operand.value)
            return N.Unary("NEG", operand)
        if self.accept_op("+"):
            return self.unary()
        return self.postfix()

    def postfix(self) -> N.Expr:
        e = self.primary()
        while True:
            if self.at_op(".") and self.peek().kind in ("IDENT", "QIDENT"):
                self.advance()
                e = N.Field(e, str(self.advance().value))
            elif self.accept_op("["):
                idx = self.expr()
                self.expect_op("]")
                e = N.Index(e, idx)
            else:
                return e

    def primary(self) -> N.Expr:
        t = self.tok
        if t.kind == "NUMBER" or t.kind == "STRING":
            self.advance()
            return N.Lit(t.value)
        if t.kind == "PARAM":
            self.advance()
            return N.Param(t.value)  # type: ignore[arg-type]  # a PARAM token's value: position or name
        if t.kind == "QIDENT":
            self.advance()
            return N.Ident(str(t.value))
        if t.kind == "OP":
            if t.value == "(":
                self.advance()
                if self.at_kw("SELECT", "WITH"):
                    sub = self.select()
                    self.expect_op(")")
                    return N.Subquery(sub)
                e = self.expr()
                self.expect_op(")")
                return e
            if t.value == "[":
                self.advance()
                items = [] if self.at_op("]") else self.expr_list()
                self.expect_op("]")
                return N.ArrayLit(items)
            if t.value == "{":
                self.advance()
                pairs: List[Tuple[N.Expr, N.Expr]] = []
                if not self.at_op("}"):
                    while True:
                        k = self.expr()
                        self.expect_op(":")
                        pairs.append((k, self.expr()))
                        if not self.accept_op(","):
                            break
                self.expect_op("}")
                return N.ObjectLit(pairs)
            raise self.fail()
        if t.kind == "IDENT":
            word = str(t.value).upper()
            if word in ("TRUE", "FALSE"):
                self.advance()
                return N.Lit(word == "TRUE")
            if word == "NULL":
                self.advance()
                return N.Lit(None)
            if word == "MISSING":
                self.advance()
                return N.Lit(MISSING)
            if word == "CASE":
                return self.case()
            if word == "EXISTS":
                self.advance()
                return N.Exists(self.postfix())
            if word in ("ANY", "EVERY") or (word == "SOME" and self.peek(2).is_kw("IN", "WITHIN")):
                return self.collection()
            if word in ("ARRAY", "FIRST", "OBJECT") and self._starts_comprehension():
                return self.comprehension()
            if self.peek().kind == "OP" and self.peek().value == "(" and word not in RESERVED:
                return self.call()
            if word in RESERVED:
                raise self.fail()
            self.advance()
            return N.Ident(str(t.value))
        raise self.fail()

    def call(self) -> N.Call:
        """``name(args)``; for an aggregate ``DISTINCT``/``ALL`` and ``COUNT(*)``, then ``FILTER (WHERE
        cond)``; for a window function ``[FROM FIRST|LAST] [RESPECT|IGNORE NULLS] OVER (...)``."""
        name = str(self.advance().value).upper()
        self.expect_op("(")
        if name in N.AGGREGATES and self.at_op("*"):
            if name != "COUNT":
                raise self.fail()
            self.advance()
            self.expect_op(")")
            call = N.Call(name, [], star=True)
        else:
            distinct = False
            if name in N.AGGREGATES or name in N.WINDOW_FUNCTIONS:
                distinct = self.accept_kw("DISTINCT") is not None
                if not distinct:
                    self.accept_kw("ALL")
            args = [] if self.at_op(")") else self.expr_list()
            self.expect_op(")")
            call = N.Call(name, args, distinct)
        if name == "NTH_VALUE" and self.at_kw("FROM") and self.peek().is_kw("FIRST", "LAST"):
            self.advance()
            call.from_last = self.advance().is_kw("LAST")
        if self.at_kw("RESPECT", "IGNORE") and self.peek().is_kw("NULLS"):
            call.ignore_nulls = self.advance().is_kw("IGNORE")
            self.advance()
        if self.at_kw("FILTER") and self.peek().kind == "OP" and self.peek().value == "(":
            self.advance()
            self.advance()
            self.expect_kw("WHERE")
            call.filter = self.expr()
            self.expect_op(")")
        if self.accept_kw("OVER"):
            call.window = self.window_spec(name)
        return call

    def window_spec(self, name: str) -> N.Window:
        """``name`` or ``([name] [PARTITION BY ...] [ORDER BY ...] [frame])`` after OVER (``name``: the
        function's), or after ``WINDOW w AS`` (``name`` empty: the frame is checked where it is used)."""
        if name and self.at_ident():
            return N.Window(ref=self.ident(), bare=True)
        self.expect_op("(")
        w = N.Window()
        if self.at_ident() and not self.at_kw("PARTITION", "ORDER", "ROWS", "RANGE", "GROUPS"):
            w.ref = self.ident()
        if self.accept_kw("PARTITION"):
            self.expect_kw("BY")
            w.partition = self.expr_list()
        if self.accept_kw("ORDER"):
            self.expect_kw("BY")
            while True:
                e = self.expr()
                w.order.append((e, self.accept_kw("ASC", "DESC") == "DESC"))
                if not self.accept_op(","):
                    break
        unit = self.accept_kw("ROWS", "RANGE", "GROUPS")
        if unit is not None:
            w.unit = unit
            if self.accept_kw("BETWEEN"):
                w.start = self._frame_bound()
                self.expect_kw("AND")
                w.end = self._frame_bound()
            else:
                w.start = self._frame_bound()
                w.end = N.FrameBound("CURRENT ROW")
            if self.accept_kw("EXCLUDE"):
                if self.accept_kw("NO"):
                    self.expect_kw("OTHERS")
                elif self.accept_kw("CURRENT"):
                    self.expect_kw("ROW")
                    w.exclude = "CURRENT ROW"
                else:
                    w.exclude = self.expect_kw("GROUP", "TIES")
            if name:
                check_frame(w, name)
        self.expect_op(")")
        return w

    def _frame_bound(self) -> N.FrameBound:
        if self.accept_kw("UNBOUNDED"):
            return N.FrameBound("UNBOUNDED " + self.expect_kw("PRECEDING", "FOLLOWING"))
        if self.accept_kw("CURRENT"):
            self.expect_kw("ROW")
            return N.FrameBound("CURRENT ROW")
        value = self.concat()
        return N.FrameBound(self.expect_kw("PRECEDING", "FOLLOWING"), value)

    def _starts_comprehension(self) -> bool:
        """ARRAY/FIRST/OBJECT start a comprehension when an expression follows (else: a field name)."""
        nxt = self.peek()
        if nxt.kind in ("NUMBER", "STRING", "PARAM", "QIDENT"):
            return True
        if nxt.kind == "OP":
            return nxt.value in ("[", "{", "(", "-")  # no function is named ARRAY, FIRST or OBJECT
        return nxt.kind == "IDENT" and (str(nxt.value).upper() not in RESERVED or nxt.is_kw(
            "NOT", "CASE", "TRUE", "FALSE", "NULL", "MISSING", "EXISTS", "ANY", "EVERY"))

    def bindings(self, update: bool = False) -> List[N.Binding]:
        """``[name:]var IN | WITHIN expr, ...`` of a collection expression (``update``: of an UPDATE's
        FOR clause, whose expressions may be any expression)."""
        out = []
        while True:
            var = self.ident()
            name_var = None
            if self.accept_op(":"):
                name_var, var = var, self.ident()
            within = self.expect_kw("IN", "WITHIN") == "WITHIN"
            out.append(N.Binding(var, self.expr() if update else self.concat(), within, name_var))
            if not self.accept_op(","):
                return out

    def collection(self) -> N.Collection:
        word = str(self.advance().value).upper()
        quantifier = "EVERY" if word == "EVERY" else "ANY"
        if quantifier == "ANY" and self.at_kw("AND") and self.peek().is_kw("EVERY"):
            self.advance()
            self.advance()
            quantifier = "ANY_EVERY"
        bindings = self.bindings()
        self.expect_kw("SATISFIES")
        cond = self.expr()
        self.expect_kw("END")
        return N.Collection(quantifier, bindings, cond)

    def comprehension(self) -> N.Comprehension:
        kind = str(self.advance().value).upper()
        key = None
        if kind == "OBJECT":
            key = self.expr()
            self.expect_op(":")
        value = self.expr()
        if not self.tok.is_kw("FOR"):
            raise self.fail()
        self.advance()
        bindings = self.bindings()
        when = self.expr() if self.accept_kw("WHEN") else None
        self.expect_kw("END")
        return N.Comprehension(kind, value, bindings, when, key)

    def case(self) -> N.Case:
        self.expect_kw("CASE")
        operand = None if self.at_kw("WHEN") else self.expr()
        whens = []
        while self.accept_kw("WHEN"):
            cond = self.expr()
            self.expect_kw("THEN")
            whens.append((cond, self.expr()))
        if not whens:
            raise self.fail()
        default = self.expr() if self.accept_kw("ELSE") else None
        self.expect_kw("END")
        return N.Case(operand, whens, default)


def _implicit_alias(e: N.Expr) -> Optional[str]:
    """The name an UNNEST term gets without AS: the last step of a path."""
    if isinstance(e, N.Field):
        return e.name
    if isinstance(e, N.Ident):
        return e.name
    return None


def parse(src: str) -> N.Statement:
    """Parse one statement; raises QueryError(3000) on a syntax error."""
    if not isinstance(src, str) or not src.strip():
        raise syntax_error("end of input")
    return _Parser(src).statement()


def parse_expression(src: str) -> N.Expr:
    """Parse a lone expression (for tests and tools)."""
    p = _Parser(src)
    e = p.expr()
    if p.tok.kind != "EOF":
        raise p.fail()
    return e


def _static(e: N.Expr) -> bool:
    """Whether ``e`` is made of literals only (the server's static value)."""
    if isinstance(e, N.Lit):
        return True
    if isinstance(e, N.ArrayLit):
        return all(_static(x) for x in e.items)
    if isinstance(e, N.ObjectLit):
        return all(_static(k) and _static(v) for k, v in e.pairs)
    if isinstance(e, N.Unary) and e.op == "NEG":
        return _static(e.operand)
    return False
