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
from typing import Any, Callable, Dict, Iterator, List, Optional

import gevent
from gevent import get_hub
from gevent.hub import Waiter
from gevent.monkey import get_original

from couchbase import _health
from couchbase._async import AsyncBucketBase, AsyncClusterBase, AsyncCollectionBase, AsyncScopeBase
from couchbase._async_rows import AsyncRows
from couchbase._kv import ObserveMixin
from couchbase._kv_response import AsyncResult
from couchbase._pending import Pending
from couchbase.management.views import ViewIndexManager
from couchbase.options import ClusterOptions
from couchbase.results import (
    CounterResult,
    DiagnosticsResult,
    ExistsResult,
    GetReplicaResult,
    GetResult,
    LookupInResult,
    MultiCounterResult,
    MultiExistsResult,
    MultiGetReplicaResult,
    MultiGetResult,
    MultiMutationResult,
    MutateInResult,
    MutationResult,
    PingResult,
)
from gcouchbase._loop import GeventIOPS
from gcouchbase.rows import AnalyticsResult, QueryResult, SearchResult, ViewResult, result_for

# The real thread id even under monkey patching (where threading.get_ident is per greenlet).
_thread_ident = get_original("_thread", "get_ident")


def _wake(pending: Pending) -> None:
    """The completion hook: switch to the greenlet parked on ``pending`` (if it still waits)."""
    waiter = pending.waiter
    pending.waiter = None
    if waiter is None:
        return  # nobody waits (the greenlet was killed): the late result is dropped
    # Never switch from here: this runs inside libcouchbase's dispatch (or inside close() in some
    # other greenlet). The waiting greenlet resumes from the hub once that has returned.
    get_hub().loop.run_callback(waiter.switch, None)


def wait(pending: Pending) -> Any:
    """Park the calling greenlet until ``pending`` completes; return its outcome or raise its error."""
    if not pending.done:
        waiter = Waiter()
        pending.waiter = waiter
        pending.chain(_wake)  # after a hook already set (a batch placeholder that is part of a multi)
        try:
            waiter.get()
        finally:
            pending.waiter = None
    return pending.outcome()


class _GeventViewIndexManager(ViewIndexManager):
    """Design-document management whose ``syncwait`` sleeps cooperatively."""

    @staticmethod
    def _sleep(seconds: float) -> None:
        gevent.sleep(seconds)


class Collection(
        ObserveMixin,
        AsyncCollectionBase[
        GetResult, GetReplicaResult, List[GetReplicaResult], ExistsResult, MutationResult,
        CounterResult, LookupInResult, MutateInResult, MultiGetResult, MultiGetReplicaResult,
        MultiExistsResult, MultiMutationResult, MultiCounterResult]):
    """Key-value operations, blocking the calling greenlet (see couchbase.collection.Collection)."""

    def _ds_driver(self) -> Callable[[Any], Any]:
        from couchbase._datastructures import run_blocking

        return lambda program: run_blocking(program, gevent.sleep)

    def _wrap(self, pending: Pending) -> Any:
        if self._batch is not None:  # inside batch(): a placeholder, filled when the block ends
            return pending
        return wait(pending)

    @contextlib.contextmanager
    def batch(self) -> Iterator[List[AsyncResult[Any]]]:
        """Schedule every operation in the block; send them together when it ends.

        Operations inside return :class:`~couchbase._kv_response.AsyncResult`
        placeholders, filled in (``result``/``value``/``outcome()``) before the
        ``with`` statement returns. If the block raises, nothing is sent and the
        placeholders fail with RequestCanceledException.
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
        """Server statistics, ``{server: {name: value}}`` (see Bucket.stats)."""
        return self._scope.bucket.stats(group)  # type: ignore[no-any-return]


class Scope(AsyncScopeBase[Collection, QueryResult, AnalyticsResult]):
    """A scope of a bucket; ``collection(name)`` gives a :class:`Collection`."""

    def query(self, statement: str, *options: Any, **kwargs: Any) -> QueryResult:
        """N1QL scoped to this bucket and scope (``query_context``); see Cluster.query."""
        return super().query(statement, *options, **kwargs)

    def analytics_query(self, statement: str, *options: Any, **kwargs: Any) -> AnalyticsResult:
        """Analytics scoped to this bucket and scope; see Cluster.analytics_query."""
        return super().analytics_query(statement, *options, **kwargs)

    def collection(self, name: str) -> Collection:
        """The named collection of this scope."""
        return Collection(self, name)

    def default_collection(self) -> Collection:
        """The scope's default collection."""
        return Collection(self)


class Bucket(AsyncBucketBase[Scope, Collection, "Bucket", PingResult, DiagnosticsResult,
                             Dict[str, Dict[str, str]], ViewResult]):
    """A bucket (see couchbase.bucket.Bucket): ``scope``, ``default_collection``, ``ping``, ``stats``, …"""

    def wait_until_ready(self, timeout: Any, *options: Any, **kwargs: Any) -> None:
        """Wait until the services answer a ping, parking only this greenlet (see the blocking API)."""
        _health.wait_until_ready(self, timeout, options, kwargs, gevent.sleep)

    def scope(self, name: str) -> Scope:
        """The named scope of this bucket."""
        return Scope(self, name)

    def default_scope(self) -> Scope:
        """The bucket's ``_default`` scope."""
        return Scope(self)

    def collection(self, name: str) -> Collection:
        """A collection of the default scope."""
        return self.default_scope().collection(name)

    def default_collection(self) -> Collection:
        """The bucket's ``_default._default`` collection."""
        return self.default_scope().default_collection()

    def view_query(self, design_doc: str, view: str, *options: Any, **kwargs: Any) -> ViewResult:
        """Query a view; rows (ViewRow) stream in as they arrive, iterated cooperatively.

        Options as the blocking Bucket.view_query (ViewOptions fields or a raw query string).
        """
        return super().view_query(design_doc, view, *options, **kwargs)

    def view_indexes(self) -> ViewIndexManager:
        """Design-document management (ViewIndexManager) for this bucket; calls park the greenlet."""
        return _GeventViewIndexManager(self._conn, self.name, self._run_http)

    bucket_manager = view_indexes

    def _run_http(self, schedule: Callable[[], Pending], then: Callable[[Any], Any]) -> Any:
        return then(self._run(schedule))


class Cluster(AsyncClusterBase[Bucket, "Cluster", PingResult, DiagnosticsResult, QueryResult, AnalyticsResult,
                               SearchResult]):
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

    def wait_until_ready(self, timeout: Any, *options: Any, **kwargs: Any) -> None:
        """Wait until the services answer a ping, parking only this greenlet (see the blocking API)."""
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
        """Same as ``Cluster(...)`` (SDK 4.x spelling)."""
        return cls(connstr, options, **kwargs)

    def _wrap(self, pending: Pending) -> Any:
        return wait(pending)

    def _wrap_rows(self, rows: AsyncRows) -> AsyncRows:
        return rows  # iterating it parks the greenlet as rows are needed

    def query(self, statement: str, *options: Any, **kwargs: Any) -> QueryResult:
        """Run a N1QL statement; rows stream in as they are iterated (see couchbase.cluster.Cluster.query).

        Returns at once; iterating parks only this greenlet while it waits for rows.
        """
        return super().query(statement, *options, **kwargs)

    def analytics_query(self, statement: str, *options: Any, **kwargs: Any) -> AnalyticsResult:
        """Run an analytics statement; rows stream in as they are iterated."""
        return super().analytics_query(statement, *options, **kwargs)

    def search_query(self, index: str, query: Any, *options: Any, **kwargs: Any) -> SearchResult:
        """Run a full-text search on ``index``; hits (SearchRow) stream in as they are iterated."""
        return super().search_query(index, query, *options, **kwargs)

    def bucket(self, name: str) -> Bucket:
        """Open (once) and return a bucket, waiting for its connection.

        :raises BucketNotFoundException: no such bucket (the failed bucket is not kept).
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
        return bucket  # type: ignore[no-any-return]

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["AnalyticsResult", "Bucket", "Cluster", "Collection", "QueryResult", "Scope", "SearchResult",
           "ViewResult", "wait"]
