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
from typing import Any, Iterator, List, Optional, Type

from acouchbase._loop import AsyncioIOPS
from couchbase._async import AsyncBucketBase, AsyncClusterBase, AsyncCollectionBase, AsyncScopeBase
from couchbase._async_rows import AsyncRows
from couchbase._instance import Connection
from couchbase._pending import Pending
from couchbase._requests import ServiceRequest
from couchbase.exceptions import InvalidArgumentException
from couchbase.options import ClusterOptions


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
            raise InvalidArgumentException(message="the rows of a result can be iterated once")
        self._iterating = True
        return self

    def rows(self) -> "AsyncRowsResult":
        """The rows, for ``async for`` (once)."""
        return self.__aiter__()

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


AQueryResult = AAnalyticsResult = ASearchResult = AViewResult = AsyncRowsResult


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


class Scope(AsyncScopeBase):
    """A scope of a bucket; ``collection(name)`` gives a :class:`Collection`."""


class Bucket(AIOClientMixin, AsyncBucketBase):
    """A bucket; ``await bucket.on_connect()`` waits for its connection."""

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
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                raise InvalidArgumentException(
                    message="acouchbase.Cluster needs an event loop: create it inside a coroutine "
                            "(or use `await Cluster.connect(...)`), or pass loop=...") from None
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

    def search(self, index: str, query: Any, *options: Any, **kwargs: Any) -> AsyncRowsResult:
        """Same as ``search_query`` (the spelling of the 3.x reference's example)."""
        return self.search_query(index, query, *options, **kwargs)  # type: ignore[no-any-return]

    def close(self) -> "asyncio.Future[None]":
        """Close every connection now (operations in flight fail with ObjectClosedException).

        Returns a completed future, so both ``cluster.close()`` and ``await cluster.close()`` work.
        """
        super().close()
        fut = self._loop.create_future()
        fut.set_result(None)
        return fut

    async def __aenter__(self) -> "Cluster":
        await self.on_connect()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["Cluster", "Bucket", "Scope", "Collection", "AQueryResult", "AAnalyticsResult", "ASearchResult",
           "AViewResult"]
