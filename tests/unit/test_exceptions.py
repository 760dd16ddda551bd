"""The exception hierarchy, the status table against libcouchbase's error.h, contexts and reprs."""
from __future__ import annotations

import copy
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from couchbase import exceptions as E

ROOT = Path(__file__).resolve().parents[2]
FALLBACK_INCLUDE = Path("/tmp/lcbfetch/package/deps/lcb/include")


def _error_h() -> Optional[Path]:
    """error.h from $LCB_INCLUDE (a directory or the file), build_lcb.py --include, or the fetched tree."""
    candidates: List[Path] = []
    if os.environ.get("LCB_INCLUDE"):
        candidates.append(Path(os.environ["LCB_INCLUDE"]))
    build = ROOT / "build_lcb.py"
    if build.is_file():
        try:
            out = subprocess.run([sys.executable, str(build), "--include"], capture_output=True, text=True,
                                 timeout=120)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(Path(out.stdout.strip().splitlines()[-1]))
        except (OSError, subprocess.TimeoutExpired):
            pass
    candidates.append(FALLBACK_INCLUDE)
    for path in candidates:
        header = path if path.is_file() else path / "libcouchbase" / "error.h"
        if header.is_file():
            return header
    return None


def _statuses() -> List[Tuple[str, int, str, str, str]]:
    """(name, code, category, flags, description) of every LCB_XERROR row."""
    header = _error_h()
    if header is None:
        pytest.skip("libcouchbase's error.h not found (set LCB_INCLUDE)")
    text = header.read_text()
    start = text.index("#define LCB_XERROR(X)")
    body = text[start:text.index("clang-format on", start)].replace("\\\n", "\n")
    rows = re.findall(r'X\(\s*(LCB_[A-Z0-9_]+)\s*,\s*(\d+)\s*,\s*LCB_ERROR_TYPE_([A-Z]+)\s*,\s*([^,]*?)\s*,'
                      r'\s*"((?:[^"\\]|\\.)*)"\s*\)', body)
    assert len(rows) == body.count("X(LCB_") > 100, "could not parse every row of LCB_XERROR"
    return [(name, int(code), cat, flags, desc.replace('\\"', '"')) for name, code, cat, flags, desc in rows]


# what each error.h category must map to (SHARED and SDK codes are checked below)
CATEGORY_BASE = {
    "KEYVALUE": E.KeyValueException,
    "QUERY": E.QueryException,
    "ANALYTICS": E.AnalyticsException,
    "SEARCH": E.SearchException,
    "VIEW": E.ViewException,
}


def test_every_status_of_error_h_is_in_the_table():
    rows = _statuses()
    codes = {code for _, code, _, _, _ in rows}
    assert codes == set(E.STATUS_TABLE), "STATUS_TABLE and error.h disagree: regenerate the table"
    for name, code, category, flags, description in rows:
        info = E.STATUS_TABLE[code]
        assert (info.name, info.description) == (name, description)
        assert E.status_name(code) == name and E.status_description(code) == description
        cls = E.class_for(code)
        assert cls is info.exception and issubclass(cls, E.CouchbaseException)
        if category in ("SUCCESS", "BASE"):
            continue
        assert cls is not E.CouchbaseException, f"{name} maps to the bare base class"
        base = CATEGORY_BASE.get(category)
        if base is not None:
            assert issubclass(cls, base), f"{name} ({category}) maps to {cls.__name__}"
        if category == "SDK" and "LCB_ERROR_FLAG_NETWORK" in flags:
            assert issubclass(cls, E.NetworkException), f"{name} is a network error, maps to {cls.__name__}"
        if name.startswith("LCB_ERR_SSL_"):
            assert issubclass(cls, E.SSLException)
        if "_TIMEOUT" in name:
            assert issubclass(cls, E.TimeoutException)


def test_table_is_consistent():
    names = [info.name for info in E.STATUS_TABLE.values()]
    assert len(names) == len(set(names)) == 127
    for code, info in E.STATUS_TABLE.items():
        assert info.name.startswith("LCB_") and info.description
        assert isinstance(code, int) and issubclass(info.exception, E.CouchbaseException)


@pytest.mark.parametrize("rc,cls", [
    (301, E.DocumentNotFoundException), (305, E.DocumentExistsException), (209, E.CasMismatchException),
    (303, E.DocumentLockedException), (207, E.TemporaryFailException), (201, E.TimeoutException),
    (215, E.AmbiguousTimeoutException), (216, E.UnAmbiguousTimeoutException),
    (206, E.AuthenticationException), (210, E.BucketNotFoundException), (217, E.ScopeNotFoundException),
    (211, E.CollectionNotFoundException), (304, E.ValueTooLargeException),
    (307, E.DurabilityInvalidLevelException), (308, E.DurabilityImpossibleException),
    (309, E.DurabilitySyncWriteAmbiguousException), (310, E.DurableWriteInProgressException),
    (312, E.MutationLostException), (1032, E.DurabilityTooManyException), (313, E.PathNotFoundException),
    (323, E.PathExistsException), (314, E.PathMismatchException), (315, E.PathInvalidException),
    (320, E.DocumentNotJsonException), (321, E.NumberTooBigException), (324, E.XattrException),
    (1046, E.InvalidDeltaException), (1043, E.NotStoredException), (1043, E.DocumentNotFoundException),
    (208, E.ParsingFailedException), (401, E.PlanningFailureException), (218, E.IndexNotFoundException),
    (219, E.IndexExistsException), (403, E.PreparedStatementFailureException), (1054, E.QueryException),
    (501, E.AnalyticsException), (701, E.ViewNotFoundException), (702, E.DesignDocumentNotFoundException),
    (1024, E.ConnectionRefusedException), (1026, E.ConnectionResetException),
    (1049, E.NameResolutionException), (1050, E.ProtocolException), (1048, E.NetworkException),
    (1002, E.SSLException), (1003, E.TLSException), (1000, E.SSLException),
    (214, E.UnsupportedOperationException), (1029, E.FeatureUnavailableException),
    (204, E.ServiceUnavailableException), (1045, E.InternalSDKException), (202, E.RequestCanceledException),
    (220, E.RateLimitedException), (221, E.QuotaLimitedException), (1016, E.ConfigurationException),
    (212, E.EncodingFailureException), (213, E.ValueFormatException), (1053, E.HTTPException),
    (203, E.InvalidArgumentException), (203, ValueError), (1052, E.KeyFormatException),
    (1008, E.InvalidArgumentException),
])
def test_exception_for(rc, cls):
    exc = E.exception_for(rc)
    assert isinstance(exc, cls) and isinstance(exc, E.CouchbaseException)
    assert exc.rc == rc and exc.inner_cause is None and exc.context is None and exc.all_results is None
    assert exc.message == f"{E.status_name(rc)} ({rc}): {E.status_description(rc)}"
    assert str(exc) == exc.message


def test_exception_for_with_message_context_and_cause():
    cause = OSError("boom")
    ctx = E.KeyValueErrorContext(key="k", bucket="default", opaque=7, status_code=1,
                                 endpoint="127.0.0.1:11210")
    exc = E.exception_for(301, "get of 'k' failed", context=ctx, inner_cause=cause)
    assert exc.message == "get of 'k' failed [LCB_ERR_DOCUMENT_NOT_FOUND (301)]"
    assert exc.inner_cause is cause and exc.__cause__ is cause and exc.context is ctx and exc.key == "k"
    text = str(exc)
    assert "caused by OSError: boom" in text and "key='k'" in text and "endpoint='127.0.0.1:11210'" in text
    assert repr(exc).startswith("DocumentNotFoundException(rc=301, message=\"get of 'k' failed [LCB_ERR_DOC")
    # a message that already names the status is kept as is
    same = E.exception_for(301, "LCB_ERR_DOCUMENT_NOT_FOUND (301): custom")
    assert same.message == "LCB_ERR_DOCUMENT_NOT_FOUND (301): custom"


def test_repr_format():
    exc = E.exception_for(301, context=E.KeyValueErrorContext(key="a"))
    assert repr(exc) == ("DocumentNotFoundException(rc=301, message='LCB_ERR_DOCUMENT_NOT_FOUND (301): "
                         "Document is not found', context=KeyValueErrorContext(key='a'))")


def test_unknown_status():
    exc = E.exception_for(99999)
    assert type(exc) is E.CouchbaseException and exc.rc == 99999
    assert "99999" in str(exc) and E.class_for(99999) is E.CouchbaseException
    assert E.status_name(99999) == "LCB_ERR_UNKNOWN" and "99999" in E.status_description(99999)
    odd = E.exception_for(4242, "odd")
    assert odd.message == "odd [LCB_ERR_UNKNOWN (4242)]"


def test_direct_construction_and_defaults():
    exc = E.ObjectClosedException()
    assert exc.message == "The cluster, bucket or connection is closed." and exc.rc is None
    exc = E.InvalidArgumentException(message="bad timeout")
    assert str(exc) == "bad timeout" and exc.args == ("bad timeout",)
    assert E.CouchbaseError is E.CouchbaseException
    with_rc = E.TimeoutException(rc=201)
    assert with_rc.message.startswith("LCB_ERR_TIMEOUT (201)")


def test_builtin_bases_for_argument_errors():
    assert issubclass(E.InvalidArgumentException, ValueError)
    assert issubclass(E.InvalidArgumentTypeException, TypeError)
    assert issubclass(E.InvalidArgumentTypeException, ValueError)
    assert issubclass(E.KeyFormatException, ValueError) and issubclass(E.KeyFormatTypeException, TypeError)
    assert issubclass(E.KeyFormatTypeException, E.KeyFormatException)
    assert issubclass(E.ValueFormatException, ValueError)
    assert issubclass(E.DecodingFailureException, E.ValueFormatException)
    # SDK 4.x: InvalidValueException is what a sub-document value that cannot be inserted raises
    assert issubclass(E.SubdocCantInsertValueException, E.InvalidValueException)
    assert not issubclass(E.ValueFormatException, E.InvalidValueException)
    assert not issubclass(E.TimeoutException, TimeoutError)


def test_every_exception_class_is_a_couchbase_exception_with_a_docstring():
    classes = [v for k, v in vars(E).items() if k.endswith("Exception") and isinstance(v, type)]
    assert len(classes) > 90
    for cls in classes:
        assert issubclass(cls, E.CouchbaseException), cls
        assert cls.__doc__ and cls.__doc__.strip(), cls
    for name in ("ClusterClosedException", "TLSException", "DeltaBadValueException",
                 "InvalidConfigurationException", "DocumentTooDeepException", "PipelineException",
                 "NoReplicasException", "DocumentNotLockedException", "ObjectThreadException"):
        assert issubclass(getattr(E, name), E.CouchbaseException)


def test_error_contexts():
    kv = E.KeyValueErrorContext(key="k", status_code=0x86, node="10.0.0.1:11210", context="locked", ref="r1")
    assert kv.endpoint == kv.node == "10.0.0.1:11210" and kv.status == 0x86
    assert kv.bucket is None and kv.anything_else is None and kv.get("ref") == "r1"
    assert repr(kv) == ("KeyValueErrorContext(key='k', status_code=134, endpoint='10.0.0.1:11210', "
                        "ref='r1', context='locked')")
    q = E.QueryErrorContext(statement="SELEC 1", errors=[{"code": 3000, "msg": "syntax error"}],
                            http_status=400, client_context_id="abc", first_error_code=3000, service="query")
    assert q.status == 400 and q.errors[0]["code"] == 3000
    assert repr(q).startswith("QueryErrorContext(statement='SELEC 1', errors=[{'code': 3000")
    assert q == E.QueryErrorContext(**q.as_dict()) and q != kv
    long = E.HTTPErrorContext(body="x" * 5000)
    assert len(repr(long)) < 1100
    with pytest.raises(AttributeError):
        kv._private  # noqa: B018


def test_multi_results_and_split():
    class Res:
        def __init__(self, success):
            self.success = success

    class Multi(dict):
        exceptions = {"b": E.DocumentNotFoundException()}

    exc = E.DocumentNotFoundException()
    exc.all_results = Multi(a=Res(True), b=Res(False))
    ok, failed = exc.split_results()
    assert list(ok) == ["a"] and list(failed) == ["b"]
    assert E.CouchbaseException().split_results() == ({}, {})


def test_pickle_and_copy_keep_the_fields():
    ctx = E.KeyValueErrorContext(key="k", opaque=3)
    exc = E.exception_for(305, context=ctx, inner_cause=KeyError("x"))
    exc.all_results = {"k": object()}
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is E.DocumentExistsException and back.rc == 305 and back.message == exc.message
    assert back.context == ctx and isinstance(back.inner_cause, KeyError) and back.all_results is None
    assert str(back) == str(exc)
    clone = copy.copy(exc)
    assert clone.rc == 305 and clone.context is ctx


def test_str_names_a_cause_without_repeating_it():
    quiet = E.ValueFormatException("decoding failed", inner_cause=KeyError())
    assert str(quiet) == "decoding failed (caused by KeyError)"
    quoted = E.ValueFormatException("decoding failed: bad byte", inner_cause=ValueError("bad byte"))
    assert str(quoted) == "decoding failed: bad byte"


def test_star_import_exports_every_exception():
    namespace = {}
    exec("from couchbase.exceptions import *", namespace)
    assert namespace["DocumentNotFoundException"] is E.DocumentNotFoundException
    assert namespace["exception_for"] is E.exception_for
    assert namespace["CouchbaseError"] is E.CouchbaseException
    assert "_restore" not in namespace and "STATUS_TABLE" in namespace


def test_context_status_alias():
    assert E.KeyValueErrorContext(status=1).status_code == 1


def test_key_property_can_be_assigned():
    exc = E.DocumentNotFoundException(context={"key": "from-ctx"})
    assert exc.key == "from-ctx"
    exc.key = "explicit"
    assert exc.key == "explicit"
