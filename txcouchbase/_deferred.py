"""Firing an operation's Deferred from its completion, at the least cost Twisted allows.

Each operation of :class:`~txcouchbase.cluster.TxCluster` returns a
:class:`~twisted.internet.defer.Deferred`. The operation's completion hook
(:func:`settle_op`, or :func:`settle` for a plain Deferred) fires it directly: no internal
callbacks are chained on it.

Two costs of a plain Deferred are avoided, measured with callgrind and the benchmark (see
bench/README.md):

* **Firing.** Most of what a Deferred costs is ``Deferred.callback``: ``_startRunCallbacks``
  and the general loop of ``_runCallbacks`` (a chain stack, a ``try``/``finally`` per
  callback, the chaining checks) run for every operation, although the usual shape is one
  ``addCallbacks(ok, failed)`` pair whose callback returns a plain value. For exactly that
  shape the hook does what Twisted's loop does in that case and nothing else: marks the
  Deferred called, takes the pair, calls the callback with the result (``_runningCallbacks``
  set around the call, as Twisted does), and stores what it returned. Whatever else happens
  is handed back to Twisted's own loop at the point it would be in: an exception (stored as a
  Failure, then the loop runs the rest of the chain and records an unhandled failure), a
  returned Deferred (chained by the loop, through a one-shot entry that returns it), a
  returned Failure or callbacks added meanwhile (the loop continues with them). A Deferred
  of another shape (no callbacks yet, several, paused, debugging on) goes through
  ``Deferred.callback`` unchanged, and so does every errback.
* **Memory at depth.** With thousands of operations in flight, what each Deferred holds stays
  alive until its reply: a plain Deferred's callback list and the three tuples
  ``addCallbacks`` makes are objects the cyclic garbage collector tracks, traverses and
  promotes. An operation's Deferred is an :class:`OpDeferred`, which keeps a first plain pair
  in two attributes and makes Twisted's list only when something else needs it; and one that
  nobody holds once fired (the usual ``get(k).addCallbacks(ok, failed)``) is reused for a later
  operation (:data:`POOL`), so that at depth Deferreds are no allocations the collector counts.

So callbacks see exactly what Twisted would give them, in the same order (checked scenario by
scenario against a plain Deferred in tests/twisted/test_deferred_firing.py).

This relies on Twisted's ``Deferred`` internals of 25.5 and later (``_callbacks``,
``_canceller``, ``_runningCallbacks``, ``_chainedTo``, ``_runCallbacks``, ``_failthru``, the
``_CONTINUE`` sentinel, ``_DEFERRED_SUBCLASSES``). They are checked once at import (:data:`FAST`);
on another Twisted every operation gets a plain Deferred fired with ``Deferred.callback``.
"""
from __future__ import annotations

import sys
import weakref
from typing import Any, Callable, List

from twisted.internet import defer as _defer
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from couchbase._pending import Pending

_CONTINUE = getattr(_defer, "_CONTINUE", None)
_NO_KWARGS = getattr(_defer, "_NONE_KWARGS", {})
# Deferred and its subclasses (Twisted keeps the list up to date as subclasses are defined)
_DEFERRED_TYPES = getattr(_defer, "_DEFERRED_SUBCLASSES", [Deferred])
_failthru = getattr(_defer, "_failthru", None)
_passthru = _defer.passthru


def _has_internals() -> bool:
    probe: Deferred[Any] = Deferred()
    return (_CONTINUE is not None and hasattr(_defer, "_DEFERRED_SUBCLASSES") and callable(_failthru)
            and isinstance(probe.__dict__.get("_callbacks"), list)
            # all that Deferred.__init__ sets (OpDeferred skips it and has class defaults for these)
            and set(probe.__dict__) == {"_callbacks", "_canceller"}
            and all(hasattr(Deferred, name) for name in ("_runningCallbacks", "_chainedTo", "_runCallbacks",
                                                         "paused", "called", "debug")))


FAST = _has_internals()


def _returns(_result: Any, value: Any) -> Any:
    """A one-shot callback returning what the user's callback returned (see :func:`_resume`)."""
    return value


def _resume(d: Deferred[Any], paused: int) -> None:
    """Let Twisted's loop go on from where its own first round would have left ``d``.

    The loop checks ``paused`` only before a Deferred's first callback (already passed here), so a
    callback pausing its own Deferred does not stop the rest of the chain: the pause is set aside
    for the call and added back after it."""
    d.paused -= paused
    try:
        d._runCallbacks()
    finally:
        d.paused += paused


def fire_result(deferred: Deferred[Any], result: Any) -> None:
    """Fire ``d`` with ``result`` (not a Failure nor a Deferred), as ``d.callback(result)`` would.

    Args:
        deferred: The operation's Deferred, not fired yet.
        result: What the operation completed with.

    Returns:
        None.

    Raises:
        AlreadyCalledError: ``d`` was fired already (as ``Deferred.callback``).
    """
    d: Any = deferred  # Twisted's private attributes below
    # attribute access, not d.__dict__ (that would turn the instance's inline values into a dict)
    cbs = d._callbacks if FAST else None
    if (cbs is None or len(cbs) != 1 or d.called or d.paused or d.debug
            or d._runningCallbacks or cbs[0][0][0] is _CONTINUE):
        d.callback(result)
        return
    callback, args, kwargs = cbs.pop()[0]
    # (Deferred._startRunCallbacks)
    d.called = True
    d._canceller = None
    d.result = result
    # (Deferred._runCallbacks, its first round)
    d._chainedTo = None
    d._runningCallbacks = True
    try:
        # without arguments, no *args/**kwargs call (it copies both)
        value = callback(result, *args, **kwargs) if args or kwargs else callback(result)
    except BaseException:
        d._runningCallbacks = False
        d.result = Failure(captureVars=False)
        _resume(d, d.paused)
        return
    d._runningCallbacks = False
    # type(...) in the list, as Twisted's loop tests it: isinstance() on Deferred (an Awaitable, so an
    # ABC) costs more than the rest of this function
    if type(value) in _DEFERRED_TYPES or value is d:
        # the loop chains a returned Deferred (or warns about d itself) right after the call
        d.result = None
        cbs.insert(0, ((_returns, (value,), _NO_KWARGS), (_returns, (value,), _NO_KWARGS)))
        _resume(d, d.paused)
        return
    d.result = value
    if cbs or isinstance(value, Failure):
        _resume(d, d.paused)  # callbacks added meanwhile, or a Failure to record as unhandled


class OpDeferred(Deferred[Any]):
    """The Deferred of one operation: a :class:`~twisted.internet.defer.Deferred` that keeps the first
    plain callback pair in two attributes instead of Twisted's callback list.

    With thousands of operations in flight, what a Deferred allocates stays alive until the reply: a
    plain Deferred holds its callback list and ``addCallbacks`` adds three tuples, five objects the
    cyclic garbage collector tracks (and traverses, and promotes to older generations) per operation,
    where the raw flavour holds none. An ``OpDeferred`` is created without ``Deferred.__init__`` (no
    list; no canceller) and stores a first ``addCallbacks(ok, failed)`` / ``addCallback(ok)`` /
    ``addErrback(failed)`` / ``addBoth(f)`` without extra arguments as ``_cb``/``_eb``;
    :func:`settle_op` calls it straight from the completion. Anything else (extra arguments, a second
    pair, callbacks added once fired, Twisted's own loop reading ``_callbacks``) first turns the pair
    into the list entry Twisted would have made (``_callbacks`` is a property here), then runs Twisted's code
    unchanged, so callbacks run in the order and with the results Twisted gives them. It is what
    ``isinstance(d, Deferred)`` expects; Twisted registers the subclass as a Deferred type.

    Used only where :data:`FAST` holds (Twisted's internals checked at import) and Deferred debugging
    is off.
    """

    # instance attributes only once set; these class defaults cost nothing per operation
    _cb: Any = None
    _eb: Any = None
    _cbl: Any = None
    _canceller: Any = None

    # no Deferred.__init__: no callback list, no canceller (cancel() errbacks, as with Deferred())
    __init__ = object.__init__

    def _materialize(self) -> Any:
        """Twisted's callback list, the kept pair (if any) as its first entry."""
        cbs = self._cbl
        if cbs is None:
            cbs = self._cbl = []
            cb = self._cb
            if cb is not None:
                cbs.append(((cb, (), _NO_KWARGS), (self._eb, (), _NO_KWARGS)))
                self._cb = self._eb = None
        return cbs

    @property
    def _callbacks(self) -> Any:
        return self._materialize()

    @_callbacks.setter
    def _callbacks(self, value: Any) -> None:
        self._materialize()  # a kept pair goes with the list being replaced, as it would have
        self._cbl = value

    def addCallbacks(self, callback: Any, errback: Any = None, callbackArgs: Any = (),
                     callbackKeywords: Any = _NO_KWARGS, errbackArgs: Any = (),
                     errbackKeywords: Any = _NO_KWARGS) -> Any:
        """Add a callback/errback pair, as :meth:`Deferred.addCallbacks
        <twisted.internet.defer.Deferred.addCallbacks>`.

        Args:
            callback: Called with the result.
            errback: Called with a Failure (default: pass it on).
            callbackArgs: Extra positional arguments of ``callback``.
            callbackKeywords: Extra keyword arguments of ``callback``.
            errbackArgs: Extra positional arguments of ``errback``.
            errbackKeywords: Extra keyword arguments of ``errback``.

        Returns:
            Deferred: This Deferred.

        Raises:
            Whatever the callbacks raise is handled as by Twisted (this returns normally).
        """
        # (None arguments mean none, to Twisted too)
        if (self._cb is None and self._cbl is None and not self.called and not callbackArgs
                and not errbackArgs and callbackKeywords is _NO_KWARGS and errbackKeywords is _NO_KWARGS):
            self._cb = callback
            self._eb = _failthru if errback is None else errback
            return self
        return Deferred.addCallbacks(self, callback, errback, callbackArgs, callbackKeywords,
                                     errbackArgs, errbackKeywords)

    def addCallback(self, callback: Any, *args: Any, **kwargs: Any) -> Any:
        """Add a callback, as :meth:`Deferred.addCallback <twisted.internet.defer.Deferred.addCallback>`.

        Args:
            callback: Called with the result.
            *args: Its extra positional arguments.
            **kwargs: Its extra keyword arguments.

        Returns:
            Deferred: This Deferred.

        Raises:
            Whatever the callback raises is handled as by Twisted (this returns normally).
        """
        if self._cb is None and self._cbl is None and not self.called and not args and not kwargs:
            self._cb = callback
            self._eb = _failthru
            return self
        return Deferred.addCallback(self, callback, *args, **kwargs)

    def addErrback(self, errback: Any, *args: Any, **kwargs: Any) -> Any:
        """Add an errback, as :meth:`Deferred.addErrback <twisted.internet.defer.Deferred.addErrback>`.

        Args:
            errback: Called with a Failure.
            *args: Its extra positional arguments.
            **kwargs: Its extra keyword arguments.

        Returns:
            Deferred: This Deferred.

        Raises:
            Whatever the errback raises is handled as by Twisted (this returns normally).
        """
        if self._cb is None and self._cbl is None and not self.called and not args and not kwargs:
            self._cb = _passthru
            self._eb = errback
            return self
        return Deferred.addErrback(self, errback, *args, **kwargs)

    def addBoth(self, callback: Any, *args: Any, **kwargs: Any) -> Any:
        """Add one callable as callback and errback, as :meth:`Deferred.addBoth
        <twisted.internet.defer.Deferred.addBoth>`.

        Args:
            callback: Called with the result or the Failure.
            *args: Its extra positional arguments.
            **kwargs: Its extra keyword arguments.

        Returns:
            Deferred: This Deferred.

        Raises:
            Whatever the callable raises is handled as by Twisted (this returns normally).
        """
        if self._cb is None and self._cbl is None and not self.called and not args and not kwargs:
            self._cb = callback
            self._eb = callback
            return self
        return Deferred.addBoth(self, callback, *args, **kwargs)


def _share_attribute_names() -> None:
    """Make every attribute an OpDeferred can get part of the key table its instances share.

    CPython (3.11) keeps a class's instance attributes in one shared key table plus a values array
    per instance, but adds a new name to that table only while the class has had few instances;
    a name first set later (``result``, once thousands of Deferreds were made before the first
    fired) gives every instance setting it a dict of its own: an allocation, a tracked container
    and a slower attribute path per operation (measured: about a thousand instructions). So the
    first instance, made here, sets them all.
    """
    d = OpDeferred()
    for name in ("_cb", "_eb", "_cbl", "called", "result", "_runningCallbacks", "_chainedTo", "paused",
                 "_canceller", "_debugInfo", "_suppressAlreadyCalled"):
        setattr(d, name, getattr(d, name, None))


_share_attribute_names()
# Twisted's loop chains a returned Deferred only if its type is in this list (its subclasses add
# themselves when defined)
FAST = FAST and OpDeferred in _DEFERRED_TYPES


# Fired OpDeferreds nobody holds any more, for _wrap to reuse. At depth, allocating a Deferred per
# operation is what makes the cyclic collector run (it counts allocations of tracked objects: young
# collections, promotions, full collections over the whole heap); a reused one is no allocation.
# Only where a reference count says "nobody else": CPython before 3.14 (whose evaluation loop may
# hold references it does not count), with the GIL. At most _POOL_MAX are kept (≈ 180 bytes each).
POOL: List[OpDeferred] = []
_POOL_MAX = 16384
_RECYCLE = (sys.implementation.name == "cpython" and sys.version_info < (3, 14)
            and getattr(sys, "_is_gil_enabled", lambda: True)())
_refcount: Callable[[Any], int] = getattr(sys, "getrefcount", len)  # (none on PyPy: _RECYCLE is off)
_weakrefs = weakref.getweakrefcount


def settle_op(pending: Pending) -> None:
    """:func:`settle` for an :class:`OpDeferred` in ``pending.waiter`` (its first pair kept in
    ``_cb``/``_eb``; what :func:`fire_result` does for a plain Deferred).

    Args:
        pending: The completed operation.

    Returns:
        None.

    Never raises (but what the Deferred's callbacks raise propagates, as from ``callback``).
    """
    d = pending.waiter
    pending.waiter = None
    if d is None or d.called:
        return
    error = pending.error
    if error is not None:
        d.errback(Failure(error))
        return
    result = pending.result
    callback = d._cb
    # not called, so not running its callbacks either
    if callback is None or d._cbl is not None or d.paused or d.debug:
        d.callback(result)
        return
    d._cb = d._eb = None
    # (Deferred._startRunCallbacks; the canceller is None already)
    d.called = True
    d.result = result
    # (Deferred._runCallbacks, its first round)
    d._runningCallbacks = True
    try:
        value = callback(result)
    except BaseException:
        d._runningCallbacks = False
        d.result = Failure(captureVars=False)
        _resume(d, d.paused)
        return
    d._runningCallbacks = False
    if value is not None and (type(value) in _DEFERRED_TYPES or value is d):
        d.result = None
        d._callbacks.insert(0, ((_returns, (value,), _NO_KWARGS), (_returns, (value,), _NO_KWARGS)))
        _resume(d, d.paused)
        return
    if d._cbl or isinstance(value, Failure):
        d.result = value
        _resume(d, d.paused)  # callbacks added meanwhile, or a Failure to record as unhandled
    elif _RECYCLE and _refcount(d) == 2 and not d.paused and not _weakrefs(d) and len(POOL) < _POOL_MAX:
        # Nobody but this function holds it (the caller dropped it; a weak reference counts): it
        # becomes the next operation's Deferred instead of a new allocation (see POOL).
        # It stays "called" while pooled (_wrap resets that when it reuses it): whatever scans the heap
        # for Deferreds that never fired must not count the pool's.
        del d.result  # (an unfired Deferred has none: Twisted's loop tests that)
        POOL.append(d)
    else:
        d.result = value


def settle(pending: Pending) -> None:
    """The completion hook: fire the Deferred in ``pending.waiter`` with its outcome (once; a
    cancelled Deferred drops it).

    Args:
        pending: The completed operation.

    Returns:
        None.

    Never raises (but what the Deferred's callbacks raise propagates, as from ``callback``).
    """
    d = pending.waiter
    pending.waiter = None
    if d is None or d.called:
        return
    if type(d) is OpDeferred:
        pending.waiter = d
        settle_op(pending)
        return
    error = pending.error
    if error is None:
        fire_result(d, pending.result)
    else:
        d.errback(Failure(error))


def attach(d: Deferred[Any], pending: Pending) -> Deferred[Any]:
    """Make ``d`` fire with ``pending``'s outcome.

    Args:
        d: A Deferred not fired yet.
        pending: What it waits for.

    Returns:
        Deferred: ``d``.

    Never raises.
    """
    pending.waiter = d
    if pending.done:
        settle(pending)
    else:
        pending.on_done = settle
    return d


def new_deferred() -> Deferred[Any]:
    """A new Deferred for one operation: an :class:`OpDeferred` where that is possible, else a plain one.

    Returns:
        Deferred: Not fired, no callbacks.

    Never raises.
    """
    return OpDeferred() if FAST and not Deferred.debug else Deferred()


__all__ = ["FAST", "OpDeferred", "attach", "fire_result", "new_deferred", "settle", "settle_op"]
