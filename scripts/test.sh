#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole test suite on CPython (editable install), then the
# wheels as users get them (scripts/test_wheels.sh): built from the sdist, the build cache deleted,
# installed into fresh virtualenvs of CPython 3.9, CPython 3.13 and PyPy, a smoke tour and the
# behaviour suite on each. Extra arguments go to pytest.
# SKIP_WHEELS=1 stops after the first part; SKIP_PYPY=1 leaves PyPy out of the second.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest tests -q -ra "$@"

if [ "${SKIP_WHEELS:-0}" != 1 ]; then
    bash scripts/test_wheels.sh "$@"
fi
