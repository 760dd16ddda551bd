"""Analytics DDL under RBAC, as Couchbase Server 7.x checks it: ``cluster.analytics!manage`` for a
dataverse, ``cluster.bucket[<b>].analytics!manage`` for a dataset on bucket ``b`` and its indexes
(ns_server's menelaus_roles: analytics_admin everywhere, analytics_manager and data_backup on their
bucket, admin/eventing_admin/backup_admin everything), refused with the service's 20001 and HTTP 403.
The engine is driven with a request's Authorizer; one test goes over a real socket."""
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
from couchbase_mock.rbac import User, parse_roles

CLUSTER_MANAGE = "User must have permission (cluster.analytics!manage)"
B_MANAGE = "User must have permission (cluster.bucket[b].analytics!manage)"


@pytest.fixture
def svc() -> QueryService:
    cluster = Cluster(1, 0, ["b", "o"], 8, "admin", "password")
    return QueryService(cluster)


def user(svc: QueryService, roles: str) -> str:
    svc.cluster.directory.users["analyst"] = User("analyst", "pw", roles=parse_roles(roles))
    return "analyst"


def run(svc: QueryService, who: Optional[str], statement: str) -> List[Any]:
    opts = Options(Params((), {}), None, None, "", False, analytics=True)
    opts.authorizer = Authorizer(svc.cluster.directory, who, analytics=True)
    ex = svc.start(statement, opts)
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


def refused(svc: QueryService, who: str, statement: str) -> str:
    with pytest.raises(QueryError) as info:
        run(svc, who, statement)
    assert (info.value.code, info.value.status) == (20001, 403), info.value
    return info.value.msg


def catalogue(svc: QueryService) -> Tuple[Any, ...]:
    cat = svc.analytics_catalog
    return sorted(cat.dataverses), sorted(cat.datasets), sorted(cat.indexes), sorted(cat.connected.items())


DATAVERSE_MANAGERS = ["admin", "analytics_admin", "eventing_admin", "backup_admin"]
NOT_DATAVERSE_MANAGERS = ["analytics_manager[b]", "analytics_manager[*]", "data_backup[b]",
                          "analytics_reader", "analytics_select[b]", "bucket_admin[b]",
                          "bucket_full_access[b]", "cluster_admin", "ro_admin", "scope_admin[b]"]


@pytest.mark.parametrize("roles", DATAVERSE_MANAGERS)
def test_dataverse_ddl_with_cluster_analytics_manage(svc: QueryService, roles: str) -> None:
    who = user(svc, roles)
    run(svc, who, "CREATE DATAVERSE sales")
    run(svc, who, "CREATE ANALYTICS SCOPE b.inventory")
    assert {"sales", "b/inventory"} <= set(svc.analytics_catalog.dataverses)
    run(svc, who, "DROP DATAVERSE sales")
    run(svc, who, "DROP ANALYTICS SCOPE b.inventory")
    assert not {"sales", "b/inventory"} & set(svc.analytics_catalog.dataverses)


@pytest.mark.parametrize("roles", NOT_DATAVERSE_MANAGERS)
def test_dataverse_ddl_refused_without_it(svc: QueryService, roles: str) -> None:
    run(svc, "admin", "CREATE DATAVERSE kept")
    before = catalogue(svc)
    who = user(svc, roles)
    assert refused(svc, who, "CREATE DATAVERSE sales") == CLUSTER_MANAGE
    # a bucket's analytics_manager may not create its bucket/scope dataverse either
    assert refused(svc, who, "CREATE DATAVERSE b.s") == CLUSTER_MANAGE
    assert refused(svc, who, "CREATE DATAVERSE kept IF NOT EXISTS") == CLUSTER_MANAGE
    assert refused(svc, who, "DROP DATAVERSE kept") == CLUSTER_MANAGE
    assert refused(svc, who, "USE kept; DROP DATAVERSE kept") == CLUSTER_MANAGE
    assert catalogue(svc) == before


BUCKET_MANAGERS = ["analytics_manager[b]", "analytics_manager[*]", "data_backup[b]", "analytics_admin",
                   "admin", "eventing_admin", "backup_admin"]
NOT_BUCKET_MANAGERS = ["analytics_manager[o]", "data_backup[o]", "analytics_reader", "analytics_select[b]",
                       "bucket_full_access[b]", "bucket_admin[b]", "data_reader[b]", "data_writer[b]",
                       "query_select[b]", "query_manage_index[b]", "cluster_admin", "ro_admin"]


@pytest.mark.parametrize("roles", BUCKET_MANAGERS)
def test_dataset_and_index_ddl_with_the_buckets_analytics_manage(svc: QueryService, roles: str) -> None:
    who = user(svc, roles)
    run(svc, who, "CREATE DATASET ds ON b")
    run(svc, who, "CREATE INDEX ix ON ds(n:bigint)")
    assert ("Default", "ds", "ix") in svc.analytics_catalog.indexes
    run(svc, who, "DROP INDEX ds.ix")
    run(svc, who, "DROP DATASET ds")
    run(svc, who, "CREATE ANALYTICS COLLECTION ds2 ON b._default._default")
    run(svc, who, "DROP ANALYTICS COLLECTION ds2")
    assert svc.analytics_catalog.datasets == {} and svc.analytics_catalog.indexes == {}


@pytest.mark.parametrize("roles", NOT_BUCKET_MANAGERS)
def test_dataset_and_index_ddl_refused_without_it(svc: QueryService, roles: str) -> None:
    run(svc, "admin", "CREATE DATASET ds ON b")
    run(svc, "admin", "CREATE INDEX ix ON ds(n:bigint)")
    before = catalogue(svc)
    who = user(svc, roles)
    assert refused(svc, who, "CREATE DATASET ds2 ON b") == B_MANAGE
    assert refused(svc, who, "CREATE DATASET IF NOT EXISTS ds ON b") == B_MANAGE
    assert refused(svc, who, "CREATE INDEX ix2 ON ds(n:bigint)") == B_MANAGE
    assert refused(svc, who, "DROP INDEX ds.ix") == B_MANAGE
    assert refused(svc, who, "DROP DATASET ds") == B_MANAGE
    assert catalogue(svc) == before


def test_the_permission_is_on_the_datasets_source_bucket(svc: QueryService) -> None:
    run(svc, "admin", "CREATE DATASET on_o ON o")
    who = user(svc, "analytics_manager[b]")
    run(svc, who, "CREATE DATASET on_b ON b")  # its bucket: yes
    o_manage = "User must have permission (cluster.bucket[o].analytics!manage)"
    assert refused(svc, who, "CREATE DATASET on_o2 ON o") == o_manage
    assert refused(svc, who, "DROP DATASET on_o") == o_manage
    assert refused(svc, who, "CREATE INDEX ix ON on_o(n:bigint)") == o_manage
    assert set(svc.analytics_catalog.datasets) == {("Default", "on_o"), ("Default", "on_b")}


def test_a_missing_dataset_is_reported_before_the_permission(svc: QueryService) -> None:
    # the permission names the dataset's bucket, so the service looks the dataset up first
    who = user(svc, "analytics_reader")
    with pytest.raises(QueryError) as info:
        run(svc, who, "DROP DATASET nowhere")
    assert info.value.code == 24025
    with pytest.raises(QueryError) as info:
        run(svc, who, "USE nowhere; CREATE DATASET ds ON b")
    assert info.value.code == 24034


def test_connect_link_needs_analytics_manage(svc: QueryService) -> None:
    run(svc, "admin", "CREATE DATAVERSE b.s")
    run(svc, "admin", "CREATE DATAVERSE o.s")
    manager = user(svc, "analytics_manager[b]")
    # the Local link of a bucket/scope dataverse: that bucket's analytics!manage
    run(svc, manager, "CONNECT LINK b.s.Local")
    assert svc.analytics_catalog.connected[("b/s", "Local")] is True
    run(svc, manager, "DISCONNECT LINK b.s.Local")
    assert refused(svc, manager, "CONNECT LINK o.s.Local") == \
        "User must have permission (cluster.bucket[o].analytics!manage)"
    # a one-part dataverse's: the cluster's
    assert refused(svc, manager, "DISCONNECT LINK Local") == CLUSTER_MANAGE
    assert svc.analytics_catalog.connected[("Default", "Local")] is True
    reader = user(svc, "analytics_reader,bucket_full_access[b]")
    assert refused(svc, reader, "CONNECT LINK b.s.Local") == B_MANAGE
    run(svc, user(svc, "analytics_admin"), "DISCONNECT LINK Local")
    assert svc.analytics_catalog.connected[("Default", "Local")] is False


def test_a_manager_may_not_read_what_it_manages_without_select(svc: QueryService) -> None:
    # analytics_admin manages every dataset but reads none (ns_server: [analytics] manage only)
    who = user(svc, "analytics_admin")
    run(svc, who, "CREATE DATASET ds ON b")
    with pytest.raises(QueryError) as info:
        run(svc, who, "SELECT RAW COUNT(*) FROM ds")
    assert (info.value.code, info.value.status) == (20001, 403)


def test_a_refused_ddl_statement_is_a_403_with_the_services_error() -> None:
    with MockCluster(nodes=1, buckets=["default"]) as mock:
        status, _ = service_request(mock, "mgmt", "PUT", "/settings/rbac/users/local/reader",
                                    b"password=reader-pw&roles=analytics_reader", form=True)
        assert status == 200

        def analytics(statement: str, who: str, password: str) -> Tuple[int, Any]:
            return service_request(mock, "cbas", "POST", "/analytics/service", {"statement": statement},
                                   user=who, password=password)

        assert analytics("CREATE DATASET ds ON `default`", mock.username, mock.password)[0] == 200
        status, body = analytics("DROP DATASET ds", "reader", "reader-pw")
        assert status == 403 and body["status"] == "fatal"
        wanted = "User must have permission (cluster.bucket[default].analytics!manage)"
        assert body["errors"] == [{"code": 20001, "msg": wanted}]
        status, body = analytics("CREATE DATAVERSE mine", "reader", "reader-pw")
        assert status == 403 and body["errors"][0]["msg"] == CLUSTER_MANAGE
        status, body = analytics("SELECT RAW COUNT(*) FROM ds", "reader", "reader-pw")
        assert status == 200 and body["results"] == [0]  # the dataset is still there, and readable
