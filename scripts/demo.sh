#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the demo: an embedded mock cluster and a
# short tour of the API.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python examples/demo.py "$@"
