"""Client durability (persist_to/replicate_to) in multi operations whose command has no observe
option of its own (remove, counters), on every front end."""
from __future__ import annotations

import pytest

from couchbase.durability import ClientDurability, PersistTo, PersistToExtended, ReplicateTo
from couchbase.exceptions import DocumentNotFoundException, DurabilityImpossibleException
from couchbase.options import IncrementMultiOptions, RemoveMultiOptions, SignedInt64
from couchbase.result import CounterResult, MutationResult


def test_remove_multi_client_durable(kv, key):
    keys = [f"{key}-{i}" for i in range(4)]
    kv.upsert_multi({k: {"i": 1} for k in keys})
    durable = ClientDurability(persist_to=PersistTo.ONE, replicate_to=ReplicateTo.ONE)
    res = kv.remove_multi(keys[:3] + [key + "-absent"], RemoveMultiOptions(durability=durable))
    assert set(res.results) == set(keys[:3])
    assert all(isinstance(r, MutationResult) for r in res.results.values())
    assert isinstance(res.exceptions[key + "-absent"], DocumentNotFoundException)
    for k in keys[:3]:
        with pytest.raises(DocumentNotFoundException):
            kv.get(k)
    assert kv.get(keys[3]).value == {"i": 1}


def test_remove_multi_durability_impossible(kv, key):
    keys = [f"{key}-{i}" for i in range(3)]
    kv.upsert_multi({k: {"i": 1} for k in keys})
    # the session's mock has one replica: four persisted copies cannot be had
    too_many = ClientDurability(persist_to=PersistToExtended.FOUR, replicate_to=ReplicateTo.ONE)
    res = kv.remove_multi(keys, RemoveMultiOptions(durability=too_many))
    assert not res.all_ok and res.results == {}
    assert set(res.exceptions) == set(keys)
    assert all(isinstance(e, DurabilityImpossibleException) for e in res.exceptions.values())
    assert all(kv.get(k).value == {"i": 1} for k in keys)  # refused before anything was sent
    with pytest.raises(DurabilityImpossibleException):
        kv.remove_multi(keys, durability=too_many, return_exceptions=False)
    with pytest.raises(DurabilityImpossibleException):  # stores refuse the same way, per key
        kv.upsert_multi({k: 1 for k in keys}, durability=too_many, return_exceptions=False)
    res = kv.insert_multi({k + "-new": 1 for k in keys}, durability=too_many)
    assert all(isinstance(e, DurabilityImpossibleException) for e in res.exceptions.values())
    assert len(res.exceptions) == 3 and res.results == {}


def test_increment_multi_client_durable(kv, key):
    keys = [f"{key}-{i}" for i in range(3)]
    durable = ClientDurability(replicate_to=ReplicateTo.ONE)
    res = kv.binary().increment_multi(keys, IncrementMultiOptions(initial=SignedInt64(5), durability=durable))
    assert res.all_ok and all(isinstance(r, CounterResult) and r.content == 5 for r in res.results.values())
    res = kv.binary().increment_multi(keys, IncrementMultiOptions(durability=durable))
    assert [res.results[k].content for k in keys] == [6, 6, 6]
