"""The 1.x Twisted API: ``Connection`` (Deferreds) and ``TxAsyncConnection`` (raw results).

::

    from txcouchbase.connection import Connection as TxCouchbase

    client = TxCouchbase(bucket="default")
    client.set("foo", "bar").addCallback(on_set)           # Deferred firing with the result
    client.get("foo").addErrback(on_miss)                   # errback: Failure(NotFoundError)
    client.queryAll("beer", "brewery_beers", limit=5).addCallback(on_rows)
    client.queryEx(MyRowHandler, "beer", "brewery_beers")   # rows streamed to an AsyncViewBase

Both take the arguments of :class:`couchbase.connection.Connection` (plus ``reactor=``) and
have its 1.x methods (:mod:`couchbase._legacy`) on txcouchbase's collections: operations issued
before the connection is ready are queued. ``connect()``/``on_connect()`` return a Deferred
firing with the connection; ``registerDeferred('connect'|'_dtor', d)`` and ``defer(opres)``
work as on ``TxCluster``; multi operations also have camelCase names (``getMulti``).
``TxAsyncConnection`` returns raw ``AsyncResult`` objects (set ``callback``/``errback``),
which skips the cost of a Deferred per operation.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional

from twisted.internet.defer import Deferred, DeferredList, gatherResults

from couchbase._instance import LOCKMODE_WAIT
from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase._legacy import LegacyAPI, legacy_settings
from couchbase.exceptions import ArgumentError, UnsupportedOperationException
from couchbase.transcoder import FMT_JSON
from couchbase.views.iterator import View
from txcouchbase.rows import BatchedViewResult

__all__ = ["Connection", "TxAsyncConnection"]

_CAMEL_MULTI = re.compile(r"^([a-z]+)Multi$")


class _TxLegacy(LegacyAPI):
    """What both 1.x Twisted connections share: the 1.x arguments of :class:`couchbase.connection.Connection`,
    plus the reactor. Every operation returns a Deferred (:class:`Connection`) or a raw AsyncResult
    (:class:`TxAsyncConnection`).

    Args:
        bucket: The bucket name (default ``"default"``).
        host: A node, ``"host:port"``, or a list of them (default ``"localhost"``).
        port: The REST port of nodes given without one (default 8091).
        password: The bucket's password (1.x SASL: the user is the bucket name).
        quiet: Return failed results instead of raising NotFoundError from get/delete.
        timeout: KV operation timeout in seconds (default 2.5).
        lockmode: Accepted for 1.x compatibility (a Twisted cluster belongs to the reactor's thread).
        transcoder: A Transcoder; default: the 1.x conversions (JSON, UTF-8, bytes, pickle).
        default_format: The format of stores that pass none (default FMT_JSON).
        unlock_gil: Accepted for 1.x compatibility.
        username: An RBAC user to authenticate as instead of the bucket name.
        connection_string: A ``couchbase://`` string instead of host/port.
        reactor: The reactor (default: the installed one).
        **kwargs: The 1.x options accepted and ignored: ``config_cache``, ``conncache``,
            ``experimental_gevent_support``.

    Raises:
        ArgumentError: An unknown keyword, or an argument of the wrong type or value.
    """

    _cluster_class: Any

    def __init__(
        self,
        bucket: str = "default",
        host: Any = "localhost",
        port: int = 8091,
        password: Optional[str] = None,
        quiet: bool = False,
        timeout: Optional[float] = None,
        lockmode: int = LOCKMODE_WAIT,
        transcoder: Any = None,
        default_format: int = FMT_JSON,
        unlock_gil: bool = True,
        username: Optional[str] = None,
        connection_string: Optional[str] = None,
        reactor: Any = None,
        **kwargs: Any,
    ) -> None:
        s = legacy_settings(bucket, host, port, password, username, quiet, timeout, transcoder,
                            default_format, unlock_gil, connection_string, kwargs)
        connstr, options, opts = s.cluster_arguments()
        self._cluster = self._cluster_class(connstr, options, reactor=reactor, **opts)
        self._bucket = self._cluster.bucket(s.bucket)
        self._kv = self._bucket.default_collection()
        self._kv._decode_at_once()  # 1.x: a read fails when its document cannot be decoded
        self.default_format = s.default_format
        self.unlock_gil = s.unlock_gil

    # ---- connection events ---------------------------------------------------------
    @property
    def connected(self) -> bool:
        """Whether the bucket's connection is ready (stays True after close)."""
        return bool(self._bucket.connected)

    @property
    def reactor(self) -> Any:
        """The reactor the connection runs on."""
        return self._cluster.reactor

    def connect(self) -> Deferred[Any]:
        """A Deferred firing with this connection once it is ready.

        Returns:
            Deferred: Fires with this connection.

        Raises:
            BucketNotFoundError: Through the Deferred: no such bucket.
            AuthError: Through the Deferred: wrong credentials.
        """
        d: Deferred[Any] = Deferred()
        self.registerDeferred("connect", d)
        return d

    def on_connect(self) -> Deferred[Any]:
        """Same as :meth:`connect`.

        Returns:
            Deferred: Fires with this connection.

        Raises:
            AuthError: Through the Deferred: wrong credentials.
        """
        return self.connect()

    def registerDeferred(self, event: str, d: Deferred[Any]) -> None:
        """Fire ``d`` on ``'connect'`` (with this connection, or the connection error) or ``'_dtor'`` (once
        closed and every socket released).

        Args:
            event: ``'connect'`` or ``'_dtor'``.
            d: A Deferred that has not fired yet.

        Raises:
            ArgumentError: ``d`` not a Deferred, or an unknown event.
        """
        if not isinstance(d, Deferred):
            raise ArgumentError(message=f"registerDeferred needs a Deferred, got {d!r}")
        if event == "connect":
            op = self._bucket._connected(self)

            def done(op: AsyncResult[Any]) -> None:
                if d.called:
                    return
                if op.error is not None:
                    d.errback(op.error)
                else:
                    d.callback(self)

            if op.done:
                done(op)
            else:
                op.chain(done)
        elif event == "_dtor":
            self._cluster.registerDeferred("_dtor", d)
        else:
            raise ArgumentError(
                message=f"registerDeferred: unknown event {event!r} (expected 'connect' or '_dtor')"
            )

    def defer(self, opres: Any) -> Deferred[Any]:
        """A Deferred firing with the outcome of a raw AsyncResult (takes over its callbacks).

        Args:
            opres: A pending raw operation.

        Returns:
            Deferred: Fires with the result, or errbacks with the exception.

        Raises:
            InvalidArgumentException: ``opres`` is not a pending operation of this SDK.
        """
        d: Deferred[Any] = self._cluster.defer(opres)
        return d

    def close(self) -> Deferred[Any]:
        """Close the connection.

        Observe rounds still in flight are let finish first (they complete within the KV timeout):
        libcouchbase 3.3.4 crashes when destroyed with forwarded packets in flight.

        Returns:
            Deferred: Fires once every socket is released.

        Raises:
            ObjectThreadException: Called from a thread other than the reactor's.
        """
        rounds = [d for d in self.__dict__.get("_rounds", ()) if not d.called]
        if not rounds:
            closed: Deferred[Any] = self._cluster.close()
            return closed
        return DeferredList(rounds, consumeErrors=True).addCallback(lambda _r: self._cluster.close())

    def _close(self) -> Deferred[Any]:
        """1.x name of :meth:`close`."""
        return self.close()

    # ---- views ----------------------------------------------------------------------
    def _view_request(self, args: Any, kwargs: Dict[str, Any], view_cls: Any = View) -> Any:
        if kwargs.get("include_docs"):
            raise ArgumentError(
                message="include_docs is not supported by queryAll/queryEx on Twisted: "
                "fetch the documents with getMulti"
            )
        return view_cls(self, *args, **kwargs)

    def _to_rows(self, view: Any, batched: Any) -> Any:
        raw = [{"id": r.id, "key": r.key, "value": r.value} for r in batched]
        rows = list(view.row_processor.handle_rows(raw, self, False))
        view.indexed_rows = batched.metadata().total_rows()
        return BatchedViewResult(rows, batched.metadata())  # has indexed_rows, as the 1.x View

    def queryAll(self, *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Query a view (``design, view, **params``, as the blocking ``query``).

        Args:
            *args: ``design``, ``view``.
            **kwargs: View parameters, ``use_devmode``, ``row_processor``, ``include_docs``, ``query``.

        Returns:
            Deferred: Fires with every row (iterable; 1.x ViewRow objects, or what ``row_processor`` makes).

        Raises:
            ArgumentError: A bad design, view or parameter.
        """
        view = self._view_request(args, kwargs)
        extra = (view._raw_query,) if view._raw_query else ()
        d: Deferred[Any] = self._bucket.view_query(view.design, view.view, *extra, **view._options())
        return d.addCallback(lambda batched: self._to_rows(view, batched))

    def queryEx(self, viewcls: type, *args: Any, **kwargs: Any) -> Any:
        """Query a view, streaming its rows: ``handler = viewcls(self, design, view, **params)`` gets
        ``on_rows(rows)`` per batch, then ``on_done()`` or ``on_error(exc)``.

        Args:
            viewcls: A subclass of :class:`couchbase.asynchronous.view.AsyncViewBase`.
            *args: ``design``, ``view``.
            **kwargs: View parameters.

        Returns:
            The handler.

        Raises:
            ArgumentError: ``viewcls`` not an AsyncViewBase subclass, or a bad parameter.
        """
        if not isinstance(viewcls, type) or not all(
            callable(getattr(viewcls, m, None)) for m in ("on_rows", "on_error", "on_done")
        ):
            raise ArgumentError(
                message=f"queryEx needs a class with on_rows/on_error/on_done "
                f"(an AsyncViewBase subclass), got {viewcls!r}"
            )
        handler = self._view_request(args, kwargs, viewcls)
        conn = self

        class _Bridge:
            def __init__(self, request: Any) -> None:
                self.request = request

            def on_rows(self, rows: List[Any]) -> None:
                raw = [{"id": r.id, "key": r.key, "value": r.value} for r in rows]
                handler.on_rows(handler.row_processor.handle_rows(raw, conn, False))

            def on_error(self, exc: BaseException) -> None:
                handler.on_error(exc)

            def on_done(self, metadata: Any) -> None:
                handler.indexed_rows = metadata.total_rows()
                handler.on_done()

        extra = (handler._raw_query,) if handler._raw_query else ()
        if hasattr(self._bucket, "view_query_ex"):
            self._bucket.view_query_ex(_Bridge, handler.design, handler.view, *extra, **handler._options())
        else:  # the raw flavour: the same bridge on the raw rows object
            bridge = _Bridge(None)
            rows = self._bucket.view_query(handler.design, handler.view, *extra, **handler._options())
            rows.on_rows = bridge.on_rows
            rows.callback = bridge.on_done
            rows.errback = lambda _r, _t, exc, _tb: bridge.on_error(exc)
        return handler

    def query(
        self, design: str, view: str, use_devmode: bool = False, itercls: Any = None, **kwargs: Any
    ) -> Any:
        """On Twisted a view query fires a Deferred with all rows (same as :meth:`queryAll`); with
        ``itercls``, streams into it (:meth:`queryEx`).

        Args:
            design: The design document's name.
            view: The view's name.
            use_devmode: Query the development design.
            itercls: An AsyncViewBase subclass to stream the rows into.
            **kwargs: View parameters.

        Returns:
            Deferred (or the itercls handler).

        Raises:
            ArgumentError: A bad parameter.
        """
        if itercls is not None:
            return self.queryEx(itercls, design, view, use_devmode=use_devmode, **kwargs)
        return self.queryAll(design, view, use_devmode=use_devmode, **kwargs)

    # ---- N1QL and search (3.x reference spellings) ------------------------------------
    def n1qlQueryAll(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        """Run a N1QL statement (positional parameters may follow it).

        Args:
            statement: The statement.
            *args: Positional parameters, or QueryOptions.
            **kwargs: Query options, or named parameters.

        Returns:
            Deferred: Fires with every row (a BatchedQueryResult).

        Raises:
            InvalidArgumentException: A bad statement or option.
            QueryException: Through the Deferred.
        """
        return self._cluster.query(statement, *args, **kwargs)

    def n1ql_query(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        """Same as :meth:`n1qlQueryAll`.

        Args:
            statement: The statement.
            *args: Positional parameters, or QueryOptions.
            **kwargs: Query options, or named parameters.

        Returns:
            Deferred: Fires with a BatchedQueryResult.

        Raises:
            InvalidArgumentException: A bad statement or option.
        """
        return self.n1qlQueryAll(statement, *args, **kwargs)

    def search(self, index: str, query: Any, *options: Any, **kwargs: Any) -> Any:
        """Full-text search on ``index`` (options such as ``limit=``).

        Args:
            index: The search index's name.
            query: A SearchQuery.
            *options: SearchOptions blocks.
            **kwargs: Search options.

        Returns:
            Deferred: Fires with every hit (a BatchedSearchResult).

        Raises:
            InvalidArgumentException: A bad query or option.
            SearchException: Through the Deferred.
        """
        return self._cluster.search_query(index, query, *options, **kwargs)

    # ---- design documents: the same manager, completed through Deferreds -----------------------
    def _views_mgr(self) -> Any:
        from couchbase.management.views import ViewIndexManager

        return ViewIndexManager(self._bucket._conn, self.bucket, self._run_http)

    def _run_http(self, schedule: Callable[[], Any], then: Callable[[Any], Any]) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()

        def start() -> None:
            req = schedule()

            def done(*_: Any) -> None:
                if d.called:
                    return
                if req.error is not None:
                    d.errback(req.error)
                    return
                try:
                    value = then(req.response)
                except BaseException as exc:  # noqa: BLE001 - passed on through the Deferred
                    d.errback(exc)
                    return
                d.callback(value)

            if req.done:
                done()
            else:
                req.on_done = done

        bucket = self._bucket
        bucket._check_thread()
        bucket._when_connected(bucket._conn, start, d.errback)
        return d

    def _no_syncwait(self, syncwait: float) -> None:
        if syncwait:
            raise ArgumentError(
                message="syncwait waits by blocking; on Twisted chain on the returned Deferred"
            )

    def design_create(self, name: str, design: Any, use_devmode: bool = True, syncwait: float = 0) -> Any:
        self._no_syncwait(syncwait)
        return super().design_create(name, design, use_devmode, 0)

    def design_delete(self, name: str, use_devmode: bool = True, syncwait: float = 0) -> Any:
        self._no_syncwait(syncwait)
        return super().design_delete(name, use_devmode, 0)

    def design_publish(self, name: str, syncwait: float = 0) -> Any:
        """Copy ``dev_<name>`` to production ``<name>``.

        Args:
            name: The design document's name.
            syncwait: Seconds to wait until it is visible (0: do not wait).

        Returns:
            Deferred: Fires with an HttpResult.

        Raises:
            DesignDocumentNotFoundException: Through the Deferred: no development design of that name.
        """
        from couchbase._legacy import HttpResult
        from couchbase.views import DesignDocument, DesignDocumentNamespace

        self._no_syncwait(syncwait)
        base = self._design_name(name, False)
        base = base[4:] if base.startswith("dev_") else base
        mgr = self._views_mgr()
        d = mgr.get_design_document(base, DesignDocumentNamespace.DEVELOPMENT)
        d.addCallback(
            lambda dev: mgr.upsert_design_document(
                DesignDocument(base, dev.views), DesignDocumentNamespace.PRODUCTION
            )
        )
        return d.addCallback(lambda _r: HttpResult({"ok": True}, 201))

    # ---- observe: the same round as the blocking API, completed on the reactor -----------------
    def observe(self, key: Any, master_only: bool = False) -> Any:
        """Each node's state of ``key``.

        Args:
            key: The document key.
            master_only: Ask the active node only.

        Returns:
            Deferred: Fires with a result whose ``value`` is the list of ObserveInfo (``cas``, ``state``,
            ``from_master``).

        Raises:
            ArgumentError: On a named collection, or a bad key.
        """
        from couchbase import _durability
        from couchbase._kv import key_bytes
        from couchbase._legacy import ObserveResult
        from txcouchbase.cluster import _attach

        kb = key_bytes(key)
        kv = self._kv
        kv._check_thread()
        if kv._coll_b:
            raise ArgumentError(message="observe() works on the default collection only")
        # a Deferred on both flavours: an observe round has no raw callback/errback slots
        d = _attach(Deferred(), kv._start(lambda: _durability.schedule_observe(kv._conn, kb, master_only)))
        rounds = self.__dict__.setdefault("_rounds", set())
        rounds.add(d)

        def settled(value: Any) -> Any:
            rounds.discard(d)
            return value

        # registered before any user callback: close() waits for the round, not for them
        return d.addBoth(settled).addCallback(
            lambda replies: ObserveResult(key, _durability.observe_results(replies)))

    def observe_multi(self, keys: Any, master_only: bool = False  # type: ignore[override]  # a Deferred
                      ) -> Deferred[Any]:
        """``observe`` each key.

        Args:
            keys: The keys.
            master_only: Ask the active nodes only.

        Returns:
            Deferred: Fires with a dict key -> observe result.

        Raises:
            ArgumentError: A bad key.
        """
        keys = list(keys)
        ds = [self.observe(k, master_only=master_only) for k in keys]
        return gatherResults(ds, consumeErrors=True).addCallback(lambda results: dict(zip(keys, results)))

    # ---- durability polling on the reactor ------------------------------------------------
    def endure(self, key: Any, persist_to: int = -1, replicate_to: int = -1, cas: int = 0,
               check_removed: bool = False, timeout: float = 5.0, interval: float = 0.010) -> Deferred[Any]:
        """Wait until ``key`` is persisted on ``persist_to`` nodes and replicated to ``replicate_to``
        replicas (-1: all), at ``cas`` if given; with ``check_removed``, until its removal is. Polls with
        ``observe`` every ``interval`` seconds on the reactor.

        Args:
            key: The document key.
            persist_to: Nodes it must be persisted on (-1: all).
            replicate_to: Replicas it must be on (-1: all).
            cas: Only this version of the document (0: any).
            check_removed: Wait for its removal instead.
            timeout: Give up after this many seconds.
            interval: Seconds between two observe rounds.

        Returns:
            Deferred: Fires with the last observe result.

        Raises:
            TimeoutError: Through the Deferred: not durable within ``timeout``.
        """
        import time

        from couchbase._legacy import _durable
        from couchbase.exceptions import TimeoutException

        d: Deferred[Any] = Deferred()
        deadline = time.monotonic() + timeout

        def attempt() -> None:
            try:
                self.observe(key).addCallbacks(check, d.errback)
            except BaseException as exc:  # noqa: BLE001 - e.g. closed: passed on
                d.errback(exc)

        def check(res: Any) -> None:
            ok, detail = _durable(res.value, persist_to, replicate_to, cas, check_removed)
            if ok:
                d.callback(res)
            elif time.monotonic() >= deadline:
                d.errback(TimeoutException(message=f"endure({key!r}) timed out after {timeout}s: {detail}"))
            else:
                self.reactor.callLater(interval, attempt)

        attempt()
        return d

    def endure_multi(self, keys: Any, **kwargs: Any) -> Deferred[Any]:  # type: ignore[override]  # a Deferred
        """``endure`` each key.

        Args:
            keys: A list of keys, or a dict key -> cas.
            **kwargs: The arguments of :meth:`endure`.

        Returns:
            Deferred: Fires with a dict key -> result.

        Raises:
            TimeoutError: Through the Deferred: a key was not durable in time.
        """
        from collections.abc import Mapping

        if isinstance(keys, Mapping):
            pairs = [(k, getattr(c, "cas", c) or 0) for k, c in keys.items()]
        else:
            pairs = [(k, 0) for k in keys]
        ds = [self.endure(k, cas=c, **kwargs) for k, c in pairs]
        names = [k for k, _ in pairs]
        return gatherResults(ds, consumeErrors=True).addCallback(lambda results: dict(zip(names, results)))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        m = _CAMEL_MULTI.match(name)
        if m is not None:  # getMulti -> get_multi, setMulti -> set_multi, ...
            snake = f"{m.group(1)}_multi"
            if hasattr(type(self), snake):
                return getattr(self, snake)
        return getattr(self.__dict__["_kv"], name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(bucket={self.bucket!r})"


class Connection(_TxLegacy):
    """The 1.x Twisted connection: operations return Deferreds (errback: the typed exception)."""

    from txcouchbase.cluster import TxCluster as _cluster_class

    def _then(self, pending: Any, fn: Callable[[Any], Any]) -> Any:
        if isinstance(pending, Deferred):
            return pending.addCallback(fn)
        return fn(pending)

    def _gather(self, pendings: List[Any], fn: Callable[[List[Any]], Any]) -> Any:
        return gatherResults(pendings, consumeErrors=True).addCallback(fn)


class TxAsyncConnection(_TxLegacy):
    """The 1.x raw Twisted connection: operations return AsyncResult objects; set their
    ``callback(result)`` and ``errback(opres, exc_type, exc_value, traceback)``."""

    from txcouchbase.cluster import TxRawCluster as _cluster_class

    def _then(self, pending: Any, fn: Callable[[Any], Any]) -> Any:
        if isinstance(pending, Deferred):
            return pending.addCallback(fn)
        if not isinstance(pending, (AsyncResult, MultiCollector)):
            return fn(pending)
        # fn runs on the result before the raw callbacks see it (the one completion hook)
        inner = pending.on_done

        def hook(p: Any) -> None:
            if p.error is None:
                try:
                    p.result = fn(p.result)
                except BaseException as exc:  # noqa: BLE001 - delivered to the errback
                    p.error = exc
            if inner is not None:
                inner(p)

        pending.on_done = hook
        return pending

    def _gather(self, pendings: List[Any], fn: Callable[[List[Any]], Any]) -> Any:
        if len(pendings) != 1:
            raise UnsupportedOperationException(
                message="TxAsyncConnection.stats takes one stats group at a time"
            )
        return self._then(pendings[0], lambda r: fn([r]))

    def queryAll(self, *args: Any, **kwargs: Any) -> Deferred[Any]:
        """Views on the raw connection: a Deferred as on :class:`Connection`.

        Args:
            *args: ``design``, ``view``.
            **kwargs: View parameters.

        Returns:
            Deferred: Fires with every row.

        Raises:
            ArgumentError: A bad design, view or parameter.
        """
        view = self._view_request(args, kwargs)
        extra = (view._raw_query,) if view._raw_query else ()
        rows = self._bucket.view_query(view.design, view.view, *extra, **view._options())
        collected: List[Any] = []
        d: Deferred[Any] = Deferred()
        rows.on_rows = collected.extend
        rows.callback = lambda meta: d.callback(self._to_rows(view, BatchedViewResult(collected, meta)))
        rows.errback = lambda _r, _t, exc, _tb: d.errback(exc)
        return d
