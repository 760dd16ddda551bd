"""The managers and data structures as each front end hands them out, for the type checker only.

A manager (:mod:`couchbase.management`) is written once and generic in the kinds of result its
methods return (:mod:`couchbase._generic`); these aliases bind them for each front end's idiom
(the value, a raw ``AsyncResult``, an ``asyncio.Future``, a Twisted ``Deferred``). Front ends name
them in the class statements of their cluster, bucket, scope and collection, inside quotes and
imported under ``TYPE_CHECKING``: nothing here is imported at run time.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, Iterator, List, NoReturn, Tuple

from twisted.internet.defer import Deferred

from couchbase._datastructures import CouchbaseList, CouchbaseMap, CouchbaseQueue, CouchbaseSet
from couchbase._kv_response import AsyncResult
from couchbase.management.analytics import AnalyticsDataset, AnalyticsIndex, AnalyticsIndexManager
from couchbase.management.analytics_links import AnalyticsLink
from couchbase.management.buckets import BucketDescribeResult, BucketManager, BucketSettings
from couchbase.management.collections import CollectionManager, ScopeSpec
from couchbase.management.eventing import (
    EventingFunction,
    EventingFunctionManager,
    EventingFunctionsStatus,
    ScopeEventingFunctionManager,
)
from couchbase.management.queries import CollectionQueryIndexManager, QueryIndex, QueryIndexManager
from couchbase.management.search import ScopeSearchIndexManager, SearchIndex, SearchIndexManager
from couchbase.management.users import Group, RoleAndDescription, UserAndMetadata, UserManager
from couchbase.management.views import ViewIndexManager
from couchbase.views import DesignDocument

__all__: List[str] = []


# ---- the blocking front end and gcouchbase: the values themselves
BlockingBucketManager = BucketManager[None, BucketSettings, List[BucketSettings], BucketDescribeResult]
BlockingCollectionManager = CollectionManager[None, List[ScopeSpec]]
BlockingUserManager = UserManager[None, UserAndMetadata, List[UserAndMetadata], List[RoleAndDescription],
                                  Group, List[Group]]
BlockingQueryIndexManager = QueryIndexManager[None, List[QueryIndex]]
BlockingCollectionQueryIndexManager = CollectionQueryIndexManager[None, List[QueryIndex]]
BlockingSearchIndexManager = SearchIndexManager[None, SearchIndex, List[SearchIndex], int, Dict[str, Any],
                                                Dict[str, Any]]
BlockingScopeSearchIndexManager = ScopeSearchIndexManager[None, SearchIndex, List[SearchIndex], int,
                                                          Dict[str, Any], Dict[str, Any]]
BlockingAnalyticsIndexManager = AnalyticsIndexManager[None, List[AnalyticsDataset], List[AnalyticsIndex],
                                                      Dict[str, int], List[AnalyticsLink]]
BlockingEventingFunctionManager = EventingFunctionManager[None, EventingFunction, List[EventingFunction],
                                                          EventingFunctionsStatus]
BlockingScopeEventingFunctionManager = ScopeEventingFunctionManager[None, EventingFunction,
                                                                    List[EventingFunction],
                                                                    EventingFunctionsStatus]
BlockingViewIndexManager = ViewIndexManager[None, DesignDocument, List[DesignDocument]]

# ---- couchbase.asynchronous and TxRawCluster: raw AsyncResults
RawBucketManager = BucketManager[AsyncResult[None], AsyncResult[BucketSettings],
                                 AsyncResult[List[BucketSettings]], AsyncResult[BucketDescribeResult]]
RawCollectionManager = CollectionManager[AsyncResult[None], AsyncResult[List[ScopeSpec]]]
RawUserManager = UserManager[AsyncResult[None], AsyncResult[UserAndMetadata],
                             AsyncResult[List[UserAndMetadata]], AsyncResult[List[RoleAndDescription]],
                             AsyncResult[Group], AsyncResult[List[Group]]]
RawQueryIndexManager = QueryIndexManager[AsyncResult[None], AsyncResult[List[QueryIndex]]]
RawCollectionQueryIndexManager = CollectionQueryIndexManager[AsyncResult[None], AsyncResult[List[QueryIndex]]]
RawSearchIndexManager = SearchIndexManager[AsyncResult[None], AsyncResult[SearchIndex],
                                           AsyncResult[List[SearchIndex]], AsyncResult[int],
                                           AsyncResult[Dict[str, Any]], AsyncResult[Dict[str, Any]]]
RawScopeSearchIndexManager = ScopeSearchIndexManager[AsyncResult[None], AsyncResult[SearchIndex],
                                                     AsyncResult[List[SearchIndex]], AsyncResult[int],
                                                     AsyncResult[Dict[str, Any]],
                                                     AsyncResult[Dict[str, Any]]]
RawAnalyticsIndexManager = AnalyticsIndexManager[AsyncResult[None], AsyncResult[List[AnalyticsDataset]],
                                                 AsyncResult[List[AnalyticsIndex]],
                                                 AsyncResult[Dict[str, int]],
                                                 AsyncResult[List[AnalyticsLink]]]
RawEventingFunctionManager = EventingFunctionManager[AsyncResult[None], AsyncResult[EventingFunction],
                                                     AsyncResult[List[EventingFunction]],
                                                     AsyncResult[EventingFunctionsStatus]]
RawScopeEventingFunctionManager = ScopeEventingFunctionManager[AsyncResult[None],
                                                               AsyncResult[EventingFunction],
                                                               AsyncResult[List[EventingFunction]],
                                                               AsyncResult[EventingFunctionsStatus]]
RawViewIndexManager = ViewIndexManager[AsyncResult[None], AsyncResult[DesignDocument],
                                       AsyncResult[List[DesignDocument]]]

# ---- acouchbase: asyncio futures
FutureBucketManager = BucketManager[asyncio.Future[None], asyncio.Future[BucketSettings],
                                    asyncio.Future[List[BucketSettings]],
                                    asyncio.Future[BucketDescribeResult]]
FutureCollectionManager = CollectionManager[asyncio.Future[None], asyncio.Future[List[ScopeSpec]]]
FutureUserManager = UserManager[asyncio.Future[None], asyncio.Future[UserAndMetadata],
                                asyncio.Future[List[UserAndMetadata]],
                                asyncio.Future[List[RoleAndDescription]], asyncio.Future[Group],
                                asyncio.Future[List[Group]]]
FutureQueryIndexManager = QueryIndexManager[asyncio.Future[None], asyncio.Future[List[QueryIndex]]]
FutureCollectionQueryIndexManager = CollectionQueryIndexManager[asyncio.Future[None],
                                                                asyncio.Future[List[QueryIndex]]]
FutureSearchIndexManager = SearchIndexManager[asyncio.Future[None], asyncio.Future[SearchIndex],
                                              asyncio.Future[List[SearchIndex]], asyncio.Future[int],
                                              asyncio.Future[Dict[str, Any]], asyncio.Future[Dict[str, Any]]]
FutureScopeSearchIndexManager = ScopeSearchIndexManager[asyncio.Future[None], asyncio.Future[SearchIndex],
                                                        asyncio.Future[List[SearchIndex]],
                                                        asyncio.Future[int], asyncio.Future[Dict[str, Any]],
                                                        asyncio.Future[Dict[str, Any]]]
FutureAnalyticsIndexManager = AnalyticsIndexManager[asyncio.Future[None],
                                                    asyncio.Future[List[AnalyticsDataset]],
                                                    asyncio.Future[List[AnalyticsIndex]],
                                                    asyncio.Future[Dict[str, int]],
                                                    asyncio.Future[List[AnalyticsLink]]]
FutureEventingFunctionManager = EventingFunctionManager[asyncio.Future[None],
                                                        asyncio.Future[EventingFunction],
                                                        asyncio.Future[List[EventingFunction]],
                                                        asyncio.Future[EventingFunctionsStatus]]
FutureScopeEventingFunctionManager = ScopeEventingFunctionManager[asyncio.Future[None],
                                                                  asyncio.Future[EventingFunction],
                                                                  asyncio.Future[List[EventingFunction]],
                                                                  asyncio.Future[EventingFunctionsStatus]]
FutureViewIndexManager = ViewIndexManager[asyncio.Future[None], asyncio.Future[DesignDocument],
                                          asyncio.Future[List[DesignDocument]]]

# ---- txcouchbase's TxCluster: Deferreds
DeferredBucketManager = BucketManager[Deferred[None], Deferred[BucketSettings],
                                      Deferred[List[BucketSettings]], Deferred[BucketDescribeResult]]
DeferredCollectionManager = CollectionManager[Deferred[None], Deferred[List[ScopeSpec]]]
DeferredUserManager = UserManager[Deferred[None], Deferred[UserAndMetadata], Deferred[List[UserAndMetadata]],
                                  Deferred[List[RoleAndDescription]], Deferred[Group], Deferred[List[Group]]]
DeferredQueryIndexManager = QueryIndexManager[Deferred[None], Deferred[List[QueryIndex]]]
DeferredCollectionQueryIndexManager = CollectionQueryIndexManager[Deferred[None], Deferred[List[QueryIndex]]]
DeferredSearchIndexManager = SearchIndexManager[Deferred[None], Deferred[SearchIndex],
                                                Deferred[List[SearchIndex]], Deferred[int],
                                                Deferred[Dict[str, Any]], Deferred[Dict[str, Any]]]
DeferredScopeSearchIndexManager = ScopeSearchIndexManager[Deferred[None], Deferred[SearchIndex],
                                                          Deferred[List[SearchIndex]], Deferred[int],
                                                          Deferred[Dict[str, Any]], Deferred[Dict[str, Any]]]
DeferredAnalyticsIndexManager = AnalyticsIndexManager[Deferred[None], Deferred[List[AnalyticsDataset]],
                                                      Deferred[List[AnalyticsIndex]],
                                                      Deferred[Dict[str, int]],
                                                      Deferred[List[AnalyticsLink]]]
DeferredEventingFunctionManager = EventingFunctionManager[Deferred[None], Deferred[EventingFunction],
                                                          Deferred[List[EventingFunction]],
                                                          Deferred[EventingFunctionsStatus]]
DeferredScopeEventingFunctionManager = ScopeEventingFunctionManager[Deferred[None],
                                                                    Deferred[EventingFunction],
                                                                    Deferred[List[EventingFunction]],
                                                                    Deferred[EventingFunctionsStatus]]
DeferredViewIndexManager = ViewIndexManager[Deferred[None], Deferred[DesignDocument],
                                            Deferred[List[DesignDocument]]]

# ---- the data structures (couchbase_list() ...; the raw front ends refuse every call of them)
BlockingCouchbaseList = CouchbaseList[None, Any, int, List[Any]]
BlockingCouchbaseMap = CouchbaseMap[None, Any, int, bool, List[Any], Dict[str, Any],
                                    Iterator[Tuple[str, Any]]]
BlockingCouchbaseSet = CouchbaseSet[None, int, bool, List[Any]]
BlockingCouchbaseQueue = CouchbaseQueue[None, Any, int, List[Any]]
RawCouchbaseList = CouchbaseList[NoReturn, NoReturn, NoReturn, NoReturn]
RawCouchbaseMap = CouchbaseMap[NoReturn, NoReturn, NoReturn, NoReturn, NoReturn, NoReturn, NoReturn]
RawCouchbaseSet = CouchbaseSet[NoReturn, NoReturn, NoReturn, NoReturn]
RawCouchbaseQueue = CouchbaseQueue[NoReturn, NoReturn, NoReturn, NoReturn]
FutureCouchbaseList = CouchbaseList[asyncio.Future[None], asyncio.Future[Any], asyncio.Future[int],
                                    asyncio.Future[List[Any]]]
FutureCouchbaseMap = CouchbaseMap[asyncio.Future[None], asyncio.Future[Any], asyncio.Future[int],
                                  asyncio.Future[bool], asyncio.Future[List[Any]],
                                  asyncio.Future[Dict[str, Any]], asyncio.Future[Iterator[Tuple[str, Any]]]]
FutureCouchbaseSet = CouchbaseSet[asyncio.Future[None], asyncio.Future[int], asyncio.Future[bool],
                                  asyncio.Future[List[Any]]]
FutureCouchbaseQueue = CouchbaseQueue[asyncio.Future[None], asyncio.Future[Any], asyncio.Future[int],
                                      asyncio.Future[List[Any]]]
DeferredCouchbaseList = CouchbaseList[Deferred[None], Deferred[Any], Deferred[int], Deferred[List[Any]]]
DeferredCouchbaseMap = CouchbaseMap[Deferred[None], Deferred[Any], Deferred[int], Deferred[bool],
                                    Deferred[List[Any]], Deferred[Dict[str, Any]],
                                    Deferred[Iterator[Tuple[str, Any]]]]
DeferredCouchbaseSet = CouchbaseSet[Deferred[None], Deferred[int], Deferred[bool], Deferred[List[Any]]]
DeferredCouchbaseQueue = CouchbaseQueue[Deferred[None], Deferred[Any], Deferred[int], Deferred[List[Any]]]
