"""Analytics end to end: the mock's cbas port through this SDK's blocking API, raw
HTTP (response shape) and the official SDK 4.x (same rows)."""
from __future__ import annotations

import json
from typing import Any

import pytest

from couchbase.analytics import AnalyticsScanConsistency
from couchbase.exceptions import CouchbaseException, DatasetNotFoundException, ParsingFailedException
from couchbase.options import AnalyticsOptions
from support.n1ql import N1QL_PEOPLE, n1ql_http

PEOPLE = "default.n1ql.people"


def test_analytics_rows_params_and_metadata(n1ql_cluster: Any) -> None:
    result = n1ql_cluster.analytics_query(
        f"SELECT VALUE p.name FROM {PEOPLE} p WHERE p.city = $city AND p.age > $1 ORDER BY p.name",
        AnalyticsOptions(named_parameters={"city": "London"}, positional_parameters=[30],
                         scan_consistency=AnalyticsScanConsistency.REQUEST_PLUS))
    assert list(result) == ["Ada", "Hal"]
    meta = result.metadata()
    assert meta.status() == "success"
    assert meta.metrics()["resultCount"] == 2
    assert meta.metrics()["processedObjects"] == len(N1QL_PEOPLE)


def test_analytics_aggregates_without_an_index(n1ql_cluster: Any) -> None:
    rows = list(n1ql_cluster.analytics_query(f"SELECT city, COUNT(*) AS n FROM {PEOPLE} GROUP BY city "
                                             "ORDER BY n DESC, city LIMIT 2"))
    assert rows == [{"city": "London", "n": 3}, {"city": "Oslo", "n": 2}]
    # a collection without any index: analytics does not need one
    assert list(n1ql_cluster.analytics_query("SELECT VALUE n FROM default.n1ql.noindex")) == [1]


def test_analytics_dataset_is_the_bucket(n1ql_cluster: Any, mock: Any, key: str) -> None:
    mock.put_doc("other", key, json.dumps({"analytics_tag": key, "v": 7}).encode())
    for ds in ("other", "`Default`.`other`"):
        rows = list(n1ql_cluster.analytics_query(f"SELECT VALUE d.v FROM {ds} d WHERE d.analytics_tag = $1",
                                                 key))
        assert rows == [7]


@pytest.mark.parametrize("statement, exc, code, text", [
    ("SELEC 1", ParsingFailedException, 24000, "Syntax error"),
    ("SELECT VALUE d FROM nosuchdataset d", DatasetNotFoundException, 24045,
     "Cannot find dataset with name nosuchdataset in dataverse Default"),
])
def test_analytics_errors_are_typed(n1ql_cluster: Any, statement: str, exc: type, code: int,
                                    text: str) -> None:
    with pytest.raises(exc) as info:
        list(n1ql_cluster.analytics_query(statement))
    assert info.value.context.first_error_code == code
    assert text in str(info.value)


def test_analytics_refuses_dml(n1ql_cluster: Any) -> None:
    with pytest.raises(CouchbaseException) as info:
        list(n1ql_cluster.analytics_query(f"DELETE FROM {PEOPLE}"))
    assert info.value.context.first_error_code == 24000
    assert len(list(n1ql_cluster.query(f"SELECT RAW META().id FROM {PEOPLE} WHERE type = 'person'"))) == len(
        N1QL_PEOPLE)


@pytest.mark.parametrize("path", ["/query/service", "/analytics/service"])
def test_analytics_response_shape(mock: Any, n1ql_data: Any, path: str) -> None:
    status, _h, body = n1ql_http(mock, {"statement": f"SELECT VALUE p.n FROM {PEOPLE} p "
                                                     "WHERE p.n < 2 ORDER BY p.n",
                                        "client_context_id": "an-1"}, port=mock.nodes[1].cbas_port, path=path)
    assert status == 200
    doc = json.loads(body)
    assert doc["results"] == [0, 1] and doc["clientContextID"] == "an-1" and doc["plans"] == {}
    assert doc["status"] == "success" and doc["metrics"]["processedObjects"] == len(N1QL_PEOPLE)
    status, _h, body = n1ql_http(mock, {"statement": "SELECT 1"}, port=mock.nodes[1].cbas_port, path=path,
                                 auth=("Administrator", "bad"))
    assert status == 401


def test_official_sdk_analytics_same_rows(mock: Any, n1ql_cluster: Any) -> None:
    from support.official_sdk import mock_args, run

    statements = [f"SELECT VALUE p.name FROM {PEOPLE} p WHERE p.age < 30 ORDER BY p.name",
                  f"SELECT p.city, COUNT(*) AS n FROM {PEOPLE} p GROUP BY p.city ORDER BY p.city"]
    ours = [list(n1ql_cluster.analytics_query(s)) for s in statements]
    theirs = run("""
from couchbase.exceptions import DatasetNotFoundException
rows = [list(cluster.analytics_query(s).rows()) for s in ARGS["statements"]]
try:
    list(cluster.analytics_query("SELECT VALUE d FROM nosuchdataset d").rows())
    err = None
except DatasetNotFoundException as e:
    err = type(e).__name__
print(json.dumps({"rows": rows, "err": err}))
""", statements=statements, **mock_args(mock))
    assert theirs == {"rows": ours, "err": "DatasetNotFoundException"}
