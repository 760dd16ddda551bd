"""Sub-document behaviours of SDK 4.x the official suite checks, on every front end."""
from __future__ import annotations

import pytest

import couchbase.subdocument as SD
from couchbase.exceptions import (
    InvalidArgumentException,
    InvalidValueException,
    PathExistsException,
    PathMismatchException,
    SubdocCantInsertValueException,
)


def test_array_operations_expand_mutation_macros(kv, key):
    kv.upsert(key, {"body": [1]})
    # a MutationMacro value makes the spec an xattr one that the server expands
    kv.mutate_in(key, [SD.array_append("stamps", SD.MutationMacro.cas(), create_parents=True),
                       SD.array_append("stamps", SD.MutationMacro.seq_no()),
                       SD.array_prepend("stamps", SD.MutationMacro.value_crc32c())])
    res = kv.lookup_in(key, [SD.get("stamps", xattr=True)])
    crc, cas, seqno = res.content_as[list](0)
    assert all(isinstance(v, str) and v.startswith("0x") for v in (crc, cas, seqno))
    assert SD.convert_macro_cas_to_cas(cas) == res.cas
    kv.mutate_in(key, [SD.upsert("ins", [], xattr=True),
                       SD.array_insert("ins.[0]", SD.MutationMacro.cas()),
                       SD.array_insert("ins.[0]", SD.MutationMacro.seq_no())])
    inserted = kv.lookup_in(key, [SD.get("ins", xattr=True)])
    assert SD.convert_macro_cas_to_cas(inserted.content_as[list](0)[1]) == inserted.cas
    assert kv.get(key).value == {"body": [1]}  # the body is untouched


def test_array_addunique_failures(kv, key):
    kv.upsert(key, {"b": [0, 1, 2, 3], "c": [1.5, {"nested": ["x"]}]})
    with pytest.raises(PathExistsException):
        kv.mutate_in(key, [SD.array_addunique("b", 3)])
    for value in ([4, 5], {"c": "d"}):  # only primitives can be unique
        with pytest.raises(InvalidValueException) as info:
            kv.mutate_in(key, [SD.array_addunique("b", value)])
        assert isinstance(info.value, SubdocCantInsertValueException)
    with pytest.raises(PathMismatchException):  # the array holds a non-primitive
        kv.mutate_in(key, [SD.array_addunique("c", 2)])
    # the server refuses a mutation macro in array_addunique as an invalid argument
    with pytest.raises(InvalidArgumentException):
        kv.mutate_in(key, [SD.upsert("u", [], xattr=True), SD.array_addunique("u", SD.MutationMacro.cas())])
    assert kv.get(key).value == {"b": [0, 1, 2, 3], "c": [1.5, {"nested": ["x"]}]}
