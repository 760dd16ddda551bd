"""``python -m couchbase_mock --port BASE`` pins every port: a restarted mock comes back on the
same addresses, as a restarted server does, and a client that stayed up reconnects to it."""
from __future__ import annotations

import json
import random
import signal
import socket
import subprocess
import sys
import time
from typing import List, Tuple

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import CouchbaseException
from couchbase.options import ClusterOptions
from couchbase_mock import MockCluster

NODES = 2
SPAN = NODES * MockCluster.PORTS_PER_NODE + 1


def _free_base() -> int:
    """A base port whose whole span is free now (other test runs share this machine)."""
    for _ in range(50):
        base = random.randrange(20000, 60000 - SPAN)
        socks: List[socket.socket] = []
        try:
            for port in range(base, base + SPAN):
                s = socket.socket()
                socks.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    pytest.skip("no free range of ports")


def _start(base: int) -> Tuple[subprocess.Popen, str, dict]:
    cmd = [sys.executable, "-m", "couchbase_mock", "--nodes", str(NODES), "--port", str(base)]
    proc = subprocess.Popen(cmd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    connstr = proc.stdout.readline().strip()
    if not connstr:
        proc.wait(10)
        raise AssertionError(f"mock did not start: {proc.stderr.read()}")
    return proc, connstr, json.loads(proc.stdout.readline())


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0


def test_restarted_mock_keeps_its_addresses_and_clients_reconnect():
    base = _free_base()
    proc, connstr, info = _start(base)
    try:
        assert connstr == f"couchbase://127.0.0.1:{base}=mcd,127.0.0.1:{base + 16}=mcd"
        assert info["control_url"] == f"http://127.0.0.1:{base + SPAN - 1}/mock"
        cluster = Cluster(connstr, ClusterOptions(PasswordAuthenticator("Administrator", "password")))
        coll = cluster.bucket("default").default_collection()
        coll.upsert("before", 1)
        _stop(proc)
        proc, connstr2, info2 = _start(base)
        assert (connstr2, info2) == (connstr, info)
        # the same client, never reopened, works against the restarted cluster (whose data is new)
        deadline = time.monotonic() + 30
        while True:
            try:
                coll.upsert("after", 2, timeout=2)
                break
            except CouchbaseException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        assert coll.get("after").value == 2
        assert not coll.exists("before").exists
        cluster.close()
    finally:
        _stop(proc)


def test_without_port_ports_are_free_ones():
    with MockCluster(nodes=1) as a, MockCluster(nodes=1) as b:
        assert a.pinned_ports()["node0.kv"] != b.pinned_ports()["node0.kv"]


def test_pinned_ports_are_the_documented_layout():
    base = _free_base()
    with MockCluster(nodes=NODES, base_port=base) as mock:
        ports = mock.pinned_ports()
    assert ports["node0.kv"] == base and ports["node1.kv"] == base + 16
    services = ("mgmt", "capi", "n1ql", "fts", "cbas")
    assert [ports[f"node1.{s}"] for s in services] == list(range(base + 18, base + 23))
    assert ports["control"] == base + SPAN - 1
    assert len(set(ports.values())) == len(ports)


@pytest.mark.parametrize("bad", [80, 65530, "20000", True])
def test_bad_base_port_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="base_port"):
        MockCluster(nodes=NODES, base_port=bad)


def test_cli_reports_a_bad_port():
    res = subprocess.run([sys.executable, "-m", "couchbase_mock", "--port", "70000"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "base_port" in res.stderr
