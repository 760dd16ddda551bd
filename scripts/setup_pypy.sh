#!/usr/bin/env bash
# A PyPy 3 virtualenv (.venv-pypy) with couchbase-cffi installed: cffi is what
# lets this SDK run on PyPy at all.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v pypy3 >/dev/null 2>&1 || ! dpkg-query -W -f='${Status}' pypy3-dev 2>/dev/null | grep -q "ok installed"; then
    echo "[setup] apt-get install pypy3 pypy3-venv pypy3-dev"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq pypy3 pypy3-venv pypy3-dev >/dev/null
fi
if [ ! -x .venv-pypy/bin/python ]; then
    pypy3 -m venv .venv-pypy
fi
.venv-pypy/bin/python -m pip install -q --upgrade pip setuptools wheel 2>&1 | grep -v '^WARNING: Location' || true
# cryptography<42 still ships PyPy 3.9 wheels (newer ones need a Rust build on PyPy)
.venv-pypy/bin/python -m pip install -q -e . pytest pytest-timeout trustme 'cryptography<42' 2>&1 | grep -v '^WARNING: Location' || true
