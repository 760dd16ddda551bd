"""What each front end's methods return, for the type checker and for ``help()``.

The key-value operations are written once (:class:`couchbase._kv.KVOperations`) and return
what the front end's ``_submit`` makes of the pending operation: the result itself (blocking,
gevent), the :class:`~couchbase._kv_response.AsyncResult` (raw), an ``asyncio.Future`` or a
Twisted ``Deferred``. The shared classes are therefore generic in those return types (one
type parameter per kind of result, below; the same for what a cluster, bucket or scope hands
out: its buckets, scopes, collections, pings, query results), and each front end binds them
once in its class statement, e.g. ``class Collection(AsyncCollectionBase[asyncio.Future[GetResult],
...])``. mypy sees the bound types through ordinary generics.

``help()`` and :func:`inspect.signature` read a function's own ``__annotations__``, which
for a shared method name a type parameter. :func:`specialize` (called when a front end's
class is created) gives the class its own copy of each such method, sharing the code object
(so calls cost exactly what they did) but annotated with the bound types:
``help(acouchbase.cluster.Collection.get)`` shows ``-> 'Future[GetResult]'``. Each copy's
``__specialized_from__`` is the shared method (tools listing the API count it once). A test
(tests/typing) checks that no public method of a front end still names a type parameter.
"""
from __future__ import annotations

import inspect
import re
import types
from typing import TYPE_CHECKING, Any, Dict, ForwardRef, TypeVar, Union, get_args, get_origin

if TYPE_CHECKING:
    from couchbase._async import AsyncScopeBase

# One parameter per kind of result a shared method returns; each front end binds every one.
GetT = TypeVar("GetT")                        # get, get_and_touch, get_and_lock
ReplicaT = TypeVar("ReplicaT")                # get_any_replica
ReplicasT = TypeVar("ReplicasT")              # get_all_replicas
ExistsT = TypeVar("ExistsT")                  # exists
MutationT = TypeVar("MutationT")              # upsert, insert, replace, remove, touch, unlock, append, ...
CounterT = TypeVar("CounterT")                # increment, decrement, counter
LookupInT = TypeVar("LookupInT")              # lookup_in
MutateInT = TypeVar("MutateInT")              # mutate_in
LookupInReplicaT = TypeVar("LookupInReplicaT")    # lookup_in_any_replica
LookupInReplicasT = TypeVar("LookupInReplicasT")  # lookup_in_all_replicas
MultiGetT = TypeVar("MultiGetT")              # get_multi, lock_multi
MultiReplicaT = TypeVar("MultiReplicaT")      # get_any_replica_multi, get_all_replicas_multi
MultiExistsT = TypeVar("MultiExistsT")        # exists_multi
MultiMutationT = TypeVar("MultiMutationT")    # upsert_multi, remove_multi, touch_multi, ...
MultiCounterT = TypeVar("MultiCounterT")      # increment_multi, decrement_multi, counter_multi


def _bindings(cls: type) -> Dict[str, Any]:
    """TypeVar name -> the concrete type ``cls`` binds it to in its class statement."""
    out: Dict[str, Any] = {}
    for base in cls.__dict__.get("__orig_bases__", ()):
        origin = get_origin(base)
        params = getattr(origin, "__parameters__", ())
        for param, arg in zip(params, get_args(base)):
            if not isinstance(arg, TypeVar):
                out[param.__name__] = arg
    return out


def _spell(arg: Any) -> str:
    """``arg`` as one would write it in an annotation: ``Future[GetResult]``, ``List[GetReplicaResult]``."""
    if isinstance(arg, str):
        return arg
    if isinstance(arg, ForwardRef):
        return arg.__forward_arg__
    if arg is type(None):
        return "None"
    origin, args = get_origin(arg), get_args(arg)
    if origin is Union and type(None) in args:  # typing names Optional[X] "Optional" with its NoneType
        rest = [a for a in args if a is not type(None)]
        return f"Optional[{_spell(rest[0])}]" if len(rest) == 1 else f"Union[{', '.join(map(_spell, args))}]"
    if origin is not None and args:
        name = getattr(arg, "_name", None) or getattr(origin, "__qualname__", None) or repr(origin)
        return f"{name}[{', '.join(map(_spell, args))}]"
    if isinstance(arg, type):
        return arg.__qualname__
    return inspect.formatannotation(arg)


def specialize(cls: type) -> None:
    """Give ``cls`` its own annotated copy of every inherited method whose annotations name a
    type parameter that ``cls`` binds (see the module docstring). No-op for a class that binds
    none (an intermediate generic class, or a subclass of an already specialised class)."""
    bound = _bindings(cls)
    if not bound:
        return
    names = re.compile(r"\b(" + "|".join(map(re.escape, bound)) + r")\b")
    seen = set()
    for klass in cls.__mro__:
        for name, func in list(vars(klass).items()):
            if name in seen:
                continue
            seen.add(name)
            if not isinstance(func, types.FunctionType) or name.startswith("__"):
                continue
            ann = func.__annotations__
            if not any(isinstance(a, str) and names.search(a) for a in ann.values()):
                continue
            new_ann = {key: names.sub(lambda m: _spell(bound[m.group(1)]), a) if isinstance(a, str) else a
                       for key, a in ann.items()}
            copy = types.FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__,
                                      func.__closure__)
            copy.__kwdefaults__ = func.__kwdefaults__
            copy.__dict__.update(func.__dict__)
            copy.__doc__ = func.__doc__
            copy.__annotations__ = new_ann
            copy.__module__ = cls.__module__
            copy.__qualname__ = f"{cls.__qualname__}.{name}"
            # the shared method it is a copy of (tools listing the API count it once)
            setattr(copy, "__specialized_from__", getattr(func, "__specialized_from__", func))
            setattr(cls, name, copy)


class Specialized:
    """Base of the shared generic classes: a subclass that binds their type parameters gets
    methods annotated with the bound types (:func:`specialize`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        specialize(cls)


# The classes each event-loop front end's navigation returns (cluster.bucket(), bucket.scope(), ...).
BucketT = TypeVar("BucketT")
ScopeT = TypeVar("ScopeT", bound="AsyncScopeBase[Any, Any, Any, Any, Any, Any]")
CollectionT = TypeVar("CollectionT")
ConnectT = TypeVar("ConnectT")          # on_connect(): completes with the cluster or bucket itself
PingT = TypeVar("PingT")                # ping()
DiagnosticsT = TypeVar("DiagnosticsT")  # diagnostics()
StatsT = TypeVar("StatsT")              # Bucket.stats()
QueryT = TypeVar("QueryT")              # query()
AnalyticsT = TypeVar("AnalyticsT")      # analytics_query()
SearchT = TypeVar("SearchT")            # search_query()
ViewT = TypeVar("ViewT")                # view_query()

# What each manager's methods return (couchbase.management): a manager is generic in the kinds of
# result its methods give, and each front end binds them where it hands the manager out.
DoneT = TypeVar("DoneT")                                # a call that completes with None
BucketSettingsT = TypeVar("BucketSettingsT")            # BucketManager.get_bucket
BucketSettingsListT = TypeVar("BucketSettingsListT")    # BucketManager.get_all_buckets
BucketDescribeT = TypeVar("BucketDescribeT")            # BucketManager.bucket_describe
ScopeSpecListT = TypeVar("ScopeSpecListT")              # CollectionManager.get_all_scopes
UserT = TypeVar("UserT")                                # UserManager.get_user
UserListT = TypeVar("UserListT")                        # UserManager.get_all_users
RoleListT = TypeVar("RoleListT")                        # UserManager.get_roles
GroupT = TypeVar("GroupT")                              # UserManager.get_group
GroupListT = TypeVar("GroupListT")                      # UserManager.get_all_groups
QueryIndexListT = TypeVar("QueryIndexListT")            # (Collection)QueryIndexManager.get_all_indexes
SearchIndexT = TypeVar("SearchIndexT")                  # SearchIndexManager.get_index
SearchIndexListT = TypeVar("SearchIndexListT")          # SearchIndexManager.get_all_indexes
DocCountT = TypeVar("DocCountT")                        # SearchIndexManager.get_indexed_documents_count
AnalyzedT = TypeVar("AnalyzedT")                        # SearchIndexManager.analyze_document
IndexStatsT = TypeVar("IndexStatsT")                    # SearchIndexManager.get_(all_)index_stats
DatasetListT = TypeVar("DatasetListT")                  # AnalyticsIndexManager.get_all_datasets
AnalyticsIndexListT = TypeVar("AnalyticsIndexListT")    # AnalyticsIndexManager.get_all_indexes
PendingMutationsT = TypeVar("PendingMutationsT")        # AnalyticsIndexManager.get_pending_mutations
LinkListT = TypeVar("LinkListT")                        # AnalyticsIndexManager.get_links
FunctionT = TypeVar("FunctionT")                        # EventingFunctionManager.get_function
FunctionListT = TypeVar("FunctionListT")                # EventingFunctionManager.get_all_functions
FunctionsStatusT = TypeVar("FunctionsStatusT")          # EventingFunctionManager.functions_status
DesignDocT = TypeVar("DesignDocT")                      # ViewIndexManager.get_design_document
DesignDocListT = TypeVar("DesignDocListT")              # ViewIndexManager.get_all_design_documents

# The managers a cluster, bucket, scope or collection hands out (couchbase.management._access).
BucketManagerT = TypeVar("BucketManagerT")
UserManagerT = TypeVar("UserManagerT")
QueryIndexManagerT = TypeVar("QueryIndexManagerT")
SearchIndexManagerT = TypeVar("SearchIndexManagerT")
AnalyticsIndexManagerT = TypeVar("AnalyticsIndexManagerT")
EventingFunctionManagerT = TypeVar("EventingFunctionManagerT")
ClusterInfoT = TypeVar("ClusterInfoT")                  # cluster_info()
CollectionManagerT = TypeVar("CollectionManagerT")
ViewIndexManagerT = TypeVar("ViewIndexManagerT")        # bucket.view_indexes()
ScopeSearchIndexManagerT = TypeVar("ScopeSearchIndexManagerT")
ScopeEventingFunctionManagerT = TypeVar("ScopeEventingFunctionManagerT")
CollectionQueryIndexManagerT = TypeVar("CollectionQueryIndexManagerT")

# What the data structures return (couchbase._datastructures): the collection's list_*/map_*/set_*/
# queue_* methods, and the CouchbaseList/Map/Set/Queue objects its couchbase_list() ... hand out.
DsMutationT = TypeVar("DsMutationT")            # list_append, map_add, queue_push, ...: OperationResult
DsMaybeMutationT = TypeVar("DsMaybeMutationT")  # set_add, set_remove: OperationResult or None
DsItemT = TypeVar("DsItemT")                    # list_get, map_get, queue_pop; CouchbaseList.get_at, ...
DsSizeT = TypeVar("DsSizeT")                    # list_size, ...; size(), CouchbaseList.index_of
DsFlagT = TypeVar("DsFlagT")                    # set_contains; CouchbaseMap.exists, CouchbaseSet.add, ...
DsDoneT = TypeVar("DsDoneT")                    # the objects' calls that complete with None
DsItemsT = TypeVar("DsItemsT")                  # get_all (list, queue), keys, values
DsEntriesT = TypeVar("DsEntriesT")              # CouchbaseMap.get_all
DsPairsT = TypeVar("DsPairsT")                  # CouchbaseMap.items
CouchbaseListT = TypeVar("CouchbaseListT")      # couchbase_list()
CouchbaseMapT = TypeVar("CouchbaseMapT")        # couchbase_map()
CouchbaseSetT = TypeVar("CouchbaseSetT")        # couchbase_set()
CouchbaseQueueT = TypeVar("CouchbaseQueueT")    # couchbase_queue()
