"""Blocking Cluster: the entry point of the ``couchbase`` package.

``Cluster(connstr, ClusterOptions(PasswordAuthenticator(user, pw)))`` opens a
cluster-level connection at once (so a wrong password, an unreachable host or
a bad certificate raise here, typed); ``cluster.bucket(name)`` opens a bucket
connection. Settings and timeouts go to libcouchbase as connection-string
settings; credentials are passed separately and never appear in the string.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple

from couchbase import _connstr, _health, _observe, _requests
from couchbase import options as _o
from couchbase._common import ClusterCommon, check_name
from couchbase._generic import Specialized
from couchbase._instance import CLUSTER_CLOSED, LOCKMODE_WAIT, Connection
from couchbase.auth import Authenticator, CertificateAuthenticator, PasswordAuthenticator
from couchbase.bucket import Bucket
from couchbase.exceptions import FeatureUnavailableException, InvalidArgumentException, ObjectClosedException
from couchbase.management._access import ClusterManagement
from couchbase.management._http import Program, run_blocking
from couchbase.n1ql import QueryScanConsistency  # noqa: F401

# 3.x spellings: unported code imports these from couchbase.cluster
from couchbase.options import (  # noqa: F401
    AnalyticsOptions,
    ClusterOptions,
    ClusterTimeoutOptions,
    ClusterTracingOptions,
    DiagnosticsOptions,
    PingOptions,
    QueryOptions,
    SearchOptions,
    WaitUntilReadyOptions,
)
from couchbase.results import ClusterInfoResult, DiagnosticsResult, PingResult
from couchbase.transcoder import JSONTranscoder, Transcoder

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase._bound import (  # noqa: F401
        BlockingAnalyticsIndexManager,
        BlockingBucketManager,
        BlockingEventingFunctionManager,
        BlockingQueryIndexManager,
        BlockingSearchIndexManager,
        BlockingUserManager,
    )
    from couchbase._kwargs import (
        AnalyticsArg,
        DiagnosticsArg,
        DiagnosticsKwargs,
        PingArg,
        PingKwargs,
        QueryArg,
        SearchQueryArg,
        Seconds,
        WaitUntilReadyKwargs,
    )

    # named in the class statements' quoted type arguments
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
# SDK 4.x ClusterOptions fields that map onto a libcouchbase setting: name -> (setting, kind)
_LCB_MAPPED = {
    "enable_compression": ("compression", "onoff"),
    "enable_tcp_keep_alive": ("tcp_keepalive", "bool"),
    "enable_dns_srv": ("dnssrv", "bool"),
    "network": ("network", "str"),
    "user_agent_extra": ("client_string", "str"),
    "log_redaction": ("log_redaction", "bool"),
    "config_poll_interval": ("config_poll_interval", "secs"),
    "enable_unordered_execution": ("enable_unordered_execution", "bool"),
    "show_queries": (None, "bool"),
    "enable_clustermap_notification": (None, "bool"),
    "enable_orphan_reporting": (None, "bool"),
    "max_http_connections": ("max_http_sockets", "int"),
}
# accepted and validated, with no libcouchbase counterpart; documented in ClusterOptions
_ACCEPTED = {"tracing_options", "metrics_options", "orphan_reporting_options", "enable_tls", "tls_verify",
             "ip_protocol", "serializer", "tcp_keep_alive_interval", "config_poll_floor",
             "logging_meter_emit_interval", "compression", "compression_min_size", "compression_min_ratio",
             "dns_nameserver", "dns_port", "disable_mozilla_ca_certificates", "dump_configuration",
             "preferred_server_group", "enable_lazy_connections", "profile"}
# refused: this SDK cannot honour them, and pretending would be a silent no-op
_REFUSED = {"transaction_config": "distributed transactions are not available (libcouchbase 3 has none)"}
_CLUSTER_OPTIONS = frozenset(
    {"authenticator", "timeout_options", "transcoder", "quiet", "lockmode", "cert_path",
     "enable_mutation_tokens", "username", "password", "enable_tracing", "enable_metrics", "tracer", "meter"}
    | set(TIMEOUT_SETTINGS) | set(_LCB_MAPPED)
    | _ACCEPTED | set(_REFUSED)
)


def _lcb_value(name: str, kind: str, value: Any) -> str:
    if kind in ("bool", "onoff"):
        if not isinstance(value, bool):
            raise InvalidArgumentException(message=f"{name} must be True or False, got {value!r}")
        return ("on" if value else "off") if kind == "onoff" else ("true" if value else "false")
    if kind == "secs":
        return repr(_o.to_seconds(name, value))
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidArgumentException(message=f"{name} must be a non-negative int, got {value!r}")
        return str(value)
    if not isinstance(value, str):
        raise InvalidArgumentException(message=f"{name} must be a str, got {value!r}")
    return value


def resolve_settings(connstr: str, options: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Merge ClusterOptions and keywords and check every value (shared by every front end's Cluster).

    Args:
        connstr: The connection string; credentials in it (``couchbase://user:pass@host``) are taken
            out of it.
        options: A :class:`~couchbase.options.ClusterOptions`, or None.
        kwargs: ClusterOptions fields given as keywords (they win over ``options``).

    Returns:
        dict: ``connstr`` (without credentials), ``settings`` (libcouchbase settings by name),
        ``username``, ``password``, ``transcoder``, ``quiet`` and ``lockmode``.

    Raises:
        InvalidArgumentException: No authenticator, an unknown option or timeout name, a value of
            the wrong type, or ``cert_path`` without ``couchbases://``.
        FeatureUnavailableException: An option this SDK does not support (``transaction_config``).
    """
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
            message="authenticator must be a PasswordAuthenticator or CertificateAuthenticator, "
                    f"got a {type(auth).__name__}")
    settings: Dict[str, str] = {}
    timeouts = dict(opts.get("timeout_options") or {})
    timeouts.update({k: v for k, v in opts.items() if k in TIMEOUT_SETTINGS})
    for name, value in timeouts.items():
        if name not in TIMEOUT_SETTINGS:
            raise InvalidArgumentException(message=f"unknown timeout option {name!r}")
        settings[TIMEOUT_SETTINGS[name]] = repr(_o.to_seconds(name, value))
    if isinstance(auth, CertificateAuthenticator):
        if not _connstr.is_tls(connstr):
            raise InvalidArgumentException(
                message="CertificateAuthenticator needs a couchbases:// connection string")
        settings.update(auth.connstr_settings())
        cert = None if auth.trust_store_path is not None else opts.get("cert_path")
    else:
        cert = opts.get("cert_path") or getattr(auth, "cert_path", None)
    if cert:
        if not _connstr.is_tls(connstr):
            raise InvalidArgumentException(
                message="cert_path is only valid with a couchbases:// connection string")
        # libcouchbase 3 verifies servers against the trust store; certpath alone is the client cert
        settings["truststorepath"] = str(cert)
    for name, why in _REFUSED.items():
        if opts.get(name) is not None:
            raise FeatureUnavailableException(message=f"ClusterOptions({name}=...): {why}")
    for name, (setting, kind) in _LCB_MAPPED.items():
        if name in opts:
            value = _lcb_value(name, kind, opts[name])
            if setting is not None:
                settings[setting] = value
    for name in ("tls_verify", "ip_protocol"):
        if opts.get(name) is not None:
            value = getattr(opts[name], "value", opts[name])
            if name == "tls_verify":
                if value not in ("none", "peer", "no_verify"):
                    raise InvalidArgumentException(
                        message=f"tls_verify must be a TLSVerifyMode, got {opts[name]!r}")
                if value in ("none", "no_verify") and _connstr.is_tls(connstr):
                    settings["ssl"] = "no_verify"
            else:
                ipv6 = {"any": "allow", "force_ipv4": "disabled", "force_ipv6": "only"}.get(value)
                if ipv6 is None:
                    raise InvalidArgumentException(
                        message=f"ip_protocol must be an IpProtocol, got {opts[name]!r}")
                settings["ipv6"] = ipv6
    _observability_settings(opts, settings)
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
    # A tracer or meter of the user's replaces libcouchbase's threshold tracer or logging meter,
    # whatever enable_tracing / enable_metrics say (as in SDK 4.x).
    tracer, meter = opts.get("tracer"), opts.get("meter")
    if tracer is not None:
        _observe.check_tracer(tracer)
        settings["enable_tracing"] = "true"
    if meter is not None:
        _observe.check_meter(meter)
        settings["enable_operation_metrics"] = "true"
    serializer = opts.get("serializer")
    # SDK 4.x's default: everything as JSON; bytes (and string/binary documents) are refused with
    # ValueFormatException. DefaultTranscoder()/RawBinaryTranscoder() are there for bytes.
    transcoder = opts.get("transcoder") or (JSONTranscoder(serializer) if serializer is not None
                                            else JSONTranscoder())
    if not isinstance(transcoder, Transcoder) and not hasattr(transcoder, "encode_value"):
        raise InvalidArgumentException(message=f"transcoder must be a Transcoder, got {transcoder!r}")
    lockmode = opts.get("lockmode", LOCKMODE_WAIT)
    _connstr.split(connstr)  # validates
    user, password = auth.credentials()
    # credentials written into the connection string still count where the authenticator gives none
    user, password = user or in_connstr.get("username", ""), password or in_connstr.get("password", "")
    return {"connstr": connstr, "settings": settings, "username": user, "password": password,
            "transcoder": transcoder, "tracer": tracer, "meter": meter,
            "quiet": bool(opts.get("quiet", False)), "lockmode": lockmode,
            "preferred_server_group": _server_group(opts.get("preferred_server_group"))}


# The option blocks of libcouchbase's threshold tracer, orphan reporter and operation metrics:
# block -> {field: (libcouchbase setting or None, kind)}. A field with no setting is accepted because
# the official SDK has it, and documented as having no effect (libcouchbase traces no such service).
_OBSERVABILITY_FIELDS: Dict[str, Dict[str, Tuple[Optional[str], str]]] = {
    "tracing_options": {
        "enable_tracing": ("enable_tracing", "bool"),
        "tracing_threshold_kv": ("tracing_threshold_kv", "secs"),
        "tracing_threshold_query": ("tracing_threshold_query", "secs"),
        "tracing_threshold_view": ("tracing_threshold_view", "secs"),
        "tracing_threshold_search": ("tracing_threshold_search", "secs"),
        "tracing_threshold_analytics": ("tracing_threshold_analytics", "secs"),
        "tracing_threshold_eventing": (None, "secs"),
        "tracing_threshold_management": (None, "secs"),
        "tracing_threshold_queue_size": ("tracing_threshold_queue_size", "int"),
        "tracing_threshold_queue_flush_interval": ("tracing_threshold_queue_flush_interval", "secs"),
        "tracing_orphaned_queue_size": ("tracing_orphaned_queue_size", "int"),
        "tracing_orphaned_queue_flush_interval": ("tracing_orphaned_queue_flush_interval", "secs"),
    },
    "orphan_reporting_options": {
        "enable_orphan_reporting": (None, "bool"),  # False: a queue of size 0 (below)
        "sample_size": ("tracing_orphaned_queue_size", "int"),
        "emit_interval": ("tracing_orphaned_queue_flush_interval", "secs"),
    },
    "metrics_options": {
        "enable_metrics": ("enable_operation_metrics", "bool"),
        "metrics_emit_interval": ("operation_metrics_flush_interval", "secs"),
        "emit_interval": ("operation_metrics_flush_interval", "secs"),
    },
}


def _observability_settings(opts: Mapping[str, Any], settings: Dict[str, str]) -> None:
    """Apply ``tracing_options``, ``orphan_reporting_options``, ``metrics_options`` and
    ``enable_orphan_reporting`` to libcouchbase's settings (checked; an unknown field is an error)."""
    for block, fields in _OBSERVABILITY_FIELDS.items():
        given = opts.get(block)
        if given is None:
            continue
        if not isinstance(given, Mapping):
            raise InvalidArgumentException(message=f"{block} must be an options block, got {given!r}")
        for name, value in given.items():
            if name not in fields:
                raise InvalidArgumentException(
                    message=f"unknown {block} field {name!r} (known: {', '.join(sorted(fields))})")
            setting, kind = fields[name]
            lcb_value = _lcb_value(name, kind, value)
            if setting is not None:
                settings[setting] = lcb_value
    orphans = opts.get("orphan_reporting_options") or {}
    enabled = [v for v in (opts.get("enable_orphan_reporting"), orphans.get("enable_orphan_reporting"))
               if v is not None]
    if False in enabled:
        # libcouchbase has no switch for orphan reports alone: a queue that keeps nothing reports nothing
        settings["tracing_orphaned_queue_size"] = "0"


def _server_group(value: Any) -> Optional[str]:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidArgumentException(
            message=f"preferred_server_group must be a non-empty str, got {value!r}")
    return value


class Cluster(Specialized, ClusterCommon,
              ClusterManagement["BlockingBucketManager", "BlockingUserManager", "BlockingQueryIndexManager",
                                "BlockingSearchIndexManager", "BlockingAnalyticsIndexManager",
                                "BlockingEventingFunctionManager", ClusterInfoResult]):
    """A Couchbase cluster (blocking API); the constructor returns once connected.

    Args:
        connstr: ``couchbase://host[,host…][?settings]``, ``couchbases://…`` for TLS (with
            ``cert_path`` in the options or authenticator), or ``http://host:port``.
        options: :class:`~couchbase.options.ClusterOptions` (its authenticator gives the
            credentials).
        **kwargs: Any ClusterOptions field (``kv_timeout=…``, ``lockmode=…``).

    Raises:
        InvalidArgumentException: A malformed connection string, an unknown option or a value of
            the wrong type.
        FeatureUnavailableException: An option this SDK does not support (``transaction_config``).
        AuthenticationException: Wrong credentials.
        TimeoutException: No node answered in time.
        NetworkException: No node could be reached.
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
        self._preferred_server_group: Optional[str] = cfg["preferred_server_group"]
        self._tracer: Any = cfg["tracer"]
        self._meter: Any = cfg["meter"]
        self._buckets: Dict[str, Bucket] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._conn = self._open(bucket="")

    @classmethod
    def connect(cls, connstr: str, options: Optional[_o.ClusterOptions] = None, **kwargs: Any) -> "Cluster":
        """Connect to a cluster: the same as ``Cluster(connstr, options, **kwargs)`` (SDK 4.x spelling).

        Args:
            connstr: The connection string (see :class:`Cluster`).
            options: :class:`~couchbase.options.ClusterOptions`.
            **kwargs: Any ClusterOptions field.

        Returns:
            Cluster: The connected cluster.

        Raises:
            InvalidArgumentException: A malformed connection string or option.
            AuthenticationException: Wrong credentials.
            TimeoutException: No node answered in time.
        """
        return cls(connstr, options, **kwargs)

    def _open(self, bucket: str) -> Connection:
        full = _connstr.build(self._connstr, bucket, self._settings)
        conn = Connection(full, self._username, self.__password, cluster_level=not bucket,
                          lockmode=self._lockmode, bucket_name=bucket or None, tracer=self._tracer,
                          meter=self._meter)
        try:
            conn.connect_blocking()
        except BaseException:
            conn.close()
            raise
        return conn

    def bucket(self, name: str) -> Bucket:
        """Open a bucket (once: later calls return the same open Bucket).

        Args:
            name: The bucket name.

        Returns:
            Bucket: The open bucket.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
            ObjectClosedException: The cluster is closed.
            BucketNotFoundException: No such bucket (or the user may not open it).
            TimeoutException: The bucket's nodes did not answer in time.
        """
        check_name("bucket", name)
        if self._closed:
            raise ObjectClosedException(message=CLUSTER_CLOSED)
        with self._lock:
            bucket = self._buckets.get(name)
            if bucket is None or bucket.closed:
                bucket = Bucket(self, name, self._open(name))
                self._buckets[name] = bucket
            return bucket

    def _run(self, schedule: Any) -> Any:
        return self._conn.run(schedule)

    def _mgmt(self, program: Program) -> Any:
        """Run a management program (couchbase.management._http) on the cluster connection."""
        return run_blocking(self._conn, program)

    # ---- query services ------------------------------------------------------
    def query(self, statement: str, *options: QueryArg, **kwargs: Any) -> "QueryResult":
        """Run a N1QL (SQL++) statement; rows stream as they are iterated.

        ``cluster.query("SELECT * FROM b WHERE x=$1", QueryOptions(positional_parameters=[1]))``.

        Args:
            statement: The statement.
            *options: :class:`~couchbase.options.QueryOptions` blocks; other positional values are
                positional parameters (the 3.x spelling).
            **kwargs: QueryOptions fields by name; names that are not options are named parameters.

        Returns:
            QueryResult: Iterate it for the rows; ``metadata()`` once they are read.

        Raises:
            InvalidArgumentException: A statement that is not a str, or a bad option.
            ObjectClosedException: The cluster is closed.
            QueryException: Raised while iterating: the service refused the statement
                (ParsingFailedException, PlanningFailureException, IndexNotFoundException, ...).
            TimeoutException: Raised while iterating: no complete answer within the query timeout.
        """
        result: QueryResult = _requests.blocking(_requests.query(statement, options, kwargs), self._conn)
        return result

    def analytics_query(self, statement: str, *options: AnalyticsArg, **kwargs: Any) -> "AnalyticsResult":
        """Run an analytics (SQL++ for analytics) statement; rows stream as they are iterated.

        Args:
            statement: The statement.
            *options: :class:`~couchbase.options.AnalyticsOptions` blocks; other positional values are
                positional parameters.
            **kwargs: AnalyticsOptions fields by name; other names are named parameters.

        Returns:
            AnalyticsResult: Iterate it for the rows; ``metadata()`` once they are read.

        Raises:
            InvalidArgumentException: A statement that is not a str, or a bad option.
            AnalyticsException: Raised while iterating: the service refused the statement
                (DatasetNotFoundException, ...).
            TimeoutException: Raised while iterating: no complete answer within the analytics timeout.
        """
        request = _requests.analytics(statement, options, kwargs)
        result: AnalyticsResult = _requests.blocking(request, self._conn)
        return result

    def search_query(self, index: str, query: SearchQueryArg, *options: SearchOptions,
                     **kwargs: Any) -> "SearchResult":
        """Run a full-text search query on ``index``; hits stream as they are iterated.

        Args:
            index: The search index name.
            query: A :class:`~couchbase.search.SearchQuery` (``MatchQuery("x")``, ``QueryStringQuery``,
                ...).
            *options: :class:`~couchbase.options.SearchOptions` blocks (``limit``, ``skip``,
                ``fields``, ``facets``, ``sort``, ``highlight_style``, ...).
            **kwargs: SearchOptions fields by name.

        Returns:
            SearchResult: Iterate it for the hits (SearchRow); ``metadata()`` and ``facets()`` after.

        Raises:
            InvalidArgumentException: ``query`` not a SearchQuery, or a bad option.
            SearchException: Raised while iterating: the service refused the query (an unknown index).
            TimeoutException: Raised while iterating: no complete answer within the search timeout.
        """
        request = _requests.search(index, query, options, kwargs)
        result: SearchResult = _requests.blocking(request, self._conn)
        return result

    def search(self, index: str, request: SearchQueryArg, *options: SearchOptions,
               **kwargs: Any) -> "SearchResult":
        """SDK 4.x: ``search(index, SearchRequest.create(query), SearchOptions(...))``; see
        :meth:`search_query`.

        Args:
            index: The search index's name.
            request: A :class:`~couchbase.search.SearchRequest` (or a SearchQuery).
            *options: :class:`~couchbase.options.SearchOptions` blocks.
            **kwargs: SearchOptions fields by name.

        Returns:
            SearchResult: The hits, metadata and facets.

        Raises:
            InvalidArgumentException: Not a SearchRequest or SearchQuery, or a bad option.
            FeatureUnavailableException: A vector search on a cluster before Server 7.6 (no vectorSearch
                capability): raised, or delivered with the hits.
            SearchException: Raised (or delivered) while reading the hits: the service refused the query.
        """
        return self.search_query(index, request, *options, **kwargs)

    def ping(self, *options: PingArg, **kwargs: Unpack[PingKwargs]) -> PingResult:
        """Ping the cluster's services (KV and the HTTP services) and report each endpoint's latency.

        ``ping(PingOptions(report_id=..., service_types=[ServiceType.KeyValue], timeout=...))``;
        ``ping(timeout)`` (the earlier spelling) still works.

        Args:
            *options: A :class:`~couchbase.options.PingOptions` block, or a timeout.
            **kwargs: ``report_id``, ``service_types``, ``timeout``.

        Returns:
            PingResult: The endpoints of each service with their state and latency.

        Raises:
            InvalidArgumentException: A bad option.
            ObjectClosedException: The cluster is closed.
        """
        result: PingResult = self._run(_health.ping_schedule(self._conn, options, kwargs))
        return result

    def diagnostics(self, *options: DiagnosticsArg, **kwargs: Unpack[DiagnosticsKwargs]) -> DiagnosticsResult:
        """Report the state of each open connection, without sending anything.

        Args:
            *options: A :class:`~couchbase.options.DiagnosticsOptions` block.
            **kwargs: ``report_id``.

        Returns:
            DiagnosticsResult: Each endpoint's state and last activity, and the overall ``state``.

        Raises:
            InvalidArgumentException: A bad option.
            ObjectClosedException: The cluster is closed.
        """
        result: DiagnosticsResult = self._run(_health.diagnostics_schedule(self._conn, options, kwargs))
        return result

    def wait_until_ready(self, timeout: Seconds, *options: WaitUntilReadyOptions,
                         **kwargs: Unpack[WaitUntilReadyKwargs]) -> None:
        """Wait until the services answer a ping, pinging again until ``timeout``.

        Args:
            timeout: How long to wait at most (timedelta or seconds).
            *options: A :class:`~couchbase.options.WaitUntilReadyOptions` block
                (``desired_state=ClusterState.Online``, ``service_types=[...]``).
            **kwargs: ``desired_state``, ``service_types``.

        Raises:
            InvalidArgumentException: A bad timeout or option.
            UnAmbiguousTimeoutException: The desired state was not reached within ``timeout``.
        """
        import time

        _health.wait_until_ready(self, timeout, options, kwargs, time.sleep)

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Cluster(connstr={self._connstr!r}, username={self._username!r}, "
                f"buckets={list(self._buckets)})")
