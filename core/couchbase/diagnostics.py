"""Health-check types (SDK 4.x module ``couchbase.diagnostics``).

``cluster.ping()`` returns a :class:`~couchbase.result.PingResult` whose ``endpoints`` map a
:class:`ServiceType` to :class:`EndpointPingReport` s; ``cluster.diagnostics()`` a
``DiagnosticsResult`` with :class:`EndpointDiagnosticsReport` s and an overall
:class:`ClusterState`. Both are built from libcouchbase's JSON health reports.
"""
from __future__ import annotations

import datetime
import enum
from typing import Any, Dict, Optional


class EndpointState(enum.Enum):
    Disconnected = "disconnected"
    Connecting = "connecting"
    Connected = "connected"
    Disconnecting = "disconnecting"


class ClusterState(enum.Enum):
    Online = "online"
    Degraded = "degraded"
    Offline = "offline"


class ServiceType(enum.Enum):
    Analytics = "analytics"
    KeyValue = "key_value"
    Eventing = "eventing"
    Management = "management"
    Query = "query"
    Search = "search"
    View = "view"


class PingState(enum.Enum):
    OK = "ok"
    TIMEOUT = "timeout"
    ERROR = "error"


# libcouchbase's service names in its ping/diagnostics reports
LCB_SERVICE = {"kv": ServiceType.KeyValue, "views": ServiceType.View, "n1ql": ServiceType.Query,
               "fts": ServiceType.Search, "cbas": ServiceType.Analytics, "mgmt": ServiceType.Management,
               "eventing": ServiceType.Eventing}
LCB_NAME = {v: k for k, v in LCB_SERVICE.items()}
# a cluster-level (bucketless) connection reports its bootstrap KV connection as "config"
_DIAG_ONLY = {"config": ServiceType.KeyValue}


def service_types(values: Any) -> Any:
    """A list of ServiceType from ``service_types=[...]`` (a single value is refused, as in SDK 4.x)."""
    from couchbase.exceptions import InvalidArgumentException

    if isinstance(values, (str, ServiceType)) or not hasattr(values, "__iter__"):
        raise InvalidArgumentException(message=f"service_types must be a list of ServiceType, got {values!r}")
    return [service_type(v) for v in values]


def service_type(value: Any) -> ServiceType:
    """A ServiceType from itself, its value (``"key_value"``) or libcouchbase's name (``"kv"``)."""
    if isinstance(value, ServiceType):
        return value
    if value in LCB_SERVICE:
        return LCB_SERVICE[value]
    if value in _DIAG_ONLY:
        return _DIAG_ONLY[value]
    try:
        return ServiceType(value)
    except ValueError:
        from couchbase.exceptions import InvalidArgumentException

        raise InvalidArgumentException(message=f"unknown service type {value!r}") from None


class _Report(dict):  # type: ignore[type-arg]
    """One endpoint's entry of a report; also the raw dict libcouchbase gave.

    Args:
        service: The endpoint's service.
        source: libcouchbase's JSON object of the endpoint.
    """

    def __init__(self, service: ServiceType, source: Dict[str, Any]) -> None:
        super().__init__(source)
        self._service_type = service

    @property
    def service_type(self) -> ServiceType:
        """The endpoint's ServiceType."""
        return self._service_type

    @property
    def type(self) -> ServiceType:
        """Deprecated name of ``service_type``."""
        return self._service_type

    @property
    def id(self) -> Optional[str]:
        """The endpoint's connection id, or None."""
        return self.get("id")

    @property
    def local(self) -> Optional[str]:
        """The local address (``host:port``), or None."""
        return self.get("local")

    @property
    def remote(self) -> Optional[str]:
        """The remote address (``host:port``), or None."""
        return self.get("remote")

    @property
    def namespace(self) -> Optional[str]:
        """The bucket (or scope) the endpoint serves, or None."""
        return self.get("namespace", self.get("scope", self.get("bucket")))

    def as_dict(self) -> Dict[str, Any]:
        """The SDK 4.x JSON form of the entry (``state`` instead of libcouchbase's ``status``).

        Returns:
            dict: The entry.

        Never raises.
        """
        out = {k: v for k, v in self.items() if v is not None and k != "status"}
        out["state"] = self.state.value  # type: ignore[attr-defined]
        return out


class EndpointPingReport(_Report):
    """One endpoint of a ping: ``state`` (PingState), ``latency`` (timedelta), ``error``."""

    @property
    def state(self) -> PingState:
        """The PingState of the endpoint (``ok``, ``timeout``, ``error``)."""
        return PingState(self.get("status", self.get("state", "error")))

    @property
    def latency(self) -> Optional[datetime.timedelta]:
        """How long the ping took (timedelta), or None."""
        us = self.get("latency_us", self.get("latency"))
        return datetime.timedelta(microseconds=us) if us is not None else None

    @property
    def error(self) -> Optional[str]:
        """The error text of a failed ping, or None."""
        return self.get("error")

    def __repr__(self) -> str:
        return f"EndpointPingReport({self.service_type.name}, {dict.__repr__(self)})"


class EndpointDiagnosticsReport(_Report):
    """One connection of a diagnostics report: ``state`` (EndpointState), ``last_activity``."""

    @property
    def state(self) -> EndpointState:
        """The EndpointState of the connection (``connected``, ``disconnected``, ...)."""
        return EndpointState(self.get("status", self.get("state", "disconnected")))

    @property
    def last_activity(self) -> Optional[datetime.timedelta]:
        """How long ago the connection was last used (timedelta), or None."""
        us = self.get("last_activity_us", self.get("last_activity"))
        return datetime.timedelta(microseconds=us) if us is not None else None

    last_activity_us = last_activity

    def __repr__(self) -> str:
        return f"EndpointDiagnosticsReport({self.service_type.name}, {dict.__repr__(self)})"


class ServiceEndpoints(dict):  # type: ignore[type-arg]
    """``{ServiceType: [reports]}``; also looked up by libcouchbase's names (``"kv"``)."""

    def _k(self, key: Any) -> Any:
        return LCB_SERVICE.get(key, key) if isinstance(key, str) else key

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self._k(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._k(key), default)

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._k(key))


__all__ = ["ClusterState", "EndpointDiagnosticsReport", "EndpointPingReport", "EndpointState", "PingState",
           "ServiceType"]
