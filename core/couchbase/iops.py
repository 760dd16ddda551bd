"""The IOPS plugin interface: how any event loop drives libcouchbase.

libcouchbase does its own ``send``/``recv``; all it needs from the host loop is
to *watch sockets* and *run timers*, and to be told when one of them is ready.
This module is that contract, written once for every loop:

* :class:`IOPS` is the base class a loop adapter subclasses. Implement
  :meth:`~IOPS.watch`, :meth:`~IOPS.schedule` and :meth:`~IOPS.cancel` (and
  optionally :meth:`~IOPS.release`, :meth:`~IOPS.release_timer`,
  :meth:`~IOPS.start`, :meth:`~IOPS.stop`, :meth:`~IOPS.report`,
  :meth:`~IOPS.call_soon_threadsafe`). One IOPS
  object serves one libcouchbase connection; many of them may share one loop.
* :class:`Watcher` is one socket libcouchbase wants watched. When the loop sees
  the socket readable it calls :meth:`Watcher.on_readable`, writable
  :meth:`Watcher.on_writable` (or :meth:`Watcher.ready` with both flags).
  Those methods are cheap bound methods: register them with the loop directly.
* :class:`Timer` is one libcouchbase timer: when it is due the loop calls
  :meth:`Timer.fire`.

The calls an adapter receives are already de-duplicated: :meth:`IOPS.watch` is
called only when the set of flags (``READ``/``WRITE``) wanted for a socket
changes, with ``watcher.flags`` still holding the previous set (``0`` means
nothing was watched); :meth:`IOPS.schedule` is never called for a timer that
is still scheduled, and timers libcouchbase re-arms to a later deadline are
re-armed lazily (see :class:`Timer`). Every callback runs on the loop's thread; one readiness callback may
complete many operations (libcouchbase reads and parses everything available).

Readiness reported for a watcher or timer that libcouchbase has already
destroyed is ignored, so an adapter never has to worry about stale callbacks
queued by its loop. Exceptions raised inside a callback never reach C: they go
to :meth:`IOPS.report`, whose default logs them.

:class:`SelectorLoop` / :class:`SelectorIOPS` are the reference implementation
on the standard library's ``selectors``: a complete, tiny event loop that the
tests use to show that this interface alone is enough, and a template for
plugging in a new loop.
"""
from __future__ import annotations

import heapq
import itertools
import logging
import os
import selectors
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from couchbase import _callbacks
from couchbase._binding import ffi, lib
from couchbase.exceptions import ObjectClosedException

READ: int = lib.LCB_READ_EVENT
"""Watch for readability."""
WRITE: int = lib.LCB_WRITE_EVENT
"""Watch for writability."""

_log = logging.getLogger("couchbase.iops")
_event_ready = lib.pycb_iops_event_ready
_timer_fire = lib.pycb_iops_timer_fire
_timer_overdue = lib.pycb_iops_timer_overdue

LATE_TIMER_US = 2000
"""A libcouchbase timer that fires this many microseconds (or more) past its deadline
means the loop was busy (user code blocked it): the sockets of its connection that are
readable are dispatched first (:meth:`IOPS.drain_readable`), so that replies which
arrived in time complete their operations before the timer fails them as timed out.
Below it, a timer is on time and no poll is spent."""

# id -> IOPS, for the C side's callbacks (see _callbacks.py). An IOPS stays here
# until libcouchbase frees the C table that reports to it.
REGISTRY: Dict[int, "IOPS"] = _callbacks._IOPS_REGISTRY  # type: ignore[assignment]
_ids = itertools.count(1)


_depth = [0]  # how many readiness callbacks are running (close() defers inside one)
_current: List[Optional["Watcher"]] = [None]  # the watcher whose readiness libcouchbase is dispatching


def dispatching_watcher() -> Optional["Watcher"]:
    """The watcher whose socket libcouchbase is reading or writing right now (None outside a
    readiness callback): a row callback learns from it which socket its rows come from."""
    return _current[0]


def dispatching() -> bool:
    """True while libcouchbase is dispatching a readiness or timer callback."""
    return _depth[0] > 0


class Watcher:
    """A socket libcouchbase wants watched.

    ``fd`` is the descriptor; ``flags`` the ``READ``/``WRITE`` set the loop is
    currently watching it for (maintained by the core, read it in
    :meth:`IOPS.watch`); ``data`` is free for the adapter (e.g. a native
    watcher object).

    Args:
        ev: libcouchbase's event handle.
        fd: The socket's file descriptor.
        iops: The IOPS the watcher belongs to.
    """

    __slots__ = ("fd", "flags", "wanted", "read_held", "data", "_ev", "_iops", "__weakref__")

    def __init__(self, ev: Any, fd: int, iops: Optional["IOPS"] = None) -> None:
        self._ev = ev
        self._iops = iops
        self.fd = fd
        self.flags = 0
        self.wanted = 0  # what libcouchbase asked for (``flags`` minus READ while reading is paused)
        self.read_held = False  # reading this one socket is held back (IOPS.hold_reading)
        self.data: Any = None

    @property
    def alive(self) -> bool:
        """False once libcouchbase has destroyed the watcher."""
        return self._ev is not None

    def on_readable(self) -> None:
        """The loop saw the socket readable.

        Never raises: an exception of a callback run from here goes to :meth:`IOPS.report`.
        """
        self.ready(READ)

    def on_writable(self) -> None:
        """The loop saw the socket writable.

        Never raises.
        """
        self.ready(WRITE)

    def ready(self, flags: int) -> None:
        """The loop saw the socket ready for ``flags`` (READ, WRITE or both).

        Args:
            flags: READ, WRITE or both.

        Never raises.
        """
        ev = self._ev
        if ev is not None:
            iops = self._iops
            if iops is not None and iops.held is not None:
                iops.held()  # send held operations before libcouchbase reads (a new map may come in)
            _depth[0] += 1
            outer, _current[0] = _current[0], self
            try:
                _event_ready(ev, flags)
            finally:
                _current[0] = outer
                _depth[0] -= 1
        elif self.flags and self._iops is not None:  # a watcher of the parent process, after os.fork()
            iops = self._iops
            try:
                iops.watch(self, 0)  # stop watching it in this (the child's) loop
                self.flags = 0
            except Exception as exc:  # noqa: BLE001 - must not reach the loop
                iops.report(exc)

    def __repr__(self) -> str:
        return f"<Watcher fd={self.fd} flags={self.flags} {'alive' if self._ev is not None else 'destroyed'}>"


class Timer:
    """A timer the loop runs for libcouchbase (or for the core: :class:`CallLater`).
    ``armed`` is True while the loop's timer is scheduled; ``data`` is free for the
    adapter (e.g. the loop's timer handle).

    libcouchbase re-arms its timeout timers on nearly every operation, usually to
    a later deadline. The C bridge re-arms the loop's timer lazily: a loop timer
    due before the new deadline is kept, and when it fires early it is scheduled
    again for the rest; a timer libcouchbase cancels fires as a no-op. So an
    adapter sees one schedule per deadline actually reached, not one per operation.

    Args:
        tm: libcouchbase's timer handle (None for a CallLater).
        iops: The IOPS the timer belongs to.
    """

    __slots__ = ("armed", "data", "_tm", "_iops", "__weakref__")

    def __init__(self, tm: Any, iops: Optional["IOPS"] = None) -> None:
        self._tm = tm
        self._iops = iops
        self.armed = False
        self.data: Any = None

    def fire(self) -> None:
        """The loop's timer is due (the loop calls this once per schedule).

        Never raises.
        """
        self.armed = False
        tm = self._tm
        if tm is not None:
            iops = self._iops
            if iops is not None:
                if iops.held is not None:
                    iops.held()
                # Loops differ in whether due timers or ready sockets go first after a busy
                # spell (libev/libuv and Twisted run timers first): replies already readable
                # must not lose to a timeout timer that is late only because the loop was busy.
                if _timer_overdue(tm) >= LATE_TIMER_US:
                    iops.drain_readable()
                    tm = self._tm
                    if tm is None:  # destroyed by what the replies triggered
                        return
            _depth[0] += 1
            try:
                _timer_fire(tm)  # runs libcouchbase's handler, or asks for the rest of a re-armed wait
            finally:
                _depth[0] -= 1


class CallLater(Timer):
    """A Python-side timer (for the core's own waits, e.g. durability polling).

    Args:
        fn: What to call when it fires.
    """

    __slots__ = ("_fn",)

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(None)
        self._fn: Optional[Callable[[], Any]] = fn

    def fire(self) -> None:
        """Call the function (once); a cancelled call does nothing.

        Raises:
            Exception: Whatever the function raises.
        """
        self.armed = False
        fn, self._fn = self._fn, None
        if fn is not None:
            fn()


class IOPS:
    """Base class of a loop adapter. One instance per libcouchbase connection.

    Subclasses implement :meth:`watch`, :meth:`schedule` and :meth:`cancel`;
    the rest have working defaults. All methods are called on the loop's
    thread, from inside libcouchbase (never re-entrantly for the same watcher).
    """

    def __init__(self) -> None:
        self.id = next(_ids)
        self.watchers: Dict[int, Watcher] = {}
        self.timers: Dict[int, Timer] = {}
        self._c_table: Any = None
        self.released = False
        self.paused = False
        # While the connection holds this turn's operations (Connection.cork): what sends them.
        # Called before the loop enters libcouchbase for this connection.
        self.held: Optional[Callable[[], Any]] = None
        self._release_callbacks: List[Callable[["IOPS"], Any]] = []

    # ---- what a loop adapter implements ------------------------------------
    def watch(self, watcher: Watcher, flags: int) -> None:
        """Start/stop watching ``watcher.fd`` so that exactly ``flags`` are watched.

        ``watcher.flags`` holds what is watched now; ``flags`` is what should be
        (``0``: nothing). Call ``watcher.on_readable()`` / ``on_writable()``
        when the socket becomes ready for a watched direction.

        Args:
            watcher: The socket's Watcher.
            flags: What should be watched now: READ, WRITE, both, or 0 (nothing).

        Raises:
            NotImplementedError: Not implemented by the adapter.
        """
        raise NotImplementedError

    def release(self, watcher: Watcher) -> None:
        """libcouchbase destroyed ``watcher`` (it is already unwatched): free any
        native resources kept in ``watcher.data``.

        Args:
            watcher: The socket's Watcher.

        Never raises.
        """

    def schedule(self, timer: Timer, delay: float) -> None:
        """Call ``timer.fire()`` once, ``delay`` seconds from now.

        Never called for a timer that is already scheduled (the core cancels
        first, or waits for it to fire).

        Args:
            timer: The Timer.
            delay: Seconds from now.

        Raises:
            NotImplementedError: Not implemented by the adapter.
        """
        raise NotImplementedError

    def cancel(self, timer: Timer) -> None:
        """Unschedule a scheduled ``timer``.

        Args:
            timer: The Timer.

        Raises:
            NotImplementedError: Not implemented by the adapter.
        """
        raise NotImplementedError

    def release_timer(self, timer: Timer) -> None:
        """libcouchbase destroyed ``timer`` (it is already cancelled).

        Args:
            timer: The Timer.

        Never raises.
        """

    def start(self) -> None:
        """Run the loop until :meth:`stop` (only used by blocking waits; the
        front ends never ask for it). Loops that are always running raise.

        Raises:
            NotImplementedError: A loop that cannot be run nested (the default).
        """
        raise NotImplementedError(f"{type(self).__name__} cannot run a nested loop")

    def stop(self) -> None:
        """Make :meth:`start` return.

        Never raises.
        """

    def report(self, exc: BaseException) -> None:
        """An exception escaped a callback: send it to the loop's error channel.

        Args:
            exc: The exception.

        Never raises.
        """
        _log.error("exception in a couchbase callback", exc_info=(type(exc), exc, exc.__traceback__))

    def call_soon_threadsafe(self, fn: Callable[[], Any]) -> bool:
        """Run ``fn()`` soon on the loop's thread, outside any callback; callable from any thread.

        Return False if this loop cannot (the default; also once the loop is
        closed). The core uses it to release a connection the garbage
        collector found unreferenced, which can happen in any thread.

        Args:
            fn: What to run.

        Returns:
            bool: True when it will run; False when this loop cannot (the default, or a closed loop).

        Never raises.
        """
        return False

    def loop_closed(self) -> bool:
        """True once the loop can never run again (asyncio: ``loop.close()``). The default,
        False, is right for loops that cannot be closed for good; the core then keeps a
        connection with work in flight alive until that work completes.

        Returns:
            bool: True once the loop is closed for good.

        Never raises.
        """
        return False

    # ---- helpers for the core ----------------------------------------------
    def pause_reading(self) -> None:
        """Stop watching this connection's sockets for reading (back-pressure of a row stream).

        Never raises.
        """
        if self.paused:
            return
        self.paused = True
        for watcher in list(self.watchers.values()):
            if watcher.flags & READ:
                flags = watcher.flags & ~READ
                self.watch(watcher, flags)
                watcher.flags = flags

    def resume_reading(self) -> None:
        """Watch again for everything libcouchbase asked for.

        Never raises.
        """
        if not self.paused:
            return
        self.paused = False
        for watcher in list(self.watchers.values()):
            self._rewatch(watcher)

    def hold_reading(self, watcher: Watcher) -> None:
        """Stop reading one socket (a row stream's, whose consumer is behind) until
        :meth:`release_reading`; the connection's other sockets keep going.

        Args:
            watcher: The socket's Watcher.

        Never raises.
        """
        watcher.read_held = True
        if watcher.alive and watcher.flags & READ:
            flags = watcher.flags & ~READ
            self.watch(watcher, flags)
            watcher.flags = flags

    def release_reading(self, watcher: Watcher) -> None:
        """Undo :meth:`hold_reading` (harmless if not held, or if libcouchbase destroyed it since).

        Args:
            watcher: The socket's Watcher.

        Never raises.
        """
        if watcher.read_held:
            watcher.read_held = False
            if watcher.alive:
                self._rewatch(watcher)

    def _rewatch(self, watcher: Watcher) -> None:
        flags = watcher.wanted & ~READ if (self.paused or watcher.read_held) else watcher.wanted
        if flags != watcher.flags:
            self.watch(watcher, flags)
            watcher.flags = flags

    def drain_readable(self) -> None:
        """Dispatch every socket watched for reading that is readable now.

        Called before a libcouchbase timer that fires late (see ``LATE_TIMER_US``):
        what arrived while the loop was busy completes its operations first. Sockets
        not watched for reading (reading paused by back-pressure) are left alone.

        Never raises.
        """
        watchers = [w for w in self.watchers.values() if w.flags & READ]
        if not watchers:
            return
        readable = _readable_fds([w.fd for w in watchers])
        for watcher in watchers:
            if watcher.fd in readable and watcher.alive and watcher.flags & READ:
                watcher.ready(READ)

    def call_later(self, delay: float, fn: Callable[[], Any]) -> CallLater:
        """Run ``fn()`` after ``delay`` seconds on this loop; ``cancel_call`` undoes it.

        Args:
            delay: Seconds from now.
            fn: What to run.

        Returns:
            CallLater: The timer (pass it to :meth:`cancel_call`).

        Never raises.
        """
        timer = CallLater(fn)
        timer.armed = True
        self.schedule(timer, delay)
        return timer

    def call_soon(self, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` when the loop has finished its current turn, before it next waits
        for I/O. The default is a zero-delay :meth:`call_later`; adapters override it with
        their loop's cheaper primitive when there is one.

        Args:
            fn: What to run.

        Never raises.
        """
        self.call_later(0, fn)

    def cancel_call(self, timer: CallLater) -> None:
        """Cancel a :meth:`call_later` that has not run (harmless after it ran).

        Args:
            timer: The CallLater.

        Never raises.
        """
        if timer.armed:
            timer.armed = False
            timer._fn = None
            self.cancel(timer)

    def table(self) -> Any:
        """The C ``lcb_io_opt_t`` for libcouchbase (created once).

        Returns:
            The C ``lcb_io_opt_t`` pointer (a cffi cdata).

        Raises:
            ObjectClosedException: This IOPS was already used by a closed connection.
            MemoryError: The table could not be allocated.
        """
        if self._c_table is None:
            if self.released:
                raise ObjectClosedException(
                    message="this IOPS object was already used by a closed connection")
            table = lib.pycb_iops_new(self.id)
            if table == ffi.NULL:
                raise MemoryError("cannot allocate an IOPS table")
            REGISTRY[self.id] = self
            self._c_table = table
        return self._c_table

    def add_release_callback(self, fn: Callable[["IOPS"], Any]) -> None:
        """Call ``fn(iops)`` once libcouchbase has released this IOPS (its
        connection is destroyed and no watcher or timer is left); at once if
        that already happened. Exceptions go to :meth:`report`.

        Args:
            fn: Called with this IOPS.

        Never raises.
        """
        if self.released:
            fn(self)
        else:
            self._release_callbacks.append(fn)

    def discard_unused_table(self) -> None:
        """Free a table that libcouchbase never took (connection creation failed).

        Never raises.
        """
        if self._c_table is not None and not self.released:
            lib.pycb_iops_free_unused(self._c_table)
            self._on_released()

    # ---- dispatch from C (see _callbacks.py) --------------------------------
    def _on_event(self, ev_id: int, ev: Any, fd: int, flags: int) -> None:
        watchers = self.watchers
        watcher = watchers.get(ev_id)
        if flags < 0:  # destroyed
            if watcher is None:
                return
            del watchers[ev_id]
            watcher._ev = None
            if watcher.flags:
                self.watch(watcher, 0)
                watcher.flags = 0
            self.release(watcher)
            return
        if watcher is None:
            watcher = watchers[ev_id] = Watcher(ev, fd, self)
        elif watcher.fd != fd:
            watcher.fd = fd
            watcher.read_held = False  # another socket now: the hold was for the old one's stream
        watcher.wanted = flags
        if self.paused or watcher.read_held:
            flags &= ~READ
        if flags != watcher.flags:
            self.watch(watcher, flags)
            watcher.flags = flags

    def _on_timer(self, tm_id: int, tm: Any, usecs: int) -> None:
        timers = self.timers
        timer = timers.get(tm_id)
        if usecs >= 0:  # wanted sooner than the loop's timer fires, or there is none
            if timer is None:
                timer = timers[tm_id] = Timer(tm, self)
            elif timer.armed:
                self.cancel(timer)
            timer.armed = True
            self.schedule(timer, usecs / 1e6)
            return
        if timer is None:
            return
        # destroyed: the loop must let go of it now
        if timer.armed:
            timer.armed = False
            self.cancel(timer)
        del timers[tm_id]
        timer._tm = None
        self.release_timer(timer)

    def _on_released(self) -> None:
        self.released = True
        self._c_table = None
        REGISTRY.pop(self.id, None)
        callbacks, self._release_callbacks = self._release_callbacks, []
        for fn in callbacks:
            try:
                fn(self)
            except Exception as exc:  # noqa: BLE001 - one hook must not stop the others
                self.report(exc)

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} id={self.id} watchers={len(self.watchers)} "
                f"timers={len(self.timers)}{' released' if self.released else ''}>")


def _readable_fds(fds: List[int]) -> set[Any]:
    """The descriptors of ``fds`` that are readable now (or closed/errored: the read reports it)."""
    ready = ffi.new("int[]", len(fds))
    if lib.pycb_iops_readable(fds, len(fds), ready) <= 0:
        return set()
    return {fd for fd, r in zip(fds, ready) if r}


def _disarm_inherited() -> None:
    """In a child made by os.fork(): the parent's libcouchbase instances must not run here.

    Their sockets are the parent's too: a loop that keeps running in the child
    (gevent's after ``gevent.reinit()``, for one) would let them read the
    parent's replies and fire the parent's timers. Their watchers and timers
    are disarmed: events for them are dropped, and the first one stops the
    watch in the child's loop (:meth:`Watcher.ready`).
    """
    for iops in list(REGISTRY.values()):
        for watcher in iops.watchers.values():
            watcher._ev = None
        for timer in iops.timers.values():
            timer._tm = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_disarm_inherited)


def live_iops() -> List[IOPS]:
    """Returns:
        list[IOPS]: The IOPS objects still held.

    Never raises.
    """
    return list(REGISTRY.values())


# ---- the reference implementation: a selectors-based loop -------------------

class SelectorLoop:
    """A minimal event loop on ``selectors``: sockets, timers, ``run_until``.

    Shared by any number of :class:`SelectorIOPS` (one per connection). Not
    thread-safe: use it from one thread.
    """

    def __init__(self) -> None:
        self.selector = selectors.DefaultSelector()
        self._timers: List[Tuple[float, int, Timer]] = []
        self._soon: List[Callable[[], Any]] = []  # call_soon: run at the end of the current turn
        self._writes: List[Watcher] = []  # try_write: writable without asking the selector first
        self._seq = itertools.count()
        self._stopped = False
        self._errors: List[BaseException] = []
        self._thread = threading.get_ident()

    # sockets: one selector registration per fd, data = {READ: watcher, WRITE: watcher}
    def set_interest(self, fd: int, watcher: Watcher, flags: int) -> None:
        """Watch ``fd`` for exactly ``flags`` (0: stop watching), dispatching to ``watcher``.

        Args:
            fd: The socket's file descriptor.
            watcher: The socket's Watcher.
            flags: READ, WRITE, both or 0.

        Never raises.
        """
        sel = self.selector
        try:
            key = sel.get_key(fd)
        except KeyError:
            key = None
        events = ((selectors.EVENT_READ if flags & READ else 0)
                  | (selectors.EVENT_WRITE if flags & WRITE else 0))
        if key is None:
            if events:
                sel.register(fd, events, watcher)
        elif not events:
            sel.unregister(fd)
        else:
            sel.modify(fd, events, watcher)

    def add_timer(self, timer: Timer, delay: float) -> None:
        """Fire ``timer`` after ``delay`` seconds.

        Args:
            timer: The Timer.
            delay: Seconds from now (negative: now).

        Never raises.
        """
        due = time.monotonic() + max(0.0, delay)
        timer.data = due
        heapq.heappush(self._timers, (due, next(self._seq), timer))

    def remove_timer(self, timer: Timer) -> None:
        """Cancel a scheduled timer.

        Args:
            timer: The Timer.

        Never raises.
        """
        timer.data = None  # lazily dropped from the heap

    def call_soon(self, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` at the end of the current turn (after its I/O and due timers), before the
        loop next waits for I/O; in the order given. An exception it raises is reported
        (:meth:`report`).

        Args:
            fn: What to run.

        Never raises.
        """
        self._soon.append(fn)

    def try_write(self, watcher: Watcher) -> None:
        """Report ``watcher`` writable at the start of the next turn without watching its socket for
        writability: a connected socket almost always is, and the selector round (register the
        write interest, a poll, unregister it once the data is out) costs more than the write.
        If the watcher still wants WRITE after that call (the data did not all fit, or a connect
        is still in progress), its socket is then watched for writability as usual.

        Args:
            watcher: A watcher that just started wanting WRITE.

        Never raises.
        """
        self._writes.append(watcher)

    def _run_soon(self) -> None:
        soon, self._soon = self._soon, []
        for fn in soon:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - the turn's error channel
                self.report(exc)

    def _run_writes(self) -> None:
        writes, self._writes = self._writes, []
        for watcher in writes:
            if watcher.alive and watcher.flags & WRITE:
                watcher.ready(WRITE)
                if watcher.alive and watcher.flags & WRITE:  # not done: wait for the socket
                    self.set_interest(watcher.fd, watcher, watcher.flags)

    def report(self, exc: BaseException) -> None:
        """Keep an exception from a callback; the current run_once raises it.

        Args:
            exc: The exception.

        Never raises.
        """
        self._errors.append(exc)

    def run_once(self, timeout: Optional[float] = None) -> None:
        """Wait for at most ``timeout`` seconds, then dispatch what is ready.

        Args:
            timeout: The longest wait in seconds (None: until the next timer or event).

        Raises:
            Exception: The first exception a callback reported during this turn.
        """
        if self._soon:  # queued since the last turn (from outside the loop): before waiting
            self._run_soon()
            if self._errors:
                self._raise_reported()
        if self._writes:
            self._run_writes()
        timers = self._timers
        now = time.monotonic()
        while timers and timers[0][2].data != timers[0][0]:
            heapq.heappop(timers)  # cancelled or rescheduled
        if timers:
            wait = max(0.0, timers[0][0] - now)
            timeout = wait if timeout is None else min(timeout, wait)
        if self._soon or self._writes:
            timeout = 0.0
        if self.selector.get_map():
            events = self.selector.select(timeout)
        else:
            if timeout is None:
                raise RuntimeError("SelectorLoop.run_once: nothing to wait for")
            time.sleep(timeout)
            events = []
        for key, mask in events:
            watcher = key.data
            flags = ((READ if mask & selectors.EVENT_READ else 0)
                     | (WRITE if mask & selectors.EVENT_WRITE else 0))
            watcher.ready(flags & watcher.flags)
        now = time.monotonic()
        while timers and timers[0][0] <= now:
            due, _, timer = heapq.heappop(timers)
            if timer.data == due:
                timer.data = None
                timer.fire()
        if self._soon:
            self._run_soon()
        if self._errors:
            self._raise_reported()

    def _raise_reported(self) -> None:
        err = self._errors.pop(0)
        self._errors.clear()
        raise err

    def run_until(self, done: Callable[[], bool], timeout: Optional[float] = None) -> None:
        """Run until ``done()`` is true; ``TimeoutError`` after ``timeout`` seconds.

        Args:
            done: Called after each turn; the loop stops when it returns True.
            timeout: Seconds before giving up (None: never).

        Raises:
            TimeoutError: ``done()`` was not true within ``timeout``.
            Exception: An exception a callback reported.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while not done():
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("SelectorLoop.run_until: condition not met in time")
                self.run_once(min(left, 1.0))
            else:
                self.run_once(1.0)

    def run(self) -> None:
        """Run until :meth:`stop`.

        Raises:
            Exception: An exception a callback reported.
        """
        self._stopped = False
        while not self._stopped:
            self.run_once(1.0)

    def stop(self) -> None:
        """Make :meth:`run` return after the current turn.

        Never raises.
        """
        self._stopped = True

    def close(self) -> None:
        """Close the selector (the loop cannot run again).

        Never raises.
        """
        self.selector.close()


class SelectorIOPS(IOPS):
    """The reference adapter: plugs libcouchbase into a :class:`SelectorLoop`.

    Args:
        loop: The SelectorLoop (shared by any number of connections).
    """

    def __init__(self, loop: SelectorLoop) -> None:
        super().__init__()
        self.loop = loop

    def watch(self, watcher: Watcher, flags: int) -> None:
        """Watch ``watcher``'s socket for exactly ``flags`` on the loop. A watcher that starts
        wanting WRITE is first reported writable at the start of the next turn
        (:meth:`SelectorLoop.try_write`); its socket is watched for writability only if it still
        wants WRITE after that.

        Args:
            watcher: The socket's Watcher.
            flags: READ, WRITE, both or 0.

        Never raises.
        """
        if flags & WRITE and not watcher.flags & WRITE:
            self.loop.set_interest(watcher.fd, watcher, flags & ~WRITE)
            self.loop.try_write(watcher)
        else:
            self.loop.set_interest(watcher.fd, watcher, flags)

    def schedule(self, timer: Timer, delay: float) -> None:
        """Fire ``timer`` after ``delay`` seconds on the loop.

        Args:
            timer: The Timer.
            delay: Seconds from now.

        Never raises.
        """
        self.loop.add_timer(timer, delay)

    def cancel(self, timer: Timer) -> None:
        """Cancel a scheduled timer.

        Args:
            timer: The Timer.

        Never raises.
        """
        self.loop.remove_timer(timer)

    def call_soon(self, fn: Callable[[], Any]) -> None:
        """Run ``fn()`` at the end of the loop's current turn (:meth:`SelectorLoop.call_soon`).

        Args:
            fn: What to run.

        Never raises.
        """
        self.loop.call_soon(fn)

    def start(self) -> None:
        """Run the loop until :meth:`stop`.

        Raises:
            Exception: An exception a callback reported.
        """
        self.loop.run()

    def stop(self) -> None:
        """Make :meth:`start` return.

        Never raises.
        """
        self.loop.stop()

    def report(self, exc: BaseException) -> None:
        """Keep the exception; the loop's current turn raises it.

        Args:
            exc: The exception.

        Never raises.
        """
        self.loop.report(exc)


__all__ = ["IOPS", "Watcher", "Timer", "CallLater", "READ", "WRITE",
           "SelectorLoop", "SelectorIOPS", "live_iops"]
