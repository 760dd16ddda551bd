"""The one completion protocol of everything that is in flight.

Every pending thing the core hands to a front end — a key-value operation
(:class:`~couchbase._kv_response.AsyncResult`), a multi operation
(:class:`~couchbase._kv_response.MultiCollector`), an HTTP request or a row
stream (:mod:`couchbase._services`), a durability/observe round
(:mod:`couchbase._durability`) — is a :class:`Pending`:

* ``done``: it has completed (exactly once);
* ``result`` / ``error``: what it completed with; :meth:`Pending.outcome`
  returns the one or raises the other;
* ``on_done``: the one hook, ``on_done(pending)``, called once when it
  completes. Whoever waits sets it: a front end (to settle a future, fire a
  Deferred, wake a greenlet, call raw callbacks), or a parent (a multi
  operation collecting its keys). :meth:`Pending.chain` adds a second waiter
  to a pending thing that is already hooked;
* ``waiter``: a slot for the front end's own waiting object (future,
  Deferred, gevent Waiter), so that settling needs no closure.

So each front end has exactly one way to turn a pending thing into its idiom
(``_wrap``) and one completion hook, whatever kind of request it is.

What the connection's pending registry holds is a narrower protocol,
:class:`Registered`: a ``cookie`` it was registered under, ``_complete(resp)``
for each response libcouchbase delivers, ``_fail(exc)`` when it ends without
one (close, cancel), and ``describe()`` for messages.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Protocol

Hook = Callable[[Any], Any]


class Registered(Protocol):
    """What :class:`~couchbase._instance.Connection` keeps in its pending registry."""

    cookie: int

    def _complete(self, resp: Any) -> None:
        """One response for this cookie (``resp.is_final`` on the last one)."""

    def _fail(self, exc: BaseException) -> None:
        """Complete with ``exc`` without a response (close, cancel, scheduling failure)."""

    def describe(self) -> str:
        """What this is, for messages ("operation on key 'k'")."""


class Pending:
    """Something in flight that completes once with a result or an error (see the module doc)."""

    __slots__ = ("done", "result", "error", "on_done", "waiter")

    def __init__(self) -> None:
        self.done = False
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.on_done: Optional[Hook] = None
        self.waiter: Any = None

    def _notify(self) -> None:
        """Mark done and call the hook (subclasses set ``result``/``error`` first)."""
        self.done = True
        hook = self.on_done
        if hook is not None:
            hook(self)

    def _resolve(self, result: Any) -> None:
        """Complete successfully (once)."""
        if not self.done:
            self.result = result
            self._notify()

    def _fail(self, exc: BaseException) -> None:
        """Complete with ``exc`` (once)."""
        if not self.done:
            self.error = exc
            self._notify()

    def _adopt(self, other: "Pending") -> None:
        """Complete with what ``other`` completed with (a hook: ``other.on_done = self._adopt``)."""
        if other.error is not None:
            self._fail(other.error)
        else:
            self._resolve(other.result)

    def outcome(self) -> Any:
        """The result, or raise the error (once done).

        Returns:
            The operation's result.

        Raises:
            CouchbaseException: The operation's typed exception.
        """
        if self.error is not None:
            raise self.error
        return self.result

    def chain(self, hook: Hook) -> None:
        """Call ``hook(self)`` on completion too, after the hook already set (if any).

        Args:
            hook: A callable taking the completed pending.

        Never raises.
        """
        first = self.on_done
        if first is None:
            self.on_done = hook
            return

        def both(pending: Any) -> None:
            try:
                first(pending)
            finally:
                hook(pending)

        self.on_done = both

    def describe(self) -> str:
        return "a request"


__all__ = ["Hook", "Pending", "Registered"]
