"""Run ``python -m couchbase_mock`` in a process of its own for the length of a benchmark."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple


@dataclass
class Target:
    """Where the contenders connect: a mock started here, or a real cluster (``--connstr``)."""

    connstr: str
    username: str
    password: str
    bucket: str
    nodes: int
    kv_endpoints: List[Tuple[str, int]] = field(default_factory=list)
    proc: Optional[subprocess.Popen] = None

    def spec(self) -> Dict[str, Any]:
        return {"connstr": self.connstr, "username": self.username, "password": self.password,
                "bucket": self.bucket, "kv_endpoints": self.kv_endpoints, "nodes": self.nodes}

    def official_connstr(self) -> str:
        """The official SDK wants plain KV ports (no ``=mcd``) for the mock."""
        if not self.kv_endpoints:
            return self.connstr
        return "couchbase://" + ",".join(f"{h}:{p}" for h, p in self.kv_endpoints)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_mock(nodes: int, bucket: str = "default") -> Target:
    """Start a mock cluster of ``nodes`` nodes (1 replica when there are several)."""
    replicas = 0 if nodes == 1 else 1
    cmd = [sys.executable, "-m", "couchbase_mock", "--nodes", str(nodes), "--replicas", str(replicas),
           "--buckets", bucket]
    errlog = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errlog, text=True)
    assert proc.stdout is not None
    connstr = proc.stdout.readline().strip()
    info_line = proc.stdout.readline().strip()
    if not connstr or not info_line:
        proc.kill()
        proc.wait()
        errlog.seek(0)
        err = errlog.read()
        raise RuntimeError(f"couchbase_mock did not start: {err[-2000:]}")
    info = json.loads(info_line)
    kv = [("127.0.0.1", int(n["kv"])) for n in info["nodes"] if n.get("running", True)]
    return Target(connstr=connstr, username="Administrator", password="password", bucket=bucket, nodes=nodes,
                  kv_endpoints=kv, proc=proc)


def real_cluster(connstr: str, username: str, password: str, bucket: str) -> Target:
    """A real cluster; the floor contender then needs ``couchbase://host:port`` with KV ports."""
    hosts = connstr.split("://", 1)[-1].split("?", 1)[0].split("/", 1)[0]
    kv = []
    for part in hosts.split(","):
        host, _, port = part.partition(":")
        kv.append((host, int(port.split("=")[0]) if port else 11210))
    return Target(connstr=connstr, username=username, password=password, bucket=bucket, nodes=len(kv),
                  kv_endpoints=kv)
