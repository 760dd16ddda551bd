"""Data for the query-service tests of the Twisted and gevent front ends.

:func:`query_mock` starts a private one-node mock and loads: ``SMALL`` documents
``tq-<n>`` (``{"tag": "tq", "n": n, "g": "abc"[n % 3]}``), ``BIG`` documents
``tqbig-<n>`` (``{"pad": ...}``), a primary index, the search index
``tq_idx`` (type ``tq``) and the production design document ``DDOC`` with the
view ``by_n`` (``emit(doc.n, null)`` for the small documents).
"""
from __future__ import annotations

import contextlib
import json
from typing import Any, Iterator

from support.views import view_capi_request

SMALL = 30
BIG = 20_000
DDOC = "tq_ddoc"
BIG_STATEMENT = "SELECT RAW META(d).id FROM default AS d WHERE d.pad IS VALUED"


@contextlib.contextmanager
def query_mock() -> Iterator[Any]:
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, replicas=0, buckets=["default"]) as m:
        m.put_docs("default", {f"tq-{n:03d}": json.dumps({"tag": "tq", "type": "tq", "n": n,
                                                          "g": "abc"[n % 3]}).encode()
                               for n in range(SMALL)})
        pad = json.dumps({"pad": "x" * 40}).encode()
        m.put_docs("default", {f"tqbig-{n:06d}": pad for n in range(BIG)})
        with Cluster(m.connstr, ClusterOptions(PasswordAuthenticator(m.username, m.password))) as c:
            list(c.query("CREATE PRIMARY INDEX ON default"))
        m.create_search_index("tq_idx", "default", doc_type="tq")
        views = {"by_n": {"map": "function (doc) { if (doc.tag === 'tq') emit(doc.n, null); }"}}
        status, body = view_capi_request(m, "PUT", f"/default/_design/{DDOC}", {"views": views})
        assert status == 201, body
        yield m
