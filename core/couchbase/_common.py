"""What every front end's Cluster and Bucket share, whatever their I/O style.

:class:`ClusterCommon`: the connections, ``close()``, and the timeouts as
properties (read from the settings given at connect time, else from
libcouchbase; setting one applies it to every open connection).
:class:`BucketCommon`: ``close()`` and the ``_cntl`` escape hatch.

Front ends with an owner thread (the event-loop ones) override
``_check_thread``; the blocking front end has none (its connections lock).
"""
from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Dict, List

from couchbase import options as _o
from couchbase._binding import lib
from couchbase.exceptions import InvalidArgumentException, exception_for

if TYPE_CHECKING:
    from couchbase._instance import Connection

DEFAULT = "_default"  # the default scope's and the default collection's name


def check_name(kind: str, name: Any) -> str:
    """A bucket, scope or collection name; InvalidArgumentException naming ``kind`` otherwise."""
    if not isinstance(name, str) or not name or len(name) > 251:
        raise InvalidArgumentException(message=f"{kind} name must be a non-empty str, got {name!r}")
    return name


# connection-string setting -> the LCB_CNTL_* code it is read back with
_TIMEOUT_CNTLS = {
    "operation_timeout": lib.LCB_CNTL_OP_TIMEOUT,
    "query_timeout": lib.LCB_CNTL_QUERY_TIMEOUT,
    "views_timeout": lib.LCB_CNTL_VIEW_TIMEOUT,
    "http_timeout": lib.LCB_CNTL_HTTP_TIMEOUT,
    "durability_timeout": lib.LCB_CNTL_DURABILITY_TIMEOUT,
    "config_total_timeout": lib.LCB_CNTL_CONFIGURATION_TIMEOUT,
}


def _timeout_property(setting: str, doc: str) -> property:
    return property(lambda self: self._get_timeout(setting), lambda self, v: self._set_timeout(setting, v),
                    doc=doc)


class ClusterCommon:
    """Connections, close and timeouts of a cluster (every front end)."""

    _conn: "Connection"
    _buckets: Dict[str, Any]
    _settings: Dict[str, str]
    _closed: bool

    def _check_thread(self) -> None:
        """Front ends whose cluster belongs to one thread refuse other threads here."""

    def connections(self) -> List["Connection"]:
        """This cluster's libcouchbase connections: the cluster-level one first, then one per open bucket.

        Returns:
            list: The connections (for diagnostics and the ``_cntl`` escape hatch).

        Never raises.
        """
        return [self._conn] + [b._conn for b in self._buckets.values()]

    def close(self) -> None:
        """Close every bucket connection and the cluster connection.

        Operations in flight fail with ObjectClosedException. Closing twice is harmless.

        Raises:
            ObjectThreadException: On an event-loop front end, called from a thread other than the
                loop's.
        """
        self._check_thread()  # libcouchbase and a loop's watchers belong to the owner thread
        if self._closed:
            return
        self._closed = True
        for bucket in self._buckets.values():
            bucket.close()
        self._conn.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    def _get_timeout(self, setting: str) -> datetime.timedelta:
        value = self._settings.get(setting)
        if value is not None:
            return datetime.timedelta(seconds=float(value))
        return datetime.timedelta(seconds=self._conn.get_timeout(_TIMEOUT_CNTLS[setting]))

    def _set_timeout(self, setting: str, value: Any) -> None:
        self._check_thread()
        secs = _o.to_seconds(setting, value)
        self._settings[setting] = repr(secs)
        for conn in self.connections():
            if not conn.closed:
                conn.cntl_string(setting, repr(secs))

    kv_timeout = _timeout_property(
        "operation_timeout", "Default KV operation timeout (timedelta; settable with seconds or timedelta).")
    query_timeout = _timeout_property("query_timeout", "N1QL timeout.")
    views_timeout = _timeout_property("views_timeout", "Views timeout.")
    management_timeout = _timeout_property("http_timeout", "HTTP (management) timeout.")
    durability_timeout = _timeout_property("durability_timeout", "Observe-durability timeout.")
    config_total_timeout = _timeout_property("config_total_timeout", "Bootstrap timeout.")


class BucketCommon:
    """Close and the libcouchbase escape hatch of a bucket (every front end)."""

    _conn: "Connection"

    def _check_thread(self) -> None:
        """Front ends whose bucket belongs to one thread refuse other threads here."""

    def close(self) -> None:
        """Close the bucket's connection; operations in flight fail with ObjectClosedException.

        Raises:
            ObjectThreadException: On an event-loop front end, called from a thread other than the
                loop's.
        """
        self._check_thread()
        self._conn.close()

    @property
    def closed(self) -> bool:
        """True once the bucket's connection is closed."""
        return self._conn.closed

    def _cntl(self, setting: Any, value: Any = None) -> Any:
        """Escape hatch to libcouchbase settings.

        ``_cntl("operation_timeout", "2.5")`` sets a setting by its connection-string
        name; ``_cntl(code)`` reads and ``_cntl(code, n)`` writes a 32-bit setting by
        its ``LCB_CNTL_*`` code.

        :raises InvalidArgumentException: a setting or value of the wrong kind.
        :raises ObjectClosedException: the bucket is closed.
        """
        self._check_thread()
        conn = self._conn
        with conn.locked():
            if isinstance(setting, str):
                if value is None:
                    raise InvalidArgumentException(message="_cntl by name needs a value to set")
                conn.cntl_string(setting, str(value))
                return None
            if not isinstance(setting, int) or isinstance(setting, bool) or not 0 <= setting <= 0xFFFF:
                raise InvalidArgumentException(
                    message=f"_cntl setting must be a name or an LCB_CNTL_* code, got {setting!r}")
            if value is None:
                return lib.lcb_cntl_getu32(conn.instance, setting)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFFFFFF:
                raise InvalidArgumentException(
                    message=f"_cntl value must be a 32-bit unsigned int, got {value!r}")
            rc = lib.lcb_cntl_setu32(conn.instance, setting, value)
            if rc:
                raise exception_for(rc, f"_cntl({setting:#x}, {value}) failed")
            return None


__all__ = ["BucketCommon", "ClusterCommon"]
