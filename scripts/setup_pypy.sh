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
# cryptography<42 still ships PyPy 3.9 wheels (newer ones need a Rust build on PyPy). The mock extra's
# quickjs (views) has no PyPy wheel: pip builds it from source once (about 30 s), then from its cache.
# hypothesis: tests/faults.
.venv-pypy/bin/python -m pip install -q -e '.[mock]' pytest pytest-timeout hypothesis 'cryptography<42' 2>&1 \
    | grep -v '^WARNING: Location' || true
# What the *-pypy benchmark contenders need (python -m bench): Twisted for tx-deferred-pypy/tx-raw-pypy,
# gevent for gcouchbase-pypy (PyPy ships its own greenlet). One that does not install on this PyPy only
# makes its contenders skipped, with the reason.
for pkg in 'twisted>=22.10' 'gevent>=22.10'; do
    if ! out=$(.venv-pypy/bin/python -m pip install -q "$pkg" 2>&1); then
        echo "[setup] $pkg did not install on PyPy: its bench contenders will be skipped"
    fi
    printf '%s\n' "$out" | grep -v -e '^WARNING: Location' -e '^$' || true
done
.venv-pypy/bin/python -c 'import gevent, greenlet; gevent.joinall([gevent.spawn(gevent.sleep, 0.001)])' \
    || echo "[setup] gevent does not work on this PyPy: gcouchbase-pypy will be skipped"
