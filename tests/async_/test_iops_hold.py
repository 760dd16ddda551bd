"""The IOPS core's per-socket read hold (row streams' back-pressure) and the late-timer drain,
on the reference loop with real socketpairs: what the adapter is asked to watch, and which
sockets a late timer dispatches first."""
from __future__ import annotations

import socket
from typing import Any, Iterator, List, Tuple

import pytest

from couchbase import iops as I

R, W = I.READ, I.WRITE


class Recording(I.SelectorIOPS):
    def __init__(self) -> None:
        super().__init__(I.SelectorLoop())
        self.calls: List[Tuple[int, int]] = []

    def watch(self, watcher: I.Watcher, flags: int) -> None:
        self.calls.append((watcher.fd, flags))
        super().watch(watcher, flags)


@pytest.fixture
def pair() -> Iterator[Tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def _watcher(iops: Recording, ev_id: int, fd: int, flags: int) -> I.Watcher:
    iops._on_event(ev_id, object(), fd, flags)  # what libcouchbase's watch request does
    return iops.watchers[ev_id]


def test_a_held_socket_is_not_read_until_released(pair: Any) -> None:
    iops = Recording()
    fd = pair[0].fileno()
    w = _watcher(iops, 1, fd, R | W)
    assert iops.calls == [(fd, R | W)]
    iops.hold_reading(w)
    assert iops.calls[-1] == (fd, W) and w.flags == W
    iops._on_event(1, object(), fd, R | W)  # libcouchbase asks again: the hold stays
    iops.pause_reading()
    iops.resume_reading()  # the connection-wide pause ends: this socket is still held
    assert w.flags == W and iops.calls[-1] == (fd, W)
    iops.release_reading(w)
    assert iops.calls[-1] == (fd, R | W) and w.flags == R | W
    iops.release_reading(w)  # harmless twice
    assert len(iops.calls) == 3
    iops.loop.close()


def test_release_during_a_pause_waits_for_the_resume(pair: Any) -> None:
    iops = Recording()
    fd = pair[0].fileno()
    w = _watcher(iops, 1, fd, R)
    iops.hold_reading(w)
    iops.pause_reading()
    iops.release_reading(w)
    assert w.flags == 0
    iops.resume_reading()
    assert w.flags == R
    iops.loop.close()


def test_a_hold_does_not_follow_the_event_to_another_socket(pair: Any) -> None:
    iops = Recording()
    a, b = pair
    w = _watcher(iops, 1, a.fileno(), R)
    iops.hold_reading(w)
    iops._on_event(1, object(), b.fileno(), R)  # libcouchbase reuses the event for another socket
    assert not w.read_held and w.flags == R and iops.calls[-1] == (b.fileno(), R)
    iops.loop.close()


def test_drain_dispatches_only_readable_sockets_watched_for_reading(monkeypatch: Any) -> None:
    iops = Recording()
    socks = [socket.socketpair() for _ in range(3)]
    seen: List[Tuple[int, int]] = []
    evs = {}
    for i, (a, _b) in enumerate(socks):
        ev = object()
        evs[id(ev)] = a.fileno()
        iops._on_event(i + 1, ev, a.fileno(), R)
    monkeypatch.setattr(I, "_event_ready", lambda ev, flags: seen.append((evs[id(ev)], flags)))
    iops.drain_readable()
    assert seen == []  # nothing arrived
    for _a, b in socks:
        b.send(b"x")
    iops.hold_reading(iops.watchers[3])  # back-pressure: left alone
    iops.drain_readable()
    assert sorted(seen) == sorted([(socks[0][0].fileno(), R), (socks[1][0].fileno(), R)])
    iops.loop.close()
    for a, b in socks:
        a.close()
        b.close()
