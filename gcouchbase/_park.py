"""Parking greenlets on operations of the core, and resuming them in batches.

A greenlet that waits for an operation (:func:`wait`) parks: it stores itself in the
operation's ``waiter`` slot and switches away. The operation's completion hook runs inside
libcouchbase's dispatch, where no greenlet may be switched to, and one readiness event of a
socket completes hundreds of operations. So the hook only appends the operation to its hub's
:class:`RunQueue`; the first one of a batch schedules one hub callback, which resumes the
parked greenlets in turn.

Resuming is a hand-off (on CPython, see :data:`HAND_OFF`): a greenlet that the run queue resumed
and that parks again switches straight to the next greenlet due, not back to the hub (which would
only switch to that next one). So a completed operation costs one greenlet switch, not two, and
nothing the hub must track (no ``Waiter``, no loop callback of its own). The hub's callback stays
suspended while the chain runs; it takes over again when a greenlet parks on something else (a
socket, ``gevent.sleep``), ends, or when the time slice is over (the hub then serves I/O and timers
and resumes the rest afterwards, as gevent's own callback loop yields after the switch interval).

A greenlet that stops waiting (killed, or a ``gevent.Timeout`` raised in it) clears the
slot on its way out, so a completion that arrives later resumes nobody.
"""
from __future__ import annotations

import sys
from collections import deque
from time import perf_counter
from typing import Any, Deque, Optional

from gevent import get_hub, getcurrent

from couchbase._pending import Pending

# How many greenlets are resumed between two looks at the clock (the time slice's end).
_CHECK_EVERY = 64

# Hand-offs between greenlets on CPython only: on PyPy (greenlets on continulets) they measured
# slower than parking through the hub (quick benchmark, gcouchbase-pypy get x10000: 20-32 against
# 17-20 us per operation), so there every greenlet parks through the hub.
HAND_OFF = sys.implementation.name == "cpython"


class RunQueue:
    """The operations of one hub whose parked greenlets are due to resume.

    Args:
        hub: The gevent hub whose greenlets park on operations.
    """

    __slots__ = ("hub", "loop", "ready", "scheduled", "running", "deadline", "budget", "hook", "park")

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.loop = hub.loop
        self.ready: Deque[Pending] = deque()
        self.scheduled = False
        self.running = False  # the hub is inside _run: parking greenlets hand off to the next one due
        self.deadline = 0.0  # when the current time slice ends (perf_counter)
        self.budget = _CHECK_EVERY  # resumes left before the next look at the clock
        self.hook = self.wake  # one bound method for every operation
        self.park = hub.switch  # likewise

    def wake(self, pending: Pending) -> None:
        """The completion hook: resume the greenlet parked on ``pending`` from the hub, soon.

        Args:
            pending: The completed operation.

        Never raises.
        """
        if pending.waiter is None:
            return  # nobody waits any more: the late result is dropped
        self.ready.append(pending)
        if not self.scheduled:
            self.scheduled = True
            self.loop.run_callback(self._run)

    def take(self) -> Optional[Any]:
        """The next parked greenlet due in this time slice (its slot cleared), or None when
        there is none or the slice is over.

        Returns:
            A greenlet to switch to, or None.

        Never raises.
        """
        ready = self.ready
        while ready:
            self.budget -= 1
            if self.budget <= 0:
                if perf_counter() >= self.deadline:
                    self.budget = 0  # over until the next slice: the hub's _run must not carry on either
                    return None
                self.budget = _CHECK_EVERY
            pending = ready.popleft()
            glet = pending.waiter
            if glet is not None:  # else it stopped waiting (killed, timed out) after the completion
                pending.waiter = None
                return glet
        return None

    def _run(self) -> None:
        # ``scheduled`` stays set while this runs: completions meanwhile join this run's queue
        self.deadline = perf_counter() + sys.getswitchinterval()
        self.budget = _CHECK_EVERY
        self.running = True
        try:
            while True:
                glet = self.take()
                if glet is None:
                    break
                try:
                    # returns when the chain of hand-offs that starts here comes back to the hub
                    glet.switch()
                except BaseException:  # noqa: BLE001 - a raw greenlet's error reaches its parent, the hub
                    self.hub.handle_error(glet, *sys.exc_info())
        finally:
            self.running = False
            if not self.ready:
                self.scheduled = False
            else:
                # The slice ended: the rest resume after the hub has polled I/O and run its timers.
                # Not from a loop callback: gevent runs callbacks added meanwhile in the same pass,
                # looking at the clock only every 50 of them, so each would be another whole slice.
                timer = self.loop.timer(0.0)
                timer.start(self._resume, timer)

    def _resume(self, timer: Any) -> None:
        timer.close()
        self._run()


def run_queue() -> RunQueue:
    """This thread's hub's run queue (created on first use).

    Returns:
        The :class:`RunQueue` of ``gevent.get_hub()``.
    """
    hub = get_hub()
    queue: Any = getattr(hub, "_gcouchbase_run_queue", None)
    if queue is None:
        queue = hub._gcouchbase_run_queue = RunQueue(hub)
    return queue  # type: ignore[no-any-return]


def wait(pending: Pending) -> Any:
    """Park the calling greenlet until ``pending`` completes.

    Args:
        pending: An operation, row stream or management request of the core.

    Returns:
        Its outcome (the result).

    Raises:
        CouchbaseException: The operation's typed exception.
        gevent.exceptions.BlockingSwitchOutError: Called from the hub (a loop callback) while
            the operation is not complete.
    """
    if not pending.done:
        queue = run_queue()
        me = getcurrent()
        pending.waiter = me
        if pending.on_done is None:
            pending.on_done = queue.hook
        else:  # after the hook already set (a batch placeholder that is part of a multi)
            pending.chain(queue.hook)
        try:
            while not pending.done:  # a stray switch into this greenlet parks it again
                nxt = queue.take() if HAND_OFF and queue.running and me is not queue.hub else None
                if nxt is None:
                    queue.park()
                    continue
                switch_out = getattr(me, "switch_out", None)  # what hub.switch() honours
                if switch_out is not None:
                    switch_out()
                nxt.switch()
        finally:
            pending.waiter = None
    return pending.outcome()


__all__ = ["RunQueue", "run_queue", "wait"]
