"""The blocking API: its collection is already a blocking view."""
from __future__ import annotations

from typing import Any

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions

from . import register


def sync_front_end(mock: Any, bucket: str = "default", scope: str = "_default",
                   collection: str = "_default", **cluster_kw: Any) -> Any:
    cluster = Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                      **{"kv_timeout": 2.5, **cluster_kw})
    coll = cluster.bucket(bucket).scope(scope).collection(collection)
    coll.cluster = cluster  # type: ignore[attr-defined]
    coll.collect_rows = lambda result: (list(result), result.metadata())  # type: ignore[attr-defined]
    return coll, cluster.close


register("sync", sync_front_end)
