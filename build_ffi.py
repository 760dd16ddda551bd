"""cffi out-of-line (API mode) builder for ``couchbase._lcb``.

setuptools runs this through ``cffi_modules`` (setup.py). The C side and its
declarations live beside each other in ``core/couchbase`` (see ``C_PARTS``):
this file only assembles them, compiled against the libcouchbase that
``build_lcb.py`` finds or builds.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List

from cffi import FFI

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:
    import build_lcb  # beside this file
finally:
    sys.path.remove(str(HERE))

PKG = HERE / "core" / "couchbase"

# The C side of couchbase._lcb in parts, compiled as one unit in this order: the KV bridge,
# the external tracer and meter, the HTTP services (query, analytics, search, views, management)
# and the IOPS bridge for host-driven event loops. Each part NAME has NAME.c and, beside it, what
# cffi must know: NAME.h (types and constants shared with C, #included by NAME.c) and NAME.cdef (the
# functions Python calls and the extern "Python" entry points C calls back). What the
# binding uses of libcouchbase itself is declared in _lcb.cdef, read first.
C_PARTS = ("_bridge", "_observe", "_services", "_iops")
LCB_CDEF = "_lcb.cdef"


def source_files() -> List[Path]:
    """Every file the build reads from the package (for the sdist and for build_ffi itself)."""
    files = [PKG / LCB_CDEF]
    for name in C_PARTS:
        files += [PKG / f"{name}{ext}" for ext in (".h", ".cdef", ".c")]
    return files


def cdef_text() -> str:
    """The cffi declarations: libcouchbase's, then each part's header and cdef."""
    texts = [(PKG / LCB_CDEF).read_text()]
    for name in C_PARTS:
        texts += [(PKG / f"{name}.h").read_text(), (PKG / f"{name}.cdef").read_text()]
    return "\n".join(texts)


def make_ffi() -> FFI:
    missing = [str(f.relative_to(HERE)) for f in source_files() if not f.is_file()]
    if missing:
        raise FileNotFoundError("couchbase-cffi build: missing source files " + ", ".join(missing))
    if os.environ.get("COUCHBASE_CFFI_METADATA_ONLY"):  # sdist/egg_info (setup.py): nothing is compiled
        lcb = build_lcb.Libcouchbase([], [], None, "none")
    else:
        try:
            lcb = build_lcb.find_libcouchbase()
        except build_lcb.LibcouchbaseNotFound as exc:
            raise SystemExit(f"error: couchbase-cffi cannot be built: {exc}") from None
    ffi = FFI()
    ffi.cdef(cdef_text())
    source = "\n".join((PKG / f"{name}.c").read_text() for name in C_PARTS)
    ffi.set_source(
        "couchbase._lcb",
        source,
        libraries=["couchbase"],
        include_dirs=[str(PKG), *lcb.include_dirs],
        library_dirs=lcb.library_dirs,
        # The extension finds libcouchbase without LD_LIBRARY_PATH.
        extra_link_args=[f"-Wl,-rpath,{d}" for d in lcb.library_dirs],
        extra_compile_args=["-O2", "-Wall", "-Wno-unused-function"],
    )
    return ffi


ffibuilder = make_ffi() if os.environ.get("COUCHBASE_CFFI_SKIP_FFI") is None else None

if __name__ == "__main__":
    assert ffibuilder is not None
    ffibuilder.compile(tmpdir=str(HERE / "build" / "ffi"), verbose=True)
