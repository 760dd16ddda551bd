"""Option blocks of the management APIs (``from couchbase.management.options import ...``).

Each is a dict of the keywords given (``None`` values dropped), as in the
official SDK; every manager method also takes the same names as keywords.
``timeout`` (timedelta or seconds) bounds each HTTP request of the call;
``parent_span`` is accepted and ignored (no tracing of management requests).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Union

from couchbase.options import OptionBlock

if TYPE_CHECKING:
    from couchbase._kwargs import Seconds
    from couchbase.auth import AuthDomain


class _Timed(OptionBlock):
    """Options of one management call.

    Args:
        timeout: The call's timeout (timedelta or seconds; default: the management timeout).
        parent_span: Accepted for SDK 4.x compatibility (no custom tracers here).
        **kwargs: The call's other options by name.
    """
    def __init__(self, timeout: Optional[Seconds] = None, parent_span: Any = None, **kwargs: Any) -> None:
        super().__init__(timeout=timeout, parent_span=parent_span, **kwargs)


# ---- buckets
class CreateBucketOptions(_Timed):
    """Options of BucketManager.create_bucket."""


class UpdateBucketOptions(_Timed):
    """Options of BucketManager.update_bucket."""


class DropBucketOptions(_Timed):
    """Options of BucketManager.drop_bucket."""


class GetAllBucketOptions(_Timed):
    """Options of BucketManager.get_all_buckets."""


class GetBucketOptions(_Timed):
    """Options of BucketManager.get_bucket."""


class FlushBucketOptions(_Timed):
    """Options of BucketManager.flush_bucket."""


class BucketDescribeOptions(_Timed):
    """Options of BucketManager.bucket_describe."""


# ---- scopes and collections
class GetAllScopesOptions(_Timed):
    """Options of CollectionManager.get_all_scopes."""


class CreateCollectionOptions(_Timed):
    """Options of CollectionManager.create_collection."""


class DropCollectionOptions(_Timed):
    """Options of CollectionManager.drop_collection."""


class CreateScopeOptions(_Timed):
    """Options of CollectionManager.create_scope."""


class DropScopeOptions(_Timed):
    """Options of CollectionManager.drop_scope."""


class UpdateCollectionOptions(_Timed):
    """Options of CollectionManager.update_collection."""


# ---- users and groups
class UserOptions(OptionBlock):
    """Base of the user options: ``domain_name`` (``local`` or ``external``, default local).

    Args:
        domain_name: ``local`` or ``external`` (or an AuthDomain).
        timeout: The call's timeout.
        parent_span: Accepted for SDK 4.x compatibility.
        **kwargs: Other options by name.
    """

    def __init__(self, domain_name: Union[str, AuthDomain, None] = None, timeout: Optional[Seconds] = None,
                 parent_span: Any = None, **kwargs: Any) -> None:
        super().__init__(domain_name=domain_name, timeout=timeout, parent_span=parent_span, **kwargs)


class GetUserOptions(UserOptions):
    """Options of UserManager.get_user."""


class GetAllUsersOptions(UserOptions):
    """Options of UserManager.get_all_users."""


class UpsertUserOptions(UserOptions):
    """Options of UserManager.upsert_user."""


class ChangePasswordOptions(UserOptions):
    """Options of UserManager.change_password."""


class DropUserOptions(UserOptions):
    """Options of UserManager.drop_user."""


class GetRolesOptions(_Timed):
    """Options of UserManager.get_roles."""


class DropGroupOptions(_Timed):
    """Options of UserManager.drop_group."""


class GetGroupOptions(_Timed):
    """Options of UserManager.get_group."""


class GetAllGroupsOptions(_Timed):
    """Options of UserManager.get_all_groups."""


class UpsertGroupOptions(_Timed):
    """Options of UserManager.upsert_group."""


# ---- query indexes
class _Keyspace(_Timed):
    """Options of a query-index call on a bucket, optionally narrowed to a scope and collection.

    Args:
        timeout: The call's timeout.
        scope_name: The scope.
        collection_name: The collection.
        parent_span: Accepted for SDK 4.x compatibility.
        **kwargs: Other options by name.
    """
    def __init__(self, timeout: Optional[Seconds] = None, scope_name: Optional[str] = None,
                 collection_name: Optional[str] = None, parent_span: Any = None, **kwargs: Any) -> None:
        super().__init__(timeout=timeout, scope_name=scope_name, collection_name=collection_name,
                         parent_span=parent_span, **kwargs)


class GetAllQueryIndexOptions(_Keyspace):
    """Options of QueryIndexManager.get_all_indexes (``scope_name``, ``collection_name``)."""


class CreateQueryIndexOptions(_Keyspace):
    """Options of create_index.

    Args:
        timeout: The call's timeout.
        ignore_if_exists: No error when the index exists.
        num_replicas: Index replicas.
        deferred: Create it deferred (build it with ``build_deferred_indexes``).
        condition: A WHERE clause: index only the documents it matches.
        scope_name: The scope.
        collection_name: The collection.
        parent_span: Accepted for SDK 4.x compatibility.
        **kwargs: Other options by name.
    """

    def __init__(self, timeout: Optional[Seconds] = None, ignore_if_exists: Optional[bool] = None,
                 num_replicas: Optional[int] = None, deferred: Optional[bool] = None,
                 condition: Optional[str] = None, scope_name: Optional[str] = None,
                 collection_name: Optional[str] = None, parent_span: Any = None, **kwargs: Any) -> None:
        super().__init__(timeout, scope_name, collection_name, parent_span, ignore_if_exists=ignore_if_exists,
                         num_replicas=num_replicas, deferred=deferred, condition=condition, **kwargs)


class CreatePrimaryQueryIndexOptions(CreateQueryIndexOptions):
    """Options of create_primary_index (those of create_index plus ``index_name``).

    Args:
        index_name: A name for the primary index (default ``#primary``).
        **kwargs: The options of :class:`CreateQueryIndexOptions`.
    """

    def __init__(self, index_name: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(index_name=index_name, **kwargs)


class DropQueryIndexOptions(_Keyspace):
    """Options of drop_index.

    Args:
        ignore_if_not_exists: No error when the index does not exist.
        **kwargs: ``timeout``, ``scope_name``, ``collection_name``.
    """

    def __init__(self, ignore_if_not_exists: Optional[bool] = None, **kwargs: Any) -> None:
        super().__init__(ignore_if_not_exists=ignore_if_not_exists, **kwargs)


class DropPrimaryQueryIndexOptions(DropQueryIndexOptions):
    """Options of drop_primary_index (those of drop_index plus ``index_name``).

    Args:
        index_name: The primary index's name, if not ``#primary``.
        **kwargs: The options of :class:`DropQueryIndexOptions`.
    """

    def __init__(self, index_name: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(index_name=index_name, **kwargs)


class WatchQueryIndexOptions(_Keyspace):
    """Options of watch_indexes.

    Args:
        watch_primary: Also wait for the primary index.
        **kwargs: ``timeout`` (required by watch_indexes), ``scope_name``, ``collection_name``.
    """

    def __init__(self, watch_primary: Optional[bool] = None, **kwargs: Any) -> None:
        super().__init__(watch_primary=watch_primary, **kwargs)


class BuildDeferredQueryIndexOptions(_Keyspace):
    """Options of build_deferred_indexes."""


# ---- search indexes
class UpsertSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.upsert_index."""


class DropSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.drop_index."""


class GetSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.get_index."""


class GetAllSearchIndexesOptions(_Timed):
    """Options of SearchIndexManager.get_all_indexes."""


class GetSearchIndexedDocumentsCountOptions(_Timed):
    """Options of SearchIndexManager.get_indexed_documents_count."""


class PauseIngestSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.pause_ingest."""


class ResumeIngestSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.resume_ingest."""


class AllowQueryingSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.allow_querying."""


class DisallowQueryingSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.disallow_querying."""


class FreezePlanSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.freeze_plan."""


class UnfreezePlanSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.unfreeze_plan."""


class AnalyzeDocumentSearchIndexOptions(_Timed):
    """Options of SearchIndexManager.analyze_document."""


class GetSearchIndexStatsOptions(_Timed):
    """Options of SearchIndexManager.get_index_stats."""


class GetAllSearchIndexStatsOptions(_Timed):
    """Options of SearchIndexManager.get_all_index_stats."""


# ---- analytics (keywords as in the official SDK: timeout, parent_span and the method's own)
class CreateDataverseOptions(_Timed):
    """Options of AnalyticsIndexManager (CreateDataverse)."""


class DropDataverseOptions(_Timed):
    """Options of AnalyticsIndexManager (DropDataverse)."""


class CreateDatasetOptions(_Timed):
    """Options of AnalyticsIndexManager (CreateDataset)."""


class DropDatasetOptions(_Timed):
    """Options of AnalyticsIndexManager (DropDataset)."""


class GetAllDatasetOptions(_Timed):
    """Options of AnalyticsIndexManager (GetAllDataset)."""


class CreateAnalyticsIndexOptions(_Timed):
    """Options of AnalyticsIndexManager (CreateAnalyticsIndex)."""


class DropAnalyticsIndexOptions(_Timed):
    """Options of AnalyticsIndexManager (DropAnalyticsIndex)."""


class GetAllAnalyticsIndexesOptions(_Timed):
    """Options of AnalyticsIndexManager (GetAllAnalyticsIndexes)."""


class ConnectLinkOptions(_Timed):
    """Options of AnalyticsIndexManager (ConnectLink)."""


class DisconnectLinkOptions(_Timed):
    """Options of AnalyticsIndexManager (DisconnectLink)."""


class GetPendingMutationsOptions(_Timed):
    """Options of AnalyticsIndexManager (GetPendingMutations)."""


class CreateLinkAnalyticsOptions(_Timed):
    """Options of AnalyticsIndexManager (CreateLinkAnalytics)."""


class ReplaceLinkAnalyticsOptions(_Timed):
    """Options of AnalyticsIndexManager (ReplaceLinkAnalytics)."""


class DropLinkAnalyticsOptions(_Timed):
    """Options of AnalyticsIndexManager (DropLinkAnalytics)."""


class GetLinksAnalyticsOptions(_Timed):
    """Options of AnalyticsIndexManager (GetLinksAnalytics)."""


# ---- views (keywords as in the official SDK: timeout, parent_span and the method's own)
class GetDesignDocumentOptions(_Timed):
    """Options of ViewIndexManager (GetDesignDocument)."""


class GetAllDesignDocumentsOptions(_Timed):
    """Options of ViewIndexManager (GetAllDesignDocuments)."""


class UpsertDesignDocumentOptions(_Timed):
    """Options of ViewIndexManager (UpsertDesignDocument)."""


class DropDesignDocumentOptions(_Timed):
    """Options of ViewIndexManager (DropDesignDocument)."""


class PublishDesignDocumentOptions(_Timed):
    """Options of ViewIndexManager (PublishDesignDocument)."""


# ---- eventing (keywords as in the official SDK: timeout, parent_span and the method's own)
class EventingFunctionOptions(_Timed):
    """Options of EventingFunctionManager (EventingFunction)."""


class UpsertFunctionOptions(_Timed):
    """Options of EventingFunctionManager (UpsertFunction)."""


class DropFunctionOptions(_Timed):
    """Options of EventingFunctionManager (DropFunction)."""


class DeployFunctionOptions(_Timed):
    """Options of EventingFunctionManager (DeployFunction)."""


class GetAllFunctionOptions(_Timed):
    """Options of EventingFunctionManager (GetAllFunction)."""


class GetFunctionOptions(_Timed):
    """Options of EventingFunctionManager (GetFunction)."""


class PauseFunctionOptions(_Timed):
    """Options of EventingFunctionManager (PauseFunction)."""


class ResumeFunctionOptions(_Timed):
    """Options of EventingFunctionManager (ResumeFunction)."""


class UndeployFunctionOptions(_Timed):
    """Options of EventingFunctionManager (UndeployFunction)."""


class FunctionsStatusOptions(_Timed):
    """Options of EventingFunctionManager (FunctionsStatus)."""


__all__ = [name for name in list(globals()) if name.endswith("Options") and not name.startswith("_")]
