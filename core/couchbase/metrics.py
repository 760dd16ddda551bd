"""Plugging your own meter in (SDK 4.x module ``couchbase.metrics``).

Pass a :class:`CouchbaseMeter` as ``ClusterOptions(meter=...)``: libcouchbase then records each
operation's latency with it instead of its logging meter (``enable_metrics`` and the
``metrics_options`` block no longer apply). It asks the meter for one
:class:`CouchbaseValueRecorder` per metric name and tag set, keeps it for the life of the
connection, and records each operation's duration in microseconds: the name is
``db.couchbase.operations``, the tags ``db.couchbase.service`` (``kv``, ``query``, …) and
``db.operation`` (``get``, ``upsert``, …). libcouchbase 3.3.4 records the key-value operations,
search (tagged with the index name) and view queries (``design/view``); it records no query or
analytics duration (it lets go of the HTTP request before it would).

A meter or recorder that raises is logged (the ``couchbase.observability`` logger, with its
traceback) and the operation carries on.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Mapping


class CouchbaseValueRecorder(ABC):
    """Records the values of one metric (one name and tag set); derive from it and implement
    :meth:`record_value`."""

    @abstractmethod
    def record_value(self, value: int) -> None:
        """Record one value.

        Args:
            value: An operation's duration in microseconds.

        Returns:
            None

        Raises:
            Exception: Whatever the recorder raises; it is logged, never passed to the operation.
        """


class CouchbaseMeter(ABC):
    """A meter of your metrics library, as the SDK sees it (``ClusterOptions(meter=...)``);
    derive from it and implement :meth:`value_recorder`."""

    @abstractmethod
    def value_recorder(self, name: str, tags: Mapping[str, Any]) -> CouchbaseValueRecorder:
        """The recorder of one metric.

        Args:
            name: The metric's name (``db.couchbase.operations``).
            tags: Its tags (``db.couchbase.service``, ``db.operation``).

        Returns:
            CouchbaseValueRecorder: The recorder its values go to (asked once per name and tags
            on each connection).

        Raises:
            Exception: Whatever the meter raises; it is logged, and that metric is not recorded.
        """


__all__ = ["CouchbaseMeter", "CouchbaseValueRecorder"]
