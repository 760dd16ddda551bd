"""Security faults: a wrong password, leaked passwords, untrusted TLS.

One 2-node mock with TLS and a distinctive password serves the file.

* A wrong password fails fast (under ``FAST`` seconds) with ``AuthenticationException``
  on every front end, and libcouchbase does not storm the server: the mock counts the
  SASL exchanges started and the credentials it rejected (``info()["auth_mechanisms"]``
  and ``["auth_failures"]``); one attempt per node per connection is allowed, and a
  second operation or idle time adds none.
* The password never appears: not in libcouchbase's log at TRACE level routed to
  Python logging (in process, and on the stderr of a child process that also asks
  libcouchbase for its console log), not in the ``repr``/``str`` of clusters, buckets,
  scopes, collections, connections, authenticators, options or results, not in
  exceptions (bad password, bad bucket, timeout, malformed connection strings) with
  their tracebacks, and not in echoes of a connection string that carried it as a
  ``password=`` setting or as ``user:password@``. Checked in plain text, base64 of
  ``user:password`` (HTTP Basic) and percent-encoded.
* TLS: a certificate the client does not trust (no CA given, or another CA) fails
  fast with ``SSLException`` (``LCB_ERR_SSL_CANTVERIFY``, 1003) on every front end;
  with the mock's CA (``cert_path=``) KV and N1QL work on every front end.
"""
from __future__ import annotations

import asyncio
import base64
import logging
import os
import subprocess
import sys
import textwrap
import time
import traceback
import types
import urllib.parse
from typing import Any, Callable, Iterator, List, Tuple

import pytest

from couchbase._instance import live_connections
from couchbase.auth import PasswordAuthenticator
from couchbase.cluster import Cluster
from couchbase.exceptions import (
    AuthenticationException,
    BucketNotFoundException,
    CouchbaseException,
    InvalidArgumentException,
    SSLException,
    TimeoutException,
)
from couchbase.options import ClusterOptions, UpsertOptions
from couchbase_mock import MockCluster
from support.frontends import FRONT_ENDS, BlockingView, selected

USER = "Administrator"
PASSWORD = "Zq7-fault-S3kr1t-pa55w0rd!"
WRONG = "Wr0ng-" + PASSWORD
FAST = 3.0  # seconds a refused connection may take (its real cost is milliseconds)
NODES = 2
SSL_CANTVERIFY = 1003

pytestmark = pytest.mark.timeout(300)


def secret_forms(password: str) -> List[str]:
    """The ways a password can show up in text: as is, percent-encoded, in HTTP Basic auth."""
    forms = {password, urllib.parse.quote(password, safe=""), urllib.parse.quote_plus(password)}
    for who in (USER, ""):
        forms.add(base64.b64encode(f"{who}:{password}".encode()).decode())
    return sorted(forms)


def assert_no_secret(text: str, what: str) -> None:
    for secret in (PASSWORD, WRONG):
        for form in secret_forms(secret):
            assert form not in text, f"{what} shows a password ({form!r}): {text[:2000]}"


def exception_text(exc: BaseException) -> str:
    """Everything an exception shows: str, repr, context, and the whole chained traceback."""
    parts = [str(exc), repr(exc), repr(exc.args), repr(getattr(exc, "context", None))]
    parts += traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def secure() -> Iterator[MockCluster]:
    """A 2-node mock with TLS ports, whose one user has :data:`PASSWORD`."""
    with MockCluster(nodes=NODES, replicas=1, buckets=["default"], password=PASSWORD, tls=True) as mock:
        yield mock


def as_mock(mock: MockCluster, connstr: str) -> Any:
    """What the front-end factories read from a mock, with another connection string."""
    return types.SimpleNamespace(connstr=connstr, username=mock.username, password=mock.password)


def attempts(mock: MockCluster) -> Tuple[int, int]:
    """(SASL exchanges started, credentials rejected) so far."""
    info = mock.info()
    return sum(info["auth_mechanisms"].values()), info["auth_failures"]


def idle(front_end: str, view: Any, seconds: float) -> None:
    """Let ``front_end``'s loop run for ``seconds`` (whatever libcouchbase would retry, it does now)."""
    if front_end in ("asyncio", "uvloop"):
        view.loop.run_until_complete(asyncio.sleep(seconds))
    elif front_end == "raw":
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            view.loop.run_once(0.05)
    elif front_end in ("twisted", "txraw"):
        from support.frontends.twisted_fe import turn_reactor

        turn_reactor(seconds)
    elif front_end == "gevent":
        import gevent

        gevent.sleep(seconds)
    else:
        time.sleep(seconds)  # the blocking API does I/O only inside a call


def open_or_fail(front_end: str, mock: Any, first_op: Callable[[Any], Any], **cluster_kw: Any) -> Tuple[
        BaseException, float, Any, Callable[[], None]]:
    """Open ``front_end`` and run ``first_op(view)``, which must fail: (the error, seconds it
    took, the view or None, close)."""
    start = time.monotonic()
    view, close = None, (lambda: None)
    try:
        view, close = FRONT_ENDS[front_end](mock, **cluster_kw)
        first_op(view)
    except CouchbaseException as exc:
        return exc, time.monotonic() - start, view, close
    close()
    raise AssertionError(f"{front_end}: the operation succeeded")


@pytest.mark.parametrize("front_end", selected())
def test_wrong_password_fails_fast_without_retry_storm(secure: MockCluster, front_end: str) -> None:
    before = attempts(secure)
    live_before = len(live_connections())
    err, took, view, close = open_or_fail(front_end, secure, lambda v: v.get("k"),
                                          authenticator=PasswordAuthenticator(USER, WRONG))
    try:
        assert type(err) is AuthenticationException, repr(err)
        assert took < FAST, f"{front_end}: {took:.2f}s"
        assert_no_secret(exception_text(err), "the error")
        started, rejected = attempts(secure)
        # one SASL exchange per node for each of the cluster and bucket connections at most
        assert 1 <= started - before[0] <= 2 * NODES, (before, started)
        assert rejected - before[1] == started - before[0]
        if view is not None:  # a second operation and idle time retry nothing
            again = _fails(lambda: view.get("k2"))
            assert type(again) is AuthenticationException, repr(again)
            idle(front_end, view, 0.5)
        assert attempts(secure) == (started, rejected)
    finally:
        close()
    assert len(live_connections()) <= live_before


def _fails(op: Callable[[], Any]) -> BaseException:
    try:
        op()
    except CouchbaseException as exc:
        return exc
    raise AssertionError("the operation succeeded")


class _Capture(logging.Handler):
    """Keeps every formatted record of the SDK's loggers."""

    def __init__(self) -> None:
        super().__init__(level=1)
        self.lines: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in ("couchbase", "acouchbase", "txcouchbase", "gcouchbase"):
            self.lines.append(f"{record.name} {record.levelno} {record.getMessage()}")


@pytest.fixture
def trace_log() -> Iterator[_Capture]:
    """libcouchbase logging at TRACE (level 5) into a capturing handler, restored afterwards."""
    capture = _Capture()
    root, lcb = logging.getLogger(), logging.getLogger("couchbase.lcb")
    old = root.level, lcb.level
    root.addHandler(capture)
    root.setLevel(1)
    lcb.setLevel(1)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.setLevel(old[0])
        lcb.setLevel(old[1])  # the next Connection sets libcouchbase's level from it again


def _trace_workload(mock: MockCluster) -> None:
    """Connect, KV, N1QL over HTTP Basic auth, TLS, a wrong password, a missing bucket, a
    password in the connection string: everything that handles the password."""
    opts = ClusterOptions(PasswordAuthenticator(USER, PASSWORD))
    with Cluster(mock.connstr + f"?password={PASSWORD}", opts, kv_timeout=2.5) as cluster:
        coll = cluster.bucket("default").default_collection()
        coll.upsert("trace", {"a": 1})
        assert coll.get("trace").value == {"a": 1}
        assert list(cluster.query("SELECT RAW 1")) == [1]
        with pytest.raises(BucketNotFoundException):
            cluster.bucket("no-such-bucket")
    with Cluster(mock.tls_connstr, opts, cert_path=mock.ca_cert_path) as cluster:
        cluster.bucket("default").default_collection().upsert("trace-tls", 1)
    with pytest.raises(AuthenticationException):
        Cluster(mock.connstr, ClusterOptions(PasswordAuthenticator(USER, WRONG)))


def test_trace_log_never_shows_the_password(secure: MockCluster, trace_log: _Capture) -> None:
    _trace_workload(secure)
    text = "\n".join(trace_log.lines)
    assert "Effective connection string" in text and len(trace_log.lines) > 100  # TRACE really was on
    assert any(" 5 " in line for line in trace_log.lines)
    assert_no_secret(text, "the TRACE log")


CHILD = textwrap.dedent("""
    import logging, os, sys
    logging.basicConfig(level=1, stream=sys.stderr)
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.exceptions import CouchbaseException
    from couchbase.options import ClusterOptions

    password = os.environ.pop("FAULT_PW")
    connstr = sys.argv[1]
    with Cluster(connstr + "?console_log_level=5&password=" + password,
                 ClusterOptions(PasswordAuthenticator("Administrator", password))) as c:
        coll = c.bucket("default").default_collection()
        coll.upsert("child", 1)
        print(repr(c), repr(c._conn), repr(coll.get("child")), list(c.query("SELECT RAW 1")))
    try:
        Cluster(connstr, ClusterOptions(PasswordAuthenticator("Administrator", "Wr0ng-" + password)))
    except CouchbaseException as exc:
        print(repr(exc))
""")


def test_child_process_output_never_shows_the_password(secure: MockCluster) -> None:
    """Everything a process writes (stdout, stderr) with Python logging at level 1 and
    libcouchbase asked for TRACE through LCB_LOGLEVEL and console_log_level."""
    env = dict(os.environ, FAULT_PW=PASSWORD, LCB_LOGLEVEL="5")
    out = subprocess.run([sys.executable, "-c", CHILD, secure.connstr], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "AuthenticationException" in out.stdout and "Effective connection string" in out.stderr
    assert_no_secret(out.stdout + out.stderr, "the child's output")


def _bad_connstrs(mock: MockCluster) -> List[str]:
    hosts = mock.connstr.split("://", 1)[1]
    return [
        f"couchbase://{USER}:{PASSWORD}@{hosts}",  # user-info: refused
        f"mysql://{USER}:{PASSWORD}@{hosts}?password={PASSWORD}",  # bad scheme
        f"couchbase://{hosts}?password={PASSWORD}&no_such_setting=1",  # libcouchbase refuses the setting
        f"couchbase://{hosts}?password={PASSWORD}&operation_timeout=abc",
        f"couchbase://?password={PASSWORD}",  # no host
    ]


def test_errors_from_bad_connection_strings_hide_the_password(secure: MockCluster) -> None:
    opts = ClusterOptions(PasswordAuthenticator(USER, PASSWORD))
    for connstr in _bad_connstrs(secure):
        with pytest.raises(CouchbaseException) as info:
            Cluster(connstr, opts)
        assert_no_secret(exception_text(info.value), f"the error for {connstr.split('://')[0]}")
    for bad_options in (PASSWORD, (USER, PASSWORD)):  # credentials passed where options go
        with pytest.raises(InvalidArgumentException) as info:
            Cluster(secure.connstr, bad_options)  # type: ignore[arg-type]
        assert_no_secret(exception_text(info.value), "the error for bad options")
    with pytest.raises(InvalidArgumentException) as info:
        Cluster(secure.connstr, ClusterOptions(authenticator=(USER, PASSWORD)))
    assert_no_secret(exception_text(info.value), "the error for a bad authenticator")


def test_password_setting_in_connection_string_is_used_not_echoed(secure: MockCluster) -> None:
    """``?password=`` still authenticates when the authenticator has none, and is never kept."""
    with Cluster(secure.connstr + "?password=" + urllib.parse.quote(PASSWORD),
                 ClusterOptions(PasswordAuthenticator(USER, ""))) as cluster:
        coll = cluster.bucket("default").default_collection()
        coll.upsert("from-connstr", 1)
        for obj in (cluster, cluster._conn, coll._conn):
            assert_no_secret(repr(obj), "a repr")
        assert "password" not in coll._conn.connstr


@pytest.mark.parametrize("front_end", selected())
def test_reprs_and_errors_hide_the_password(secure: MockCluster, front_end: str) -> None:
    """On every front end: reprs of everything the user holds, and the errors of a missing
    bucket and a timeout, for a cluster whose connection string also carried the password."""
    view, close = FRONT_ENDS[front_end](as_mock(secure, secure.connstr + f"?password={PASSWORD}"),
                                        kv_timeout=0.3)
    try:
        cluster = view.cluster
        bucket = cluster.bucket("default")
        shown = [cluster, bucket, bucket.default_scope(), view, cluster._conn, bucket._conn,
                 PasswordAuthenticator(USER, PASSWORD), ClusterOptions(PasswordAuthenticator(USER, PASSWORD)),
                 ClusterOptions(username=USER, password=PASSWORD), UpsertOptions(timeout=1),
                 view.upsert("repr", {"a": 1}), view.get("repr")]
        for obj in shown:
            assert_no_secret(repr(obj) + str(obj), f"{type(obj).__name__}")
        missing = _fails(lambda: _use_bucket(view, "no-such-bucket"))
        assert isinstance(missing, BucketNotFoundException), repr(missing)
        assert_no_secret(exception_text(missing), "the missing-bucket error")
        secure.set_latency(1000)  # libcouchbase checks timeouts on a kv_timeout tick: make that short
        try:
            slow = _fails(lambda: view.get("repr"))
        finally:
            secure.set_latency(0)
        assert isinstance(slow, TimeoutException), repr(slow)
        assert_no_secret(exception_text(slow), "the timeout error")
    finally:
        close()


def _use_bucket(view: Any, name: str) -> Any:
    """Read from bucket ``name`` of the view's cluster, waiting on the view's front end."""
    coll = view.cluster.bucket(name).default_collection()
    if isinstance(view, BlockingView):
        coll = BlockingView(coll, view._resolve, view._is_pending, view.track)
    return coll.get("k")


@pytest.mark.parametrize("front_end", selected())
@pytest.mark.parametrize("trust", ["no CA", "another CA"])
def test_untrusted_certificate_fails_fast_with_ssl_exception(secure: MockCluster, front_end: str,
                                                             trust: str, tmp_path: Any) -> None:
    kw = {}
    if trust == "another CA":
        import trustme

        other = tmp_path / "other-ca.pem"
        other.write_bytes(trustme.CA().cert_pem.bytes())
        kw["cert_path"] = str(other)
    before = attempts(secure)
    tls = as_mock(secure, secure.tls_connstr)
    err, took, _view, close = open_or_fail(front_end, tls, lambda v: v.get("k"), **kw)
    close()
    assert type(err) is SSLException and err.rc == SSL_CANTVERIFY, repr(err)
    assert "SSL" in str(err), str(err)
    assert took < FAST, f"{front_end}: {took:.2f}s"
    assert attempts(secure) == before  # no credentials were sent to the unverified server


@pytest.mark.parametrize("front_end", selected())
def test_tls_with_the_right_ca_works_for_kv_and_query(secure: MockCluster, front_end: str) -> None:
    view, close = FRONT_ENDS[front_end](as_mock(secure, secure.tls_connstr), cert_path=secure.ca_cert_path)
    try:
        key = f"tls-{front_end}-{os.getpid()}"
        view.upsert(key, {"secure": front_end})
        assert view.get(key).value == {"secure": front_end}
        rows, meta = view.collect_rows(view.cluster.query(
            "SELECT RAW d.secure FROM `default` d USE KEYS $1", positional_parameters=[key]))
        assert rows == [front_end] and meta.status() == "success"
        connstr = view.cluster._conn.connstr
        assert connstr.startswith("couchbases://") and "truststorepath" in connstr
    finally:
        close()
