"""The Twisted adapter of the IOPS interface (any installed reactor).

Each socket libcouchbase wants watched gets one :class:`SocketDescriptor`,
which provides Twisted's ``IReadDescriptor`` and ``IWriteDescriptor`` and is
registered with ``reactor.addReader``/``addWriter`` (removed with
``removeReader``/``removeWriter`` as the wanted directions change). Timers are
``reactor.callLater`` calls, cancelled through their ``DelayedCall``.
Exceptions escaping a callback are logged through ``twisted.logger``.

Nothing here installs or imports the global reactor: the reactor is passed in
(txcouchbase's clusters import ``twisted.internet.reactor`` lazily, when one is
created), so users can install the reactor of their choice first. Tested on
the default (epoll), select, poll and asyncio reactors.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from twisted.internet.interfaces import IReadDescriptor, IWriteDescriptor
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from couchbase.iops import IOPS, READ, WRITE, Timer, Watcher

_log = Logger(namespace="couchbase.txcouchbase")


@implementer(IReadDescriptor, IWriteDescriptor)
class SocketDescriptor:
    """One libcouchbase socket, as the reactor sees it.

    The descriptor remembers the fd it was registered with (the reactor finds
    registrations by ``fileno()``), so it stays removable even if
    libcouchbase moves the watcher to another socket.
    """

    __slots__ = ("watcher", "fd", "lost")

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.fd = watcher.fd
        self.lost = False

    def fileno(self) -> int:
        return self.fd

    def doRead(self) -> None:
        self.watcher.on_readable()

    def doWrite(self) -> None:
        self.watcher.on_writable()

    def connectionLost(self, reason: Failure) -> None:
        # The reactor dropped us (it is shutting down, or found the fd bad). It
        # has already forgotten the registration; libcouchbase still owns the
        # socket and will time out or close it. Nothing to undo here.
        self.lost = True

    def logPrefix(self) -> str:
        return "couchbase"

    def __repr__(self) -> str:
        return f"<SocketDescriptor fd={self.fd}{' lost' if self.lost else ''}>"


class TwistedIOPS(IOPS):
    """Plugs one libcouchbase connection into a Twisted reactor.

    :param reactor: the reactor to use (``twisted.internet.reactor`` by default,
        imported only here, at construction).
    """

    def __init__(self, reactor: Optional[Any] = None) -> None:
        super().__init__()
        if reactor is None:
            from twisted.internet import reactor as installed

            reactor = installed
        # Any: Twisted describes its reactor with zope interfaces, which mypy reads without the
        # zope plugin as functions missing their self
        self.reactor: Any = reactor

    def watch(self, watcher: Watcher, flags: int) -> None:
        reactor = self.reactor
        desc = watcher.data
        current = watcher.flags
        if desc is not None and desc.fd != watcher.fd:
            # libcouchbase reused the watcher for another socket: drop the old registration
            if current & READ:
                reactor.removeReader(desc)
            if current & WRITE:
                reactor.removeWriter(desc)
            desc = None
            current = 0
        if desc is None:
            if not flags:
                watcher.data = None
                return
            desc = watcher.data = SocketDescriptor(watcher)
        changed = current ^ flags
        if changed & READ:
            if flags & READ:
                reactor.addReader(desc)
            else:
                reactor.removeReader(desc)
        if changed & WRITE:
            if flags & WRITE:
                reactor.addWriter(desc)
            else:
                reactor.removeWriter(desc)

    def release(self, watcher: Watcher) -> None:
        watcher.data = None

    def schedule(self, timer: Timer, delay: float) -> None:
        timer.data = self.reactor.callLater(max(0.0, delay), timer.fire)

    def cancel(self, timer: Timer) -> None:
        call = timer.data
        timer.data = None
        if call is not None and call.active():
            call.cancel()

    def release_timer(self, timer: Timer) -> None:
        timer.data = None

    def report(self, exc: BaseException) -> None:
        _log.failure("exception in a couchbase callback", failure=Failure(exc))

    def call_soon_threadsafe(self, fn: Callable[[], Any]) -> bool:
        self.reactor.callFromThread(fn)
        return True


__all__ = ["SocketDescriptor", "TwistedIOPS"]
