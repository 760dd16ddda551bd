"""Fixtures of the beer-sample application's tests: the application, run as its users run it.

``beer_app`` starts ``python -m examples.beer_sample`` (an embedded mock cluster, the generated
data set, the Flask application on a free port of 127.0.0.1) in a child process once per session,
and stops it at the end; tests talk to it over HTTP only.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BREWERIES = 1412  # the sample's size: the application's listings and searches run on all of it
BEERS = 5891
SEED = 2013


class AppProcess:
    """The running application: ``url`` (``http://127.0.0.1:PORT``) and its output so far."""

    def __init__(self, proc: "subprocess.Popen[str]", url: str, output: List[str]) -> None:
        self.proc = proc
        self.url = url
        self.output = output


@pytest.fixture(scope="session")
def beer_app() -> Iterator[AppProcess]:
    pytest.importorskip("flask")
    pytest.importorskip("quickjs")
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "examples.beer_sample",
            "--port",
            "0",
            "--seed",
            str(SEED),
            "--breweries",
            str(BREWERIES),
            "--beers",
            str(BEERS),
        ],
        cwd=str(ROOT),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: "queue.Queue[str]" = queue.Queue()
    output: List[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    url = None
    deadline = time.monotonic() + 120
    while url is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        match = re.match(r"serving on (http://127\.0\.0\.1:\d+)/", line)
        if match:
            url = match.group(1)
    if url is None:
        proc.kill()
        proc.wait(10)
        pytest.fail("the beer-sample application did not start:\n" + "".join(output))
    try:
        yield AppProcess(proc, url, output)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="session")
def dataset() -> Dict[str, Dict[str, Any]]:
    """The documents the application was loaded with, by id."""
    from examples.beer_sample.data import generate

    return dict(generate(SEED, BREWERIES, BEERS))
