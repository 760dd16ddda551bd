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
from typing import Any, Callable, Dict, Iterator, List, Optional

from couchbase import _connstr, _durability, _health, _kv, _requests
from couchbase._async_rows import AsyncRows
from couchbase._common import DEFAULT, BucketCommon, ClusterCommon, check_name
from couchbase._instance import CLOSED_MESSAGE, CLUSTER_CLOSED, LOCKMODE_NONE, Connection, strerror
from couchbase._kv import KVOperations
from couchbase._kv_response import AsyncResult, MultiCollector, placeholder
from couchbase._pending import Pending
from couchbase._requests import ServiceRequest
from couchbase.cluster import resolve_settings
from couchbase.exceptions import (
    InvalidArgumentException,
    ObjectClosedException,
    ObjectThreadException,
    exception_for,
)
from couchbase.iops import IOPS
from couchbase.management._access import (
    BucketManagement,
    ClusterManagement,
    CollectionManagement,
    ScopeManagement,
)
from couchbase.management._http import Program, run_async


def bootstrap_error(conn: Connection, rc: int) -> BaseException:
    """The typed exception for a failed bootstrap of ``conn``."""
    if conn.closed and rc == 202:
        return ObjectClosedException(message="the connection was closed before it connected")
    return exception_for(rc, f"connecting to {conn.connstr!r} failed: {strerror(rc)}")


class _Owned:
    """Shared by every level: the connection, the owner thread and the front end's hooks."""

    _conn: Connection
    _owner: int
    # How the owner thread is identified. gevent's monkey patching makes
    # threading.get_ident() a per-greenlet id, so gcouchbase's Cluster supplies the real
    # thread's; buckets and collections take their cluster's (see _own).
    _thread_ident: Callable[[], int] = staticmethod(threading.get_ident)

    def _own(self, parent: "_Owned") -> None:
        """Belong to the same thread as ``parent`` (a bucket to its cluster, a collection to its bucket)."""
        self._owner = parent._owner
        self._thread_ident = parent._thread_ident  # type: ignore[method-assign]

    def _wrap(self, pending: Pending) -> Any:  # pragma: no cover - front ends implement
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
            if conn.iops.paused:  # a row stream paused reading; this request needs its response
                conn.iops.resume_reading()
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

    def _start(self, schedule: Callable[[], Pending]) -> Pending:
        """Schedule now if connected, else once the connection is ready (a placeholder
        stands in for the operation until then)."""
        self._check_thread()
        conn = self._conn
        if conn.connected and not conn.closed:  # the hot path, inline
            if conn.iops.paused:
                conn.iops.resume_reading()
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

    def _connected(self, value: Any, conn: Optional[Connection] = None) -> AsyncResult:
        """Completes with ``value`` once ``conn`` is connected (or fails with its error)."""
        self._check_thread()
        conn = conn or self._conn
        op = placeholder()
        conn.connect_async(lambda rc: op._resolve(value) if rc == 0 else op._fail(bootstrap_error(conn, rc)))
        return op

    def _run(self, schedule: Callable[[], Pending]) -> Any:
        """Schedule (once connected) and deliver in the front end's idiom."""
        return self._wrap(self._start(schedule))

    def _wrap_rows(self, rows: AsyncRows) -> Any:  # pragma: no cover - front ends implement
        raise NotImplementedError

    def _stream(self, conn: Connection, request: ServiceRequest,
                wrap: Optional[Callable[[AsyncRows], Any]] = None) -> Any:
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


class AsyncCollectionBase(_Owned, KVOperations, CollectionManagement):
    """Every key-value operation, completed on the loop."""

    def __init__(self, scope: "AsyncScopeBase", name: str = DEFAULT) -> None:
        self._bind(scope, name)
        self._own(scope.bucket)
        self._batch: Optional[List[AsyncResult]] = None

    def _submit(self, schedule: Callable[[], AsyncResult]) -> Any:
        op = self._start(schedule)
        if self._batch is not None:
            self._batch.append(op)
        return self._wrap(op)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Send every operation started in the block together, as one pipelined batch, when it ends.

        Operations return their usual pending results; they complete after the
        block. If the block raises, nothing is sent and they fail with
        RequestCanceledException. Needs a connected collection.
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

    def _submit_multi(self, schedules: List[Callable[[], AsyncResult]], multi: MultiCollector) -> Any:
        self._check_thread()
        conn = self._conn

        self._when_connected(conn, lambda: self._schedule_multi(schedules, multi), multi._fail)
        return self._wrap(multi)

    def _submit_durable(self, schedule: Callable[[], AsyncResult], persist_to: int, replicate_to: int) -> Any:
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
                conn, result.mutation_token(), persist_to, replicate_to, conn.iops.call_later,
                lambda exc: outer._fail(exc) if exc is not None else outer._resolve(result))

        if inner.done:
            mutated(inner)
        else:
            inner.on_done = mutated
        return self._wrap(outer)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(bucket={self._bucket_name!r}, scope={self._scope.name!r}, "
                f"name={self.name!r})")


class AsyncScopeBase(ScopeManagement):
    """A namespace of collections inside a bucket."""

    def __init__(self, bucket: "AsyncBucketBase", name: str = DEFAULT) -> None:
        self.bucket = bucket
        self.name = check_name("scope", name)

    @property
    def bucket_name(self) -> str:
        return self.bucket.name

    def collection(self, name: str) -> Any:
        """The named collection of this scope."""
        return self.bucket._cluster._collection_class(self, name)

    def default_collection(self) -> Any:
        return self.bucket._cluster._collection_class(self, DEFAULT)

    def query(self, statement: str, *options: Any, **kwargs: Any) -> Any:
        """N1QL scoped to this bucket and scope; rows stream as they arrive (see Cluster.query)."""
        request = _requests.query(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        return self.bucket._stream(self.bucket._conn, request)

    def analytics_query(self, statement: str, *options: Any, **kwargs: Any) -> Any:
        """Analytics scoped to this bucket and scope."""
        request = _requests.analytics(statement, options, kwargs, bucket=self.bucket.name, scope=self.name)
        return self.bucket._stream(self.bucket._conn, request)

    def search_query(self, index: str, query: Any, *options: Any, **kwargs: Any) -> Any:
        """Full-text search on this scope's index ``index``; hits stream as they arrive (see the
        blocking Scope)."""
        request = _requests.search(_requests.scoped_index(self.bucket.name, self.name, index), query, options,
                                   kwargs)
        return self.bucket._stream(self.bucket._conn, request)

    def search(self, index: str, request: Any, *options: Any, **kwargs: Any) -> Any:
        """SDK 4.x: ``search(index, SearchRequest.create(query), ...)``; see search_query."""
        return self.search_query(index, request, *options, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(bucket={self.bucket.name!r}, name={self.name!r})"


class AsyncBucketBase(_Owned, BucketCommon, BucketManagement):
    """A bucket: its own libcouchbase connection on the cluster's loop."""

    def __init__(self, cluster: "AsyncClusterBase", name: str, conn: Connection) -> None:
        self._cluster = cluster
        self.name = name
        self._conn = conn
        self._own(cluster)
        self._transcoder = cluster._transcoder
        self._quiet_default = cluster._quiet_default

    def scope(self, name: str) -> Any:
        """The named scope of this bucket."""
        return self._cluster._scope_class(self, name)

    def default_scope(self) -> Any:
        return self._cluster._scope_class(self, DEFAULT)

    def collection(self, name: str) -> Any:
        """A collection of the default scope."""
        return self.default_scope().collection(name)

    def default_collection(self) -> Any:
        """The bucket's ``_default._default`` collection."""
        return self.default_scope().default_collection()

    def on_connect(self) -> Any:
        """Completes with the bucket once its connection is ready (or fails with the reason)."""
        return self._wrap(self._connected(self))

    @property
    def connected(self) -> bool:
        return self._conn.connected

    def ping(self, *options: Any, **kwargs: Any) -> Any:
        """Ping every service of the bucket's nodes (``PingOptions``; ``ping(timeout)`` still works)."""
        return self._run(_health.ping_schedule(self._conn, options, kwargs))

    def diagnostics(self, *options: Any, **kwargs: Any) -> Any:
        """State of each open connection (``DiagnosticsOptions``)."""
        return self._run(_health.diagnostics_schedule(self._conn, options, kwargs))

    def stats(self, group: str = "") -> Any:
        """Memcached STATS from every node: ``{server: {stat: value}}``."""
        return self._run(lambda: _kv.schedule_stats(self._conn, group))

    def view_indexes(self) -> Any:
        """Design-document management (ViewIndexManager) for this bucket; calls return this front
        end's pending results."""
        from couchbase.management._views_async import AsyncViewIndexManager, request_program

        def run_program(program: Program) -> Any:
            return self._wrap(run_async(self, self._conn, program))

        return AsyncViewIndexManager(self._conn, self.name,
                                     lambda schedule, then: run_program(request_program(schedule, then)),
                                     run_program)

    def view_query(self, design_doc: str, view: str, *options: Any, **kwargs: Any) -> Any:
        """Query a view; rows (ViewRow) stream as they arrive (options as the blocking Bucket.view_query)."""
        return self._stream(self._conn, _requests.view(design_doc, view, options, kwargs, self._transcoder))

    @property
    def _rows_class(self) -> type:
        return self._cluster._rows_class

    def _wrap_rows(self, rows: AsyncRows) -> Any:
        return self._cluster._wrap_rows(rows)

    def _wrap(self, pending: Pending) -> Any:
        return self._cluster._wrap(pending)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class AsyncClusterBase(_Owned, ClusterCommon, ClusterManagement):
    """A cluster on an event loop. Connecting starts at once; :meth:`on_connect` tells when it is done.

    :param connstr: connection string (see the blocking ``Cluster``).
    :param options: ``ClusterOptions``.
    :param iops_factory: returns a new :class:`~couchbase.iops.IOPS` for each connection.
    :param kwargs: any ClusterOptions field.
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
                          lockmode=LOCKMODE_NONE, bucket_name=bucket or None)
        try:
            conn.connect_async(_ignore)
        except BaseException:
            conn.close()
            raise
        return conn

    def on_connect(self) -> Any:
        """Completes with the cluster once it is connected (or fails with a typed exception)."""
        return self._wrap(self._connected(self))

    @property
    def connected(self) -> bool:
        return self._conn.connected

    def bucket(self, name: str) -> Any:
        """Open (once) and return a bucket; operations on it wait for its connection."""
        check_name("bucket", name)
        self._check_thread()
        if self._closed:
            raise ObjectClosedException(message=CLUSTER_CLOSED)
        bucket = self._buckets.get(name)
        if bucket is None or bucket.closed:
            bucket = self._bucket_class(self, name, self._open(name))
            self._buckets[name] = bucket
        return bucket

    def _mgmt(self, program: Program) -> Any:
        """Run a management program (couchbase.management._http) on the cluster connection, in this
        front end's idiom (AsyncResult, future, Deferred, parked greenlet)."""
        return self._wrap(run_async(self, self._conn, program))

    def query(self, statement: str, *options: Any, **kwargs: Any) -> Any:
        """Run a N1QL statement; rows stream as they arrive (options as the blocking Cluster.query)."""
        return self._stream(self._conn, _requests.query(statement, options, kwargs))

    def analytics_query(self, statement: str, *options: Any, **kwargs: Any) -> Any:
        """Run an analytics statement; rows stream as they arrive."""
        return self._stream(self._conn, _requests.analytics(statement, options, kwargs))

    def search_query(self, index: str, query: Any, *options: Any, **kwargs: Any) -> Any:
        """Run a full-text search; hits (SearchRow) stream as they arrive."""
        return self._stream(self._conn, _requests.search(index, query, options, kwargs))

    def search(self, index: str, request: Any, *options: Any, **kwargs: Any) -> Any:
        """SDK 4.x: ``search(index, SearchRequest.create(query), ...)``; see search_query."""
        return self.search_query(index, request, *options, **kwargs)

    def ping(self, *options: Any, **kwargs: Any) -> Any:
        """Ping the cluster's services (``PingOptions``; ``ping(timeout)`` still works)."""
        return self._run(_health.ping_schedule(self._conn, options, kwargs))

    def diagnostics(self, *options: Any, **kwargs: Any) -> Any:
        """State of each open connection (``DiagnosticsOptions``)."""
        return self._run(_health.diagnostics_schedule(self._conn, options, kwargs))

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(connstr={self._connstr!r}, username={self._username!r}, "
                f"buckets={list(self._buckets)})")


def _ignore(rc: int) -> None:
    pass


__all__ = ["AsyncClusterBase", "AsyncBucketBase", "AsyncScopeBase", "AsyncCollectionBase", "bootstrap_error"]
