"""SQL++ ``CREATE | DROP  SCOPE | COLLECTION``: the path a statement names and what it does to the
bucket's collections manifest, with ns_server's refusals as the query service reports them.

The query service forwards these statements to ns_server's collections REST API; when ns_server
refuses, the server answers 12025 (create scope), 12026 (drop scope), 12027 (create collection) or
12028 (drop collection), ``Error while creating scope default:b.s``, with ns_server's own words in the
error's ``reason``. ``IF [NOT] EXISTS`` turns "already exists" / "not found" into nothing done.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from couchbase_mock.query import nodes as N
from couchbase_mock.query.errors import PARSE_SYNTAX, QueryError
from couchbase_mock.store import Manifest, collection_name_error

__all__ = ["path_of", "apply"]

_CODES = {("CREATE", "SCOPE"): 12025, ("DROP", "SCOPE"): 12026, ("CREATE", "COLLECTION"): 12027,
          ("DROP", "COLLECTION"): 12028}


def path_of(stmt: N.ScopeDDL, query_context: Optional[Tuple[str, Optional[str]]]
            ) -> Tuple[str, str, Optional[str]]:
    """(bucket, scope, collection or None) the statement names, completed from the query context as
    the server does (``CREATE COLLECTION c`` in ``default:b.s``); 3000 for a path of the wrong length."""
    parts = list(stmt.path.parts)
    want = 2 if stmt.what == "SCOPE" else 3
    if len(parts) < want and query_context is not None and stmt.path.namespace is None:
        context = [query_context[0]] + ([query_context[1]] if query_context[1] is not None else [])
        parts = context[:want - len(parts)] + parts
    if len(parts) != want:
        raise QueryError(PARSE_SYNTAX, f"Invalid path for {stmt.what}: {'.'.join(stmt.path.parts)} (needs "
                         f"{'bucket.scope' if want == 2 else 'bucket.scope.collection'})", 400)
    return parts[0], parts[1], parts[2] if want == 3 else None


def apply(stmt: N.ScopeDDL, manifest: Manifest, bucket: str, scope: str, collection: Optional[str],
          settings: Any) -> List[int]:
    """Change ``manifest`` (of ``bucket``) as the statement says; returns the ids of the collections
    it dropped. ``settings``: the evaluated ``WITH`` object of CREATE COLLECTION (None without one)."""
    shown = f"default:{bucket}.{scope}" + (f".{collection}" if collection is not None else "")
    what = stmt.what.lower()

    def refused(cause: str) -> QueryError:
        return QueryError(_CODES[(stmt.verb, stmt.what)],
                          f"Error while {'creating' if stmt.verb == 'CREATE' else 'dropping'} {what} {shown}",
                          500, {"error": cause, what: shown})

    scope_exists = scope in manifest.scopes
    if collection is None:
        if stmt.verb == "CREATE":
            if scope_exists:
                if stmt.lenient:
                    return []
                raise refused(f'Scope with name "{scope}" already exists')
            _check_name(scope, refused)
            manifest.create(scope, None)
            return []
        if not scope_exists:
            if stmt.lenient:
                return []
            raise refused(f'Scope with name "{scope}" is not found')
        if scope == "_default":
            raise refused("Deleting _default scope is not allowed")
        return manifest.drop_scope(scope)
    if not scope_exists:
        raise refused(f'Scope with name "{scope}" is not found')
    exists = collection in manifest.scopes[scope][1]
    if stmt.verb == "CREATE":
        if exists:
            if stmt.lenient:
                return []
            raise refused(f'Collection with name "{collection}" in scope "{scope}" already exists')
        _check_name(collection, refused)
        manifest.create(scope, collection, _collection_settings(settings, refused))
        return []
    if not exists:
        if stmt.lenient:
            return []
        raise refused(f'Collection with name "{collection}" in scope "{scope}" is not found')
    return [manifest.drop_collection(scope, collection)]


def _check_name(name: str, refused: Any) -> None:
    bad = collection_name_error(name)
    if bad:
        raise refused(bad)


def _collection_settings(settings: Any, refused: Any) -> Dict[str, Any]:
    """CREATE COLLECTION's WITH object: ``maxTTL`` (seconds, -1 .. 2^31-1) only."""
    if settings is None:
        return {}
    if not isinstance(settings, dict) or set(settings) - {"maxTTL"}:
        raise QueryError(5000, "WITH clause of CREATE COLLECTION must be an object with maxTTL only", 500)
    if "maxTTL" not in settings:
        return {}
    ttl = settings["maxTTL"]
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not -1 <= ttl <= 2147483647:
        raise refused("Max TTL must be an integer between -1 and 2147483647")
    return {"maxTTL": ttl}
