"""The official Couchbase Python SDK 4.x, in a virtualenv of its own.

Its import name is also ``couchbase``, so it can never share an environment
with this SDK: :func:`official_python` creates (once) a venv under the cache
directory and installs the pinned version there; :func:`run` executes a
snippet in it and returns what the snippet printed as JSON on its last line.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict

VERSION = os.environ.get("OFFICIAL_COUCHBASE_VERSION", "4.6.3")
# Twisted for the official txcouchbase (benchmark contender), pinned like the SDK itself.
TWISTED_VERSION = os.environ.get("OFFICIAL_TWISTED_VERSION", "26.10.0")
REQUIREMENTS = (f"couchbase=={VERSION}", f"twisted=={TWISTED_VERSION}")


def _cache() -> Path:
    base = os.environ.get("COUCHBASE_CFFI_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "couchbase-cffi")
    return Path(base) / f"official-sdk-{VERSION}"


def official_python() -> str:
    """Path of the venv's python with :data:`REQUIREMENTS` installed (created on first use; a venv
    made with other requirements, e.g. before Twisted was one, gets them installed)."""
    venv = _cache()
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    wanted = " ".join(REQUIREMENTS)
    if not marker.exists() or marker.read_text().strip() != wanted:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True,
                       stdout=subprocess.DEVNULL)
        marker.write_text(wanted)
    return str(python)


PRELUDE = """
import json, sys
from datetime import timedelta
from couchbase.cluster import Cluster
from couchbase.auth import PasswordAuthenticator
from couchbase.options import ClusterOptions
ARGS = json.loads(sys.argv[1])
cluster = Cluster(ARGS["connstr"], ClusterOptions(PasswordAuthenticator(ARGS["username"], ARGS["password"],
                                                             cert_path=ARGS.get("cert_path"))))
coll = cluster.bucket(ARGS.get("bucket", "default")).default_collection()
"""


def run(snippet: str, timeout: float = 120, **args: Any) -> Any:
    """Run ``snippet`` with ``cluster``, ``coll`` and ``ARGS`` defined; it must ``print(json.dumps(...))``
    its result as the last line. Raises RuntimeError with the official SDK's output on failure."""
    code = PRELUDE + textwrap.dedent(snippet)
    # cwd: not the checkout, whose own couchbase/acouchbase packages would shadow the official ones.
    proc = subprocess.run([official_python(), "-c", code, json.dumps(args)], capture_output=True, text=True,
                          timeout=timeout, cwd=str(_cache()))
    if proc.returncode != 0:
        raise RuntimeError(f"official SDK snippet failed ({proc.returncode}):\n{proc.stdout}\n"
                           f"{proc.stderr[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def mock_args(mock: Any) -> Dict[str, str]:
    """Connection arguments for the official SDK against a MockCluster (KV ports, no =mcd suffix)."""
    hosts = ",".join(f"127.0.0.1:{n.kv_port}" for n in mock.nodes if n.running)
    return {"connstr": f"couchbase://{hosts}", "username": mock.username, "password": mock.password}
