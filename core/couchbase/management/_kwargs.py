"""The keyword arguments of each manager method, as ``TypedDict``s for the type checker.

``buckets().get_bucket(name, **kwargs: Unpack[MgmtKwargs])``: a misspelt option or a value of the
wrong type is flagged by mypy before :func:`couchbase.options.merge` rejects it at run time. Each
names exactly the options the method accepts; ``None`` means "not given", as at run time. Only
annotations refer to them (see :mod:`couchbase._kwargs`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, TypedDict, Union

from couchbase._kwargs import Seconds

if TYPE_CHECKING:
    from couchbase.auth import AuthDomain
    from couchbase.management.analytics_links import AnalyticsLinkType


class MgmtKwargs(TypedDict, total=False):
    """Every manager method: ``timeout`` bounds each HTTP request; ``parent_span`` is accepted and ignored."""

    timeout: Optional[Seconds]
    parent_span: Any


class UserKwargs(MgmtKwargs, total=False):
    """``get_user``, ``get_all_users``, ``upsert_user``, ``drop_user``, ``change_password``."""

    domain_name: Union[str, AuthDomain, None]


# ---- query indexes: the collection's manager takes no keyspace (it is the collection's)
class _CreateIndex(MgmtKwargs, total=False):
    ignore_if_exists: Optional[bool]
    num_replicas: Optional[int]
    deferred: Optional[bool]
    condition: Optional[str]


class _CreatePrimary(_CreateIndex, total=False):
    index_name: Optional[str]


class _DropIndex(MgmtKwargs, total=False):
    ignore_if_not_exists: Optional[bool]


class _DropPrimary(_DropIndex, total=False):
    index_name: Optional[str]


class _WatchIndexes(MgmtKwargs, total=False):
    watch_primary: Optional[bool]


class _Keyspace(TypedDict, total=False):
    scope_name: Optional[str]
    collection_name: Optional[str]


class QueryIndexKwargs(MgmtKwargs, _Keyspace, total=False):
    """``QueryIndexManager.get_all_indexes`` and ``build_deferred_indexes``."""


class CreateQueryIndexKwargs(_CreateIndex, _Keyspace, total=False):
    """``QueryIndexManager.create_index``."""


class CreatePrimaryQueryIndexKwargs(_CreatePrimary, _Keyspace, total=False):
    """``QueryIndexManager.create_primary_index``."""


class DropQueryIndexKwargs(_DropIndex, _Keyspace, total=False):
    """``QueryIndexManager.drop_index``."""


class DropPrimaryQueryIndexKwargs(_DropPrimary, _Keyspace, total=False):
    """``QueryIndexManager.drop_primary_index``."""


class WatchQueryIndexKwargs(_WatchIndexes, _Keyspace, total=False):
    """``QueryIndexManager.watch_indexes``."""


CollectionCreateQueryIndexKwargs = _CreateIndex
CollectionCreatePrimaryQueryIndexKwargs = _CreatePrimary
CollectionDropQueryIndexKwargs = _DropIndex
CollectionDropPrimaryQueryIndexKwargs = _DropPrimary
CollectionWatchQueryIndexKwargs = _WatchIndexes


# ---- analytics
class _InDataverse(MgmtKwargs, total=False):
    dataverse_name: Optional[str]


class CreateDataverseKwargs(MgmtKwargs, total=False):
    """``create_dataverse``."""

    ignore_if_exists: Optional[bool]


class DropDataverseKwargs(MgmtKwargs, total=False):
    """``drop_dataverse``."""

    ignore_if_not_exists: Optional[bool]


class CreateDatasetKwargs(_InDataverse, total=False):
    """``create_dataset``."""

    ignore_if_exists: Optional[bool]
    condition: Optional[str]


class CreateAnalyticsIndexKwargs(_InDataverse, total=False):
    """``AnalyticsIndexManager.create_index``."""

    ignore_if_exists: Optional[bool]


class DropAnalyticsKwargs(_InDataverse, total=False):
    """``drop_dataset`` and ``AnalyticsIndexManager.drop_index``."""

    ignore_if_not_exists: Optional[bool]


class DisconnectLinkKwargs(_InDataverse, total=False):
    """``disconnect_link``."""

    link_name: Optional[str]


class ConnectLinkKwargs(DisconnectLinkKwargs, total=False):
    """``connect_link``."""

    force: Optional[bool]


class GetLinksKwargs(_InDataverse, total=False):
    """``get_links``."""

    name: Optional[str]
    link_type: Optional[AnalyticsLinkType]
