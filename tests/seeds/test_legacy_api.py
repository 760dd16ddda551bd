"""Behaviour of the 1.x Connection API (blocking and gevent) over the same core."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from couchbase import FMT_BYTES, FMT_PICKLE, FMT_UTF8
from couchbase.exceptions import (ArgumentError, CouchbaseError, DocumentExistsException, DocumentNotFoundException,
                                  KeyExistsError, NotFoundError, TemporaryFailError, CasMismatchException)
from couchbase.items import Item, ItemOptionDict, ItemSequence
from couchbase.views.params import Query, STRING_RANGE_END, UNSPEC


@pytest.fixture(params=["sync", "gevent"])
def cb(request: Any, mock: Any) -> Iterator[Any]:
    mock.add_user("default", "")
    hosts = [f"127.0.0.1:{n.mgmt_port}" for n in mock.cluster.nodes]
    if request.param == "sync":
        from couchbase import Couchbase

        conn = Couchbase.connect(bucket="default", host=hosts)
    else:
        pytest.importorskip("gevent")
        from gcouchbase.connection import GConnection

        conn = GConnection(bucket="default", host=hosts)
    yield conn
    conn.close()


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


def test_multi_all_ok_and_all_results(cb: Any, key: str) -> None:
    cb.set(key, "x")
    with pytest.raises(CouchbaseError) as ei:
        cb.add_multi({key: "x", key + "2": "y"})
    assert set(ei.value.all_results) == {key, key + "2"}
    res = cb.get_multi([key, key + "nope"], quiet=True)
    assert not res.all_ok and res[key].value == "x"


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
