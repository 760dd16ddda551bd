"""The command line and the HTTP control port, checked through real clients."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.request

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions


def test_cli_prints_connstr_and_stops_on_sigterm():
    proc = subprocess.Popen([sys.executable, "-m", "couchbase_mock", "--nodes", "2", "--replicas", "1",
                             "--buckets", "default,b2", "--latency-ms", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        connstr = proc.stdout.readline().strip()
        info = json.loads(proc.stdout.readline())
        assert connstr.startswith("couchbase://127.0.0.1:") and len(info["nodes"]) == 2
        with Cluster(connstr, ClusterOptions(PasswordAuthenticator("Administrator", "password"))) as c:
            coll = c.bucket("b2").default_collection()
            coll.upsert("cli", 1)
            assert coll.get("cli").value == 1
            # the control port advances the clock: an expiring document disappears
            coll.upsert("ttl", 1, expiry=5)
            with urllib.request.urlopen(info["control_url"] + "/advance_clock?seconds=6") as resp:
                assert json.loads(resp.read())["status"] == "ok"
            assert not coll.exists("ttl").exists
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0


def test_control_port_rejects_unknown_command(mock):
    try:
        urllib.request.urlopen(mock.control_url + "/no_such_command")
        raise AssertionError("expected HTTP 400")
    except urllib.error.HTTPError as exc:
        assert exc.code == 400 and b"unknown command" in exc.read()


def test_inject_error_through_a_client(mock, cluster):
    import pytest

    from couchbase.exceptions import DocumentNotFoundException

    coll = cluster.bucket("default").default_collection()
    coll.upsert("inject-me", 1)
    mock.inject_error(0x01, opcode=0x00, key="inject-me", count=1)
    with pytest.raises(DocumentNotFoundException):
        coll.get("inject-me")
    assert coll.get("inject-me").value == 1


def test_latency_and_drop_connections(mock, cluster):
    import time

    coll = cluster.bucket("default").default_collection()
    coll.upsert("lat", 1)
    mock.set_latency(200)
    try:
        start = time.monotonic()
        coll.get("lat")
        assert time.monotonic() - start >= 0.18
    finally:
        mock.set_latency(0)
    mock.drop_connections(reset=True)
    assert coll.get("lat").value == 1  # libcouchbase reconnects


def test_chaos_frames_give_typed_errors_or_retries_never_a_crash(mock, cluster):
    from couchbase.exceptions import CouchbaseException

    coll = cluster.bucket("default").default_collection()
    keys = [f"chaos-{i}" for i in range(20)]
    coll.upsert_multi({k: k for k in keys})
    for mode in ("truncate", "corrupt"):
        mock.chaos(mode, count=2)
        outcomes = []
        for k in keys:
            try:
                outcomes.append(coll.get(k, timeout=2).value == k)
            except CouchbaseException as exc:
                outcomes.append(type(exc).__name__)
        assert mock.info()["chaos_pending"] == 0, "the damaged frames were never sent"
        assert all(o is True or o.endswith("Exception") for o in outcomes), outcomes
    assert coll.get_multi(keys).all_ok  # the client recovered


def test_pause_stop_start_and_put_doc():
    import time

    from couchbase_mock import MockCluster

    with MockCluster(nodes=2, replicas=1, buckets=["default"]) as m:
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password)),
                     kv_timeout=3) as c:
            coll = c.bucket("default").default_collection()
            m.put_doc("default", "direct", b'{"written":"by the mock"}')
            assert coll.get("direct").value == {"written": "by the mock"}
            coll.upsert("via-client", 1)
            assert m.get_doc("default", "via-client")["value"] == b"1"
            owner = m.vbucket_owners("default", "direct")[0]
            m.pause_node(owner, 0.5)
            start = time.monotonic()
            coll.get("direct")
            assert time.monotonic() - start >= 0.4
            rev = m.info()["rev"]
            m.stop_node(1)
            assert m.info()["rev"] > rev and not m.info()["nodes"][1]["running"]
            assert coll.get("direct").value == {"written": "by the mock"}  # served by the remaining node
            m.start_node(1)
            assert m.info()["nodes"][1]["running"]
            keys = [f"back-{i}" for i in range(40)]
            assert coll.upsert_multi({k: 1 for k in keys}).all_ok
            assert any(m.vbucket_owners("default", k)[0] == 1 for k in keys)  # node 1 owns data again


def test_add_node_and_simulated_lag():
    import time

    import pytest

    from couchbase.exceptions import TimeoutException
    from couchbase_mock import MockCluster

    with MockCluster(nodes=2, replicas=1, buckets=["default"]) as m:
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password)),
                     durability_timeout=0.3) as c:
            coll = c.bucket("default").default_collection()
            index = m.add_node()
            assert index == 2 and len(m.info()["nodes"]) == 3
            keys = [f"grown-{i}" for i in range(40)]
            assert coll.upsert_multi({k: 1 for k in keys}).all_ok
            assert any(m.vbucket_owners("default", k)[0] == 2 for k in keys)  # the new node serves data

            m.set_lag(replication_ms=1000, persistence_ms=1000)
            coll.upsert("lagging", 1)
            assert coll.observe("lagging")[0].state == "found"  # applied, not yet persisted
            with pytest.raises(TimeoutException):
                coll.remove("lagging", replicate_to=1)  # replication takes 1 s, the budget is 0.3 s
            time.sleep(1.1)
            assert coll.observe("lagging-none", master_only=True)[0].state == "not_found"
            m.set_lag(0, 0)
            coll.upsert("lagging", 2)
            assert coll.remove("lagging", persist_to=2, replicate_to=1).success
