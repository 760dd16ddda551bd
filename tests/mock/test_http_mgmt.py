"""Node HTTP ports (mgmt + service pings) against a fake cluster model."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from http_fakes import FakeCluster, LoopThread, auth_header

from couchbase_mock.http import start_node_http, stop_node_http
from couchbase_mock.http.node import node_http_servers

# Every key couchbase-cxx-client reads with at() from a bucket object (MOCK.md 2.2).
CXX_BUCKET_KEYS = [
    "name",
    "uuid",
    "replicaNumber",
    "bucketType",
    "evictionPolicy",
    "conflictResolutionType",
    "controllers",
    "nodes",
    "quota",
]
CXX_NODE_KEYS = ["status", "hostname", "version", "services", "ports"]


@pytest.fixture(scope="module")
def loop():
    lt = LoopThread()
    yield lt
    lt.close()


@pytest.fixture
def cluster(loop):
    fake = FakeCluster(nodes=2, buckets=["default", "other"], dollar_host=True)
    for node in fake.nodes:
        loop.run(start_node_http(fake, node))
    yield fake
    for node in fake.nodes:
        loop.run(stop_node_http(node))


def get(port: int, path: str, headers=None, expect: int = 200):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers=auth_header() if headers is None else headers)
    r = c.getresponse()
    body = r.read()
    assert r.status == expect, (path, r.status, body)
    c.close()
    return (
        json.loads(body) if body and r.getheader("Content-Type", "").startswith("application/json") else body
    )


def test_ports_are_bound_and_written_back(cluster):
    ports = set()
    for node in cluster.nodes:
        for attr in ("mgmt_port", "capi_port", "n1ql_port", "fts_port", "cbas_port", "eventing_port"):
            port = getattr(node, attr)
            assert port > 0
            ports.add(port)
        assert set(node_http_servers(node)) == {"mgmt", "capi", "n1ql", "fts", "cbas", "eventing"}
    assert len(ports) == 12


def test_fixed_ports_are_used(loop):
    fake = FakeCluster(nodes=1)
    node = fake.nodes[0]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    wanted = s.getsockname()[1]
    s.close()
    node.mgmt_port = wanted
    loop.run(start_node_http(fake, node))
    try:
        assert node.mgmt_port == wanted
        assert get(wanted, "/pools")["isAdminCreds"] is True
    finally:
        loop.run(stop_node_http(node))


def test_pools(cluster):
    port = cluster.nodes[0].mgmt_port
    data = get(port, "/pools")
    assert data["isAdminCreds"] is True and data["isEnterprise"] is True
    assert data["pools"][0]["name"] == "default"
    assert data["implementationVersion"].startswith("7.")
    assert get(port, "/pools", headers={})["isAdminCreds"] is False
    get(port, "/pools", headers=auth_header("Administrator", "bad"), expect=401)


def test_pools_default(cluster):
    n0, n1 = cluster.nodes
    data = get(n1.mgmt_port, "/pools/default")
    assert [n["hostname"] for n in data["nodes"]] == [
        "127.0.0.1:%d" % n0.mgmt_port,
        "127.0.0.1:%d" % n1.mgmt_port,
    ]
    assert [n["thisNode"] for n in data["nodes"]] == [False, True]
    assert data["nodes"][0]["ports"]["direct"] == n0.kv_port
    assert data["nodes"][0]["couchApiBase"] == "http://127.0.0.1:%d/" % n0.capi_port
    assert data["buckets"]["terseStreamingBucketsBase"] == "/pools/default/bs/"
    assert data["rev"] == cluster.rev
    get(n0.mgmt_port, "/pools/default", headers={}, expect=401)


def test_bucket_objects_have_cxx_keys(cluster):
    port = cluster.nodes[0].mgmt_port
    buckets = get(port, "/pools/default/buckets")
    assert [b["name"] for b in buckets] == ["default", "other"]
    for bucket in buckets:
        for key in CXX_BUCKET_KEYS:
            assert key in bucket, key
        assert bucket["quota"]["rawRAM"] == 100 * 1024 * 1024
        assert bucket["bucketType"] == "membase"
        assert bucket["replicaNumber"] == 1
        assert bucket["vBucketServerMap"]["numReplicas"] == 1
        assert len(bucket["nodes"]) == 2
        for node in bucket["nodes"]:
            for key in CXX_NODE_KEYS:
                assert key in node, key
            assert node["status"] == "healthy"
            assert "kv" in node["services"]
        # $HOST was substituted with the address the client used
        assert "$HOST" not in json.dumps(bucket)
    one = get(port, "/pools/default/buckets/default")
    assert one["name"] == "default" and one["uuid"] == buckets[0]["uuid"]
    assert one["nodes"][0]["couchApiBase"].endswith("/default%2B" + one["uuid"])
    get(port, "/pools/default/buckets/nope", expect=404)


def test_terse_and_node_services_and_scopes(cluster):
    port = cluster.nodes[0].mgmt_port
    terse = get(port, "/pools/default/b/default")
    assert terse["nodeLocator"] == "vbucket" and terse["nodesExt"][0]["hostname"] == "127.0.0.1"
    ns = get(port, "/pools/default/nodeServices")
    assert ns["rev"] == cluster.rev and len(ns["nodesExt"]) == 2
    manifest = get(port, "/pools/default/buckets/default/scopes")
    assert manifest["scopes"][0]["name"] == "_default"
    assert manifest["scopes"][0]["collections"][0]["name"] == "_default"
    get(port, "/pools/default/buckets/nope/scopes", expect=404)


def test_service_pings(cluster):
    node = cluster.nodes[1]
    assert get(node.n1ql_port, "/admin/ping", headers={}) == {}
    assert get(node.cbas_port, "/admin/ping", headers={}) == {}
    assert get(node.fts_port, "/api/ping", headers={}) == {}
    assert get(node.capi_port, "/", headers={})["couchdb"] == "Welcome"
    get(node.mgmt_port, "/", headers={})


class Stream:
    """Reads a chunked config stream and splits it on the 4-newline delimiter."""

    def __init__(self, port: int, path: str, headers=None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        self.conn.request("GET", path, headers=auth_header() if headers is None else headers)
        self.resp = self.conn.getresponse()
        self.buf = b""

    def next_config(self):
        while b"\n\n\n\n" not in self.buf:
            part = self.resp.read1(65536)
            if not part:
                raise EOFError("stream ended")
            self.buf += part
        head, _, self.buf = self.buf.partition(b"\n\n\n\n")
        return json.loads(head)

    def close(self) -> None:
        self.conn.close()


@pytest.mark.parametrize("path", ["/pools/default/bs/default", "/pools/default/bucketsStreaming/default"])
def test_bucket_stream_pushes_new_configs(cluster, loop, path):
    stream = Stream(cluster.nodes[0].mgmt_port, path)
    assert stream.resp.status == 200
    assert stream.resp.getheader("Transfer-Encoding") == "chunked"
    first = stream.next_config()
    assert first["rev"] == cluster.rev and first["name"] == "default"
    assert first["nodesExt"][0]["hostname"] == "127.0.0.1"
    loop.call(cluster.bump)
    assert stream.next_config()["rev"] == first["rev"] + 1
    # a change from another thread is delivered too
    cluster.control.failover(1)
    second = stream.next_config()
    assert second["rev"] == first["rev"] + 2 and len(second["nodesExt"]) == 1
    stream.close()


def test_pools_stream(cluster, loop):
    stream = Stream(cluster.nodes[1].mgmt_port, "/poolsStreaming/default")
    first = stream.next_config()
    assert len(first["nodes"]) == 2 and first["nodesExt"]
    loop.call(cluster.bump)
    assert stream.next_config()["rev"] == first["rev"] + 1
    stream.close()


def test_stream_errors(cluster):
    port = cluster.nodes[0].mgmt_port
    get(port, "/pools/default/bs/nope", expect=404)
    get(port, "/pools/default/bucketsStreaming/nope", expect=404)
    get(port, "/pools/default/bs/default", headers=auth_header("Administrator", "nope"), expect=401)


def test_stream_ends_when_bucket_is_deleted(cluster, loop):
    stream = Stream(cluster.nodes[0].mgmt_port, "/pools/default/bs/other")
    stream.next_config()

    def drop():
        del cluster.buckets["other"]
        cluster.bump()

    loop.call(drop)
    with pytest.raises(EOFError):
        stream.next_config()
    stream.close()


def test_listener_unregistered_after_streams_close(cluster, loop):
    stream = Stream(cluster.nodes[0].mgmt_port, "/pools/default/bs/default")
    stream.next_config()
    assert len(cluster.listeners) == 1
    stream.close()
    deadline = time.monotonic() + 5
    while cluster.listeners and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cluster.listeners == []


def test_stop_node_http_closes_streams_and_ports(loop):
    fake = FakeCluster(nodes=1)
    node = fake.nodes[0]
    loop.run(start_node_http(fake, node))
    stream = Stream(node.mgmt_port, "/pools/default/bs/default")
    stream.next_config()
    loop.run(stop_node_http(node))
    with pytest.raises((EOFError, ConnectionError, http.client.HTTPException)):
        stream.next_config()
    stream.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", node.mgmt_port), timeout=1).close()
    assert node_http_servers(node) == {}


# ----------------------------------------------------------------------------- libcouchbase


def _cbc_dir():
    """The cbc tools: $LCB_BIN, else build_lcb.py's cached build (never built here), else /tmp/lcbinst."""
    candidates = [os.environ.get("LCB_BIN", "")]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        import importlib.util

        spec = importlib.util.spec_from_file_location("_build_lcb", os.path.join(root, "build_lcb.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules["_build_lcb"] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        candidates.append(str(module.cached_prefix() / "bin"))
    except Exception:
        pass
    candidates.append("/tmp/lcbinst/bin")
    for path in candidates:
        if path and os.path.exists(os.path.join(path, "cbc")):
            return path
    return None


CBC_DIR = _cbc_dir()
needs_cbc = pytest.mark.skipif(
    CBC_DIR is None or shutil.which("cbc", path=CBC_DIR or "") is None,
    reason="libcouchbase cbc tools not built",
)


def cbc(*args: str, timeout: float = 30):
    env = dict(os.environ)
    libdir = os.path.join(os.path.dirname(CBC_DIR), "lib")
    env["LD_LIBRARY_PATH"] = libdir + os.pathsep + env.get("LD_LIBRARY_PATH", "")
    return subprocess.run(
        [os.path.join(CBC_DIR, args[0])] + list(args[1:]),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@needs_cbc
def test_lcb_http_bootstrap_sees_config(cluster):
    """lcb bootstraps over the streaming HTTP config and maps keys with it."""
    n0, n1 = cluster.nodes
    url = "couchbase://127.0.0.1:%d=http/default?config_total_timeout=5" % n0.mgmt_port
    out = cbc("cbc-hash", "-U", url, "-u", "Administrator", "-P", "password", "k1", "k2", "foo")
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr  # cbc-hash prints its table on stderr
    # MOCK.md 2.3: k1->14, k2->7, foo->51 for 64 vbuckets; vb i is active on node i % 2
    assert "k1: [vBucket=14, Index=0] Server: 127.0.0.1:%d" % n0.kv_port in text, text
    assert "k2: [vBucket=7, Index=1] Server: 127.0.0.1:%d" % n1.kv_port in text, text
    assert "foo: [vBucket=51, Index=1]" in text, text
    assert "CouchAPI: http://127.0.0.1:%d/default" % n1.capi_port in text, text


@needs_cbc
def test_lcb_http_bootstrap_bad_password_and_bucket(cluster):
    url = "couchbase://127.0.0.1:%d=http/%s?config_total_timeout=3"
    out = cbc(
        "cbc-hash",
        "-U",
        url % (cluster.nodes[0].mgmt_port, "default"),
        "-u",
        "Administrator",
        "-P",
        "wrong",
        "k1",
    )
    assert out.returncode != 0
    assert "AUTHENTICATION_FAILURE" in out.stderr, out.stderr
    out = cbc(
        "cbc-hash",
        "-U",
        url % (cluster.nodes[0].mgmt_port, "nope"),
        "-u",
        "Administrator",
        "-P",
        "password",
        "k1",
    )
    assert out.returncode != 0
    assert "BUCKET_NOT_FOUND" in out.stderr, out.stderr


@needs_cbc
def test_lcb_cluster_level_http_bootstrap(cluster):
    """cbc-admin bootstraps a cluster-level instance from /poolsStreaming/default/."""
    url = "couchbase://127.0.0.1:%d=http?config_total_timeout=5" % cluster.nodes[1].mgmt_port
    out = cbc(
        "cbc-admin", "-U", url, "-u", "Administrator", "-P", "password", "/pools/default/buckets/default"
    )
    assert out.returncode == 0, out.stderr
    body = out.stdout[out.stdout.index("{") :]
    assert json.loads(body)["name"] == "default"


def _server_tls(tmp_path):
    """(server context, client context) from trustme when installed, else the openssl CLI."""
    import ssl

    try:
        import trustme
    except ImportError:
        trustme = None
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    if trustme is not None:
        ca = trustme.CA()
        ca.issue_cert("127.0.0.1").configure_cert(server)
        client = ssl.create_default_context()
        ca.configure_trust(client)
        return server, client
    if shutil.which("openssl") is None:
        pytest.skip("neither trustme nor openssl available")
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=cert)


def test_https_ports_when_cluster_has_tls(loop, tmp_path):
    server_ctx, client_ctx = _server_tls(tmp_path)
    fake = FakeCluster(nodes=1)
    fake.server_ssl_context = server_ctx
    node = fake.nodes[0]
    loop.run(start_node_http(fake, node))
    try:
        assert node.mgmt_ssl_port > 0 and node.cbas_ssl_port > 0
        assert set(node_http_servers(node)) >= {"mgmt", "mgmtSSL", "n1qlSSL"}
        c = http.client.HTTPSConnection("127.0.0.1", node.mgmt_ssl_port, timeout=5, context=client_ctx)
        c.request("GET", "/pools/default/buckets/default", headers=auth_header())
        r = c.getresponse()
        assert r.status == 200 and json.loads(r.read())["name"] == "default"
        c.close()
        c = http.client.HTTPSConnection("127.0.0.1", node.n1ql_ssl_port, timeout=5, context=client_ctx)
        c.request("GET", "/admin/ping")
        assert c.getresponse().status == 200
        c.close()
    finally:
        loop.run(stop_node_http(node))
