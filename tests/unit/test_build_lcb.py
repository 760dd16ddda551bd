"""What the build needs, and what it says when something is missing (build_lcb.py, MANIFEST.in).

An sdist must build anywhere its build requirements install: it carries every source the build
reads and the pinned libcouchbase archive; a machine without a compiler or OpenSSL headers gets
one message naming each missing piece.
"""
from __future__ import annotations

import fnmatch
import hashlib
import sys

import pytest
from test_c_boundary import ROOT, load_build_script


@pytest.fixture
def build_lcb():
    return load_build_script("build_lcb")


def _manifest_patterns():
    patterns = []
    for line in (ROOT / "MANIFEST.in").read_text().splitlines():
        words = line.split()
        if words and words[0] == "include":
            patterns += words[1:]
    return patterns


def test_sdist_manifest_carries_every_build_source():
    build_ffi = load_build_script("build_ffi")
    patterns = _manifest_patterns()
    needed = [p.relative_to(ROOT).as_posix() for p in build_ffi.source_files()]
    needed += ["build_ffi.py", "build_lcb.py", "vendor/couchbase-3.2.7.tgz", "core/couchbase/py.typed"]
    missing = [n for n in needed if not any(fnmatch.fnmatch(n, pat) for pat in patterns)]
    assert not missing


def test_the_archive_is_never_in_git():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "vendor/" in ignored


def test_missing_tools_are_all_named(build_lcb, monkeypatch, tmp_path):
    """No compiler, no cmake, no npm, no OpenSSL headers: one message names each and how to get it."""
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no tool at all
    for var in ("CC", "CXX", "OPENSSL_ROOT_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(build_lcb, "SYSTEM_INCLUDE_DIRS", [str(tmp_path)])
    monkeypatch.setattr(build_lcb, "VENDOR_DIR", tmp_path / "vendor")
    monkeypatch.setitem(sys.modules, "cmake", None)  # the cmake PyPI package is not installed either
    with pytest.raises(build_lcb.LibcouchbaseNotFound) as info:
        build_lcb._require_tools()
    message = str(info.value)
    for needle in ("npm", "cmake (pip install cmake", "a C compiler", "a C++ compiler",
                   "OpenSSL headers, openssl/ssl.h (apt-get install libssl-dev"):
        assert needle in message


def test_only_the_missing_piece_is_named(build_lcb, monkeypatch, tmp_path):
    """With the tools present but no OpenSSL headers, only those are named (npm is not needed
    when the archive is vendored)."""
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    (vendor / build_lcb.NPM_TARBALL).write_bytes(b"x")
    monkeypatch.setattr(build_lcb, "VENDOR_DIR", vendor)
    monkeypatch.setattr(build_lcb, "SYSTEM_INCLUDE_DIRS", [str(tmp_path)])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.delenv("OPENSSL_ROOT_DIR", raising=False)
    monkeypatch.setenv("PKG_CONFIG_LIBDIR", str(tmp_path))  # pkg-config finds no openssl.pc
    if not build_lcb.cmake_command() or not build_lcb._compiler("CC", ["cc", "gcc"]):
        pytest.skip("this machine has no cmake or compiler")
    with pytest.raises(build_lcb.LibcouchbaseNotFound) as info:
        build_lcb._require_tools()
    message = str(info.value)
    assert "OpenSSL headers" in message
    assert "npm" not in message and "compiler" not in message and "cmake (" not in message


def test_a_vendored_archive_with_a_wrong_checksum_is_refused(build_lcb, monkeypatch, tmp_path):
    vendor = tmp_path / "vendor"
    vendor.mkdir()
    (vendor / build_lcb.NPM_TARBALL).write_bytes(b"not the archive")
    monkeypatch.setattr(build_lcb, "VENDOR_DIR", vendor)
    with pytest.raises(build_lcb.LibcouchbaseNotFound, match="sha256"):
        build_lcb._fetch_source(tmp_path)


def test_a_vendored_archive_is_used_without_npm(build_lcb, monkeypatch, tmp_path):
    """The checkout's vendor/ archive (put there by wheels.sh / sdist), when present, extracts
    with npm off the PATH."""
    archive = build_lcb.VENDOR_DIR / build_lcb.NPM_TARBALL
    if not archive.is_file():
        pytest.skip("no vendored archive in this checkout (python build_lcb.py --vendor)")
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == build_lcb.NPM_TARBALL_SHA256
    monkeypatch.setenv("PATH", str(tmp_path))
    src = build_lcb._fetch_source(tmp_path)
    assert (src / "CMakeLists.txt").is_file()
