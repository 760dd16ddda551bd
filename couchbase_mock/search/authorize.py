"""The search service's RBAC check, as cbft makes it (rest_auth.go, rest_perm.go).

Each request names one permission per source of the index it touches:
``cluster.bucket[<b>].fts!<op>`` for an index over a bucket, or
``cluster.collection[<b>:<s>:<c>].fts!<op>`` for each collection a
collection-aware index reads (``read`` for queries, counts and definitions,
``write`` to create or delete, ``manage`` for ingest/query/plan control). The
first one the user's roles (read live) do not grant is refused with
cbauth's 403 body naming it.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Tuple

from couchbase_mock.rbac import FTS_PRIVILEGES, Directory
from couchbase_mock.search.definition import IndexDefinition

__all__ = ["Source", "sources_of", "missing_permission", "permission_text", "FORBIDDEN_MESSAGE"]

FORBIDDEN_MESSAGE = "Forbidden. User needs one of the following permissions"

# (bucket, scope, collection); scope and collection None for a bucket-level source
Source = Tuple[str, Optional[str], Optional[str]]


def sources_of(definition: IndexDefinition) -> List[Source]:
    """What the index reads: its bucket, or each collection of a collection-aware index."""
    if definition.collection_mode and definition.collections:
        return [(definition.source, s, c) for s, c in sorted(definition.collections)]
    return [(definition.source, None, None)]


def permission_text(source: Source, op: str) -> str:
    bucket, scope, collection = source
    if scope is None:
        return f"cluster.bucket[{bucket}].fts!{op}"
    return f"cluster.collection[{bucket}:{scope}:{collection}].fts!{op}"


def missing_permission(directory: Directory, user: Optional[str], sources: Iterable[Source],
                       op: str) -> Optional[str]:
    """The first permission (``op``: read, write or manage) on ``sources`` that ``user`` lacks."""
    names = FTS_PRIVILEGES[op]
    for source in sources:
        bucket, scope, collection = source
        if not directory.allowed_exactly(user, names, bucket, scope, collection):
            return permission_text(source, op)
    return None
