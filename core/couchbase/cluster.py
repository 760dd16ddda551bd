"""Blocking Cluster: the entry point of the ``couchbase`` package.

``Cluster(connstr, ClusterOptions(PasswordAuthenticator(user, pw)))`` opens a
cluster-level connection at once (so a wrong password, an unreachable host or
a bad certificate raise here, typed); ``cluster.bucket(name)`` opens a bucket
connection. Settings and timeouts go to libcouchbase as connection-string
settings; credentials are passed separately and never appear in the string.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional

from couchbase import _connstr, _kv, _requests
from couchbase import options as _o
from couchbase._common import ClusterCommon, check_name
from couchbase._instance import LOCKMODE_WAIT, Connection
from couchbase.auth import Authenticator, PasswordAuthenticator
from couchbase.bucket import Bucket
from couchbase.exceptions import InvalidArgumentException, ObjectClosedException
from couchbase.results import DiagnosticsResult, PingResult
from couchbase.transcoder import DefaultTranscoder, Transcoder

if TYPE_CHECKING:
    from couchbase.analytics import AnalyticsResult
    from couchbase.n1ql import QueryResult
    from couchbase.search import SearchResult

# option name -> libcouchbase setting (seconds)
TIMEOUT_SETTINGS = {
    "kv_timeout": "operation_timeout",
    "query_timeout": "query_timeout",
    "views_timeout": "views_timeout",
    "analytics_timeout": "analytics_timeout",
    "search_timeout": "search_timeout",
    "management_timeout": "http_timeout",
    "durability_timeout": "durability_timeout",
    "config_total_timeout": "config_total_timeout",
    "connect_timeout": "config_total_timeout",
    "config_node_timeout": "config_node_timeout",
}
_CLUSTER_OPTIONS = frozenset(
    {"authenticator", "timeout_options", "transcoder", "quiet", "lockmode", "cert_path",
     "enable_mutation_tokens", "username", "password", "enable_tracing", "enable_metrics"}
    | set(TIMEOUT_SETTINGS)
)


def resolve_settings(connstr: str, options: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Merge ClusterOptions and keywords; check every value. Shared by every front end."""
    if options is not None and not isinstance(options, Mapping):  # not echoed: it may be a password
        raise InvalidArgumentException(
            message=f"Cluster options must be ClusterOptions(...), got a {type(options).__name__}")
    opts = _o.merge("Cluster", _CLUSTER_OPTIONS, (options,) if options is not None else (), kwargs)
    connstr, in_connstr = _connstr.take_credentials(connstr)
    auth = opts.get("authenticator")
    if auth is None and "username" in opts:
        auth = PasswordAuthenticator(opts.get("username", ""), opts.get("password", ""))
    if auth is None:
        raise InvalidArgumentException(
            message="Cluster needs ClusterOptions(PasswordAuthenticator(user, password))")
    if not isinstance(auth, Authenticator):
        raise InvalidArgumentException(
            message=f"authenticator must be a PasswordAuthenticator, got a {type(auth).__name__}")
    settings: Dict[str, str] = {}
    timeouts = dict(opts.get("timeout_options") or {})
    timeouts.update({k: v for k, v in opts.items() if k in TIMEOUT_SETTINGS})
    for name, value in timeouts.items():
        if name not in TIMEOUT_SETTINGS:
            raise InvalidArgumentException(message=f"unknown timeout option {name!r}")
        settings[TIMEOUT_SETTINGS[name]] = repr(_o.to_seconds(name, value))
    cert = opts.get("cert_path") or getattr(auth, "cert_path", None)
    if cert:
        if not _connstr.is_tls(connstr):
            raise InvalidArgumentException(
                message="cert_path is only valid with a couchbases:// connection string")
        # libcouchbase 3 verifies servers against the trust store; certpath alone is the client cert
        settings["truststorepath"] = str(cert)
    if opts.get("enable_mutation_tokens") is False:
        settings["enable_mutation_tokens"] = "false"
    # libcouchbase's threshold-logging tracer and operation metrics are on by default, as in the
    # official SDK; the tracer costs about a sixth of the client CPU of a small get.
    for name, setting in (("enable_tracing", "enable_tracing"),
                          ("enable_metrics", "enable_operation_metrics")):
        if name in opts:
            if not isinstance(opts[name], bool):
                raise InvalidArgumentException(message=f"{name} must be True or False, got {opts[name]!r}")
            settings[setting] = "true" if opts[name] else "false"
    transcoder = opts.get("transcoder") or DefaultTranscoder()
    if not isinstance(transcoder, Transcoder) and not hasattr(transcoder, "encode_value"):
        raise InvalidArgumentException(message=f"transcoder must be a Transcoder, got {transcoder!r}")
    lockmode = opts.get("lockmode", LOCKMODE_WAIT)
    _connstr.split(connstr)  # validates
    user, password = auth.credentials()
    # credentials written into the connection string still count where the authenticator gives none
    user, password = user or in_connstr.get("username", ""), password or in_connstr.get("password", "")
    return {"connstr": connstr, "settings": settings, "username": user, "password": password,
            "transcoder": transcoder,
            "quiet": bool(opts.get("quiet", False)), "lockmode": lockmode}


class Cluster(ClusterCommon):
    """A Couchbase cluster (blocking API).

    :param connstr: ``couchbase://host[,host…][?settings]``, ``couchbases://…``
        for TLS (with ``cert_path`` in the options or authenticator), or
        ``http://host:port``.
    :param options: :class:`~couchbase.options.ClusterOptions`.
    :param kwargs: any ClusterOptions field (``kv_timeout=…``, ``lockmode=…``).
    :raises AuthenticationException: wrong credentials.
    :raises TimeoutException / NetworkException: nothing reachable.
    """

    def __init__(self, connstr: str, options: Optional[_o.ClusterOptions] = None, **kwargs: Any) -> None:
        cfg = resolve_settings(connstr, options, kwargs)
        self._connstr: str = cfg["connstr"]  # without credentials: reprs, errors and lcb's log quote it
        self._settings: Dict[str, str] = cfg["settings"]
        self._username: str = cfg["username"]
        self.__password: str = cfg["password"]
        self._transcoder: Transcoder = cfg["transcoder"]
        self._quiet_default: bool = cfg["quiet"]
        self._lockmode: int = cfg["lockmode"]
        self._buckets: Dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._conn = self._open(bucket="")

    @classmethod
    def connect(cls, connstr: str, options: Optional[_o.ClusterOptions] = None, **kwargs: Any) -> "Cluster":
        """Same as ``Cluster(...)`` (SDK 4.x spelling)."""
        return cls(connstr, options, **kwargs)

    def _open(self, bucket: str) -> Connection:
        full = _connstr.build(self._connstr, bucket, self._settings)
        conn = Connection(full, self._username, self.__password, cluster_level=not bucket,
                          lockmode=self._lockmode, bucket_name=bucket or None)
        try:
            conn.connect_blocking()
        except BaseException:
            conn.close()
            raise
        return conn

    def bucket(self, name: str) -> Bucket:
        """Open (once) and return a bucket."""
        check_name("bucket", name)
        if self._closed:
            raise ObjectClosedException(message="the cluster is closed")
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None or bucket.closed:
                bucket = Bucket(self, name, self._open(name))
                self._buckets[name] = bucket
            return bucket

    def _run(self, schedule: Any) -> Any:
        return self._conn.run(schedule)

    # ---- query services ------------------------------------------------------
    def query(self, statement: str, *options: Any, **kwargs: Any) -> "QueryResult":
        """Run a N1QL statement; rows stream as they arrive.

        ``cluster.query("SELECT * FROM b WHERE x=$1", QueryOptions(positional_parameters=[1]))``;
        extra positional arguments that are not options are positional parameters.
        """
        return _requests.blocking(_requests.query(statement, options, kwargs), self._conn)

    def analytics_query(self, statement: str, *options: Any, **kwargs: Any) -> "AnalyticsResult":
        """Run an analytics statement; rows stream as they arrive."""
        return _requests.blocking(_requests.analytics(statement, options, kwargs), self._conn)

    def search_query(self, index: str, query: Any, *options: Any, **kwargs: Any) -> "SearchResult":
        """Run a full-text search on ``index``; hits stream as they arrive."""
        return _requests.blocking(_requests.search(index, query, options, kwargs), self._conn)

    def ping(self, timeout: Any = None) -> PingResult:
        """Ping the cluster's services (KV and HTTP)."""
        return self._run(lambda: _kv.schedule_ping(self._conn, timeout))

    def diagnostics(self) -> DiagnosticsResult:
        """State of each open connection."""
        return self._run(lambda: _kv.schedule_diagnostics(self._conn))

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Cluster(connstr={self._connstr!r}, username={self._username!r}, "
                f"buckets={list(self._buckets)})")
