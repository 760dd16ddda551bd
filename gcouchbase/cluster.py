"""gevent Cluster, Bucket, Scope and Collection: the blocking API, cooperative.

::

    from gevent import monkey; monkey.patch_all()   # optional, first
    from gcouchbase.cluster import Cluster
    cluster = Cluster("couchbase://127.0.0.1", ClusterOptions(PasswordAuthenticator(u, p)))
    coll = cluster.bucket("default").default_collection()
    coll.upsert("k", {"a": 1})          # blocks this greenlet only
    print(coll.get("k").value)

Same classes, method names, arguments, return values and exceptions as
:mod:`couchbase.cluster` / :mod:`couchbase.collection`. Each call schedules
its operation through the shared core (libcouchbase driven by the hub's loop,
see :class:`~gcouchbase._loop.GeventIOPS`) and parks only the calling
greenlet until the result arrives, so any number of greenlets share one
Cluster and the hub keeps serving everything else meanwhile. Killing a
waiting greenlet is safe: the operation completes (or times out) inside
libcouchbase and its late result is dropped. A cluster belongs to the thread
(hub) that created it; other threads get ``ObjectThreadException``.
"""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional

import gevent
from gevent import get_hub
from gevent.monkey import get_original

from couchbase import _health
from couchbase._async import AsyncBucketBase, AsyncClusterBase, AsyncCollectionBase, AsyncScopeBase
from couchbase._async_rows import AsyncRows
from couchbase._kv import ObserveMixin
from couchbase._kv_response import AsyncResult
from couchbase._pending import Pending
from couchbase.management.views import DesignDocument, ViewIndexManager
from couchbase.options import ClusterOptions
from couchbase.results import (
    ClusterInfoResult,
    CounterResult,
    DiagnosticsResult,
    ExistsResult,
    GetReplicaResult,
    GetResult,
    LookupInReplicaResult,
    LookupInResult,
    MultiCounterResult,
    MultiExistsResult,
    MultiGetReplicaResult,
    MultiGetResult,
    MultiMutationResult,
    MutateInResult,
    MutationResult,
    OperationResult,
    PingResult,
)
from gcouchbase._loop import GeventIOPS
from gcouchbase._park import wait
from gcouchbase.rows import AnalyticsResult, QueryResult, SearchResult, ViewResult, result_for

# The real thread id even under monkey patching (where threading.get_ident is per greenlet).
if TYPE_CHECKING:
    from typing_extensions import Unpack

    # named in the class statements' quoted type arguments
    from couchbase._bound import (  # noqa: F401
        BlockingAnalyticsIndexManager,
        BlockingBucketManager,
        BlockingCollectionManager,
        BlockingCollectionQueryIndexManager,
        BlockingCouchbaseList,
        BlockingCouchbaseMap,
        BlockingCouchbaseQueue,
        BlockingCouchbaseSet,
        BlockingEventingFunctionManager,
        BlockingQueryIndexManager,
        BlockingScopeEventingFunctionManager,
        BlockingScopeSearchIndexManager,
        BlockingSearchIndexManager,
        BlockingUserManager,
        BlockingViewIndexManager,
    )
    from couchbase._kwargs import (
        AnalyticsArg,
        QueryArg,
        SearchQueryArg,
        Seconds,
        ViewArg,
        WaitUntilReadyKwargs,
    )
    from couchbase.options import SearchOptions, WaitUntilReadyOptions

_thread_ident = get_original("_thread", "get_ident")


class _GeventViewIndexManager(ViewIndexManager[None, DesignDocument, List[DesignDocument]]):
    """Design-document management whose ``syncwait`` sleeps cooperatively."""

    @staticmethod
    def _sleep(seconds: float) -> None:
        gevent.sleep(seconds)


class Collection(
        ObserveMixin,
        AsyncCollectionBase[
        GetResult, GetReplicaResult, List[GetReplicaResult], ExistsResult, MutationResult,
        CounterResult, LookupInResult, MutateInResult, MultiGetResult, MultiGetReplicaResult,
        MultiExistsResult, MultiMutationResult, MultiCounterResult, LookupInReplicaResult,
        List[LookupInReplicaResult],
        OperationResult, Optional[OperationResult], Any, int, bool, "BlockingCouchbaseList",
        "BlockingCouchbaseMap", "BlockingCouchbaseSet", "BlockingCouchbaseQueue",
        "BlockingCollectionQueryIndexManager"]):
    """Key-value operations, blocking the calling greenlet (see couchbase.collection.Collection)."""

    def _ds_driver(self) -> Callable[[Any], Any]:
        from couchbase._datastructures import run_blocking

        return lambda program: run_blocking(program, gevent.sleep)

    def _wrap(self, pending: Pending) -> Any:
        if self._batch is not None:  # inside batch(): a placeholder, filled when the block ends
            return pending
        return wait(pending)

    @contextlib.contextmanager
    def batch(self) -> Iterator[List[AsyncResult[Any]]]:  # type: ignore[override]  # the blocking batch()
        """Schedule every operation in the block; send them together when it ends.

        Operations inside return :class:`~couchbase.asynchronous.AsyncResult` placeholders, filled in
        (``result``/``value``/``outcome()``) before the ``with`` statement returns. If the block raises,
        nothing is sent and the placeholders fail with RequestCanceledException.

        Yields:
            list[AsyncResult]: The placeholders of the operations scheduled so far.

        Raises:
            InvalidArgumentException: Nested blocks, or a collection not connected.
            ObjectThreadException: Called from a thread (hub) other than the cluster's.
        """
        with AsyncCollectionBase.batch(self):
            ops = self._batch
            assert ops is not None
            yield ops
        for op in ops:
            if not op.done:
                try:
                    wait(op)
                except Exception:
                    pass

    def stats(self, group: str = "") -> Dict[str, Dict[str, str]]:
        """Memcached STATS from every node of the collection's bucket (see
        :meth:`couchbase.bucket.Bucket.stats`).

        Args:
            group: The stats group (``""``: the general stats).

        Returns:
            dict: ``{server: {stat: value}}``.

        Raises:
            InvalidArgumentException: ``group`` not a str.
            TimeoutException: A node did not answer in time.
        """
        return self._scope.bucket.stats(group)  # type: ignore[no-any-return]


class Scope(AsyncScopeBase[Collection, QueryResult, AnalyticsResult, SearchResult,
                           "BlockingScopeSearchIndexManager", "BlockingScopeEventingFunctionManager"]):
    """A scope of a bucket; ``collection(name)`` gives a :class:`Collection`."""

    def query(self, statement: str, *options: QueryArg, **kwargs: Any) -> QueryResult:
        return super().query(statement, *options, **kwargs)

    def analytics_query(self, statement: str, *options: AnalyticsArg, **kwargs: Any) -> AnalyticsResult:
        return super().analytics_query(statement, *options, **kwargs)

    def collection(self, name: str) -> Collection:
        return Collection(self, name)

    def default_collection(self) -> Collection:
        return Collection(self)


class Bucket(AsyncBucketBase[Scope, Collection, "Bucket", PingResult, DiagnosticsResult,
                             Dict[str, Dict[str, str]], ViewResult,
                             "BlockingCollectionManager", "BlockingViewIndexManager"]):
    """A bucket (see couchbase.bucket.Bucket): ``scope``, ``default_collection``, ``ping``, ``stats``, …"""

    def wait_until_ready(self, timeout: Seconds, *options: WaitUntilReadyOptions,
                         **kwargs: Unpack[WaitUntilReadyKwargs]) -> None:
        """Wait until the bucket's services answer a ping, parking only this greenlet.

        Args:
            timeout: How long to wait at most (timedelta or seconds).
            *options: A :class:`~couchbase.options.WaitUntilReadyOptions` block.
            **kwargs: ``desired_state``, ``service_types``.

        Raises:
            InvalidArgumentException: A bad timeout or option.
            UnAmbiguousTimeoutException: The desired state was not reached within ``timeout``.
        """
        _health.wait_until_ready(self, timeout, options, kwargs, gevent.sleep)

    def scope(self, name: str) -> Scope:
        return Scope(self, name)

    def default_scope(self) -> Scope:
        return Scope(self)

    def collection(self, name: str) -> Collection:
        return self.default_scope().collection(name)

    def default_collection(self) -> Collection:
        return self.default_scope().default_collection()

    def view_query(self, design_doc: str, view: str, *options: ViewArg, **kwargs: Any) -> ViewResult:
        return super().view_query(design_doc, view, *options, **kwargs)

    def view_indexes(self) -> BlockingViewIndexManager:
        """Design-document management for this bucket; its calls park the greenlet (``bucket_manager``
        is the 1.x/2.x name).

        Returns:
            ViewIndexManager: get, upsert, drop and publish design documents.

        Never raises.
        """
        return _GeventViewIndexManager(self._conn, self.name, self._run_http)

    bucket_manager = view_indexes

    def _run_http(self, schedule: Callable[[], Pending], then: Callable[[Any], Any]) -> Any:
        return then(self._run(schedule))


class Cluster(AsyncClusterBase[Bucket, "Cluster", PingResult, DiagnosticsResult, QueryResult, AnalyticsResult,
                               SearchResult,
                               "BlockingBucketManager", "BlockingUserManager", "BlockingQueryIndexManager",
                               "BlockingSearchIndexManager", "BlockingAnalyticsIndexManager",
                               "BlockingEventingFunctionManager", ClusterInfoResult]):
    """A Couchbase cluster for gevent; the constructor returns once connected.

    Args:
        connstr: ``couchbase://host[,host…][?settings]`` (see :class:`couchbase.cluster.Cluster`).
        options: ``ClusterOptions(PasswordAuthenticator(user, password))``.
        **kwargs: Any ClusterOptions field (``kv_timeout=…``).

    Raises:
        InvalidArgumentException: A malformed connection string or option.
        AuthenticationException: Wrong credentials.
        TimeoutException: No node answered in time.
        NetworkException: No node could be reached.
    """

    _bucket_class = Bucket
    _scope_class = Scope
    _collection_class = Collection
    _rows_class = staticmethod(result_for)  # type: ignore[assignment]
    _thread_ident = staticmethod(_thread_ident)

    def wait_until_ready(self, timeout: Seconds, *options: WaitUntilReadyOptions,
                         **kwargs: Unpack[WaitUntilReadyKwargs]) -> None:
        """Wait until the services answer a ping, parking only this greenlet.

        Args:
            timeout: How long to wait at most (timedelta or seconds).
            *options: A :class:`~couchbase.options.WaitUntilReadyOptions` block.
            **kwargs: ``desired_state``, ``service_types``.

        Raises:
            InvalidArgumentException: A bad timeout or option.
            UnAmbiguousTimeoutException: The desired state was not reached within ``timeout``.
        """
        _health.wait_until_ready(self, timeout, options, kwargs, gevent.sleep)

    def __init__(self, connstr: str, options: Optional[ClusterOptions] = None, **kwargs: Any) -> None:
        hub = get_hub()
        super().__init__(connstr, options, iops_factory=lambda: GeventIOPS(hub), **kwargs)
        try:
            wait(self._connected(self))
        except BaseException:
            self.close()
            raise

    @classmethod
    def connect(cls, connstr: str, options: Optional[ClusterOptions] = None, **kwargs: Any) -> "Cluster":
        """Connect to a cluster: the same as ``Cluster(...)`` (SDK 4.x spelling).

        Args:
            connstr: The connection string.
            options: ``ClusterOptions``.
            **kwargs: Any ClusterOptions field.

        Returns:
            Cluster: The connected cluster.

        Raises:
            InvalidArgumentException: A malformed connection string or option.
            AuthenticationException: Wrong credentials.
            TimeoutException: No node answered in time.
        """
        return cls(connstr, options, **kwargs)

    def _wrap(self, pending: Pending) -> Any:
        return wait(pending)

    def _wrap_rows(self, rows: AsyncRows) -> AsyncRows:
        return rows  # iterating it parks the greenlet as rows are needed

    def query(self, statement: str, *options: QueryArg, **kwargs: Any) -> QueryResult:
        return super().query(statement, *options, **kwargs)

    def analytics_query(self, statement: str, *options: AnalyticsArg, **kwargs: Any) -> AnalyticsResult:
        return super().analytics_query(statement, *options, **kwargs)

    def search_query(self, index: str, query: SearchQueryArg, *options: SearchOptions,
                     **kwargs: Any) -> SearchResult:
        return super().search_query(index, query, *options, **kwargs)

    def bucket(self, name: str) -> Bucket:
        """Open (once) and return a bucket, parking this greenlet until it is connected.

        Args:
            name: The bucket name.

        Returns:
            Bucket: The connected bucket.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
            ObjectClosedException: The cluster is closed.
            BucketNotFoundException: No such bucket (the failed bucket is not kept).
            TimeoutException: The bucket's nodes did not answer in time.
        """
        bucket = super().bucket(name)
        if not bucket.connected:
            try:
                wait(bucket._connected(bucket))
            except BaseException:
                bucket.close()
                if self._buckets.get(name) is bucket:
                    del self._buckets[name]
                raise
        return bucket

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["AnalyticsResult", "Bucket", "Cluster", "Collection", "QueryResult", "Scope", "SearchResult",
           "ViewResult", "wait"]
