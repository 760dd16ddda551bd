"""N1QL end to end: the mock's query service through this SDK's blocking API,
libcouchbase's cbc-n1ql and the official SDK 4.x, over real sockets.

Test bodies take ``n1ql_cluster`` (a blocking Cluster; see conftest) so they can be
run over other front ends later. Data: ``n1ql_data`` (N1QL_PEOPLE and a 50 000-row
collection).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from couchbase.exceptions import (
    DocumentExistsException,
    DocumentNotFoundException,
    KeyspaceNotFoundException,
    ParsingFailedException,
    PlanningFailureException,
    TimeoutException,
)
from couchbase.options import QueryOptions
from support.n1ql import N1QL_BIG_ROWS, N1QL_PEOPLE, n1ql_http

PEOPLE = "default.n1ql.people"


def names(rows: Any) -> list:
    return [r["name"] for r in rows]


def test_select_where_order_limit_offset(n1ql_cluster: Any) -> None:
    result = n1ql_cluster.query(f"SELECT p.name, p.age FROM {PEOPLE} AS p WHERE p.age >= 29 "
                                "ORDER BY p.age DESC, p.name LIMIT 3 OFFSET 1")
    rows = list(result)
    assert rows == [{"name": "Hal", "age": 47}, {"name": "Dee", "age": 41}, {"name": "Ada", "age": 36}]
    meta = result.metadata()
    assert meta.status() == "success"
    assert meta.metrics()["resultCount"] == 3
    assert meta.request_id()


def test_positional_and_named_parameters(n1ql_cluster: Any) -> None:
    pos = n1ql_cluster.query(f"SELECT RAW name FROM {PEOPLE} WHERE city = $1 AND age < $2 ORDER BY name",
                             QueryOptions(positional_parameters=["London", 40]))
    assert list(pos) == ["Ada", "Eve"]
    marks = n1ql_cluster.query(f"SELECT RAW name FROM {PEOPLE} WHERE city = ? AND age > ? ORDER BY name",
                               "London", 40)
    assert list(marks) == ["Hal"]
    named = n1ql_cluster.query(f"SELECT RAW name FROM {PEOPLE} WHERE city = $city AND age = $age "
                               "ORDER BY name",
                               QueryOptions(named_parameters={"city": "Oslo", "$age": 25}))
    assert list(named) == ["Bob", "Cy"]


def test_empty_result(n1ql_cluster: Any) -> None:
    result = n1ql_cluster.query(f"SELECT * FROM {PEOPLE} WHERE name = 'nobody'")
    assert list(result) == []
    assert result.metadata().metrics()["resultCount"] == 0


def test_select_star_and_alias_star(n1ql_cluster: Any) -> None:
    rows = list(n1ql_cluster.query(f"SELECT * FROM {PEOPLE} p USE KEYS 'person-00'"))
    assert rows == [{"p": N1QL_PEOPLE["person-00"]}]
    rows = list(n1ql_cluster.query(f"SELECT p.* FROM {PEOPLE} p USE KEYS ['person-01']"))
    assert rows == [N1QL_PEOPLE["person-01"]]


def test_group_by_aggregates_having(n1ql_cluster: Any) -> None:
    rows = list(n1ql_cluster.query(
        f"SELECT city, COUNT(*) AS n, SUM(age) AS total, AVG(age) AS avg, MIN(name) AS first, "
        f"MAX(age) AS oldest, COUNT(DISTINCT age) AS ages FROM {PEOPLE} GROUP BY city HAVING COUNT(*) > 1 "
        "ORDER BY city"))
    assert rows == [
        {"city": "London", "n": 3, "total": 112, "avg": 112 / 3, "first": "Ada", "oldest": 47, "ages": 3},
        {"city": "Oslo", "n": 2, "total": 50, "avg": 25, "first": "Bob", "oldest": 25, "ages": 1},
        {"city": "Paris", "n": 2, "total": 93, "avg": 46.5, "first": "Dee", "oldest": 52, "ages": 2},
    ]
    assert list(n1ql_cluster.query(f"SELECT COUNT(*) AS c FROM {PEOPLE}")) == [{"c": len(N1QL_PEOPLE)}]


def test_meta_use_keys_paths_and_functions(n1ql_cluster: Any) -> None:
    rows = list(n1ql_cluster.query(
        f"SELECT META(p).id, META().cas > 0 AS has_cas, UPPER(p.name) AS up, p.address.lines[0] AS line, "
        f"ARRAY_LENGTH(p.tags) AS ntags FROM {PEOPLE} p USE KEYS ['person-03', 'person-01', 'nope']"))
    assert rows == [{"id": "person-03", "has_cas": True, "up": "DEE", "line": "3 Main St", "ntags": 2},
                    {"id": "person-01", "has_cas": True, "up": "BOB", "line": "1 Main St", "ntags": 1}]
    rows = list(n1ql_cluster.query(f"SELECT RAW META().id FROM {PEOPLE} WHERE name LIKE '_a%' "
                                   "OR city IN ['Bergen'] ORDER BY META().id"))
    assert rows == ["person-05", "person-06", "person-07"]


def test_scope_query_resolves_relative_to_query_context(n1ql_cluster: Any) -> None:
    scope = n1ql_cluster.bucket("default").scope("n1ql")
    assert list(scope.query("SELECT RAW name FROM people WHERE age BETWEEN 40 AND 50 ORDER BY name")) == [
        "Dee", "Hal"]


def test_select_without_from(n1ql_cluster: Any) -> None:
    assert list(n1ql_cluster.query("SELECT RAW 1+1")) == [2]
    assert list(n1ql_cluster.query("SELECT 1 AS one, 'a' || 'b' AS ab, [1, {'x': 2}] AS arr")) == [
        {"one": 1, "ab": "ab", "arr": [1, {"x": 2}]}]


def test_dml_is_visible_through_kv(n1ql_cluster: Any, key: str) -> None:
    coll = n1ql_cluster.bucket("default").scope("n1ql").collection("people")
    rows = list(n1ql_cluster.query(f"INSERT INTO {PEOPLE} (KEY, VALUE) "
                                   "VALUES ($1, {'name': 'Zed', 'age': 1}) "
                                   "RETURNING META().id, name", QueryOptions(positional_parameters=[key])))
    assert rows == [{"id": key, "name": "Zed"}]
    first = coll.get(key)
    assert first.content_as[dict] == {"name": "Zed", "age": 1}
    with pytest.raises(DocumentExistsException) as info:
        list(n1ql_cluster.query(f"INSERT INTO {PEOPLE} (KEY, VALUE) VALUES ($1, 1)", key))
    assert "Duplicate Key" in str(info.value)
    result = n1ql_cluster.query(f"UPDATE {PEOPLE} USE KEYS $1 SET age = age + 1, extra.x = 'y' UNSET name "
                                "RETURNING RAW age", key)
    assert list(result) == [2]
    assert result.metadata().metrics()["mutationCount"] == 1
    second = coll.get(key)
    assert second.content_as[dict] == {"age": 2, "extra": {"x": "y"}}
    assert second.cas != first.cas
    list(n1ql_cluster.query(f"UPSERT INTO {PEOPLE} (KEY, VALUE) VALUES ($1, 'v2')", key))
    assert coll.get(key).content_as[str] == "v2"
    list(n1ql_cluster.query(f"DELETE FROM {PEOPLE} USE KEYS $1", key))
    with pytest.raises(DocumentNotFoundException):
        coll.get(key)


def test_prepared_statements(n1ql_cluster: Any) -> None:
    stmt = f"SELECT RAW name FROM {PEOPLE} WHERE age = $1 ORDER BY name"
    for age, expected in ((25, ["Bob", "Cy"]), (36, ["Ada"]), (25, ["Bob", "Cy"])):
        assert (list(n1ql_cluster.query(stmt, QueryOptions(adhoc=False, positional_parameters=[age])))
                == expected)


@pytest.mark.parametrize("statement, exc, text", [
    ("SELEC name FROM x", ParsingFailedException, "syntax error - at SELEC"),
    ("SELECT * FROM nosuchbucket", KeyspaceNotFoundException,
     "Keyspace not found in CB datastore: default:nosuchbucket"),
    ("SELECT * FROM default.n1ql.nosuch", KeyspaceNotFoundException, "default.n1ql.nosuch"),
    ("SELECT * FROM default.n1ql.noindex", PlanningFailureException, "No index available on keyspace"),
])
def test_server_errors_are_typed(n1ql_cluster: Any, statement: str, exc: type, text: str) -> None:
    with pytest.raises(exc) as info:
        list(n1ql_cluster.query(statement))
    assert text in str(info.value)
    assert text in info.value.context.first_error_message


def test_no_index_needed_with_use_keys_and_after_create(n1ql_cluster: Any) -> None:
    ks = "default.n1ql.noindex"
    assert list(n1ql_cluster.query(f"SELECT RAW n FROM {ks} USE KEYS 'lonely'")) == [1]
    list(n1ql_cluster.query(f"CREATE PRIMARY INDEX ON {ks}"))
    try:
        assert list(n1ql_cluster.query(f"SELECT RAW n FROM {ks}")) == [1]
    finally:
        list(n1ql_cluster.query(f"DROP PRIMARY INDEX ON {ks}"))
    with pytest.raises(PlanningFailureException):
        list(n1ql_cluster.query(f"SELECT RAW n FROM {ks}"))


def test_readonly_rejects_dml(mock: Any, n1ql_data: Any) -> None:
    # Over raw HTTP: libcouchbase treats readonly requests as idempotent and retries a 403 until its timeout.
    status, _h, body = n1ql_http(mock, {"statement": f"DELETE FROM {PEOPLE}", "readonly": True})
    assert status == 403
    assert json.loads(body)["errors"][0]["code"] == 1000
    status, _h, body = n1ql_http(mock, {"statement": f"SELECT RAW COUNT(*) FROM {PEOPLE} "
                                                     "WHERE type = 'person'",
                                        "readonly": True})
    assert status == 200 and json.loads(body)["results"] == [len(N1QL_PEOPLE)]


def test_server_timeout_is_a_timeout_exception(n1ql_cluster: Any, n1ql_data: Any) -> None:
    with pytest.raises(TimeoutException) as info:
        list(n1ql_cluster.query(f"SELECT * FROM {n1ql_data['big_ks']} ORDER BY n DESC",
                                QueryOptions(timeout=timedelta(milliseconds=40))))
    assert info.value.context.first_error_code == 1080
    assert "Timeout 40ms exceeded" in str(info.value)


def test_large_result_streams_with_bounded_memory(n1ql_cluster: Any, n1ql_data: Any) -> None:
    tracemalloc = pytest.importorskip("tracemalloc", reason="this interpreter has no tracemalloc (PyPy)")
    # Rows of 1000 characters: libcouchbase parses whatever the socket buffers hold (a few MB) before
    # the iterator can apply back-pressure, so the result must be much larger than that to show a bound.
    result = n1ql_cluster.query(f"SELECT RAW REPEAT(b.pad, 25) FROM {n1ql_data['big_ks']} b")
    tracemalloc.start()
    try:
        it = iter(result)
        first = next(it)
        assert first == "x" * 1000
        assert not result.done, "the first row should arrive while the response is still streaming"
        count = 1 + sum(1 for _ in it)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == N1QL_BIG_ROWS
    assert result.metadata().metrics()["resultCount"] == N1QL_BIG_ROWS
    all_rows = sys.getsizeof(first) * N1QL_BIG_ROWS
    assert peak < all_rows / 3, (peak, all_rows)


def test_raw_http_chunks_shape_and_auth(mock: Any, n1ql_data: Any) -> None:
    status, headers, body = n1ql_http(mock, {"statement": f"SELECT RAW n FROM {n1ql_data['big_ks']} "
                                                          "LIMIT 5000",
                                             "client_context_id": "ctx-1", "metrics": True})
    assert status == 200 and headers.get("Transfer-Encoding") == "chunked"
    doc = json.loads(body)
    assert doc["clientContextID"] == "ctx-1" and doc["signature"] == "json" and doc["status"] == "success"
    assert doc["results"] == list(range(5000))
    assert doc["metrics"]["resultCount"] == 5000 and doc["metrics"]["resultSize"] > 0
    status, _h, body = n1ql_http(mock, {"statement": "SELECT 1", "metrics": False})
    assert status == 200 and "metrics" not in json.loads(body)
    status, _h, body = n1ql_http(mock, {"statement": "SELECT 1"}, auth=("Administrator", "wrong"))
    assert status == 401
    status, _h, body = n1ql_http(mock, {"statement": "SELECT 1 FROM"})
    assert (status == 400
            and json.loads(body)["errors"] == [{"code": 3000, "msg": "syntax error - at end of input"}])


def test_large_result_arrives_in_many_chunks(mock: Any, n1ql_data: Any) -> None:
    import base64
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", mock.nodes[0].n1ql_port, timeout=60)
    auth = base64.b64encode(f"{mock.username}:{mock.password}".encode()).decode()
    conn.request("POST", "/query/service",
                 json.dumps({"statement": f"SELECT RAW b FROM {n1ql_data['big_ks']} b"}),
                 {"Content-Type": "application/json", "Authorization": "Basic " + auth})
    resp = conn.getresponse()
    resp.chunked = False  # read the raw chunk framing
    chunks = 0
    sizes = []
    while True:
        size = int(resp.fp.readline().strip(), 16)
        if size == 0:
            break
        resp.fp.read(size + 2)
        chunks += 1
        sizes.append(size)
    conn.close()
    assert chunks > 50 and max(sizes) < 64 * 1024, (chunks, max(sizes))


# ----------------------------------------------------------------------------- cbc-n1ql (libcouchbase)


def _cbc_bin() -> str:
    explicit = os.environ.get("LCB_BIN")
    if explicit:
        return explicit
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(root / "build_lcb.py"), "--bin"], capture_output=True,
                         text=True)
    if out.returncode != 0 or not out.stdout.strip():
        pytest.fail(f"cannot locate libcouchbase's cbc tools: {out.stderr.strip()}")
    return out.stdout.strip()


def cbc_n1ql(mock: Any, statement: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [os.path.join(_cbc_bin(), "cbc-n1ql"), "-U", mock.connstr_for("default"), "-u", mock.username,
           "-P", mock.password, statement, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def _cbc_output(out: str) -> tuple:
    """(rows, metadata) of cbc-n1ql's stdout: one row per line ending in a comma, then the metadata."""
    lines = [line for line in out.splitlines() if line.strip()]
    return [json.loads(line.rstrip(",")) for line in lines[:-1]], json.loads(lines[-1])


def test_cbc_n1ql_select_params_and_prepare(mock: Any, n1ql_data: Any) -> None:
    r = cbc_n1ql(mock, f"SELECT RAW name FROM {PEOPLE} WHERE city = $city ORDER BY name", "-A",
                 '$city="Paris"')
    assert r.returncode == 0, r.stderr
    rows, meta = _cbc_output(r.stdout)
    assert rows == ["Dee", "Fay"]
    assert meta["status"] == "success" and meta["metrics"]["resultCount"] == 2
    r = cbc_n1ql(mock, f"SELECT name, age FROM {PEOPLE} WHERE age > $1 ORDER BY age", "--prepare", "-A",
                 "$1=45")
    assert r.returncode == 0, r.stderr
    assert _cbc_output(r.stdout)[0] == [{"name": "Hal", "age": 47}, {"name": "Fay", "age": 52}]


def test_cbc_n1ql_join_on_a_subquery(mock: Any, n1ql_data: Any) -> None:
    r = cbc_n1ql(mock, f"SELECT p.name, c.n FROM {PEOPLE} p JOIN (SELECT city, COUNT(*) AS n FROM {PEOPLE} "
                       "GROUP BY city) AS c ON c.city = p.city WHERE p.age > 45 ORDER BY p.name")
    assert r.returncode == 0, r.stderr
    rows, meta = _cbc_output(r.stdout)
    assert rows == [{"name": "Fay", "n": 2}, {"name": "Hal", "n": 3}]
    assert meta["status"] == "success"


@pytest.mark.parametrize("statement, status, code, message", [
    ("SELEC 1", "LCB_ERR_PARSING_FAILURE", 3000, "syntax error - at SELEC"),
    ("SELECT * FROM nosuchbucket", "LCB_ERR_KEYSPACE_NOT_FOUND", 12003, "Keyspace not found"),
    ("SELECT * FROM default.n1ql.noindex", "LCB_ERR_PLANNING_FAILURE", 4000, "No index available"),
    (f"SELECT * FROM {PEOPLE} p JOIN {PEOPLE} q ON q.city = p.city", "LCB_ERR_PLANNING_FAILURE", 4330,
     "No index available for ANSI join term q"),
])
def test_cbc_n1ql_errors(mock: Any, n1ql_data: Any, statement: str, status: str, code: int,
                         message: str) -> None:
    r = cbc_n1ql(mock, statement)
    assert f"Query failed with library code {status}" in r.stderr
    assert f"First query error: {code} ({message}" in r.stderr


# ----------------------------------------------------------------------------- official SDK 4.x (fidelity)

FIDELITY = [
    f"SELECT p.name, p.age FROM {PEOPLE} AS p WHERE p.age >= 29 ORDER BY p.age DESC, p.name LIMIT 3 OFFSET 1",
    f"SELECT city, COUNT(*) AS n, AVG(age) AS avg FROM {PEOPLE} GROUP BY city ORDER BY city",
    f"SELECT META(p).id, p.address.zip FROM {PEOPLE} p USE KEYS ['person-02', 'person-04']",
    f"SELECT RAW name FROM {PEOPLE} WHERE name = 'nobody'",
    "SELECT RAW 1+1",
    f"SELECT p.name, c.n FROM {PEOPLE} p JOIN (SELECT city, COUNT(*) AS n FROM {PEOPLE} GROUP BY city) AS c "
    "ON c.city = p.city ORDER BY p.name LIMIT 3",
    f"SELECT p.name, t FROM {PEOPLE} p UNNEST p.tags AS t WHERE t = 'code' ORDER BY p.name",
]


def test_official_sdk_gets_the_same_rows(mock: Any, n1ql_cluster: Any) -> None:
    from support.official_sdk import mock_args, run

    ours = [list(n1ql_cluster.query(s)) for s in FIDELITY]
    ours.append(list(n1ql_cluster.query(f"SELECT RAW name FROM {PEOPLE} WHERE age = $1 ORDER BY name",
                                        QueryOptions(adhoc=False, positional_parameters=[25]))))
    theirs = run("""
from couchbase.options import QueryOptions
from couchbase.exceptions import ParsingFailedException, KeyspaceNotFoundException
out = [list(cluster.query(s).rows()) for s in ARGS["statements"]]
stmt = "SELECT RAW name FROM default.n1ql.people WHERE age = $1 ORDER BY name"
prepared = [list(cluster.query(stmt, QueryOptions(adhoc=False, positional_parameters=[age])).rows()) for age in (25, 36)]
out.append(prepared[0])
errors = []
for bad, exc in (("SELEC 1", ParsingFailedException), ("SELECT * FROM nosuchbucket", KeyspaceNotFoundException)):
    try:
        list(cluster.query(bad).rows())
        errors.append(None)
    except exc as e:
        errors.append(type(e).__name__)
print(json.dumps({"rows": out, "prepared2": prepared[1], "errors": errors}))
""", statements=FIDELITY, **mock_args(mock))  # noqa: E501 - official SDK snippet, kept as written
    assert theirs["rows"] == ours
    assert theirs["prepared2"] == ["Ada"]
    assert theirs["errors"] == ["ParsingFailedException", "KeyspaceNotFoundException"]
