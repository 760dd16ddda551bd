"""docs/mock.rst cannot drift from the mock: its examples run, its lists match the code.

* Every ``.. code-block:: python`` of the page runs, each on a fresh ``MockCluster()`` with the
  names the page promises bound (``mock``, ``cluster``, ``bucket``, ``collection`` and a few
  imports), through this SDK's blocking API. A ``test_*`` function an example defines (the pytest
  plugin's example) is called with the plugin's fixture values.
* The SQL++ functions the page lists are exactly the ones the engine registers (scalar functions,
  aggregates, window functions and ``META``), and so are the analytics-only ones.
* Every public method and property of :class:`couchbase_mock.MockCluster` is referenced on the page,
  and the page names exactly the command line's options.
"""
from __future__ import annotations

import inspect
import pathlib
import re
import textwrap
from datetime import timedelta
from typing import Any, Dict, List, Set, Tuple

import pytest

from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.options import ClusterOptions
from couchbase_mock import MockCluster
from couchbase_mock.cli import parse
from couchbase_mock.query.functions import ANALYTICS_FUNCTIONS, FUNCTIONS
from couchbase_mock.query.nodes import AGGREGATES, WINDOW_FUNCTIONS

PAGE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "mock.rst"
TEXT = PAGE.read_text(encoding="utf-8")


def python_examples(text: str) -> List[Tuple[int, str]]:
    """``(line number, code)`` of every ``.. code-block:: python`` directive in ``text``."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.strip() != ".. code-block:: python":
            continue
        j = i + 1
        while j < len(lines) and (not lines[j].strip() or lines[j].strip().startswith(":")):
            j += 1  # the blank line and any directive options
        start = j
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t"))):
            j += 1
        out.append((start + 1, textwrap.dedent("\n".join(lines[start:j])).strip() + "\n"))
    return out


def listed_names(marker: str) -> Set[str]:
    """The ``NAME`` literals between ``.. <marker>-start`` and ``.. <marker>-end``."""
    found = re.search(rf"^\.\. {marker}-start\n(.*?)^\.\. {marker}-end$", TEXT, re.S | re.M)
    assert found, f"docs/mock.rst has no {marker}-start/-end block"
    return set(re.findall(r"``([A-Z_0-9]+)``", found.group(1)))


EXAMPLES = python_examples(TEXT)


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 15, [line for line, _ in EXAMPLES]


@pytest.mark.parametrize("line, code", EXAMPLES, ids=[f"mock.rst:{line}" for line, _ in EXAMPLES])
def test_example_runs(line: int, code: str) -> None:
    if "view_query" in code:
        pytest.importorskip("quickjs")
    with MockCluster() as mock:
        opts = ClusterOptions(PasswordAuthenticator(mock.username, mock.password))
        with Cluster(mock.connstr, opts) as cluster:
            bucket = cluster.bucket("default")
            namespace: Dict[str, Any] = {
                "__name__": "mock_rst_example", "mock": mock, "cluster": cluster, "bucket": bucket,
                "collection": bucket.default_collection(), "timedelta": timedelta, "Cluster": Cluster,
                "ClusterOptions": ClusterOptions, "PasswordAuthenticator": PasswordAuthenticator,
                "MockCluster": MockCluster,
            }
            exec(compile(code, f"{PAGE}:{line}", "exec"), namespace)  # noqa: S102 - the page's own examples
            tests = [v for k, v in namespace.items() if k.startswith("test_") and callable(v)]
            for test in tests:
                test(couchbase_mock_cluster=mock, couchbase_connstr=mock.connstr)


def test_listed_query_functions_are_the_registered_ones() -> None:
    registered = set(FUNCTIONS) | set(AGGREGATES) | set(WINDOW_FUNCTIONS) | {"META"}
    listed = listed_names("mock-query-functions")
    assert sorted(listed - registered) == [], "listed on the page but not in the engine"
    assert sorted(registered - listed) == [], "in the engine but not listed on the page"


def test_listed_analytics_functions_are_the_registered_ones() -> None:
    assert listed_names("mock-analytics-functions") == set(ANALYTICS_FUNCTIONS)


def test_command_line_options_are_the_parsers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse(["--help"])
    option = re.compile(r"(?<![\w-])(--[a-z][a-z-]*)")
    parser_options = set(option.findall(capsys.readouterr().out)) - {"--help"}
    assert set(option.findall(TEXT)) == parser_options


def test_every_mockcluster_method_is_documented_on_the_page() -> None:
    public = {name for name, _ in inspect.getmembers(MockCluster) if not name.startswith("_")}
    public |= {"username", "password", "ca_cert_path"}  # instance attributes
    public -= {"PORTS_PER_NODE", "control_port", "cluster"}  # constants and internals
    missing = sorted(n for n in public if not re.search(rf"MockCluster\.{n}\b", TEXT))
    assert missing == [], "MockCluster members the page never mentions"
