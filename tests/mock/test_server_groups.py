"""Server groups: the mock puts nodes in groups, and 7.6 configurations say which."""
from __future__ import annotations

import base64
import http.client
import json

import pytest

from couchbase_mock import MockCluster


def _get(mock: MockCluster, path: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", mock.nodes[0].mgmt_port, timeout=5)
    token = base64.b64encode(f"{mock.username}:{mock.password}".encode()).decode()
    conn.request("GET", path, headers={"Authorization": f"Basic {token}"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == 200, (path, resp.status, body)
    return json.loads(body)


def test_nodes_carry_their_server_group():
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        config = _get(mock, "/pools/default/b/default")
        assert [n["serverGroup"] for n in config["nodesExt"]] == ["Group 1"] * 3
        rev = config["rev"]
        mock.set_server_group(2, "rack-b")
        config = _get(mock, "/pools/default/b/default")
        assert [n["serverGroup"] for n in config["nodesExt"]] == ["Group 1", "Group 1", "rack-b"]
        assert config["rev"] > rev  # clients learn it with a newer configuration
        pools = _get(mock, "/pools/default")
        assert sorted(n["serverGroup"] for n in pools["nodes"]) == ["Group 1", "Group 1", "rack-b"]
        with pytest.raises(ValueError):
            mock.set_server_group(0, "")
