"""Unit tests of the mock's views engine: collation, reduces, parameters,
query evaluation, the JavaScript runtime and the per-bucket state."""
from __future__ import annotations

import asyncio
import json
import sys
from typing import Any, Dict, List

import pytest

from couchbase_mock.store import BucketStore, Clock, Doc
from couchbase_mock.views import (
    DesignDocError,
    JSEngineMissing,
    ParamError,
    ReduceError,
    ViewNotFound,
    jsengine,
    parse_params,
    views_of,
)
from couchbase_mock.views.collation import collate, sort_key
from couchbase_mock.views.reduce import BLOCK, make_reducer

pytest.importorskip("quickjs")


# ---------------------------------------------------------------- collation

ORDERED = [
    None, False, True,
    -10, 0, 1, 1.5, 2, 100,
    "", " ", "-", "0", "10", "9", "a", "A", "á", "aa", "b", "B", "ba", "z",
    [], [None], [1], [1, 2], [1, "a"], [2], ["a"], [[1]],
    {}, {"a": 1}, {"a": 2}, {"a": 2, "b": 0}, {"b": 0},
]


def test_collation_orders_every_type_and_string_case():
    shuffled = ORDERED[::-1][1::2] + ORDERED[::-1][0::2]
    assert sorted(shuffled, key=sort_key) == ORDERED


def test_collate_is_a_three_way_compare():
    assert collate(1, "1") == -1
    assert collate("b", "a") == 1
    assert collate([1, {"x": None}], [1, {"x": None}]) == 0
    assert collate(1, 1.0) == 0


def test_sort_key_rejects_non_json():
    with pytest.raises(TypeError):
        sort_key(object())


# The facts below come from CouchDB's documentation, "Views Collation" (docs/src/ddocs/views/
# collation.rst of apache/couchdb-documentation), whose rules Couchbase Server's couchstore follows
# (src/views/collate_json.cc: ICU's root collator, ucol_open(""), default attributes), and from the
# UCA itself (Unicode Technical Standard #10 and its DUCET, allkeys.txt).

COUCHDB_SPEC = [  # the "Collation Specification" list, in order
    None, False, True,
    1, 2, 3.0, 4,
    "a", "A", "aa", "b", "B", "ba", "bb",
    ["a"], ["b"], ["b", "c"], ["b", "c", "a"], ["b", "d"], ["b", "d", "e"],
    {"a": 1}, {"a": 2}, {"b": 1}, {"b": 2}, {"b": 2, "a": 1}, {"b": 2, "c": 2},
]

# CouchDB's documented order of printable ASCII (space first): "All symbols sort before numbers and
# letters (even the high symbols like tilde)", letters without regard to case, then lower before upper.
# That list was made with an ICU of UCA 6.1 or older, which put ` and ^ first; since UCA 6.2 the DUCET
# sorts them with the other symbols, after % (as the ICU of any Couchbase Server release with views
# support since 2014 does). Everything else is the documented sequence.
ASCII_DOCUMENTED = " ` ^ _ - , ; : ! ? . ' \" ( ) [ ] { } @ * / \\ & # % + < = > | ~ $ 0 1 2 3 4 5 6 7 8 9 " \
    "a A b B c C d D e E f F g G h H i I j J k K l L m M n N o O p P q Q r R s S t T u U v V w W x X y Y z Z"


def test_collation_follows_the_couchdb_specification():
    assert sorted(COUCHDB_SPEC[::-1], key=sort_key) == COUCHDB_SPEC
    for a, b in zip(COUCHDB_SPEC, COUCHDB_SPEC[1:]):
        assert collate(a, b) == -1 and collate(b, a) == 1, (a, b)


def test_ascii_characters_in_the_documented_order():
    documented = [" "] + ASCII_DOCUMENTED.split()
    assert len(documented) == len(set(documented)) == 95
    modern = [c for c in documented if c not in "`^"]
    modern[modern.index("%") + 1:modern.index("%") + 1] = ["`", "^"]
    assert sorted((chr(i) for i in range(32, 127)), key=sort_key) == modern


def test_case_and_accents_are_later_levels():
    # CouchDB docs, "Key ranges": UCA sorts abc < Abc < ABC < abc1 < AbcZZZZZ, so
    # startkey="Abc"&endkey="AbcZZZZ" matches "ABC" and "abc1" but not "abc".
    assert sorted(["AbcZZZZZ", "abc1", "ABC", "Abc", "abc"], key=sort_key) == [
        "abc", "Abc", "ABC", "abc1", "AbcZZZZZ"]
    in_range = [k for k in ["abc", "Abc", "ABC", "abc1", "AbcZZZZZ"]
                if collate("Abc", k) <= 0 and collate(k, "AbcZZZZ") <= 0]
    assert in_range == ["Abc", "ABC", "abc1"]
    # "a < aa but also A < aa and a < AA"
    assert collate("a", "aa") == collate("A", "aa") == collate("a", "AA") == -1
    # UTS #10: accents are the second level, compared left to right in the root order
    assert sorted(["côté", "coté", "côte", "cote"], key=sort_key) == ["cote", "coté", "côte", "côté"]
    assert collate("Résumé", "resume") == 1 and collate("Résumé", "resumes") == -1
    assert collate("e", "é") == -1 and collate("é", "f") == -1


def test_canonically_equivalent_and_ignorable_strings_are_equal_keys():
    assert collate("e\u0301", "\u00e9") == 0  # decomposed and precomposed é
    assert collate("a\x00b", "ab") == 0  # control characters are completely ignorable
    assert collate("a b", "ab") == -1  # spaces are not (non-ignorable variable weighting)
    assert collate(["e\u0301", 1], ["\u00e9", 1]) == 0


def test_string_range_end_closes_a_prefix_range():
    # The 1.x SDK's STRING_RANGE_END (u"\u0fff", unassigned) and CouchDB's "\ufff0" both have implicit
    # UCA weights above every letter, digit and symbol: [v, v + end] covers all the keys starting with v.
    keys = ["abbaye", "Abbaye de Leffe", "ABBAYE DES ROCS", "abbaye d'Aulne", "Abbaye-9", "abbé", "abbay",
            "Abbazia", "abba", "abbayes", "abbaye\u4e00", "abbaye\U0001f37a", "abc", "zz"]
    for end in ("\u0fff", "\ufff0"):
        found = [k for k in keys if collate("abbaye", k) <= 0 and collate(k, "abbaye" + end) <= 0]
        assert found == ["abbaye", "Abbaye de Leffe", "ABBAYE DES ROCS", "abbaye d'Aulne", "Abbaye-9",
                         "abbayes", "abbaye\u4e00", "abbaye\U0001f37a"], end
    assert collate("zzz", "z\u0fff") == -1 and collate("z\u0fff", "{") == 1


def test_numbers_compare_by_value():
    assert sorted([2, -1.5, 0, 1.0, 10, -3], key=sort_key) == [-3, -1.5, 0, 1.0, 2, 10]
    assert collate(1, 1.0) == 0 and collate(1e300, True) == 1


def test_string_collation_is_fast_enough_for_view_indexes():
    import random
    import time
    rnd = random.Random(7)
    words = ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz ABCéü'-") for _ in range(rnd.randint(4, 40)))
             + str(i) for i in range(5000)]
    sort_key("warm up")  # loads the tables
    start = time.perf_counter()
    ordered = sorted(words, key=sort_key)
    assert time.perf_counter() - start < 2.0
    assert len(ordered) == 5000


def test_view_query_without_the_uca_tables_is_a_clear_error(monkeypatch):
    from couchbase_mock.views import CollationMissing, collation
    monkeypatch.setattr(collation, "_collator", None)
    monkeypatch.setitem(sys.modules, "pyuca.collator", None)
    collation.string_key.cache_clear()
    try:
        with pytest.raises(CollationMissing, match="pyuca"):
            collation.require()
        with pytest.raises(CollationMissing):
            sort_key("text")
        store = _store({"a": {"n": 1}})
        st = views_of(store)
        st.put_ddoc("dd", {"views": {"v": {"map": "function (doc) { emit(doc.n, null) }"}}})
        with pytest.raises(CollationMissing, match="pip install pyuca"):  # the views port answers 501
            _run(st, stale="false")
    finally:
        collation.string_key.cache_clear()


# ---------------------------------------------------------------- reduce

def _rows(values: List[Any]) -> List[Any]:
    return [(i, f"d{i}", v) for i, v in enumerate(values)]


def _js() -> Any:
    return jsengine.engine()


def test_builtin_reduces_with_rereduce_blocks():
    values = list(range(BLOCK * 3 + 5))
    assert make_reducer("_count", _js).reduce(_rows(values)) == len(values)
    assert make_reducer("_sum", _js).reduce(_rows(values)) == sum(values)
    stats = make_reducer(" _stats ", _js).reduce(_rows(values))
    assert stats == {"sum": sum(values), "count": len(values), "min": 0, "max": values[-1],
                     "sumsqr": sum(v * v for v in values)}
    assert make_reducer("_sum", _js).reduce(_rows([[1, 2], [3], 4])) == [8, 2]


def test_builtin_reduce_errors():
    with pytest.raises(ReduceError, match="_sum"):
        make_reducer("_sum", _js).reduce(_rows([1, "x"]))
    with pytest.raises(ReduceError, match="_stats"):
        make_reducer("_stats", _js).reduce(_rows([True]))
    with pytest.raises(ReduceError, match="unknown built-in"):
        make_reducer("_median", _js)


def test_js_reduce_gets_keys_and_rereduce():
    # Counts rows on the first pass and sums partial counts on rereduce: right only if
    # rereduce is really called with the partial results (and keys null).
    source = """function (keys, values, rereduce) {
        if (rereduce) { if (keys !== null) throw new Error("keys on rereduce"); return sum(values); }
        if (keys[0].length !== 2) throw new Error("keys must be [key, id]");
        return values.length; }"""
    n = BLOCK * 4 + 3
    assert make_reducer(source, _js).reduce(_rows([0] * n)) == n
    bad = make_reducer("function (k, v, re) { return v.length; }", _js)
    assert bad.reduce(_rows([0] * n)) != n  # ignoring rereduce gives the wrong count, as on the server


def test_js_reduce_error_is_a_reduce_error():
    with pytest.raises(ReduceError, match="boom"):
        make_reducer("function () { throw new Error('boom'); }", _js).reduce(_rows([1]))


# ---------------------------------------------------------------- parameters

def _q(**kw: str) -> Dict[str, List[str]]:
    return {k: [v] for k, v in kw.items()}


def test_params_are_json_decoded_and_checked():
    p = parse_params(_q(key='"a"', startkey="[1,2]", endkey="{}", limit="5", skip="2", descending="true",
                        inclusive_end="false", stale="ok", group_level="1", startkey_docid="x",
                        full_set="true", on_error="stop", unknown="whatever"))
    assert (p.key, p.startkey, p.endkey, p.limit, p.skip, p.descending, p.inclusive_end, p.stale,
            p.group_level, p.startkey_docid, p.full_set, p.on_error) == (
        "a", [1, 2], {}, 5, 2, True, False, "ok", 1, "x", True, "stop")
    assert parse_params({}, {"keys": [1, "a"]}).keys == [1, "a"]
    assert parse_params({}, {}).keys is None


@pytest.mark.parametrize("query, body, error, words", [
    (_q(startkey="abc"), None, "bad_request", "invalid UTF-8 JSON"),
    (_q(keys="{"), None, "bad_request", "invalid UTF-8 JSON"),
    (_q(keys='"a"'), None, "query_parse_error", "array"),
    (_q(limit="-1"), None, "query_parse_error", "limit"),
    (_q(skip="x"), None, "query_parse_error", "skip"),
    (_q(descending="yes"), None, "query_parse_error", "boolean"),
    (_q(stale="maybe"), None, "query_parse_error", "stale"),
    (_q(on_error="ignore"), None, "query_parse_error", "on_error"),
    ({}, [1], "bad_request", "object"),
    ({}, {"keys": 1}, "query_parse_error", "array"),
    (_q(key="1"), {"keys": [1]}, "query_parse_error", "incompatible"),
])
def test_bad_params(query, body, error, words):
    with pytest.raises(ParamError) as info:
        parse_params(query, body)
    assert info.value.status == 400
    assert info.value.body()["error"] == error
    assert words in info.value.reason


# ---------------------------------------------------------------- index + query through the state

MAP = "function (doc, meta) { if (doc.type === 'p') emit(doc.k, doc.v); }"


def _store(docs: Dict[str, Any]) -> BucketStore:
    store = BucketStore("b", 4, Clock())
    for key, value in docs.items():
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        store.docs[(0, key.encode())] = Doc(raw, 0x02000000, 1, store.next_cas(), 0, store.next_seqno(0))
    return store


def _run(state: Any, view: str = "v", **params: str) -> Any:
    async def go() -> Any:
        result = await state.query("dd", view, parse_params(_q(**params)))
        return result.total_rows, list(result.rows)

    return asyncio.run(go())


@pytest.fixture
def state() -> Any:
    docs = {"a": {"type": "p", "k": 1, "v": 10}, "b": {"type": "p", "k": 2, "v": 20},
            "c": {"type": "p", "k": 2, "v": 30}, "d": {"type": "p", "k": [1, "x"], "v": 1},
            "e": {"type": "p", "k": [1, "y"], "v": 2}, "f": {"type": "p", "k": [2, "x"], "v": 3},
            "other": {"type": "q", "k": 0}, "bin": b"\x00\x01"}
    store = _store(docs)
    st = views_of(store)
    st.put_ddoc("dd", {"views": {"v": {"map": MAP}, "r": {"map": MAP, "reduce": "_sum"}}})
    st._keep = store  # the state holds its store weakly
    return st


def _keys(rows: List[Dict[str, Any]]) -> List[Any]:
    return [(r["key"], r["id"]) for r in rows]


def test_query_ranges(state):
    total, rows = _run(state, stale="false")
    assert total == 6
    assert _keys(rows) == [(1, "a"), (2, "b"), (2, "c"), ([1, "x"], "d"), ([1, "y"], "e"), ([2, "x"], "f")]
    assert _keys(_run(state, key="2")[1]) == [(2, "b"), (2, "c")]
    assert _keys(_run(state, startkey="2", endkey="[1]")[1]) == [(2, "b"), (2, "c")]
    assert _keys(_run(state, startkey="2", startkey_docid="c", endkey="[1,\"x\"]",
                      inclusive_end="false")[1]) == [(2, "c")]
    assert _keys(_run(state, startkey="2", endkey="2", endkey_docid="b")[1]) == [(2, "b")]
    assert _keys(_run(state, descending="true", startkey="[1,\"x\"]", endkey="2",
                      inclusive_end="false")[1]) == [([1, "x"], "d")]
    assert _keys(_run(state, descending="true", startkey="2", startkey_docid="b", endkey="1")[1]) == [
        (2, "b"), (1, "a")]
    assert _keys(_run(state, skip="1", limit="2")[1]) == [(2, "b"), (2, "c")]
    assert _run(state, limit="0")[1] == []
    assert _run(state, key='"nothing"') == (6, [])
    with pytest.raises(ParamError, match="reverse your start_key"):
        _run(state, startkey="3", endkey="1")


def test_query_keys_keep_the_requested_order(state):
    async def go() -> Any:
        return list((await state.query("dd", "v", parse_params({}, {"keys": [[2, "x"], 2, 7, 1]}))).rows)

    assert _keys(asyncio.run(go())) == [([2, "x"], "f"), (2, "b"), (2, "c"), (1, "a")]


def test_query_reduce_and_grouping(state):
    total, rows = _run(state, "r", stale="false")
    assert total is None and rows == [{"key": None, "value": 66}]
    assert _run(state, "r", group="true")[1] == [
        {"key": 1, "value": 10}, {"key": 2, "value": 50}, {"key": [1, "x"], "value": 1},
        {"key": [1, "y"], "value": 2}, {"key": [2, "x"], "value": 3}]
    assert _run(state, "r", group_level="1")[1] == [
        {"key": 1, "value": 10}, {"key": 2, "value": 50}, {"key": [1], "value": 3}, {"key": [2], "value": 3}]
    assert _run(state, "r", group_level="0")[1] == [{"key": None, "value": 66}]
    assert _run(state, "r", group_level="1", descending="true", limit="1")[1] == [{"key": [2], "value": 3}]
    assert _run(state, "r", reduce="false", limit="1")[1] == [{"id": "a", "key": 1, "value": 10}]
    assert _run(state, "r", key='"none"')[1] == []
    with pytest.raises(ParamError, match="reduce"):
        _run(state, "v", reduce="true")
    with pytest.raises(ParamError, match="group"):
        _run(state, "v", group="true")
    with pytest.raises(ParamError, match="group"):
        _run(state, "r", reduce="false", group="true")


def test_missing_ddoc_and_view(state):
    with pytest.raises(ViewNotFound) as info:
        asyncio.run(state.query("nope", "v", parse_params({})))
    assert info.value.reason == "missing"
    with pytest.raises(ViewNotFound) as info:
        _run(state, "nope")
    assert info.value.reason == "missing_named_view"


def test_stale_and_incremental_refresh(state):
    store = state._keep
    assert _run(state, stale="false")[0] == 6
    store.docs[(0, b"new")] = Doc(b'{"type":"p","k":0,"v":0}', 0, 1, store.next_cas(), 0, store.next_seqno(1))
    assert _run(state, stale="ok")[0] == 6        # the previous index state
    assert _run(state, stale="false")[0] == 7
    store.docs[(0, b"new")].deleted = True
    store.next_seqno(1)
    total, rows = _run(state, stale="false")
    assert total == 6 and "new" not in [r["id"] for r in rows]


def test_update_after_refreshes_in_the_background(state):
    store = state._keep

    async def go() -> Any:
        first = (await state.query("dd", "v", parse_params(_q(stale="false")))).total_rows
        store.docs[(0, b"z")] = Doc(b'{"type":"p","k":9}', 0, 1, store.next_cas(), 0, store.next_seqno(2))
        during = (await state.query("dd", "v", parse_params({}))).total_rows
        for _ in range(50):
            await asyncio.sleep(0.01)
        after = (await state.query("dd", "v", parse_params(_q(stale="ok")))).total_rows
        return first, during, after

    assert asyncio.run(go()) == (6, 6, 7)


def test_expired_documents_leave_the_index(state):
    store = state._keep
    store.docs[(0, b"a")].expiry = int(store.clock.now()) + 10
    store.next_seqno(0)
    assert _run(state, stale="false")[0] == 6
    store.clock.advance(11)
    assert _run(state, stale="false")[0] == 5


def test_map_meta_and_binary_docs():
    store = _store({"j": {"x": 1}, "bin": b"\xff\x00"})
    store.docs[(0, b"j")].flags = 7
    st = views_of(store)
    st.put_ddoc("dd", {"views": {"v": {"map": "function (doc, meta) { emit(meta.id, [meta.type, meta.flags, "
                                              "meta.expiration, typeof meta.cas, doc]); }"}}})
    rows = _run(st, stale="false")[1]
    assert [r["value"] for r in rows] == [["base64", 0x02000000, 0, "number", "/wA="],
                                          ["json", 7, 0, "number", {"x": 1}]]


def test_map_errors_skip_only_the_failing_documents(monkeypatch):
    monkeypatch.setattr(jsengine, "TIME_LIMIT_S", 0.2)
    store = _store({f"d{i}": {"n": i} for i in range(6)})
    st = views_of(store)
    st.put_ddoc("dd", {"views": {"v": {"map": """function (doc) {
        if (doc.n === 1) throw new Error('bad doc');
        if (doc.n === 2) doc.missing.field = 1;
        if (doc.n === 4) while (true) {}
        emit(doc.n, null); }"""}}})
    total, rows = _run(st, stale="false")
    assert [r["key"] for r in rows] == [0, 3, 5]
    assert set(st._indexes[st.ddocs.get("dd")["views"]["v"]["map"]].errors) == {"d1", "d2", "d4"}


def test_design_document_validation(state):
    with pytest.raises(DesignDocError, match="Syntax error in map function of view `v`"):
        state.put_ddoc("x", {"views": {"v": {"map": "function (doc { emit(1) }"}}})
    with pytest.raises(DesignDocError, match="no map function"):
        state.put_ddoc("x", {"views": {"v": {"reduce": "_count"}}})
    with pytest.raises(DesignDocError, match="built-in"):
        state.put_ddoc("x", {"views": {"v": {"map": MAP, "reduce": "_avg"}}})
    with pytest.raises(DesignDocError, match="not json object"):
        state.put_ddoc("x", [1])
    with pytest.raises(DesignDocError, match="reduce function"):
        state.put_ddoc("x", {"views": {"v": {"map": MAP, "reduce": "function ("}}})
    assert state.ddocs.get("x") is None
    rev1 = state.put_ddoc("x", {"views": {}})
    rev2 = state.put_ddoc("x", {"views": {"v": {"map": MAP}}})
    assert rev1.startswith("1-") and rev2.startswith("2-")
    assert state.delete_ddoc("x") and not state.delete_ddoc("x")


def test_missing_js_engine_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "quickjs", None)
    store = _store({"a": {"n": 1}})
    st = views_of(store)
    st.put_ddoc("dd", {"views": {"v": {"map": "function (doc) { emit(doc.n) }"}}})  # stored unchecked
    with pytest.raises(JSEngineMissing, match="quickjs"):
        _run(st, stale="false")
