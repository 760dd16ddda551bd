"""The query service's RBAC: which role grants which statement on which keyspace, and the server's
13014 when one is missing (Couchbase Server 7.x: datastore/couchbase/auth.go, the statements'
Privileges() in algebra/). The engine is driven directly with a request's Authorizer; one test goes
over a real socket for the HTTP status."""
from __future__ import annotations

from typing import Any, List, Optional, Tuple

import pytest
from http_fakes import service_request

from couchbase_mock import MockCluster
from couchbase_mock.cluster import Cluster
from couchbase_mock.query.authorize import Authorizer
from couchbase_mock.query.engine import Options, QueryService
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params
from couchbase_mock.rbac import Group, User, parse_roles


@pytest.fixture
def svc() -> QueryService:
    cluster = Cluster(1, 0, ["b", "o"], 8, "admin", "password")
    cluster.buckets["b"].store.manifest.create("s", "c")
    cluster.buckets["b"].store.manifest.create("s", "c2")
    service = QueryService(cluster)
    for statement in ("CREATE PRIMARY INDEX ON b", "CREATE PRIMARY INDEX ON o",
                      "CREATE PRIMARY INDEX ON b.s.c", "CREATE PRIMARY INDEX ON b.s.c2",
                      'INSERT INTO b (KEY, VALUE) VALUES ("k1", {"n": 1, "o": "x1"}), ("k2", {"n": 2})',
                      'INSERT INTO o (KEY, VALUE) VALUES ("x1", {"name": "one"})',
                      'INSERT INTO b.s.c (KEY, VALUE) VALUES ("c1", {"n": 10})'):
        run(service, "admin", statement)
    return service


def user(svc: QueryService, name: str, roles: str, groups: Tuple[str, ...] = ()) -> str:
    svc.cluster.directory.users[name] = User(name, "pw", roles=parse_roles(roles), groups=list(groups))
    return name


def run(svc: QueryService, who: Optional[str], statement: str,
        qc: Optional[Tuple[str, Optional[str]]] = None) -> List[Any]:
    opts = Options(Params((), {}), qc, None, "", False)
    opts.authorizer = Authorizer(svc.cluster.directory, who)
    ex = svc.start(statement, opts)
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


def denied(svc: QueryService, who: str, statement: str,
           qc: Optional[Tuple[str, Optional[str]]] = None) -> QueryError:
    with pytest.raises(QueryError) as info:
        run(svc, who, statement, qc)
    assert info.value.code == 13014 and info.value.status == 401, info.value
    return info.value


def missing(err: QueryError) -> Tuple[str, str]:
    assert err.reason is not None
    return err.reason["missing_role"], err.reason.get("path", "")


# ----------------------------------------------------------------------------- the roles


def test_data_roles_grant_no_query_privilege(svc: QueryService) -> None:
    reader = user(svc, "reader", "data_reader[b],data_writer[b]")
    err = denied(svc, reader, "SELECT * FROM b")
    assert err.msg == ("User does not have credentials to run SELECT queries on default:b. "
                       "Add role query_select on default:b to allow the statement to run.")
    assert err.as_json() == {"code": 13014, "msg": err.msg,
                             "reason": {"missing_role": "query_select", "path": "default:b"}}
    err = denied(svc, reader, "UPDATE b SET n = 0")
    assert err.msg == ("User does not have credentials to run UPDATE queries on default:b. "
                       "Add role query_update on default:b to allow the statement to run.")
    assert [d["n"] for d in run(svc, "admin", "SELECT RAW b FROM b ORDER BY n")] == [1, 2]  # unchanged


def test_keyless_statements_need_no_privilege(svc: QueryService) -> None:
    nobody = user(svc, "nobody", "data_reader[o]")
    assert run(svc, nobody, "SELECT 1 AS one") == [{"one": 1}]
    assert run(svc, nobody, "SELECT RAW n FROM ARRAY_RANGE(0, 3) AS n") == [0, 1, 2]
    assert run(svc, nobody, "SELECT RAW (SELECT RAW x FROM [1, 2] AS x)") == [[1, 2]]


@pytest.mark.parametrize("roles, statement, wanted", [
    ("query_select[b]", "UPDATE b SET n = 0", "query_update"),
    ("query_select[b]", "DELETE FROM b", "query_delete"),
    ("query_select[b]", 'INSERT INTO b (KEY, VALUE) VALUES ("k9", 9)', "query_insert"),
    ("query_insert[b]", 'UPSERT INTO b (KEY, VALUE) VALUES ("k9", 9)', "query_update"),
    ("query_update[b]", "UPDATE b SET n = 0 RETURNING n", "query_select"),
    ("query_delete[b]", "DELETE FROM b RETURNING META().id", "query_select"),
    ("query_insert[b]", 'INSERT INTO b (KEY, VALUE) VALUES ("k9", 9) RETURNING *', "query_select"),
    ("query_update[b]", "SELECT * FROM b", "query_select"),
])
def test_each_statement_needs_its_own_role(svc: QueryService, roles: str, statement: str,
                                           wanted: str) -> None:
    assert missing(denied(svc, user(svc, "u", roles), statement)) == (wanted, "default:b")
    assert len(run(svc, "admin", "SELECT RAW META().id FROM b")) == 2  # nothing written or deleted


def test_the_query_roles_together_run_everything(svc: QueryService) -> None:
    dev = user(svc, "dev", "query_select[b],query_insert[b],query_update[b],query_delete[b]")
    assert run(svc, dev, "UPDATE b SET n = n + 10 WHERE n = 1 RETURNING RAW n") == [11]
    assert run(svc, dev, 'UPSERT INTO b (KEY, VALUE) VALUES ("k3", {"n": 3}) RETURNING RAW n') == [3]
    assert run(svc, dev, "DELETE FROM b WHERE n = 2 RETURNING RAW META().id") == ["k2"]
    assert run(svc, dev, "SELECT RAW n FROM b ORDER BY n") == [3, 11]


@pytest.mark.parametrize("roles", ["admin", "bucket_full_access[b]", "bucket_full_access[*]",
                                   "mobile_sync_gateway[b]", "eventing_admin", "backup_admin"])
def test_full_access_roles(svc: QueryService, roles: str) -> None:
    who = user(svc, "full", roles) if roles != "admin" else "admin"
    assert run(svc, who, "UPDATE b SET seen = true WHERE n = 1 RETURNING RAW n") == [1]
    run(svc, who, "CREATE INDEX ix_n ON b(n)")
    run(svc, who, "DROP INDEX ix_n ON b")
    if roles.endswith("[b]"):
        assert missing(denied(svc, who, "SELECT * FROM o")) == ("query_select", "default:o")


@pytest.mark.parametrize("roles", ["cluster_admin", "ro_admin", "bucket_admin[b]", "views_admin[b]",
                                   "data_backup[b]", "fts_admin[b]", "query_system_catalog"])
def test_administrative_roles_do_not_read_data(svc: QueryService, roles: str) -> None:
    # ns_server 7.x: cluster_admin and bucket_admin have n1ql none; ro_admin read/list only (a
    # SELECT is execute); the others have no n1ql select
    err = denied(svc, user(svc, "admin-ish", roles), "SELECT * FROM b")
    assert missing(err) == ("query_select", "default:b")


def test_roles_come_from_groups_and_are_read_live(svc: QueryService) -> None:
    svc.cluster.directory.groups["readers"] = Group("readers", roles=parse_roles("query_select[b]"))
    member = user(svc, "member", "", groups=("readers",))
    assert len(run(svc, member, "SELECT * FROM b")) == 2
    svc.cluster.directory.groups["readers"].roles = []  # revoked: the next request is refused
    denied(svc, member, "SELECT * FROM b")


# ----------------------------------------------------------------------------- several keyspaces


@pytest.mark.parametrize("statement", [
    "SELECT * FROM b JOIN o ON META(o).id = b.o",
    "SELECT * FROM b WHERE b.o IN (SELECT RAW META(x).id FROM o AS x)",
    "SELECT (SELECT RAW name FROM o USE KEYS b.o) AS names FROM b",
    "SELECT * FROM (SELECT RAW name FROM o) AS t",
])
def test_every_keyspace_a_select_reads_needs_query_select(svc: QueryService, statement: str) -> None:
    one = user(svc, "one", "query_select[b]")
    assert missing(denied(svc, one, statement)) == ("query_select", "default:o")
    both = user(svc, "both", "query_select[b],query_select[o]")
    run(svc, both, statement)


def test_a_dml_subquery_needs_query_select_on_what_it_reads(svc: QueryService) -> None:
    writer = user(svc, "writer", "query_update[b]")
    statement = "UPDATE b SET names = (SELECT RAW name FROM o) WHERE n = 1"
    assert missing(denied(svc, writer, statement)) == ("query_select", "default:o")
    user(svc, "writer", "query_update[b],query_select[o]")
    run(svc, writer, statement)
    assert run(svc, "admin", "SELECT RAW names FROM b WHERE n = 1") == [["one"]]


def test_the_first_missing_privilege_is_reported(svc: QueryService) -> None:
    nobody = user(svc, "nobody", "data_reader[b]")
    # the target's own privilege first, then RETURNING's select, then what subqueries read
    statement = "UPDATE b SET n = (SELECT RAW 1 FROM o)[0] RETURNING n"
    assert missing(denied(svc, nobody, statement)) == ("query_update", "default:b")
    user(svc, "nobody", "query_update[b]")
    assert missing(denied(svc, nobody, statement)) == ("query_select", "default:b")
    user(svc, "nobody", "query_update[b],query_select[b]")
    assert missing(denied(svc, nobody, statement)) == ("query_select", "default:o")


@pytest.mark.parametrize("statement", [
    'INSERT INTO b (KEY "c-" || id, VALUE x) SELECT META(x).id AS id, x FROM o x',
    "SELECT RAW n FROM b UNION SELECT RAW n FROM o",
    "SELECT RAW n FROM b EXCEPT ALL SELECT RAW n FROM o",
    "WITH names AS (SELECT RAW name FROM o) SELECT names",
    "SELECT b.n, z FROM b LET z = (SELECT RAW name FROM o)",
    "SELECT * FROM b JOIN LATERAL (SELECT RAW name FROM o) AS s ON true",
    "SELECT * FROM b, o USE KEYS 'x1'",
    "MERGE INTO b USING o ON META(b).id = 'k1' WHEN MATCHED THEN UPDATE SET b.m = 1",
])
def test_the_other_multi_keyspace_statements_need_query_select_on_each_source(svc: QueryService,
                                                                              statement: str) -> None:
    # INSERT ... SELECT, set operators, WITH, LET, LATERAL and comma joins, a MERGE's source: every
    # keyspace read needs query_select, as the statements' Privileges() add them on the server
    writer = user(svc, "writer", "query_select[b],query_insert[b],query_update[b],query_delete[b]")
    assert missing(denied(svc, writer, statement)) == ("query_select", "default:o")
    user(svc, "writer", "query_select[b],query_insert[b],query_update[b],query_delete[b],query_select[o]")
    run(svc, writer, statement)


def test_merge_needs_the_privilege_of_each_action_on_its_target(svc: QueryService) -> None:
    merger = user(svc, "merger", "query_select[o],query_update[b]")
    run(svc, merger, "MERGE INTO b USING o ON META(b).id = 'k1' WHEN MATCHED THEN UPDATE SET b.m = 1")
    statement = "MERGE INTO b USING o ON META(b).id = 'k1' WHEN MATCHED THEN DELETE"
    assert missing(denied(svc, merger, statement)) == ("query_delete", "default:b")
    statement = ("MERGE INTO b USING o ON KEY 'new-' || META(o).id "
                 "WHEN NOT MATCHED THEN INSERT {'copied': true}")
    assert missing(denied(svc, merger, statement)) == ("query_insert", "default:b")
    assert run(svc, "admin", "SELECT RAW m FROM b WHERE m IS VALUED") == [1]  # only the allowed one ran


# ----------------------------------------------------------------------------- scopes and collections


def test_role_parameters_reach_scopes_and_collections(svc: QueryService) -> None:
    coll = user(svc, "coll", "query_select[b:s:c]")
    assert run(svc, coll, "SELECT RAW n FROM b.s.c") == [10]
    assert run(svc, coll, "SELECT RAW n FROM c", qc=("b", "s")) == [10]  # relative to a query context
    assert missing(denied(svc, coll, "SELECT * FROM b.s.c2")) == ("query_select", "default:b.s.c2")
    assert missing(denied(svc, coll, "SELECT * FROM b")) == ("query_select", "default:b")
    scope = user(svc, "scope", "query_select[b:s]")
    run(svc, scope, "SELECT * FROM b.s.c2")
    denied(svc, scope, "SELECT * FROM b._default._default")
    default = user(svc, "default", "query_select[b:_default:_default]")
    assert len(run(svc, default, "SELECT * FROM b")) == 2
    anywhere = user(svc, "anywhere", "query_select[*]")
    run(svc, anywhere, "SELECT * FROM o")
    run(svc, anywhere, "SELECT * FROM b.s.c")


# ----------------------------------------------------------------------------- indexes, prepared, EXPLAIN


def test_index_statements_need_query_manage_index(svc: QueryService) -> None:
    reader = user(svc, "reader", "query_select[b]")
    err = denied(svc, reader, "CREATE INDEX ix_n ON b(n)")
    assert err.msg == ("User does not have credentials to run index operations. "
                       "Add role query_manage_index on default:b to allow the statement to run.")
    run(svc, "admin", "CREATE INDEX ix_n ON b(n) WITH {'defer_build': true}")
    denied(svc, reader, "BUILD INDEX ON b(ix_n)")
    denied(svc, reader, "DROP INDEX ix_n ON b")
    backup = user(svc, "backup", "data_backup[b]")  # creates and builds indexes, never drops them
    run(svc, backup, "CREATE INDEX ix_b ON b(n) WITH {'defer_build': true}")
    run(svc, backup, "BUILD INDEX ON b(ix_b)")
    denied(svc, backup, "DROP INDEX ix_b ON b")
    manager = user(svc, "manager", "query_manage_index[b]")
    run(svc, manager, "DROP INDEX ix_b ON b")
    run(svc, manager, "BUILD INDEX ON b(ix_n)")
    run(svc, manager, "DROP INDEX ix_n ON b")
    err = denied(svc, manager, "CREATE INDEX ix_o ON o(name)")
    assert missing(err) == ("query_manage_index", "default:o")


def test_system_indexes_lists_what_the_user_may_see(svc: QueryService) -> None:
    statement = "SELECT RAW keyspace_id FROM system:indexes ORDER BY keyspace_id"
    assert run(svc, "admin", statement) == ["b", "c", "c2", "o"]
    assert run(svc, user(svc, "catalog", "query_system_catalog"), statement) == ["b", "c", "c2", "o"]
    assert run(svc, user(svc, "ro", "ro_admin"), statement) == ["b", "c", "c2", "o"]
    owner = user(svc, "b-owner", "query_select[b],query_manage_index[b]")
    assert run(svc, owner, statement) == ["b", "c", "c2"]
    assert run(svc, user(svc, "select-only", "query_select[b]"), statement) == []
    assert run(svc, user(svc, "reader", "data_reader[*]"), statement) == []


def test_prepared_statements_check_the_statement_on_every_execute(svc: QueryService) -> None:
    reader = user(svc, "reader", "data_reader[b]")
    err = denied(svc, reader, "PREPARE upd FROM UPDATE b SET n = 0")
    assert missing(err) == ("query_update", "default:b")
    run(svc, "admin", "PREPARE upd FROM UPDATE b SET n = 0")
    assert missing(denied(svc, reader, "EXECUTE upd")) == ("query_update", "default:b")
    opts = Options(Params((), {}), None, None, "", False)
    opts.authorizer = Authorizer(svc.cluster.directory, reader)
    with pytest.raises(QueryError) as info:  # the prepared= request field, as the SDKs send it
        svc.start(None, opts, prepared="upd")
    assert info.value.code == 13014
    assert missing(denied(svc, reader, "EXPLAIN DELETE FROM b")) == ("query_delete", "default:b")
    updater = user(svc, "updater", "query_update[b]")
    run(svc, updater, "EXECUTE upd")
    assert run(svc, "admin", "SELECT RAW n FROM b") == [0, 0]
    user(svc, "updater", "query_select[b]")  # role replaced: refused from the next EXECUTE on
    denied(svc, updater, "EXECUTE upd")


def test_planning_errors_come_before_authorization(svc: QueryService) -> None:
    # as on the server, whose Authorize operator runs once the statement is planned
    reader = user(svc, "reader", "data_reader[b]")
    with pytest.raises(QueryError) as info:
        run(svc, reader, "SELECT * FROM nowhere")
    assert info.value.code == 12003
    with pytest.raises(QueryError) as info:
        run(svc, reader, "SELEC nonsense")
    assert info.value.code == 3000


def test_without_an_authorizer_nothing_is_checked(svc: QueryService) -> None:
    # the engine as tests and the analytics service drive it: no request user, no RBAC
    ex = svc.start("UPDATE b SET n = 5", Options(Params((), {}), None, None, "", False))
    list(ex.rows)
    assert ex.mutation_count == 2


# ----------------------------------------------------------------------------- over HTTP


def test_a_denied_request_is_a_401_with_the_servers_error() -> None:
    with MockCluster(nodes=1, buckets=["default"]) as mock:
        status, _ = service_request(mock, "mgmt", "PUT", "/settings/rbac/users/local/reader",
                                    b"password=reader-pw&roles=data_reader%5Bdefault%5D", form=True)
        assert status == 200

        def query(statement: str, who: str, password: str) -> Tuple[int, Any]:
            return service_request(mock, "n1ql", "POST", "/query/service", {"statement": statement},
                                   user=who, password=password)

        assert query("CREATE PRIMARY INDEX ON default", mock.username, mock.password)[0] == 200
        status, body = query("DELETE FROM default", "reader", "reader-pw")
        assert status == 401 and body["status"] == "fatal"
        assert body["errors"] == [{"code": 13014,
                                   "msg": "User does not have credentials to run DELETE queries on "
                                   "default:default. Add role query_delete on default:default to allow the "
                                   "statement to run.",
                                   "reason": {"missing_role": "query_delete", "path": "default:default"}}]
        status, body = query("SELECT RAW 1", "reader", "reader-pw")
        assert status == 200 and body["results"] == [1]
        assert query("SELECT RAW 1", "reader", "wrong-pw")[0] == 401  # credentials are checked first


# ----------------------------------------------------------------------------- the analytics service


def analytics(svc: QueryService, who: str, statement: str) -> List[Any]:
    opts = Options(Params((), {}), None, None, "", False, analytics=True)
    opts.authorizer = Authorizer(svc.cluster.directory, who, analytics=True)
    ex = svc.start(statement, opts)
    return list(ex.rows)


@pytest.mark.parametrize("roles, allowed", [
    ("analytics_reader", True), ("analytics_manager[b]", True), ("analytics_select[b]", True),
    ("analytics_select[b:_default:_default]", True), ("data_backup[b]", True),
    ("analytics_manager[o]", False), ("analytics_select[b:s:c]", False), ("analytics_admin", False),
    ("data_reader[b]", False), ("query_select[b]", False), ("bucket_full_access[b]", False),
    ("cluster_admin", False), ("ro_admin", False),
])
def test_analytics_needs_analytics_select_on_the_source(svc: QueryService, roles: str, allowed: bool) -> None:
    who = user(svc, "analyst", roles)
    assert analytics(svc, who, "SELECT RAW 1") == [1]  # no dataset: nothing to check
    if allowed:
        assert analytics(svc, who, "SELECT RAW COUNT(*) FROM b") == [2]
        return
    with pytest.raises(QueryError) as info:
        analytics(svc, who, "SELECT RAW COUNT(*) FROM b")
    assert (info.value.code, info.value.status) == (20001, 403)
    assert info.value.msg == "Insufficient permissions or the requested object does not exist"
