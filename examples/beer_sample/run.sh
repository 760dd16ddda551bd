#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the beer-sample application on an embedded mock cluster:
# open http://127.0.0.1:5000/ once it says "serving on". Arguments go to the application
# (python -m examples.beer_sample --help).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup.sh
exec .venv/bin/python -m examples.beer_sample "$@"
