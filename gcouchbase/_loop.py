"""The gevent adapter of the IOPS interface (public gevent APIs only).

Sockets are watched with ``hub.loop.io(fd, events)`` watchers. A native io
watcher's events are fixed when it is created, so each libcouchbase socket
keeps at most one per direction set (READ, WRITE, READ|WRITE), created on
first use and restarted with ``start(callback)``/``stop()`` as the wanted
flags change; ``release`` closes them. Timers are ``hub.loop.timer(delay)``
watchers, closed when they fire or are cancelled. Errors escaping a callback
go to ``hub.handle_error``. Everything runs in the hub greenlet, so it never
blocks the greenlets waiting for results.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from couchbase.iops import IOPS, READ, WRITE, Timer, Watcher

# libcouchbase's READ/WRITE bits are not gevent's (libev/libuv: READ=1, WRITE=2).
_G_READ = 1
_G_WRITE = 2
_TO_GEVENT = {READ: _G_READ, WRITE: _G_WRITE, READ | WRITE: _G_READ | _G_WRITE}


class _Native:
    """The gevent io watchers of one libcouchbase socket, by (libcouchbase) flag set."""

    __slots__ = ("fd", "ios", "active", "watcher")

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.fd = watcher.fd
        self.ios: Dict[int, Any] = {}
        self.active: Optional[Any] = None

    def both(self, events: int) -> None:
        """Callback of a READ|WRITE watcher: gevent's event bits → libcouchbase's."""
        self.watcher.ready((READ if events & _G_READ else 0) | (WRITE if events & _G_WRITE else 0))

    def close(self) -> None:
        for io in self.ios.values():
            io.stop()
            io.close()
        self.ios.clear()
        self.active = None
        self.watcher = None  # type: ignore[assignment]


class GeventIOPS(IOPS):
    """Plugs one libcouchbase connection into a gevent hub's loop.

    :param hub: the hub (default: this thread's, ``gevent.get_hub()``).
    """

    def __init__(self, hub: Optional[Any] = None) -> None:
        super().__init__()
        if hub is None:
            from gevent import get_hub

            hub = get_hub()
        self.hub = hub
        self.loop = hub.loop

    def watch(self, watcher: Watcher, flags: int) -> None:
        flags &= READ | WRITE  # libcouchbase may add its ERROR bit; errors show up as readiness
        native = watcher.data
        if native is not None and native.fd != watcher.fd:  # the watcher moved to another socket
            native.close()
            native = None
        if native is None:
            if not flags:
                watcher.data = None
                return
            native = watcher.data = _Native(watcher)
        if native.active is not None:
            native.active.stop()
            native.active = None
        if not flags:
            return
        io = native.ios.get(flags)
        if io is None:
            io = native.ios[flags] = self.loop.io(watcher.fd, _TO_GEVENT[flags])
        if flags == READ:
            io.start(watcher.on_readable)
        elif flags == WRITE:
            io.start(watcher.on_writable)
        else:
            io.start(native.both, pass_events=True)
        native.active = io

    def release(self, watcher: Watcher) -> None:
        native = watcher.data
        watcher.data = None
        if native is not None:
            native.close()

    def call_soon(self, fn: Callable[[], Any]) -> None:
        self.loop.run_callback(fn)

    def schedule(self, timer: Timer, delay: float) -> None:
        native = self.loop.timer(max(0.0, delay))
        timer.data = native
        native.start(self._fire, timer)

    def _fire(self, timer: Timer) -> None:
        native = timer.data
        timer.data = None
        if native is not None:
            native.close()
        timer.fire()

    def cancel(self, timer: Timer) -> None:
        native = timer.data
        timer.data = None
        if native is not None:
            native.stop()
            native.close()

    def release_timer(self, timer: Timer) -> None:
        self.cancel(timer)

    def report(self, exc: BaseException) -> None:
        self.hub.handle_error(None, type(exc), exc, exc.__traceback__)

    def call_soon_threadsafe(self, fn: Callable[[], Any]) -> bool:
        self.loop.run_callback_threadsafe(fn)  # raises once the hub's loop is destroyed
        return True


__all__ = ["GeventIOPS"]
