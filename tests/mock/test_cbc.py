"""The mock driven by libcouchbase's own cbc tools (built from the same source)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from couchbase_mock import MockCluster

ROOT = Path(__file__).resolve().parents[2]


def _bin_dir() -> str:
    explicit = os.environ.get("LCB_BIN")
    if explicit:
        return explicit
    out = subprocess.run([sys.executable, str(ROOT / "build_lcb.py"), "--bin"], capture_output=True,
                         text=True)
    if out.returncode != 0 or not out.stdout.strip():
        pytest.fail(f"cannot locate libcouchbase's cbc tools: {out.stderr.strip()}")
    return out.stdout.strip()


BIN = _bin_dir()


def cbc(tool: str, mock: MockCluster, *args: str, connstr: str = "", password: str = "", stdin: str = "",
        timeout: float = 60, user: str = "") -> subprocess.CompletedProcess:
    url = connstr or mock.connstr_for("default")
    cmd = [os.path.join(BIN, tool), "-U", url, "-u", user or mock.username, "-P", password or mock.password,
           *args]
    return subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=timeout)


@pytest.fixture(scope="module")
def m():
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as cluster:
        yield cluster


def test_create_cat_rm(m):
    r = cbc("cbc-create", m, "cbc-k1", "-V", '{"a":1}', "-M", "upsert")
    assert r.returncode == 0 and "LCB_ERR" not in r.stderr, r.stderr
    r = cbc("cbc-cat", m, "cbc-k1")
    assert r.returncode == 0 and '{"a":1}' in r.stdout, r.stderr
    assert cbc("cbc-rm", m, "cbc-k1").returncode == 0
    r = cbc("cbc-cat", m, "cbc-k1")
    assert "LCB_ERR_DOCUMENT_NOT_FOUND" in r.stderr


def test_insert_existing_fails(m):
    assert cbc("cbc-create", m, "cbc-k2", "-V", "1", "-M", "insert").returncode == 0
    r = cbc("cbc-create", m, "cbc-k2", "-V", "1", "-M", "insert")
    assert "LCB_ERR_DOCUMENT_EXISTS" in r.stderr


def test_plain_and_scram(m):
    assert cbc("cbc-create", m, "cbc-plain", "-V", "1",
               connstr=m.connstr_for("default") + "?sasl_mech_force=PLAIN").returncode == 0
    for mech in ("SCRAM-SHA1", "SCRAM-SHA256", "SCRAM-SHA512"):
        r = cbc("cbc-cat", m, "cbc-plain", connstr=m.connstr_for("default") + f"?sasl_mech_force={mech}")
        assert r.returncode == 0, (mech, r.stderr)


def test_wrong_password_and_unknown_bucket(m):
    r = cbc("cbc-cat", m, "x", password="nope")
    assert r.returncode != 0 and "AUTHENTICATION_FAILURE" in r.stderr
    r = cbc("cbc-cat", m, "x", connstr=m.connstr_for("no-such-bucket"))
    assert r.returncode != 0 and "BUCKET_NOT_FOUND" in r.stderr


def test_counters(m):
    r = cbc("cbc-incr", m, "cbc-ctr", "--initial", "10", "--delta", "5")
    assert r.returncode == 0 and "10" in r.stdout + r.stderr
    r = cbc("cbc-incr", m, "cbc-ctr", "--delta", "5")
    assert "15" in r.stdout + r.stderr
    r = cbc("cbc-decr", m, "cbc-ctr", "--delta", "100")
    assert "0" in r.stdout + r.stderr
    cbc("cbc-create", m, "cbc-notnum", "-V", "abc")
    r = cbc("cbc-incr", m, "cbc-notnum", "--delta", "1")
    assert "INVALID_DELTA" in r.stderr


def test_lock_unlock_touch(m):
    cbc("cbc-create", m, "cbc-lock", "-V", "1")
    r = cbc("cbc-lock", m, "cbc-lock", "-e", "10")
    assert r.returncode == 0, r.stderr
    cas = r.stderr.split("CAS=")[1].split(",")[0]
    r = cbc("cbc-unlock", m, "cbc-lock", "0x1")  # the wrong CAS does not unlock
    assert "TEMPORARY_FAILURE" in r.stderr or "LCB_ERR" in r.stderr, r.stderr
    r = cbc("cbc-unlock", m, "cbc-lock", cas)
    assert "LCB_ERR" not in r.stderr, r.stderr
    assert "LCB_ERR" not in cbc("cbc-create", m, "cbc-lock", "-V", "1b").stderr  # unlocked: writable
    r = cbc("cbc-lock", m, "cbc-lock", "-e", "10")
    r = cbc("cbc-create", m, "cbc-lock", "-V", "2", connstr=m.connstr_for("default") + "?timeout=0.5")
    assert "DOCUMENT_LOCKED" in r.stderr  # libcouchbase negotiates XERROR: LOCKED, as a 7.x server answers
    m.advance_clock(11)
    r = cbc("cbc-create", m, "cbc-lock", "-V", "3")
    assert r.returncode == 0 and "LCB_ERR" not in r.stderr, r.stderr
    r = cbc("cbc-touch", m, "cbc-lock", "-e", "5")
    assert "LCB_ERR" not in r.stderr, r.stderr
    m.advance_clock(6)
    assert "DOCUMENT_NOT_FOUND" in cbc("cbc-cat", m, "cbc-lock").stderr


def test_observe_and_durability(m):
    cbc("cbc-create", m, "cbc-obs", "-V", "1")
    r = cbc("cbc-observe", m, "cbc-obs")
    assert r.returncode == 0 and "cbc-obs" in r.stdout + r.stderr
    r = cbc("cbc-create", m, "cbc-dur", "-V", "1", "-p", "2", "-r", "1")
    assert r.returncode == 0, r.stderr
    r = cbc("cbc-create", m, "cbc-dur2", "-V", "1", "-d", "majority")
    assert r.returncode == 0, r.stderr


def test_subdoc(m):
    cbc("cbc-create", m, "cbc-sd", "-V", '{"a":{"b":1},"n":1}')
    r = cbc("cbc-subdoc", m, stdin="get -p a.b -p n -p missing cbc-sd\ncounter -p n=3 cbc-sd\n")
    out = r.stdout + r.stderr
    assert "PATH_NOT_FOUND" in out and "4" in out, out


def test_stats_ping_manifest(m):
    r = cbc("cbc-stats", m)
    assert r.returncode == 0 and "curr_items" in r.stdout
    r = cbc("cbc-ping", m, "--count", "1")
    assert r.returncode == 0 and '"kv"' in r.stdout
    r = cbc("cbc-collection-manifest", m)
    assert r.returncode == 0 and "_default" in r.stdout
    m.create_collection("default", "app", "cbc")
    r = cbc("cbc-collection-id", m, "--scope", "app", "cbc")
    assert r.returncode == 0, r.stderr


def _pillowfight(mock: MockCluster, extra: List[str]) -> subprocess.Popen:
    cmd = [os.path.join(BIN, "cbc-pillowfight"),
           "-U", mock.connstr_for("default") + "?config_poll_interval=0.5",
           "-u", mock.username, "-P", mock.password, "-I", "500", "-B", "10", "-t", "1",
           "--rate-limit", "1000", "--num-cycles", "500", "-J", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _metrics(stderr: str, name: str) -> List[int]:
    """Per-server counters from pillowfight's --dump (e.g. "Packets errored")."""
    return [int(line.split(":")[1]) for line in stderr.splitlines() if line.startswith(name + ":")]


@pytest.mark.parametrize("mode", ["hard", "move"])
def test_failover_under_pillowfight_loses_nothing(mode):
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        proc = _pillowfight(mock, ["--dump"])
        time.sleep(2)
        mock.failover(1, mode)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        assert sum(_metrics(err, "Packets received")) > 4000
        assert sum(_metrics(err, "Packets errored")) == 0, err[-3000:]
        assert sum(_metrics(err, "Packets timeout")) == 0, err[-3000:]
        if mode == "move":
            assert sum(_metrics(err, "Packets NMV")) > 0  # clients learnt the move from NOT_MY_VBUCKET


def test_hang_failover_recovers():
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        proc = _pillowfight(mock, ["--dump"])
        time.sleep(2)
        mock.failover(1, "hang")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        assert sum(_metrics(err, "Packets errored")) == 0, err[-3000:]
        ok = cbc("cbc-create", mock, "after-hang", "-V", "1")
        assert ok.returncode == 0 and "LCB_ERR" not in ok.stderr, ok.stderr


def test_http_streaming_bootstrap(m):
    url = m.http_connstr + "/default"
    r = cbc("cbc-create", m, "cbc-http", "-V", '{"via":"http"}', connstr=url)
    assert r.returncode == 0 and "LCB_ERR" not in r.stderr, r.stderr
    r = cbc("cbc-cat", m, "cbc-http", connstr=url)
    assert '{"via":"http"}' in r.stdout, r.stderr


def test_sdk_bootstraps_over_http_and_follows_a_failover():
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions

    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        with Cluster(mock.http_connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                     kv_timeout=5) as c:
            coll = c.bucket("default").default_collection()
            keys = [f"http-{i}" for i in range(30)]
            assert coll.upsert_multi({k: k for k in keys}).all_ok
            mock.stop_node(2)  # the new map reaches the client over the config stream
            assert {k: r.value for k, r in coll.get_multi(keys).items()} == {k: k for k in keys}


def test_query_roles_are_enforced_for_cbc_n1ql(m):
    """A data_reader may read documents but not run SQL++ (7.x: no query privilege): cbc-n1ql gets
    the server's 13014 over HTTP 401, LCB_ERR_AUTHENTICATION_FAILURE; a keyless statement runs."""
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.management.users import Role, User
    from couchbase.options import ClusterOptions

    with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as admin:
        admin.users().upsert_user(User("cbc-reader", password="cbc-reader-pw",
                                       roles={Role("data_reader", "default")}))
        admin.query("CREATE PRIMARY INDEX IF NOT EXISTS ON default").execute()
    assert cbc("cbc-create", m, "cbc-q1", "-V", '{"q":1}').returncode == 0
    as_reader = {"user": "cbc-reader", "password": "cbc-reader-pw"}
    r = cbc("cbc-cat", m, "cbc-q1", **as_reader)
    assert '{"q":1}' in r.stdout, r.stderr
    r = cbc("cbc-n1ql", m, "UPDATE default SET q = 2", **as_reader)
    assert "LCB_ERR_AUTHENTICATION_FAILURE" in r.stderr and "HTTP response code: 401" in r.stderr, r.stderr
    assert "First query error: 13014" in r.stderr and "query_update on default:default" in r.stderr
    r = cbc("cbc-cat", m, "cbc-q1")
    assert '{"q":1}' in r.stdout, r.stderr  # not updated
    r = cbc("cbc-n1ql", m, "SELECT RAW 6 * 7", **as_reader)
    assert "42" in r.stdout and "LCB_ERR" not in r.stderr, r.stderr
