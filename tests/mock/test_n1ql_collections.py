"""The mock's SQL++ scope and collection statements: paths (query context included), what they change
in the bucket's manifest, ns_server's refusals (12025..12028) and the RBAC they need (the server asks
for collections!write on the bucket for a scope, on the scope for a collection: scope_admin and up).
Through every front end: tests/query/test_collection_ddl.py."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import pytest

from couchbase_mock.cluster import Cluster
from couchbase_mock.query.authorize import Authorizer
from couchbase_mock.query.engine import Options, QueryService
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params
from couchbase_mock.rbac import User, parse_roles


@pytest.fixture
def svc() -> QueryService:
    return QueryService(Cluster(1, 0, ["b"], 8, "admin", "password"))


def run(svc: QueryService, statement: str, who: Optional[str] = None,
        qc: Optional[Tuple[str, Optional[str]]] = None) -> List[Any]:
    opts = Options(Params((), {}), qc, None, "", False)
    if who is not None:
        opts.authorizer = Authorizer(svc.cluster.directory, who)
    ex = svc.start(statement, opts)
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


def error_of(svc: QueryService, statement: str, **kw: Any) -> QueryError:
    with pytest.raises(QueryError) as info:
        run(svc, statement, **kw)
    return info.value


def scopes(svc: QueryService) -> dict:
    manifest = svc.cluster.buckets["b"].store.manifest
    return {name: sorted(colls) for name, (_sid, colls) in manifest.scopes.items()}


def test_create_and_drop_change_the_manifest(svc: QueryService) -> None:
    rev = svc.cluster.rev
    run(svc, "CREATE SCOPE b.s")
    run(svc, "CREATE COLLECTION b.s.c WITH {'maxTTL': 60}")
    run(svc, "CREATE COLLECTION c2", qc=("b", "s"))  # relative to the query context
    run(svc, "CREATE COLLECTION s.c3", qc=("b", None))
    run(svc, "CREATE SCOPE IF NOT EXISTS t", qc=("b", None))
    assert scopes(svc) == {"_default": ["_default"], "s": ["c", "c2", "c3"], "t": []}
    manifest = svc.cluster.buckets["b"].store.manifest
    assert manifest.settings[manifest.scopes["s"][1]["c"]] == {"maxTTL": 60}
    assert svc.cluster.rev > rev  # clients are pushed the configuration with the new manifest uid
    run(svc, "CREATE PRIMARY INDEX ON b.s.c")
    run(svc, "INSERT INTO b.s.c (KEY, VALUE) VALUES ('k', 1)")
    run(svc, "DROP COLLECTION b.s.c")
    assert ("b", "s", "c") not in svc.indexes  # the collection's indexes went with it
    run(svc, "CREATE COLLECTION b.s.c")
    assert error_of(svc, "SELECT * FROM b.s.c").code == 4000  # a new, empty collection: no index
    run(svc, "DROP SCOPE b.s")
    run(svc, "DROP SCOPE IF EXISTS b.s")
    assert scopes(svc) == {"_default": ["_default"], "t": []}


@pytest.mark.parametrize("statement, code, cause", [
    ("CREATE SCOPE b._default", 12025, 'Scope with name "_default" already exists'),
    ("CREATE SCOPE b.`%x`", 12025, "Name must be between 1 and 251 characters"),
    ("DROP SCOPE b.nope", 12026, 'Scope with name "nope" is not found'),
    ("DROP SCOPE b._default", 12026, "Deleting _default scope is not allowed"),
    ("CREATE COLLECTION b._default._default", 12027,
     'Collection with name "_default" in scope "_default" already exists'),
    ("CREATE COLLECTION b.nope.c", 12027, 'Scope with name "nope" is not found'),
    ("CREATE COLLECTION b._default.c WITH {'maxTTL': -5}", 12027, "Max TTL must be an integer"),
    ("DROP COLLECTION b._default.nope", 12028,
     'Collection with name "nope" in scope "_default" is not found'),
])
def test_ns_server_refusals(svc: QueryService, statement: str, code: int, cause: str) -> None:
    err = error_of(svc, statement)
    assert err.code == code and err.reason is not None and cause in err.reason["error"], err


@pytest.mark.parametrize("statement, code", [
    ("CREATE SCOPE nosuch.s", 12003),
    ("CREATE COLLECTION b.c", 3000),  # a collection needs bucket.scope.collection (or a query context)
    ("CREATE SCOPE IF EXISTS b.s", 3000),
    ("DROP COLLECTION IF NOT EXISTS b.s.c", 3000),
    ("CREATE COLLECTION b._default.c WITH 5", 5000),
])
def test_bad_statements(svc: QueryService, statement: str, code: int) -> None:
    assert error_of(svc, statement).code == code


def test_rbac_scope_admin_manages_its_scope_only(svc: QueryService) -> None:
    run(svc, "CREATE SCOPE b.s")
    run(svc, "CREATE SCOPE b.t")
    directory = svc.cluster.directory
    directory.users["sa"] = User("sa", "pw", roles=parse_roles("scope_admin[b:s]"))
    directory.users["ba"] = User("ba", "pw", roles=parse_roles("bucket_admin[b]"))
    directory.users["dr"] = User("dr", "pw", roles=parse_roles("data_reader[b],query_manage_index[b]"))
    run(svc, "CREATE COLLECTION b.s.mine", who="sa")
    err = error_of(svc, "CREATE COLLECTION b.t.theirs", who="sa")
    assert err.code == 13014 and err.status == 401
    assert err.msg == ("User does not have credentials to manage scopes and collections. "
                       "Add role scope_admin on default:b.t to allow the statement to run.")
    err = error_of(svc, "CREATE SCOPE b.u", who="sa")  # a scope is managed on the whole bucket
    assert err.code == 13014 and "scope_admin on default:b " in err.msg + " "
    run(svc, "CREATE SCOPE b.u", who="ba")
    assert error_of(svc, "DROP COLLECTION b.s.mine", who="dr").code == 13014
    assert "u" in scopes(svc) and "mine" in scopes(svc)["s"]
