"""Helpers of the views tests: the test data's constants and a raw request to
the mock's views (capi) port."""
from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from typing import Any, Dict

__all__ = ["VIEW_TAG", "VIEW_DDOC", "VIEW_DOCS", "NAMES", "view_capi_request", "mgmt_request", "view_doc"]

VIEW_TAG = f"views-e2e-{os.getpid()}"
VIEW_DDOC = "e2e_views"
VIEW_DOCS = 30
NAMES = ["zoë", "Zed", "alice", "Álvaro", "bob", "Bob", "10 items", "9 items", "_x", "émile"]


def view_capi_request(mock: Any, method: str, path: str, body: Any = None) -> Any:
    """``(status, parsed JSON)`` of one request to the first node's views port."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{mock.nodes[0].capi_port}{path}", data=data,
                                 method=method,
                                 headers={"Content-Type": "application/json", "Authorization": "Basic " +
                                          base64.b64encode(f"{mock.username}:{mock.password}".encode()).decode()})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def view_doc(n: int) -> Dict[str, Any]:
    return {"vt": VIEW_TAG, "n": n, "g": "abc"[n % 3], "name": NAMES[n % len(NAMES)]}



def mgmt_request(mock: Any, path: str, node: int = 0) -> Any:
    """``(status, parsed JSON)`` of a GET on a node's management port."""
    req = urllib.request.Request(f"http://127.0.0.1:{mock.nodes[node].mgmt_port}{path}", headers={
        "Authorization": "Basic " + base64.b64encode(f"{mock.username}:{mock.password}".encode()).decode()})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read())
