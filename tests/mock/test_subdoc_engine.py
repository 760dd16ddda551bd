"""Unit tests for couchbase_mock.subdoc (pure; no sockets)."""

from __future__ import annotations

import json

import pytest

from couchbase_mock import subdoc as sd
from couchbase_mock.subdoc import LookupSpec as L
from couchbase_mock.subdoc import MutationSpec as M

XA = sd.FLAG_XATTR
MK = sd.FLAG_MKDIR_P
EM = sd.FLAG_EXPAND_MACROS

DOC = json.dumps(
    {
        "type": "product",
        "pDetails": {"audience": "children"},
        "pDistributors": [
            {"dName": "Going Out", "dAdded": ["Feb", 36, 2025]},
            {"dName": "Everything", "dAdded": ["May", 72, 1492]},
        ],
        "dot.ted.field": {"sub": 1},
        "back`tick`field": 2,
        'field.with."quotes"': 3,
        "n": 10,
        "f": 1.5,
        "s": "str",
        "arr": [1, "a", None, True],
        "empty": [],
    }
).encode()


def get(doc, path, flags=0, xattrs=None, virtual=None):
    return sd.lookup(doc, [L(sd.OP_GET, flags, path)], xattrs or {}, virtual or {})[0]


def mut(doc, *specs, xattrs=None, macros=None, **kw):
    return sd.mutate(doc, list(specs), xattrs or {}, macros or {}, **kw)


def body(outcome):
    assert outcome.ok, outcome
    return json.loads(outcome.doc)


# ------------------------------------------------------------------ paths and lookups


@pytest.mark.parametrize(
    "path,expected",
    [
        ("type", "product"),
        ("pDistributors[0].dName", "Going Out"),
        ("pDistributors[1].dAdded[2]", 1492),
        ("pDistributors[-1].dAdded[-1]", 1492),
        ("`dot.ted.field`.sub", 1),
        ("`back``tick``field`", 2),
        ('`field.with.\\"quotes\\"`', 3),
        ("arr[2]", None),
        ("f", 1.5),
    ],
)
def test_get_paths(path, expected):
    status, value = get(DOC, path)
    assert status == 0
    assert json.loads(value) == expected


def test_get_returns_compact_json():
    status, value = get(b'{"a": {"b" : [1, 2]}}', "a")
    assert (status, value) == (0, b'{"b":[1,2]}')


def test_number_text_is_preserved():
    assert get(b'{"a":1e5,"b":1.10}', "a") == (0, b"1e5")
    assert get(b'{"a":1e5,"b":1.10}', "b") == (0, b"1.10")
    out = mut(b'{"a":1e5,"b":[1.10]}', M(sd.OP_DICT_UPSERT, 0, "c", b"2"))
    assert out.doc == b'{"a":1e5,"b":[1.10],"c":2}'


def test_unicode_is_kept():
    assert get('{"k":"h\u00e9"}'.encode(), "k") == (0, '"h\u00e9"'.encode())


@pytest.mark.parametrize(
    "path,status",
    [
        ("missing", sd.PATH_ENOENT),
        ("pDistributors[5]", sd.PATH_ENOENT),
        ("empty[-1]", sd.PATH_ENOENT),
        ("pDistributors.count", sd.PATH_MISMATCH),
        ("type.category", sd.PATH_MISMATCH),
        ("pDetails[0]", sd.PATH_MISMATCH),
        ("a..b", sd.PATH_EINVAL),
        (".a", sd.PATH_EINVAL),
        ("a.", sd.PATH_EINVAL),
        ("a[", sd.PATH_EINVAL),
        ("a[x]", sd.PATH_EINVAL),
        ("a[-2]", sd.PATH_EINVAL),
        ("a[0]b", sd.PATH_EINVAL),
        ("a]", sd.PATH_EINVAL),
        ("`unterminated", sd.PATH_EINVAL),
        (".".join("a" * 33), sd.PATH_E2BIG),
    ],
)
def test_get_path_errors(path, status):
    assert get(DOC, path) == (status, b"")


def test_root_array_paths():
    assert get(b"[[1,2],[3]]", "[1][0]") == (0, b"3")
    assert get(b"[1]", "[0].x") == (sd.PATH_MISMATCH, b"")


def test_exists_and_count():
    res = sd.lookup(
        DOC,
        [
            L(sd.OP_EXISTS, 0, "pDetails.audience"),
            L(sd.OP_EXISTS, 0, "nope"),
            L(sd.OP_GET_COUNT, 0, "arr"),
            L(sd.OP_GET_COUNT, 0, "pDetails"),
            L(sd.OP_GET_COUNT, 0, "n"),
            L(sd.OP_GET_COUNT, 0, ""),
        ],
        {},
        {},
    )
    assert res == [
        (0, b""),
        (sd.PATH_ENOENT, b""),
        (0, b"4"),
        (0, b"1"),
        (sd.PATH_MISMATCH, b""),
        (0, b"11"),
    ]


def test_full_doc_get_and_not_json():
    raw = b"\x00binary"
    res = sd.lookup(raw, [L(sd.OP_GET_DOC, 0, ""), L(sd.OP_GET, 0, "a"), L(sd.OP_GET_COUNT, 0, "")], {}, {})
    assert res == [(0, raw), (sd.DOC_NOTJSON, b""), (sd.DOC_NOTJSON, b"")]


def test_tombstone_body_is_enoent():
    res = sd.lookup(
        None, [L(sd.OP_GET, XA, "_sync"), L(sd.OP_GET, 0, "a"), L(sd.OP_GET_DOC, 0, "")], {"_sync": b"1"}, {}
    )
    assert res == [(0, b"1"), (sd.PATH_ENOENT, b""), (sd.PATH_ENOENT, b"")]


def test_doc_too_deep():
    deep = b'{"a":' * 33 + b"1" + b"}" * 33
    assert get(deep, "a") == (sd.DOC_E2DEEP, b"")


# ------------------------------------------------------------------ xattrs and virtual xattrs


def test_xattr_lookup():
    x = {"txn": b'{"id":"abc","n":[1,2]}'}
    res = sd.lookup(
        b"{}",
        [
            L(sd.OP_GET, XA, "txn"),
            L(sd.OP_GET, XA, "txn.id"),
            L(sd.OP_GET_COUNT, XA, "txn.n"),
            L(sd.OP_EXISTS, XA, "txn.zz"),
        ],
        x,
        {},
    )
    assert res == [(0, b'{"id":"abc","n":[1,2]}'), (0, b'"abc"'), (0, b"2"), (sd.PATH_ENOENT, b"")]
    assert get(b"{}", "other", XA) == (sd.PATH_ENOENT, b"")


def test_document_vattr():
    virtual = {
        "cas": 0x1234,
        "seqno": 7,
        "exptime": 100,
        "flags": 0x02000006,
        "datatype": 0x01,
        "deleted": False,
    }
    status, value = get(b'{"a":1}', "$document", XA, virtual=virtual)
    assert status == 0
    vdoc = json.loads(value)
    assert vdoc["CAS"] == "0x0000000000001234"
    assert vdoc["seqno"] == "0x0000000000000007"
    assert vdoc["exptime"] == 100
    assert vdoc["flags"] == 0x02000006
    assert vdoc["value_bytes"] == 7
    assert vdoc["datatype"] == ["json"]
    assert vdoc["deleted"] is False
    assert vdoc["value_crc32c"] == "0x%08x" % sd.crc32c(b'{"a":1}')
    assert get(b"{}", "$document.exptime", XA, virtual=virtual) == (0, b"100")
    assert get(b"{}", "$document.CAS", XA, virtual=virtual) == (0, b'"0x0000000000001234"')
    assert get(b"{}", "$document.nope", XA, virtual=virtual) == (sd.PATH_ENOENT, b"")
    assert get(b"{}", "$bogus", XA) == (sd.XATTR_UNKNOWN_VATTR, b"")
    assert json.loads(get(b"{}", "$XTOC", XA, xattrs={"a": b"1", "_b": b"2"})[1]) == ["a", "_b"]
    assert get(b"x", "$document.datatype", XA, virtual={"datatype": 0})[1] == b'["raw"]'


def test_crc32c_known_vector():
    assert sd.crc32c(b"123456789") == 0xE3069283


# ------------------------------------------------------------------ request-level validation


@pytest.mark.parametrize(
    "specs,status",
    [
        ([], sd.INVALID_COMBO),
        ([L(sd.OP_GET, 0, "a")] * 17, sd.INVALID_COMBO),
        ([L(sd.OP_DICT_ADD, 0, "a")], sd.INVALID_COMBO),
        ([L(0x42, 0, "a")], sd.INVALID_COMBO),
        ([L(sd.OP_GET, 0, "")], sd.EINVAL),
        ([L(sd.OP_GET, MK, "a")], sd.EINVAL),
        ([L(sd.OP_GET_DOC, 0, "a")], sd.EINVAL),
        ([L(sd.OP_GET, 0, "a" * 1025)], sd.EINVAL),
        ([L(sd.OP_GET, XA, "a"), L(sd.OP_GET, XA, "b")], sd.XATTR_INVALID_KEY_COMBO),
        ([L(sd.OP_GET, 0, "a"), L(sd.OP_GET, XA, "b")], sd.INVALID_XATTR_ORDER),
        ([L(sd.OP_GET, XA, "")], sd.XATTR_EINVAL),
        ([L(sd.OP_GET, XA, "#bad")], sd.XATTR_EINVAL),
        ([L(sd.OP_GET, XA, "k" * 17)], sd.XATTR_EINVAL),
    ],
)
def test_lookup_validation(specs, status):
    assert sd.validate_lookup(specs) == status
    with pytest.raises(sd.SubdocRequestError) as info:
        sd.lookup(b"{}", specs, {}, {})
    assert info.value.status == status


def test_lookup_validation_ok_cases():
    assert (
        sd.validate_lookup([L(sd.OP_GET, XA, "a"), L(sd.OP_GET, XA, "a.b"), L(sd.OP_GET, XA, "$document")])
        == 0
    )
    assert sd.validate_lookup([L(sd.OP_GET, XA, "a"), L(sd.OP_GET, XA, "b")], multiple_xattr_keys=True) == 0
    assert sd.validate_lookup([L(sd.OP_GET_COUNT, 0, "")]) == 0
    assert sd.validate_lookup([L(sd.OP_GET, 0, "a")], doc_flags=sd.DOC_MKDOC) == sd.EINVAL


@pytest.mark.parametrize(
    "specs,kw,status",
    [
        ([M(sd.OP_DICT_UPSERT, EM, "a", b'"${Mutation.CAS}"')], {}, sd.XATTR_INVALID_FLAG_COMBO),
        ([M(sd.OP_DICT_UPSERT, XA | EM, "a", b'"${Mutation.bogus}"')], {}, sd.XATTR_UNKNOWN_MACRO),
        ([M(sd.OP_DICT_UPSERT, XA, "$document.x", b"1")], {}, sd.XATTR_CANT_MODIFY_VATTR),
        ([M(sd.OP_DICT_UPSERT, 0, "a", b"")], {}, sd.EINVAL),
        ([M(sd.OP_DELETE, 0, "a", b"1")], {}, sd.EINVAL),
        ([M(sd.OP_DELETE, 0, "", b"")], {}, sd.EINVAL),
        ([M(sd.OP_REPLACE, MK, "a", b"1")], {}, sd.EINVAL),
        ([M(sd.OP_REPLACE, 0, "a", b"1")], {"doc_flags": sd.DOC_MKDOC}, sd.EINVAL),
        ([M(sd.OP_DICT_UPSERT, 0, "a", b"1")], {"doc_flags": sd.DOC_MKDOC | sd.DOC_ADD}, sd.EINVAL),
        ([M(sd.OP_DICT_UPSERT, 0, "a", b"1")], {"doc_flags": sd.DOC_ADD, "cas": 5}, sd.EINVAL),
        ([M(sd.OP_DICT_UPSERT, 0, "a", b"1")], {"doc_flags": sd.DOC_CREATE_AS_DELETED}, sd.EINVAL),
        ([M(sd.OP_DELETE_DOC, 0, "", b""), M(sd.OP_DICT_UPSERT, 0, "a", b"1")], {}, sd.INVALID_COMBO),
        (
            [M(sd.OP_DICT_UPSERT, 0, "a", b"1"), M(sd.OP_DICT_UPSERT, XA, "x", b"1")],
            {},
            sd.INVALID_XATTR_ORDER,
        ),
        ([M(sd.OP_GET, 0, "a")], {}, sd.INVALID_COMBO),
        ([M(sd.OP_COUNTER, XA | EM, "x", b'"${Mutation.CAS}"')], {}, sd.EINVAL),
    ],
)
def test_mutation_validation(specs, kw, status):
    assert sd.validate_mutation(specs, **kw) == status
    with pytest.raises(sd.SubdocRequestError) as info:
        sd.mutate(b"{}", specs, {}, {}, **kw)
    assert info.value.status == status


# ------------------------------------------------------------------ mutations


def test_dict_add_and_upsert():
    out = mut(
        DOC, M(sd.OP_DICT_ADD, 0, "pDetails.character", b'"elmo"'), M(sd.OP_DICT_UPSERT, 0, "n", b"[1]")
    )
    doc = body(out)
    assert doc["pDetails"] == {"audience": "children", "character": "elmo"}
    assert doc["n"] == [1]
    assert out.results == []
    assert mut(DOC, M(sd.OP_DICT_ADD, 0, "n", b"1"))[4:] == (0, sd.PATH_EEXISTS)
    assert mut(DOC, M(sd.OP_DICT_ADD, 0, "arr[0]", b"1"))[4:] == (0, sd.PATH_EINVAL)
    assert mut(DOC, M(sd.OP_DICT_UPSERT, 0, "arr.x", b"1"))[4:] == (0, sd.PATH_MISMATCH)
    assert mut(DOC, M(sd.OP_DICT_UPSERT, 0, "x.y.z", b"1"))[4:] == (0, sd.PATH_ENOENT)
    assert mut(DOC, M(sd.OP_DICT_UPSERT, 0, "x", b"{bad"))[4:] == (0, sd.VALUE_CANTINSERT)
    assert mut(DOC, M(sd.OP_DICT_UPSERT, 0, "x", b"1,2"))[4:] == (0, sd.VALUE_CANTINSERT)


def test_mkdir_p():
    doc = body(mut(b"{}", M(sd.OP_DICT_UPSERT, MK, "a.b.c", b"1")))
    assert doc == {"a": {"b": {"c": 1}}}
    # MKDIR_P never creates array elements
    assert mut(b"{}", M(sd.OP_DICT_UPSERT, MK, "a[0].b", b"1"))[4:] == (0, sd.PATH_ENOENT)
    assert body(mut(b"{}", M(sd.OP_ARRAY_PUSH_LAST, MK, "x.list", b"1")))["x"] == {"list": [1]}
    # the MKDOC doc flag implies MKDIR_P
    assert body(mut(b"{}", M(sd.OP_DICT_UPSERT, 0, "p.q", b"1"), doc_flags=sd.DOC_MKDOC)) == {"p": {"q": 1}}


def test_delete_and_replace():
    doc = body(
        mut(
            DOC,
            M(sd.OP_DELETE, 0, "pDetails.audience"),
            M(sd.OP_DELETE, 0, "arr[-1]"),
            M(sd.OP_DELETE, 0, "arr[0]"),
            M(sd.OP_REPLACE, 0, "s", b'{"new":true}'),
            M(sd.OP_REPLACE, 0, "empty", b"[9]"),
            M(sd.OP_REPLACE, 0, "empty[-1]", b"8"),
        )
    )
    assert doc["pDetails"] == {}
    assert doc["arr"] == ["a", None]
    assert doc["s"] == {"new": True}
    assert doc["empty"] == [8]
    assert mut(DOC, M(sd.OP_DELETE, 0, "nope"))[4:] == (0, sd.PATH_ENOENT)
    assert mut(DOC, M(sd.OP_DELETE, 0, "empty[-1]"))[4:] == (0, sd.PATH_ENOENT)
    assert mut(DOC, M(sd.OP_REPLACE, 0, "nope", b"1"))[4:] == (0, sd.PATH_ENOENT)
    assert mut(DOC, M(sd.OP_REPLACE, 0, "arr[9]", b"1"))[4:] == (0, sd.PATH_ENOENT)


def test_array_push_and_insert():
    doc = body(
        mut(
            DOC,
            M(sd.OP_ARRAY_PUSH_LAST, 0, "arr", b'5, "x" ,[1]'),
            M(sd.OP_ARRAY_PUSH_FIRST, 0, "empty", b"0"),
            M(sd.OP_ARRAY_PUSH_FIRST, 0, "empty", b"-1,-2"),
            M(sd.OP_ARRAY_INSERT, 0, "pDistributors[0].dAdded[1]", b'"ins"'),
            M(sd.OP_ARRAY_INSERT, 0, "pDistributors[1].dAdded[3]", b'"end"'),
        )
    )
    assert doc["arr"] == [1, "a", None, True, 5, "x", [1]]
    assert doc["empty"] == [-1, -2, 0]
    assert doc["pDistributors"][0]["dAdded"] == ["Feb", "ins", 36, 2025]
    assert doc["pDistributors"][1]["dAdded"] == ["May", 72, 1492, "end"]
    assert body(mut(b"[1]", M(sd.OP_ARRAY_PUSH_LAST, 0, "", b"2"))) == [1, 2]
    assert mut(DOC, M(sd.OP_ARRAY_PUSH_LAST, 0, "pDetails", b"1"))[4:] == (0, sd.PATH_MISMATCH)
    assert mut(DOC, M(sd.OP_ARRAY_PUSH_LAST, 0, "nope", b"1"))[4:] == (0, sd.PATH_ENOENT)
    assert mut(DOC, M(sd.OP_ARRAY_PUSH_LAST, 0, "arr", b"1,"))[4:] == (0, sd.VALUE_CANTINSERT)
    assert mut(DOC, M(sd.OP_ARRAY_INSERT, 0, "arr[9]", b"1"))[4:] == (0, sd.PATH_ENOENT)
    assert mut(DOC, M(sd.OP_ARRAY_INSERT, 0, "arr[-1]", b"1"))[4:] == (0, sd.PATH_EINVAL)
    assert mut(DOC, M(sd.OP_ARRAY_INSERT, 0, "arr", b"1"))[4:] == (0, sd.PATH_EINVAL)
    assert mut(DOC, M(sd.OP_ARRAY_INSERT, 0, "pDetails[0]", b"1"))[4:] == (0, sd.PATH_MISMATCH)


def test_array_add_unique():
    assert body(mut(DOC, M(sd.OP_ARRAY_ADD_UNIQUE, 0, "arr", b"2")))["arr"] == [1, "a", None, True, 2]
    assert mut(DOC, M(sd.OP_ARRAY_ADD_UNIQUE, 0, "arr", b'"a"'))[4:] == (0, sd.PATH_EEXISTS)
    assert mut(DOC, M(sd.OP_ARRAY_ADD_UNIQUE, 0, "arr", b"null"))[4:] == (0, sd.PATH_EEXISTS)
    assert body(mut(DOC, M(sd.OP_ARRAY_ADD_UNIQUE, 0, "arr", b'"1"')))["arr"][-1] == "1"
    assert mut(DOC, M(sd.OP_ARRAY_ADD_UNIQUE, 0, "arr", b"[1]"))[4:] == (0, sd.VALUE_CANTINSERT)
    assert mut(DOC, M(sd.OP_ARRAY_ADD_UNIQUE, 0, "arr", b"1,2"))[4:] == (0, sd.VALUE_CANTINSERT)
    assert mut(DOC, M(sd.OP_ARRAY_ADD_UNIQUE, 0, "pDistributors", b"1"))[4:] == (0, sd.PATH_MISMATCH)
    assert body(mut(b"{}", M(sd.OP_ARRAY_ADD_UNIQUE, MK, "u", b"1"))) == {"u": [1]}


def test_counter():
    out = mut(
        DOC,
        M(sd.OP_COUNTER, 0, "n", b"5"),
        M(sd.OP_COUNTER, 0, "new", b"-3"),
        M(sd.OP_COUNTER, 0, "n", b"-1"),
    )
    assert out.results == [(0, b"15"), (1, b"-3"), (2, b"14")]
    assert body(out)["n"] == 14
    assert body(out)["new"] == -3
    assert body(mut(b"{}", M(sd.OP_COUNTER, MK, "a.b", b"1"))) == {"a": {"b": 1}}
    assert mut(b"{}", M(sd.OP_COUNTER, 0, "a.b", b"1"))[4:] == (0, sd.PATH_ENOENT)
    for bad in (b"0", b"abc", b"1.5", b"9223372036854775808", b" "):
        assert mut(DOC, M(sd.OP_COUNTER, 0, "n", bad))[4:] == (0, sd.DELTA_EINVAL), bad
    assert mut(DOC, M(sd.OP_COUNTER, 0, "f", b"1"))[4:] == (0, sd.PATH_MISMATCH)
    assert mut(DOC, M(sd.OP_COUNTER, 0, "s", b"1"))[4:] == (0, sd.PATH_MISMATCH)
    assert mut(b'{"n":99999999999999999999}', M(sd.OP_COUNTER, 0, "n", b"1"))[4:] == (0, sd.NUM_ERANGE)
    assert mut(b'{"n":9223372036854775807}', M(sd.OP_COUNTER, 0, "n", b"1"))[4:] == (0, sd.VALUE_CANTINSERT)
    assert mut(b'{"a":[1]}', M(sd.OP_COUNTER, 0, "a[0]", b"2")).results == [(0, b"3")]


def test_value_too_deep():
    deep = b"[" * 31 + b"]" * 31
    assert mut(b"{}", M(sd.OP_DICT_UPSERT, 0, "a", deep)).ok
    assert mut(b'{"a":{}}', M(sd.OP_DICT_UPSERT, 0, "a.b", deep))[4:] == (0, sd.VALUE_ETOODEEP)


def test_mutation_is_atomic():
    xattrs = {"x": b'{"v":1}'}
    out = mut(
        DOC,
        M(sd.OP_DICT_UPSERT, XA, "x.v", b"2"),
        M(sd.OP_DICT_UPSERT, 0, "n", b"0"),
        M(sd.OP_DICT_ADD, 0, "s", b"1"),
        xattrs=xattrs,
    )
    assert not out.ok
    assert (out.failed_index, out.status) == (2, sd.PATH_EEXISTS)
    assert out.doc == DOC
    assert out.xattrs == xattrs
    assert xattrs == {"x": b'{"v":1}'}  # the input is never modified


def test_failure_index_points_at_first_failure():
    out = mut(DOC, M(sd.OP_COUNTER, 0, "n", b"1"), M(sd.OP_DELETE, 0, "zz"), M(sd.OP_DELETE, 0, "yy"))
    assert (out.ok, out.failed_index, out.status, out.results) == (False, 1, sd.PATH_ENOENT, [])


def test_body_unchanged_when_only_xattrs_touched():
    raw = b'{ "spaced" : 1 }'
    out = mut(raw, M(sd.OP_DICT_UPSERT, XA | MK, "meta.a", b"1"))
    assert out.doc is raw or out.doc == raw
    assert out.xattrs == {"meta": b'{"a":1}'}


def test_mutation_on_non_json_doc():
    assert mut(b"raw", M(sd.OP_DICT_UPSERT, 0, "a", b"1"))[4:] == (0, sd.DOC_NOTJSON)
    # xattrs can still be written
    assert mut(b"raw", M(sd.OP_DICT_UPSERT, XA, "m", b"1")).doc == b"raw"


def test_create_document_root():
    assert mut(None, M(sd.OP_DICT_UPSERT, 0, "a", b"1"), doc_flags=sd.DOC_MKDOC).doc == b'{"a":1}'
    assert mut(None, M(sd.OP_ARRAY_PUSH_LAST, 0, "", b"1"), doc_flags=sd.DOC_MKDOC).doc == b"[1]"
    assert mut(None, M(sd.OP_ARRAY_PUSH_LAST, 0, "[0]", b"1"), doc_flags=sd.DOC_ADD)[4:] == (
        0,
        sd.PATH_ENOENT,
    )
    out = mut(None, M(sd.OP_DICT_UPSERT, XA, "txn", b'{"a":1}'), doc_flags=sd.DOC_ADD)
    assert (out.doc, out.xattrs) == (b"{}", {"txn": b'{"a":1}'})


def test_xattr_mutations():
    xattrs = {"txn": b'{"id":1}', "_sys": b"true", "other": b'"keep"'}
    out = mut(
        b"{}",
        M(sd.OP_DICT_UPSERT, XA, "txn.id", b"2"),
        M(sd.OP_ARRAY_PUSH_LAST, XA | MK, "txn.log", b'"a"'),
        M(sd.OP_COUNTER, XA, "txn.n", b"4"),
        xattrs=xattrs,
    )
    assert out.ok
    assert json.loads(out.xattrs["txn"]) == {"id": 2, "log": ["a"], "n": 4}
    assert out.xattrs["other"] == b'"keep"'
    assert out.results == [(2, b"4")]
    out = mut(b"{}", M(sd.OP_DELETE, XA, "txn"), xattrs=xattrs)
    assert "txn" not in out.xattrs and set(out.xattrs) == {"_sys", "other"}
    assert mut(b"{}", M(sd.OP_DICT_UPSERT, XA, "new.a", b"1"))[4:] == (0, sd.PATH_ENOENT)
    assert mut(b"{}", M(sd.OP_REPLACE, XA, "new", b"1"))[4:] == (0, sd.PATH_ENOENT)


def test_full_doc_set_and_delete():
    xattrs = {"user": b"1", "_sys": b"2"}
    out = mut(
        b'{"a":1}',
        M(sd.OP_DICT_UPSERT, XA, "user", b"3"),
        M(sd.OP_SET_DOC, 0, "", b"new body"),
        xattrs=xattrs,
    )
    assert (out.doc, out.xattrs) == (b"new body", {"user": b"3", "_sys": b"2"})
    out = mut(b'{"a":1}', M(sd.OP_DELETE_DOC, 0, ""), xattrs=xattrs)
    assert out.ok and out.deleted and out.doc is None
    assert out.xattrs == {"_sys": b"2"}
    out = mut(b'{"a":1}', M(sd.OP_SET_DOC, 0, "", b'{"b":2}'), M(sd.OP_DICT_UPSERT, 0, "c", b"3"))
    assert body(out) == {"b": 2, "c": 3}


def test_macro_expansion():
    cas = 0x1122334455667788
    macros = {"cas": cas, "seqno": 42, "value_crc32c": 0xDEADBEEF}
    out = mut(
        b"{}",
        M(sd.OP_DICT_UPSERT, XA | MK | EM, "txn.cas", b'"${Mutation.CAS}"'),
        M(sd.OP_DICT_UPSERT, XA | MK | EM, "txn.seq", b'"${Mutation.seqno}"'),
        M(sd.OP_DICT_UPSERT, XA | MK | EM, "txn.crc", b'"${Mutation.value_crc32c}"'),
        M(sd.OP_ARRAY_PUSH_LAST, XA | MK | EM, "txn.l", b'"${Mutation.CAS}"'),
        macros=macros,
    )
    txn = json.loads(out.xattrs["txn"])
    # the server prints htonll(cas) in hex: byte-swapped on the wire's little-endian hosts
    assert txn["cas"] == "0x8877665544332211"
    assert txn["seq"] == "0x000000000000002a"
    assert txn["crc"] == "0xdeadbeef"
    assert txn["l"] == ["0x8877665544332211"]
    # without an explicit crc, CRC32C of the new body is used
    out = mut(
        b'{"a":1}',
        M(sd.OP_DICT_UPSERT, XA | EM, "c", b'"${Mutation.value_crc32c}"'),
        M(sd.OP_DICT_UPSERT, 0, "b", b"2"),
        macros={"cas": 1, "seqno": 1},
    )
    assert out.xattrs["c"] == b'"0x%08x"' % sd.crc32c(b'{"a":1,"b":2}')
    # a macro string without EXPAND_MACROS is stored literally
    out = mut(b"{}", M(sd.OP_DICT_UPSERT, XA, "c", b'"${Mutation.CAS}"'))
    assert out.xattrs["c"] == b'"${Mutation.CAS}"'


def test_document_macros():
    virtual = {"cas": 0xABC, "exptime": 5}
    out = mut(
        b"{}",
        M(sd.OP_DICT_UPSERT, XA | MK | EM, "m.cas", b'"${$document.CAS}"'),
        M(sd.OP_DICT_UPSERT, XA | MK | EM, "m.exp", b'"${$document.exptime}"'),
        virtual=virtual,
    )
    assert json.loads(out.xattrs["m"]) == {"cas": "0x0000000000000abc", "exp": 5}
    out = mut(b"{}", M(sd.OP_DICT_UPSERT, XA | MK | EM, "m.x", b'"${$document.nope}"'), virtual=virtual)
    assert (out.ok, out.status) == (False, sd.XATTR_UNKNOWN_VATTR_MACRO)


def test_dot_before_an_index_is_accepted_as_a_server_does():
    # ``array.[2]`` (used by the official SDK's tests against Couchbase Server) is ``array[2]``
    assert sd.parse_path("array.[2]") == ["array", 2]
    assert sd._parse_xattr_path("xattr_array.[0]") == ["xattr_array", 0]
    for bad in ("a..b", "a.", ".a"):
        with pytest.raises(sd._PathError):
            sd.parse_path(bad)
