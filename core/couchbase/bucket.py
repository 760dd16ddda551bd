"""Bucket: one bucket-level libcouchbase connection, its scopes and collections."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict

from couchbase import _health, _kv, _requests
from couchbase._common import DEFAULT, BucketCommon, check_name
from couchbase._generic import Specialized
from couchbase._instance import Connection
from couchbase._pending import Pending
from couchbase.collection import Collection
from couchbase.management._access import BucketManagement
from couchbase.management.views import ViewIndexManager
from couchbase.results import DiagnosticsResult, PingResult
from couchbase.scope import Scope

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase._bound import (
        BlockingCollectionManager,  # noqa: F401 - the class statement
        BlockingViewIndexManager,
    )
    from couchbase._kwargs import (
        DiagnosticsArg,
        DiagnosticsKwargs,
        PingArg,
        PingKwargs,
        Seconds,
        ViewArg,
        WaitUntilReadyKwargs,
    )
    from couchbase.cluster import Cluster
    from couchbase.options import WaitUntilReadyOptions
    from couchbase.views import ViewResult


class Bucket(Specialized, BucketCommon, BucketManagement["BlockingCollectionManager"]):
    """A bucket of a cluster. Open it with ``cluster.bucket(name)``.

    Args:
        cluster: The cluster the bucket belongs to.
        name: The bucket name.
        conn: The bucket's open libcouchbase connection.
    """

    def __init__(self, cluster: "Cluster", name: str, conn: Connection) -> None:
        self._cluster = cluster
        self.name = check_name("bucket", name)
        self._conn = conn
        self._transcoder = cluster._transcoder
        self._quiet_default = cluster._quiet_default

    def scope(self, name: str) -> Scope:
        """A scope of this bucket (no round trip: a missing scope fails its operations).

        Args:
            name: The scope name.

        Returns:
            Scope: The scope.

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
        """
        return Scope(self, name)

    def default_scope(self) -> Scope:
        """The bucket's ``_default`` scope.

        Returns:
            Scope: The default scope.

        Never raises.
        """
        return Scope(self, DEFAULT)

    def collection(self, name: str) -> Collection:
        """A collection of the bucket's default scope.

        Args:
            name: The collection name.

        Returns:
            Collection: The collection (a missing one fails its operations).

        Raises:
            InvalidArgumentException: ``name`` not a non-empty str.
        """
        return Scope(self, DEFAULT).collection(name)

    def default_collection(self) -> Collection:
        """The bucket's ``_default._default`` collection.

        Returns:
            Collection: The default collection.

        Never raises.
        """
        return Scope(self, DEFAULT).default_collection()

    def _run(self, schedule: Callable[[], Pending]) -> Any:
        return self._conn.run(schedule)

    def stats(self, group: str = "") -> Dict[str, Dict[str, str]]:
        """Memcached STATS from every node of the bucket.

        Args:
            group: The stats group (``""``: the general stats; ``"memory"``, ``"vbucket"``, ...).

        Returns:
            dict: ``{server: {stat: value}}``.

        Raises:
            InvalidArgumentException: ``group`` not a str.
            TimeoutException: A node did not answer in time.
        """
        result: Dict[str, Dict[str, str]] = self._run(lambda: _kv.schedule_stats(self._conn, group))
        return result

    def ping(self, *options: PingArg, **kwargs: Unpack[PingKwargs]) -> PingResult:
        """Ping every service the bucket's nodes offer.

        Args:
            *options: A :class:`~couchbase.options.PingOptions` block, or a timeout.
            **kwargs: ``report_id``, ``service_types``, ``timeout``.

        Returns:
            PingResult: The endpoints of each service with their state and latency.

        Raises:
            InvalidArgumentException: A bad option.
        """
        result: PingResult = self._run(_health.ping_schedule(self._conn, options, kwargs))
        return result

    def diagnostics(self, *options: DiagnosticsArg, **kwargs: Unpack[DiagnosticsKwargs]) -> DiagnosticsResult:
        """Report the state of each of the bucket's open connections.

        Args:
            *options: A :class:`~couchbase.options.DiagnosticsOptions` block.
            **kwargs: ``report_id``.

        Returns:
            DiagnosticsResult: Each endpoint's state.

        Raises:
            InvalidArgumentException: A bad option.
        """
        result: DiagnosticsResult = self._run(_health.diagnostics_schedule(self._conn, options, kwargs))
        return result

    def wait_until_ready(self, timeout: Seconds, *options: WaitUntilReadyOptions,
                         **kwargs: Unpack[WaitUntilReadyKwargs]) -> None:
        """Wait until the bucket's services answer a ping.

        See :meth:`couchbase.cluster.Cluster.wait_until_ready`.

        Args:
            timeout: How long to wait at most (timedelta or seconds).
            *options: A :class:`~couchbase.options.WaitUntilReadyOptions` block.
            **kwargs: ``desired_state``, ``service_types``.

        Raises:
            InvalidArgumentException: A bad timeout or option.
            UnAmbiguousTimeoutException: The desired state was not reached within ``timeout``.
        """
        import time

        _health.wait_until_ready(self, timeout, options, kwargs, time.sleep)

    def view_query(self, design_doc: str, view: str, *options: ViewArg, **kwargs: Any) -> ViewResult:
        """Query a map/reduce view; rows (ViewRow) stream as they are iterated.

        Args:
            design_doc: The design document name.
            view: The view name.
            *options: :class:`~couchbase.options.ViewOptions` blocks (``key``, ``keys``,
                ``startkey``/``endkey``, ``mapkey_range``, ``descending``, ``stale``, ``limit``,
                ``skip``, ``reduce``, ``group``, ``group_level``, ``include_docs``, ``namespace``), or a
                raw query string.
            **kwargs: ViewOptions fields by name.

        Returns:
            ViewResult: Iterate it for the rows; ``metadata()`` once they are read.

        Raises:
            InvalidArgumentException: A bad option.
            DesignDocumentNotFoundException: Raised while iterating: no such design document or view.
            TimeoutException: Raised while iterating: no complete answer within the views timeout.
        """
        request = _requests.view(design_doc, view, options, kwargs, self._transcoder)
        result: ViewResult = _requests.blocking(request, self._conn)
        return result

    def view_indexes(self) -> BlockingViewIndexManager:
        """Design-document management for this bucket (``bucket_manager`` is its 1.x/2.x name).

        Returns:
            ViewIndexManager: get, upsert, drop and publish design documents.

        Never raises.
        """
        return ViewIndexManager(self._conn, self.name, self._run_http)

    bucket_manager = view_indexes

    def _run_http(self, schedule: Callable[[], Pending], then: Callable[[Any], Any]) -> Any:
        return then(self._conn.run(schedule))

    def __repr__(self) -> str:
        return f"Bucket(name={self.name!r})"


# 3.x spelling: ``from couchbase.bucket import PingOptions``
from couchbase.options import PingOptions, ViewOptions  # noqa: E402,F401
