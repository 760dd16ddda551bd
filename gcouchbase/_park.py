"""Parking greenlets on operations of the core, and resuming them in batches.

A greenlet that waits for an operation (:func:`wait`) parks: it stores itself in the
operation's ``waiter`` slot and switches to the hub. The operation's completion hook runs
inside libcouchbase's dispatch, where no greenlet may be switched to, and one readiness
event of a socket completes hundreds of operations. So the hook only appends the operation
to its hub's :class:`RunQueue`; the first one of a batch schedules one hub callback, which
switches to each parked greenlet in turn (each runs until it parks again, then the hub
carries on with the next). Per completed operation that is two greenlet switches and no
object the hub must track (no ``Waiter``, no loop callback of its own).

A greenlet that stops waiting (killed, or a ``gevent.Timeout`` raised in it) clears the
slot on its way out, so a completion that arrives later resumes nobody.
"""
from __future__ import annotations

import sys
import time
from typing import Any, List

from gevent import get_hub, getcurrent

from couchbase._pending import Pending

# How many greenlets one hub callback resumes between two looks at the clock, and for how long
# it may run (gevent's own callback loop yields to I/O and timers after the switch interval).
_CHECK_EVERY = 64


class RunQueue:
    """The operations of one hub whose parked greenlets are due to resume.

    Args:
        hub: The gevent hub whose greenlets park on operations.
    """

    __slots__ = ("hub", "loop", "queue", "scheduled", "hook")

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.loop = hub.loop
        self.queue: List[Pending] = []
        self.scheduled = False
        self.hook = self.wake  # one bound method for every operation

    def wake(self, pending: Pending) -> None:
        """The completion hook: resume the greenlet parked on ``pending`` from the hub, soon.

        Args:
            pending: The completed operation.

        Never raises.
        """
        if pending.waiter is None:
            return  # nobody waits any more: the late result is dropped
        self.queue.append(pending)
        if not self.scheduled:
            self.scheduled = True
            self.loop.run_callback(self._run)

    def _run(self) -> None:
        queue, self.queue = self.queue, []
        self.scheduled = False
        switch_interval = sys.getswitchinterval()
        deadline = time.perf_counter() + switch_interval
        count = _CHECK_EVERY
        for i, pending in enumerate(queue):
            glet = pending.waiter
            if glet is None:
                continue  # it stopped waiting (killed, timed out) after the completion
            pending.waiter = None
            try:
                glet.switch()  # returns when it parks again (or ends)
            except BaseException:  # noqa: BLE001 - a raw greenlet's error reaches its parent, the hub
                self.hub.handle_error(glet, *sys.exc_info())
            count -= 1
            if not count:
                count = _CHECK_EVERY
                if time.perf_counter() >= deadline and i + 1 < len(queue):
                    # let the hub serve I/O and timers; the rest resume from the next callback
                    self.queue[:0] = queue[i + 1:]
                    if not self.scheduled:
                        self.scheduled = True
                        self.loop.run_callback(self._run)
                    return


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
        pending.waiter = getcurrent()
        pending.chain(queue.hook)  # after a hook already set (a batch placeholder that is part of a multi)
        switch = queue.hub.switch
        try:
            while not pending.done:  # a stray switch into this greenlet parks it again
                switch()
        finally:
            pending.waiter = None
    return pending.outcome()


__all__ = ["RunQueue", "run_queue", "wait"]
