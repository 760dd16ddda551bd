"""An operation's Deferred behaves exactly as a Deferred fired with ``callback()``.

TxCluster fires each operation's Deferred from the completion with a shortcut for the usual
shape (txcouchbase._deferred.fire_result). Each scenario below builds the same callback chain
on a real operation's Deferred (fired by the SDK when the mock replies) and on a plain Deferred
fired with ``Deferred.callback``/``errback`` and the same outcome, and compares what the
callbacks saw, in order, and the final state: returned values, exceptions, returned Deferreds
(fired and not), Failures, callbacks added or pauses made from inside a callback, extra
arguments, unhandled-error logging. Run on the installed reactor (and in test_reactors.py's
subprocesses on the others).
"""
from __future__ import annotations

import functools
import gc
import sys
import time
import weakref
from typing import Any, Callable, List

import pytest

pytest.importorskip("twisted")

from twisted.internet import reactor
from twisted.internet.defer import Deferred, ensureDeferred, gatherResults, inlineCallbacks, succeed
from twisted.logger import globalLogPublisher
from twisted.python.failure import Failure

from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import DocumentNotFoundException
from couchbase.options import ClusterOptions
from couchbase.results import GetResult
from support.frontends.twisted_fe import run_until_fired
from txcouchbase import _deferred
from txcouchbase.cluster import TxCluster, TxRawCluster


@pytest.fixture(scope="module")
def coll(mock):
    cluster = TxCluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                        kv_timeout=5)
    collection = cluster.bucket("default").default_collection()
    run_until_fired(collection.upsert("deferred-firing", {"n": 1}))
    yield collection
    run_until_fired(cluster.close(), 10)


def _shown(x: Any) -> Any:
    if isinstance(x, GetResult):
        return ("GetResult", x.value)
    if isinstance(x, Failure):
        return ("Failure", x.type.__name__, str(x.value)[:40])
    if isinstance(x, Deferred):
        return "a Deferred"
    if isinstance(x, list):
        return [_shown(item) for item in x]
    return x


class Case:
    """One scenario's run: ``log`` of what callbacks saw; ``later`` a Deferred the chain may wait on."""

    def __init__(self) -> None:
        self.log: List[Any] = []
        self.later: Deferred[Any] = Deferred()

    def rec(self, tag: str, ret: Any = None) -> Callable[..., Any]:
        def cb(result: Any, *args: Any, **kwargs: Any) -> Any:
            self.log.append((tag, _shown(result), args, kwargs))
            return result if ret is None else ret
        return cb


def _one(d, c):
    d.addCallbacks(c.rec("ok", "plain"), c.rec("failed", "recovered"))


def _raises(d, c):
    def boom(result):
        c.log.append(("boom", _shown(result)))
        raise ValueError("boom in callback")
    d.addCallbacks(boom, c.rec("failed"))


def _returns_unfired(d, c):
    d.addCallbacks(lambda r: c.later, c.rec("failed"))


def _returns_fired(d, c):
    d.addCallbacks(lambda r: succeed(("fired", _shown(r))), c.rec("failed"))


def _returns_failure(d, c):
    d.addCallbacks(lambda r: Failure(KeyError("returned failure")), c.rec("failed"))


def _adds_inside(d, c):
    def add(result):
        c.log.append(("add", _shown(result)))
        d.addCallback(c.rec("added inside", "from inside"))
        d.addErrback(c.rec("errback added inside"))
        return "first"
    d.addCallbacks(add, c.rec("failed"))


def _pauses_inside(d, c):
    def pause(result):
        d.pause()
        d.addCallback(c.rec("after the pause", "paused value"))
        return "pausing"
    d.addCallbacks(pause, c.rec("failed"))


def _arguments(d, c):
    d.addCallbacks(c.rec("ok"), c.rec("failed"), callbackArgs=(1, 2), callbackKeywords={"k": 3},
                   errbackArgs=("e",), errbackKeywords={"ek": 4})


def _positional_only(d, c):
    d.addCallback(c.rec("ok"), "one positional")


def _two_pairs(d, c):
    d.addCallbacks(c.rec("first", "one"), c.rec("failed first"))
    d.addBoth(c.rec("second"))


def _none(d, c):
    pass


def _raises_unhandled(d, c):
    def boom(result):
        raise RuntimeError("nobody handles this")
    d.addCallback(boom)


def _callback_only(d, c):
    d.addCallback(c.rec("ok", "plain"))


def _errback_only(d, c):
    d.addErrback(c.rec("failed", "recovered"))


def _both_only(d, c):
    d.addBoth(c.rec("both", "both's value"))


def _plain_then_arguments(d, c):
    d.addCallback(c.rec("first", "one"))
    d.addCallback(c.rec("second"), "an argument")
    d.addErrback(c.rec("failed"))


def _errback_then_callback(d, c):
    d.addErrback(c.rec("failed", "recovered"))
    d.addCallback(c.rec("then", "plain"))


def _callback_keywords_empty(d, c):
    d.addCallbacks(c.rec("ok", "plain"), c.rec("failed"), callbackKeywords={}, errbackArgs=())


def _chained(d, c):
    other: Deferred[Any] = Deferred()
    other.addBoth(c.rec("chained", "chained's value"))
    d.chainDeferred(other)


def _gathered(d, c):
    gatherResults([d], consumeErrors=True).addBoth(c.rec("gathered", "gathered's value"))


def _awaited(d, c):
    async def waits():
        try:
            c.log.append(("awaited", _shown(await d)))
        except Exception as exc:
            c.log.append(("await raised", type(exc).__name__))
        return "coroutine's value"
    ensureDeferred(waits()).addBoth(c.rec("coroutine done"))


def _inline_callbacks(d, c):
    @inlineCallbacks
    def waits():
        try:
            c.log.append(("yielded", _shown((yield d))))
        except Exception as exc:
            c.log.append(("yield raised", type(exc).__name__))
        return "generator's value"
    waits().addBoth(c.rec("generator done"))


def _timeout(d, c):
    d.addTimeout(30, reactor, onTimeoutCancel=lambda result, timeout: ("timed out", result))
    d.addCallbacks(c.rec("ok", "plain"), c.rec("failed", "recovered"))


def _cancelled(d, c):
    d.addCallbacks(c.rec("ok"), c.rec("failed", "recovered"))
    d.cancel()


def _cancelled_then_added(d, c):
    d.cancel()
    d.addErrback(c.rec("failed", "recovered"))


def _callbacks_replaced(d, c):
    # what Twisted's inlineCallbacks cancellation does to a Deferred's callback list
    d.addCallback(c.rec("kept", "kept's value"))
    d._callbacks, kept = [], d._callbacks
    d.addErrback(c.rec("inserted"))
    d._callbacks.extend(kept)


SCENARIOS = [_one, _raises, _returns_unfired, _returns_fired, _returns_failure, _adds_inside, _pauses_inside,
             _arguments, _positional_only, _two_pairs, _none, _callback_only, _errback_only, _both_only,
             _plain_then_arguments, _errback_then_callback, _callback_keywords_empty, _chained, _gathered,
             _awaited, _inline_callbacks, _timeout, _cancelled, _cancelled_then_added, _callbacks_replaced]


def _finish(d: Deferred[Any], c: Case) -> None:
    """What happens after the Deferred fired, the same on both sides."""
    c.later.callback("later's value")
    if d.paused:
        c.log.append(("paused", d.paused))
        d.unpause()
    c.log.append(("called", d.called, "waiting" if d._chainedTo is not None else "not waiting"))
    d.addBoth(c.rec("final"))
    d.addErrback(lambda f: None)  # nothing left unhandled


def _turn_until(pred: Callable[[], bool], timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "the operation did not complete"
        reactor.iterate(0.01)


def _dropped_operation(coll) -> None:
    """One operation whose Deferred nobody keeps: fired, it goes back to the pool."""
    seen: List[Any] = []
    coll.get("deferred-firing").addCallbacks(seen.append, seen.append)
    _turn_until(lambda: bool(seen))


def _run_both(coll, scenario, key):
    op_case, ref_case = Case(), Case()
    if _deferred._RECYCLE:  # the operation's Deferred is a reused one (the other tests' are new)
        _deferred.POOL.clear()
        _dropped_operation(coll)
        assert len(_deferred.POOL) == 1
    d = coll.get(key)
    assert not _deferred.POOL and not d.called and not hasattr(d, "result")
    scenario(d, op_case)
    _turn_until(lambda: d.called)
    outcome = op_case.log[0][1] if op_case.log else None
    _finish(d, op_case)

    # the reference: a plain Deferred fired by Twisted itself with the same outcome
    try:
        expected = run_until_fired(coll.get(key))
        fire = "callback"
    except DocumentNotFoundException as exc:
        expected, fire = Failure(exc), "errback"
    ref: Deferred[Any] = Deferred()
    scenario(ref, ref_case)
    getattr(ref, fire)(expected)
    _finish(ref, ref_case)
    return op_case.log, ref_case.log, outcome


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__.strip("_"))
@pytest.mark.parametrize("found", [True, False], ids=["found", "missing"])
def test_operation_deferreds_fire_as_twisted_does(coll, scenario, found):
    op_log, ref_log, _ = _run_both(coll, scenario, "deferred-firing" if found else "deferred-firing-missing")
    assert op_log == ref_log
    if scenario is not _none:
        assert op_log  # the scenario saw something: a chain that ran at all


def test_the_shortcut_is_taken_on_this_twisted(coll):
    """The environment runs a Twisted with the internals the shortcut needs (else every test above
    would only exercise Deferred.callback), and operations return the lean Deferred."""
    assert _deferred.FAST
    d = coll.get("deferred-firing")
    assert isinstance(d, Deferred) and type(d) is _deferred.OpDeferred
    run_until_fired(d)


def test_debugging_gets_plain_deferreds(coll):
    """With Deferred debugging on, an operation's Deferred is a plain one (it records its creator)."""
    Deferred.debug = True
    try:
        d = coll.get("deferred-firing")
    finally:
        Deferred.debug = False
    assert type(d) is Deferred and d._debugInfo is not None and d._debugInfo.creator
    assert run_until_fired(d).value == {"n": 1}


@pytest.mark.skipif(not _deferred._RECYCLE, reason="Deferreds are reused on CPython < 3.14 only")
def test_only_a_deferred_nobody_holds_is_reused(coll):
    """A fired operation Deferred is reused for a later operation only when nothing refers to it any
    more: not one the caller keeps, nor one it refers to weakly."""
    _deferred.POOL.clear()
    _dropped_operation(coll)
    assert len(_deferred.POOL) == 1
    # a pooled Deferred has fired: what scans the heap for Deferreds that never fired skips it
    import gc

    assert not [d for d in gc.get_objects() if isinstance(d, _deferred.OpDeferred) and not d.called]
    reused = coll.get("deferred-firing")
    assert not _deferred.POOL
    assert run_until_fired(reused).value == {"n": 1}  # kept by the caller: fired with its result
    assert reused.called and reused.result is None  # (run_until_fired's addBoth returned None)
    assert not _deferred.POOL

    kept = coll.get("deferred-firing")
    kept.addCallbacks(lambda r: r.value, lambda f: f)
    _turn_until(lambda: kept.called)
    assert kept.result == {"n": 1} and not _deferred.POOL

    weak = coll.get("deferred-firing")
    ref = weakref.ref(weak)
    weak.addCallbacks(_ok, _ok)
    del weak
    _turn_until(lambda: ref() is None or ref().called)
    assert not _deferred.POOL


def _tracked_per_op(collection, add, n=300) -> float:
    """GC-tracked objects alive per operation in flight (``add`` hooks each operation)."""
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        ops = [collection.get("deferred-firing") for _ in range(n)]
        held = [add(op) for op in ops]
        during = len(gc.get_objects())
    finally:
        gc.enable()
    for op in ops:
        _turn_until(lambda: op.called if isinstance(op, Deferred) else op.done)
    del held
    return (during - before - 2) / n  # the two lists


@pytest.mark.skipif(sys.implementation.name != "cpython",
                    reason="counts what CPython's cyclic collector tracks (PyPy's gc.get_objects differs)")
def test_an_operation_in_flight_costs_one_tracked_object_more_than_raw(mock, coll):
    """At depth the cyclic GC traverses what each operation in flight holds: a Deferred with one
    addCallbacks pair adds only itself to what the raw flavour's operation holds (a plain Deferred
    adds its callback list and three tuples)."""
    raw = TxRawCluster(mock.connstr, ClusterOptions(PasswordAuthenticator(mock.username, mock.password)),
                       kv_timeout=5)
    try:
        raw_coll = raw.bucket("default").default_collection()
        for _ in range(2):  # the first round warms both
            per_raw = _tracked_per_op(raw_coll, _raw_callbacks)
            per_deferred = _tracked_per_op(coll, lambda d: d.addCallbacks(_ok, _ok))
            # the same with a plain Deferred per operation: the measure sees its list and tuples
            plain = _tracked_per_op(coll, _with_plain_deferred)
        assert per_raw >= 1
        # CPython 3.11+ keeps a plain instance's attributes inline; before, its __dict__ is a second
        # tracked object
        own = 1 if sys.version_info >= (3, 11) else 2
        assert per_deferred - per_raw <= own + 0.05, (per_deferred, per_raw)
        assert plain - per_deferred >= 4.9, (plain, per_deferred)
    finally:
        run_until_fired(raw.close(), 10)


def _with_plain_deferred(d: Deferred[Any]) -> Deferred[Any]:
    d.addCallbacks(_ok, _ok)
    return Deferred().addCallbacks(_ok, _ok)


def _raw_callbacks(op: Any) -> None:
    op.callback = op.errback = _ok


def _ok(*_args: Any) -> None:
    return None


def test_an_exception_nobody_handles_is_logged_as_twisted_logs_it(coll):
    seen: List[Any] = []

    def observer(event):
        if event.get("log_failure") is not None or "Unhandled error" in str(event.get("log_format", "")):
            seen.append(event)

    globalLogPublisher.addObserver(observer)
    counts = []
    try:
        for make in (lambda: coll.get("deferred-firing"), Deferred):
            before = len(seen)
            d = make()
            _raises_unhandled(d, Case())
            if make is Deferred:
                d.callback("x")
            _turn_until(functools.partial(getattr, d, "called"))
            del d
            gc.collect()
            counts.append(len(seen) - before)
    finally:
        globalLogPublisher.removeObserver(observer)
    assert counts[0] == counts[1] > 0
    assert "nobody handles this" in str(seen[0]) + str(seen[1])
