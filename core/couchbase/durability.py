"""Durability requirements (SDK 4.x module ``couchbase.durability``).

``ServerDurability(DurabilityLevel.MAJORITY)`` asks the server for synchronous replication;
``ClientDurability(replicate_to=ReplicateTo.ONE, persist_to=PersistTo.ONE)`` polls with observe
after the mutation. Both are accepted as ``durability=`` by every mutation.
The classes live in :mod:`couchbase.options` (their earlier home, still importable from there).
"""
from __future__ import annotations

import enum
from typing import TypeVar, Union

from couchbase.options import ClientDurability, Durability, DurabilityLevel, ServerDurability


class ReplicateTo(enum.IntEnum):
    """Number of replicas a mutation must reach (observe-based client durability)."""

    NONE = 0
    ONE = 1
    TWO = 2
    THREE = 3


class PersistTo(enum.IntEnum):
    """Number of nodes a mutation must be persisted on (3.x spelling; values as in SDK 4.x)."""

    NONE = 0
    ONE = 2
    TWO = 3
    THREE = 4


class PersistToExtended(enum.IntEnum):
    """Persistence requirement including ``ACTIVE`` (the active node only) and ``FOUR``."""

    NONE = 0
    ACTIVE = 1
    ONE = 2
    TWO = 3
    THREE = 4
    FOUR = 5


DurabilityType = TypeVar("DurabilityType", bound=Union[ClientDurability, ServerDurability])

__all__ = ["ClientDurability", "Durability", "DurabilityLevel", "DurabilityType", "PersistTo",
           "PersistToExtended", "ReplicateTo", "ServerDurability"]
