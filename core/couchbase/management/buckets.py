"""Bucket management (``cluster.buckets()``): create, update, drop, get, get_all, flush.

Requests and responses follow the cluster manager's REST API
(``/pools/default/buckets``); errors are mapped from the server's messages the
way the official SDK does (``BucketAlreadyExistsException``,
``BucketDoesNotExistException``, ``BucketNotFlushableException``,
``InvalidArgumentException`` naming the rejected field).
"""
from __future__ import annotations

import datetime
import enum
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Mapping

from couchbase import options as _o
from couchbase._generic import BucketDescribeT, BucketSettingsListT, BucketSettingsT, DoneT
from couchbase.exceptions import (
    BucketAlreadyExistsException,
    BucketDoesNotExistException,
    BucketNotFlushableException,
    FeatureUnavailableException,
    InvalidArgumentException,
)
from couchbase.management._http import (
    Call,
    Program,
    form,
    http_error,
    json_body,
    path_escape,
    timed_call,
)
from couchbase.options import Durability

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import MgmtKwargs
    from couchbase.management.options import (
        BucketDescribeOptions,
        CreateBucketOptions,
        DropBucketOptions,
        FlushBucketOptions,
        GetAllBucketOptions,
        GetBucketOptions,
        UpdateBucketOptions,
    )

__all__ = ["BucketManager", "BucketSettings", "CreateBucketSettings", "BucketType", "EvictionPolicyType",
           "EjectionMethod", "CompressionMode", "ConflictResolutionType", "StorageBackend", "DurabilityLevel",
           "BucketDescribeResult"]

DurabilityLevel = Durability


class EvictionPolicyType(enum.Enum):
    NOT_RECENTLY_USED = "nruEviction"
    NO_EVICTION = "noEviction"
    FULL = "fullEviction"
    VALUE_ONLY = "valueOnly"


class EjectionMethod(enum.Enum):
    FULL_EVICTION = "fullEviction"
    VALUE_ONLY = "valueOnly"


class BucketType(enum.Enum):
    COUCHBASE = "membase"
    MEMCACHED = "memcached"
    EPHEMERAL = "ephemeral"
    UNKNOWN = "unknown"


class CompressionMode(enum.Enum):
    OFF = "off"
    PASSIVE = "passive"
    ACTIVE = "active"
    UNKNOWN = "unknown"


class ConflictResolutionType(enum.Enum):
    TIMESTAMP = "lww"
    SEQUENCE_NUMBER = "seqno"
    CUSTOM = "custom"
    UNKNOWN = "unknown"


class StorageBackend(enum.Enum):
    UNDEFINED = "undefined"
    COUCHSTORE = "couchstore"
    MAGMA = "magma"


_DURABILITY_WIRE = {
    Durability.NONE: "none",
    Durability.MAJORITY: "majority",
    Durability.MAJORITY_AND_PERSIST_TO_ACTIVE: "majorityAndPersistActive",
    Durability.PERSIST_TO_MAJORITY: "persistToMajority",
}
_DURABILITY_FROM_WIRE = {v: k for k, v in _DURABILITY_WIRE.items()}

_FIELDS = ("name", "bucket_type", "compression_mode", "conflict_resolution_type", "eviction_policy",
           "flush_enabled", "history_retention_collection_default", "history_retention_bytes",
           "history_retention_duration", "max_expiry", "max_ttl", "minimum_durability_level", "num_replicas",
           "ram_quota_mb", "replica_index", "storage_backend", "num_vbuckets")


class BucketSettings(dict):  # type: ignore[type-arg]
    """A bucket's settings (a dict with a property per setting; unset ones are absent).

    Args:
        **kwargs: The settings, by name: ``name`` (required, non-empty), ``bucket_type``
            (:class:`BucketType`, default COUCHBASE), ``ram_quota_mb`` (MiB per node, at least 100),
            ``num_replicas`` (0-3), ``flush_enabled`` (allow ``flush_bucket``), ``eviction_policy``
            (:class:`EvictionPolicyType`), ``max_expiry`` (timedelta or seconds; ``max_ttl`` is the
            older name), ``compression_mode`` (:class:`CompressionMode`), ``minimum_durability_level``
            (DurabilityLevel), ``storage_backend`` (:class:`StorageBackend`), ``replica_index``,
            ``conflict_resolution_type``, ``num_vbuckets``, and, for magma buckets only,
            ``history_retention_collection_default``, ``history_retention_bytes`` and
            ``history_retention_duration``. A setting given as None is left unset.

    Raises:
        InvalidArgumentException: An unknown setting, or ``name`` missing or empty.
    """

    def __init__(self, **kwargs: Any) -> None:
        unknown = set(kwargs) - set(_FIELDS)
        if unknown:
            raise InvalidArgumentException(message=f"unknown bucket setting(s): {', '.join(sorted(unknown))}")
        name = kwargs.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidArgumentException(message="Must provide a non-empty bucket name.")
        if kwargs.get("bucket_type") == "couchbase":
            kwargs["bucket_type"] = BucketType.COUCHBASE
        if kwargs.get("max_ttl") is not None and kwargs.get("max_expiry") is None:
            kwargs["max_expiry"] = kwargs["max_ttl"]
        kwargs.pop("max_ttl", None)
        super().__init__({k: v for k, v in kwargs.items() if v is not None})

    name = property(lambda self: self.get("name"), doc="Bucket name.")
    bucket_type = property(lambda self: self.get("bucket_type"), doc="BucketType.")
    compression_mode = property(lambda self: self.get("compression_mode"), doc="CompressionMode.")
    conflict_resolution_type = property(lambda self: self.get("conflict_resolution_type"),
                                        doc="ConflictResolutionType (fixed at creation).")
    eviction_policy = property(lambda self: self.get("eviction_policy"), doc="EvictionPolicyType.")
    flush_enabled = property(lambda self: self.get("flush_enabled"), doc="Whether flush_bucket is allowed.")
    history_retention_collection_default = property(
        lambda self: self.get("history_retention_collection_default"),
        doc="Whether new collections keep change history by default (magma buckets).")
    history_retention_bytes = property(lambda self: self.get("history_retention_bytes"),
                                       doc="The most change history to keep, in bytes (magma buckets).")
    history_retention_duration = property(lambda self: self.get("history_retention_duration"),
                                          doc="How long to keep change history (magma buckets).")
    max_expiry = property(lambda self: self.get("max_expiry"), doc="Maximum document expiry.")
    max_ttl = property(lambda self: self.get("max_expiry"), doc="Deprecated spelling of max_expiry.")
    minimum_durability_level = property(lambda self: self.get("minimum_durability_level"),
                                        doc="The durability level every write gets at least.")
    num_replicas = property(lambda self: self.get("num_replicas"), doc="Number of replicas.")
    num_vbuckets = property(lambda self: self.get("num_vbuckets"), doc="Number of vBuckets.")
    ram_quota_mb = property(lambda self: self.get("ram_quota_mb"), doc="RAM quota in MiB.")
    replica_index = property(lambda self: self.get("replica_index"), doc="Whether replica indexes are kept.")
    storage_backend = property(lambda self: self.get("storage_backend"), doc="StorageBackend.")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    __str__ = __repr__


class CreateBucketSettings(BucketSettings):
    """Settings of a bucket to create (the same fields as :class:`BucketSettings`)."""


class BucketDescribeResult:
    """What bucket_describe reports: name, uuid, node count, replicas, capabilities, storage backend.

    Args:
        name: The bucket's name.
        uuid: Its UUID.
        number_of_nodes: Nodes serving it.
        number_of_replicas: Its replica count.
        bucket_capabilities: The server's capability names for it.
        storage_backend: ``couchstore`` or ``magma``.
        server_groups: Server groups (empty: libcouchbase 3 has none).

    Attributes:
        name (str): The bucket's name.
        uuid (str): Its UUID.
        number_of_nodes (int): Nodes serving it.
        number_of_replicas (int): Its replica count.
        bucket_capabilities (list[str]): Capability names.
        storage_backend (str): The storage backend.
        server_groups (dict): Server groups.
    """

    def __init__(self, name: str, uuid: str, number_of_nodes: int, number_of_replicas: int,
                 bucket_capabilities: List[str], storage_backend: str, server_groups: Dict[str, Any]) -> None:
        self.name = name
        self.uuid = uuid
        self.number_of_nodes = number_of_nodes
        self.number_of_replicas = number_of_replicas
        self.bucket_capabilities = bucket_capabilities
        self.storage_backend = storage_backend
        self.server_groups = server_groups

    def __repr__(self) -> str:
        return f"BucketDescribeResult(name={self.name!r}, uuid={self.uuid!r}, nodes={self.number_of_nodes})"


def _seconds(name: str, value: Any) -> int:
    if isinstance(value, datetime.timedelta):
        secs = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        secs = float(value)
    else:
        raise InvalidArgumentException(message=f"{name} must be a timedelta or seconds, got {value!r}")
    if secs < 0 or secs != int(secs):
        raise InvalidArgumentException(
            message=f"{name} must be a non-negative whole number of seconds, got {secs}")
    return int(secs)


def _enum(name: str, value: Any, cls: Any) -> Any:
    if isinstance(value, cls):
        return value
    for member in cls:
        if value == member.value or (isinstance(value, str) and value.upper() == member.name):
            return member
    raise InvalidArgumentException(message=f"{name} must be a {cls.__name__}, got {value!r}")


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentException(message=f"{name} must be True or False, got {value!r}")
    return value


def _int(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgumentException(message=f"{name} must be an int, got {value!r}")
    return value


def settings_form(settings: BucketSettings, create: bool) -> Dict[str, Any]:
    """The REST form fields of ``settings`` (checked client-side first, as the official SDK does)."""
    if not isinstance(settings, BucketSettings):
        raise InvalidArgumentException(
            message=f"expected BucketSettings/CreateBucketSettings, got {settings!r}")
    out: Dict[str, Any] = {}
    btype = _enum("bucket_type", settings.get("bucket_type", BucketType.COUCHBASE), BucketType)
    if create:
        out["name"] = settings.name
        out["bucketType"] = "couchbase" if btype is BucketType.COUCHBASE else btype.value
    out["ramQuotaMB"] = _int("ram_quota_mb", settings.get("ram_quota_mb", 100))
    if "num_replicas" in settings and btype is not BucketType.MEMCACHED:
        out["replicaNumber"] = _int("num_replicas", settings["num_replicas"])
    elif create and btype is not BucketType.MEMCACHED:
        out["replicaNumber"] = 1
    if "max_expiry" in settings:
        out["maxTTL"] = _seconds("max_expiry", settings["max_expiry"])
    if "replica_index" in settings and btype is not BucketType.EPHEMERAL:
        out["replicaIndex"] = 1 if _bool("replica_index", settings["replica_index"]) else 0
    if "flush_enabled" in settings:
        out["flushEnabled"] = 1 if _bool("flush_enabled", settings["flush_enabled"]) else 0
    elif create:
        out["flushEnabled"] = 0
    if "eviction_policy" in settings:
        out["evictionPolicy"] = _enum("eviction_policy", settings["eviction_policy"],
                                      EvictionPolicyType).value
    if "compression_mode" in settings:
        mode = _enum("compression_mode", settings["compression_mode"], CompressionMode)
        if mode is not CompressionMode.UNKNOWN:
            out["compressionMode"] = mode.value
    if create and "conflict_resolution_type" in settings:
        crt = _enum("conflict_resolution_type", settings["conflict_resolution_type"], ConflictResolutionType)
        if crt is not ConflictResolutionType.UNKNOWN:
            out["conflictResolutionType"] = crt.value
    if "minimum_durability_level" in settings:
        level = settings["minimum_durability_level"]
        if not isinstance(level, Durability):
            try:
                level = Durability(level)
            except ValueError:
                raise InvalidArgumentException(
                    message=f"minimum_durability_level must be a DurabilityLevel, got {level!r}") from None
        out["durabilityMinLevel"] = _DURABILITY_WIRE[level]
    if "storage_backend" in settings:
        backend = _enum("storage_backend", settings["storage_backend"], StorageBackend)
        if backend is not StorageBackend.UNDEFINED:
            out["storageBackend"] = backend.value
    if "history_retention_collection_default" in settings:
        out["historyRetentionCollectionDefault"] = str(_bool(
            "history_retention_collection_default", settings["history_retention_collection_default"])).lower()
    if "history_retention_bytes" in settings:
        out["historyRetentionBytes"] = _int("history_retention_bytes", settings["history_retention_bytes"])
    if "history_retention_duration" in settings:
        out["historyRetentionSeconds"] = _seconds("history_retention_duration",
                                                  settings["history_retention_duration"])
    if "num_vbuckets" in settings:
        out["numVBuckets"] = _int("num_vbuckets", settings["num_vbuckets"])
    return out


def settings_from_server(obj: Dict[str, Any]) -> BucketSettings:
    """BucketSettings from a ``/pools/default/buckets/<b>`` object."""
    quota = obj.get("quota") or {}
    btype = obj.get("bucketType", "membase")
    out: Dict[str, Any] = {
        "name": obj.get("name"),
        "bucket_type": (BucketType.COUCHBASE if btype in ("membase", "couchbase")
                        else _enum("bucket_type", btype, BucketType)),
        "ram_quota_mb": int(quota.get("rawRAM", 0)) // (1024 * 1024),
        "flush_enabled": "flush" in (obj.get("controllers") or {}),
        "max_expiry": datetime.timedelta(seconds=int(obj.get("maxTTL", 0))),
        "replica_index": bool(obj.get("replicaIndex", False)),
    }
    if btype != "memcached":
        out["num_replicas"] = int(obj.get("replicaNumber", 0))
    for key, field, cls in (("evictionPolicy", "eviction_policy", EvictionPolicyType),
                            ("compressionMode", "compression_mode", CompressionMode),
                            ("conflictResolutionType", "conflict_resolution_type", ConflictResolutionType),
                            ("storageBackend", "storage_backend", StorageBackend)):
        if key in obj:
            try:
                out[field] = _enum(field, obj[key], cls)
            except InvalidArgumentException:
                pass
    if "durabilityMinLevel" in obj:
        out["minimum_durability_level"] = _DURABILITY_FROM_WIRE.get(obj["durabilityMinLevel"],
                                                                    Durability.NONE)
    if "historyRetentionCollectionDefault" in obj:
        out["history_retention_collection_default"] = bool(obj["historyRetentionCollectionDefault"])
    if "historyRetentionBytes" in obj:
        out["history_retention_bytes"] = int(obj["historyRetentionBytes"])
    if "historyRetentionSeconds" in obj:
        out["history_retention_duration"] = datetime.timedelta(seconds=int(obj["historyRetentionSeconds"]))
    if "numVBuckets" in obj:
        out["num_vbuckets"] = int(obj["numVBuckets"])
    out.setdefault("storage_backend", StorageBackend.UNDEFINED)  # buckets without disk have none
    return BucketSettings(**out)


_OPTS = frozenset({"timeout", "parent_span"})


def _name(bucket_name: Any) -> str:
    if not isinstance(bucket_name, str) or not bucket_name:
        raise InvalidArgumentException(message=f"bucket_name must be a non-empty str, got {bucket_name!r}")
    return bucket_name


def _errors_text(resp: Any) -> str:
    try:
        body = json_body(resp)
    except Exception:  # noqa: BLE001 - any body is shown as text
        return str(resp.body[:300].decode("utf-8", "replace"))
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict):
        return ". ".join(f"{k}: {v}" for k, v in errors.items())
    if isinstance(body, dict) and "_" in body:
        return str(body["_"])
    return str(resp.body[:300].decode("utf-8", "replace"))


class BucketManager(Generic[DoneT, BucketSettingsT, BucketSettingsListT, BucketDescribeT]):
    """Create, change, drop, flush and describe buckets: ``cluster.buckets()``.

    Written once for every front end: each method returns what the front end's ``run`` makes of a
    management program (the value on the blocking API, an AsyncResult/future/Deferred on the others).

    Args:
        run: The front end's driver of management programs.
    """

    def __init__(self, run: Callable[[Program], Any]) -> None:
        self._run = run

    def _opts(self, op: str, options: Any, kwargs: Mapping[str, Any]) -> Dict[str, Any]:
        return _o.merge(op, _OPTS, options, kwargs)

    def create_bucket(self, settings: CreateBucketSettings, *options: CreateBucketOptions,
                      **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Create a bucket.

        Args:
            settings: Its settings (:class:`CreateBucketSettings`; ``name`` and ``ram_quota_mb`` at least).
            *options: A management options block (``CreateBucketOptions`` ...; ``timeout``).
            **kwargs: ``timeout`` (timedelta or seconds).

        Returns:
            The front end's pending result of None (on the blocking API: None).

        Raises:
            InvalidArgumentException: Settings the server refuses (a quota too small, ...), or a bad option.
            BucketAlreadyExistsException: The name is taken.
            FeatureUnavailableException: A setting the server offers only as a developer preview.
            AuthenticationException: The user may not manage buckets.
            InternalServerFailureException: Another failure of the management service.
        """
        opts = self._opts("create_bucket", options, kwargs)
        fields = settings_form(settings, True)
        call = timed_call("management", "POST", "/pools/default/buckets", form(**fields), opts=opts)
        return self._run(self._create(call, settings.name))

    @staticmethod
    def _create(call: Call, name: str) -> Program:
        resp = yield call
        if resp.status in (200, 202):
            return None
        text = _errors_text(resp)
        if resp.status == 400 and "already exists" in text:
            raise BucketAlreadyExistsException(message=f"bucket {name!r} already exists")
        if resp.status == 400:
            if "supported only with developer preview enabled" in text:
                raise FeatureUnavailableException(message=f"create_bucket {name!r}: {text}")
            raise InvalidArgumentException(message=f"create_bucket {name!r}: {text}")
        if resp.status == 404:
            raise BucketDoesNotExistException(message=f"bucket {name!r}: {text}")
        raise http_error(resp, f"create_bucket {name!r}")

    def update_bucket(self, settings: BucketSettings, *options: UpdateBucketOptions,
                      **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Change a bucket's settings.

        Args:
            settings: The new settings (:class:`BucketSettings`, with ``name``).
            *options: A management options block (``CreateBucketOptions`` ...; ``timeout``).
            **kwargs: ``timeout`` (timedelta or seconds).

        Returns:
            The front end's pending result of None (on the blocking API: None).

        Raises:
            InvalidArgumentException: Settings the server refuses, or a bad option.
            BucketDoesNotExistException: No such bucket.
            AuthenticationException: The user may not manage buckets.
            InternalServerFailureException: Another failure of the management service.
        """
        opts = self._opts("update_bucket", options, kwargs)
        fields = settings_form(settings, False)
        path = f"/pools/default/buckets/{path_escape(settings.name)}"
        return self._run(self._simple(
            timed_call("management", "POST", path, form(**fields), opts=opts),
            settings.name, "update_bucket"))

    @staticmethod
    def _simple(call: Call, name: str, what: str) -> Program:
        resp = yield call
        if 200 <= resp.status < 300:
            return None
        if resp.status == 404:
            raise BucketDoesNotExistException(message=f"bucket {name!r} does not exist")
        if resp.status == 400:
            text = _errors_text(resp)
            if "Flush is disabled" in text:
                raise BucketNotFlushableException(message=f"flush is not enabled on bucket {name!r}")
            if "supported only with developer preview enabled" in text:
                raise FeatureUnavailableException(message=f"{what} {name!r}: {text}")
            raise InvalidArgumentException(message=f"{what} {name!r}: {text}")
        raise http_error(resp, f"{what} {name!r}")

    def drop_bucket(self, bucket_name: str, *options: DropBucketOptions,
                    **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Delete a bucket and its data.

        Args:
            bucket_name: The bucket's name.
            *options: A management options block (``CreateBucketOptions`` ...; ``timeout``).
            **kwargs: ``timeout`` (timedelta or seconds).

        Returns:
            The front end's pending result of None (on the blocking API: None).

        Raises:
            InvalidArgumentException: ``bucket_name`` not a non-empty str, or a bad option.
            BucketDoesNotExistException: No such bucket.
            AuthenticationException: The user may not manage buckets.
            InternalServerFailureException: Another failure of the management service.
        """
        opts = self._opts("drop_bucket", options, kwargs)
        name = _name(bucket_name)
        call = timed_call("management", "DELETE", f"/pools/default/buckets/{path_escape(name)}", opts=opts)
        return self._run(self._simple(call, name, "drop_bucket"))

    def flush_bucket(self, bucket_name: str, *options: FlushBucketOptions,
                     **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Delete every document of a bucket that has flush enabled.

        Args:
            bucket_name: The bucket's name.
            *options: A management options block (``CreateBucketOptions`` ...; ``timeout``).
            **kwargs: ``timeout`` (timedelta or seconds).

        Returns:
            The front end's pending result of None (on the blocking API: None).

        Raises:
            InvalidArgumentException: ``bucket_name`` not a non-empty str, or a bad option.
            BucketNotFlushableException: Flush is not enabled on the bucket.
            BucketDoesNotExistException: No such bucket.
            AuthenticationException: The user may not manage buckets.
            InternalServerFailureException: Another failure of the management service.
        """
        opts = self._opts("flush_bucket", options, kwargs)
        name = _name(bucket_name)
        call = timed_call("management", "POST",
                          f"/pools/default/buckets/{path_escape(name)}/controller/doFlush", opts=opts)
        return self._run(self._simple(call, name, "flush_bucket"))

    def get_bucket(self, bucket_name: str, *options: GetBucketOptions,
                   **kwargs: Unpack[MgmtKwargs]) -> BucketSettingsT:
        """A bucket's settings.

        Args:
            bucket_name: The bucket's name.
            *options: A management options block (``CreateBucketOptions`` ...; ``timeout``).
            **kwargs: ``timeout`` (timedelta or seconds).

        Returns:
            BucketSettings: The settings (through the front end's pending result).

        Raises:
            InvalidArgumentException: ``bucket_name`` not a non-empty str, or a bad option.
            BucketDoesNotExistException: No such bucket.
            AuthenticationException: The user may not manage buckets.
            InternalServerFailureException: Another failure of the management service.
        """
        opts = self._opts("get_bucket", options, kwargs)
        name = _name(bucket_name)
        call = timed_call("management", "GET", f"/pools/default/buckets/{path_escape(name)}", opts=opts)
        return self._run(self._get(call, name))

    @staticmethod
    def _get(call: Call, name: str) -> Program:
        resp = yield call
        if resp.status == 404:
            raise BucketDoesNotExistException(message=f"bucket {name!r} does not exist")
        if resp.status != 200:
            raise http_error(resp, f"get_bucket {name!r}")
        return settings_from_server(json_body(resp))

    def get_all_buckets(self, *options: GetAllBucketOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> BucketSettingsListT:
        """The settings of every bucket the user may see.

        Args:
            *options: A management options block (``CreateBucketOptions`` ...; ``timeout``).
            **kwargs: ``timeout`` (timedelta or seconds).

        Returns:
            list[BucketSettings]: One per bucket.

        Raises:
            InvalidArgumentException: A bad option.
            AuthenticationException: The user may not manage buckets.
            InternalServerFailureException: Another failure of the management service.
        """
        opts = self._opts("get_all_buckets", options, kwargs)
        call = timed_call("management", "GET", "/pools/default/buckets", opts=opts)
        return self._run(self._get_all(call))

    @staticmethod
    def _get_all(call: Call) -> Program:
        resp = yield call
        if resp.status != 200:
            raise http_error(resp, "get_all_buckets")
        return [settings_from_server(obj) for obj in json_body(resp) or []]

    def bucket_describe(self, bucket_name: str, *options: BucketDescribeOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> BucketDescribeT:
        """Name, uuid, node count, replicas, capabilities and storage backend of a bucket.

        Args:
            bucket_name: The bucket's name.
            *options: A management options block (``CreateBucketOptions`` ...; ``timeout``).
            **kwargs: ``timeout`` (timedelta or seconds).

        Returns:
            BucketDescribeResult: What the cluster reports.

        Raises:
            InvalidArgumentException: ``bucket_name`` not a non-empty str, or a bad option.
            BucketDoesNotExistException: No such bucket.
            AuthenticationException: The user may not manage buckets.
            InternalServerFailureException: Another failure of the management service.
        """
        opts = self._opts("bucket_describe", options, kwargs)
        name = _name(bucket_name)
        call = timed_call("management", "GET", f"/pools/default/buckets/{path_escape(name)}", opts=opts)
        return self._run(self._describe(call, name))

    @staticmethod
    def _describe(call: Call, name: str) -> Program:
        resp = yield call
        if resp.status == 404:
            raise BucketDoesNotExistException(message=f"bucket {name!r} does not exist")
        if resp.status != 200:
            raise http_error(resp, f"bucket_describe {name!r}")
        obj = json_body(resp)
        return BucketDescribeResult(obj.get("name", name), obj.get("uuid", ""), len(obj.get("nodes", [])),
                                    int(obj.get("replicaNumber", 0)), list(obj.get("bucketCapabilities", [])),
                                    obj.get("storageBackend", ""), {})
