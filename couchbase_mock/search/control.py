"""Python control calls for the search service (used by ``MockCluster``):
set up indexes and slow them down without going through HTTP.

Each function runs on the mock's loop thread and raises ``ValueError`` for bad
arguments (unknown bucket or index, bad field names).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from .service import SearchError, service_for

__all__ = ["create_index", "drop_index", "set_delay"]


def create_index(cluster: Any, name: str, bucket: str, fields: Optional[Iterable[str]] = None,
                 doc_type: Optional[str] = None) -> None:
    """Create (or replace) index ``name`` over ``bucket``: every field, or only ``fields``;
    with ``doc_type`` only documents whose ``type`` field equals it."""
    if not isinstance(name, str) or not name:
        raise ValueError("an index needs a non-empty name")
    try:
        service_for(cluster).create(name, bucket, None if fields is None else list(fields), doc_type)
    except SearchError as exc:
        raise ValueError(exc.message) from None


def drop_index(cluster: Any, name: str) -> None:
    """Delete index ``name``."""
    try:
        service_for(cluster).delete(name)
    except SearchError as exc:
        raise ValueError(exc.message) from None


def set_delay(cluster: Any, name: str, seconds: float) -> None:
    """Delay every query of index ``name`` by ``seconds`` (0 to undo)."""
    try:
        service_for(cluster).set_delay(name, seconds)
    except SearchError as exc:
        raise ValueError(exc.message) from None
