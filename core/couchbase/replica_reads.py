"""Replica read preference (SDK 4.x module ``couchbase.replica_reads``).

``get_any_replica(key, read_preference=ReadPreference.NO_PREFERENCE)``. ``SELECTED_SERVER_GROUP``
reads only the copies on nodes of ``ClusterOptions(preferred_server_group=...)``, whose groups the
bucket configuration gives (``nodesExt[].serverGroup``, Server 7.6+); when no copy qualifies (or
no group is configured) the read raises DocumentUnretrievableException, as SDK 4.x.
"""
import enum


class ReadPreference(enum.IntEnum):
    """Which copies a replica read may use."""

    NO_PREFERENCE = 0
    SELECTED_SERVER_GROUP = 1


__all__ = ["ReadPreference"]
