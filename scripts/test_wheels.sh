#!/usr/bin/env bash
# The wheels as users get them, on every supported interpreter (run by scripts/test.sh).
#
# 1. scripts/wheels.sh builds the sdist and, from it, the cp39-abi3 and PyPy wheels, with
#    libcouchbase built in a private cache that is deleted right after: nothing of the build is
#    left for the wheels to lean on.
# 2. For CPython 3.9 and 3.13 (pyenv's) and PyPy (Debian's pypy3): a fresh virtualenv with only
#    the wheel and its `mock` extra runs scripts/smoke_wheel.py from outside the checkout, with
#    HOME pointing at an empty directory (so no libcouchbase cache can be found either).
# 3. The same virtualenv gets the test requirements (the `dev` extra) and runs the behaviour
#    suite against the installed wheel.
# Extra arguments go to pytest. SKIP_PYPY=1 leaves PyPy out; for local runs, WHEEL_INTERPRETERS
# ("cpython3.9 cpython3.13 pypy3") picks some, REUSE_WHEELHOUSE=1 tests the wheels already built.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache="$work/lcb-cache"
if [ "${REUSE_WHEELHOUSE:-0}" = 1 ] && ls "$repo"/wheelhouse/couchbase_cffi-*.whl >/dev/null 2>&1; then
    echo "[wheels] REUSE_WHEELHOUSE=1: testing the wheels already in wheelhouse/"
else
    echo "[wheels] building the wheelhouse (libcouchbase in a private cache: $cache)"
    COUCHBASE_CFFI_CACHE="$cache" bash scripts/wheels.sh "$repo/wheelhouse"
    rm -rf "$cache"
    echo "[wheels] build cache deleted"
fi

interpreters=("cpython3.9:$(ls -d "$HOME"/.pyenv/versions/3.9*/bin/python | sort -V | tail -1)"
              "cpython3.13:$(ls -d "$HOME"/.pyenv/versions/3.13*/bin/python | sort -V | tail -1)")
[ "${SKIP_PYPY:-0}" = 1 ] || interpreters+=("pypy3:$(command -v pypy3)")

# The behaviour suite: every front end's tests that need neither the source tree's build tools
# nor the official SDK.
SUITE=(tests/unit tests/kv tests/query tests/async_ tests/twisted tests/gevent tests/logging)
# PyPy also runs the fault-suite files whose outcome depends on the interpreter's collector (a forgotten
# connection's release, memory growth): about 2 minutes, most of it the read-ahead children's slow consumers.
# All of tests/faults passes on PyPy too, but took 6.3 min (measured): CI (about 26 min) would come close to
# its 35-min budget.
PYPY_SUITE=(tests/faults/test_lifecycle.py tests/faults/test_read_ahead.py)

if [ -n "${WHEEL_INTERPRETERS:-}" ]; then  # e.g. WHEEL_INTERPRETERS=pypy3 (names as above)
    chosen=()
    for entry in "${interpreters[@]}"; do
        [[ " $WHEEL_INTERPRETERS " == *" ${entry%%:*} "* ]] && chosen+=("$entry")
    done
    interpreters=("${chosen[@]}")
fi

pip_q() { "$@" 2>&1 | grep -v '^WARNING: Location' || true; }
failed=()
for entry in "${interpreters[@]}"; do
    name=${entry%%:*} py=${entry#*:}
    case $name in pypy*) wheel=$(ls "$repo"/wheelhouse/couchbase_cffi-*-pp3*.whl) ;;
                  *) wheel=$(ls "$repo"/wheelhouse/couchbase_cffi-*-cp39-abi3-*.whl) ;; esac
    venv="$repo/.venv-wheel-$name"
    echo "[wheels] $name: fresh venv with $(basename "$wheel")"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    pip_q "$venv/bin/python" -m pip install -q --upgrade pip
    pins=()
    case $name in
        pypy*) pins=('cryptography<42') ;;  # the last with PyPy 3.9 wheels (newer ones build Rust)
        cpython3.9) pins=('gevent<26') ;;  # the last with CPython 3.9 wheels (a source build takes 10 min)
    esac
    pip_q "$venv/bin/python" -m pip install -q "$wheel[mock]" "${pins[@]}"
    mkdir -p "$work/home-$name"
    (cd "$work" && env -u LD_LIBRARY_PATH -u COUCHBASE_CFFI_CACHE -u LCB_ROOT HOME="$work/home-$name" \
        XDG_CACHE_HOME="$work/home-$name/.cache" "$venv/bin/python" "$repo/scripts/smoke_wheel.py")
    pip_q "$venv/bin/python" -m pip install -q "$wheel[dev,mock]" "${pins[@]}"
    echo "[wheels] $name: behaviour suite on the installed wheel"
    # the pytest script, not `python -m pytest`: the checkout's root must not shadow the installed packages
    suite=("${SUITE[@]}")
    case $name in pypy*) suite+=("${PYPY_SUITE[@]}") ;; esac
    "$venv/bin/pytest" "${suite[@]}" -q -ra "$@" || failed+=("$name")
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "[wheels] the behaviour suite failed on: ${failed[*]}" >&2
    exit 1
fi
