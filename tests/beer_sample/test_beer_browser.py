"""The beer-sample application in a real headless browser (Debian's chromium).

The beer listing opened as ``/beers?q=<prefix>`` runs the page's script: it asks
``/beers/search`` and rebuilds the table from the JSON. ``--dump-dom`` gives the document after
the script ran, so the rows it shows prove the page, its script and the search work together in
a browser. ``scripts/test.sh`` installs chromium; without it the test fails under CI (CI=true)
and is skipped elsewhere.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, List
from urllib.parse import quote

import pytest
from beer_http import get, listed

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1000,1200",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    message = "chromium is not installed (scripts/test.sh installs Debian's chromium)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def run_chromium(chromium: str, profile: Path, *args: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_listing_search_renders_in_a_browser(beer_app: Any, chromium: str, tmp_path: Path) -> None:
    prefix = "Golden"
    expected = [(b["id"], b["name"]) for b in get(beer_app, "/beers/search?value=" + quote(prefix)).json()]
    assert expected, "the data set has beers named Golden..."
    unfiltered = listed(get(beer_app, "/beers").body, "beer")
    assert unfiltered != expected  # so the rows below can only come from the script's search

    done = run_chromium(
        chromium,
        tmp_path / "profile",
        "--virtual-time-budget=15000",
        "--dump-dom",
        f"{beer_app.url}/beers?q={quote(prefix)}",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<title>Beers · Couchbase Beer Sample</title>" in dom
    assert f'data-search-done="{prefix}"' in dom, dom[-3000:]
    rows: List[Any] = [
        (html.unescape(i), html.unescape(n))
        for i, n in re.findall(
            r'<td><a href="/beers/show/([^"]+)">([^<]*)</a></td>',
            re.search(r'<table id="beer-table".*?</table>', dom, re.S).group(0),
        )
    ]
    assert rows == expected
    assert f"{len(expected)} found starting with “{prefix}”" in dom


def test_welcome_page_screenshot(beer_app: Any, chromium: str, tmp_path: Path) -> None:
    shot = tmp_path / "welcome.png"
    done = run_chromium(chromium, tmp_path / "profile", f"--screenshot={shot}", f"{beer_app.url}/welcome")
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 1200)
    assert len(data) > 10_000  # a rendered page, not a blank image
