"""Raw callback mode: the fastest front end, on any IOPS loop.

Every operation returns the :class:`~couchbase._kv_response.AsyncResult` that the core
completes; set its ``callback`` and ``errback`` right away (before control
returns to the loop)::

    loop = SelectorLoop()
    cluster = AsyncCluster(connstr, ClusterOptions(auth), iops_factory=lambda: SelectorIOPS(loop))
    coll = cluster.bucket("default").default_collection()
    res = coll.get("k")
    res.callback = lambda result: print(result.value)
    res.errback = lambda op, exc_type, exc, tb: print("failed:", exc)
    loop.run_until(lambda: res.done)

``callback(result)`` receives the result (``GetResult``, ``MutationResult``, …);
``errback(op, exc_type, exc_value, traceback)`` receives the AsyncResult and the
typed exception. If a result arrives while neither is set, a
``MissingCallbackException``-style error (an
``InvalidArgumentException`` naming the operation) is raised at that moment
into the loop's error channel (:meth:`couchbase.iops.IOPS.report`), so results are never lost
silently. Multi operations return a :class:`~couchbase._kv_response.MultiCollector`
whose ``callback`` gets the whole ``MultiResult`` once, and whose ``errback``
gets ``(multi, exc_type, exc, tb)`` if any key failed (unless ``quiet``).
``on_connect()`` returns an AsyncResult whose callback gets the cluster/bucket.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, NoReturn, Optional, Union

from couchbase._async import AsyncBucketBase, AsyncClusterBase, AsyncCollectionBase, AsyncScopeBase
from couchbase._async_rows import AsyncRows
from couchbase._instance import Connection
from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase._requests import ServiceRequest
from couchbase.exceptions import InvalidArgumentException
from couchbase.iops import IOPS, SelectorIOPS, SelectorLoop  # noqa: F401 - re-exported for users
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
    PingResult,
)

if TYPE_CHECKING:
    # named in the class statements' quoted type arguments
    from couchbase._bound import (  # noqa: F401
        RawAnalyticsIndexManager,
        RawBucketManager,
        RawCollectionManager,
        RawCollectionQueryIndexManager,
        RawCouchbaseList,
        RawCouchbaseMap,
        RawCouchbaseQueue,
        RawCouchbaseSet,
        RawEventingFunctionManager,
        RawQueryIndexManager,
        RawScopeEventingFunctionManager,
        RawScopeSearchIndexManager,
        RawSearchIndexManager,
        RawUserManager,
        RawViewIndexManager,
    )

def _no_handler(what: str) -> InvalidArgumentException:
    return InvalidArgumentException(
        message=f"{what} completed but neither callback nor errback was set on its AsyncResult; "
                f"set them right after the call, before the loop runs")


RawPending = Union[AsyncResult[Any], MultiCollector[Any]]


def _dispatch(op: RawPending) -> None:
    """The completion hook of raw mode: the user's ``callback(result)`` or ``errback(op, type, exc, tb)``."""
    err = op.error
    if err is None:
        cb = op.callback
        if cb is None:
            raise _no_handler(op.describe())
        cb(op.result)
    else:
        eb = op.errback
        if eb is None:
            raise _no_handler(op.describe()) from err
        eb(op, type(err), err, err.__traceback__)


class RawRows(AsyncRows):
    """A streaming request in raw mode (query, analytics, search, view).

    Set ``on_rows(rows)`` (called with each batch of rows as it arrives), ``callback(metadata)``
    (once, at the end) and ``errback(rows, exc_type, exc, tb)``. Without ``on_rows`` the rows stay in
    ``buffer``.

    Args:
        conn: The connection the request runs on.
        request: The request.
    """

    def __init__(self, conn: Connection, request: ServiceRequest) -> None:
        super().__init__(conn, request)
        self.on_rows: Optional[Callable[[List[Any]], Any]] = None
        self.callback: Optional[Callable[[Any], Any]] = None
        self.errback: Optional[Callable[..., Any]] = None
        self._wake = self._deliver
        self._finished = False

    def _deliver(self) -> None:
        on_rows = self.on_rows
        if on_rows is not None and self.buffer:
            on_rows(self.take_all())
        if not self.done or self._finished:
            return
        self._finished = True
        if self.error is not None:
            eb = self.errback
            if eb is None:
                raise _no_handler("a streaming request") from self.error
            eb(self, type(self.error), self.error, self.error.__traceback__)
            return
        cb = self.callback
        if cb is None:
            raise _no_handler("a streaming request")
        cb(self.metadata())


class _RawWrap:
    _conn: Connection

    def _wrap(self, op: RawPending) -> RawPending:
        op.on_done = _dispatch
        if op.done:  # completed before the caller could attach handlers: deliver on the next turn
            self._conn.iops.call_later(0, lambda: _dispatch(op))  # type: ignore[union-attr]  # a loop's connection
        return op

    def _wrap_rows(self, rows: RawRows) -> RawRows:
        if rows.done:  # failed before the caller could attach handlers
            self._conn.iops.call_later(0, rows._deliver)  # type: ignore[union-attr]  # a loop's connection
        return rows


class AsyncCollection(
        _RawWrap,
        AsyncCollectionBase[
        AsyncResult[GetResult], AsyncResult[GetReplicaResult], AsyncResult[List[GetReplicaResult]],
        AsyncResult[ExistsResult], AsyncResult[MutationResult], AsyncResult[CounterResult],
        AsyncResult[LookupInResult], AsyncResult[MutateInResult], MultiCollector[MultiGetResult],
        MultiCollector[MultiGetReplicaResult], MultiCollector[MultiExistsResult],
        MultiCollector[MultiMutationResult], MultiCollector[MultiCounterResult],
        AsyncResult[LookupInReplicaResult], AsyncResult[List[LookupInReplicaResult]],
        NoReturn, NoReturn, NoReturn, NoReturn, NoReturn, "RawCouchbaseList", "RawCouchbaseMap",
        "RawCouchbaseSet", "RawCouchbaseQueue",
        "RawCollectionQueryIndexManager"]):
    """Key-value operations returning :class:`AsyncResult` (multi operations: MultiCollector)."""

    def _ds_driver(self) -> Any:
        def refuse(program: Any) -> Any:
            program.close()
            from couchbase.exceptions import FeatureUnavailableException

            raise FeatureUnavailableException(
                message="the data structures (couchbase_list, list_append, ...) chain several operations; "
                        "use them from a blocking, asyncio, Twisted or gevent collection")
        return refuse


class AsyncScope(AsyncScopeBase[AsyncCollection, RawRows, RawRows, RawRows,
                                "RawScopeSearchIndexManager", "RawScopeEventingFunctionManager"]):
    """A scope; ``collection(name)`` gives an :class:`AsyncCollection`."""


class AsyncBucket(AsyncBucketBase[AsyncScope, AsyncCollection, "AsyncResult[AsyncBucket]",
                                  AsyncResult[PingResult], AsyncResult[DiagnosticsResult],
                                  AsyncResult[Dict[str, Dict[str, str]]], RawRows,
                                  "RawCollectionManager", "RawViewIndexManager"]):
    """A bucket on the loop; ``on_connect()`` returns an AsyncResult."""


class AsyncCluster(_RawWrap,
                   AsyncClusterBase[AsyncBucket, "AsyncResult[AsyncCluster]", AsyncResult[PingResult],
                                    AsyncResult[DiagnosticsResult], RawRows, RawRows, RawRows,
                                    "RawBucketManager", "RawUserManager", "RawQueryIndexManager",
                                    "RawSearchIndexManager", "RawAnalyticsIndexManager",
                                    "RawEventingFunctionManager", AsyncResult[ClusterInfoResult]]):
    """A cluster in raw callback mode. ``iops_factory`` returns one IOPS per connection."""

    _bucket_class = AsyncBucket
    _scope_class = AsyncScope
    _collection_class = AsyncCollection
    _rows_class = RawRows


__all__ = ["RawRows", "AsyncCluster", "AsyncBucket", "AsyncScope", "AsyncCollection", "AsyncResult",
           "MultiCollector", "IOPS", "SelectorIOPS", "SelectorLoop"]
