"""HTTP helpers of the beer-sample tests: plain requests to the running application."""

from __future__ import annotations

import html
import http.client
import json
import re
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode, urlparse

__all__ = ["Reply", "call", "get", "post", "redirect_target", "listed"]


class Reply:
    def __init__(self, status: int, headers: Dict[str, str], body: str) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def json(self) -> Any:
        assert self.headers.get("content-type", "").startswith("application/json"), self.headers
        return json.loads(self.body)


def call(app: Any, method: str, path: str, form: Optional[Dict[str, str]] = None) -> Reply:
    """One HTTP request to the application (redirects are returned, not followed)."""
    url = urlparse(app.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        body = urlencode(form).encode() if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None else {}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode("utf-8"))
    finally:
        conn.close()


def get(app: Any, path: str) -> Reply:
    return call(app, "GET", path)


def post(app: Any, path: str, form: Dict[str, str]) -> Reply:
    return call(app, "POST", path, form)


def redirect_target(reply: Reply) -> str:
    assert reply.status == 302, (reply.status, reply.body[:300])
    return urlparse(reply.headers["location"]).path


def listed(page: str, kind: str) -> List[Tuple[str, str]]:
    """``(id, name)`` of the rows of a listing's table."""
    table = re.search(r'<table id="%s-table".*?</table>' % kind, page, re.S)
    assert table, page[:500]
    path = "beers" if kind == "beer" else "breweries"
    return [
        (html.unescape(i), html.unescape(n))
        for i, n in re.findall(r'<td><a href="/%s/show/([^"]+)">([^<]*)</a></td>' % path, table.group(0))
    ]
