"""Client-certificate authentication (``CertificateAuthenticator``) against the mock's TLS ports.

One 2-node TLS mock serves the file, with client-certificate authentication ``enable``d and two
rules: the subject CN names the user, else a ``san.email`` up to its ``@``. The user ``certreader``
may read ``default`` by KV and query it (``data_reader`` and ``query_select`` on ``default``) and
nothing else. On every front end:

* a certificate whose CN is ``certreader`` reads a document and queries ``default``, and is refused
  an upsert (KV) and a query of ``other`` (HTTP): that user's roles apply, not the administrator's;
* a certificate without CN names its user by an e-mail or URI SAN (after the rule's prefix, up to its
  delimiter) and authenticates as that user;
* a certificate naming no known user, or signed by a CA the server does not trust, fails fast with
  ``ClientCertificateRefusedException`` (also the ``UnAmbiguousTimeoutException`` SDK 4.x raises);
* ``mandatory`` refuses a client without a certificate, ``enable`` lets it use its password.
"""
from __future__ import annotations

import os
import time
import types
from typing import Any, Iterator, Tuple

import pytest

from couchbase.auth import CertificateAuthenticator, PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import (
    AuthenticationException,
    ClientCertificateRefusedException,
    CouchbaseException,
    InvalidArgumentException,
    NetworkException,
    UnAmbiguousTimeoutException,
)
from couchbase.management.users import Role, User
from couchbase.options import ClusterOptions
from couchbase_mock import MockCluster
from support.frontends import FRONT_ENDS, selected

USER = "certreader"
FAST = 3.0
RULES = [{"path": "subject.cn", "prefix": "", "delimiter": ""},
         {"path": "san.email", "prefix": "", "delimiter": "@"},
         {"path": "san.uri", "prefix": "spiffe://cb.example/user/", "delimiter": "/?"}]

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def secure() -> Iterator[MockCluster]:
    with MockCluster(nodes=2, replicas=1, buckets=["default", "other"], tls=True) as mock:
        admin = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)))
        try:
            admin.users().upsert_user(User(username=USER, password="Cert-pa55word", roles=[
                Role("data_reader", bucket="default"), Role("query_select", bucket="default")]))
            admin.bucket("default").default_collection().upsert("cert-doc", {"who": "cert"})
            admin.bucket("other").default_collection().upsert("cert-doc", {"who": "other"})
        finally:
            admin.close()
        mock.set_client_cert_auth("enable", RULES)
        yield mock


def tls_view(mock: MockCluster) -> Any:
    """What the front-end factories read from a mock, over its TLS ports."""
    return types.SimpleNamespace(connstr=mock.tls_connstr, username=mock.username, password=mock.password)


def cert_auth(mock: MockCluster, common_name: str = "", **names: Any) -> CertificateAuthenticator:
    cert, key = mock.issue_client_cert(common_name, **names)
    return CertificateAuthenticator(cert, key, mock.ca_cert_path)


def open_fails(front_end: str, mock: MockCluster, **cluster_kw: Any) -> Tuple[BaseException, float]:
    start = time.monotonic()
    close = None
    try:
        view, close = FRONT_ENDS[front_end](tls_view(mock), **cluster_kw)
        view.get("cert-doc")
    except CouchbaseException as exc:
        return exc, time.monotonic() - start
    finally:
        if close is not None:
            close()
    raise AssertionError(f"{front_end}: the client was let in")


@pytest.mark.parametrize("front_end", selected())
def test_certificate_user_gets_that_users_roles_on_kv_and_query(secure: MockCluster, front_end: str) -> None:
    view, close = FRONT_ENDS[front_end](tls_view(secure), authenticator=cert_auth(secure, USER),
                                        kv_timeout=0.5)  # libcouchbase retries a refused write until then
    try:
        connstr = view.cluster._conn.connstr
        assert "certpath=" in connstr and "keypath=" in connstr and "truststorepath=" in connstr
        assert view.get("cert-doc").value == {"who": "cert"}
        with pytest.raises(AuthenticationException):  # data_reader: no writes
            view.upsert(f"cert-{front_end}", 1)
        rows, meta = view.collect_rows(view.cluster.query(
            "SELECT RAW d.who FROM `default` d USE KEYS 'cert-doc'"))
        assert rows == ["cert"] and meta.status() == "success"
        with pytest.raises(AuthenticationException, match="query_select"):  # no role on `other`
            view.collect_rows(view.cluster.query("SELECT RAW d.who FROM `other` d USE KEYS 'cert-doc'"))
    finally:
        close()
    assert secure.get_doc("default", f"cert-{front_end}") is None


@pytest.mark.parametrize("front_end", selected())
def test_certificate_names_its_user_by_san_rules(secure: MockCluster, front_end: str) -> None:
    for names in ({"emails": [f"{USER}@example.com"]},
                  {"uris": ["spiffe://other.example/user/Administrator", f"spiffe://cb.example/user/{USER}/x"]}):
        view, close = FRONT_ENDS[front_end](tls_view(secure), authenticator=cert_auth(secure, "", **names),
                                            kv_timeout=0.5)
        try:  # no CN: the SAN rule names certreader (prefix and delimiter applied), not the administrator
            assert view.get("cert-doc").value == {"who": "cert"}
            with pytest.raises(AuthenticationException):
                view.upsert(f"san-{front_end}", 1)
        finally:
            close()


@pytest.mark.parametrize("front_end", selected())
def test_unknown_identity_is_refused_fast(secure: MockCluster, front_end: str) -> None:
    before = secure.info()["auth_failures"]
    err, took = open_fails(front_end, secure, authenticator=cert_auth(secure, "nobody-known"))
    assert type(err) is ClientCertificateRefusedException, repr(err)
    assert isinstance(err, AuthenticationException) and isinstance(err, UnAmbiguousTimeoutException)
    assert "client certificate" in str(err)
    assert took < FAST, f"{front_end}: {took:.2f}s"
    assert secure.info()["auth_failures"] > before


@pytest.mark.parametrize("front_end", selected())
def test_certificate_from_an_untrusted_ca_is_refused(secure: MockCluster, front_end: str) -> None:
    cert, key = secure.issue_client_cert(USER, trusted=False)
    err, took = open_fails(front_end, secure,
                           authenticator=CertificateAuthenticator(cert, key, secure.ca_cert_path))
    assert type(err) is ClientCertificateRefusedException, repr(err)
    assert took < FAST


def test_mandatory_refuses_a_client_without_certificate(secure: MockCluster) -> None:
    password = PasswordAuthenticator(secure.username, secure.password)
    with Cluster(secure.tls_connstr, ClusterOptions(password), cert_path=secure.ca_cert_path) as cluster:
        assert cluster.bucket("default").default_collection().get("cert-doc").value == {"who": "cert"}
    secure.set_client_cert_auth("mandatory", RULES)
    try:
        with pytest.raises(NetworkException):
            Cluster(secure.tls_connstr, ClusterOptions(password), cert_path=secure.ca_cert_path)
        with Cluster(secure.tls_connstr, ClusterOptions(cert_auth(secure, USER))) as cluster:
            assert cluster.bucket("default").default_collection().get("cert-doc").value == {"who": "cert"}
    finally:
        secure.set_client_cert_auth("enable", RULES)


def test_disabled_ignores_the_certificate_and_sasl_is_skipped(secure: MockCluster) -> None:
    # libcouchbase does not SASL with a client certificate; with the feature disabled the server
    # does not ask for one, so the connection has no user and opening the bucket is refused
    secure.set_client_cert_auth("disable", [])
    try:
        with pytest.raises(CouchbaseException) as err:
            with Cluster(secure.tls_connstr, ClusterOptions(cert_auth(secure, USER))) as cluster:
                cluster.bucket("default").default_collection().get("cert-doc")
        assert not isinstance(err.value, ClientCertificateRefusedException), repr(err.value)
    finally:
        secure.set_client_cert_auth("enable", RULES)


def test_bad_arguments_are_typed(secure: MockCluster, tmp_path: Any) -> None:
    cert, key = secure.issue_client_cert(USER)
    with pytest.raises(InvalidArgumentException, match="cert_path"):
        CertificateAuthenticator(None, key)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentException, match="key_path"):
        CertificateAuthenticator(cert, b"key")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentException, match="trust_store_path"):
        CertificateAuthenticator(cert, key, 5)  # type: ignore[arg-type]
    auth = CertificateAuthenticator(cert, key)
    assert auth.as_dict() == {"cert_path": cert, "key_path": key}
    assert auth.valid_keys() == ["cert_path", "key_path", "trust_store_path"]
    with pytest.raises(InvalidArgumentException, match="couchbases://"):
        Cluster(secure.connstr, ClusterOptions(auth))
    missing = os.path.join(str(tmp_path), "missing.key")
    with pytest.raises(InvalidArgumentException, match="key_path"):
        Cluster(secure.tls_connstr,
                ClusterOptions(CertificateAuthenticator(cert, missing, secure.ca_cert_path)))
