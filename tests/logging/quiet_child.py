"""Child process of test_logging.py: ordinary caught failures on one front end, logging untouched.

Usage: python quiet_child.py FRONT_END [configure]. With ``configure`` the child calls
``logging.basicConfig(level=DEBUG)`` first (then libcouchbase's lines must appear on stderr).
Prints ``done <failed>`` on stdout; anything on stderr is what the library printed.
"""
from __future__ import annotations

import logging
import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from couchbase.exceptions import CouchbaseException  # noqa: E402
from couchbase_mock import MockCluster  # noqa: E402
from support.frontends import FRONT_ENDS, load_all  # noqa: E402

name = sys.argv[1]
if "configure" in sys.argv[2:]:
    logging.basicConfig(level=logging.DEBUG, format="%(name)s %(levelname)s %(message)s")
load_all()
factory = FRONT_ENDS[name]
with MockCluster(nodes=3, replicas=1) as mock:
    wrong = types.SimpleNamespace(connstr=mock.connstr, username=mock.username, password="not-the-password")
    try:
        view, close = factory(wrong)
        view.upsert("k", 1)
        raise SystemExit("a wrong password was accepted")
    except CouchbaseException:
        pass
    view, close = factory(mock, kv_timeout=1.0)
    keys = [f"k{i}" for i in range(1000)]
    view.upsert_multi({k: i for i, k in enumerate(keys)})
    mock.stop_node(1, failover=False)  # a node died: a third of the batch fails
    res = view.get_multi(keys, return_exceptions=True)
    failed = sum(1 for v in res.values() if isinstance(v, Exception) or getattr(v, "rc", 0))
    close()
print("done", failed, flush=True)
