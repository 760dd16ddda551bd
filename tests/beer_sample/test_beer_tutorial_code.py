"""The tutorial's own ``beer.py``, as the guide writes it, runs on this SDK and the mock.

The Python examples of the 1.x guide's tutorial (002 edition, from "In this chapter we build on
the foundations" to "Wrapping Up") are extracted with the rules of tests/seeds/extract.py and
joined in document order: they are the pieces of the tutorial's ``beer.py``. The errata of the
text (below, each with its reason; each must still break the module when left in) are fixed,
and the address is pointed at the mock as for every seed example (``runner.adapt_address``).
The module is served with examples/beer_sample's templates and static files (the tutorial's
templates are HTML, not Python; ours render the variables the tutorial passes) on 127.0.0.1
and driven over HTTP: listing, show, search with ``Query.STRING_RANGE_END``, create, edit,
delete. (The 004 edition's copy of the tutorial lost lines in its rendering and does not
compile; tests/seeds reports those examples as damaged.)
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple
from urllib.parse import quote

import pytest
from beer_http import get, listed, post, redirect_target

from couchbase_mock.views.collation import collate, sort_key

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "examples" / "beer_sample"
SEEDS = Path("/work/shared/seeds")
for candidate in (ROOT.parent / "shared" / "seeds", SEEDS):
    if candidate.is_dir():
        SEEDS = candidate
        break
GUIDE = SEEDS / "002_d471d757611b72ed.txt"
TUTORIAL_START = "In this chapter we build on the foundations"
TUTORIAL_END = "Wrapping Up"

pytestmark = pytest.mark.skipif(not GUIDE.is_file(), reason=f"the seed documents are not at {SEEDS}")

ERRATA: List[Tuple[str, str, str, type]] = [
    (
        "from Flask import",
        "from flask import",
        "the package is flask (lower case); `Flask` is not importable anywhere",
        ModuleNotFoundError,
    ),
    (
        "DATABASE = 'beer-sample' HOST = 'localhost' ENTRIES_PER_PAGE = 30",
        "DATABASE = 'beer-sample'\nHOST = 'localhost'\nENTRIES_PER_PAGE = 30",
        "the page's rendering joined three lines of code",
        SyntaxError,
    ),
    (
        "@app.route('<otype>/delete/<id>')",
        "@app.route('/<otype>/delete/<id>')",
        "Flask refuses a rule without a leading slash (ValueError when the module is imported)",
        ValueError,
    ),
]
BREWERIES, BEERS = 120, 480


def tutorial_source() -> str:
    """The tutorial's Python examples of the 002 edition, joined in document order."""
    from seeds import extract

    text = GUIDE.read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(text) if line.startswith(TUTORIAL_START)) + 1
    end = next(i for i, line in enumerate(text) if i > start and line.strip() == TUTORIAL_END) + 1
    examples = [e for e in extract.extract(GUIDE) if start <= e.line <= end]
    assert len(examples) == 12, [e.ident for e in examples]
    return "\n\n".join(e.source for e in examples) + "\n"


def fix(source: str, skip: int = -1) -> str:
    for index, (wrong, right, _why, _error) in enumerate(ERRATA):
        assert source.count(wrong) == 1, f"erratum not found once in the tutorial: {wrong!r}"
        if index != skip:
            source = source.replace(wrong, right)
    return source


def load_module(source: str, directory: Path, name: str) -> Any:
    path = directory / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    for sub in ("templates", "static"):
        link = directory / sub
        if not link.exists():
            link.symlink_to(APP_DIR / sub, target_is_directory=True)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # app.config.from_object(__name__) imports it by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tutorial_mock() -> Iterator[Tuple[Any, List[str], Dict[str, Dict[str, Any]]]]:
    pytest.importorskip("flask")
    from seeds import runner

    from couchbase_mock import MockCluster
    from examples.beer_sample.data import generate
    from examples.beer_sample.load import load

    with MockCluster(nodes=1, replicas=0, buckets=["beer-sample"]) as mock:
        mock.add_user("beer-sample", "")  # 1.x clients log in as the bucket (no password here)
        load(mock.connstr, mock.username, mock.password, "beer-sample", 7, BREWERIES, BEERS)
        hosts = [f"127.0.0.1:{node.mgmt_port}" for node in mock.cluster.nodes]
        assert runner.adapt_address("HOST = 'localhost'", hosts) == f"HOST = {hosts!r}"
        yield mock, hosts, dict(generate(7, BREWERIES, BEERS))


class Served:
    def __init__(self, url: str) -> None:
        self.url = url


@pytest.fixture(scope="module")
def tutorial_app(tutorial_mock: Any, tmp_path_factory: Any) -> Iterator[Served]:
    from seeds import runner
    from werkzeug.serving import make_server

    _mock, hosts, _data = tutorial_mock
    module = load_module(
        runner.adapt_address(fix(tutorial_source()), hosts),
        tmp_path_factory.mktemp("tutorial"),
        "tutorial_beer",
    )
    server = make_server("127.0.0.1", 0, module.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Served(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
        module.db.close()
        sys.modules.pop("tutorial_beer", None)


@pytest.mark.parametrize(
    "index", [-1] + list(range(len(ERRATA))), ids=["all fixed"] + [e[1].split("\n")[0] for e in ERRATA]
)
def test_each_erratum_breaks_the_tutorial_as_written(tutorial_mock: Any, tmp_path: Path, index: int) -> None:
    # in a child process: a SyntaxError compiled in this one upsets CPython 3.11.7's later ast.parse calls
    from seeds import runner

    _mock, hosts, _data = tutorial_mock
    script = tmp_path / "tutorial_beer.py"
    script.write_text(runner.adapt_address(fix(tutorial_source(), skip=index), hosts), encoding="utf-8")
    for sub in ("templates", "static"):
        (tmp_path / sub).symlink_to(APP_DIR / sub, target_is_directory=True)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=str(tmp_path)
    )
    if index == -1:
        assert done.returncode == 0, done.stderr[-3000:]
    else:
        error = ERRATA[index][3].__name__
        assert done.returncode != 0 and done.stderr.strip().splitlines()[-1].startswith(error), done.stderr[
            -3000:
        ]


def test_the_tutorials_application_serves_its_pages(tutorial_app: Served, tutorial_mock: Any) -> None:
    _mock, _hosts, data = tutorial_mock
    beers = sorted(
        ((k, d["name"]) for k, d in data.items() if d["type"] == "beer"), key=lambda r: (sort_key(r[1]), r[0])
    )
    welcome = get(tutorial_app, "/welcome")
    assert welcome.status == 200 and "Browse all Beers" in welcome.body
    assert listed(get(tutorial_app, "/beers").body, "beer") == beers[:30]

    key, name = beers[5]
    shown = get(tutorial_app, "/beers/show/" + key)
    assert shown.status == 200 and data[key]["brewery_id"] in shown.body
    assert get(tutorial_app, "/beers/show/nope").status == 404

    for value in ("gold", "Old", "zzz"):
        expected = [r for r in beers if collate(value, r[1]) <= 0 and collate(r[1], value + "\u0fff") <= 0][
            :30
        ]
        found = json.loads(get(tutorial_app, "/beers/search?value=" + quote(value)).body)
        assert [(b["id"], b["name"]) for b in found] == expected
        assert bool(found) == (value != "zzz")


def test_the_tutorials_forms_create_edit_and_delete(tutorial_app: Served, tutorial_mock: Any) -> None:
    _mock, _hosts, data = tutorial_mock
    brewery = next(k for k, d in data.items() if d["type"] == "brewery")
    form = {
        "beer_name": "Tutorial Test Ale",
        "beer_brewery_id": brewery,
        "beer_abv": "5.0",
        "beer_description": "",
        "beer_style": "",
        "beer_category": "",
        "beer_ibu": "",
        "beer_srm": "",
        "beer_upc": "",
        "meta_cas": "",
    }
    key = f"{brewery}-tutorial_test_ale"
    assert redirect_target(post(tutorial_app, "/beers/create", form)) == "/beers/show/" + key
    assert (post(tutorial_app, "/beers/create", form).status, "Beer already exists!") == (
        400,
        post(tutorial_app, "/beers/create", form).body,
    )
    missing = post(tutorial_app, "/beers/create", dict(form, beer_brewery_id="nowhere"))
    assert (missing.status, missing.body) == (400, "Brewery ID nowhere not found")
    assert "Editing Tutorial Test Ale" in get(tutorial_app, "/beers/edit/" + key).body
    assert (
        redirect_target(post(tutorial_app, "/beers/edit/" + key, dict(form, beer_abv="6.5")))
        == "/beers/show/" + key
    )
    assert "6.5" in get(tutorial_app, "/beers/show/" + key).body
    assert redirect_target(get(tutorial_app, f"/beers/delete/{key}")) == "/welcome"
    gone = get(tutorial_app, f"/beers/delete/{key}")
    assert (gone.status, gone.body) == (404, f"No such beers '{key}'")
