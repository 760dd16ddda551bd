"""Vector search needs a cluster that supports it: the capability check before the request.

The official SDK's core refuses a search request with a vector search when the cluster
configuration's ``clusterCapabilities.search`` lacks ``vectorSearch`` (Couchbase Server before
7.6): FeatureUnavailableException, nothing sent. libcouchbase 3 parses only the N1QL cluster
capabilities of a configuration, so the check asks a data node for the configuration itself
(GET_CLUSTER_CONFIG, forwarded as the replica lookups' packets are) and caches the answer per
connection and configuration revision. With the capability the search is scheduled from the
reply, on the stream already handed to the caller; without it the stream fails.
"""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Dict, Optional

from couchbase import _services
from couchbase._binding import lib
from couchbase._replica_lookup import _DATATYPE_SNAPPY, _OP_GET_CONFIG, _send, _status_error, packet
from couchbase.exceptions import FeatureUnavailableException, exception_for

if TYPE_CHECKING:
    from couchbase._instance import Connection

CAPABILITY = "vectorSearch"


def unsupported() -> FeatureUnavailableException:
    """The refusal of a vector search by a cluster without the capability."""
    return FeatureUnavailableException(
        message="vector search needs a cluster whose search service supports it (the vectorSearch "
                "cluster capability: Couchbase Server 7.6 or later)")


def supports(config: Any) -> bool:
    """Whether a configuration (parsed JSON) advertises vector search."""
    caps = config.get("clusterCapabilities") if isinstance(config, dict) else None
    search = caps.get("search") if isinstance(caps, dict) else None
    return isinstance(search, list) and CAPABILITY in search


def schedule_vector_search(conn: "Connection", payload: Dict[str, Any], *, timeout_us: int,
                           context: Dict[str, Any]) -> _services.RowStream:
    """Schedule a search whose body has ``knn`` once the cluster is known to support it.

    Returns:
        RowStream: The search's stream (failing with FeatureUnavailableException without the
        capability).

    Raises:
        FeatureUnavailableException: The cached configuration lacks the capability.
        CouchbaseException: The configuration request could not be sent.
    """
    rev = lib.pycb_vb_revision(conn.instance)
    cached: Optional[Any] = getattr(conn, "_vector_search_caps", None)
    if cached is not None and cached[0] == rev and rev >= 0:
        if not cached[1]:
            raise unsupported()
        return _services.schedule_search(conn, payload, timeout_us=timeout_us, context=context)
    stream = _services.RowStream(_services.SEARCH, conn, dict(context, service="search"))
    deadline = time.monotonic() + timeout_us / 1_000_000 if timeout_us else None

    def reply(rc: int, status: int, _extras: bytes, body: bytes, datatype: int, _cas: int) -> None:
        if rc or status or datatype & _DATATYPE_SNAPPY:
            stream._fail(exception_for(rc) if rc else _status_error(status, "GET_CLUSTER_CONFIG"))
            return
        try:
            ok = supports(json.loads(body.decode("utf-8")))
        except (ValueError, UnicodeDecodeError):
            stream._fail(exception_for(1050, "the cluster configuration could not be parsed"))
            return
        conn._vector_search_caps = (rev, ok)  # type: ignore[attr-defined]
        if not ok:
            stream._fail(unsupported())
            return
        try:
            _services.schedule_search(conn, payload, timeout_us=timeout_us, context=context, stream=stream)
        except Exception as exc:  # noqa: BLE001 - a refusal to schedule fails the stream
            if not stream.done:
                stream._fail(exc)

    conn.sched_enter()
    try:
        _send(conn, 0, packet(_OP_GET_CONFIG), reply, deadline)
    finally:
        conn.sched_leave()
    if stream.done and stream.error is not None:
        raise stream.error  # refused at once (no time left, no node): as a refused schedule is
    return stream
