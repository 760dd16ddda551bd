"""setuptools shim: cffi_modules, the split package layout and the build commands live here.

The ``couchbase`` package lives in ``core/couchbase``; the front ends and the
mock cluster are top-level packages. ``sdist`` first puts the pinned
libcouchbase source archive into ``vendor/`` (verified against its sha256), so
that an sdist builds anywhere without npm. On CPython the extension uses only
the stable ABI, so ``bdist_wheel`` tags the wheel ``cp39-abi3``: one wheel for
CPython 3.9 and later.
"""
import os
import platform
import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
FRONT_ENDS = ["couchbase_mock*", "acouchbase*", "txcouchbase*", "gcouchbase*"]
packages = find_packages("core", include=["couchbase*"]) + find_packages(".", include=FRONT_ENDS)
package_dir = {p: "core/" + p.replace(".", "/") for p in packages
               if p.startswith("couchbase") and not p.startswith("couchbase_mock")}


class SdistWithSource(sdist):
    """sdist that ships the libcouchbase source archive (fetched and verified if not yet in vendor/)."""

    def run(self) -> None:
        sys.path.insert(0, str(HERE))
        import build_lcb

        build_lcb.vendor_tarball()
        super().run()


# Commands that only write metadata or pack sources: the extension's build settings do not
# matter to them, so build_ffi.py must not look for (or build) libcouchbase for them.
METADATA_ONLY = {"sdist", "egg_info", "dist_info", "check", "--version", "--name"}
BUILDS = {"build", "build_ext", "bdist_wheel", "bdist_egg", "develop", "editable_wheel", "install"}
if len(sys.argv) > 1 and sys.argv[1] in METADATA_ONLY and not BUILDS.intersection(sys.argv[1:]):
    os.environ["COUCHBASE_CFFI_METADATA_ONLY"] = "1"

options = {}
if platform.python_implementation() == "CPython":
    options["bdist_wheel"] = {"py_limited_api": "cp39"}

setup(
    packages=packages,
    package_dir=package_dir,
    cffi_modules=["build_ffi.py:ffibuilder"],
    cmdclass={"sdist": SdistWithSource},
    options=options,
)
