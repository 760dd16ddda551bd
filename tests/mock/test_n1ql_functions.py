"""The mock's SQL++ function library against the query service's rules, through the engine
(``SELECT RAW <expr>``): results, aliases, MISSING/NULL/wrong-type propagation per function, and
the planning error for an unknown function or a wrong argument count.

Expected values follow the server source (expression/func_*.go): positions and lengths in UTF-8
bytes, names in collation order, ROUND half to even, TO_STRING(object) NULL, and so on.
"""
from __future__ import annotations

import itertools
import math
import re
from typing import Any, List

import pytest

from couchbase_mock.cluster import Cluster
from couchbase_mock.query.engine import Options, QueryService
from couchbase_mock.query.errors import QueryError
from couchbase_mock.query.evaluator import Params
from couchbase_mock.query.functions import FUNCTIONS
from couchbase_mock.query.values import MISSING

M = "MISSING"  # the expected value of a MISSING result: SELECT RAW leaves the row out


@pytest.fixture(scope="module")
def svc() -> QueryService:
    return QueryService(Cluster(1, 0, ["b"], 8, "u", "p"))


def run(svc: QueryService, statement: str) -> List[Any]:
    ex = svc.start(statement, Options(Params((), {}), None, None, "", False))
    rows = list(ex.rows)
    if ex.errors:
        raise ex.errors[0]
    return rows


def value(svc: QueryService, expr: str) -> Any:
    rows = run(svc, f"SELECT {expr} AS v")
    return rows[0].get("v", M)


def check(svc: QueryService, expr: str, expected: Any) -> None:
    got = value(svc, expr)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got), (expr, got)
    else:
        assert got == expected and type(got) is type(expected), (expr, got, expected)


STRING = [
    ("LTRIM('  ab  ')", "ab  "), ("RTRIM('  ab  ')", "  ab"), ("TRIM(' \tab\n')", "ab"),
    ("LTRIM('xxaxbx', 'x')", "axbx"), ("RTRIM('xxaxbx', 'xb')", "xxa"), ("TRIM('xyaxy', 'yx')", "a"),
    ("TRIM('\vab')", "\vab"),  # the server's whitespace set has no \v
    ("LTRIM('ab', '')", "ab"), ("LTRIM(1)", None), ("LTRIM('a', 1)", None), ("LTRIM(MISSING)", M),
    ("LTRIM('a', MISSING)", M), ("RTRIM(NULL, MISSING)", M), ("TRIM(NULL)", None),
    ("SPLIT('a b  c')", ["a", "b", "c"]), ("SPLIT('a,b,,c', ',')", ["a", "b", "", "c"]),
    ("SPLIT('abc', '')", ["a", "b", "c"]), ("SPLIT('abc', 'x')", ["abc"]), ("SPLIT(1)", None),
    ("SPLIT('a', 1)", None), ("SPLIT(MISSING, ',')", M),
    ("REPLACE('aaa', 'a', 'b')", "bbb"), ("REPLACE('aaa', 'a', 'b', 2)", "bba"),
    ("REPLACE('aaa', 'a', 'b', -1)", "bbb"), ("REPLACE('aaa', 'a', 'b', 0)", "aaa"),
    ("REPLACE('aaa', 'a', 'b', 1.5)", None), ("REPLACE('aaa', 'a', 1)", None),
    ("REPLACE('aaa', 'a', 'b', '1')", None), ("REPLACE('a', NULL, MISSING)", M),
    ("POSITION('abcb', 'b')", 1), ("POSITION0('abcb', 'b')", 1), ("POSITION1('abcb', 'b')", 2),
    ("POS('abc', 'x')", -1), ("POSITION1('abc', 'x')", 0), ("POSITION('héllo', 'l')", 3),
    ("MB_POSITION('héllo', 'l')", 2), ("MB_POSITION1('héllo', 'l')", 3), ("POSITION(1, 'a')", None),
    ("POSITION('a', MISSING)", M),
    ("TITLE('hello wORLD')", "Hello World"), ("INITCAP('o\\'neil 1st a_b')", "O'Neil 1st A_b"),
    ("TITLE(1)", None), ("TITLE(MISSING)", M),
    ("REVERSE('abc')", "cba"), ("REVERSE('e\u0301a')", "ae\u0301"), ("REVERSE([1])", None),
    ("LENGTH('héllo')", 6), ("MB_LENGTH('héllo')", 5), ("LENGTH(1)", None), ("MB_LENGTH(MISSING)", M),
    ("SUBSTR('hello', 1)", "ello"), ("SUBSTR('hello', 1, 3)", "ell"), ("SUBSTR('hello', -3, 2)", "ll"),
    ("SUBSTR('hello', 1, 10)", "ello"), ("SUBSTR('hello', 5)", None), ("SUBSTR('hello', 1.5)", None),
    ("SUBSTR('hello', 1, -1)", None), ("SUBSTR0('hello', 0, 2)", "he"), ("SUBSTR1('hello', 1, 2)", "he"),
    ("SUBSTR1('hello', 0, 2)", "he"), ("MB_SUBSTR('héllo', 1, 2)", "él"), ("MB_SUBSTR1('héllo', 2)", "éllo"),
    ("SUBSTR(1, 1)", None), ("SUBSTR(1, MISSING)", M),
    ("LPAD('ab', 5)", "   ab"), ("LPAD('ab', 5, 'xy')", "xyxab"), ("RPAD('ab', 5, 'xy')", "abxyx"),
    ("LPAD('abcdef', 3)", "abc"), ("LPAD('ab', 3, '')", None), ("LPAD('ab', -1)", None),
    ("MB_RPAD('é', 3, 'ü')", "éüü"), ("RPAD('é', 3, 'x')", "éx"),
    ("CONCAT('a', 'b', 'c')", "abc"), ("CONCAT('a', 1)", None), ("CONCAT('a', NULL, MISSING)", M),
    ("CONCAT2('-', 'a', 'b')", "a-b"), ("CONCAT2('-', ['a', 'b'], 'c')", "a-b-c"),
    ("CONCAT2('-', 'a')", "a"), ("ARRAY_TO_STRING(',', ['x', 'y'])", "x,y"),
    ("CONCAT2('-', ['a', 1])", None), ("CONCAT2(['-'], 'a')", None), ("CONCAT2('-', 'a', MISSING)", M),
    ("SUFFIXES('abc')", ["abc", "bc", "c"]), ("SUFFIXES('')", []), ("SUFFIXES(1)", None),
    ("REPEAT('ab', 3)", "ababab"), ("REPEAT('ab', 1.5)", None), ("REPEAT('ab', -1)", None),
    ("CONTAINS('abc', 'b')", True), ("CONTAINS('abc', 1)", None),
    ("LOWER('AbC')", "abc"), ("UPPER('AbC')", "ABC"), ("UPPER('straße')", "STRAßE"), ("LOWER(1)", None),
    ("URLENCODE('a b&c/é~')", "a+b%26c%2F%C3%A9~"), ("URLDECODE('a+b%26c%2F%C3%A9')", "a b&c/é"),
    ("URLDECODE('100%')", None), ("URLENCODE(1)", None), ("URLDECODE(MISSING)", M),
]

ARRAY = [
    ("ARRAY_APPEND([1], 2, 3)", [1, 2, 3]), ("ARRAY_APPEND([1], NULL)", [1, None]),
    ("ARRAY_APPEND(1, 2)", None), ("ARRAY_APPEND([1], MISSING)", M), ("ARRAY_APPEND(NULL, MISSING)", M),
    ("ARRAY_PREPEND(0, 1, [2])", [0, 1, 2]), ("ARRAY_PREPEND(0, 'a')", None),
    ("ARRAY_PREPEND(MISSING, [])", M),
    ("ARRAY_CONCAT([1], [2], [3, 4])", [1, 2, 3, 4]), ("ARRAY_CONCAT([1], 2)", None),
    ("ARRAY_CONCAT([1], MISSING)", M),
    ("ARRAY_DISTINCT([1, 1.0, 'a', 'a', [1], [1], null, null])", [1, "a", [1], None]),
    ("ARRAY_DISTINCT('a')", None),
    ("ARRAY_FLATTEN([1, [2, [3, [4]]]], 1)", [1, 2, [3, [4]]]),
    ("ARRAY_FLATTEN([1, [2, [3, [4]]]], -1)", [1, 2, 3, 4]), ("ARRAY_FLATTEN([1, [2]], 0)", [1, [2]]),
    ("ARRAY_FLATTEN([1], 1.5)", None), ("ARRAY_FLATTEN([1], 'a')", None), ("ARRAY_FLATTEN(MISSING, 1)", M),
    ("ARRAY_IFNULL([null, 2, 3])", 2), ("ARRAY_IFNULL([null])", None), ("ARRAY_IFNULL(1)", None),
    ("ARRAY_INSERT([1, 4], 1, 2, 3)", [1, 2, 3, 4]), ("ARRAY_INSERT([1, 2], 2, 3)", [1, 2, 3]),
    ("ARRAY_INSERT([1, 2], -1, 9)", [1, 9, 2]), ("ARRAY_INSERT([1, 2], 3, 9)", None),
    ("ARRAY_INSERT([1, 2], 0.5, 9)", None), ("ARRAY_INSERT([1], 0, MISSING)", M),
    ("ARRAY_INTERSECT([1, 2, 3, null], [3, 1, null], [1, 3, 5])", [1, 3]),
    ("ARRAY_INTERSECT([1], 'a')", None), ("ARRAY_INTERSECT([1], MISSING)", M),
    ("ARRAY_POSITION([1, 'a', 2], 'a')", 1), ("ARRAY_POS([1], 2)", -1), ("ARRAY_POSITION([1], NULL)", None),
    ("ARRAY_POSITION('a', 1)", None), ("ARRAY_POSITION([1], MISSING)", M), ("ARRAY_POSITION([true], 1)", -1),
    ("ARRAY_PUT([1, 2], 2, 3, 3)", [1, 2, 3, 3]), ("ARRAY_PUT([1], NULL)", None),
    ("ARRAY_PUT([1], MISSING)", M),
    ("ARRAY_REMOVE([1, 2, 1, 3], 1, 3)", [2]), ("ARRAY_REMOVE([1], NULL)", None),
    ("ARRAY_REMOVE('a', 1)", None), ("ARRAY_REMOVE([], 1)", []),
    ("ARRAY_REPEAT('a', 3)", ["a", "a", "a"]), ("ARRAY_REPEAT(NULL, 2)", [None, None]),
    ("ARRAY_REPEAT('a', -1)", None), ("ARRAY_REPEAT('a', 1.5)", None), ("ARRAY_REPEAT(MISSING, 2)", M),
    ("ARRAY_REPLACE([1, 2, 1, 1], 1, 9)", [9, 2, 9, 9]),
    ("ARRAY_REPLACE([1, 2, 1, 1], 1, 9, 2)", [9, 2, 9, 1]),
    ("ARRAY_REPLACE([1], NULL, 9)", None), ("ARRAY_REPLACE([1], 1, 9, 'a')", None),
    ("ARRAY_REPLACE([1], 1, MISSING)", M), ("ARRAY_REPLACE_EQUIVALENT([1, null], null, 0)", [1, 0]),
    ("ARRAY_REPLACE_EQUIVALENT([1, 1], 1, 0, 1)", [0, 1]),
    ("ARRAY_REVERSE([1, 2, 3])", [3, 2, 1]), ("ARRAY_REVERSE('abc')", None),
    ("ARRAY_SORT([3, 'a', null, true, [1], {'a': 1}, 1])", [None, True, 1, 3, "a", [1], {"a": 1}]),
    ("ARRAY_SORT(1)", None), ("ARRAY_SORT(MISSING)", M),
    ("ARRAY_STAR([{'a': 1}, {'a': 2, 'b': 3}])", {"a": [1, 2], "b": [None, 3]}), ("ARRAY_STAR([])", {}),
    ("ARRAY_SUM([1, 2, 'a', null, 3])", 6), ("ARRAY_SUM([1.5, 1.5])", 3), ("ARRAY_SUM([])", 0),
    ("ARRAY_SUM({})", None),
    ("ARRAY_AVG([1, 2, 'x'])", 1.5), ("ARRAY_AVG([2, 4])", 3), ("ARRAY_AVG(['a'])", None),
    ("ARRAY_AVG(MISSING)", M),
    ("ARRAY_MIN([3, null, 'a', 1])", 1), ("ARRAY_MAX([3, null, 'a', 1])", "a"), ("ARRAY_MIN([null])", None),
    ("ARRAY_MAX([])", None), ("ARRAY_MIN('a')", None),
    ("ARRAY_COUNT([1, null, 'a', []])", 3), ("ARRAY_COUNT(1)", None),
    ("ARRAY_UNION([1, 2], [2, 3], [3, 1.0])", [1, 2, 3]), ("ARRAY_UNION([1], NULL)", None),
    ("ARRAY_EXCEPT([1, 2, 3, 2], [2])", [1, 3]), ("ARRAY_EXCEPT([1], [])", [1]),
    ("ARRAY_EXCEPT([1], 1)", None),
    ("ARRAY_SYMDIFF([1, 2], [2, 3], [3, 4])", [1, 4]),
    ("ARRAY_SYMDIFFN([1, 2], [2, 3], [2, 4])", [1, 2, 3, 4]),
    ("ARRAY_BINARY_SEARCH([1, 3, 5, 7], 5)", 2), ("ARRAY_BINARY_SEARCH([1, 3, 5], 4)", -1),
    ("ARRAY_BINARY_SEARCH([], 4)", -1), ("ARRAY_BINARY_SEARCH('a', 4)", None),
    ("ARRAY_BINARY_SEARCH(MISSING, 4)", M),
    ("ARRAY_MOVE(['a', 'b', 'c', 'd'], 0, 2)", ["b", "c", "a", "d"]),
    ("ARRAY_MOVE(['a', 'b', 'c', 'd'], -1, 0)", ["d", "a", "b", "c"]), ("ARRAY_MOVE([1, 2], 0, 2)", None),
    ("ARRAY_MOVE([1, 2], 0.5, 1)", None), ("ARRAY_MOVE([1, 2], 0, MISSING)", M),
    ("ARRAY_SWAP([1, 2, 3], 0, -1)", [3, 2, 1]),
    ("ARRAY_CONTAINS([1, 'a'], 'a')", True), ("ARRAY_CONTAINS([1], NULL)", None),
    ("ARRAY_CONTAINS_ANY([1, 2], [3, 2])", True), ("ARRAY_CONTAINS_ALL([1, 2], [2, 3])", False),
    ("ARRAY_LENGTH([1, 2])", 2),
]

OBJECT = [
    ("OBJECT_NAMES({'b': 1, 'a': 2})", ["a", "b"]), ("OBJECT_NAMES([1])", None), ("OBJECT_NAMES(MISSING)", M),
    ("OBJECT_VALUES({'b': 1, 'a': 2})", [2, 1]), ("OBJECT_OUTER_VALUES({'a': 1})", [1]),
    ("OBJECT_PAIRS({'b': 1, 'a': [2]})", [{"name": "a", "val": [2]}, {"name": "b", "val": 1}]),
    ("OBJECT_PAIRS({'a': 'x'}, {'types': true})", [{"name": "a", "type": "string"}]),
    ("OBJECT_PAIRS({'a': 1}, 1)", None), ("OBJECT_PAIRS('a')", None), ("OBJECT_INNER_PAIRS({'a': 1})",
                                                                     [{"name": "a", "val": 1}]),
    ("OBJECT_LENGTH({'a': 1, 'b': 2})", 2), ("OBJECT_LENGTH([])", None),
    ("OBJECT_ADD({'a': 1}, 'b', 2)", {"a": 1, "b": 2}), ("OBJECT_ADD({'a': 1}, 'a', 2)", {"a": 1}),
    ("OBJECT_ADD({'a': 1}, 1, 2)", None), ("OBJECT_ADD({'a': 1}, 'b', MISSING)", {"a": 1}),
    ("OBJECT_ADD(MISSING, 'b', 1)", M),
    ("OBJECT_PUT({'a': 1}, 'a', 2)", {"a": 2}), ("OBJECT_PUT({'a': 1}, 'a', MISSING)", {}),
    ("OBJECT_PUT({'a': 1}, 'b', NULL)", {"a": 1, "b": None}), ("OBJECT_PUT('x', 'a', 1)", None),
    ("OBJECT_REMOVE({'a': 1, 'b': 2, 'c': 3}, 'a', 'c')", {"b": 2}), ("OBJECT_REMOVE({'a': 1}, 1)", None),
    ("OBJECT_REMOVE({'a': 1}, MISSING)", M),
    ("OBJECT_RENAME({'a': 1, 'b': 2}, 'a', 'c')", {"b": 2, "c": 1}), ("OBJECT_RENAME({'a': 1}, 'x', 'y')",
                                                                      {"a": 1}),
    ("OBJECT_RENAME({'a': 1}, 'a', 2)", None),
    ("OBJECT_REPLACE({'a': 1, 'b': 1, 'c': 2}, 1, 9)", {"a": 9, "b": 9, "c": 2}),
    ("OBJECT_REPLACE({'a': 1}, NULL, 9)", None), ("OBJECT_REPLACE({'a': 1}, MISSING, 9)", M),
    ("OBJECT_CONCAT({'a': 1}, {'b': 2}, {'a': 3})", {"a": 3, "b": 2}), ("OBJECT_CONCAT({'a': 1}, 1)", None),
    ("OBJECT_CONCAT2({'a': 1}, [{'b': 2}, {'a': 3}], {'c': 4})", {"a": 3, "b": 2, "c": 4}),
    ("OBJECT_CONCAT2([{'a': 1}], {'b': 2})", None), ("OBJECT_CONCAT2({'a': 1}, [1])", None),
    ("OBJECT_CONCAT2({'a': 1}, MISSING)", M),
    ("OBJECT_TYPES({'a': 1, 'b': 'x', 'c': [null], 'd': null})",
     {"a": "number", "b": "string", "c": "array", "d": "null"}), ("OBJECT_TYPES(1)", None),
    ("RANDOM_ELEMENT(['x'])", "x"), ("ARRAY_CONTAINS([1, 2, 3], RANDOM_ELEMENT([1, 2, 3]))", True),
    ("RANDOM_ELEMENT([])", None), ("RANDOM_ELEMENT('a')", None), ("RANDOM_ELEMENT(MISSING)", M),
    ("OBJECT_FIELD({'a': {'b': [5, 6]}}, 'a.b[1]')", 6), ("OBJECT_FIELD({'a b': 1}, '`a b`')", 1),
    ("OBJECT_FIELD({'a': 1}, 'nope')", M), ("OBJECT_FIELD({'a': 1}, '((')", None),
    ("OBJECT_FIELD([1], 'a')", None),
    ("OBJECT_FIELD({'a': 1}, MISSING)", M),
    ("OBJECT_UNWRAP({'a': [1]})", [1]), ("OBJECT_UNWRAP({'a': 1, 'b': 2})", None), ("OBJECT_UNWRAP(1)", None),
]

TYPES = [
    ("IS_ARRAY([])", True), ("ISARRAY({})", False), ("IS_ARRAY(NULL)", None), ("IS_ARRAY(MISSING)", M),
    ("IS_ATOM('a')", True), ("IS_ATOM(1)", True), ("IS_ATOM(false)", True), ("IS_ATOM([])", False),
    ("ISATOM(NULL)", None), ("IS_BOOLEAN(true)", True), ("ISBOOL(1)", False), ("IS_BOOL(false)", True),
    ("IS_NUMBER(1.5)", True), ("ISNUM('1')", False), ("IS_NUM(1)", True), ("IS_OBJECT({})", True),
    ("ISOBJ([])", False), ("IS_STRING('')", True), ("ISSTR(1)", False), ("IS_STR(MISSING)", M),
    ("IS_BINARY('a')", False),
    ("TO_ARRAY(1)", [1]), ("TOARRAY([1])", [1]), ("TO_ARRAY(NULL)", None), ("TO_ARRAY(MISSING)", M),
    ("TO_ATOM([[{'a': 'x'}]])", "x"), ("TO_ATOM([1, 2])", None), ("TO_ATOM({})", None),
    ("TO_ATOM(true)", True),
    ("TO_BOOLEAN(0)", False), ("TOBOOL(2)", True), ("TO_BOOL('')", False), ("TO_BOOLEAN('false')", True),
    ("TO_BOOLEAN([])", False), ("TO_BOOLEAN({'a': 1})", True), ("TO_BOOLEAN(NULL)", None),
    ("TO_OBJECT({'a': 1})", {"a": 1}), ("TOOBJ(1)", {}), ("TO_OBJ(MISSING)", M),
    ("TO_STRING(1)", "1"), ("TO_STRING(1.5)", "1.5"), ("TO_STRING(1e21)", "1000000000000000000000"),
    ("TO_STRING(1.2345678901234568e20)", "123456789012345680000"), ("TO_STRING(2.50)", "2.5"),
    ("TO_STRING(1e-7)", "0.0000001"),
    ("TO_STRING(true)", "true"), ("TOSTR('a')", "a"), ("TO_STRING([1])", None), ("TO_STRING({'a': 1})", None),
    ("TO_STRING(NULL)", None), ("TO_STRING(MISSING)", M),
    ("TO_NUMBER('12')", 12), ("TO_NUMBER('1.5')", 1.5), ("TO_NUMBER('1e3')", 1000.0),
    ("TO_NUMBER(' 1')", None),
    ("TO_NUMBER('abc')", None), ("TO_NUMBER(true)", 1), ("TONUM(false)", 0), ("TO_NUMBER([1])", None),
    ("TO_NUMBER('1,234.5', ',')", 1234.5), ("TO_NUMBER('1 234,5', '')", 1234.5), ("TO_NUMBER('1', 1)", None),
    ("TO_NUMBER(MISSING)", M), ("TYPE_NAME('a')", "string"), ("TYPE(MISSING)", "missing"),
]

NUMBER = [
    ("SQRT(16)", 4), ("SQRT(2)", math.sqrt(2)), ("SQRT(-1)", math.nan), ("SQRT('a')", None),
    ("SQRT(MISSING)", M),
    ("POWER(2, 10)", 1024), ("POWER(2, -1)", 0.5), ("POWER(2, 'a')", None), ("POWER(MISSING, NULL)", M),
    ("LN(1)", 0), ("LN(-1)", math.nan), ("LOG(1000)", 3), ("EXP(0)", 1),
    ("SIGN(-3)", -1), ("SIGN(0)", 0), ("SIGN(2.5)", 1), ("SIGN('a')", None),
    ("TRUNC(3.789)", 3), ("TRUNC(3.789, 2)", 3.78), ("TRUNC(-3.7)", -3), ("TRUNC(1234, -2)", 1200),
    ("TRUNC(3.7, 0.5)", None), ("TRUNC(3.7, MISSING)", M),
    ("ROUND(2.5)", 2), ("ROUND(3.5)", 4), ("ROUND(-2.5)", -2), ("ROUND(3.14159, 2)", 3.14),
    ("ROUND(1250, -2)", 1200), ("ROUND_NEAREST(2.5)", 3), ("ROUND(1, 'a')", None),
    ("ROUND(1.5, 400)", math.nan), ("TRUNC(1.5, -400)", math.nan), ("ROUND(1e10, 305)", math.inf),
    ("PI()", math.pi), ("E()", math.e), ("DEGREES(PI())", 180), ("RADIANS(180)", math.pi),
    ("SIN(0)", 0), ("COS(0)", 1), ("ATAN2(1, 1)", math.atan2(1, 1)), ("ASIN(2)", math.nan),
    ("GREATEST(1, 'a', NULL, [1])", [1]), ("LEAST(3, NULL, 2, MISSING)", 2),
    ("GREATEST(NULL, MISSING)", None),
    ("IFINF(POSINF(), NEGINF(), 2, 3)", 2), ("IFINF(POSINF(), 'a', 2)", None), ("IFINF(MISSING, 1)", 1),
    ("IFNAN(NAN(), 1)", 1), ("IFNANORINF(NAN(), POSINF(), 5)", 5), ("IFINF(MISSING, POSINF())", M),
    ("NANIF(1, 1)", math.nan), ("NANIF(1, 2)", 1), ("NANIF(1, NULL)", None), ("NEGINFIF(1, 1)", -math.inf),
    ("POSINFIF(1, MISSING)", M),
    ("RANDOM(42) = RANDOM(42)", True), ("RANDOM(TO_NUMBER('1.5'))", None),
    ("RANDOM(TO_NUMBER('3')) = RANDOM(3)", True),
    ("RANDOM('a')", None),
    ("RANDOM() >= 0 AND RANDOM() < 1", True), ("ABS(-2)", 2), ("CEIL(1.2)", 2), ("FLOOR(-1.2)", -2),
]

MISC = [
    ("NVL(NULL, 1)", 1), ("NVL(MISSING, 1)", 1), ("NVL(0, 1)", 0), ("NVL2('x', 1, 2)", 1),
    ("NVL2(NULL, 1, 2)", 2),
    ("DECODE(2, 1, 'one', 2, 'two')", "two"), ("DECODE(3, 1, 'one', 'other')", "other"),
    ("DECODE(3, 1, 'one')", None), ("DECODE(NULL, NULL, 'null')", "null"),
    ("NULLIF(1, 1)", None), ("NULLIF(1, 2)", 1), ("NULLIF(1, MISSING)", M), ("MISSINGIF(1, 1)", M),
    ("MISSINGIF('a', 'b')", "a"), ("MISSING_IF(NULL, 1)", None),
    ("IFMISSING(MISSING, NULL, 1)", None), ("IFNULL(NULL, MISSING, 1)", M),
    ("IF_MISSING_OR_NULL(NULL, 2)", 2),
    ("COALESCE(MISSING, NULL)", None),
    ("ENCODE_JSON({'b': 1, 'a': [true, null]})", '{"a":[true,null],"b":1}'), ("ENCODE_JSON(MISSING)", "null"),
    ("DECODE_JSON('{\"a\": [1, 2]}')", {"a": [1, 2]}), ("DECODE_JSON('nope')", None),
    ("DECODE_JSON(1)", None),
    ("DECODE_JSON(MISSING)", M), ("ENCODED_SIZE({'a': 1})", 7), ("ENCODED_SIZE('ab')", 4),
    ("POLY_LENGTH('héllo')", 6), ("POLY_LENGTH([1, 2])", 2), ("POLY_LENGTH({'a': 1})", 1),
    ("POLY_LENGTH(1)", None),
    ("BASE64('abc')", "ImFiYyI="), ("BASE64_ENCODE({'a': 1})", "eyJhIjoxfQ=="),
    ("BASE64_DECODE('eyJhIjoxfQ==')", {"a": 1}), ("DECODE_BASE64('!!')", None), ("BASE64_DECODE(1)", None),
    ("BASE64_ENCODE(MISSING)", M),
    ("HASHBYTES('abc')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("HASHBYTES('abc', 'MD5')", "900150983cd24fb0d6963f7d28e17f72"),
    ("HASHBYTES('abc', 'crc32')", "352441c2"),
    ("HASHBYTES('abc', {'algorithm': 'crc32', 'polynomial': 'castagnoli'})", "364b3fb7"),
    ("HASHBYTES([1, 2], 'md5')", "f79408e5ca998cd53faf44af31e6eb45"), ("HASHBYTES('abc', 'sha-1')", None),
    ("HASHBYTES(NULL)", None), ("HASHBYTES(MISSING)", M), ("HASHBYTES('a', 1)", None),
    ("LENGTH(UUID())", 36), ("LEN('héllo')", 6), ("MB_LEN('héllo')", 5), ("LEN([1, 2])", 2), ("LEN({})", 0),
    ("LEN(true)", 1), ("LEN(123.5)", 5), ("LEN(NULL)", None), ("LEN(MISSING)", M),
    ("PAIRS({'a': 1, 'b': [2, {'c': 3}]})",
     [["a", 1], ["b", [2, {"c": 3}]], ["b", 2], ["b", {"c": 3}], ["c", 3]]),
    ("PAIRS('a')", None), ("PAIRS(MISSING)", M), ("ENCODE_JSON([NAN(), NEGINF()])", '["NaN","-Infinity"]'),
    ("ENCODED_SIZE(POSINF())", 11),
    ("ENCODE_JSON([1e21, 1.5e-7, -0.0, 'é<&>'])", '[1000000000000000000000,0.00000015,0,"é<&>"]'),
]

REGEXP = [
    ("REGEXP_CONTAINS('abc123', '[0-9]+')", True), ("REGEXP_CONTAINS('abc', '^b')", False),
    ("REGEX_CONTAINS('a', 1)", None), ("REGEXP_CONTAINS(MISSING, 'a')", M),
    ("REGEXP_LIKE('abc', 'a.c')", True), ("REGEXP_LIKE('abcd', 'a.c')", False),
    ("REGEXP_LIKE('abc', 'b|abc')", True),
    ("REGEXP_LIKE('ab\\n', 'ab$')", False), ("REGEXP_CONTAINS('ab\\n', 'ab$')", False),
    ("REGEXP_CONTAINS('a1', '[[:digit:]]')", True), ("REGEXP_LIKE('ab', 'ab\\\\z')", True),
    ("REGEXP_POSITION('héllo', 'l+')", 3), ("REGEXP_POSITION1('hello', 'l+')", 3),
    ("REGEXP_POSITION('hello', 'x')", -1), ("REGEXP_POS1('hello', 'x')", -1),
    ("REGEXP_REPLACE('a1b22', '[0-9]+', '#')", "a#b#"),
    ("REGEXP_REPLACE('a1b22', '[0-9]+', '#', 1)", "a#b22"),
    ("REGEXP_REPLACE('a1', '([0-9])', '$1$1')", "a$1$1"), ("REGEXP_REPLACE('a1', '1', 'x', 0)", "a1"),
    ("REGEXP_REPLACE('a1', '1', 'x', 1.5)", None), ("REGEXP_REPLACE('a1', '1', MISSING)", M),
    ("REGEXP_MATCHES('a1b22c333', '[0-9]+')", ["1", "22", "333"]), ("REGEXP_MATCHES('abc', '[0-9]')", []),
    ("REGEXP_SPLIT('a1b22c', '[0-9]+')", ["a", "b", "c"]), ("REGEXP_SPLIT('a-b', '(-)')", ["a", "b"]),
    ("REGEXP_SPLIT(1, 'a')", None),
    # empty matches as Go sees them (none right after the previous match; Python's re differs)
    ("REGEXP_REPLACE('abxd', 'x*', '-')", "-a-b-d-"), ("REGEXP_MATCHES('abxd', 'x*')", ["", "", "x", ""]),
    ("REGEXP_SPLIT('abaabaccadaaae', 'a*')", ["", "b", "b", "c", "c", "d", "e"]),
    ("REGEXP_SPLIT('a1', '[0-9]')", ["a", ""]), ("REGEXP_SPLIT('abc', 'z+')", ["abc"]),
]

DATE = [
    ("MILLIS_TO_STR(0)", "1970-01-01T00:00:00Z"),
    ("MILLIS_TO_STR(1463284740123)", "2016-05-15T03:59:00.123Z"),
    ("MILLIS_TO_UTC(1463284740000)", "2016-05-15T03:59:00Z"), ("MILLIS_TO_STR(1463284740123, '1111-11-11')",
                                                               "2016-05-15"),
    ("MILLIS_TO_STR(1463284740123, '1111-11-11 11:11:11.111')", "2016-05-15 03:59:00.123"),
    ("MILLIS_TO_STR(1463284740000, '%Y/%m/%d %H:%M')", "2016/05/15 03:59"),
    ("MILLIS_TO_STR(1463284740000, 'Jan 2, 2006 3:04PM')", "May 15, 2016 3:59AM"),
    ("MILLIS_TO_STR(1463284740123, 'YYYY-MM-DD')", "2016-05-15"),
    ("MILLIS_TO_STR(1463284740123, 'DD/MM/YYYY HH:MI PM')", "15/05/2016 03:59 AM"),
    ("MILLIS_TO_STR(1463284740123, 'Day, DD Month YYYY')", "Sunday, 15 May 2016"),
    ("MILLIS_TO_STR(1463284740123, 'hh:mm:ss.s TZD')", "03:59:00.123 Z"),
    ("DATE_FORMAT_STR('2016-05-15', 'MON DD, YYYY')", "MAY 15, 2016"),
    ("STR_TO_MILLIS('15/05/2016 03:59 PM', 'DD/MM/YYYY HH:MI PM')", 1463327940000),
    ("STR_TO_MILLIS('2016-05-15 10:00 +05:30', 'YYYY-MM-DD hh:mm TZD')", 1463286600000),
    ("STR_TO_MILLIS('2016-05-15 10:00 America/New_York', 'YYYY-MM-DD hh:mm TZF')", 1463320800000),
    ("STR_TO_MILLIS('16-05-15', 'YYYY-MM-DD')", None),
    ("MILLIS_TO_STR(1463284740000, '2006-01-02T15:04Z07:00')", "2016-05-15T03:59Z"),
    ("MILLIS_TO_TZ(0, 'America/New_York')", "1969-12-31T19:00:00-05:00"),
    ("MILLIS_TO_TZ(0, 'Nowhere/Zone')", None),
    ("MILLIS_TO_TZ(0, '+05:30', '1111-11-11 11:11')", "1970-01-01 05:30"),
    ("MILLIS_TO_STR('0')", None), ("MILLIS_TO_STR(NULL)", None), ("MILLIS_TO_STR(0, MISSING)", M),
    ("STR_TO_MILLIS('2016-05-15T03:59:00Z')", 1463284740000), ("STR_TO_MILLIS('2016-05-15T03:59:00+01:00')",
                                                               1463281140000),
    ("STR_TO_MILLIS('2016-05-15')", 1463270400000),
    ("STR_TO_MILLIS('2016-05-15 03:59:00.123')", 1463284740123),
    ("STR_TO_MILLIS('2016/05/15 03:59')", 1463284740000), ("MILLIS('2016-05-15')", 1463270400000),
    ("STR_TO_MILLIS('15/05/2016', '02/01/2006')", 1463270400000),
    ("STR_TO_MILLIS('2016-05-15 03:59:00', '%Y-%m-%d %H:%M:%S')", 1463284740000),
    ("STR_TO_MILLIS('2016-05-15T03:59:00.5Z', '1111-11-11T11:11:11.111Z')", 1463284740500),
    ("STR_TO_MILLIS('nope')", None), ("STR_TO_MILLIS('2016-13-01')", None), ("STR_TO_MILLIS(1)", None),
    ("STR_TO_MILLIS(MISSING)", M),
    ("STR_TO_UTC('2016-05-15T03:59:00+02:00')", "2016-05-15T01:59:00Z"),
    ("STR_TO_UTC('2016-05-15 03:59:00.250-01:00')", "2016-05-15 04:59:00.25Z"),
    ("STR_TO_TZ('2016-05-15T03:59:00Z', 'Asia/Tokyo')", "2016-05-15T12:59:00+09:00"),
    ("STR_TO_TZ('2016-05-15 03:59', 'Asia/Tokyo', '2006-01-02 15:04')", "2016-05-15 12:59"),
    ("STR_TO_TZ('2016-05-15T03:59:00Z', 'Asia/Tokyo', '1111-11-11')", None),  # the input format
    ("STR_TO_TZ('15/05/2016 10:00', 'Asia/Tokyo', '02/01/2006 15:04', '2006-01-02T15:04Z07:00')",
     "2016-05-15T19:00+09:00"),
    ("STR_TO_TZ('2016-05-15', 'No/Where')", None), ("STR_TO_UTC(NULL)", None),
    ("DATE_ADD_STR('2016-01-31', 1, 'month')", "2016-03-02"),
    ("DATE_ADD_STR('2016-01-31', 1, 'calendar_month')", "2016-02-29"),
    ("DATE_ADD_STR('2016-02-29', 1, 'calendar_month')", "2016-03-31"),
    ("DATE_ADD_STR('2016-05-15T03:59:00Z', -2, 'hour')", "2016-05-15T01:59:00Z"),
    ("DATE_ADD_STR('2016-05-15T03:59:00.123+02:00', 1, 'year')", "2017-05-15T03:59:00.123+02:00"),
    ("DATE_ADD_STR('2016-05-15', 2, 'week')", "2016-05-29"), ("DATE_ADD_STR('2016-05-15', 1.5, 'day')", None),
    ("DATE_ADD_STR('2016-05-15', 1, 'fortnight')", None), ("DATE_ADD_STR('x', 1, 'day')", None),
    ("DATE_ADD_STR('2016-05-15', MISSING, 'day')", M), ("DATE_ADD_STR(NULL, 1, 'day')", None),
    ("DATE_ADD_MILLIS(0, 1, 'day')", 86400000), ("DATE_ADD_MILLIS(0, 1, 'quarter')", 7776000000),
    ("DATE_ADD_MILLIS('0', 1, 'day')", None),
    ("DATE_DIFF_STR('2016-05-15', '2016-05-10', 'day')", 5),
    ("DATE_DIFF_STR('2016-05-10', '2016-05-15', 'day')", -5),
    ("DATE_DIFF_STR('2017-01-01', '2016-01-01', 'day')", 366),
    ("DATE_DIFF_STR('2016-05-15T03:59:00Z', '2016-05-15T01:00:00Z', 'minute')", 179),
    ("DATE_DIFF_STR('2016-03-01', '2016-01-31', 'month')", 2),
    ("DATE_DIFF_STR('2016-03-01', '2016-01-31', 'week')", 4),
    ("DATE_DIFF_STR('2016-05-15', '2016-05-10', 'eon')", None),
    ("DATE_DIFF_MILLIS(86400000, 0, 'hour')", 24), ("DATE_DIFF_MILLIS(0, 1500, 'millisecond')", -1500),
    ("DATE_DIFF_ABS_MILLIS(0, 86400000, 'day')", 1),
    ("DATE_PART_STR('2016-05-15T03:59:00Z', 'year')", 2016), ("DATE_PART_STR('2016-05-15', 'dow')", 0),
    ("DATE_PART_STR('2016-05-15', 'iso_dow')", 7), ("DATE_PART_STR('2016-05-15', 'quarter')", 2),
    ("DATE_PART_STR('2016-05-15', 'doy')", 136), ("DATE_PART_STR('2016-05-15', 'week')", 20),
    ("DATE_PART_STR('2016-05-15', 'iso_week')", 19), ("DATE_PART_STR('2016-05-15', 'millennium')", 3),
    ("DATE_PART_STR('2016-05-15', 'century')", 21), ("DATE_PART_STR('2016-05-15', 'decade')", 201),
    ("DATE_PART_STR('2016-05-15T03:59:00.042Z', 'millisecond')", 42),
    ("DATE_PART_STR('2016-05-15T03:59:00+05:30', 'timezone_minute')", 30),
    ("DATE_PART_STR('2016-05-15T03:59:00+05:30', 'timezone')", 19800),
    ("DATE_PART_STR('2016-05-15T03:59:00-05:30', 'timezone_hour')", -5),
    ("DATE_PART_STR('2016-05-15', 'bogus')", None), ("DATE_PART_STR('2016-05-15', NULL)", None),
    ("DATE_PART_MILLIS(0, 'hour', 'Asia/Tokyo')", 9), ("DATE_PART_MILLIS(0, 'YEAR')", 1970),
    ("DATE_PART_MILLIS(0, 'hour', 'Mars/Base')", None),
    ("DATE_TRUNC_STR('2016-05-18T03:59:00Z', 'month')", "2016-05-01T00:00:00Z"),
    ("DATE_TRUNC_STR('2016-05-18T03:59:00Z', 'week')", "2016-05-15T00:00:00Z"),
    ("DATE_TRUNC_STR('2016-05-18T03:59:00Z', 'iso_week')", "2016-05-16T00:00:00Z"),
    ("DATE_TRUNC_STR('2016-05-18', 'year')", "2016-01-01"),
    ("DATE_TRUNC_STR('2016-05-18', 'quarter')", "2016-04-01"),
    ("DATE_TRUNC_STR('2016-05-18T03:59:12.345Z', 'minute')", "2016-05-18T03:59:00Z"),
    ("DATE_TRUNC_STR('2016-05-18', 'bogus')", None),
    ("DATE_TRUNC_MILLIS(1463284740123, 'day')", 1463270400000), ("DATE_TRUNC_MILLIS(1463284740123, 'second')",
                                                                 1463284740000),
    ("DATE_FORMAT_STR('2016-05-15T03:59:00Z', '1111-11-11')", "2016-05-15"),
    ("DATE_FORMAT_STR('2016-05-15T03:59:00Z', '%Y/%m/%d %H')", "2016/05/15 03"),
    ("DATE_FORMAT_STR('15/05/2016', '02/01/2006', '2006-01-02')", "2016-05-15"),
    ("DATE_FORMAT_STR('2016-05-15', 1)", None),
    ("WEEKDAY_STR('2016-05-15')", "Sunday"), ("WEEKDAY_MILLIS(0)", "Thursday"),
    ("WEEKDAY_MILLIS(0, 'America/Los_Angeles')", "Wednesday"), ("WEEKDAY_STR(MISSING)", M),
    ("DATE_RANGE_STR('2016-01-01', '2016-01-04', 'day')", ["2016-01-01", "2016-01-02", "2016-01-03"]),
    ("DATE_RANGE_STR('2016-01-04', '2016-01-01', 'day')", ["2016-01-04", "2016-01-03", "2016-01-02"]),
    ("DATE_RANGE_STR('2016-01-04', '2016-01-01', 'day', 1)", []),
    ("DATE_RANGE_STR('2016-01-31', '2016-05-01', 'calendar_month')",
     ["2016-01-31", "2016-02-29", "2016-03-31", "2016-04-30"]),
    ("DATE_RANGE_STR('2016-01-31', '2016-05-01', 'month')", ["2016-01-31", "2016-03-02", "2016-04-02"]),
    ("DATE_RANGE_STR('2016-01-01T00:00:00Z', '2016-01-01T03:00:00Z', 'hour', 2)",
     ["2016-01-01T00:00:00Z", "2016-01-01T02:00:00Z"]),
    ("DATE_RANGE_STR('2016-01-01', '2016-01-01', 'day')", []),
    ("DATE_RANGE_STR('2016-01-01', '2017-01-01', 'day', 0)",
                                                                ["2016-01-01"]),
    ("DATE_RANGE_STR('2016-01-01', '2016-02-01', 'day', 1.5)", None),
    ("DATE_RANGE_STR('2016-01-01', '2016-02-01', 'eon')", None),
    ("DATE_RANGE_STR('x', '2016-02-01', 'day')", None),
    ("DATE_RANGE_STR('2016-01-01', MISSING, 'day')", M),
    ("DATE_RANGE_MILLIS(0, 172800000, 'day')", [0, 86400000]),
    ("DATE_RANGE_MILLIS(0, 1e15, 'millisecond')", None),
    ("DURATION_TO_STR(1500000000)", "1.5s"), ("DURATION_TO_STR(3723000000000)", "1h2m3s"),
    ("DURATION_TO_STR(0)", "0s"), ("DURATION_TO_STR(1500)", "1.5µs"), ("DURATION_TO_STR(2500000)", "2.5ms"),
    ("DURATION_TO_STR(60000000000)", "1m0s"), ("DURATION_TO_STR(-1500000000)", "-1.5s"),
    ("DURATION_TO_STR(1500000000, 'seconds')", "1.500"),
    ("DURATION_TO_STR(1500000000, 'compatible')", "1.500s"),
    ("DURATION_TO_STR(1500000000, 'interval')", "0:00:01.500"), ("DURATION_TO_STR(1, 'bogus')", None),
    ("DURATION_TO_STR('1')", None), ("DURATION_TO_STR(MISSING)", M),
    ("STR_TO_DURATION('1h30m')", 5400000000000), ("STR_TO_DURATION('1.5')", 1500000000),
    ("STR_TO_DURATION('1:30')", 90000000000), ("STR_TO_DURATION('01:00:00.5')", 3600500000000),
    ("STR_TO_DURATION('300ms', 'legacy')", 300000000), ("STR_TO_DURATION('1.5', 'legacy')", None),
    ("STR_TO_DURATION('-1.5h')", -5400000000000), ("STR_TO_DURATION('nope')", None),
    ("STR_TO_DURATION(1)", None), ("STR_TO_DURATION('1s', MISSING)", M),
]

TOKEN = [
    ("TOKENS('Hello, world! hello')", ["Hello", "world", "hello"]),
    ("TOKENS('Hello, world! hello', {'case': 'lower'})", ["hello", "world"]),
    ("TOKENS({'name': 'Ada L', 'n': [1, true, null]})", ["name", "Ada", "L", "n", 1, True, None]),
    ("TOKENS({'name': 'Ada'}, {'names': false})", ["Ada"]),
    ("TOKENS('a (b) c.d!', {'specials': true})", ["a", "b", "c", "d", "c.d"]),
    ("TOKENS('  a b  ', {'split': false})", ["a b"]),
    ("TOKENS(' a ', {'split': false, 'trim': false})", [" a "]),
    ("TOKENS('a', 1)", None), ("TOKENS(MISSING)", M), ("TOKENS(NULL)", [None]),
    ("CONTAINS_TOKEN('the quick fox', 'quick')", True), ("CONTAINS_TOKEN('the quick fox', 'qui')", False),
    ("CONTAINS_TOKEN(['a b', 2], 2)", True), ("HAS_TOKEN({'Key': 'v'}, 'key', {'case': 'lower'})", True),
    ("CONTAINS_TOKEN({'key': 'v'}, 'key', {'names': false})", False), ("CONTAINS_TOKEN(NULL, 'a')", None),
    ("CONTAINS_TOKEN('a', MISSING)", M),
    ("CONTAINS_TOKEN_LIKE('the quick fox', 'qu%')", True),
    ("CONTAINS_TOKEN_LIKE('the quick fox', 'x%')", False),
    ("CONTAINS_TOKEN_LIKE('a', 1)", None),
    ("CONTAINS_TOKEN_REGEXP('order 66 done', '[0-9]+')", True),
    ("CONTAINS_TOKEN_REGEX('order66', '[0-9]+')", False),
]

BIT = [
    ("BITAND(3, 6)", 2), ("BITOR(3, 6, 8)", 15), ("BITXOR(3, 6)", 5), ("BITNOT(0)", -1), ("BITNOT(-1)", 0),
    ("BITSHIFT(1, 3)", 8), ("BITSHIFT(8, -2)", 2), ("BITSHIFT(1, 64)", 0),
    ("BITSHIFT(1, -1, true)", -2 ** 63),
    ("BITSHIFT(3, 63, true)", -2 ** 63 + 1), ("BITSET(0, [1, 3])", 5), ("BITSET(0, 64)", -2 ** 63),
    ("BITCLEAR(7, 2)", 5), ("BITCLEAR(-1, [1, 64])", 2 ** 63 - 2),
    ("BITTEST(5, [1, 3], true)", True), ("BITTEST(5, [1, 2], true)", False), ("BITTEST(5, [1, 2])", True),
    ("ISBITSET(5, 2)", False), ("BITAND(1.5, 1)", None), ("BITSET(1, 65)", None), ("BITSET(1, [0])", None),
    ("BITAND(1, MISSING)", M), ("BITOR('1', 1)", None), ("BITSHIFT(1, 1, 'x')", None), ("BITNOT(MISSING)", M),
]

OPERATOR = [
    ("ADD(1, 2, 3.5)", 6.5), ("ADD(1, 'a')", None), ("ADD(1, MISSING)", M), ("SUB(5, 7)", -2),
    ("MULT(2, 3, 4)", 24),
    ("DIV(7, 2)", 3.5), ("MOD(7, 3)", 1), ("IDIV(-7, 2)", -3), ("IMOD(-7, 2)", -1), ("IDIV(7, 0)", None),
    ("IDIV(7.9, 2)", 3), ("IDIV('7', 2)", None), ("IMOD(MISSING, 2)", M), ("NEG(3)", -3), ("NEG('a')", None),
    ("EQ(1, 1.0)", True), ("EQ(1, NULL)", None), ("LT('a', 'b')", True), ("LE(2, 1)", False),
    ("IS_NULL(NULL)", True), ("ISNULL(1)", False), ("IS_NULL(MISSING)", M), ("IS_NOT_NULL(1)", True),
    ("IS_MISSING(MISSING)", True), ("ISNOTMISSING(NULL)", True), ("IS_VALUED(NULL)", False),
    ("IS_KNOWN(0)", True), ("ISUNKNOWN(NULL)", True), ("IS_NOT_UNKNOWN(MISSING)", False),
    ("IS_DISTINCT_FROM(NULL, NULL)", False), ("IS_DISTINCT_FROM(NULL, MISSING)", True),
    ("IS_DISTINCT_FROM(1, 1.0)", False), ("ISNOTDISTINCTFROM(MISSING, MISSING)", True),
]

ALL = STRING + ARRAY + OBJECT + TYPES + NUMBER + MISC + REGEXP + DATE + TOKEN + BIT + OPERATOR


@pytest.mark.parametrize("expr, expected", ALL)
def test_function(svc: QueryService, expr: str, expected: Any) -> None:
    check(svc, expr, expected)


def test_uuid_is_a_fresh_version_4_uuid_per_call(svc: QueryService) -> None:
    a, b = run(svc, "SELECT RAW [UUID(), UUID()]")[0]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", a) and a != b


@pytest.mark.parametrize("expr, message", [
    ("LTRIM()", "ltrim must be between 1 and 2"), ("LTRIM('a', 'b', 'c')", "ltrim must be between 1 and 2"),
    ("REPLACE('a', 'b')", "replace must be between 3 and 4"),
    ("ARRAY_APPEND([1])", "array_append must be between 2 and 32767"),
    ("ARRAY_INSERT([1], 0)", "array_insert must be between 3 and 32767"), ("PI(1)", "pi must be 0"),
    ("OBJECT_ADD({}, 'a')", "object_add must be 3"), ("IS_STRING()", "is_string must be 1"),
    ("DECODE(1, 2)", "decode must be between 3 and 2147483647"), ("NVL(1)", "nvl must be 2"),
    ("GREATEST(1)", "greatest must be between 2 and 32767"),
    ("RANDOM(1, 2)", "random must be between 0 and 1"),
    ("UUID(1)", "uuid must be 0"), ("REGEXP_REPLACE('a', 'b')", "regexp_replace must be between 3 and 4"),
    ("TO_NUMBER('1', ',', 'x')", "to_number must be between 1 and 2"),
])
def test_wrong_argument_count_is_a_planning_error(svc: QueryService, expr: str, message: str) -> None:
    """As the server's parser words it: "Number of arguments to function f must be n." or "... must
    be between m and n." (32767 for the variadic functions)."""
    with pytest.raises(QueryError) as info:
        run(svc, f"SELECT RAW {expr}")
    assert (info.value.code, info.value.status) == (3000, 400)
    assert info.value.msg == f"Number of arguments to function {message}."


def test_an_unknown_function_is_a_planning_error(svc: QueryService) -> None:
    with pytest.raises(QueryError) as info:
        run(svc, "SELECT RAW NO_SUCH_FUNCTION(1)")
    assert (info.value.code, info.value.msg) == (3000, "Invalid function no_such_function.")


@pytest.mark.parametrize("pattern", ["(a", "(?=a)", "(a)\\\\1", "\\\\p{L}"])
def test_a_pattern_re2_or_the_mock_cannot_run_is_an_evaluation_error(svc: QueryService, pattern: str) -> None:
    with pytest.raises(QueryError) as info:
        run(svc, f"SELECT RAW REGEXP_CONTAINS('abc', '{pattern}')")
    assert info.value.code == 5010 and "error parsing regexp" in info.value.msg


def test_functions_apply_to_document_fields(svc: QueryService) -> None:
    rows = run(svc, "SELECT RAW [TITLE(d.name), ARRAY_SUM(d.scores), OBJECT_NAMES(d), IS_STRING(d.nope)] "
                    "FROM [{'name': 'ada lovelace', 'scores': [1, 2.5]}] AS d")
    assert rows == [["Ada Lovelace", 3.5, ["name", "scores"]]]


def test_every_registered_name_is_upper_case_with_sane_argument_counts() -> None:
    for name, (lo, hi, fn) in FUNCTIONS.items():
        assert name == name.upper() and callable(fn)
        assert lo >= 0 and (hi is None or hi >= lo), name


def test_now_is_one_value_per_statement_and_clock_moves(svc: QueryService) -> None:
    rows = run(svc, "SELECT RAW [NOW_MILLIS(), NOW_STR(), CLOCK_MILLIS()] FROM ARRAY_RANGE(0, 3000) AS n")
    assert len({(r[0], r[1]) for r in rows}) == 1
    assert rows[-1][2] >= rows[0][2]
    now_millis, now_str = rows[0][0], rows[0][1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z", now_str)
    assert abs(value(svc, f"STR_TO_MILLIS('{now_str}')") - now_millis) <= 1
    later = run(svc, "SELECT RAW NOW_MILLIS()")[0]
    assert later >= now_millis and abs(later - __import__("time").time() * 1000) < 60_000


def test_now_is_the_same_in_a_subquery(svc: QueryService) -> None:
    statement = "SELECT RAW NOW_STR() = (SELECT RAW NOW_STR() FROM ARRAY_RANGE(0, 100) AS n)[99]"
    assert run(svc, statement) == [True]


def test_now_in_a_zone_and_a_format(svc: QueryService) -> None:
    assert value(svc, "NOW_TZ('Asia/Kolkata')").endswith("+05:30")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", value(svc, "NOW_STR('1111-11-11')"))
    assert value(svc, "NOW_UTC()").endswith("Z") and value(svc, "CLOCK_TZ('Nowhere')") is None


def test_no_function_crashes_on_odd_arguments() -> None:
    """Every function, every arity it takes (up to 3), over awkward values: a value or a QueryError,
    never another exception (which would be a 5000 error where the server answers)."""
    odd = [MISSING, None, True, 0, -1, 1.5, 1e300, -1e300, math.nan, math.inf, 2 ** 63, "", "a", "%", "(",
           "2016-05-15", "%Y", [], [1, "a", None], {}, {"a": 1}, 64, -400]
    for name, (lo, hi, fn) in FUNCTIONS.items():
        for n in range(lo, min(hi if hi is not None else 3, 3) + 1):
            for args in itertools.islice(itertools.product(odd, repeat=n), 0, None, 1 if n < 3 else 11):
                try:
                    fn(list(args))
                except QueryError:
                    pass
                except Exception as e:  # pragma: no cover - the failure message names the call
                    raise AssertionError(f"{name}{args!r} raised {e!r}") from e


def test_a_written_seed_gives_random_one_repeatable_sequence_per_call_site(svc: QueryService) -> None:
    statement = "SELECT RAW [RANDOM(7), RANDOM(-7), RANDOM(1.5)] FROM ARRAY_RANGE(0, 5) AS n"
    first = run(svc, statement)
    assert run(svc, statement) == first  # the same numbers every run
    for column in zip(*first):
        assert len(set(column)) == 5 and all(0 <= x < 1 for x in column)  # successive numbers
    assert [r[0] for r in first] != [r[1] for r in first]
