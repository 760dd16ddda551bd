"""The asyncio adapter of the IOPS interface (works on uvloop too).

Sockets are watched with ``add_reader``/``add_writer`` (the watcher's bound
methods are registered directly, so an event costs no allocation here) and
timers are ``call_later`` handles. Errors escaping a callback go to the loop's
exception handler.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from couchbase.iops import IOPS, READ, WRITE, Timer, Watcher


class AsyncioIOPS(IOPS):
    """Plugs one libcouchbase connection into an asyncio event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop

    def watch(self, watcher: Watcher, flags: int) -> None:
        changed = watcher.flags ^ flags
        loop = self.loop
        if changed & READ:
            if flags & READ:
                loop.add_reader(watcher.fd, watcher.on_readable)
            else:
                loop.remove_reader(watcher.fd)
        if changed & WRITE:
            if flags & WRITE:
                loop.add_writer(watcher.fd, watcher.on_writable)
            else:
                loop.remove_writer(watcher.fd)

    def schedule(self, timer: Timer, delay: float) -> None:
        timer.data = self.loop.call_later(delay, timer.fire)

    def call_soon(self, fn: Callable[[], Any]) -> None:
        self.loop.call_soon(fn)

    def cancel(self, timer: Timer) -> None:
        handle = timer.data
        if handle is not None:
            timer.data = None
            handle.cancel()

    def report(self, exc: BaseException) -> None:
        self.loop.call_exception_handler({"message": "exception in a couchbase callback", "exception": exc})

    def loop_closed(self) -> bool:
        return self.loop.is_closed()

    def call_soon_threadsafe(self, fn: Callable[[], Any]) -> bool:
        if self.loop.is_closed():
            return False
        self.loop.call_soon_threadsafe(fn)
        return True
