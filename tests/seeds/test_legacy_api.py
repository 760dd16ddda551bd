"""Behaviour of the 1.x Connection API over the same core: one body per test, run on the
blocking ``Connection``, gevent's ``GConnection`` and Twisted's ``Connection`` (Deferreds) and
``TxAsyncConnection`` (raw results), the latter two waited for with the reactor."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from couchbase import FMT_BYTES, FMT_PICKLE, FMT_UTF8
from couchbase.exceptions import (
    ArgumentError,
    CasMismatchException,
    CouchbaseError,
    DocumentExistsException,
    DocumentNotFoundException,
    KeyExistsError,
    NotFoundError,
    TemporaryFailError,
    ValueFormatError,
)
from couchbase.items import Item, ItemOptionDict, ItemSequence
from couchbase.views.params import STRING_RANGE_END, UNSPEC, Query

QUICKJS = "the mock runs view map functions with quickjs (pip install couchbase-cffi[mock])"


class _Waiting:
    """A 1.x connection of an event-loop front end, seen blocking: each call's Deferred (or raw
    result) is waited for with the reactor; attributes and properties pass through."""

    def __init__(self, target: Any, resolve: Any, is_pending: Any, front: str) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_resolve", resolve)
        object.__setattr__(self, "_is_pending", is_pending)
        object.__setattr__(self, "front", front)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            value = attr(*args, **kwargs)
            return self._resolve(value) if self._is_pending(value) else value

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)


def _front(cb: Any) -> str:
    return getattr(cb, "front", None) or {"GConnection": "gevent"}.get(type(cb).__name__, "sync")


@pytest.fixture(params=["sync", "gevent", "twisted", "txraw"])
def cb(request: Any, mock: Any) -> Iterator[Any]:
    """The 1.x connection of each front end (Twisted's waited for with the reactor)."""
    mock.add_user("default", "")
    hosts = [f"127.0.0.1:{n.mgmt_port}" for n in mock.cluster.nodes]
    if request.param == "sync":
        from couchbase import Couchbase

        conn = Couchbase.connect(bucket="default", host=hosts)
        yield conn
        conn.close()
    elif request.param == "gevent":
        pytest.importorskip("gevent")
        from gcouchbase.connection import GConnection

        conn = GConnection(bucket="default", host=hosts)
        yield conn
        conn.close()
    else:
        pytest.importorskip("twisted")
        from twisted.internet.defer import Deferred

        from couchbase._kv_response import AsyncResult, MultiCollector
        from support.frontends.twisted_fe import run_until_fired
        from txcouchbase.connection import Connection as TxCouchbase
        from txcouchbase.connection import TxAsyncConnection

        if request.param == "twisted":
            conn = TxCouchbase(bucket="default", host=hosts)
            view = _Waiting(conn, run_until_fired, lambda v: isinstance(v, Deferred), "twisted")
        else:
            conn = TxAsyncConnection(bucket="default", host=hosts)
            view = _Waiting(conn, lambda v: run_until_fired(conn.defer(v)),
                            lambda v: isinstance(v, (Deferred, AsyncResult, MultiCollector)), "txraw")
        run_until_fired(conn.connect())
        yield view
        run_until_fired(conn.close(), 10)


def test_both_exception_spellings_catch_the_same_errors(cb: Any, key: str) -> None:
    cb.set(key, {"a": 1})
    with pytest.raises(KeyExistsError) as ei:
        cb.add(key, 1)
    assert isinstance(ei.value, DocumentExistsException) and ei.value.key == key
    stale = cb.get(key).cas
    cb.set(key, 2)
    with pytest.raises(KeyExistsError) as ei2:
        cb.set(key, 3, cas=stale)
    assert isinstance(ei2.value, CasMismatchException)
    cb.delete(key)
    with pytest.raises(NotFoundError):
        cb.get(key)
    res = cb.get(key, quiet=True)
    assert not res.success and CouchbaseError.rc_to_exctype(res.rc) is DocumentNotFoundException


def test_formats_ttl_counters_and_append(cb: Any, key: str) -> None:
    cb.set(key + "p", {1, 2}, format=FMT_PICKLE)
    assert cb.get(key + "p").value == {1, 2}
    cb.set(key + "b", b"\x01\x02", format=FMT_BYTES)
    assert cb.get(key + "b").value == b"\x01\x02"
    cb.set(key, "Hello", format=FMT_UTF8, ttl=100)
    cb.append(key, " World!")
    cb.prepend(key, "Why, ")
    assert cb.get(key).value == "Why, Hello World!"
    assert cb.incr(key + "c", initial=10).value == 10
    assert cb.incr(key + "c", amount=5).value == 15
    assert cb.decr(key + "c").value == 14
    with pytest.raises(NotFoundError):
        cb.incr(key + "missing")


def test_a_document_that_does_not_decode_fails_the_read(cb: Any, key: str) -> None:
    """1.x decodes as it reads (the guide's prepend to a JSON document): get, lock and get_multi
    raise ValueFormatError, where the 4.x API's result decodes on first access."""
    cb.set(key, {"a": 1})
    cb.prepend(key, "blah blah ")  # a UTF-8 fragment before JSON: still flagged JSON
    with pytest.raises(ValueFormatError):
        cb.get(key)
    with pytest.raises(ValueFormatError):
        cb.get_multi([key])
    with pytest.raises(ValueFormatError):
        cb.lock(key, ttl=5)
    assert cb.get(key, no_format=True).value == b'blah blah {"a":1}'


def test_multi_all_ok_and_all_results(cb: Any, key: str) -> None:
    cb.set(key, "x")
    with pytest.raises(CouchbaseError) as ei:
        cb.add_multi({key: "x", key + "2": "y"})
    assert set(ei.value.all_results) == {key, key + "2"}
    res = cb.get_multi([key, key + "nope"], quiet=True)
    assert not res.all_ok and res[key].value == "x"


def test_quiet_set_after_connecting_applies_to_plain_gets(cb: Any, key: str) -> None:
    """``cb.quiet = True`` on an open connection: a get without options (the core's cached
    decode context) returns a failed result instead of raising; back to False, it raises."""
    cb.quiet = True
    try:
        assert cb.get(key + "-missing").success is False
    finally:
        cb.quiet = False
    with pytest.raises(NotFoundError):
        cb.get(key + "-missing")


def test_keyless_item_and_append_items(cb: Any, key: str) -> None:
    itm = Item()
    itm.key, itm.value = key, "Hello"
    cb.set_multi(ItemSequence([itm]), format=FMT_UTF8)
    coll = ItemOptionDict()
    coll.add(itm, fragment=" again")
    cb.append_items(coll, format=FMT_UTF8)
    assert itm.value == "Hello again" == cb.get(key).value


def test_lock_is_a_temporary_failure(cb: Any, key: str) -> None:
    cb.set(key, 1)
    locked = cb.lock(key, ttl=5)
    with pytest.raises(TemporaryFailError):
        cb.lock(key, ttl=5)
    cb.unlock(key, locked.cas)
    cb.set(key, 2)


def test_query_object_and_bad_arguments(cb: Any) -> None:
    q = Query(limit=3, mapkey_range=["ab", "ab" + STRING_RANGE_END])
    assert "limit=3" in q.encoded and "startkey=" in q.encoded
    q.limit = UNSPEC
    assert "limit" not in q.encoded
    with pytest.raises(ArgumentError):
        Query(no_such_param=1)
    with pytest.raises(ArgumentError):
        cb.query("", "view")
    with pytest.raises(ArgumentError):
        cb.quiet = "yes"


def test_pipeline_batches_and_raises_the_first_failure(cb: Any, key: str) -> None:
    if not hasattr(cb, "pipeline"):
        pytest.skip("pipeline() is the blocking Connection's")
    with cb.pipeline() as pl:
        cb.set(key, 1)
        got = cb.get(key)
    assert len(pl.results) == 2 and got.value == 1
    with pytest.raises(NotFoundError):
        with cb.pipeline():
            cb.get(key + "missing")


def test_replica_reads_observe_and_endure(cb: Any, key: str) -> None:
    res = cb.set(key, "v")
    assert cb.get(key, replica=True).value == "v"
    assert cb.rget(key).value == "v"
    assert cb.rget(key, replica_index=0).value == "v"
    infos = cb.observe(key).value
    assert any(i.from_master and i.cas == res.cas for i in infos)
    assert cb.endure(key, persist_to=1, replicate_to=1, cas=res.cas, timeout=5).success
    cb.delete(key)
    # the mock reports a deleted key as logically deleted (0x81) even once persisted, so only
    # the replication of the removal can be waited for here
    assert cb.endure(key, persist_to=0, replicate_to=1, check_removed=True, timeout=5).success
    from couchbase.exceptions import TimeoutError

    with pytest.raises(TimeoutError):
        cb.endure(key + "never-written", persist_to=1, replicate_to=0, timeout=0.3)


def test_passthrough_default_format_timeout_and_stats(cb: Any, key: str) -> None:
    cb.set(key, {"foo": "bar"})
    cb.data_passthrough = True
    assert cb.get(key).value == b'{"foo":"bar"}'
    cb.data_passthrough = False
    cb.default_format = FMT_UTF8
    cb.set(key, "text")
    assert cb.get(key).flags & 0xFF000000 == FMT_UTF8 & 0xFF000000
    with pytest.raises(ArgumentError):
        cb.default_format = "json"
    cb.timeout = 4.2
    assert abs(cb.timeout - 4.2) < 1e-6
    with pytest.raises(ArgumentError):
        cb.timeout = 0
    stats = cb.stats()
    assert all(isinstance(per_server, dict) for per_server in stats.values())  # {stat: {server: value}}


def test_views_row_processor_include_docs_and_design_documents(cb: Any, key: str) -> None:
    pytest.importorskip("quickjs", reason=QUICKJS)
    design = {"views": {"by_name": {
        "map": "function (doc, meta) { if (doc.name) { emit(doc.name, null); } }"}}}
    cb.design_create("legacyapi", design, use_devmode=True)
    assert "by_name" in cb.design_get("legacyapi").value["views"]
    cb.design_publish("legacyapi")
    cb.set_multi({key + "1": {"name": key + "-a"}, key + "2": {"name": key + "-b"}})
    rng = [key, key + STRING_RANGE_END]
    if _front(cb) in ("twisted", "txraw"):  # the 1.x Twisted API has no include_docs (as the guide says)
        with pytest.raises(ArgumentError):
            cb.query("legacyapi", "by_name", include_docs=True)
        rows = list(cb.query("legacyapi", "by_name", mapkey_range=rng, stale=False))
        assert [r.docid for r in rows] == [key + "1", key + "2"] and rows[0].doc is None
    else:
        rows = list(cb.query("legacyapi", "by_name", mapkey_range=rng, include_docs=True, stale=False))
        assert [r.docid for r in rows] == [key + "1", key + "2"] and rows[0].doc.value == {"name": key + "-a"}

    class Names:
        def handle_rows(self, rows: Any, connection: Any, include_docs: bool) -> Any:
            return [r["key"].upper() for r in rows]

    q = Query(mapkey_range=rng, stale=False)
    view = cb.query("legacyapi", "by_name", query=q, row_processor=Names(), streaming=True)
    assert list(view) == [key.upper() + "-A", key.upper() + "-B"] and view.indexed_rows >= 2
    assert len(list(cb.query("legacyapi", "by_name", query="limit=1"))) == 1
    cb.design_delete("legacyapi", use_devmode=False)
    from couchbase.exceptions import DesignDocumentNotFoundException

    with pytest.raises(DesignDocumentNotFoundException):
        cb.design_get("legacyapi", use_devmode=False)


def _legacy_class(front: str) -> Any:
    if front == "sync":
        from couchbase.connection import Connection

        return Connection
    if front == "gevent":
        pytest.importorskip("gevent")
        from gcouchbase.connection import GConnection

        return GConnection
    pytest.importorskip("twisted")
    from txcouchbase.connection import Connection as TxCouchbase
    from txcouchbase.connection import TxAsyncConnection

    return TxCouchbase if front == "twisted" else TxAsyncConnection


@pytest.mark.parametrize("front", ["sync", "gevent", "twisted", "txraw"])
@pytest.mark.parametrize("kwargs", [
    {"bucket": 7}, {"bucket": ""}, {"host": 7}, {"host": ["h:notaport"]}, {"no_such_option": 1},
    {"quiet": "yes"}, {"unlock_gil": 1}, {"transcoder": object()}, {"timeout": -1}, {"timeout": "soon"},
    {"password": 5}, {"username": ""},
], ids=lambda kw: ",".join(kw))
def test_constructor_arguments_are_checked(mock: Any, front: str, kwargs: Any) -> None:
    """Every 1.x front end refuses the same bad constructor arguments before connecting."""
    cls = _legacy_class(front)
    hosts = [f"127.0.0.1:{n.mgmt_port}" for n in mock.cluster.nodes]
    with pytest.raises(ArgumentError):
        cls(**{"host": hosts, **kwargs})


def test_the_multi_family(cb: Any, key: str) -> None:
    keys = [key + "a", key + "b"]
    cb.set_multi({k: 1 for k in keys}, ttl=100)
    assert cb.replace_multi({k: 2 for k in keys}).all_ok
    assert {k: r.value for k, r in cb.get_multi(keys, ttl=50).items()} == {k: 2 for k in keys}
    assert {k: r.value for k, r in cb.rget_multi(keys).items()} == {k: 2 for k in keys}
    assert cb.touch_multi(keys, ttl=100).all_ok
    locked = cb.lock_multi(keys, ttl=5)
    assert cb.unlock_multi(locked).all_ok
    assert [r.value for r in cb.incr_multi(keys, amount=3).values()] == [5, 5]
    assert [r.value for r in cb.decr_multi({keys[0]: 2, keys[1]: 1}).values()] == [3, 4]
    assert cb.delete_multi(keys).all_ok
    res = cb.delete_multi(keys, quiet=True)
    assert not res.all_ok and all(not r.success for r in res.values())
    cb.set_multi({k: "x" for k in keys}, format=FMT_UTF8)
    assert cb.append_multi({k: "y" for k in keys}).all_ok
    assert cb.prepend_multi({k: "w" for k in keys}).all_ok
    assert {r.value for r in cb.get_multi(keys).values()} == {"wxy"}
    with pytest.raises(ArgumentError):
        cb.append_multi({keys[0]: "z"}, format=FMT_PICKLE)
