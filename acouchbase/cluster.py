"""asyncio Cluster, Bucket, Scope and Collection.

::

    cluster = await Cluster.connect("couchbase://127.0.0.1", ClusterOptions(PasswordAuthenticator(u, p)))
    coll = cluster.bucket("default").default_collection()
    await coll.upsert("k", {"a": 1})
    print((await coll.get("k")).value)
    await cluster.close()   # or: async with cluster: ...

Each operation returns an ``asyncio.Future``. Cancelling the task that awaits
it is safe: the operation completes (or times out) inside libcouchbase and
its late result is dropped. Errors are the same typed exceptions as the
blocking API raises. A cluster belongs to the loop (and thread) that created it.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Type, TypeVar

from acouchbase._loop import AsyncioIOPS
from couchbase import _health
from couchbase._async import AsyncBucketBase, AsyncClusterBase, AsyncCollectionBase, AsyncScopeBase
from couchbase._async_rows import AsyncRows
from couchbase._instance import Connection
from couchbase._pending import Pending
from couchbase._requests import ServiceRequest
from couchbase.exceptions import AlreadyQueriedException, CouchbaseException, InvalidArgumentException
from couchbase.options import ClusterOptions
from couchbase.result import AnalyticsResult, QueryResult, SearchResult, ViewResult
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
from couchbase.search import facets_of as search_facets

if TYPE_CHECKING:
    from typing_extensions import Unpack

    # named in the class statements' quoted type arguments
    from couchbase._bound import (  # noqa: F401
        FutureAnalyticsIndexManager,
        FutureBucketManager,
        FutureCollectionManager,
        FutureCollectionQueryIndexManager,
        FutureCouchbaseList,
        FutureCouchbaseMap,
        FutureCouchbaseQueue,
        FutureCouchbaseSet,
        FutureEventingFunctionManager,
        FutureQueryIndexManager,
        FutureScopeEventingFunctionManager,
        FutureScopeSearchIndexManager,
        FutureSearchIndexManager,
        FutureUserManager,
        FutureViewIndexManager,
    )
    from couchbase._kwargs import Seconds, ViewArg, WaitUntilReadyKwargs
    from couchbase.options import WaitUntilReadyOptions

def get_event_loop(evloop: Optional[asyncio.AbstractEventLoop] = None) -> asyncio.AbstractEventLoop:
    """The event loop acouchbase uses (SDK 4.x).

    Args:
        evloop: A loop to use as it is.

    Returns:
        asyncio.AbstractEventLoop: ``evloop`` if given, else the running loop, else this thread's
        current loop, else a new loop set as this thread's current one.

    Never raises.
    """
    if evloop is not None:
        return evloop
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            loop = asyncio.get_event_loop_policy().get_event_loop()
        if not loop.is_closed():
            return loop
    except RuntimeError:
        pass
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    return loop


async def _wait_until_ready(target: Any, timeout: Any, options: Any, kwargs: Any) -> None:
    secs, state, types = _health.ready_options(timeout, options, kwargs)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + secs
    while True:
        left = deadline - loop.time()
        if left <= 0:
            raise _health.timeout_error(secs)
        try:
            if _health.ready(await target.ping(timeout=min(left, 2.5)), state, types):
                return
        except CouchbaseException:
            pass
        await asyncio.sleep(min(0.05, max(deadline - loop.time(), 0)))


def _settle(pending: Pending) -> None:
    """The completion hook: settle the future waiting on ``pending``."""
    fut = pending.waiter
    pending.waiter = None
    if fut is None or fut.done():  # cancelled by the caller: the late result is dropped
        return
    if pending.error is not None:
        if fut.get_loop().is_closed():  # closing after the loop: nobody can await it any more
            return
        fut.set_exception(pending.error)
    else:
        fut.set_result(pending.result)


class AsyncRowsResult(AsyncRows):
    """Rows of a query, analytics, search or view request: ``async for row in result``.

    Rows are yielded as they arrive; ``metadata()`` once they have all been read;
    ``await result.execute()`` collects them in a list; ``cancel()`` stops the request. Reading
    pauses (back-pressure) while many rows wait unread.

    Args:
        conn: The connection the request runs on.
        request: The request (statement, options, how rows and metadata are decoded).
    """

    def __init__(self, conn: Connection, request: ServiceRequest) -> None:
        super().__init__(conn, request)
        self._loop: asyncio.AbstractEventLoop = conn.iops.loop  # type: ignore[union-attr]  # an AsyncioIOPS
        self._waiter: Optional["asyncio.Future[None]"] = None
        self._wake = self._wakeup
        self._iterating = False

    def _wakeup(self) -> None:
        fut = self._waiter
        if fut is not None:
            self._waiter = None
            if not fut.done() and not self._loop.is_closed():
                fut.set_result(None)

    def __aiter__(self) -> "AsyncRowsResult":
        if self._iterating:
            raise AlreadyQueriedException(message="the rows of a result can be iterated once")
        self._iterating = True
        return self

    def rows(self) -> "AsyncRowsResult":
        """The rows, for ``async for row in result.rows()`` (as SDK 4.x; the rows are iterated once).

        Returns:
            AsyncRowsResult: This result.

        Never raises (iterating twice raises AlreadyQueriedException).
        """
        return self

    async def __anext__(self) -> Any:
        while True:
            if self.buffer:
                return self.take()
            if self.done:
                if self.error is not None:
                    raise self.error
                raise StopAsyncIteration
            fut = self._loop.create_future()
            self._waiter = fut
            await fut

    async def execute(self) -> List[Any]:
        """Every row, as a list (runs the request to completion).

        Returns:
            list: The rows.

        Raises:
            AlreadyQueriedException: The rows were already iterated.
            QueryException: The service refused the request (its typed subclass).
            TimeoutException: No complete answer in time.
        """
        return [row async for row in self]

    def __iter__(self) -> Iterator[Any]:
        """Plain ``for`` (the 3.x ``acouchbase.iterator`` results): outside a running loop, runs
        the loop until every row is in, then yields them; inside the loop use ``async for``."""
        if self._loop.is_running():
            raise InvalidArgumentException(
                message="a plain `for` would block the running event loop: "
                        "use `async for` (or await execute())")
        return iter(self._loop.run_until_complete(self.execute()))


    def __new__(cls, conn: Connection, request: ServiceRequest) -> "AsyncRowsResult":
        # The generic class stands for all four: a request gets the one of its kind.
        if cls is AsyncRowsResult:
            cls = _BY_KIND.get(request.blocking_result, cls)
        return super().__new__(cls)


class AQueryResult(AsyncRowsResult):
    """Rows of ``cluster.query`` / ``scope.query``; ``isinstance(r, couchbase.result.QueryResult)``
    holds, as in SDK 4.x where both front ends return that class."""


class AAnalyticsResult(AsyncRowsResult):
    """Rows of ``analytics_query`` (an ``AnalyticsResult`` for ``isinstance``)."""


class ASearchResult(AsyncRowsResult):
    """Hits of ``search_query`` / ``search`` (a ``SearchResult`` for ``isinstance``)."""

    def facets(self) -> Dict[str, Any]:
        """The facet results, once every hit has been received.

        Returns:
            dict: ``{name: SearchFacetResult}``.

        Raises:
            InvalidArgumentException: Hits are still arriving.
            SearchException: The search failed.
        """
        self.metadata()  # raises until the request is done, or its error
        return search_facets(self._meta or {})


class AViewResult(AsyncRowsResult):
    """Rows of ``bucket.view_query`` (a ``ViewResult`` for ``isinstance``)."""


_BY_KIND = {QueryResult: AQueryResult, AnalyticsResult: AAnalyticsResult, SearchResult: ASearchResult,
            ViewResult: AViewResult}
for _blocking, _async_cls in _BY_KIND.items():
    _blocking.register(_async_cls)


class _FutureWrap:
    _loop: asyncio.AbstractEventLoop

    def _wrap(self, pending: Pending) -> "asyncio.Future[Any]":
        fut = self._loop.create_future()
        pending.waiter = fut
        if pending.done:
            _settle(pending)
        else:
            pending.on_done = _settle
        return fut

    def _wrap_rows(self, rows: AsyncRowsResult) -> AsyncRowsResult:
        return rows


_Client = TypeVar("_Client", bound="AIOClientMixin")


class AIOClientMixin:
    """What the asyncio cluster and bucket share (3.x reference name): ``on_connect()`` (an
    awaitable completing with the object once its connection is ready) and ``connected``."""

    def on_connect(self: _Client) -> asyncio.Future[_Client]:
        """Completes with the bucket or cluster once its connection is ready.

        Returns:
            asyncio.Future: Resolves to this object.

        Raises:
            AuthenticationException: Through the future: wrong credentials.
            BucketNotFoundException: Through the future (a bucket): no such bucket, or no access.
            TimeoutException: Through the future: no node answered in time.
        """
        return super().on_connect()  # type: ignore[misc,no-any-return]  # a mixin: the base is next in the MRO

    @property
    def connected(self) -> bool:
        """Whether the connection is ready (stays True after close)."""
        return bool(super().connected)  # type: ignore[misc]  # a mixin: the base is next in the MRO


class Collection(
        _FutureWrap,
        AsyncCollectionBase[
        asyncio.Future[GetResult], asyncio.Future[GetReplicaResult],
        asyncio.Future[List[GetReplicaResult]], asyncio.Future[ExistsResult],
        asyncio.Future[MutationResult], asyncio.Future[CounterResult], asyncio.Future[LookupInResult],
        asyncio.Future[MutateInResult], asyncio.Future[MultiGetResult],
        asyncio.Future[MultiGetReplicaResult], asyncio.Future[MultiExistsResult],
        asyncio.Future[MultiMutationResult], asyncio.Future[MultiCounterResult],
        asyncio.Future[LookupInReplicaResult], asyncio.Future[List[LookupInReplicaResult]],
        asyncio.Future[OperationResult], asyncio.Future[Optional[OperationResult]], asyncio.Future[Any],
        asyncio.Future[int], asyncio.Future[bool], "FutureCouchbaseList", "FutureCouchbaseMap",
        "FutureCouchbaseSet", "FutureCouchbaseQueue",
        "FutureCollectionQueryIndexManager"]):
    """Key-value operations returning awaitables (see the blocking Collection for each one).

    Args:
        scope: The scope the collection belongs to.
        name: The collection name.
    """

    def __init__(self, scope: "Scope", name: str) -> None:
        super().__init__(scope, name)
        self._loop = scope.bucket._cluster._loop

    def _ds_driver(self) -> Any:
        from couchbase._datastructures import run_asyncio

        loop = self._loop
        return lambda program: asyncio.ensure_future(run_asyncio(program), loop=loop)


class Scope(AsyncScopeBase[Collection, AQueryResult, AAnalyticsResult, ASearchResult,
                           "FutureScopeSearchIndexManager", "FutureScopeEventingFunctionManager"]):
    """A scope of a bucket; ``collection(name)`` gives a :class:`Collection`."""


class Bucket(AIOClientMixin,
             AsyncBucketBase[Scope, Collection, "asyncio.Future[Bucket]", asyncio.Future[PingResult],
                             asyncio.Future[DiagnosticsResult], asyncio.Future[Dict[str, Dict[str, str]]],
                             AsyncRowsResult,
                             "FutureCollectionManager", "FutureViewIndexManager"]):
    """A bucket; ``await bucket.on_connect()`` waits for its connection."""

    async def wait_until_ready(self, timeout: Seconds, *options: WaitUntilReadyOptions,
                               **kwargs: Unpack[WaitUntilReadyKwargs]) -> None:
        """Wait until the bucket's services answer a ping (see
        :meth:`couchbase.cluster.Cluster.wait_until_ready`).

        Args:
            timeout: How long to wait at most (timedelta or seconds).
            *options: A :class:`~couchbase.options.WaitUntilReadyOptions` block.
            **kwargs: ``desired_state``, ``service_types``.

        Raises:
            InvalidArgumentException: A bad timeout or option.
            UnAmbiguousTimeoutException: The desired state was not reached within ``timeout``.
        """
        await _wait_until_ready(self, timeout, options, kwargs)

    @property
    def _loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop = self._cluster._loop
        return loop

    def view_query(self, design_doc: str, view: str, *options: ViewArg, itercls: Optional[Type[Any]] = None,
                   **kwargs: Any) -> AsyncRowsResult:
        """Query a view: rows (ViewRow) for ``async for`` (or a plain ``for`` outside the loop).

        Args:
            design_doc: The design document name.
            view: The view name.
            *options: :class:`~couchbase.options.ViewOptions` blocks (as for the blocking
                :meth:`couchbase.bucket.Bucket.view_query`).
            itercls: The class of the returned result: ``AViewResult`` (the default) or a subclass.
            **kwargs: ViewOptions fields by name.

        Returns:
            AsyncRowsResult: The rows (an instance of ``itercls``).

        Raises:
            InvalidArgumentException: A bad option, or ``itercls`` not AViewResult or a subclass.
            DesignDocumentNotFoundException: Raised while iterating: no such design document or view.
        """
        if itercls is None:
            return super().view_query(design_doc, view, *options, **kwargs)
        if not (isinstance(itercls, type) and issubclass(itercls, AsyncRowsResult)):
            raise InvalidArgumentException(
                message=f"itercls must be acouchbase.iterator.AViewResult or a subclass, got {itercls!r}")
        from couchbase import _requests

        self._check_thread()
        rows = itercls(self._conn, _requests.view(design_doc, view, options, kwargs, self._transcoder))

        def run() -> None:
            if not rows.done:
                rows._schedule()

        self._when_connected(self._conn, run, rows._fail)
        return rows


class Cluster(AIOClientMixin, _FutureWrap,
              AsyncClusterBase[Bucket, "asyncio.Future[Cluster]", asyncio.Future[PingResult],
                               asyncio.Future[DiagnosticsResult], AQueryResult, AAnalyticsResult,
                               ASearchResult,
                               "FutureBucketManager", "FutureUserManager", "FutureQueryIndexManager",
                               "FutureSearchIndexManager", "FutureAnalyticsIndexManager",
                               "FutureEventingFunctionManager", asyncio.Future[ClusterInfoResult]]):
    """A Couchbase cluster on asyncio.

    Connecting starts at once; ``await cluster.on_connect()`` (or use :meth:`connect`) to wait for it.
    Operations issued earlier wait for it.

    Args:
        connstr: ``couchbase://host[,host…][?settings]`` (see :class:`couchbase.cluster.Cluster`).
        options: ``ClusterOptions(PasswordAuthenticator(user, password))``.
        loop: The event loop; default: :func:`get_event_loop`'s.
        **kwargs: Any ClusterOptions field (``kv_timeout=…``).

    Raises:
        InvalidArgumentException: A malformed connection string or option.
        FeatureUnavailableException: An option this SDK does not support.
    """

    _bucket_class = Bucket
    _scope_class = Scope
    _collection_class = Collection
    _rows_class = AsyncRowsResult

    def __init__(self, connstr: str, options: Optional[ClusterOptions] = None, *,
                 loop: Optional[asyncio.AbstractEventLoop] = None, **kwargs: Any) -> None:
        if loop is None:
            # SDK 4.x: outside a coroutine the cluster uses get_event_loop()'s loop
            loop = get_event_loop()
        self._loop = loop
        super().__init__(connstr, options, iops_factory=lambda: AsyncioIOPS(loop), **kwargs)

    @classmethod
    async def connect(cls, connstr: str, options: Optional[ClusterOptions] = None,
                      **kwargs: Any) -> "Cluster":
        """Create a cluster and wait until it is connected.

        Args:
            connstr: The connection string.
            options: ``ClusterOptions``.
            **kwargs: Any ClusterOptions field.

        Returns:
            Cluster: The connected cluster.

        Raises:
            InvalidArgumentException: A malformed connection string or option.
            AuthenticationException: Wrong credentials (the cluster is closed).
            TimeoutException: No node answered in time (the cluster is closed).
        """
        cluster = cls(connstr, options, **kwargs)
        try:
            await cluster.on_connect()
        except BaseException:
            cluster.close()
            raise
        return cluster

    def close(self) -> "asyncio.Future[None]":  # type: ignore[override]  # awaitable, as in SDK 4.x
        """Close every connection now (operations in flight fail with ObjectClosedException).

        Returns:
            asyncio.Future: A completed future, so both ``cluster.close()`` and
            ``await cluster.close()`` work.

        Raises:
            ObjectThreadException: Called from a thread other than the loop's.
        """
        super().close()
        fut = self._loop.create_future()
        fut.set_result(None)
        return fut

    async def wait_until_ready(self, timeout: Seconds, *options: WaitUntilReadyOptions,
                               **kwargs: Unpack[WaitUntilReadyKwargs]) -> None:
        """Wait until the services answer a ping, pinging again until ``timeout``.

        Args:
            timeout: How long to wait at most (timedelta or seconds).
            *options: A :class:`~couchbase.options.WaitUntilReadyOptions` block
                (``desired_state=ClusterState.Online``, ``service_types=[...]``).
            **kwargs: ``desired_state``, ``service_types``.

        Raises:
            InvalidArgumentException: A bad timeout or option.
            UnAmbiguousTimeoutException: The desired state was not reached within ``timeout``.
        """
        await _wait_until_ready(self, timeout, options, kwargs)

    async def __aenter__(self) -> "Cluster":
        await self.on_connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


AsyncCluster = Cluster  # SDK 4.x alias
AsyncBucket = Bucket
AsyncScope = Scope
AsyncCollection = Collection

__all__ = ["Cluster", "AsyncCluster", "get_event_loop", "Bucket", "Scope", "Collection", "AQueryResult",
           "AAnalyticsResult", "ASearchResult",
           "AViewResult"]
