"""Replica read preference (SDK 4.x module ``couchbase.replica_reads``).

``get_any_replica(key, read_preference=ReadPreference.NO_PREFERENCE)``. libcouchbase 3 has no
server groups, so ``SELECTED_SERVER_GROUP`` is refused with FeatureUnavailableException rather
than silently read from any group.
"""
import enum


class ReadPreference(enum.IntEnum):
    """Which copies a replica read may use."""

    NO_PREFERENCE = 0
    SELECTED_SERVER_GROUP = 1


__all__ = ["ReadPreference"]
