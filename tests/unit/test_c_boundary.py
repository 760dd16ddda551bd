"""The C boundary is declared once (issue 13 item 5).

``build_ffi.py`` assembles the cffi cdef from ``core/couchbase``: ``_lcb.cdef`` (what the binding
uses of libcouchbase) and, per part of the C side, ``NAME.h`` (types and constants shared with C,
#included by ``NAME.c``) and ``NAME.cdef`` (functions and ``extern "Python"`` entry points).
These tests keep it that way: nothing is defined both in a ``.c`` file and in a shared header,
every declared function and constant is used from Python, and the module built from it exposes
each of them.
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "core" / "couchbase"
PY_DIRS = [PKG, ROOT / "acouchbase", ROOT / "txcouchbase", ROOT / "gcouchbase"]

_DEFINE = re.compile(r"^\s*#define\s+(\w+)", re.M)
# a struct body may hold one level of nested braces (pycb_RESP's unions)
_TYPEDEF = re.compile(r"typedef\s[^;{]*(?:\{(?:[^{}]|\{[^{}]*\})*\}[^;]*)??\b(\w+)\s*;")
_FUNC = re.compile(r"^(?!extern)[\w\s\*]*?\b(\w+)\s*\(", re.M)
_EXTERN_PY = re.compile(r'extern "Python"[^(]*?\b(\w+)\s*\(')
_ENUM = re.compile(r"enum\s*\{([^}]*)\}", re.S)


def _constants(text: str) -> set:
    names = set(_DEFINE.findall(text))
    for body in _ENUM.findall(text):
        names |= {item.split("=")[0].strip() for item in body.split(",") if item.strip()}
    return names


def load_build_script(name: str) -> ModuleType:
    """Import build_ffi.py / build_lcb.py from the checkout (without compiling anything)."""
    spec = importlib.util.spec_from_file_location(f"_checkout_{name}", ROOT / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    os.environ["COUCHBASE_CFFI_SKIP_FFI"] = "1"
    try:
        spec.loader.exec_module(module)
    finally:
        del os.environ["COUCHBASE_CFFI_SKIP_FFI"]
    return module


@pytest.fixture(scope="module")
def build_ffi() -> ModuleType:
    return load_build_script("build_ffi")


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)


def _python_sources() -> str:
    return "\n".join(p.read_text() for d in PY_DIRS for p in d.rglob("*.py") if p.name != "_lcb.py")


def test_every_build_source_exists(build_ffi):
    missing = [str(p) for p in build_ffi.source_files() if not p.is_file()]
    assert not missing


def test_nothing_is_defined_twice(build_ffi):
    """A type or constant lives in one file: a .c file includes its header instead of repeating it."""
    seen: dict = {}
    for path in build_ffi.source_files():
        text = _strip_comments(path.read_text())
        for name in sorted(_constants(text)) + _TYPEDEF.findall(text):
            assert name not in seen, f"{name} is defined in both {seen[name]} and {path.name}"
            seen[name] = path.name
    assert {"pycb_RESP", "pycb_ERRCTX", "pycb_SVCERR", "PYCB_IOPS_DESTROYED", "PYCB_SD_GET"} <= set(seen)


def test_each_c_part_includes_its_header(build_ffi):
    for name in build_ffi.C_PARTS:
        assert f'#include "{name}.h"' in (PKG / f"{name}.c").read_text()


def _declared(build_ffi) -> tuple:
    """(functions, constants, extern "Python" names) of the assembled cdef."""
    cdef = _strip_comments(build_ffi.cdef_text())
    externs = set(_EXTERN_PY.findall(cdef))
    bodies = re.sub(r"typedef[^;]*;|enum\s*\{[^}]*\}\s*;|\{[^}]*\}", "", cdef)
    functions = set(_FUNC.findall(bodies)) - externs
    return functions, _constants(cdef), externs


def test_every_declaration_is_used(build_ffi):
    """Functions and constants declared for cffi are each used as ``lib.NAME`` from Python.

    Constants of a shared header (NAME.h) may instead be used by the C side only: they are
    there because C and Python must agree on the value space (e.g. cbtypes).
    """
    functions, constants, externs = _declared(build_ffi)
    assert {"pycb_get", "pycb_wait", "lcb_cntl_getu32"} <= functions
    header_constants: set = set()
    c_text = ""
    for name in build_ffi.C_PARTS:
        header_constants |= _constants(_strip_comments((PKG / f"{name}.h").read_text()))
        c_text += _strip_comments((PKG / f"{name}.c").read_text())
    python = _python_sources()
    used = set(re.findall(r"\blib\.(\w+)", python))
    used |= {name for name in header_constants if re.search(rf"\b{name}\b", c_text)}
    unused = sorted((functions | constants) - used)
    assert not unused, f"declared for cffi but never used: {unused}"
    for name in externs:
        assert re.search(rf"def_extern\([^)]*\)\s*\ndef {name}\(", python), name


def test_built_module_exposes_every_declaration(build_ffi):
    from couchbase._lcb import lib

    functions, constants, _ = _declared(build_ffi)
    for name in functions | constants:
        assert hasattr(lib, name), name
    for gone in ("lcb_sched_flush", "lcb_is_waiting", "lcb_strerror_long", "lcb_supports_feature",
                 "PYCB_IOPS_CANCEL"):
        assert not hasattr(lib, gone)


def test_named_constants_match_libcouchbase():
    """The cntl codes Python reads by name are libcouchbase's (0x4A, 0x42 in cntl.h)."""
    from couchbase._lcb import lib

    assert lib.LCB_CNTL_ENABLE_COLLECTIONS == 0x4A
    assert lib.LCB_CNTL_READ_CHUNKSIZE == 0x42
    assert not re.search(r"lcb_cntl_\w+\([^)]*0x[0-9A-Fa-f]+", _python_sources())
