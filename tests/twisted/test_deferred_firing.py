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
import time
from typing import Any, Callable, List

import pytest

pytest.importorskip("twisted")

from twisted.internet import reactor
from twisted.internet.defer import Deferred, succeed
from twisted.logger import globalLogPublisher
from twisted.python.failure import Failure

from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import DocumentNotFoundException
from couchbase.options import ClusterOptions
from couchbase.results import GetResult
from support.frontends.twisted_fe import run_until_fired
from txcouchbase import _deferred
from txcouchbase.cluster import TxCluster


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


SCENARIOS = [_one, _raises, _returns_unfired, _returns_fired, _returns_failure, _adds_inside, _pauses_inside,
             _arguments, _positional_only, _two_pairs, _none]


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


def _run_both(coll, scenario, key):
    op_case, ref_case = Case(), Case()
    d = coll.get(key)
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


def test_the_shortcut_is_taken_on_this_twisted():
    """The environment runs a Twisted with the internals the shortcut needs (else every test above
    would only exercise Deferred.callback)."""
    assert _deferred.FAST


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
