"""``python -m bench.waitfloor``: both idioms measured at every depth, figures positive; bad input refused."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import waitfloor

pytest.importorskip("gevent")


def test_every_idiom_at_every_depth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "waitfloor.json"
    assert waitfloor.main(["--waits", "20000", "--frames", "3", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "gevent parks 3 calls deep" in table
    figures = json.loads(out.read_text())["figures"]
    assert set(figures) == {"gevent", "asyncio"}
    for name, row in figures.items():
        assert [int(n) for n in row] == list(waitfloor.DEPTHS)
        assert all(v > 0 for v in row.values()), (name, row)
        assert any(line.startswith(name) for line in table.splitlines())


@pytest.mark.parametrize("args", [["--waits", "0"], ["--frames", "-1"]])
def test_bad_arguments_are_refused(args: list) -> None:
    with pytest.raises(SystemExit) as info:
        waitfloor.main(args)
    assert info.value.code == 2
