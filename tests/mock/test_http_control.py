"""The HTTP/JSON control port (/mock/<command>) against a fake control object."""

from __future__ import annotations

import http.client
import json

import pytest
from http_fakes import FakeCluster, LoopThread

from couchbase_mock.http import start_control_http


@pytest.fixture(scope="module")
def loop():
    lt = LoopThread()
    yield lt
    lt.close()


@pytest.fixture(scope="module")
def control(loop):
    cluster = FakeCluster(nodes=3)
    server, port = loop.run(start_control_http(cluster))
    assert port == server.port > 0
    yield cluster, port
    loop.call(server.close)


def call(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = json.loads(r.read())
    c.close()
    return r.status, data


def test_query_string_values_are_json(control):
    cluster, port = control
    status, data = call(port, "GET", "/mock/failover?idx=1&bucket=default&rebalance=false")
    assert status == 200
    assert data == {"status": "ok", "result": {"idx": 1, "bucket": "default", "rebalance": False}}
    assert [n.index for n in cluster.live] == [0, 2]


def test_post_json_body(control):
    cluster, port = control
    before = cluster.rev
    status, data = call(port, "POST", "/mock/bump", body=b"{}", headers={"Content-Type": "application/json"})
    assert (status, data) == (200, {"status": "ok", "result": before + 1})
    status, data = call(port, "POST", "/mock/slow_echo?value=1", body=json.dumps({"value": [1, "x"]}))
    assert (status, data["result"]) == (200, [1, "x"])  # the body wins over the query string


def test_async_command(control):
    _, port = control
    status, data = call(port, "GET", "/mock/slow_echo?value=%22hi%22&delay=0.01")
    assert (status, data["result"]) == (200, "hi")


def test_form_body(control):
    _, port = control
    status, data = call(
        port,
        "POST",
        "/mock/slow_echo",
        body=b"value=7",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (status, data["result"]) == (200, 7)


@pytest.mark.parametrize(
    "path,fragment",
    [
        ("/mock/nosuch", "unknown command 'nosuch'"),
        ("/mock/failover", "bad parameters for 'failover'"),
        ("/mock/failover?idx=1&colour=red", "bad parameters for 'failover'"),
        ("/mock/failover?idx=9", "no node with index 9"),
        ("/mock/lookup?key=zz", "lookup failed: zz"),
    ],
)
def test_errors_are_400(control, path, fragment):
    _, port = control
    status, data = call(port, "GET", path)
    assert status == 400
    assert data["status"] == "error"
    assert fragment in data["error"]


def test_bad_body_is_400(control):
    _, port = control
    status, data = call(port, "POST", "/mock/bump", body=b"{not json")
    assert status == 400 and "not valid JSON" in data["error"]
    status, data = call(port, "POST", "/mock/bump", body=b"[1]")
    assert status == 400 and "JSON object" in data["error"]


def test_internal_error_is_500(control):
    _, port = control
    status, data = call(port, "GET", "/mock/boom")
    assert status == 500 and "kaboom" in data["error"]


def test_help_lists_commands(control):
    _, port = control
    for path in ("/mock", "/mock/help"):
        status, data = call(port, "GET", path)
        assert status == 200
        assert set(data["result"]) == {"boom", "bump", "failover", "lookup", "slow_echo"}
        assert data["result"]["failover"].startswith("failover(idx")
