#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite on CPython, then the
# key-value tests again on PyPy 3 (Debian's pypy3). Extra arguments go to pytest.
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

.venv/bin/python -m pytest tests -q -ra "$@"

if [ "${SKIP_PYPY:-0}" != 1 ]; then
    bash scripts/setup_pypy.sh
    .venv-pypy/bin/python -m pytest tests/unit tests/kv -q -ra "$@"
fi
