"""RBAC enforced by the mock, seen through every front end: typed errors and nothing written.

Users are provisioned with the blocking UserManager (the admin's tool); the
restricted user's cluster is opened on the front end under test. libcouchbase
3.3 retries a KV EACCESS until the operation's timeout, so denied operations use
a short ``kv_timeout``.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import AuthenticationException, BucketNotFoundException, CouchbaseException
from couchbase.management.buckets import CreateBucketSettings
from couchbase.management.users import Role, User
from couchbase.options import ClusterOptions
from support.mgmt import blocking, managers


def _user(admin: Cluster, name: str, *roles: Role) -> str:
    password = f"pw-{name}"
    admin.users().upsert_user(User(name, roles=set(roles), password=password))
    return password


def _as(open_fe: Callable[..., Any], name: str, password: str, bucket: str = "default") -> Any:
    return open_fe(bucket, authenticator=PasswordAuthenticator(name, password), kv_timeout=1.0)


def test_user_limited_to_one_bucket(open_fe: Callable[..., Any], admin: Cluster, mmock: Any,
                                    front_end_name: str) -> None:
    name = f"one-bucket-{front_end_name}"
    password = _user(admin, name, Role("bucket_full_access", "default"))
    try:
        mine = _as(open_fe, name, password)
        mine.upsert("rbac-mine", {"ok": True})  # its own bucket works
        assert mmock.get_doc("default", "rbac-mine") is not None

        # KV: SELECT_BUCKET is refused (blocking front ends raise when opening, the others on first use)
        with pytest.raises((BucketNotFoundException, AuthenticationException)):
            theirs = _as(open_fe, name, password, bucket="other")
            theirs.upsert("rbac-theirs", {"ok": False})
        assert mmock.get_doc("other", "rbac-theirs") is None

        bm, _um, _q = managers(mine)  # HTTP: the other bucket is invisible and closed to it
        assert [b.name for b in bm.get_all_buckets()] == ["default"]
        with pytest.raises(AuthenticationException):
            bm.get_bucket("other")
        with pytest.raises(AuthenticationException):
            bm.create_bucket(CreateBucketSettings(name=f"sneaky-{front_end_name}", ram_quota_mb=100))
        assert f"sneaky-{front_end_name}" not in mmock.cluster.buckets
        with pytest.raises(AuthenticationException):
            blocking(mine, mine.cluster.users()).get_all_users()
    finally:
        admin.users().drop_user(name)


def test_read_only_user_cannot_write(open_fe: Callable[..., Any], admin: Cluster, mmock: Any,
                                     front_end_name: str) -> None:
    name = f"reader-{front_end_name}"
    password = _user(admin, name, Role("data_reader", "default"))
    key = f"rbac-ro-{front_end_name}"
    admin.bucket("default").default_collection().upsert(key, {"v": 1})
    try:
        reader = _as(open_fe, name, password)
        assert reader.get(key).content_as[dict] == {"v": 1}
        with pytest.raises(AuthenticationException):
            reader.upsert(key, {"v": 2})
        with pytest.raises(AuthenticationException):
            reader.remove(key)
        with pytest.raises(AuthenticationException):
            reader.insert(key + "-new", {"v": 3})
        doc = mmock.get_doc("default", key)
        assert doc is not None and doc["value"] == b'{"v":1}'  # neither changed nor removed
        assert mmock.get_doc("default", key + "-new") is None
    finally:
        admin.users().drop_user(name)


def test_dropped_user_loses_its_connections(open_fe: Callable[..., Any], admin: Cluster, mmock: Any,
                                            front_end_name: str) -> None:
    name = f"dropped-{front_end_name}"
    password = _user(admin, name, Role("data_reader", "default"), Role("data_writer", "default"))
    key = f"rbac-dropped-{front_end_name}"
    user = _as(open_fe, name, password)
    user.upsert(key, {"n": 1})
    admin.users().drop_user(name)
    with pytest.raises(CouchbaseException) as info:  # the server closed its connections; re-auth fails
        user.upsert(key, {"n": 2})
    assert isinstance(info.value, AuthenticationException), info.value
    assert mmock.get_doc("default", key)["value"] == b'{"n":1}'
    with pytest.raises(AuthenticationException):
        Cluster(mmock.connstr, ClusterOptions(PasswordAuthenticator(name, password)))
