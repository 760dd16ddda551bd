#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite on CPython (editable install), then the
# wheels as users get them (scripts/test_wheels.sh): built from the sdist, the build cache deleted,
# installed into fresh virtualenvs of CPython 3.9, CPython 3.13 and PyPy, a smoke tour and the
# behaviour suite on each. Extra arguments go to pytest.
# SKIP_WHEELS=1 stops after the first part; SKIP_PYPY=1 leaves PyPy out of the second.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The beer-sample application's browser test runs Debian's chromium (headless).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "[test] apt-get install chromium"
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi

# Lint first (pyflakes, line length 110, import order: [tool.ruff] in pyproject.toml): seconds, and it
# fails before the long suite does.
.venv/bin/ruff check .

# Types: mypy --strict on the packages and the examples ([tool.mypy] in pyproject.toml); the user's view
# (reveal/assert_type expectations, rejected mistakes) is tests/typing, part of the suite below.
.venv/bin/mypy

# The reference docs (docs/, built from the docstrings): any Sphinx warning fails the run, broken
# cross-references included (-n). tests/docs checks the docstrings' Args/Returns/Raises sections.
.venv/bin/sphinx-build -E -W --keep-going -n -q -b html docs docs/_build/html

.venv/bin/python -m pytest tests -q -ra "$@"

if [ "${SKIP_WHEELS:-0}" != 1 ]; then
    bash scripts/test_wheels.sh "$@"
fi
