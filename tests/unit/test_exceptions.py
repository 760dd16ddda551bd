"""The status table matches libcouchbase's error.h, and statuses map to the right classes."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from couchbase import exceptions as E

ROOT = Path(__file__).resolve().parents[2]


def _error_h() -> str:
    inc = subprocess.run([sys.executable, str(ROOT / "build_lcb.py"), "--include"], capture_output=True, text=True)
    path = Path(inc.stdout.strip()) / "libcouchbase" / "error.h"
    assert path.is_file(), f"error.h not found: {inc.stderr}"
    return path.read_text()


def test_every_status_of_error_h_is_named_and_mapped():
    rows = re.findall(r"^X\((LCB_[A-Z0-9_]+),\s*(\d+),", _error_h(), re.M)
    assert len(rows) > 100
    for name, code in rows:
        assert E.STATUS_NAMES[int(code)] == name
        if name != "LCB_SUCCESS":
            assert name in E._BY_NAME, f"{name} has no exception class"


@pytest.mark.parametrize("rc,cls", [
    (301, E.DocumentNotFoundException), (305, E.DocumentExistsException), (209, E.CasMismatchException),
    (201, E.TimeoutException), (206, E.AuthenticationException), (210, E.BucketNotFoundException),
    (308, E.DurabilityImpossibleException), (313, E.PathNotFoundException), (1003, E.SSLException),
    (1043, E.DocumentNotFoundException), (203, ValueError),
])
def test_class_for(rc, cls):
    exc = E.exception_for(rc)
    assert isinstance(exc, cls) and isinstance(exc, E.CouchbaseException)
    assert exc.rc == rc and E.status_name(rc) in str(exc)


def test_unknown_status_and_repr():
    exc = E.exception_for(99999, "odd", context=E.KeyValueErrorContext(key="k", status_code=0x86))
    assert type(exc) is E.CouchbaseException and "99999" in str(exc)
    assert "key='k'" in repr(exc) and E.CouchbaseError is E.CouchbaseException
