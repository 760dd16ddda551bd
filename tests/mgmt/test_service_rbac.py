"""Permission refusals of the eventing and analytics managers on every front end: the mock enforces
Couchbase Server 7.x's roles (eventing.function!manage on a function's scope and data access to its
keyspaces; analytics!manage for DDL), the managers raise AuthenticationException, and nothing changes.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import AuthenticationException
from couchbase.management.users import Role, User
from support.mgmt import blocking


@pytest.fixture
def make_user(admin: Cluster) -> Iterator[Callable[..., str]]:
    """``make_user(name, *roles)`` -> its password; the users are dropped after the test."""
    made = []

    def make(name: str, *roles: Role) -> str:
        password = f"pw-{name}"
        admin.users().upsert_user(User(name, roles=set(roles), password=password))
        made.append(name)
        return password

    yield make
    for name in made:
        admin.users().drop_user(name)


def _function(name: str, source_scope: str = "_default", source_collection: str = "_default") -> Any:
    import couchbase.management.eventing as ev

    return ev.EventingFunction(name, "function OnUpdate(doc, meta) { log(meta.id); }",
                               source_keyspace=ev.EventingFunctionKeyspace("default", source_scope,
                                                                           source_collection),
                               metadata_keyspace=ev.EventingFunctionKeyspace("other"))


def test_a_data_reader_cannot_manage_eventing_functions(open_fe: Callable[..., Any], admin: Cluster,
                                                        make_user: Callable[..., str],
                                                        front_end_name: str) -> None:
    from couchbase.management.eventing import EventingFunctionState

    name = f"rbac-fn-{front_end_name}"
    reader_name = f"ev-reader-{front_end_name}"
    password = make_user(reader_name, Role("data_reader", "default"))
    reader = open_fe(authenticator=PasswordAuthenticator(reader_name, password))
    em = blocking(reader, reader.cluster.eventing_functions())
    with pytest.raises(AuthenticationException):
        em.upsert_function(_function(name))
    assert name not in [f.name for f in admin.eventing_functions().get_all_functions()]

    admin.eventing_functions().upsert_function(_function(name))
    try:
        with pytest.raises(AuthenticationException):
            em.deploy_function(name)
        with pytest.raises(AuthenticationException):
            em.get_function(name)
        with pytest.raises(AuthenticationException):
            em.drop_function(name)
        assert name not in [f.name for f in em.get_all_functions()]  # listed only to who may read it
        assert name not in [s.name for s in em.functions_status().functions]
        status = next(s for s in admin.eventing_functions().functions_status().functions if s.name == name)
        assert status.state is EventingFunctionState.Undeployed
    finally:
        admin.eventing_functions().drop_function(name)


def test_a_scope_eventing_manager_manages_its_scope_only(open_fe: Callable[..., Any], admin: Cluster,
                                                         make_user: Callable[..., str],
                                                         front_end_name: str) -> None:
    from couchbase.management.eventing import EventingFunctionState

    scope = f"ev-{front_end_name}"
    collections = admin.bucket("default").collections()
    collections.create_scope(scope)
    try:
        collections.create_collection(scope, "src")
        user = f"ev-scoped-{front_end_name}"
        password = make_user(user, Role("eventing_manage_functions", "default", scope),
                             Role("data_dcp_reader", "default", scope, "src"),
                             Role("data_reader", "other"), Role("data_writer", "other"))
        fe = open_fe(authenticator=PasswordAuthenticator(user, password))
        mine = blocking(fe, fe.cluster.bucket("default").scope(scope).eventing_functions())
        mine.upsert_function(_function("mine", scope, "src"))
        mine.deploy_function("mine")
        assert [(s.name, s.state) for s in mine.functions_status().functions] == [
            ("mine", EventingFunctionState.Deployed)]
        mine.undeploy_function("mine")
        mine.drop_function("mine")
        with pytest.raises(AuthenticationException):  # the admin scope is not its scope
            blocking(fe, fe.cluster.eventing_functions()).upsert_function(_function("theirs", scope, "src"))
        assert "theirs" not in [f.name for f in admin.eventing_functions().get_all_functions()]
    finally:
        collections.drop_scope(scope)


def test_analytics_ddl_needs_analytics_manage(open_fe: Callable[..., Any], admin: Cluster,
                                              make_user: Callable[..., str], front_end_name: str) -> None:
    from couchbase.management.options import CreateDatasetOptions

    admin_am = admin.analytics_indexes()
    dataverse = f"rbacdv_{front_end_name}"
    admin_am.create_dataverse(dataverse)
    try:
        admin_am.create_dataset("kept", "default", CreateDatasetOptions(dataverse_name=dataverse))
        reader_name = f"an-reader-{front_end_name}"
        reader_pw = make_user(reader_name, Role("analytics_reader"), Role("bucket_full_access", "default"))
        reader = open_fe(authenticator=PasswordAuthenticator(reader_name, reader_pw))
        am = blocking(reader, reader.cluster.analytics_indexes())
        with pytest.raises(AuthenticationException):
            am.create_dataverse(f"{dataverse}_more")
        with pytest.raises(AuthenticationException):
            am.drop_dataset("kept", dataverse_name=dataverse)
        with pytest.raises(AuthenticationException):
            am.create_dataset("more", "default", CreateDatasetOptions(dataverse_name=dataverse))
        seen = sorted(d.dataset_name for d in am.get_all_datasets() if d.dataverse_name == dataverse)
        assert seen == ["kept"]

        manager_name = f"an-manager-{front_end_name}"
        manager_pw = make_user(manager_name, Role("analytics_manager", "default"))
        manager = open_fe(authenticator=PasswordAuthenticator(manager_name, manager_pw))
        mm = blocking(manager, manager.cluster.analytics_indexes())
        mm.create_dataset("more", "default", CreateDatasetOptions(dataverse_name=dataverse))  # its bucket
        with pytest.raises(AuthenticationException):  # not another bucket's
            mm.create_dataset("elsewhere", "other", CreateDatasetOptions(dataverse_name=dataverse))
        with pytest.raises(AuthenticationException):  # nor dataverses (analytics_admin's)
            mm.drop_dataverse(dataverse)
        mm.drop_dataset("more", dataverse_name=dataverse)
        names = sorted(d.dataset_name for d in admin_am.get_all_datasets() if d.dataverse_name == dataverse)
        assert names == ["kept"]
    finally:
        admin_am.drop_dataverse(dataverse)
