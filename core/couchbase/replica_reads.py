"""Replica read preference (SDK 4.x module ``couchbase.replica_reads``).

``get_any_replica(key, read_preference=ReadPreference.NO_PREFERENCE)``. ``SELECTED_SERVER_GROUP``
reads only copies in ``ClusterOptions(preferred_server_group=...)``: without one configured no copy
qualifies (DocumentUnretrievableException, as SDK 4.x); with one it is refused with
FeatureUnavailableException (libcouchbase 3.3 does not know the nodes' server groups) rather than
silently read from any group.
"""
import enum


class ReadPreference(enum.IntEnum):
    """Which copies a replica read may use."""

    NO_PREFERENCE = 0
    SELECTED_SERVER_GROUP = 1


__all__ = ["ReadPreference"]
