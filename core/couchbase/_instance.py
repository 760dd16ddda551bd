"""One libcouchbase instance: create, connect, schedule, complete, close.

A :class:`Connection` owns the C handle and the registry of what is in
flight (``cookie -> pending``, see :mod:`couchbase._pending`): whoever
schedules something registers it (:meth:`Connection.register`) and passes the
cookie to libcouchbase; a failed schedule goes through
:meth:`Connection.not_scheduled`; responses find it again by cookie
(:meth:`Connection._on_response`). Front ends never touch C: they ask
the connection to schedule operations (``_kv.py`` builds them) and decide how
to wait — the blocking API runs libcouchbase's own loop with ``wait()`` (the
GIL is released by cffi for the whole wait); async front ends plug an IOPS
loop in and are driven by it.

Thread safety: cffi releases the GIL on every C call, so nothing but our own
lock protects the instance. ``lockmode`` picks what a second thread sees:
``LOCKMODE_WAIT`` (default) waits its turn, ``LOCKMODE_EXC`` raises
:class:`~couchbase.exceptions.ObjectThreadException`, ``LOCKMODE_NONE`` does
no locking (single-threaded use only).

Lifetime: the registry libcouchbase's callbacks look connections up in holds
them weakly, so a connection lives as long as something references it (its
Cluster, Bucket, collections, results) or it has work in flight. A connection
nobody references any more is released without ``close()``: a blocking one at
once; one on an event loop is kept until its operations in flight have
completed (their results still reach whoever holds them) and is then closed
from the loop's own thread, outside libcouchbase's callbacks (see
:meth:`Connection._finalize`).
"""
from __future__ import annotations

import errno
import gc
import itertools
import os
import sys
import threading
import weakref
from _thread import get_ident as _get_ident
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from couchbase import _callbacks, _logging, _observe
from couchbase._binding import ffi, lib
from couchbase._pending import Pending, Registered
from couchbase.exceptions import (
    ClientCertificateRefusedException,
    CouchbaseException,
    InternalSDKException,
    InvalidArgumentException,
    ObjectClosedException,
    ObjectThreadException,
    exception_for,
)
from couchbase.iops import dispatching as iops_dispatching

if TYPE_CHECKING:
    from couchbase.iops import IOPS

# SDK 4.x's words for any operation on a closed cluster (the official suite matches them)
CLOSED_MESSAGE = "Cannot perform operations on a closed cluster: the connection is closed"
CLUSTER_CLOSED = "Cannot perform operations on a closed cluster: the cluster is closed"

_LCB_ERR_REQUEST_CANCELED = 202

LOCKMODE_NONE = 0
LOCKMODE_EXC = 1
LOCKMODE_WAIT = 2

_ids = itertools.count(1)
# Bumped in a child after os.fork(): a connection made before the fork refuses to be used
# there. Checked on every operation, so it must be cheaper than os.getpid() (a system call).
_fork_generation = [0]


def _after_fork_in_child() -> None:
    _fork_generation[0] += 1
    # A lock a thread of the parent held (inside an operation) would stay held here forever:
    # every connection gets a fresh one, so that using it raises instead of hanging.
    for ref in list(_callbacks.CONNECTIONS.values()):
        conn = ref()
        if conn is not None:
            conn._lock = threading.Lock()
            conn._guard = _Guard(conn._lock, conn.lockmode)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
# Connections on an event loop that nobody references any more, kept until their work in
# flight has completed and they are closed from the loop's thread (Connection._finalize).
_ORPHANS: Dict[int, "Connection"] = {}
# Connections on an event loop with work in flight (bootstrapping, or anything in the pending
# registry). Held strongly: what waits for that work (callbacks, futures, Deferred chains) may
# be the only thing referencing the cluster, and the registry that leads to it is reachable
# only through the connection, so without this the cycle collector would take a cluster whose
# program is still running (a Deferred chain with no other reference to it) for a forgotten one.
_BUSY: Dict[int, "Connection"] = {}


def _drop_busy_of_closed_loops(phase: str, info: Dict[str, Any]) -> None:
    """Before each collection: work in flight on a loop that was closed for good never
    completes, so such a connection is no longer held (it is released like a forgotten one)."""
    if phase == "start" and _BUSY:
        for conn_id, conn in list(_BUSY.items()):
            iops = conn.iops
            if iops is not None and iops.loop_closed():
                _BUSY.pop(conn_id, None)


class _AfterEachCollection:
    """PyPy has no ``gc.callbacks``: an instance of this class is garbage as soon as it is made,
    so its finalizer runs at the next major collection; it drops what a closed loop holds and
    makes the next one. A connection dropped there is released by the collection after that
    (``gc.hooks.on_gc_collect`` would do the same, but it is one slot a program may own)."""

    __slots__ = ()

    def __del__(self) -> None:
        try:
            if sys.is_finalizing():
                return
            _drop_busy_of_closed_loops("start", {})
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass
        type(self)()


if hasattr(gc, "callbacks"):  # CPython
    gc.callbacks.append(_drop_busy_of_closed_loops)
else:  # PyPy
    _AfterEachCollection()


class Connection:
    """Owns one ``lcb_INSTANCE``.

    :param connstr: libcouchbase connection string (bucket in the path for a
        bucket connection).
    :param username: RBAC user name.
    :param password: its password; kept only by libcouchbase, never in a repr.
    :param cluster_level: create a cluster-type (bucket-less) instance.
    :param iops: a :class:`couchbase.iops.IOPS` (one per connection) for
        host-driven I/O, or None for libcouchbase's built-in loop.
    :param lockmode: LOCKMODE_WAIT, LOCKMODE_EXC or LOCKMODE_NONE.
    :param tracer: the user's tracer (``couchbase.tracing.CouchbaseTracer``), or None for
        libcouchbase's own threshold tracer (see couchbase._observe).
    :param meter: the user's meter (``couchbase.metrics.CouchbaseMeter``), or None.
    """

    def __init__(
        self,
        connstr: str,
        username: str,
        password: str,
        *,
        cluster_level: bool = False,
        iops: Optional["IOPS"] = None,
        lockmode: int = LOCKMODE_WAIT,
        bucket_name: Optional[str] = None,
        tracer: Any = None,
        meter: Any = None,
    ) -> None:
        if lockmode not in (LOCKMODE_NONE, LOCKMODE_EXC, LOCKMODE_WAIT):
            raise InvalidArgumentException(message="lockmode must be LOCKMODE_NONE, LOCKMODE_EXC or "
                                                   f"LOCKMODE_WAIT, got {lockmode!r}")
        self.id = next(_ids)
        self._instance = ffi.NULL
        self._orphaned = False
        self._logger = ffi.NULL
        self._meter = ffi.NULL
        self.iops = iops
        self.connstr = connstr
        self.bucket_name = bucket_name
        self.pending: Dict[int, Registered] = {}
        self._next_cookie: Callable[[], int] = itertools.count(1).__next__
        self.streams_behind = 0  # row streams in flight whose consumer is behind (see couchbase._async_rows)
        # b"scope.collection" -> (collections manifest uid, collection id), for the raw packets of
        # couchbase._replica_lookup (libcouchbase's own cache is not reachable through its API)
        self.replica_cids: Dict[bytes, Tuple[int, int]] = {}
        self.closed = False
        self.corked = False  # see cork()
        self.connected = False
        self.lockmode = lockmode
        self._lock = threading.Lock()
        self._guard = _Guard(self._lock, lockmode)
        self._callback_error: Optional[BaseException] = None
        self.breakouts = 0
        # Batches of completions delivered (_on_kv_batch): when lcb_wait has returned, the last one
        # is delivered and its hooks may have scheduled more (a durability round), so the wait goes on.
        self.batches = 0
        # Where errors raised in callbacks go: the loop's error channel, or (blocking) re-raised by wait().
        self._error_sink: Optional[Callable[[BaseException], None]] = None
        self._pid = os.getpid()
        self._fork_gen = _fork_generation[0]
        self._bootstrap_waiters: List[Callable[[int], Any]] = []
        self.bootstrap_rc: Optional[int] = None
        lib.pycb_set_log_level(_logging.lcb_min_severity())
        c_conn = connstr.encode("utf-8")
        if not username and _uses_client_certificate(connstr):
            # libcouchbase 3.3 sends no credentials with a client certificate (no SASL, no HTTP
            # Authorization), but without a user name its authenticator is in "classic" mode and
            # a cluster-level query waits for credentials forever; any name puts it in RBAC mode
            username = "client-certificate"
        c_user = username.encode("utf-8")
        c_pass = password.encode("utf-8")
        instance = ffi.new("lcb_INSTANCE **")
        logger = ffi.new("lcb_LOGGER **")
        meter_out = ffi.new("void **")
        # the user's tracer and meter (couchbase._observe): ids C hands back in its callbacks. Their
        # errors go to the couchbase.observability logger on every front end, not to the loop's
        # error channel: a broken tracer fails a dozen calls per operation, and a SelectorLoop
        # would raise each from run_once.
        self.tracer_id = _observe.register_tracer(tracer, None) if tracer is not None else 0
        meter_id = _observe.register_meter(meter, None) if meter is not None else 0
        rc = lib.pycb_create(
            instance, 1 if cluster_level else 0, c_conn, len(c_conn), c_user, len(c_user),
            c_pass, len(c_pass), logger, iops.table() if iops is not None else ffi.NULL, self.id,
            self.tracer_id, meter_id, meter_out,
        )
        if rc:
            _observe.forget(self.tracer_id, meter_id)
            if iops is not None:
                iops.discard_unused_table()
            raise exception_for(rc, f"cannot create a connection for {connstr!r}: {strerror(rc)}")
        self._instance = instance[0]
        self._logger = logger[0]
        self._meter = meter_out[0]
        if meter is not None:  # a connection string's enable_operation_metrics=false loses to a meter
            lib.lcb_cntl_string(self._instance, b"enable_operation_metrics", b"true")
        if iops is not None:
            lib.pycb_install_bootstrap(self._instance)
            self._error_sink = iops.report
            # What IOPS.held calls while corked: weakly, so that a loop stopped before the end of
            # its turn does not keep a forgotten connection alive from the IOPS registry.
            self._weak_uncork = _weak_method(self.uncork)
        _callbacks.CONNECTIONS[self.id] = weakref.ref(self)

    # ---- life cycle ----------------------------------------------------
    def start_connect(self) -> None:
        """Begin bootstrapping (does not wait)."""
        rc = lib.lcb_connect(self.instance)
        if rc:
            raise exception_for(rc, f"connecting to {self.connstr!r} failed: {strerror(rc)}")

    def connect_async(self, on_done: Callable[[int], Any]) -> None:
        """Begin bootstrapping on the IOPS loop; ``on_done(rc)`` runs once it ends
        (``rc`` 0 on success, else a libcouchbase status)."""
        if self.bootstrap_rc is not None:
            on_done(self.bootstrap_rc)
            return
        first = not self._bootstrap_waiters
        self._bootstrap_waiters.append(on_done)
        if first:
            _BUSY[self.id] = self
            try:
                self.start_connect()
            except BaseException:
                self._bootstrap_waiters.clear()
                self._idle()
                raise

    def _on_bootstrap(self, rc: int) -> None:
        if self.bootstrap_rc is not None:
            return  # libcouchbase reports only the first bootstrap; be safe anyway
        self.bootstrap_rc = rc
        self.connected = rc == 0
        waiters, self._bootstrap_waiters = self._bootstrap_waiters, []
        for waiter in waiters:
            waiter(rc)
        self._idle()
        if self._orphaned and not self.closed:
            self.iops.call_later(0, self._reap)  # type: ignore[union-attr]  # orphans are event-loop connections

    def connect_blocking(self) -> None:
        """Bootstrap with libcouchbase's own loop; raise a typed error on failure."""
        with self.locked():
            self.start_connect()
            lib.pycb_wait(self._instance)
            rc = lib.lcb_get_bootstrap_status(self._instance)
        if rc:
            raise bootstrap_exception(self.connstr, rc)
        self.connected = True

    @property
    def instance(self) -> Any:
        if self.closed:
            raise ObjectClosedException(message=CLOSED_MESSAGE)
        if self._fork_gen != _fork_generation[0]:
            raise ObjectClosedException(
                message="this connection was created in another process (before os.fork()); "
                "create a new Cluster in the child"
            )
        return self._instance

    def close(self) -> None:
        """Destroy the instance. Pending operations fail with ObjectClosedException.

        libcouchbase is never destroyed while it is running for this connection:

        * blocking: ``close()`` takes the connection's lock, so a close from
          another thread waits for the operation in progress there (operations
          not yet started fail at once). A close from inside an operation of
          this thread (a transcoder called from ``lcb_wait``, a ``batch()``
          block) fails what is in flight, makes the wait return, and destroys
          the instance when that operation lets go of the lock.
        * on an IOPS loop, closing from inside one of libcouchbase's callbacks
          defers the destruction to the loop's next turn.
        """
        if self.closed:
            return
        self.closed = True  # from here on nothing new starts: ``instance`` raises
        if self.iops is None:
            guard = self._guard
            if guard.holder == _get_ident():
                self._fail_all(self._detach())
                if self._instance != ffi.NULL and self._pid == os.getpid():
                    self.breakout()
                guard.on_release = self._destroy
                return
            if self.lockmode != LOCKMODE_NONE:
                with self._lock:
                    pending = self._detach()
                    self._destroy()
                self._fail_all(pending)
                return
        pending = self._detach()
        self._destroy()
        self._fail_all(pending)

    def _detach(self) -> List[Registered]:
        """Unregister (late callbacks become harmless misses); return the operations in flight."""
        pending = list(self.pending.values())
        self.pending.clear()
        _callbacks.CONNECTIONS.pop(self.id, None)
        _ORPHANS.pop(self.id, None)
        _BUSY.pop(self.id, None)
        self.__dict__.pop("_on_response", None)  # an orphan's hook (see _finalize)
        if self._bootstrap_waiters:
            self._on_bootstrap(_LCB_ERR_REQUEST_CANCELED)
        return pending

    def _destroy(self) -> None:
        instance, logger, meter = self._instance, self._logger, self._meter
        self._instance = ffi.NULL
        if instance == ffi.NULL or self._pid != os.getpid():
            return  # never created, or made before os.fork(): the parent process owns it
        if self.corked:  # drop what a cork still holds: its operations have been failed
            self._drop_cork()
            lib.lcb_sched_fail(instance)
        iops = self.iops
        if iops is not None and iops_dispatching():
            try:
                iops.call_later(0, lambda: _destroy_in(self._pid, instance, logger, meter))
                return
            except Exception:  # noqa: BLE001 - a closed loop: it cannot be dispatching for this instance
                pass
        lib.pycb_destroy(instance, logger, meter)
        _logging.flush_repeats()

    @staticmethod
    def _fail_all(pending: List[Registered]) -> None:
        for op in pending:
            op._fail(ObjectClosedException(message=f"connection closed before {op.describe()} completed"))

    def __del__(self) -> None:
        try:
            self._finalize()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def _finalize(self) -> None:
        """Release a connection nothing references any more (``__del__``; no ``close()`` was called).

        This may run in any thread, at any allocation (the cycle collector), even
        inside libcouchbase's dispatch for this very instance (a callback dropped
        the last reference), so:

        * in a child made by os.fork() after the connection: only forgotten (the
          parent process owns the instance and its sockets);
        * blocking: nobody can be inside an operation on it (that would
          reference it), so it is closed now;
        * on an event loop: it is kept (in ``_ORPHANS``) and handed to the loop's
          thread, where :meth:`_reap` closes it once the operations still in
          flight have completed and delivered their results.
        """
        if self.closed:
            return
        if self._instance == ffi.NULL or self._pid != os.getpid() or self._fork_gen != _fork_generation[0]:
            self.closed = True
            _callbacks.CONNECTIONS.pop(self.id, None)
            return
        iops = self.iops
        if iops is None:
            self.close()
            return
        _ORPHANS[self.id] = self
        _callbacks.CONNECTIONS[self.id] = weakref.ref(self)  # the cycle collector cleared the old one
        self._orphaned = True
        self._on_response = self._on_orphan_response  # type: ignore[method-assign] # shadows the method
        try:
            if not iops.call_soon_threadsafe(self._reap):
                iops.call_later(0, self._reap)  # a loop without a thread hand-off is this thread's
        except Exception:  # noqa: BLE001 - the loop is closed: nothing runs there any more, close here
            self.close()

    def _reap(self) -> None:
        """On the loop's thread: close a forgotten connection once nothing is in flight."""
        if not self.closed and not self.pending and not self._bootstrap_waiters:
            self.close()

    def _on_orphan_response(self, resp: Any) -> None:
        Connection._on_response(self, resp)
        if not self.pending and not self.closed:
            # inside libcouchbase's dispatch: close on the next turn (orphans are event-loop connections)
            self.iops.call_later(0, self._reap)  # type: ignore[union-attr]

    # ---- locking -------------------------------------------------------
    def locked(self) -> "_Guard":
        """``with conn.locked():`` holds the connection per ``lockmode`` (one reusable guard
        object: this runs on every blocking operation)."""
        return self._guard

    # ---- the pending registry --------------------------------------------
    def register(self, pending: Registered) -> int:
        """Enter ``pending`` in the registry; returns the cookie to schedule it under."""
        cookie = self._next_cookie()
        pending.cookie = cookie
        if not self.pending and self.iops is not None:
            _BUSY[self.id] = self
        self.pending[cookie] = pending
        return cookie

    def unregister(self, pending: Registered) -> None:
        """Forget ``pending`` (cancelled, or never sent): a late response for it is a harmless miss."""
        self.pending.pop(pending.cookie, None)
        if not self.pending:
            self._idle()

    def _idle(self) -> None:
        """Nothing in flight any more: no longer held by ``_BUSY`` (see there)."""
        if not self.pending and not self._bootstrap_waiters:
            _BUSY.pop(self.id, None)

    def not_scheduled(self, pending: Registered, rc: int, what: str) -> CouchbaseException:
        """libcouchbase refused to schedule ``pending`` with status ``rc``: unregister it and
        return the typed exception to raise (``what`` names the request in its message)."""
        self.unregister(pending)
        return exception_for(rc, f"{what} could not be scheduled: {strerror(rc)}")

    # ---- waiting (blocking front end) -----------------------------------
    def wait(self) -> None:
        """Run libcouchbase's loop until nothing is pending or a stream asks for a
        break (back-pressure), then deliver the completions it queued (whose hooks may
        schedule more: wait again if so); re-raise a callback error."""
        lib.pycb_wait(self.instance)
        err = self._callback_error
        if err is not None:
            self._callback_error = None
            raise err

    def wait_op(self, op: Pending) -> None:
        """``wait_for(lambda: op.done)`` without a closure per operation."""
        while not op.done:
            before = self.breakouts + self.batches
            self.wait()
            if not op.done and self.breakouts + self.batches == before and not _interrupted():
                raise InternalSDKException(
                    message="libcouchbase stopped waiting before the operation completed")

    def run(self, schedule: Callable[..., Pending], *args: Any) -> Any:
        """Blocking front end: ``schedule(*args)`` (under the lock), wait, and return the outcome
        (or raise)."""
        with self._guard:
            pending = schedule(*args)
            self.wait_op(pending)
        return pending.outcome()

    def breakout(self) -> None:
        """Make the current ``wait`` return early (a stream's buffer is full)."""
        self.breakouts += 1
        lib.lcb_breakout(self._instance)

    def wait_for(self, is_done: Callable[[], bool]) -> None:
        """``wait`` until ``is_done()``; a return that was neither completion nor
        a breakout would spin, so it is reported instead."""
        while True:
            before = self.breakouts + self.batches
            self.wait()
            if is_done():
                return
            if self.breakouts + self.batches == before and not _interrupted():
                raise InternalSDKException(
                    message="libcouchbase stopped waiting before the operation completed")

    # ---- batching --------------------------------------------------------
    def sched_enter(self) -> None:
        if self.corked:
            self.uncork()  # a batch that fails must not take this turn's other operations with it
        lib.lcb_sched_enter(self.instance)

    def sched_leave(self) -> None:
        self._drop_cork()
        lib.lcb_sched_leave(self.instance)

    def sched_fail(self) -> None:
        self._drop_cork()
        lib.lcb_sched_fail(self.instance)

    def cork(self) -> None:
        """Hold the operations scheduled from now until the loop's current turn ends, then
        send them as one batch (IOPS connections only; a no-op inside libcouchbase's dispatch).

        libcouchbase re-arms its timeout by scanning every request already sent each time
        one is scheduled, so thousands sent one by one cost O(n) each; held in a scheduling
        context they are queued without the scan and flushed together. libcouchbase does not
        move held requests when a new cluster map replaces a pipeline, so the hold never
        spans libcouchbase's own processing: it is released at the end of the turn
        (``call_soon``), before the loop next enters libcouchbase for this connection
        (``IOPS.held``), and it is not taken inside a dispatch (a map may follow in the
        same read)."""
        if iops_dispatching():
            return
        lib.lcb_sched_enter(self.instance)
        self.corked = True
        iops = self.iops  # only event-loop connections cork (see AsyncCollectionBase)
        iops.held = self._weak_uncork  # type: ignore[union-attr]
        iops.call_soon(self.uncork)  # type: ignore[union-attr]

    def uncork(self) -> None:
        """Send what :meth:`cork` held (harmless when nothing is held)."""
        if self.corked:
            self._drop_cork()
            if not self.closed and self._instance != ffi.NULL:
                lib.lcb_sched_leave(self._instance)

    def _drop_cork(self) -> None:
        if self.corked:
            self.corked = False
            self.iops.held = None  # type: ignore[union-attr]  # corked: an event-loop connection

    # ---- completion ------------------------------------------------------
    def _on_response(self, resp: Any) -> None:
        cookie = resp.i_cookie  # the signed twin of cookie: no big integer on PyPy (see _bridge.h)
        if resp.is_final:
            op = self.pending.pop(cookie, None)
            if op is not None:
                op._complete(resp)
                if not self.pending and self.iops is not None:
                    self._idle()
            return
        op = self.pending.get(cookie)
        if op is not None:
            op._complete(resp)

    def _on_kv_batch(self, recs: Any, n: int) -> None:
        """Successful final responses, in the order libcouchbase produced them (``pycb_kv_flush``).

        A hook that raises is reported (as for a single response) and the rest of the batch
        is still delivered; one that closes this connection empties the registry, so the
        rest become harmless misses (close failed those operations already)."""
        self.batches += 1
        pop = self.pending.pop
        report = self._report_callback_error
        for resp in recs[0:n]:  # iterating a slice of the array: half the cost of indexing it
            op = pop(resp.i_cookie, None)
            if op is not None:
                try:
                    op._complete(resp)
                except BaseException as exc:  # noqa: BLE001 - the rest of the batch must be delivered
                    report(exc)
        if not self.pending and self.iops is not None:
            self._idle()
            if self._orphaned and not self.closed:
                # inside libcouchbase's event: close on the next turn (orphans are event-loop connections)
                self.iops.call_later(0, self._reap)

    def _on_rows(self, cookie: int, data: bytes, ends: List[int]) -> None:
        op = self.pending.get(cookie)
        if op is not None:
            op._add_rows(data, ends)  # type: ignore[attr-defined]  # only row streams get rows

    def _report_callback_error(self, exc: BaseException) -> None:
        sink = self._error_sink
        if sink is not None:
            sink(exc)
        elif self._callback_error is None:
            self._callback_error = exc

    # ---- settings --------------------------------------------------------
    def cntl_string(self, key: str, value: str) -> None:
        rc = lib.lcb_cntl_string(self.instance, key.encode(), value.encode())
        if rc:
            raise exception_for(rc, f"setting {key}={value!r} failed: {strerror(rc)}")

    def set_timeout(self, cntl: int, seconds: float) -> None:
        rc = lib.lcb_cntl_setu32(self.instance, cntl, int(seconds * 1_000_000))
        if rc:
            raise exception_for(rc, f"setting a timeout failed: {strerror(rc)}")

    def get_timeout(self, cntl: int) -> float:
        us: int = lib.lcb_cntl_getu32(self.instance, cntl)
        return us / 1_000_000

    def pending_count(self) -> int:
        return len(self.pending)

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("connected" if self.connected else "new")
        return f"<Connection id={self.id} {state} connstr={self.connstr!r} pending={len(self.pending)}>"


class _Guard:
    """The lock of one connection as a context manager, per lockmode.

    ``holder`` is the thread inside (0: none), so that a ``close()`` from inside
    an operation does not wait for itself; ``on_release`` runs once when that
    operation ends (the destruction such a close deferred).
    """

    __slots__ = ("_lock", "_mode", "holder", "on_release")

    def __init__(self, lock: Any, mode: int) -> None:
        self._lock = lock
        self._mode = mode
        self.holder = 0
        self.on_release: Optional[Callable[[], None]] = None

    def __enter__(self) -> None:
        mode = self._mode
        if mode == LOCKMODE_WAIT:
            self._lock.acquire()
        elif mode == LOCKMODE_EXC and not self._lock.acquire(blocking=False):
            raise ObjectThreadException(
                message="the connection is in use by another thread (lockmode=LOCKMODE_EXC)")
        self.holder = _get_ident()

    def __exit__(self, *exc: Any) -> None:
        self.holder = 0
        then = self.on_release
        if then is not None:
            self.on_release = None
            try:
                then()
            finally:
                if self._mode != LOCKMODE_NONE:
                    self._lock.release()
            return
        if self._mode != LOCKMODE_NONE:
            self._lock.release()


def _weak_method(method: Callable[[], Any]) -> Callable[[], None]:
    """Call ``method`` without keeping its object alive (nothing happens once it is gone)."""
    ref = weakref.WeakMethod(method)

    def call() -> None:
        bound = ref()
        if bound is not None:
            bound()

    return call


def _interrupted() -> bool:
    """Whether the last lcb_wait returned early because a signal cut its select() short (EINTR).

    The signal's Python handler has run by now (a KeyboardInterrupt has been raised from it);
    otherwise waiting simply resumes. errno is cleared, so that a later early return (one that
    made no system call, leaving errno as it was) is not taken for another signal.
    """
    if ffi.errno != errno.EINTR:
        return False
    ffi.errno = 0
    return True


def _destroy_in(pid: int, instance: Any, logger: Any, meter: Any) -> None:
    """A deferred destruction: only in the process that made the instance (not in a forked child)."""
    if os.getpid() == pid:
        lib.pycb_destroy(instance, logger, meter)
        _logging.flush_repeats()


def strerror(rc: int) -> str:
    """libcouchbase's short description of a status code."""
    text: str = ffi.string(lib.lcb_strerror_short(rc)).decode("utf-8", "replace")
    return text


def live_connections() -> List[Connection]:
    """Connections not yet closed (for leak checks in tests)."""
    live = (ref() for ref in list(_callbacks.CONNECTIONS.values()))
    return [conn for conn in live if conn is not None and not conn.closed]


# the server dropped the connection (or failed the handshake) as it does with a client certificate
# it refuses: LCB_ERR_SSL_ERROR, LCB_ERR_SOCKET_SHUTDOWN, LCB_ERR_CONNECTION_RESET, LCB_ERR_NETWORK
_CERT_REFUSED = frozenset({1002, 1025, 1026, 1048})


def bootstrap_exception(connstr: str, rc: int, prefix: str = "bootstrap of") -> CouchbaseException:
    """The typed exception for a failed bootstrap (returned, not raised).

    Args:
        connstr: The connection string libcouchbase was given (no credentials in it).
        rc: The bootstrap status.
        prefix: How the message starts.

    Returns:
        CouchbaseException: The status's exception; with a client certificate (``keypath=``), a
        dropped connection is :class:`~couchbase.exceptions.ClientCertificateRefusedException`.

    Never raises.
    """
    message = f"{prefix} {connstr!r} failed: {strerror(rc)}"
    if rc in _CERT_REFUSED and _uses_client_certificate(connstr):
        return ClientCertificateRefusedException(
            message + "; the server dropped the connection: it refuses the client certificate (not "
            "signed by a CA it trusts, or it names no user by its client-certificate settings)", rc=rc)
    return exception_for(rc, message)


def _uses_client_certificate(connstr: str) -> bool:
    return any(p.startswith("keypath=") for p in connstr.partition("?")[2].split("&"))
