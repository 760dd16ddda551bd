#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite on CPython, then the
# key-value tests again on PyPy 3 (Debian's pypy3). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest tests -q -ra "$@"

if [ "${SKIP_PYPY:-0}" != 1 ]; then
    bash scripts/setup_pypy.sh
    .venv-pypy/bin/python -m pytest tests/unit tests/kv -q -ra "$@"
fi
