"""Eventing functions (``cluster.eventing_functions()``, ``scope.eventing_functions()``).

Over the eventing service's REST API (``/api/v1/functions/<name>`` and its
``deploy``/``undeploy``/``pause``/``resume`` actions, ``/api/v1/status``); a
scope-level manager adds ``?bucket=<b>&scope=<s>`` (the function's scope).
Errors are mapped from the service's error names (ERR_APP_NOT_FOUND_TS,
ERR_APP_NOT_DEPLOYED, ERR_APP_ALREADY_DEPLOYED, ERR_APP_NOT_UNDEPLOYED,
ERR_APP_PAUSED, ERR_HANDLER_COMPILATION, ERR_SRC_MB_SAME, ERR_COLLECTION_MISSING,
ERR_BUCKET_MISSING, ERR_INVALID_CONFIG), as the official SDK does. A refusal for want of a
permission (the service's ERR_FORBIDDEN, HTTP 403: managing a function without
``eventing.function!manage`` on its scope, creating one without data access to its keyspaces,
deploying one whose owner lost it) raises :class:`~couchbase.exceptions.AuthenticationException`,
as every permission refusal does in this SDK (the official SDK 4.x raises its catch-all
``InternalServerFailureException`` for it).
"""
from __future__ import annotations

import datetime
import enum
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Mapping, Optional
from urllib.parse import urlencode

from couchbase import options as _o
from couchbase._generic import DoneT, FunctionListT, FunctionsStatusT, FunctionT
from couchbase.exceptions import (
    AuthenticationException,
    BucketNotFoundException,
    EventingFunctionAlreadyDeployedException,
    EventingFunctionCollectionNotFoundException,
    EventingFunctionCompilationFailureException,
    EventingFunctionIdenticalKeyspaceException,
    EventingFunctionNotBootstrappedException,
    EventingFunctionNotDeployedException,
    EventingFunctionNotFoundException,
    EventingFunctionNotUnDeployedException,
    InternalServerFailureException,
    InvalidArgumentException,
)
from couchbase.management._http import Program, http_error, json_body, path_escape, timed_call
from couchbase.n1ql import QueryScanConsistency

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import MgmtKwargs
    from couchbase.management.options import (
        DeployFunctionOptions,
        DropFunctionOptions,
        FunctionsStatusOptions,
        GetAllFunctionOptions,
        GetFunctionOptions,
        PauseFunctionOptions,
        ResumeFunctionOptions,
        UndeployFunctionOptions,
        UpsertFunctionOptions,
    )

__all__ = ["EventingFunctionManager", "ScopeEventingFunctionManager", "EventingFunction",
           "EventingFunctionSettings", "EventingFunctionKeyspace", "EventingFunctionBucketBinding",
           "EventingFunctionConstantBinding", "EventingFunctionUrlBinding", "EventingFunctionUrlAuth",
           "EventingFunctionUrlNoAuth",
           "EventingFunctionUrlAuthBasic", "EventingFunctionUrlAuthDigest", "EventingFunctionUrlAuthBearer",
           "EventingFunctionBucketAccess", "EventingFunctionDcpBoundary", "EventingFunctionDeploymentStatus",
           "EventingFunctionProcessingStatus", "EventingFunctionLogLevel",
           "EventingFunctionLanguageCompatibility", "EventingFunctionState", "EventingFunctionStatus",
           "EventingFunctionsStatus"]


class EventingFunctionBucketAccess(enum.Enum):
    ReadOnly = "r"
    ReadWrite = "rw"


class EventingFunctionDcpBoundary(enum.Enum):
    Everything = "everything"
    FromNow = "from_now"


class EventingFunctionDeploymentStatus(enum.Enum):
    Undeployed = False
    Deployed = True


class EventingFunctionProcessingStatus(enum.Enum):
    Paused = False
    Running = True


class EventingFunctionLogLevel(enum.Enum):
    Info = "INFO"
    Error = "ERROR"
    Warning = "WARNING"
    Debug = "DEBUG"
    Trace = "TRACE"


class EventingFunctionLanguageCompatibility(enum.Enum):
    Version_6_0_0 = "6.0.0"
    Version_6_5_0 = "6.5.0"
    Version_6_6_2 = "6.6.2"
    Version_7_2_0 = "7.2.0"


class EventingFunctionState(enum.Enum):
    Undeployed = "undeployed"
    Deployed = "deployed"
    Deploying = "deploying"
    Undeploying = "undeploying"
    Paused = "paused"
    Pausing = "pausing"
    Resuming = "resuming"
    Unknown = "unknown"


@dataclass
class EventingFunctionKeyspace:
    """A keyspace: ``bucket`` (required), ``scope``, ``collection``.

    Args:
        bucket: The bucket.
        scope: The scope (None: ``_default``).
        collection: The collection (None: ``_default``).
    """

    bucket: str = None  # type: ignore[assignment]
    scope: Optional[str] = None
    collection: Optional[str] = None


@dataclass
class EventingFunctionBucketBinding:
    """A bucket alias the function's code uses, with its access.

    Args:
        alias: The name the code uses.
        name: The keyspace it stands for.
        access: Read-only or read-write (EventingFunctionBucketAccess).
    """

    alias: str = None  # type: ignore[assignment]
    name: EventingFunctionKeyspace = None  # type: ignore[assignment]
    access: EventingFunctionBucketAccess = None  # type: ignore[assignment]


class EventingFunctionUrlAuth:
    """Base of the URL binding authentications."""


@dataclass
class EventingFunctionUrlNoAuth(EventingFunctionUrlAuth):
    pass


@dataclass
class EventingFunctionUrlAuthBasic(EventingFunctionUrlAuth):
    """HTTP basic authentication of a URL binding.

    Args:
        username: The user.
        password: The password.
    """
    username: str = None  # type: ignore[assignment]
    password: str = field(default=None, repr=False)  # type: ignore[assignment]


@dataclass
class EventingFunctionUrlAuthDigest(EventingFunctionUrlAuth):
    """HTTP digest authentication of a URL binding.

    Args:
        username: The user.
        password: The password.
    """
    username: str = None  # type: ignore[assignment]
    password: str = field(default=None, repr=False)  # type: ignore[assignment]


@dataclass
class EventingFunctionUrlAuthBearer(EventingFunctionUrlAuth):
    """Bearer-token authentication of a URL binding.

    Args:
        key: The token.
    """
    key: str = field(default=None, repr=False)  # type: ignore[assignment]


@dataclass
class EventingFunctionUrlBinding:
    """A URL alias (cURL from the function's code).

    Args:
        hostname: The URL.
        alias: The name the code uses.
        allow_cookies: Keep cookies between calls.
        validate_ssl_certificate: Verify the server's certificate.
        auth: An EventingFunctionUrlAuth* (None: no authentication).
    """

    hostname: str = None  # type: ignore[assignment]
    alias: str = None  # type: ignore[assignment]
    allow_cookies: bool = None  # type: ignore[assignment]
    validate_ssl_certificate: bool = None  # type: ignore[assignment]
    auth: EventingFunctionUrlAuth = None  # type: ignore[assignment]


@dataclass
class EventingFunctionConstantBinding:
    """A constant alias.

    Args:
        alias: The name the code uses.
        literal: Its value.
    """

    alias: str = None  # type: ignore[assignment]
    literal: str = None  # type: ignore[assignment]


# settings field -> (server key, kind): kind "s" seconds, "ms" milliseconds, else the value as is
_SETTINGS = {
    "cpp_worker_thread_count": ("cpp_worker_thread_count", None), "description": ("description", None),
    "execution_timeout": ("execution_timeout", "s"), "lcb_inst_capacity": ("lcb_inst_capacity", None),
    "lcb_retry_count": ("lcb_retry_count", None), "lcb_timeout": ("lcb_timeout", "s"),
    "num_timer_partitions": ("num_timer_partitions", None), "sock_batch_size": ("sock_batch_size", None),
    "tick_duration": ("tick_duration", "ms"), "timer_context_size": ("timer_context_size", None),
    "user_prefix": ("user_prefix", None), "bucket_cache_size": ("bucket_cache_size", None),
    "bucket_cache_age": ("bucket_cache_age", "ms"),
    "curl_max_allowed_resp_size": ("curl_max_allowed_resp_size", None),
    "query_prepare_all": ("n1ql_prepare_all", None), "worker_count": ("worker_count", None),
    "enable_applog_rotation": ("enable_applog_rotation", None), "app_log_dir": ("app_log_dir", None),
    "app_log_max_size": ("app_log_max_size", None), "app_log_max_files": ("app_log_max_files", None),
    "checkpoint_interval": ("checkpoint_interval", "s"),
    "handler_headers": ("handler_headers", None), "handler_footers": ("handler_footers", None),
}
_SETTING_ENUMS = {
    "dcp_stream_boundary": ("dcp_stream_boundary", EventingFunctionDcpBoundary),
    "deployment_status": ("deployment_status", EventingFunctionDeploymentStatus),
    "processing_status": ("processing_status", EventingFunctionProcessingStatus),
    "language_compatibility": ("language_compatibility", EventingFunctionLanguageCompatibility),
    "log_level": ("log_level", EventingFunctionLogLevel),
}


@dataclass
class EventingFunctionSettings:
    """A function's settings (unset ones take the service's defaults).

    Args:
        cpp_worker_thread_count: Threads per worker.
        description: A description.
        execution_timeout: How long a handler may run (timedelta).
        lcb_inst_capacity: Connections kept per worker for bucket bindings.
        lcb_retry_count: Retries of a failed binding operation.
        lcb_timeout: The timeout of a binding operation (timedelta).
        num_timer_partitions: Timer partitions.
        sock_batch_size: Mutations read per batch.
        tick_duration: How often statistics are logged (timedelta).
        timer_context_size: The size limit of a timer's context.
        user_prefix: The prefix of the function's metadata keys.
        bucket_cache_size: The bucket bindings' read cache size.
        bucket_cache_age: How long cached reads are kept (timedelta).
        curl_max_allowed_resp_size: The largest cURL response accepted.
        query_prepare_all: Prepare every N1QL statement of the code.
        worker_count: Workers per node.
        enable_applog_rotation: Rotate the application log.
        app_log_dir: Where the application log goes.
        app_log_max_size: The application log's size before rotation.
        app_log_max_files: Rotated application logs kept.
        checkpoint_interval: How often progress is checkpointed (timedelta).
        dcp_stream_boundary: Handle every mutation or only those from now on.
        deployment_status: Deployed or undeployed.
        processing_status: Running or paused.
        language_compatibility: The JavaScript language version.
        log_level: The application log's level.
        query_consistency: The scan consistency of N1QL statements in the code.
        handler_headers: Code put before the handlers.
        handler_footers: Code put after the handlers.
    """

    cpp_worker_thread_count: int = None  # type: ignore[assignment]
    description: str = None  # type: ignore[assignment]
    execution_timeout: datetime.timedelta = None  # type: ignore[assignment]
    lcb_inst_capacity: int = None  # type: ignore[assignment]
    lcb_retry_count: int = None  # type: ignore[assignment]
    lcb_timeout: datetime.timedelta = None  # type: ignore[assignment]
    num_timer_partitions: int = None  # type: ignore[assignment]
    sock_batch_size: int = None  # type: ignore[assignment]
    tick_duration: datetime.timedelta = None  # type: ignore[assignment]
    timer_context_size: int = None  # type: ignore[assignment]
    user_prefix: str = None  # type: ignore[assignment]
    bucket_cache_size: int = None  # type: ignore[assignment]
    bucket_cache_age: datetime.timedelta = None  # type: ignore[assignment]
    curl_max_allowed_resp_size: int = None  # type: ignore[assignment]
    query_prepare_all: bool = None  # type: ignore[assignment]
    worker_count: int = None  # type: ignore[assignment]
    enable_applog_rotation: bool = None  # type: ignore[assignment]
    app_log_dir: str = None  # type: ignore[assignment]
    app_log_max_size: int = None  # type: ignore[assignment]
    app_log_max_files: int = None  # type: ignore[assignment]
    checkpoint_interval: datetime.timedelta = None  # type: ignore[assignment]
    dcp_stream_boundary: EventingFunctionDcpBoundary = None  # type: ignore[assignment]
    deployment_status: EventingFunctionDeploymentStatus = None  # type: ignore[assignment]
    processing_status: EventingFunctionProcessingStatus = None  # type: ignore[assignment]
    language_compatibility: EventingFunctionLanguageCompatibility = None  # type: ignore[assignment]
    log_level: EventingFunctionLogLevel = None  # type: ignore[assignment]
    query_consistency: QueryScanConsistency = None  # type: ignore[assignment]
    handler_headers: List[str] = None  # type: ignore[assignment]
    handler_footers: List[str] = None  # type: ignore[assignment]

    @classmethod
    def new_settings(cls, **kwargs: Any) -> "EventingFunctionSettings":
        """Settings with the given fields (the others at their defaults).

        Args:
            **kwargs: Fields of EventingFunctionSettings.

        Returns:
            EventingFunctionSettings: The settings.

        Raises:
            TypeError: An unknown field.
        """
        return cls(**kwargs)

    def to_server(self) -> Dict[str, Any]:
        """The settings as the eventing service takes them.

        Returns:
            dict: The JSON object (set fields only).

        Never raises.
        """
        out: Dict[str, Any] = {}
        for attr, (key, kind) in _SETTINGS.items():
            value = getattr(self, attr)
            if value is None:
                continue
            if kind and isinstance(value, datetime.timedelta):
                value = int(value.total_seconds() * (1000 if kind == "ms" else 1))
            out[key] = value
        for attr, (key, _cls) in _SETTING_ENUMS.items():
            value = getattr(self, attr)
            if value is not None:
                out[key] = value.value
        if self.query_consistency is not None:
            out["n1ql_consistency"] = ("request"
                                       if self.query_consistency is QueryScanConsistency.REQUEST_PLUS
                                       else "none")
        return out

    @classmethod
    def from_server(cls, raw: Dict[str, Any]) -> "EventingFunctionSettings":
        """Settings from the service's JSON.

        Args:
            raw: The service's ``settings`` object.

        Returns:
            EventingFunctionSettings: The settings.

        Never raises.
        """
        kwargs: Dict[str, Any] = {}
        for attr, (key, kind) in _SETTINGS.items():
            if key in raw and raw[key] is not None:
                value = raw[key]
                if kind == "s":
                    value = datetime.timedelta(seconds=value)
                elif kind == "ms":
                    value = datetime.timedelta(milliseconds=value)
                kwargs[attr] = value
        for attr, (key, enum_cls) in _SETTING_ENUMS.items():
            if key in raw:
                try:
                    kwargs[attr] = enum_cls(raw[key])
                except ValueError:
                    pass
        if "n1ql_consistency" in raw:
            kwargs["query_consistency"] = (QueryScanConsistency.REQUEST_PLUS
                                           if raw["n1ql_consistency"] == "request"
                                           else QueryScanConsistency.NOT_BOUNDED)
        return cls(**kwargs)


@dataclass
class EventingFunction:
    """An eventing function: its code, source and metadata keyspaces, bindings and settings.

    Args:
        name: The function's name.
        code: Its JavaScript source (``OnUpdate``/``OnDelete`` handlers).
        version: The service's version tag of the function.
        enforce_schema: Ask the service to check the definition strictly.
        handler_uuid: The service's id of the handler.
        function_instance_id: The service's id of this deployment.
        metadata_keyspace: Where the service keeps the function's checkpoints.
        source_keyspace: The keyspace whose mutations the function handles.
        bucket_bindings: EventingFunctionBucketBinding aliases.
        url_bindings: EventingFunctionUrlBinding aliases.
        constant_bindings: EventingFunctionConstantBinding aliases.
        settings: Its EventingFunctionSettings.
    """

    name: str = None  # type: ignore[assignment]
    code: str = None  # type: ignore[assignment]
    version: str = None  # type: ignore[assignment]
    enforce_schema: bool = None  # type: ignore[assignment]
    handler_uuid: int = None  # type: ignore[assignment]
    function_instance_id: str = None  # type: ignore[assignment]
    metadata_keyspace: EventingFunctionKeyspace = None  # type: ignore[assignment]
    source_keyspace: EventingFunctionKeyspace = None  # type: ignore[assignment]
    bucket_bindings: List[EventingFunctionBucketBinding] = None  # type: ignore[assignment]
    url_bindings: List[EventingFunctionUrlBinding] = None  # type: ignore[assignment]
    constant_bindings: List[EventingFunctionConstantBinding] = None  # type: ignore[assignment]
    settings: EventingFunctionSettings = None  # type: ignore[assignment]

    def to_server(self) -> Dict[str, Any]:
        """The function as the eventing service takes it.

        Returns:
            dict: The JSON object.

        Never raises.
        """
        src = self.source_keyspace or EventingFunctionKeyspace()
        meta = self.metadata_keyspace or EventingFunctionKeyspace()
        depcfg: Dict[str, Any] = {
            "source_bucket": src.bucket, "source_scope": src.scope or "_default",
            "source_collection": src.collection or "_default",
            "metadata_bucket": meta.bucket, "metadata_scope": meta.scope or "_default",
            "metadata_collection": meta.collection or "_default",
        }
        if self.bucket_bindings:
            depcfg["buckets"] = [{"alias": b.alias, "bucket_name": b.name.bucket,
                                  "scope_name": b.name.scope or "_default",
                                  "collection_name": b.name.collection or "_default",
                                  "access": (b.access or EventingFunctionBucketAccess.ReadOnly).value}
                                 for b in self.bucket_bindings]
        if self.constant_bindings:
            depcfg["constants"] = [{"value": c.alias, "literal": c.literal} for c in self.constant_bindings]
        if self.url_bindings:
            depcfg["curl"] = [_url_to_server(u) for u in self.url_bindings]
        out: Dict[str, Any] = {"appname": self.name, "appcode": self.code or "", "depcfg": depcfg,
                               "settings": (self.settings or EventingFunctionSettings()).to_server()}
        if self.version:
            out["version"] = self.version
        if self.enforce_schema is not None:
            out["enforce_schema"] = self.enforce_schema
        if self.handler_uuid is not None:
            out["handleruuid"] = self.handler_uuid
        if self.function_instance_id:
            out["function_instance_id"] = self.function_instance_id
        return out

    @classmethod
    def from_server(cls, raw: Any) -> "EventingFunction":  # raw: the server's JSON object
        """A function from the service's JSON.

        Args:
            raw: The service's object of the function.

        Returns:
            EventingFunction: The function.

        Raises:
            AttributeError: ``raw`` is not a dict.
        """
        dep: Any = raw.get("depcfg") or {}
        return cls(
            name=raw.get("appname"), code=raw.get("appcode"), version=raw.get("version"),
            enforce_schema=raw.get("enforce_schema"), handler_uuid=raw.get("handleruuid"),
            function_instance_id=raw.get("function_instance_id"),
            metadata_keyspace=EventingFunctionKeyspace(dep.get("metadata_bucket"), dep.get("metadata_scope"),
                                                       dep.get("metadata_collection")),
            source_keyspace=EventingFunctionKeyspace(dep.get("source_bucket"), dep.get("source_scope"),
                                                     dep.get("source_collection")),
            bucket_bindings=[EventingFunctionBucketBinding(
                b.get("alias"), EventingFunctionKeyspace(b.get("bucket_name"), b.get("scope_name"),
                                                         b.get("collection_name")),
                EventingFunctionBucketAccess(b.get("access", "r"))) for b in dep.get("buckets", [])],
            url_bindings=[_url_from_server(u) for u in dep.get("curl", [])],
            constant_bindings=[EventingFunctionConstantBinding(c.get("value"), c.get("literal"))
                               for c in dep.get("constants", [])],
            settings=EventingFunctionSettings.from_server(raw.get("settings") or {}))


def _url_to_server(u: EventingFunctionUrlBinding) -> Dict[str, Any]:
    out: Dict[str, Any] = {"hostname": u.hostname, "value": u.alias, "allow_cookies": bool(u.allow_cookies),
                           "validate_ssl_certificate": bool(u.validate_ssl_certificate),
                           "auth_type": "no-auth"}
    auth = u.auth
    if isinstance(auth, EventingFunctionUrlAuthBasic):
        out.update(auth_type="basic", username=auth.username, password=auth.password)
    elif isinstance(auth, EventingFunctionUrlAuthDigest):
        out.update(auth_type="digest", username=auth.username, password=auth.password)
    elif isinstance(auth, EventingFunctionUrlAuthBearer):
        out.update(auth_type="bearer", bearer_key=auth.key)
    return out


def _url_from_server(raw: Any) -> EventingFunctionUrlBinding:  # raw: the server's JSON object
    # The service lists a binding's password and bearer key masked: they are not read back (None),
    # as the official SDK does.
    kind = raw.get("auth_type", "no-auth")
    auth: EventingFunctionUrlAuth = EventingFunctionUrlNoAuth()
    if kind == "basic":
        auth = EventingFunctionUrlAuthBasic(raw.get("username"))
    elif kind == "digest":
        auth = EventingFunctionUrlAuthDigest(raw.get("username"))
    elif kind == "bearer":
        auth = EventingFunctionUrlAuthBearer()
    return EventingFunctionUrlBinding(raw.get("hostname"), raw.get("value"), raw.get("allow_cookies"),
                                      raw.get("validate_ssl_certificate"), auth)


@dataclass
class EventingFunctionStatus:
    """One function's state in ``functions_status()``.

    Args:
        name: The function's name.
        num_bootstrapping_nodes: Nodes still deploying it.
        num_deployed_nodes: Nodes running it.
        state: Its EventingFunctionState.
        deployment_status: Deployed or undeployed.
        processing_status: Running or paused.
        redeploy_required: Whether a change needs a redeploy.
        function_scope: The scope it belongs to (``{"bucket": ..., "scope": ...}``).
    """

    name: str = None  # type: ignore[assignment]
    num_bootstrapping_nodes: int = None  # type: ignore[assignment]
    num_deployed_nodes: int = None  # type: ignore[assignment]
    state: EventingFunctionState = None  # type: ignore[assignment]
    deployment_status: EventingFunctionDeploymentStatus = None  # type: ignore[assignment]
    processing_status: EventingFunctionProcessingStatus = None  # type: ignore[assignment]
    redeploy_required: bool = None  # type: ignore[assignment]
    function_scope: Dict[str, Any] = None  # type: ignore[assignment]

    @classmethod
    def from_server(cls, raw: Any) -> "EventingFunctionStatus":  # raw: the server's JSON object
        """A function's status from the service's JSON.

        Args:
            raw: The service's ``apps`` entry.

        Returns:
            EventingFunctionStatus: The status.

        Never raises.
        """
        try:
            state = EventingFunctionState(raw.get("composite_status", "unknown"))
        except ValueError:
            state = EventingFunctionState.Unknown
        return cls(raw.get("name"), raw.get("num_bootstrapping_nodes"), raw.get("num_deployed_nodes"), state,
                   EventingFunctionDeploymentStatus(bool(raw.get("deployment_status"))),
                   EventingFunctionProcessingStatus(bool(raw.get("processing_status"))),
                   raw.get("redeploy_required"), raw.get("function_scope"))


@dataclass
class EventingFunctionsStatus:
    """``functions_status()``: the eventing node count and each function's status.

    Args:
        num_eventing_nodes: The number of eventing nodes.
        functions: Each function's EventingFunctionStatus.
    """

    num_eventing_nodes: int = None  # type: ignore[assignment]
    functions: List[EventingFunctionStatus] = field(default_factory=list)


_ERRORS = {
    "ERR_APP_NOT_FOUND_TS": EventingFunctionNotFoundException,
    "ERR_APP_NOT_DEPLOYED": EventingFunctionNotDeployedException,
    "ERR_APP_ALREADY_DEPLOYED": EventingFunctionAlreadyDeployedException,
    "ERR_APP_NOT_UNDEPLOYED": EventingFunctionNotUnDeployedException,
    "ERR_APP_PAUSED": EventingFunctionNotDeployedException,
    "ERR_HANDLER_COMPILATION": EventingFunctionCompilationFailureException,
    "ERR_SRC_MB_SAME": EventingFunctionIdenticalKeyspaceException,
    "ERR_APP_NOT_BOOTSTRAPPED": EventingFunctionNotBootstrappedException,
    "ERR_COLLECTION_MISSING": EventingFunctionCollectionNotFoundException,
    "ERR_BUCKET_MISSING": BucketNotFoundException,
    "ERR_INVALID_CONFIG": InvalidArgumentException,
    "ERR_INTER_FUNCTION_RECURSION": InvalidArgumentException,
    "ERR_FORBIDDEN": AuthenticationException,
}


def _check(resp: Any, what: str) -> Any:
    if 200 <= resp.status < 300:
        try:
            return json_body(resp)
        except Exception:  # noqa: BLE001 - some actions answer plain text
            return None
    try:
        body = json.loads(resp.body) if resp.body else None
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("name"), str):
        name = body["name"]
        if name == "ERR_APP_NOT_DEPLOYED" and "already in paused state" in str(
                (body.get("runtime_info") or {}).get("info", "")):
            cls: Any = EventingFunctionNotDeployedException  # paused: not deployed as far as running goes
        else:
            cls = _ERRORS.get(name, InternalServerFailureException)
        raise cls(message=f"{what}: {name}: {body.get('description', '')}")
    raise http_error(resp, what)


_OPTS = frozenset({"timeout", "parent_span"})


class EventingFunctionManager(Generic[DoneT, FunctionT, FunctionListT, FunctionsStatusT]):
    """Eventing functions of the cluster (admin scope): ``cluster.eventing_functions()``.

    Args:
        run: The front end's driver of management programs.
    """

    _scope: Optional[Dict[str, str]] = None

    def __init__(self, run: Callable[[Program], Any]) -> None:
        self._run = run

    def _path(self, tail: str) -> str:
        query = f"?{urlencode(self._scope)}" if self._scope else ""
        return f"/api/v1/{tail}{query}"

    def _call(self, op: str, options: Any, kwargs: Mapping[str, Any], method: str, tail: str,
              parse: Callable[[Any], Any], body: bytes = b"") -> Any:
        opts = _o.merge(op, _OPTS, options, kwargs)
        call = timed_call("eventing", method, self._path(tail), body, "application/json", opts=opts)

        def program() -> Program:
            resp = yield call
            return parse(_check(resp, op))

        return self._run(program())

    @staticmethod
    def _name(name: Any) -> str:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentException(message=f"the function name must be a non-empty str, got {name!r}")
        return path_escape(name)

    def upsert_function(self, function: EventingFunction, *options: UpsertFunctionOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Create or replace a function.

        Args:
            function: The :class:`EventingFunction`.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``function`` not an EventingFunction, or a configuration the service
                refuses.
            EventingFunctionCompilationFailureException: Its code does not compile.
            EventingFunctionIdenticalKeyspaceException: The source and metadata keyspaces are the same.
            EventingFunctionCollectionNotFoundException: A keyspace's collection is missing.
        """
        if not isinstance(function, EventingFunction):
            raise InvalidArgumentException(
                message=f"upsert_function needs an EventingFunction, got {function!r}")
        body = json.dumps(function.to_server()).encode()
        return self._call("upsert_function", options, kwargs, "POST",
                          f"functions/{self._name(function.name)}", lambda b: None, body)

    def drop_function(self, name: str, *options: DropFunctionOptions, **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Delete an undeployed function.

        Args:
            name: The function's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str, or a bad option.
            EventingFunctionNotFoundException: No such function.
            EventingFunctionNotUnDeployedException: The function is deployed.
        """
        return self._call("drop_function", options, kwargs, "DELETE", f"functions/{self._name(name)}",
                          lambda b: None)

    def get_function(self, name: str, *options: GetFunctionOptions,
                     **kwargs: Unpack[MgmtKwargs]) -> FunctionT:
        """A function.

        Args:
            name: The function's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            EventingFunction: The function.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str, or a bad option.
            EventingFunctionNotFoundException: No such function.
        """
        return self._call("get_function", options, kwargs, "GET", f"functions/{self._name(name)}",
                          EventingFunction.from_server)

    def get_all_functions(self, *options: GetAllFunctionOptions,
                          **kwargs: Unpack[MgmtKwargs]) -> FunctionListT:
        """Every function (of this manager's scope).

        Args:
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            list[EventingFunction]: The functions.

        Raises:
            InvalidArgumentException: A bad option.
        """
        return self._call("get_all_functions", options, kwargs, "GET", "functions",
                          lambda b: [EventingFunction.from_server(f) for f in b or []])

    def deploy_function(self, name: str, *options: DeployFunctionOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Deploy a function (it starts processing mutations).

        Args:
            name: The function's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str, or a bad option.
            EventingFunctionNotFoundException: No such function.
            EventingFunctionAlreadyDeployedException: It is deployed already.
        """
        return self._call("deploy_function", options, kwargs, "POST", f"functions/{self._name(name)}/deploy",
                          lambda b: None)

    def undeploy_function(self, name: str, *options: UndeployFunctionOptions,
                          **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Undeploy a deployed function.

        Args:
            name: The function's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str, or a bad option.
            EventingFunctionNotFoundException: No such function.
            EventingFunctionNotDeployedException: It is not deployed.
        """
        return self._call("undeploy_function", options, kwargs, "POST",
                          f"functions/{self._name(name)}/undeploy", lambda b: None)

    def pause_function(self, name: str, *options: PauseFunctionOptions,
                       **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Pause a deployed function.

        Args:
            name: The function's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str, or a bad option.
            EventingFunctionNotFoundException: No such function.
            EventingFunctionNotDeployedException: It is not deployed.
            EventingFunctionNotBootstrappedException: It is still being deployed.
        """
        return self._call("pause_function", options, kwargs, "POST", f"functions/{self._name(name)}/pause",
                          lambda b: None)

    def resume_function(self, name: str, *options: ResumeFunctionOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Resume a paused function.

        Args:
            name: The function's name.
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str, or a bad option.
            EventingFunctionNotFoundException: No such function.
            EventingFunctionNotDeployedException: It is not deployed.
        """
        return self._call("resume_function", options, kwargs, "POST", f"functions/{self._name(name)}/resume",
                          lambda b: None)

    def functions_status(self, *options: FunctionsStatusOptions,
                         **kwargs: Unpack[MgmtKwargs]) -> FunctionsStatusT:
        """The status of every function (of this manager's scope).

        Args:
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            EventingFunctionsStatus: The number of eventing nodes and each function's status.

        Raises:
            InvalidArgumentException: A bad option.
        """
        def parse(body: Any) -> EventingFunctionsStatus:
            body = body or {}
            apps = [a for a in body.get("apps") or [] if self._in_scope(a)]
            return EventingFunctionsStatus(body.get("num_eventing_nodes"),
                                           [EventingFunctionStatus.from_server(a) for a in apps])

        return self._call("functions_status", options, kwargs, "GET", "status", parse)

    def _in_scope(self, app: Dict[str, Any]) -> bool:
        scope = app.get("function_scope") or {"bucket": "*", "scope": "*"}
        wanted = self._scope or {"bucket": "*", "scope": "*"}
        return (scope.get("bucket"), scope.get("scope")) == (wanted["bucket"], wanted["scope"])


class ScopeEventingFunctionManager(
        EventingFunctionManager[DoneT, FunctionT, FunctionListT, FunctionsStatusT]):
    """Eventing functions of one scope (``scope.eventing_functions()``).

    Args:
        run: The front end's driver of management programs.
        bucket_name: The scope's bucket.
        scope_name: The scope.
    """

    def __init__(self, run: Callable[[Program], Any], bucket_name: str, scope_name: str) -> None:
        super().__init__(run)
        self._scope = {"bucket": bucket_name, "scope": scope_name}
