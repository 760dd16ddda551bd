"""The cluster → bucket → scope → collection shell every event-loop front end shares.

A front end (raw callbacks, asyncio, Twisted, gevent) subclasses the four
classes here and supplies only:

* ``_wrap(pending)``: turn a :class:`~couchbase._pending.Pending` (a key-value
  operation, a multi operation, an HTTP request, …) into its idiom (the
  pending object itself, a future, a Deferred, a blocking wait);
* ``_wrap_rows(rows)``: the same for a row stream (:class:`~couchbase._async_rows.AsyncRows`);
* the IOPS factory (one :class:`~couchbase.iops.IOPS` per connection) and the
  classes to build at each level (``_bucket_class``, ``_scope_class``,
  ``_collection_class``).

Everything else lives here once: connecting on the loop (bootstrap reported by
libcouchbase's callback), queueing operations issued before the connection is
ready and running them after it (or failing them with the connection's error),
pipelined multi operations, observe-based durability polled with the loop's
timers, and the owner-thread check (an async connection belongs to the thread
that created it; cffi releases the GIL, so another thread must not touch it).
"""
from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, Iterator, List, Optional, TypeVar, Union, cast

from couchbase import _connstr, _durability, _health, _kv, _requests
from couchbase._async_rows import AsyncRows
from couchbase._common import DEFAULT, BucketCommon, ClusterCommon, check_name
from couchbase._generic import (
    AnalyticsIndexManagerT,
    AnalyticsT,
    BucketManagerT,
    BucketT,
    ClusterInfoT,
    CollectionManagerT,
    CollectionQueryIndexManagerT,
    CollectionT,
    ConnectT,
    CouchbaseListT,
    CouchbaseMapT,
    CouchbaseQueueT,
    CouchbaseSetT,
    CounterT,
    DiagnosticsT,
    DsFlagT,
    DsItemT,
    DsMaybeMutationT,
    DsMutationT,
    DsSizeT,
    EventingFunctionManagerT,
    ExistsT,
    GetT,
    LookupInReplicasT,
    LookupInReplicaT,
    LookupInT,
    MultiCounterT,
    MultiExistsT,
    MultiGetT,
    MultiMutationT,
    MultiReplicaT,
    MutateInT,
    MutationT,
    PingT,
    QueryIndexManagerT,
    QueryT,
    ReplicasT,
    ReplicaT,
    ScopeEventingFunctionManagerT,
    ScopeSearchIndexManagerT,
    ScopeT,
    SearchIndexManagerT,
    SearchT,
    Specialized,
    StatsT,
    UserManagerT,
    ViewIndexManagerT,
    ViewT,
)
from couchbase._instance import (
    CLOSED_MESSAGE,
    CLUSTER_CLOSED,
    LOCKMODE_NONE,
    Connection,
    bootstrap_exception,
)
from couchbase._kv import KVOperations
from couchbase._kv_response import AsyncResult, MultiCollector, placeholder
from couchbase._pending import Pending
from couchbase._requests import ServiceRequest
from couchbase.cluster import resolve_settings
from couchbase.exceptions import (
    InvalidArgumentException,
    ObjectClosedException,
    ObjectThreadException,
)
from couchbase.iops import IOPS
from couchbase.management._access import (
    BucketManagement,
    ClusterManagement,
    CollectionManagement,
    ScopeManagement,
)
from couchbase.management._http import Program, run_async

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase._kwargs import (
        AnalyticsArg,
        DiagnosticsArg,
        DiagnosticsKwargs,
        PingArg,
        PingKwargs,
        QueryArg,
        SearchQueryArg,
        ViewArg,
    )
    from couchbase.options import SearchOptions

P = TypeVar("P", bound=Pending)


def bootstrap_error(conn: Connection, rc: int) -> BaseException:
    """The typed exception for a failed bootstrap of ``conn``."""
    if conn.closed and rc == 202:
        return ObjectClosedException(message="the connection was closed before it connected")
    return bootstrap_exception(conn.connstr, rc, "connecting to")


class _Owned:
    """Shared by every level: the connection, the owner thread and the front end's hooks."""

    _conn: Connection
    _owner: int

    if TYPE_CHECKING:  # a class attribute of the cluster, a property of the bucket
        @property
        def _rows_class(self) -> Callable[[Connection, ServiceRequest], AsyncRows]: ...
    # How the owner thread is identified. gevent's monkey patching makes
    # threading.get_ident() a per-greenlet id, so gcouchbase's Cluster supplies the real
    # thread's; buckets and collections take their cluster's (see _own).
    _thread_ident: Callable[[], int] = staticmethod(threading.get_ident)

    def _own(self, parent: "_Owned") -> None:
        """Belong to the same thread as ``parent`` (a bucket to its cluster, a collection to its bucket)."""
        self._owner = parent._owner
        self._thread_ident = parent._thread_ident

    # Each front end's _wrap/_wrap_rows takes what it is given here (a Pending, its row class).
    def _wrap(self, pending: Any) -> Any:  # pragma: no cover - front ends implement
        raise NotImplementedError

    def _check_thread(self) -> None:
        if self._thread_ident() != self._owner:
            raise ObjectThreadException(
                message="this connection belongs to the thread (event loop) that created it; "
                        "use it from that thread only")

    def _when_connected(self, conn: Connection, run: Callable[[], None],
                        fail: Callable[[BaseException], None]) -> None:
        """``run()`` now if ``conn`` is connected, else once it is; a failed connection
        (or ``run`` raising later) goes to ``fail``. Raises at once on a closed connection."""
        if conn.connected and not conn.closed:
            # a row stream paused reading; this request needs its response (an event-loop connection: iops)
            if conn.iops.paused:  # type: ignore[union-attr]
                conn.iops.resume_reading()  # type: ignore[union-attr]
            run()
            return
        if conn.closed:
            raise ObjectClosedException(message=CLOSED_MESSAGE)

        def later(rc: int) -> None:
            try:
                if rc:
                    raise bootstrap_error(conn, rc)
                run()
            except BaseException as exc:  # noqa: BLE001 - delivered through fail()
                fail(exc)

        conn.connect_async(later)

    def _start(self, schedule: Callable[[], P]) -> Union[P, AsyncResult[Any]]:
        """Schedule now if connected, else once the connection is ready (a placeholder
        stands in for the operation until then)."""
        self._check_thread()
        conn = self._conn
        if conn.connected and not conn.closed:  # the hot path, inline
            if conn.iops.paused:  # type: ignore[union-attr]  # an event-loop connection
                conn.iops.resume_reading()  # type: ignore[union-attr]
            if conn.pending and not conn.corked:  # more than one in flight: send this turn's together
                conn.cork()
            return schedule()
        op = placeholder()

        def run() -> None:
            real = schedule()
            op.key = getattr(real, "key", None)
            real.on_done = op._adopt
            if real.done:  # e.g. an observe round with no server to ask
                op._adopt(real)

        self._when_connected(conn, run, op._fail)
        return op

    def _connected(self, value: Any, conn: Optional[Connection] = None) -> AsyncResult[Any]:
        """Completes with ``value`` once ``conn`` is connected (or fails with its error)."""
        self._check_thread()
        conn = conn or self._conn
        op = placeholder()
        conn.connect_async(lambda rc: op._resolve(value) if rc == 0 else op._fail(bootstrap_error(conn, rc)))
        return op

    def _run(self, schedule: Callable[[], Pending]) -> Any:
        """Schedule (once connected) and deliver in the front end's idiom."""
        return self._wrap(self._start(schedule))

    def _wrap_rows(self, rows: Any) -> Any:  # pragma: no cover - front ends implement
        raise NotImplementedError

    def _stream(self, conn: Connection, request: ServiceRequest,
                wrap: Optional[Callable[[Any], Any]] = None) -> Any:
        """Start a streaming request now if connected, else once connected; wrap it for the front end.

        ``wrap`` replaces ``_wrap_rows`` for this request (txcouchbase's ``query_ex``
        hands the rows to a user handler instead of a batched result)."""
        self._check_thread()
        rows = self._rows_class(conn, request)

        def run() -> None:
            if not rows.done:  # not cancelled while waiting for the connection
                rows._schedule()

        self._when_connected(conn, run, rows._fail)
        return (wrap or self._wrap_rows)(rows)


class _HealthChecks(_Owned, Generic[PingT, DiagnosticsT]):
    """ping() and diagnostics() of a bucket or cluster: about its own connection's nodes."""

    def ping(self, *options: PingArg, **kwargs: Unpack[PingKwargs]) -> PingT:
        """Ping the services of the nodes this cluster (or bucket) is connected to.

        Args:
            *options: A :class:`~couchbase.options.PingOptions` block, or a timeout.
            **kwargs: ``report_id``, ``service_types``, ``timeout``.

        Returns:
            The front end's pending result of a PingResult.

        Raises:
            InvalidArgumentException: A bad option.
        """
        result: PingT = self._run(_health.ping_schedule(self._conn, options, kwargs))
        return result

    def diagnostics(self, *options: DiagnosticsArg, **kwargs: Unpack[DiagnosticsKwargs]) -> DiagnosticsT:
        """The state of each open connection of this cluster (or bucket), without sending anything.

        Args:
            *options: A :class:`~couchbase.options.DiagnosticsOptions` block.
            **kwargs: ``report_id``.

        Returns:
            The front end's pending result of a DiagnosticsResult.

        Raises:
            InvalidArgumentException: A bad option.
        """
        result: DiagnosticsT = self._run(_health.diagnostics_schedule(self._conn, options, kwargs))
        return result


class AsyncCollectionBase(_Owned,
                          KVOperations[GetT, ReplicaT, ReplicasT, ExistsT, MutationT, CounterT, LookupInT,
                                       MutateInT, MultiGetT, MultiReplicaT, MultiExistsT, MultiMutationT,
                                       MultiCounterT, LookupInReplicaT, LookupInReplicasT, DsMutationT,
                                       DsMaybeMutationT, DsItemT, DsSizeT, DsFlagT, CouchbaseListT,
                                       CouchbaseMapT, CouchbaseSetT, CouchbaseQueueT],
                          CollectionManagement[CollectionQueryIndexManagerT]):
    """Every key-value operation, completed on the loop (see :doc:`/frontends` for what each returns).

    Args:
        scope: The scope the collection belongs to.
        name: The collection name (default ``_default``).

    Raises:
        InvalidArgumentException: ``name`` not a non-empty str.
    """

    def __init__(self, scope: AsyncScopeBase[Any, Any, Any, Any, Any, Any], name: str = DEFAULT) -> None:
        self._bind(scope, name)
        self._own(scope.bucket)
        self._batch: Optional[List[AsyncResult[Any]]] = None

    def _submit(self, schedule: Callable[..., AsyncResult[Any]], *args: Any) -> Any:
        # _start's hot path, inline: this runs once per operation
        if self._thread_ident() != self._owner:
            self._check_thread()
        conn = self._conn
        if conn.connected and not conn.closed:
            iops = conn.iops
            if iops.paused:  # type: ignore[union-attr]  # an event-loop connection
                iops.resume_reading()  # type: ignore[union-attr]
            if conn.pending and not conn.corked:  # more than one in flight: send this turn's together
                conn.cork()
            op = schedule(*args)
        else:
            op = self._start(lambda: schedule(*args))
        batch = self._batch
        if batch is not None:
            batch.append(op)
        return self._wrap(op)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Send every operation started in the block together, as one pipelined batch, when it ends.

        Operations return their usual pending results; they complete after the block. If the block
        raises, nothing is sent and they fail with RequestCanceledException.

        Yields:
            None: Operations started in the block join the batch.

        Raises:
            InvalidArgumentException: Nested blocks, or a collection not connected yet (wait for
                ``on_connect()`` first).
            ObjectThreadException: Called from a thread other than the loop's.
        """
        self._check_thread()
        conn = self._conn
        if self._batch is not None:
            raise InvalidArgumentException(message="batch() blocks cannot be nested")
        if not conn.connected or conn.closed:
            raise InvalidArgumentException(
                message="batch() needs a connected collection: wait for on_connect() first")
        with self._scheduling_block():
            yield

    def _submit_multi(self, schedules: List[Callable[[], AsyncResult[Any]]],
                      multi: MultiCollector[Any]) -> Any:
        self._check_thread()
        conn = self._conn

        self._when_connected(conn, lambda: self._schedule_multi(schedules, multi), multi._fail)
        return self._wrap(multi)

    def _submit_durable(self, schedule: Callable[[], AsyncResult[Any]], persist_to: int,
                        replicate_to: int) -> Any:
        if self._batch is not None:
            raise InvalidArgumentException(message="persist_to/replicate_to cannot be used inside batch()")
        conn = self._conn
        outer = placeholder()
        inner = self._start(schedule)

        def mutated(op: Pending) -> None:
            outer.key = getattr(op, "key", None)
            if op.error is not None:
                outer._fail(op.error)
                return
            result = op.result
            _durability.poll_async(
                conn, result.mutation_token(), persist_to, replicate_to,
                conn.iops.call_later,  # type: ignore[union-attr]  # an event-loop connection
                lambda exc: outer._fail(exc) if exc is not None else outer._resolve(result))

        if inner.done:
            mutated(inner)
        else:
            inner.on_done = mutated
        return self._wrap(outer)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(bucket={self._bucket_name!r}, scope={self._scope.name!r}, "
                f"name={self.name!r})")


class AsyncScopeBase(Specialized, ScopeManagement[ScopeSearchIndexManagerT, ScopeEventingFunctionManagerT],
                     Generic[CollectionT, QueryT, AnalyticsT, SearchT, ScopeSearchIndexManagerT,
                             ScopeEventingFunctionManagerT]):
    """A namespace of collections inside a bucket.

    Args:
        bucket: The bucket the scope belongs to.
        name: The scope name (default ``_default``).

    Raises:
        InvalidArgumentException: ``name`` not a non-empty str.
    """

    def __init__(self, bucket: AsyncBucketBase[Any, Any, Any, Any, Any, Any, Any, Any, Any],
                 name: str = DEFAULT) -> None:
        self.bucket = bucket
        self.name = check_name("scope", name)

    @property
    def bucket_name(self) -> str:
        """The name of the scope's bucket."""
        name: str = self.bucket.name
        return name

    def collection(self, name: str) -> CollectionT:
        """The named collection of this scope (no round trip: a missing one fails its operations).

        Args:
            name: The collection name.

        Returns:
            The front end's Collection.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
        """
        coll: CollectionT = self.bucket._cluster._collection_class(self, name)
        return coll

    def default_collection(self) -> CollectionT:
        """The scope's ``_default`` collection.

        Returns:
            The front end's Collection.

        Never raises.
        """
        coll: CollectionT = self.bucket._cluster._collection_class(self, DEFAULT)
        return coll

    def query(self, statement: str, *options: QueryArg, **kwargs: Any) -> QueryT:
        """Run a N1QL statement in this bucket and scope; rows stream as they arrive.

        See :meth:`couchbase.cluster.Cluster.query` for the statement and options.

        Args:
            statement: The statement; unqualified keyspaces are collections of this scope.
            *options: :class:`~couchbase.options.QueryOptions` blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            The front end's query result: rows to iterate (``async for`` on asyncio), or a Deferred
            firing with a BatchedQueryResult on Twisted.

        Raises:
            InvalidArgumentException: A bad statement or option.
            QueryException: Delivered through the rows: the service refused the statement.
            TimeoutException: Delivered through the rows: no complete answer in time.
        """
        request = _requests.query(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        rows: QueryT = self.bucket._stream(self.bucket._conn, request)
        return rows

    def analytics_query(self, statement: str, *options: AnalyticsArg, **kwargs: Any) -> AnalyticsT:
        """Run an analytics statement in this bucket and scope; rows stream as they arrive.

        Args:
            statement: The statement.
            *options: :class:`~couchbase.options.AnalyticsOptions` blocks, or positional parameters.
            **kwargs: AnalyticsOptions fields, or named parameters.

        Returns:
            The front end's analytics result (rows to iterate, or a Deferred on Twisted).

        Raises:
            InvalidArgumentException: A bad statement or option.
            AnalyticsException: Delivered through the rows: the service refused the statement.
            TimeoutException: Delivered through the rows: no complete answer in time.
        """
        request = _requests.analytics(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        rows: AnalyticsT = self.bucket._stream(self.bucket._conn, request)
        return rows

    def search_query(self, index: str, query: SearchQueryArg, *options: SearchOptions,
                     **kwargs: Any) -> SearchT:
        """Full-text search on this scope's index ``index``; hits stream as they arrive (see the blocking
        :meth:`couchbase.scope.Scope.search_query`).

        Args:
            index: The scope-level search index's name.
            query: A :class:`~couchbase.search.SearchQuery` (or SearchRequest).
            *options: :class:`~couchbase.options.SearchOptions` blocks.
            **kwargs: SearchOptions fields by name; ``collections=[...]`` narrows the hits to those
                collections.

        Returns:
            The front end's search result (hits to iterate, or a Deferred on Twisted).

        Raises:
            InvalidArgumentException: Not a SearchRequest or SearchQuery, or a bad option.
            FeatureUnavailableException: A vector search on a cluster before Server 7.6 (no vectorSearch
                capability): raised, or delivered with the hits.
            SearchException: Raised (or delivered) while reading the hits: the service refused the query.
        """
        request = _requests.search(_requests.scoped_index(self.bucket.name, self.name, index), query, options,
                                   kwargs)
        rows: SearchT = self.bucket._stream(self.bucket._conn, request)
        return rows

    def search(self, index: str, request: SearchQueryArg, *options: SearchOptions, **kwargs: Any) -> SearchT:
        """SDK 4.x: ``search(index, SearchRequest.create(query), ...)``; see :meth:`search_query`.

        Args:
            index: The search index's name.
            request: A :class:`~couchbase.search.SearchRequest` (or a SearchQuery).
            *options: :class:`~couchbase.options.SearchOptions` blocks.
            **kwargs: SearchOptions fields by name.

        Returns:
            The front end's search result.

        Raises:
            InvalidArgumentException: Not a SearchRequest or SearchQuery, or a bad option.
            FeatureUnavailableException: A vector search on a cluster before Server 7.6 (no vectorSearch
                capability): raised, or delivered with the hits.
            SearchException: Raised (or delivered) while reading the hits: the service refused the query.
        """
        return self.search_query(index, request, *options, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(bucket={self.bucket.name!r}, name={self.name!r})"


class AsyncBucketBase(Specialized, _HealthChecks[PingT, DiagnosticsT], BucketCommon,
                      BucketManagement[CollectionManagerT],
                      Generic[ScopeT, CollectionT, ConnectT, PingT, DiagnosticsT, StatsT, ViewT,
                              CollectionManagerT, ViewIndexManagerT]):
    """A bucket: its own libcouchbase connection on the cluster's loop. Open it with ``cluster.bucket(name)``.

    Args:
        cluster: The cluster the bucket belongs to.
        name: The bucket name.
        conn: The bucket's libcouchbase connection (connecting).
    """

    def __init__(self, cluster: AsyncClusterBase[Any, Any, Any, Any, Any, Any, Any, Any, Any, Any, Any, Any,
                                                 Any, Any],
                 name: str, conn: Connection) -> None:
        self._cluster = cluster
        self.name = name
        self._conn = conn
        self._own(cluster)
        self._transcoder = cluster._transcoder
        self._quiet_default = cluster._quiet_default

    def scope(self, name: str) -> ScopeT:
        """A scope of this bucket (no round trip).

        Args:
            name: The scope name.

        Returns:
            The front end's Scope.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
        """
        scope: ScopeT = self._cluster._scope_class(self, name)
        return scope

    def default_scope(self) -> ScopeT:
        """The bucket's ``_default`` scope.

        Returns:
            The front end's Scope.

        Never raises.
        """
        scope: ScopeT = self._cluster._scope_class(self, DEFAULT)
        return scope

    def collection(self, name: str) -> CollectionT:
        """A collection of the bucket's default scope.

        Args:
            name: The collection name.

        Returns:
            The front end's Collection.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
        """
        coll: CollectionT = self.default_scope().collection(name)
        return coll

    def default_collection(self) -> CollectionT:
        """The bucket's ``_default._default`` collection.

        Returns:
            The front end's Collection.

        Never raises.
        """
        coll: CollectionT = self.default_scope().default_collection()
        return coll

    def on_connect(self) -> ConnectT:
        """Completes with the bucket once its connection is ready.

        Returns:
            The front end's pending result (an awaitable, a Deferred, an AsyncResult) of this bucket.

        Raises:
            BucketNotFoundException: Delivered through the result: no such bucket, or no access.
            AuthenticationException: Delivered through the result: wrong credentials.
            TimeoutException: Delivered through the result: the nodes did not answer in time.
        """
        done: ConnectT = self._wrap(self._connected(self))
        return done

    @property
    def connected(self) -> bool:
        """True once the bucket's connection is ready."""
        return self._conn.connected

    def stats(self, group: str = "") -> StatsT:
        """Memcached STATS from every node of the bucket.

        Args:
            group: The stats group (``""``: the general stats).

        Returns:
            The front end's pending result of ``{server: {stat: value}}``.

        Raises:
            InvalidArgumentException: ``group`` not a str.
            TimeoutException: Delivered through the result: a node did not answer in time.
        """
        result: StatsT = self._run(lambda: _kv.schedule_stats(self._conn, group))
        return result

    def view_indexes(self) -> ViewIndexManagerT:
        """Design-document management for this bucket; its calls return this front end's pending results.

        Returns:
            ViewIndexManager: get, upsert, drop and publish design documents.

        Never raises.
        """
        from couchbase.management._views_async import AsyncViewIndexManager, request_program

        def run_program(program: Program) -> Any:
            return self._wrap(run_async(self, self._conn, program))

        return cast("ViewIndexManagerT", AsyncViewIndexManager(
            self._conn, self.name, lambda schedule, then: run_program(request_program(schedule, then)),
            run_program))

    def view_query(self, design_doc: str, view: str, *options: ViewArg, **kwargs: Any) -> ViewT:
        """Query a view; rows (ViewRow) stream as they arrive.

        Args:
            design_doc: The design document name.
            view: The view name.
            *options: :class:`~couchbase.options.ViewOptions` blocks (as for the blocking
                :meth:`couchbase.bucket.Bucket.view_query`).
            **kwargs: ViewOptions fields by name.

        Returns:
            The front end's view result (rows to iterate, or a Deferred on Twisted).

        Raises:
            InvalidArgumentException: A bad option.
            DesignDocumentNotFoundException: Delivered through the rows: no such design document or view.
        """
        rows: ViewT = self._stream(self._conn, _requests.view(design_doc, view, options, kwargs,
                                                              self._transcoder))
        return rows

    @property
    def _rows_class(self) -> Callable[[Connection, ServiceRequest], AsyncRows]:
        rows_class: Callable[[Connection, ServiceRequest], AsyncRows] = self._cluster._rows_class
        return rows_class

    def _wrap_rows(self, rows: Any) -> Any:
        return self._cluster._wrap_rows(rows)

    def _wrap(self, pending: Any) -> Any:
        return self._cluster._wrap(pending)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class AsyncClusterBase(Specialized, _HealthChecks[PingT, DiagnosticsT], ClusterCommon,
                       ClusterManagement[BucketManagerT, UserManagerT, QueryIndexManagerT,
                                         SearchIndexManagerT, AnalyticsIndexManagerT,
                                         EventingFunctionManagerT, ClusterInfoT],
                       Generic[BucketT, ConnectT, PingT, DiagnosticsT, QueryT, AnalyticsT, SearchT,
                               BucketManagerT, UserManagerT, QueryIndexManagerT, SearchIndexManagerT,
                               AnalyticsIndexManagerT, EventingFunctionManagerT, ClusterInfoT]):
    """A cluster on an event loop. Connecting starts at once; :meth:`on_connect` tells when it is done.

    Args:
        connstr: The connection string (see :class:`couchbase.cluster.Cluster`).
        options: ``ClusterOptions``.
        iops_factory: Returns a new :class:`~couchbase.iops.IOPS` for each connection.
        **kwargs: Any ClusterOptions field.

    Raises:
        InvalidArgumentException: A malformed connection string or option, or an ``iops_factory``
            that is not callable or returns no IOPS.
        FeatureUnavailableException: An option this SDK does not support.
    """

    _bucket_class: type = AsyncBucketBase
    _scope_class: type = AsyncScopeBase
    _collection_class: type = AsyncCollectionBase
    _rows_class: type = AsyncRows

    def __init__(self, connstr: str, options: Any = None, *, iops_factory: Callable[[], IOPS],
                 **kwargs: Any) -> None:
        cfg = resolve_settings(connstr, options, kwargs)
        if not callable(iops_factory):
            raise InvalidArgumentException(message=f"iops_factory must be callable, got {iops_factory!r}")
        self._connstr = cfg["connstr"]  # without credentials
        self._settings: Dict[str, str] = cfg["settings"]
        self._username: str = cfg["username"]
        self.__password: str = cfg["password"]
        self._transcoder = cfg["transcoder"]
        self._quiet_default: bool = cfg["quiet"]
        self._iops_factory = iops_factory
        self._preferred_server_group: Optional[str] = cfg["preferred_server_group"]
        self._tracer: Any = cfg["tracer"]
        self._meter: Any = cfg["meter"]
        self._owner = self._thread_ident()
        self._buckets: Dict[str, Any] = {}
        self._closed = False
        self._conn = self._open("")

    def _open(self, bucket: str) -> Connection:
        full = _connstr.build(self._connstr, bucket, self._settings)
        iops = self._iops_factory()
        if not isinstance(iops, IOPS):
            raise InvalidArgumentException(
                message=f"iops_factory must return a couchbase.iops.IOPS, got {iops!r}")
        conn = Connection(full, self._username, self.__password, cluster_level=not bucket, iops=iops,
                          lockmode=LOCKMODE_NONE, bucket_name=bucket or None, tracer=self._tracer,
                          meter=self._meter)
        try:
            conn.connect_async(_ignore)
        except BaseException:
            conn.close()
            raise
        return conn

    def on_connect(self) -> ConnectT:
        """Completes with the cluster once it is connected.

        Returns:
            The front end's pending result (an awaitable, a Deferred, an AsyncResult) of this cluster.

        Raises:
            AuthenticationException: Delivered through the result: wrong credentials.
            TimeoutException: Delivered through the result: no node answered in time.
            NetworkException: Delivered through the result: no node could be reached.
        """
        done: ConnectT = self._wrap(self._connected(self))
        return done

    @property
    def connected(self) -> bool:
        """True once the cluster-level connection is ready."""
        return self._conn.connected

    def bucket(self, name: str) -> BucketT:
        """Open (once) and return a bucket; operations on it wait for its connection.

        Args:
            name: The bucket name.

        Returns:
            The front end's Bucket (use its ``on_connect()`` to wait for it).

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
            ObjectClosedException: The cluster is closed.
            ObjectThreadException: Called from a thread other than the loop's.
        """
        check_name("bucket", name)
        self._check_thread()
        if self._closed:
            raise ObjectClosedException(message=CLUSTER_CLOSED)
        bucket = self._buckets.get(name)
        if bucket is None or bucket.closed:
            bucket = self._bucket_class(self, name, self._open(name))
            self._buckets[name] = bucket
        out: BucketT = bucket
        return out

    def _mgmt(self, program: Program) -> Any:
        """Run a management program (couchbase.management._http) on the cluster connection, in this
        front end's idiom (AsyncResult, future, Deferred, parked greenlet)."""
        return self._wrap(run_async(self, self._conn, program))

    def query(self, statement: str, *options: QueryArg, **kwargs: Any) -> QueryT:
        """Run a N1QL statement; rows stream as they arrive (options as the blocking
        :meth:`couchbase.cluster.Cluster.query`).

        Args:
            statement: The statement.
            *options: :class:`~couchbase.options.QueryOptions` blocks, or positional parameters.
            **kwargs: QueryOptions fields, or named parameters.

        Returns:
            The front end's query result: rows to iterate (``async for`` on asyncio), or a Deferred
            firing with a BatchedQueryResult on Twisted.

        Raises:
            InvalidArgumentException: A bad statement or option.
            QueryException: Delivered through the rows: the service refused the statement.
            TimeoutException: Delivered through the rows: no complete answer in time.
        """
        rows: QueryT = self._stream(self._conn, _requests.query(statement, options, kwargs))
        return rows

    def analytics_query(self, statement: str, *options: AnalyticsArg, **kwargs: Any) -> AnalyticsT:
        """Run an analytics statement; rows stream as they arrive.

        Args:
            statement: The statement.
            *options: :class:`~couchbase.options.AnalyticsOptions` blocks, or positional parameters.
            **kwargs: AnalyticsOptions fields, or named parameters.

        Returns:
            The front end's analytics result (rows to iterate, or a Deferred on Twisted).

        Raises:
            InvalidArgumentException: A bad statement or option.
            AnalyticsException: Delivered through the rows: the service refused the statement.
            TimeoutException: Delivered through the rows: no complete answer in time.
        """
        rows: AnalyticsT = self._stream(self._conn, _requests.analytics(statement, options, kwargs))
        return rows

    def search_query(self, index: str, query: SearchQueryArg, *options: SearchOptions,
                     **kwargs: Any) -> SearchT:
        """Run a full-text search; hits (SearchRow) stream as they arrive.

        Args:
            index: The search index name.
            query: A :class:`~couchbase.search.SearchQuery`.
            *options: :class:`~couchbase.options.SearchOptions` blocks.
            **kwargs: SearchOptions fields by name.

        Returns:
            The front end's search result (hits to iterate, or a Deferred on Twisted).

        Raises:
            InvalidArgumentException: ``query`` not a SearchQuery, or a bad option.
            SearchException: Delivered through the rows: the service refused the query.
            TimeoutException: Delivered through the rows: no complete answer in time.
        """
        rows: SearchT = self._stream(self._conn, _requests.search(index, query, options, kwargs))
        return rows

    def search(self, index: str, request: SearchQueryArg, *options: SearchOptions, **kwargs: Any) -> SearchT:
        """SDK 4.x: ``search(index, SearchRequest.create(query), ...)``; see :meth:`search_query`.

        Args:
            index: The search index's name.
            request: A :class:`~couchbase.search.SearchRequest` (or a SearchQuery).
            *options: :class:`~couchbase.options.SearchOptions` blocks.
            **kwargs: SearchOptions fields by name.

        Returns:
            The front end's search result.

        Raises:
            InvalidArgumentException: Not a SearchRequest or SearchQuery, or a bad option.
            FeatureUnavailableException: A vector search on a cluster before Server 7.6 (no vectorSearch
                capability): raised, or delivered with the hits.
            SearchException: Raised (or delivered) while reading the hits: the service refused the query.
        """
        return self.search_query(index, request, *options, **kwargs)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(connstr={self._connstr!r}, username={self._username!r}, "
                f"buckets={list(self._buckets)})")


def _ignore(rc: int) -> None:
    pass


__all__ = ["AsyncClusterBase", "AsyncBucketBase", "AsyncScopeBase", "AsyncCollectionBase", "bootstrap_error"]
