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
from typing import Any, Dict, Iterator, List, Optional, Type

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
from couchbase.search import facets_of as search_facets


def get_event_loop(evloop: Optional[asyncio.AbstractEventLoop] = None) -> asyncio.AbstractEventLoop:
    """The event loop acouchbase uses (SDK 4.x): ``evloop`` if given, else the running loop, else
    this thread's current loop, else a new loop set as this thread's current one."""
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

    Rows are yielded as they arrive; ``metadata()`` once they have all been
    read; ``await result.execute()`` collects them in a list; ``cancel()``
    stops the request. Reading pauses (back-pressure) while many rows wait unread.
    """

    def __init__(self, conn: Connection, request: ServiceRequest) -> None:
        super().__init__(conn, request)
        self._loop: asyncio.AbstractEventLoop = conn.iops.loop
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
        """The rows, for ``async for row in result.rows()`` (as SDK 4.x; the rows are iterated once)."""
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
        """Every row, as a list (runs the request to completion)."""
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
        """``{name: SearchFacetResult}``, once every hit has been received."""
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


class AIOClientMixin:
    """What the asyncio cluster and bucket share (3.x reference name): ``on_connect()`` (an
    awaitable completing with the object once its connection is ready) and ``connected``."""

    def on_connect(self) -> "asyncio.Future[Any]":
        """An awaitable completing with this object once connected (or failing with the reason)."""
        return super().on_connect()  # type: ignore[misc,no-any-return]

    @property
    def connected(self) -> bool:
        """Whether the connection is ready (stays True after close)."""
        return bool(super().connected)  # type: ignore[misc]


class Collection(_FutureWrap, AsyncCollectionBase):
    """Key-value operations returning awaitables (see the blocking Collection for each one)."""

    def __init__(self, scope: "Scope", name: str) -> None:
        super().__init__(scope, name)
        self._loop = scope.bucket._cluster._loop

    def _ds_driver(self) -> Any:
        from couchbase._datastructures import run_asyncio

        loop = self._loop
        return lambda program: asyncio.ensure_future(run_asyncio(program), loop=loop)


class Scope(AsyncScopeBase):
    """A scope of a bucket; ``collection(name)`` gives a :class:`Collection`."""


class Bucket(AIOClientMixin, AsyncBucketBase):
    """A bucket; ``await bucket.on_connect()`` waits for its connection."""

    async def wait_until_ready(self, timeout: Any, *options: Any, **kwargs: Any) -> None:
        """Wait until the bucket's services answer a ping (see Cluster.wait_until_ready)."""
        await _wait_until_ready(self, timeout, options, kwargs)

    @property
    def _loop(self) -> asyncio.AbstractEventLoop:
        return self._cluster._loop

    def view_query(self, design_doc: str, view: str, *options: Any, itercls: Optional[Type[Any]] = None,
                   **kwargs: Any) -> Any:
        """Query a view: rows (ViewRow) for ``async for`` (or a plain ``for`` outside the loop).

        :param itercls: the class of the returned result: ``AViewResult`` (the default) or a
            subclass of it.
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


class Cluster(AIOClientMixin, _FutureWrap, AsyncClusterBase):
    """A Couchbase cluster on asyncio.

    :param connstr: ``couchbase://host[,host…][?settings]`` (see the blocking Cluster).
    :param options: ``ClusterOptions(PasswordAuthenticator(user, password))``.
    :param loop: the event loop; default: the running loop.
    :param kwargs: any ClusterOptions field (``kv_timeout=…``).

    Connecting starts at once; ``await cluster.on_connect()`` (or use
    :meth:`connect`) to wait for it. Operations issued earlier wait for it.
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
        """Create a cluster and wait until it is connected; on failure it is closed and the typed error
        raised."""
        cluster = cls(connstr, options, **kwargs)
        try:
            await cluster.on_connect()
        except BaseException:
            cluster.close()
            raise
        return cluster

    def close(self) -> "asyncio.Future[None]":
        """Close every connection now (operations in flight fail with ObjectClosedException).

        Returns a completed future, so both ``cluster.close()`` and ``await cluster.close()`` work.
        """
        super().close()
        fut = self._loop.create_future()
        fut.set_result(None)
        return fut

    async def wait_until_ready(self, timeout: Any, *options: Any, **kwargs: Any) -> None:
        """Wait until the services answer a ping (``WaitUntilReadyOptions(desired_state=...,
        service_types=[...])``); raises UnAmbiguousTimeoutException after ``timeout``."""
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
