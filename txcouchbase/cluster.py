"""Twisted Cluster, Bucket, Scope and Collection.

Two flavours on the same reactor adapter (:class:`~txcouchbase._loop.TwistedIOPS`):

* :class:`TxCluster` / :class:`TxBucket` / :class:`TxCollection`: every
  operation returns a :class:`~twisted.internet.defer.Deferred` that fires with
  the result (``GetResult``, ``MutationResult``, …; a ``MultiResult`` for the
  multi operations) or errbacks with a :class:`~twisted.python.failure.Failure`
  wrapping the same typed exception the blocking API raises::

      @inlineCallbacks
      def main():
          cluster = TxCluster("couchbase://127.0.0.1", ClusterOptions(PasswordAuthenticator(u, p)))
          yield cluster.on_connect()
          coll = cluster.bucket("default").default_collection()
          yield coll.upsert("k", {"a": 1})
          print((yield coll.get("k")).value)
          yield cluster.close()

* :class:`TxRawCluster` / :class:`TxRawBucket` / :class:`TxRawCollection`:
  operations return the raw :class:`~couchbase._kv_response.AsyncResult` (set its
  ``callback``/``errback``, see :mod:`couchbase.asynchronous`);
  :meth:`TxRawCluster.defer` turns one into a Deferred.

Query services (``query``, ``analytics_query``, ``search_query``,
``view_query``) fire with ``BatchedQueryResult`` and friends; ``query_ex`` and
``view_query_ex`` stream rows into a handler class (see :mod:`txcouchbase.rows`).
The raw flavour returns the raw rows object (``on_rows``/``callback``/
``errback``, see :class:`couchbase.asynchronous.RawRows`).

Connecting starts when the cluster is created; operations issued before it
completes are queued and run afterwards, or errback with the connection's
error. Both flavours offer ``registerDeferred('connect', d)`` /
``registerDeferred('_dtor', d)``, ``on_connect()`` (a Deferred on both flavours),
``defer(opres)`` and ``connected``. Closing fails operations in flight with
``ObjectClosedException``; a cancelled Deferred drops its late result. The
cluster belongs to the reactor thread that created it. Importing this module
does not install a reactor: the installed one is looked up when a cluster is
created (or pass ``reactor=``).
"""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Type, TypeVar, Union

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from couchbase import _requests
from couchbase._async import AsyncBucketBase, AsyncClusterBase, AsyncCollectionBase, AsyncScopeBase
from couchbase._instance import Connection
from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase._pending import Pending
from couchbase.asynchronous import AsyncBucket, AsyncCluster, AsyncCollection, AsyncScope
from couchbase.exceptions import InvalidArgumentException
from couchbase.iops import IOPS
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
from txcouchbase._deferred import attach, fire_result, settle
from txcouchbase._loop import TwistedIOPS, _log
from txcouchbase.rows import (  # noqa: F401 - the Batched*Result classes are importable from here (3.x)
    BatchedAnalyticsResult,
    BatchedQueryResult,
    BatchedSearchResult,
    BatchedViewResult,
    TxRows,
    batched,
    check_handler_class,
    into_handler,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    # named in the class statements' quoted type arguments
    from couchbase._bound import (  # noqa: F401
        DeferredAnalyticsIndexManager,
        DeferredBucketManager,
        DeferredCollectionManager,
        DeferredCollectionQueryIndexManager,
        DeferredCouchbaseList,
        DeferredCouchbaseMap,
        DeferredCouchbaseQueue,
        DeferredCouchbaseSet,
        DeferredEventingFunctionManager,
        DeferredQueryIndexManager,
        DeferredScopeEventingFunctionManager,
        DeferredScopeSearchIndexManager,
        DeferredSearchIndexManager,
        DeferredUserManager,
        DeferredViewIndexManager,
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

H = TypeVar("H")


def _fire(d: Deferred[Any], pending: Pending) -> None:
    """Fire ``d`` from a completed operation (once; a cancelled Deferred drops it)."""
    if d.called:
        return
    if pending.error is not None:
        d.errback(Failure(pending.error))
    else:
        fire_result(d, pending.result)


_attach = attach


def _report(exc: BaseException) -> None:
    _log.failure("exception in a query_ex/view_query_ex handler", failure=Failure(exc))


class _DeferredWrap:
    """``_wrap``/``_wrap_rows`` for the Deferred flavour."""

    def _wrap_rows(self, rows: TxRows) -> Deferred[Any]:
        return batched(rows)

    def _wrap(self, pending: Pending) -> Deferred[Any]:
        # attach() inline: one call less per operation
        d: Deferred[Any] = Deferred()
        pending.waiter = d
        if pending.done:
            settle(pending)
        else:
            pending.on_done = settle
        return d


class _CamelCaseMulti:
    """The 2.x SDK's camelCase spellings of the multi operations."""

    get_multi: Callable[..., Any]
    upsert_multi: Callable[..., Any]
    insert_multi: Callable[..., Any]
    replace_multi: Callable[..., Any]
    remove_multi: Callable[..., Any]
    touch_multi: Callable[..., Any]
    lock_multi: Callable[..., Any]
    unlock_multi: Callable[..., Any]
    exists_multi: Callable[..., Any]
    counter_multi: Callable[..., Any]

    def getMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.get_multi`.

        Args:
            *args: As for ``get_multi``.
            **kwargs: As for ``get_multi``.

        Returns:
            What ``get_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``get_multi`` raises it (bad keys or options).
        """
        return self.get_multi(*args, **kwargs)

    def upsertMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.upsert_multi`.

        Args:
            *args: As for ``upsert_multi``.
            **kwargs: As for ``upsert_multi``.

        Returns:
            What ``upsert_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``upsert_multi`` raises it (bad keys or options).
        """
        return self.upsert_multi(*args, **kwargs)

    def insertMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.insert_multi`.

        Args:
            *args: As for ``insert_multi``.
            **kwargs: As for ``insert_multi``.

        Returns:
            What ``insert_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``insert_multi`` raises it (bad keys or options).
        """
        return self.insert_multi(*args, **kwargs)

    def replaceMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.replace_multi`.

        Args:
            *args: As for ``replace_multi``.
            **kwargs: As for ``replace_multi``.

        Returns:
            What ``replace_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``replace_multi`` raises it (bad keys or options).
        """
        return self.replace_multi(*args, **kwargs)

    def removeMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.remove_multi`.

        Args:
            *args: As for ``remove_multi``.
            **kwargs: As for ``remove_multi``.

        Returns:
            What ``remove_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``remove_multi`` raises it (bad keys or options).
        """
        return self.remove_multi(*args, **kwargs)

    def touchMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.touch_multi`.

        Args:
            *args: As for ``touch_multi``.
            **kwargs: As for ``touch_multi``.

        Returns:
            What ``touch_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``touch_multi`` raises it (bad keys or options).
        """
        return self.touch_multi(*args, **kwargs)

    def lockMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.lock_multi`.

        Args:
            *args: As for ``lock_multi``.
            **kwargs: As for ``lock_multi``.

        Returns:
            What ``lock_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``lock_multi`` raises it (bad keys or options).
        """
        return self.lock_multi(*args, **kwargs)

    def unlockMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.unlock_multi`.

        Args:
            *args: As for ``unlock_multi``.
            **kwargs: As for ``unlock_multi``.

        Returns:
            What ``unlock_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``unlock_multi`` raises it (bad keys or options).
        """
        return self.unlock_multi(*args, **kwargs)

    def existsMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.exists_multi`.

        Args:
            *args: As for ``exists_multi``.
            **kwargs: As for ``exists_multi``.

        Returns:
            What ``exists_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``exists_multi`` raises it (bad keys or options).
        """
        return self.exists_multi(*args, **kwargs)

    def counterMulti(self, *args: Any, **kwargs: Any) -> Any:
        """The 2.x spelling of :meth:`~couchbase.collection.Collection.counter_multi`.

        Args:
            *args: As for ``counter_multi``.
            **kwargs: As for ``counter_multi``.

        Returns:
            What ``counter_multi`` returns on this front end (a Deferred, or a raw AsyncResult on TxRaw).

        Raises:
            InvalidArgumentException: As ``counter_multi`` raises it (bad keys or options).
        """
        return self.counter_multi(*args, **kwargs)


def _on_reactor_thread(reactor: Any, fn: Callable[[], Any]) -> Any:
    """``fn()`` here, or on the reactor's thread (waiting for it) when the reactor runs in another."""
    from twisted.python import threadable

    elsewhere = threadable.ioThread is not None and not threadable.isInIOThread()
    if getattr(reactor, "running", False) and elsewhere:
        from twisted.internet import threads

        return threads.blockingCallFromThread(reactor, fn)
    return fn()


def _run_deferred(reactor: Any, program: Any) -> Deferred[Any]:
    """Drive a data-structure program (see couchbase._datastructures) with Deferreds."""
    from twisted.internet import defer, task

    from couchbase._datastructures import run_async

    def sleep(seconds: float) -> Deferred[None]:
        return task.deferLater(reactor, seconds, lambda: None)

    return defer.ensureDeferred(run_async(program, sleep))


def _wait_until_ready(target: Any, timeout: Any, options: Any, kwargs: Any) -> Deferred[Any]:
    from twisted.internet import defer, task

    from couchbase import _health
    from couchbase.exceptions import CouchbaseException

    secs, state, types = _health.ready_options(timeout, options, kwargs)
    reactor = target.reactor if hasattr(target, "reactor") else target._cluster.reactor
    deadline = reactor.seconds() + secs

    @defer.inlineCallbacks
    def loop() -> Any:
        while True:
            left = deadline - reactor.seconds()
            if left <= 0:
                raise _health.timeout_error(secs)
            try:
                ping = yield target.ping(timeout=min(left, 2.5))
                if _health.ready(ping, state, types):
                    return None
            except CouchbaseException:
                pass
            yield task.deferLater(reactor, min(0.05, max(deadline - reactor.seconds(), 0)), lambda: None)

    return loop()


# Clusters with '_dtor' Deferreds not yet fired (see registerDeferred).
_AWAITING_DTOR: "set[_TxClusterMixin]" = set()


class _TxClusterMixin:
    """What both cluster flavours add: the reactor, Deferred hooks, release tracking."""

    _closed: bool
    _conn: Connection
    _connected: Callable[..., AsyncResult[Any]]
    _check_thread: Callable[[], None]

    def _tx_init(self, reactor: Optional[Any]) -> Callable[[], IOPS]:
        if reactor is None:
            from twisted.internet import reactor as installed  # lazily: never install one on import

            reactor = installed
        self.reactor = reactor
        self._iops: List[IOPS] = []
        self._dtor_waiters: List[Deferred[Any]] = []

        # Weakly: an IOPS stays registered until libcouchbase lets go of it, which must not keep a
        # forgotten cluster alive (its connections are released once nothing references them).
        released = weakref.WeakMethod(self._iops_released)

        def on_release(iops: IOPS) -> None:
            hook = released()
            if hook is not None:
                hook(iops)

        def factory() -> IOPS:
            iops = TwistedIOPS(reactor)
            self._iops.append(iops)
            iops.add_release_callback(on_release)
            return iops

        return factory

    def _iops_released(self, iops: IOPS) -> None:
        self._check_dtor()

    def _check_dtor(self) -> None:
        if not self._closed or not self._dtor_waiters:
            return
        if all(iops.released for iops in self._iops):
            waiters, self._dtor_waiters = self._dtor_waiters, []
            _AWAITING_DTOR.discard(self)
            for d in waiters:
                if not d.called:
                    d.callback(None)

    def registerDeferred(self, event: str, d: Deferred[Any]) -> None:
        """Fire ``d`` on a cluster event.

        Args:
            event: ``'connect'``: callback with the cluster once connected, errback with the typed
                connection error; ``'_dtor'``: callback with None once the cluster is closed and
                libcouchbase has released all of its connections (no socket or timer is left on the
                reactor).
            d: A Deferred that has not fired yet.

        Raises:
            InvalidArgumentException: An unknown event, or ``d`` not a Deferred.
        """
        if not isinstance(d, Deferred):
            raise InvalidArgumentException(message=f"registerDeferred needs a Deferred, got {d!r}")
        if event == "connect":
            _attach(d, self._connected(self))
        elif event == "_dtor":
            self._dtor_waiters.append(d)
            # Kept alive until it fires: a program that closes a cluster it no longer references
            # (the end of a Deferred chain) still hears when libcouchbase has let go of it.
            _AWAITING_DTOR.add(self)
            self._check_dtor()
        else:
            raise InvalidArgumentException(
                message=f"registerDeferred: unknown event {event!r} (expected 'connect' or '_dtor')")

    def defer(self, opres: Union[AsyncResult[Any], MultiCollector[Any]]) -> Deferred[Any]:
        """A Deferred that fires with the outcome of a raw ``AsyncResult`` (or multi collector).

        Takes over the operation's ``callback``/``errback``.

        Args:
            opres: A pending raw operation of this SDK (a Deferred is returned as it is).

        Returns:
            Deferred: Fires with the result, or errbacks with the typed exception.

        Raises:
            InvalidArgumentException: ``opres`` is not a pending operation of this SDK.
        """
        if isinstance(opres, Deferred):  # already one (on_connect() of the raw flavour returns a Deferred)
            return opres
        if not isinstance(opres, (AsyncResult, MultiCollector)):
            raise InvalidArgumentException(message=f"defer() needs an AsyncResult, got {opres!r}")
        d: Deferred[Any] = Deferred()

        def fire(*_: Any) -> None:
            # the handlers held this closure, which holds opres: a cycle, ended here (a queued raw
            # delivery still finds handlers, which do nothing)
            opres.callback = opres.errback = _ignore
            _fire(d, opres)

        opres.callback = fire
        opres.errback = fire
        if opres.done:  # a queued raw delivery, if any, finds d fired and does nothing
            fire()
        return d

    def _closed_deferred(self) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.registerDeferred("_dtor", d)
        return d


def _ignore(*_: Any) -> None:
    """The raw handlers of an operation whose Deferred has fired."""


class TxRawClientMixin(_TxClusterMixin):
    """What every Twisted cluster has (3.x reference name): ``registerDeferred(event, d)``,
    ``on_connect()`` (a Deferred), ``defer(opres)`` and ``connected``. :class:`TxRawCluster`
    is one; its operations return raw AsyncResults."""


class TxDeferredClientMixin(TxRawClientMixin):
    """A :class:`TxRawClientMixin` whose operations return Deferreds (3.x reference name):
    :class:`TxCluster` is one."""


# ---- the Deferred flavour ------------------------------------------------------

class TxCollection(
        _CamelCaseMulti,
        _DeferredWrap,
        AsyncCollectionBase[
        Deferred[GetResult], Deferred[GetReplicaResult], Deferred[List[GetReplicaResult]],
        Deferred[ExistsResult], Deferred[MutationResult], Deferred[CounterResult],
        Deferred[LookupInResult], Deferred[MutateInResult], Deferred[MultiGetResult],
        Deferred[MultiGetReplicaResult], Deferred[MultiExistsResult], Deferred[MultiMutationResult],
        Deferred[MultiCounterResult], Deferred[LookupInReplicaResult],
        Deferred[List[LookupInReplicaResult]],
        Deferred[OperationResult], Deferred[Optional[OperationResult]], Deferred[Any], Deferred[int],
        Deferred[bool], "DeferredCouchbaseList", "DeferredCouchbaseMap", "DeferredCouchbaseSet",
        "DeferredCouchbaseQueue",
        "DeferredCollectionQueryIndexManager"]):
    """Key-value operations returning Deferreds (see the blocking Collection for each one)."""

    def _ds_driver(self) -> Any:
        return lambda program: _run_deferred(self._scope.bucket._cluster.reactor, program)


class TxScope(AsyncScopeBase[TxCollection, Deferred[BatchedQueryResult], Deferred[BatchedAnalyticsResult],
                             Deferred[BatchedSearchResult],
                             "DeferredScopeSearchIndexManager", "DeferredScopeEventingFunctionManager"]):
    """A scope; ``collection(name)`` gives a :class:`TxCollection`."""

    def query(self, statement: str, *options: QueryArg, **kwargs: Any) -> Deferred[BatchedQueryResult]:
        """Run a N1QL statement in this bucket and scope (see :meth:`TxCluster.query`).

        Args:
            statement: The statement.
            *options: QueryOptions blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            Deferred: Fires with a BatchedQueryResult.

        Raises:
            InvalidArgumentException: A bad statement or option.
            QueryException: Through the Deferred.
        """
        return super().query(statement, *options, **kwargs)

    def analytics_query(self, statement: str,
                        *options: AnalyticsArg, **kwargs: Any) -> Deferred[BatchedAnalyticsResult]:
        """Run an analytics statement in this bucket and scope.

        Args:
            statement: The statement.
            *options: AnalyticsOptions blocks, or positional parameters.
            **kwargs: AnalyticsOptions fields, or named parameters.

        Returns:
            Deferred: Fires with a BatchedAnalyticsResult.

        Raises:
            InvalidArgumentException: A bad statement or option.
            AnalyticsException: Through the Deferred.
        """
        return super().analytics_query(statement, *options, **kwargs)

    def query_ex(self, cls: Type[H], statement: str, *options: QueryArg, **kwargs: Any) -> H:
        """Run a N1QL statement in this bucket and scope, streaming its rows into ``cls(request)``.

        See :meth:`TxCluster.query_ex`.

        Args:
            cls: A :class:`~txcouchbase.rows.RowsHandler` subclass.
            statement: The statement.
            *options: :class:`~couchbase.options.QueryOptions` blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            The handler (an instance of ``cls``).

        Raises:
            InvalidArgumentException: ``cls`` is not a handler class, or a bad option.
        """
        check_handler_class(cls)
        request = _requests.query(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        return self.bucket._stream(self.bucket._conn, request, into_handler(cls, _report))  # type: ignore[no-any-return]


class TxBucket(AsyncBucketBase[TxScope, TxCollection, "Deferred[TxBucket]", Deferred[PingResult],
                               Deferred[DiagnosticsResult], Deferred[Dict[str, Dict[str, str]]],
                               Deferred[BatchedViewResult],
                               "DeferredCollectionManager", "DeferredViewIndexManager"]):
    """A bucket; ``on_connect()`` returns a Deferred firing with the bucket."""

    def view_query(self, design_doc: str, view: str,
                   *options: ViewArg, **kwargs: Any) -> Deferred[BatchedViewResult]:
        """Query a view (options as the blocking :meth:`couchbase.bucket.Bucket.view_query`).

        Args:
            design_doc: The design document name.
            view: The view name.
            *options: :class:`~couchbase.options.ViewOptions` blocks, or a raw query string.
            **kwargs: ViewOptions fields by name.

        Returns:
            Deferred: Fires with a BatchedViewResult (rows: ViewRow; ``total_rows``).

        Raises:
            InvalidArgumentException: A bad option.
            ViewException: Through the Deferred (DesignDocumentNotFoundException, ...).
        """
        return super().view_query(design_doc, view, *options, **kwargs)

    def queryAll(self, design_doc: str, view: str,
                 *options: ViewArg, **kwargs: Any) -> Deferred[BatchedViewResult]:
        """Same as :meth:`view_query` (the 3.x reference's example spelling).

        Args:
            design_doc: The design document name.
            view: The view name.
            *options: :class:`~couchbase.options.ViewOptions` blocks.
            **kwargs: ViewOptions fields by name.

        Returns:
            Deferred: Fires with a BatchedViewResult.

        Raises:
            InvalidArgumentException: A bad option.
        """
        return self.view_query(design_doc, view, *options, **kwargs)

    def view_query_ex(self, cls: Type[H], design_doc: str, view: str, *options: ViewArg, **kwargs: Any) -> H:
        """Query a view, streaming its rows into ``handler = cls(request)``.

        ``handler.on_rows(rows)`` per batch as they arrive, then ``on_done(ViewMetaData)`` or
        ``on_error(exc)`` (see :mod:`txcouchbase.rows`; subclass RowsHandler).

        Args:
            cls: A :class:`~txcouchbase.rows.RowsHandler` subclass.
            design_doc: The design document name.
            view: The view name.
            *options: :class:`~couchbase.options.ViewOptions` blocks.
            **kwargs: ViewOptions fields by name.

        Returns:
            The handler (an instance of ``cls``).

        Raises:
            InvalidArgumentException: ``cls`` is not a handler class, or a bad option.
        """
        check_handler_class(cls)
        request = _requests.view(design_doc, view, options, kwargs, self._transcoder)
        handler: H = self._stream(self._conn, request, into_handler(cls, _report))
        return handler


class TxCluster(TxDeferredClientMixin, _DeferredWrap,
                AsyncClusterBase[TxBucket, "Deferred[TxCluster]", Deferred[PingResult],
                                 Deferred[DiagnosticsResult],
                                 Deferred[BatchedQueryResult], Deferred[BatchedAnalyticsResult],
                                 Deferred[BatchedSearchResult],
                                 "DeferredBucketManager", "DeferredUserManager", "DeferredQueryIndexManager",
                                 "DeferredSearchIndexManager", "DeferredAnalyticsIndexManager",
                                 "DeferredEventingFunctionManager", Deferred[ClusterInfoResult]]):
    """A Couchbase cluster on the Twisted reactor; operations return Deferreds.

    Args:
        connstr: ``couchbase://host[,host…][?settings]`` (see :class:`couchbase.cluster.Cluster`).
        options: ``ClusterOptions(PasswordAuthenticator(user, password))``.
        reactor: The reactor (default: the installed one, looked up now).
        **kwargs: Any ClusterOptions field (``kv_timeout=…``).

    Raises:
        InvalidArgumentException: A malformed connection string or option.
        FeatureUnavailableException: An option this SDK does not support.
    """

    _bucket_class = TxBucket
    _scope_class = TxScope
    _collection_class = TxCollection
    _rows_class = TxRows

    def __init__(self, connstr: str, options: Optional[ClusterOptions] = None, *,
                 reactor: Optional[Any] = None, **kwargs: Any) -> None:
        factory = self._tx_init(reactor)
        init = super().__init__
        # SDK 4.x code may build the cluster on one thread while the reactor runs in another:
        # the cluster is then created on the reactor's thread (it belongs to that thread).
        _on_reactor_thread(self.reactor, lambda: init(connstr, options, iops_factory=factory, **kwargs))

    @classmethod
    def connect(cls, connstr: str, options: Optional[ClusterOptions] = None,
                **kwargs: Any) -> Deferred[TxCluster]:
        """Create a cluster and connect it.

        Args:
            connstr: The connection string.
            options: ``ClusterOptions``.
            **kwargs: Any ClusterOptions field.

        Returns:
            Deferred: Fires with the connected cluster; on failure the cluster is closed and the
            Deferred errbacks with the typed error.

        Raises:
            InvalidArgumentException: A malformed connection string or option.
        """
        cluster = cls(connstr, options, **kwargs)
        d = cluster.on_connect()

        def failed(failure: Failure) -> Failure:
            cluster.close()
            return failure

        d.addErrback(failed)
        return d

    def on_connect(self) -> Deferred[TxCluster]:
        """A Deferred firing with the cluster once connected.

        Returns:
            Deferred: Fires with this cluster.

        Raises:
            AuthenticationException: Through the Deferred: wrong credentials.
            TimeoutException: Through the Deferred: no node answered in time.
        """
        return super().on_connect()

    def bucket(self, name: str) -> TxBucket:
        """Open (once) and return a bucket; operations on it wait for its connection.

        Called from a thread other than the running reactor's, the bucket is opened on the reactor's
        thread (as in SDK 4.x).

        Args:
            name: The bucket name.

        Returns:
            TxBucket: The bucket (``on_connect()`` tells when it is ready).

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
            ObjectClosedException: The cluster is closed.
        """
        bucket: TxBucket = _on_reactor_thread(self.reactor, lambda: AsyncClusterBase.bucket(self, name))
        return bucket

    def cluster_info(self) -> Deferred[ClusterInfoResult]:
        """The cluster's nodes and server version.

        Returns:
            Deferred: Fires with a ClusterInfoResult.

        Raises:
            AuthenticationException: Through the Deferred: the user may not read the configuration.
        """
        info: Deferred[ClusterInfoResult] = super().cluster_info()
        return info

    def wait_until_ready(self, timeout: Seconds, *options: WaitUntilReadyOptions,
                         **kwargs: Unpack[WaitUntilReadyKwargs]) -> Deferred[None]:
        """Wait until the services answer a ping, pinging again until ``timeout``.

        Args:
            timeout: How long to wait at most (timedelta or seconds).
            *options: A :class:`~couchbase.options.WaitUntilReadyOptions` block.
            **kwargs: ``desired_state``, ``service_types``.

        Returns:
            Deferred: Fires with None once ready.

        Raises:
            InvalidArgumentException: A bad timeout or option.
            UnAmbiguousTimeoutException: Through the Deferred: not ready within ``timeout``.
        """
        return _wait_until_ready(self, timeout, options, kwargs)

    def query(self, statement: str, *options: QueryArg, **kwargs: Any) -> Deferred[BatchedQueryResult]:
        """Run a N1QL statement (options as the blocking :meth:`couchbase.cluster.Cluster.query`).

        Cancelling the Deferred cancels the query.

        Args:
            statement: The statement.
            *options: :class:`~couchbase.options.QueryOptions` blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            Deferred: Fires, once every row has arrived, with a BatchedQueryResult (iterable,
            ``rows()``, ``metadata()``).

        Raises:
            InvalidArgumentException: A bad statement or option.
            QueryException: Through the Deferred (ParsingFailedException, ...).
            TimeoutException: Through the Deferred.
        """
        return super().query(statement, *options, **kwargs)

    def analytics_query(self, statement: str,
                        *options: AnalyticsArg, **kwargs: Any) -> Deferred[BatchedAnalyticsResult]:
        """Run an analytics statement.

        Args:
            statement: The statement.
            *options: :class:`~couchbase.options.AnalyticsOptions` blocks, or positional parameters.
            **kwargs: AnalyticsOptions fields, or named parameters.

        Returns:
            Deferred: Fires with a BatchedAnalyticsResult.

        Raises:
            InvalidArgumentException: A bad statement or option.
            AnalyticsException: Through the Deferred.
        """
        return super().analytics_query(statement, *options, **kwargs)

    def search_query(self, index: str, query: SearchQueryArg,
                     *options: SearchOptions, **kwargs: Any) -> Deferred[BatchedSearchResult]:
        """Run a full-text search.

        Args:
            index: The search index name.
            query: A :class:`~couchbase.search.SearchQuery`.
            *options: :class:`~couchbase.options.SearchOptions` blocks.
            **kwargs: SearchOptions fields by name.

        Returns:
            Deferred: Fires with a BatchedSearchResult (hits, metadata, facets).

        Raises:
            InvalidArgumentException: ``query`` not a SearchQuery, or a bad option.
            SearchException: Through the Deferred.
        """
        return super().search_query(index, query, *options, **kwargs)

    def query_ex(self, cls: Type[H], statement: str, *options: QueryArg, **kwargs: Any) -> H:
        """Run a N1QL statement, streaming its rows into ``handler = cls(request)``.

        ``handler.on_rows(rows)`` is called with each batch as it arrives, then
        ``on_done(QueryMetaData)`` or ``on_error(exc)`` with the typed exception (see
        :mod:`txcouchbase.rows`; subclass :class:`~txcouchbase.rows.RowsHandler`).

        Args:
            cls: A RowsHandler subclass.
            statement: The statement.
            *options: :class:`~couchbase.options.QueryOptions` blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            The handler (an instance of ``cls``).

        Raises:
            InvalidArgumentException: ``cls`` is not a handler class, or a bad option.
        """
        check_handler_class(cls)
        return self._stream(self._conn, _requests.query(statement, options, kwargs),  # type: ignore[no-any-return]
                            into_handler(cls, _report))

    # 3.x reference spellings of the same calls
    def n1qlQueryAll(self, statement: str, *options: Any, **kwargs: Any) -> Deferred[BatchedQueryResult]:
        """Same as :meth:`query` (the 3.x reference's spelling).

        Args:
            statement: The statement.
            *options: QueryOptions blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            Deferred: Fires with every row (BatchedQueryResult).

        Raises:
            InvalidArgumentException: A bad statement or option.
        """
        return self.query(statement, *options, **kwargs)

    # the 3.x reference's spelling: search(index, query)
    def search(self, index: str, query: SearchQueryArg,  # type: ignore[override]
               *options: SearchOptions, **kwargs: Any) -> Deferred[BatchedSearchResult]:
        """Same as :meth:`search_query` (the 3.x reference's spelling).

        Args:
            index: The search index name.
            query: A SearchQuery.
            *options: SearchOptions blocks.
            **kwargs: SearchOptions fields.

        Returns:
            Deferred: Fires with every hit (BatchedSearchResult).

        Raises:
            InvalidArgumentException: A bad query or option.
        """
        return self.search_query(index, query, *options, **kwargs)

    def queryEx(self, cls: Type[H], statement: str, *options: QueryArg, **kwargs: Any) -> H:
        """Same as :meth:`query_ex` (the 3.x reference's spelling).

        Args:
            cls: A RowsHandler subclass.
            statement: The statement.
            *options: QueryOptions blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            The handler.

        Raises:
            InvalidArgumentException: ``cls`` is not a handler class, or a bad option.
        """
        return self.query_ex(cls, statement, *options, **kwargs)

    def close(self) -> Deferred[Any]:  # type: ignore[override]  # a Deferred firing once released
        """Close every connection now (operations in flight errback with ObjectClosedException).

        Returns:
            Deferred: Fires once libcouchbase has released every socket and timer.

        Raises:
            ObjectThreadException: Called from a thread other than the reactor's.
        """
        AsyncClusterBase.close(self)
        return self._closed_deferred()


# ---- the raw flavour -------------------------------------------------------------

class TxRawCollection(_CamelCaseMulti, AsyncCollection):
    """Key-value operations returning raw AsyncResults (set ``callback``/``errback``)."""


class TxRawScope(AsyncScope):
    """A scope; ``collection(name)`` gives a :class:`TxRawCollection`."""

    if TYPE_CHECKING:  # the cluster's _collection_class: what the raw base's binding cannot say
        def collection(self, name: str) -> TxRawCollection: ...

        def default_collection(self) -> TxRawCollection: ...


class TxRawBucket(AsyncBucket):
    """A bucket; ``on_connect()`` returns a Deferred firing with the bucket (as on TxRawCluster)."""

    if TYPE_CHECKING:  # the cluster's _scope_class and _collection_class
        def scope(self, name: str) -> TxRawScope: ...

        def default_scope(self) -> TxRawScope: ...

        def collection(self, name: str) -> TxRawCollection: ...

        def default_collection(self) -> TxRawCollection: ...

    def on_connect(self) -> Deferred[TxRawBucket]:  # type: ignore[override]  # a Deferred, see below
        """A Deferred firing with the bucket once its connection is ready.

        A Deferred, not a raw AsyncResult, as the 3.x reference's TxRawClientMixin documents: a raw
        result nobody sets handlers on would report the missing handlers when the connection completes.

        Returns:
            Deferred: Fires with this bucket.

        Raises:
            BucketNotFoundException: Through the Deferred: no such bucket, or no access.
        """
        d: Deferred[TxRawBucket] = Deferred()
        _attach(d, self._connected(self))
        return d


class TxRawCluster(TxRawClientMixin, AsyncCluster):
    """A cluster on the Twisted reactor in raw callback mode (operations return AsyncResult).

    Args:
        connstr: The connection string.
        options: ``ClusterOptions``.
        reactor: The reactor (default: the installed one).
        **kwargs: ClusterOptions fields.

    Raises:
        InvalidArgumentException: A malformed connection string or option.
    """

    _bucket_class = TxRawBucket
    _scope_class = TxRawScope
    _collection_class = TxRawCollection

    if TYPE_CHECKING:  # _bucket_class: the raw base binds AsyncBucket
        def bucket(self, name: str) -> TxRawBucket: ...

    def __init__(self, connstr: str, options: Optional[ClusterOptions] = None, *,
                 reactor: Optional[Any] = None, **kwargs: Any) -> None:
        factory = self._tx_init(reactor)
        init = super().__init__
        # SDK 4.x code may build the cluster on one thread while the reactor runs in another:
        # the cluster is then created on the reactor's thread (it belongs to that thread).
        _on_reactor_thread(self.reactor, lambda: init(connstr, options, iops_factory=factory, **kwargs))

    def _all_rows(self, rows: Any) -> Deferred[Any]:
        """A Deferred firing with the Batched*Result of a raw rows object (every row, then metadata)."""
        from txcouchbase.rows import _BATCHED, BatchedRowsResult

        collected: List[Any] = []
        d: Deferred[Any] = Deferred(lambda _d: rows.cancel())

        def done(metadata: Any) -> None:
            if not d.called:
                cls = _BATCHED.get(rows._request.blocking_result, BatchedRowsResult)
                d.callback(cls(collected, metadata))

        rows.on_rows = collected.extend
        rows.callback = done
        rows.errback = lambda _rows, _t, exc, _tb: None if d.called else d.errback(Failure(exc))
        return d

    def n1qlQueryAll(self, statement: str, *options: Any, **kwargs: Any) -> Deferred[Any]:
        """Run a N1QL statement and collect every row, as the 3.x reference shows on the raw client
        (``query`` itself returns the raw rows object).

        Args:
            statement: The statement.
            *options: QueryOptions blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            Deferred: Fires with a BatchedQueryResult.

        Raises:
            InvalidArgumentException: A bad statement or option.
            QueryException: Through the Deferred.
        """
        return self._all_rows(self.query(statement, *options, **kwargs))

    # the 3.x reference's raw client: search(index, query) fires with every hit, not the raw rows
    def search(self, index: str, query: SearchQueryArg,  # type: ignore[override]
               *options: SearchOptions, **kwargs: Any) -> Deferred[Any]:
        """Run a full-text search and collect every hit.

        Args:
            index: The search index name.
            query: A SearchQuery.
            *options: SearchOptions blocks.
            **kwargs: SearchOptions fields.

        Returns:
            Deferred: Fires with a BatchedSearchResult.

        Raises:
            InvalidArgumentException: A bad query or option.
            SearchException: Through the Deferred.
        """
        return self._all_rows(self.search_query(index, query, *options, **kwargs))

    def on_connect(self) -> Deferred[TxRawCluster]:  # type: ignore[override]  # a Deferred (3.x reference)
        """A Deferred firing with the cluster once connected.

        Short-hand for ``d = Deferred(); cluster.registerDeferred('connect', d); return d`` (3.x
        reference).

        Returns:
            Deferred: Fires with this cluster.

        Raises:
            AuthenticationException: Through the Deferred: wrong credentials.
        """
        d: Deferred[TxRawCluster] = Deferred()
        self.registerDeferred("connect", d)
        return d

    def close(self) -> Deferred[Any]:  # type: ignore[override]  # a Deferred firing once released
        """Close every connection now.

        Returns:
            Deferred: Fires once libcouchbase has released every socket and timer.

        Raises:
            ObjectThreadException: Called from a thread other than the reactor's.
        """
        AsyncClusterBase.close(self)
        return self._closed_deferred()


Cluster = TxCluster  # SDK 4.x names
Bucket = TxBucket
Scope = TxScope
Collection = TxCollection

__all__ = [
    "Cluster", "Bucket", "Scope", "Collection",
    "BatchedAnalyticsResult",
    "BatchedQueryResult",
    "BatchedSearchResult",
    "BatchedViewResult",
    "TxDeferredClientMixin",
    "TxRawClientMixin",
    "TxBucket",
    "TxCluster",
    "TxCollection",
    "TxRawBucket",
    "TxRawCluster",
    "TxRawCollection",
    "TxRawScope",
    "TxScope",
]
