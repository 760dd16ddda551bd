"""Interop with the official Couchbase Python SDK 4.x (its own venv): documents
written by one SDK are read correctly by the other, with the same flags."""
from __future__ import annotations

import json

import pytest

from couchbase import FMT_BYTES, FMT_JSON, FMT_PICKLE, FMT_UTF8
from couchbase.transcoder import LegacyTranscoder
from support.official_sdk import mock_args, run

WRITE = """
from couchbase.transcoder import RawBinaryTranscoder, RawStringTranscoder, LegacyTranscoder
kind, key = ARGS["kind"], ARGS["key"]
if kind == "json":
    res = coll.upsert(key, {"a": [1, 2], "b": "x"})
elif kind == "utf8":
    res = coll.upsert(key, "héllo", transcoder=RawStringTranscoder())
elif kind == "bytes":
    res = coll.upsert(key, b"\\x00\\x01raw", transcoder=RawBinaryTranscoder())
else:
    res = coll.upsert(key, {"a", "set"}, transcoder=LegacyTranscoder())
print(json.dumps({"cas": res.cas}))
"""

READ = """
from couchbase.transcoder import RawBinaryTranscoder, RawStringTranscoder, LegacyTranscoder
kind, key = ARGS["kind"], ARGS["key"]
tc = {"json": None, "utf8": RawStringTranscoder(), "bytes": RawBinaryTranscoder(), "pickle": LegacyTranscoder()}[kind]
res = coll.get(key, transcoder=tc) if tc else coll.get(key)
value = res.content_as[dict] if kind == "json" else res.value
if kind == "bytes":
    value = value.hex()
if kind == "pickle":
    value = sorted(value)
print(json.dumps({"value": value, "flags": res.flags if hasattr(res, "flags") else None, "cas": res.cas}))
"""  # noqa: E501 - official SDK snippet, kept as written

CASES = {
    "json": ({"a": [1, 2], "b": "x"}, FMT_JSON),
    "utf8": ("héllo", FMT_UTF8),
    "bytes": (b"\x00\x01raw", FMT_BYTES),
    "pickle": ({"a", "set"}, FMT_PICKLE),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_official_reads_what_we_write(mock, cluster, kind):
    value, fmt = CASES[kind]
    coll = cluster.bucket("default").default_collection()
    key = f"interop-ours-{kind}"
    tc = LegacyTranscoder()
    res = coll.upsert(key, value, transcoder=tc, format=fmt)
    assert mock.get_doc("default", key)["flags"] == fmt
    seen = run(READ, kind=kind, key=key, **mock_args(mock))
    expected = {"json": value, "utf8": value, "bytes": value.hex() if isinstance(value, bytes) else value,
                "pickle": sorted(value) if isinstance(value, set) else value}[kind]
    assert seen["value"] == expected
    assert seen["cas"] == res.cas


@pytest.mark.parametrize("kind", list(CASES))
def test_we_read_what_official_writes(mock, cluster, kind):
    value, fmt = CASES[kind]
    key = f"interop-theirs-{kind}"
    written = run(WRITE, kind=kind, key=key, **mock_args(mock))
    got = cluster.bucket("default").default_collection().get(key, transcoder=LegacyTranscoder())
    assert got.value == value
    assert got.cas == written["cas"]
    assert got.flags & 0xFF000000 == fmt & 0xFF000000


def test_official_sdk_subdoc_and_counters(mock, cluster):
    out = run("""
import couchbase.subdocument as SD
coll.upsert("interop-sd", {"n": 1, "list": [1]})
coll.mutate_in("interop-sd", [SD.increment("n", 2), SD.array_append("list", 2)])
r = coll.lookup_in("interop-sd", [SD.get("n"), SD.exists("nope")])
c = coll.binary().increment("interop-ctr", __import__("couchbase.options", fromlist=["x"]).IncrementOptions(
    initial=__import__("couchbase.options", fromlist=["x"]).SignedInt64(5)))
print(json.dumps({"n": r.content_as[int](0), "nope": r.exists(1), "ctr": c.content}))
""", **mock_args(mock))
    assert out == {"n": 3, "nope": False, "ctr": 5}
    coll = cluster.bucket("default").default_collection()
    assert coll.get("interop-sd").value == {"n": 3, "list": [1, 2]}
    assert coll.binary().increment("interop-ctr").content == 6


def test_official_sdk_bootstraps_with_scram_on_plain_tcp(mock):
    before = mock.info()["auth_mechanisms"].get("SCRAM-SHA512", 0)
    run("print(json.dumps(coll.exists('anything').exists))", **mock_args(mock))
    assert mock.info()["auth_mechanisms"].get("SCRAM-SHA512", 0) > before


def test_official_sdk_durability_collections_and_errors(mock, cluster):
    out = run("""
from couchbase.durability import ServerDurability, DurabilityLevel
from couchbase.options import UpsertOptions
from couchbase.exceptions import DocumentNotFoundException, DocumentExistsException
r = coll.upsert("interop-dur", {"d": 1}, UpsertOptions(durability=ServerDurability(DurabilityLevel.MAJORITY)))
users = cluster.bucket("default").scope("app").collection("users")
users.upsert("interop-named", {"in": "users"})
errors = []
try:
    coll.get("interop-missing")
except DocumentNotFoundException:
    errors.append("not_found")
try:
    coll.insert("interop-dur", 1)
except DocumentExistsException:
    errors.append("exists")
print(json.dumps({"cas": r.cas, "errors": errors, "exists": coll.exists("interop-dur").exists}))
""", **mock_args(mock))
    assert out["errors"] == ["not_found", "exists"] and out["exists"] is True
    bucket = cluster.bucket("default")
    assert bucket.default_collection().get("interop-dur").cas == out["cas"]
    assert bucket.scope("app").collection("users").get("interop-named").value == {"in": "users"}


def test_official_sdk_over_tls_with_plain():
    """Over TLS the official SDK authenticates with PLAIN (SCRAM is its choice on plain TCP)."""
    from couchbase_mock import MockCluster

    with MockCluster(nodes=2, replicas=1, buckets=["default"], tls=True) as m:
        hosts = ",".join(f"127.0.0.1:{n.kv_ssl_port}" for n in m.nodes)
        out = run("""
coll.upsert("tls-official", {"plain": True})
print(json.dumps(coll.get("tls-official").content_as[dict]))
""", connstr=f"couchbases://{hosts}", username=m.username, password=m.password, cert_path=m.ca_cert_path)
        assert out == {"plain": True}
        assert set(m.info()["auth_mechanisms"]) == {"PLAIN"}
        assert json.loads(m.get_doc("default", "tls-official")["value"]) == {"plain": True}


CERT_AUTH = """
from couchbase.auth import CertificateAuthenticator
from couchbase.exceptions import CouchbaseException
from couchbase.options import ClusterTimeoutOptions
certified = Cluster(ARGS["connstr"], ClusterOptions(
    CertificateAuthenticator(ARGS["cert"], ARGS["key"], ARGS["cert_path"]),
    timeout_options=ClusterTimeoutOptions(kv_timeout=timedelta(seconds=1))))
mine = certified.bucket("default").default_collection()
out = {"read": mine.get("cert-interop").content_as[dict]}
try:
    mine.upsert("cert-interop-write", 1)
    out["write"] = "allowed"
except CouchbaseException as exc:
    out["write"] = type(exc).__name__
out["query"] = [r for r in certified.query("SELECT RAW d.who FROM `default` d USE KEYS 'cert-interop'")]
print(json.dumps(out))
"""


def test_official_sdk_authenticates_by_client_certificate_as_the_same_user():
    """The official SDK's CertificateAuthenticator against the mock: the certificate's user (a
    reader) reads and queries, and is refused a write, exactly as with this SDK
    (tests/kv/test_certificate_auth.py)."""
    from couchbase.auth import CertificateAuthenticator, PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.exceptions import AuthenticationException
    from couchbase.management.users import Role, User
    from couchbase.options import ClusterOptions
    from couchbase_mock import MockCluster

    with MockCluster(nodes=2, replicas=1, buckets=["default"], tls=True) as m:
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as admin:
            admin.users().upsert_user(User(username="interop-reader", password="Reader-pw1", roles=[
                Role("data_reader", bucket="default"), Role("query_select", bucket="default")]))
            admin.bucket("default").default_collection().upsert("cert-interop", {"who": "reader"})
        m.set_client_cert_auth("enable", [{"path": "subject.cn", "prefix": "", "delimiter": ""}])
        cert, key = m.issue_client_cert("interop-reader")
        hosts = ",".join(f"127.0.0.1:{n.kv_ssl_port}" for n in m.nodes)
        out = run(CERT_AUTH, connstr=f"couchbases://{hosts}", username=m.username, password=m.password,
                  cert_path=m.ca_cert_path, cert=cert, key=key)
        assert out == {"read": {"who": "reader"}, "write": "AuthenticationException", "query": ["reader"]}
        assert m.get_doc("default", "cert-interop-write") is None
        with Cluster(m.tls_connstr, ClusterOptions(CertificateAuthenticator(cert, key, m.ca_cert_path)),
                     kv_timeout=1) as ours:
            coll = ours.bucket("default").default_collection()
            assert coll.get("cert-interop").value == {"who": "reader"}
            with pytest.raises(AuthenticationException):
                coll.upsert("cert-interop-write", 1)


CERT_REFUSED = """
from couchbase.auth import CertificateAuthenticator
from couchbase.options import ClusterTimeoutOptions
try:
    Cluster(ARGS["connstr"], ClusterOptions(
        CertificateAuthenticator(ARGS["cert"], ARGS["key"], ARGS["cert_path"]),
        timeout_options=ClusterTimeoutOptions(connect_timeout=timedelta(seconds=1.5))))
    print(json.dumps("connected"))
except Exception as exc:
    print(json.dumps([c.__name__ for c in type(exc).__mro__]))
"""


def test_a_refused_certificate_is_an_unambiguous_timeout_in_the_official_sdk_and_here():
    """The fact behind ClientCertificateRefusedException: 4.x retries a connection the server drops
    after the handshake until its connect timeout and raises UnAmbiguousTimeoutException; this SDK
    fails at once with an exception that is that class too (and an AuthenticationException)."""
    from couchbase.auth import CertificateAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.exceptions import (
        AuthenticationException,
        ClientCertificateRefusedException,
        UnAmbiguousTimeoutException,
    )
    from couchbase.options import ClusterOptions
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, buckets=["default"], tls=True) as m:
        m.set_client_cert_auth("enable", [{"path": "subject.cn", "prefix": "", "delimiter": ""}])
        cert, key = m.issue_client_cert("nobody-known")
        hosts = ",".join(f"127.0.0.1:{n.kv_ssl_port}" for n in m.nodes)
        mro = run(CERT_REFUSED, connstr=f"couchbases://{hosts}", username=m.username, password=m.password,
                  cert_path=m.ca_cert_path, cert=cert, key=key)
        assert mro[0] == "UnAmbiguousTimeoutException", mro
        with pytest.raises(ClientCertificateRefusedException) as err:
            Cluster(m.tls_connstr, ClusterOptions(CertificateAuthenticator(cert, key, m.ca_cert_path)))
        assert isinstance(err.value, UnAmbiguousTimeoutException)
        assert isinstance(err.value, AuthenticationException)
