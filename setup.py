"""setuptools shim: cffi_modules and the split package layout are only read from setup().

The ``couchbase`` package lives in ``core/couchbase``; the front ends and the
mock cluster are top-level packages.
"""
from setuptools import find_packages, setup

FRONT_ENDS = ["couchbase_mock*", "acouchbase*", "txcouchbase*", "gcouchbase*"]
packages = find_packages("core", include=["couchbase*"]) + find_packages(".", include=FRONT_ENDS)
package_dir = {p: "core/" + p.replace(".", "/") for p in packages
               if p.startswith("couchbase") and not p.startswith("couchbase_mock")}

setup(
    packages=packages,
    package_dir=package_dir,
    cffi_modules=["build_ffi.py:ffibuilder"],
)
