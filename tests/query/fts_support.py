"""Data and helpers of the search end-to-end tests (the fixtures ``fts_data`` and
``fts`` in conftest.py are thin wrappers over this module)."""
from __future__ import annotations

import contextlib
import json
from typing import Any, Callable, Dict, Iterator, Optional, Tuple

FTS_TYPE = "fts_e2e_h"  # its tokens (fts, e2e, h) appear in no test query
FTS_BULK_TYPE = "fts_bulk_e2e"
FTS_BULK_DOCS = 50_000
FTS_HOTELS: Dict[str, Dict[str, Any]] = {
    "fts-swanky": {"name": "Swanky Hotel", "city": "Oslo", "stars": 5, "price": 320,
                   "desc": "a swanky hotel with a pool and a spa", "tags": ["pool", "spa"]},
    "fts-city": {"name": "City Hotel", "city": "Oslo", "stars": 4, "price": 180,
                 "desc": "central, with a swanky bar", "tags": ["spa", "bar"]},
    "fts-motel": {"name": "Cheap Motel", "city": "Bergen", "stars": 2, "price": 60,
                  "desc": "cheap and cheerful near the highway", "tags": ["parking"]},
    "fts-hostel": {"name": "Backpacker Hostel", "city": "Bergen", "stars": 1, "price": 25,
                   "desc": "dorms, a kitchen and a bar"},
    "fts-inn": {"name": "Old Inn", "city": "Trondheim", "stars": 3, "price": 120,
                "desc": "an old wooden inn by the river", "tags": ["parking", "bar"]},
}


def load_hotels(mock: Any) -> None:
    """Store FTS_HOTELS (typed FTS_TYPE) in ``default`` and create the index ``fts_hotels``."""
    mock.put_docs("default", {k: json.dumps(dict(v, type=FTS_TYPE)).encode() for k, v in FTS_HOTELS.items()})
    mock.create_search_index("fts_hotels", "default", doc_type=FTS_TYPE)


class FtsSetup:
    """``fts.cluster.search_query(fts.index, query, SearchOptions(...))`` over FTS_HOTELS."""

    def __init__(self, mock: Any, cluster: Any, connect: Optional[Callable[[Any], Any]] = None) -> None:
        self.mock = mock
        self.connect = connect or connect_blocking
        self.cluster = cluster
        self.index = "fts_hotels"
        self.docs = FTS_HOTELS

    @contextlib.contextmanager
    def bulk(self) -> Iterator[Tuple[Any, str]]:
        """``(cluster, index)`` over FTS_BULK_DOCS documents in a private one-node mock, so
        the shared session mock's buckets stay small for everyone else."""
        from couchbase_mock import MockCluster
        from couchbase_mock.search.service import service_for

        with MockCluster(nodes=1, replicas=0, buckets=["default"], control_port=None) as mock:
            docs = {f"fts-bulk-{i:05}": json.dumps({"type": FTS_BULK_TYPE, "n": i,
                                                    "text": "bulk row"}).encode()
                    for i in range(FTS_BULK_DOCS)}
            mock.put_docs("default", docs)
            mock.create_search_index("fts_bulk", "default", doc_type=FTS_BULK_TYPE)
            service = service_for(mock.cluster)
            # Build the index before any client connects: it holds the mock's loop for a while.
            mock._call(lambda: service.count("fts_bulk"))
            cluster = self.connect(mock)
            try:
                yield cluster, "fts_bulk"
            finally:
                cluster.close()


def connect_blocking(mock: Any) -> Any:
    """A blocking-API cluster connected to ``mock``."""
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.options import ClusterOptions

    return Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)))
