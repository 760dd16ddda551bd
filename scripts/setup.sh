#!/usr/bin/env bash
# Set up everything couchbase-cffi needs on a fresh Debian machine, idempotently:
# system packages (compiler, cmake, OpenSSL headers, npm, venv), libcouchbase
# (built once from pinned source and cached, see build_lcb.py) and a virtualenv
# in .venv with the package installed in editable mode (with the dev, mock and docs extras).
# Usage: scripts/setup.sh [extra pip requirement ...]
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "[setup] apt-get install ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

if command -v apt-get >/dev/null 2>&1; then
    pkgs=(build-essential cmake libssl-dev pkg-config)
    command -v npm >/dev/null 2>&1 || pkgs+=(npm)
    python3 -c 'import ensurepip, venv' 2>/dev/null || pkgs+=(python3-venv)
    apt_install "${pkgs[@]}"
fi

python3 build_lcb.py >/dev/null  # builds libcouchbase on first use, then reuses the cache

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel cffi 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -m pip install -q -e '.[dev,mock,docs]' "$@" 2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/python -c 'import couchbase, couchbase_mock; print("[setup] couchbase-cffi ready, libcouchbase", couchbase.lcb_version())'
