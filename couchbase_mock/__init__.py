"""couchbase_mock: a protocol-faithful Couchbase cluster in Python.

Real libcouchbase (the ``cbc`` tools, this SDK) and the official Couchbase SDK
connect to it over TCP as to a server. Use it in-process::

    from couchbase_mock import MockCluster
    with MockCluster(nodes=3, replicas=1, buckets=["default"]) as mock:
        connect_to(mock.connstr, mock.username, mock.password)
        mock.advance_clock(60)        # expire documents without sleeping
        mock.stop_node(1)             # hard-stop a node

or from the command line (``python -m couchbase_mock --help``), or through the
pytest fixtures ``couchbase_mock_cluster`` and ``couchbase_connstr``. The
cluster runs its own event loop on a daemon thread; every control method is
thread-safe and returns once the change is applied.
"""
from __future__ import annotations

import asyncio
import threading
from typing import Any, Callable, Coroutine, Dict, List, Optional, Sequence, Tuple, TypeVar, overload

from couchbase_mock.cluster import Bucket, Cluster, Node, version_tuple
from couchbase_mock.kv.connection import KVConnection
from couchbase_mock.store import Doc, is_json

T = TypeVar("T")

__all__ = ["MockCluster"]


class MockCluster:
    """A running mock cluster (a context manager: ``with MockCluster(...) as mock``).

    Args:
        nodes: The number of nodes (each with its own KV and HTTP ports).
        replicas: Replicas per vBucket (0-3; at most nodes-1 are placed).
        buckets: The bucket names.
        vbuckets: vBuckets per bucket (default 64).
        username: The built-in administrator (default ``Administrator``; it holds the ``admin`` role;
            more users are created over the REST API, ``PUT /settings/rbac/users/local/<name>``).
        password: Its password (default ``password``).
        latency_ms: A delay added to every KV reply.
        http: Also serve the HTTP services (mgmt, views, query, search, analytics, eventing).
        tls: Also serve TLS ports (a generated CA; its path is ``ca_cert_path``).
        control_port: The port of the HTTP control API (0: a free one, or ``base_port``'s; None: none).
        base_port: Pin every port instead of taking free ones, so that a mock restarted with the same
            ``base_port`` comes back on the same addresses, as a restarted server does. Node ``i``
            uses ``base_port + i * PORTS_PER_NODE`` onwards (see :meth:`pinned_ports`); the control
            port, when ``control_port`` is 0, is the first port after the last node's.
        server_version: The Couchbase Server version to report and behave as (None:
            ``7.6.2-3721-enterprise``); see :meth:`set_server_version`.

    Raises:
        ValueError: ``base_port`` out of range for the ports it needs, or a malformed ``server_version``.
    """

    #: ports reserved per node with ``base_port``: KV, KV TLS, then each HTTP service, then its TLS twin.
    PORTS_PER_NODE = 16

    #: The administrator's name (the ``username`` argument; it holds the ``admin`` role).
    username: str
    #: The administrator's password (the ``password`` argument).
    password: str
    #: The generated CA certificate's path with ``tls=True`` (for ``cert_path``/``certpath=``), else None.
    ca_cert_path: Optional[str]

    def __init__(self, nodes: int = 3, replicas: int = 1, buckets: Sequence[str] = ("default",),
                 vbuckets: int = 64, username: str = "Administrator", password: str = "password",
                 latency_ms: float = 0, http: bool = True, tls: bool = False, control_port: Optional[int] = 0,
                 base_port: Optional[int] = None, server_version: Optional[str] = None) -> None:
        self.cluster = Cluster(nodes, replicas, list(buckets), vbuckets, username, password)
        if server_version is not None:
            version_tuple(server_version)
            self.cluster.server_version = server_version
        self.ca_cert_path: Optional[str] = None
        self._client_ca: Any = None
        if tls:
            from couchbase_mock.tls import ClientCertIssuer, make_server_context

            self._client_ca = ClientCertIssuer()
            self.cluster.server_ssl_context, self.ca_cert_path = make_server_context(self._client_ca.ca_pem())
            self.cluster.client_cert_auth.attach(self.cluster.server_ssl_context)
        if base_port is not None:
            control_port = self._pin_ports(base_port, control_port)
        self.cluster.control = self
        self.username = username
        self.password = password
        self._latency = latency_ms / 1000.0
        self._http = http
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._control_port = control_port
        self._control_server: Any = None
        self.control_port = 0

    def add_user(self, username: str, password: str = "") -> None:
        """Accept ``username``/``password`` as well as the RBAC user (a bucket's name and password, which 1.x
        clients authenticate with). Such a user may do on that bucket what a bucket password allowed
        before RBAC: everything, on every service (roles ``bucket_full_access``, ``fts_admin`` and
        ``analytics_select`` on the bucket).

        Args:
            username: The user name.
            password: Its password.

        Never raises.
        """
        self.cluster.extra_users[username] = password

    def issue_client_cert(self, common_name: str = "", uris: Sequence[str] = (),
                          dns_names: Sequence[str] = (), emails: Sequence[str] = (),
                          trusted: bool = True) -> Tuple[str, str]:
        """A client certificate signed by the CA the TLS ports trust for client certificates (needs
        ``tls=True``), with this subject common name and these subject alternative names. Which user
        it authenticates as is the ``/settings/clientCertAuth`` rules' business
        (:meth:`set_client_cert_auth`).

        Args:
            common_name: The subject CN ("" for none).
            uris: ``san.uri`` values.
            dns_names: ``san.dnsname`` values.
            emails: ``san.email`` values.
            trusted: False signs it with a CA the mock does not trust (the TLS handshake fails).

        Returns:
            tuple: (certificate PEM path, private key PEM path), temporary files removed when the
            mock stops.

        Raises:
            RuntimeError: The mock was started without ``tls=True``.
        """
        if self._client_ca is None:
            raise RuntimeError("this MockCluster was started without tls=True")
        return self._client_ca.issue(common_name, uris, dns_names, emails, trusted)  # type: ignore[no-any-return]

    def set_client_cert_auth(self, state: str, prefixes: Sequence[Dict[str, str]] = ()) -> None:
        """Set the client-certificate settings, as ``POST /settings/clientCertAuth`` does.

        Args:
            state: ``disable``, ``enable`` or ``mandatory``.
            prefixes: Rules ``{"path": "subject.cn"|"san.uri"|"san.dnsname"|"san.email",
                "prefix": ..., "delimiter": ...}``.

        Raises:
            ValueError: Settings the server refuses (the message lists why).
        """
        rules = [dict(p) for p in prefixes]
        errors = self.cluster.client_cert_auth.update({"state": state, "prefixes": rules})
        if errors:
            raise ValueError("; ".join(errors))

    def _pin_ports(self, base_port: int, control_port: Optional[int]) -> Optional[int]:
        """Give every node its fixed ports (see ``base_port``); returns the control port to use."""
        from couchbase_mock.http.cluster_view import SERVICES, TLS_SERVICES
        from couchbase_mock.http.node import SERVICE_ROUTERS

        nodes = self.cluster.nodes
        span = len(nodes) * self.PORTS_PER_NODE + 1
        valid = isinstance(base_port, int) and not isinstance(base_port, bool)
        if not valid or not 1024 <= base_port <= 65536 - span:
            raise ValueError(f"base_port must be an int from 1024 to {65536 - span} "
                             f"({len(nodes)} nodes use {span} ports from it), got {base_port!r}")
        tls = self.cluster.server_ssl_context is not None
        for index, node in enumerate(nodes):
            port = base_port + index * self.PORTS_PER_NODE
            node.kv_port = port
            if tls:  # without TLS the configuration keeps advertising no TLS ports (0)
                node.kv_ssl_port = port + 1
            for offset, service in enumerate(SERVICE_ROUTERS, start=2):
                setattr(node, SERVICES[service], port + offset)
                if tls:
                    setattr(node, TLS_SERVICES[service], port + offset + len(SERVICE_ROUTERS))
        return base_port + len(nodes) * self.PORTS_PER_NODE if control_port == 0 else control_port

    def pinned_ports(self) -> Dict[str, int]:
        """Every port this mock listens on, by name (``node0.kv``, ``node0.mgmt``, ..., ``control``).

        Returns:
            dict: name -> port.

        Raises:
            RuntimeError: The mock is not running.
        """
        from couchbase_mock.http.cluster_view import SERVICES, TLS_SERVICES

        ports: Dict[str, int] = {}
        for index, node in enumerate(self.cluster.nodes):
            ports[f"node{index}.kv"] = node.kv_port
            if self.cluster.server_ssl_context is not None:
                ports[f"node{index}.kvSSL"] = node.kv_ssl_port
            for service, attr in SERVICES.items():
                if getattr(node, attr, 0):
                    ports[f"node{index}.{service}"] = getattr(node, attr)
                tls_port = getattr(node, TLS_SERVICES[service], 0) if self.cluster.server_ssl_context else 0
                if tls_port:
                    ports[f"node{index}.{service}SSL"] = tls_port
        if self.control_port:
            ports["control"] = self.control_port
        return ports

    # ---- life cycle -------------------------------------------------------------
    def start(self) -> "MockCluster":
        """Start the loop thread and every node; returns when all ports listen.

        Returns:
            MockCluster: This mock (``mock = MockCluster().start()``).

        Raises:
            OSError: A port could not be bound (a pinned port in use).
            RuntimeError: The loop thread failed to start the cluster.
        """
        if self._thread is not None:
            return self
        ready = threading.Event()
        errors: List[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._start_all())
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._stop_all())
            loop.run_until_complete(_finish_tasks())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="couchbase-mock", daemon=True)
        self._thread.start()
        ready.wait(30)
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        """Close every port and stop the loop thread (stopping twice is harmless).

        Never raises.
        """
        if self._client_ca is not None:
            self._client_ca.remove_files()
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None
        self._loop = None

    def __enter__(self) -> "MockCluster":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    async def _start_all(self) -> None:
        for node in self.cluster.nodes:
            node.latency = self._latency
            await self._start_node(node, first=True)
        self.cluster.add_config_listener(self._push_configs)
        if self._control_port is not None:
            from couchbase_mock.http.control import start_control_http

            self._control_server, self.control_port = await start_control_http(
                self.cluster, self._control_port)
        self.cluster.bump()

    def _push_configs(self) -> None:
        """Server-initiated config push (magic 0x82, CLUSTERMAP_CHANGE_NOTIFICATION) to every
        connection that acknowledged both DUPLEX and clustermap notifications, and only those."""
        import struct

        from couchbase_mock.kv.connection import F_CLUSTERMAP_NOTIF, F_DUPLEX

        for node in self.cluster.nodes:
            for conn in list(node.connections):
                if conn.bucket is None or not {F_DUPLEX, F_CLUSTERMAP_NOTIF} <= conn.features:
                    continue
                key = conn.bucket.name.encode()
                value = self.cluster.bucket_config_json(conn.bucket.name).encode()
                extras = struct.pack(">I", self.cluster.rev)
                header = struct.pack(">BBHBBHIIQ", 0x82, 0x01, len(key), len(extras), 1, 0,
                                     len(extras) + len(key) + len(value), 0, 0)
                conn.send(header + extras + key + value)

    @property
    def control_url(self) -> str:
        """Base URL of the HTTP/JSON control port (``GET|POST <url>/<command>?param=value``)."""
        return f"http://127.0.0.1:{self.control_port}/mock"

    async def _start_node(self, node: Node, first: bool = False) -> None:
        loop = asyncio.get_running_loop()
        node.server = await loop.create_server(lambda: KVConnection(self.cluster, node), "127.0.0.1",
                                               node.kv_port)
        node.kv_port = node.server.sockets[0].getsockname()[1]
        ssl_ctx = self.cluster.server_ssl_context
        if ssl_ctx is not None:
            node.tls_server = await loop.create_server(lambda: KVConnection(self.cluster, node), "127.0.0.1",
                                                       node.kv_ssl_port, ssl=ssl_ctx)
            node.kv_ssl_port = node.tls_server.sockets[0].getsockname()[1]
        node.running = True
        node.hung = False
        if self._http:
            from couchbase_mock.http.node import start_node_http

            await start_node_http(self.cluster, node)

    async def _stop_node(self, node: Node) -> None:
        node.running = False
        for server in (node.server, node.tls_server):
            if server is not None:
                server.close()
        node.server = node.tls_server = None
        for conn in list(node.connections):
            conn.close(reset=True)
        if self._http:
            from couchbase_mock.http.node import stop_node_http

            await stop_node_http(node)

    async def _stop_all(self) -> None:
        if self._control_server is not None:
            self._control_server.close()
        for node in self.cluster.nodes:
            if node.running:
                await self._stop_node(node)
        if self._control_server is not None:
            await self._control_server.wait_closed()

    @overload
    def _call(self, fn: Callable[[], Coroutine[Any, Any, T]]) -> T: ...

    @overload
    def _call(self, fn: Callable[[], T]) -> T: ...

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the mock's loop and return its result (coroutines are awaited)."""
        if self._loop is None:
            raise RuntimeError("the mock cluster is not running")
        if threading.current_thread() is self._thread:
            return fn()  # already on the loop (the HTTP control port): a coroutine is awaited by the caller

        async def wrapper() -> Any:
            result = fn()
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(30)

    # ---- connection strings ---------------------------------------------------------
    @property
    def connstr(self) -> str:
        """libcouchbase connection string naming every node's KV port (CCCP bootstrap)."""
        hosts = ",".join(f"127.0.0.1:{n.kv_port}=mcd" for n in self.cluster.nodes if n.running)
        return f"couchbase://{hosts}"

    @property
    def tls_connstr(self) -> str:
        """``couchbases://`` connection string over the TLS KV ports (needs ``tls=True``);
        add ``?certpath=<mock.ca_cert_path>`` to trust the mock's CA."""
        if self.ca_cert_path is None:
            raise RuntimeError("this MockCluster was started without tls=True")
        hosts = ",".join(f"127.0.0.1:{n.kv_ssl_port}=mcds" for n in self.cluster.nodes if n.running)
        return f"couchbases://{hosts}"

    def connstr_for(self, bucket: str) -> str:
        """The connection string naming ``bucket`` (``couchbase://.../bucket``, for 1.x-style clients).

        Args:
            bucket: The bucket's name.

        Returns:
            str: The connection string.

        Never raises.
        """
        return f"{self.connstr}/{bucket}"

    @property
    def http_connstr(self) -> str:
        """Bootstrap over the first node's HTTP streaming config instead of CCCP."""
        return f"couchbase://127.0.0.1:{self.cluster.nodes[0].mgmt_port}=http"

    @property
    def nodes(self) -> List[Node]:
        """The cluster's nodes (the mock's internal Node objects)."""
        return self.cluster.nodes

    # ---- control ----------------------------------------------------------------------
    def _node(self, index: int) -> Node:
        if not isinstance(index, int) or not 0 <= index < len(self.cluster.nodes):
            raise ValueError(f"no node {index!r}; nodes are 0..{len(self.cluster.nodes) - 1}")
        return self.cluster.nodes[index]

    def stop_node(self, index: int, failover: bool = True) -> None:
        """Hard stop: close the node's ports and sockets.

        With ``failover`` (default) the node also leaves the map: replicas are promoted and the vBuckets
        and their replicas spread over the remaining nodes (new map, higher rev), as CouchbaseMock does;
        without it the map is unchanged, as when a node has crashed and no one has failed it over yet.

        Args:
            index: The node's index.
            failover: Also fail it over (a new map).

        Raises:
            ValueError: No node ``index``.
            RuntimeError: The mock is not running.
        """
        node = self._node(index)

        async def go() -> None:
            await self._stop_node(node)
            if failover:
                self.cluster.fail_over(index)
                self.cluster.rebalance()

        self._call(go)

    def failover(self, index: int, mode: str = "hard") -> None:
        """Fail a node over: ``hard`` (stop it), ``hang`` (keep sockets, swallow KV requests, drop it from
        the map; :meth:`start_node` ends it) or ``move`` (silent vBucket move; clients learn from
        NOT_MY_VBUCKET).

        ``move`` shifts every vBucket to the next node and does not use ``index``.

        Args:
            index: The node's index (not used by ``move``).
            mode: ``hard``, ``hang`` or ``move``.

        Raises:
            ValueError: No node ``index``, or an unknown mode.
            RuntimeError: The mock is not running.
        """
        if mode == "hard":
            self.stop_node(index)
        elif mode == "hang":
            node = self._node(index)

            def go() -> None:
                node.hung = True
                self.cluster.fail_over(index)
                self.cluster.rebalance()

            self._call(go)
        elif mode == "move":
            self._call(self.cluster.move_silently)
        else:
            raise ValueError(f"failover mode must be hard, hang or move, got {mode!r}")

    def start_node(self, index: int) -> None:
        """Bring a stopped (or hung: ``failover(index, "hang")``) node back and rebalance.

        A hung node answers again (requests it swallowed stay unanswered; clients time them out).

        Args:
            index: The node's index.

        Raises:
            ValueError: No node ``index``.
            RuntimeError: The mock is not running.
        """
        node = self._node(index)

        async def go() -> None:
            if not node.running:
                await self._start_node(node)
            node.hung = False  # a node failed over with mode="hang" is running but swallows requests
            node.failed_over = False
            self.cluster.rebalance()

        self._call(go)

    def vbucket_owners(self, bucket: str, key: str) -> List[int]:
        """The nodes holding ``key``: [active, replica1, ...] (-1 = none).

        Args:
            bucket: The bucket's name.
            key: The document key.

        Returns:
            list[int]: Node indexes.

        Raises:
            ValueError: No such bucket.
            RuntimeError: The mock is not running.
        """
        import zlib

        def go() -> List[int]:
            b = self._bucket(bucket)
            vb = ((zlib.crc32(key.encode()) >> 16) & 0x7FFF) % b.num_vbuckets
            return list(b.vbmap[vb])

        return self._call(go)

    def rebalance(self) -> None:
        """Recompute the vBucket maps over the nodes in the cluster (new rev, pushed to clients).

        Raises:
            RuntimeError: The mock is not running.
        """
        self._call(self.cluster.rebalance)

    def add_node(self, rebalance: bool = True) -> int:
        """Start a new node (its own KV and HTTP ports).

        Args:
            rebalance: Give it a share of the vBuckets at once.

        Returns:
            int: The new node's index.

        Raises:
            RuntimeError: The mock is not running.
        """
        async def go() -> int:
            node = Node(len(self.cluster.nodes))
            node.latency = self._latency
            self.cluster.nodes.append(node)
            await self._start_node(node)
            if rebalance:
                self.cluster.rebalance()
            return node.index

        return self._call(go)

    def set_lag(self, replication_ms: float = 0, persistence_ms: float = 0) -> None:
        """Simulated lag: a mutation counts as replicated / persisted (for OBSERVE_SEQNO and OBSERVE) only
        this long after it was applied. Default 0: instant.

        Args:
            replication_ms: The replication lag.
            persistence_ms: The persistence lag.

        Raises:
            ValueError: A negative lag.
            RuntimeError: The mock is not running.
        """
        if replication_ms < 0 or persistence_ms < 0:
            raise ValueError("lag must not be negative")

        def go() -> None:
            self.cluster.replication_lag = replication_ms / 1000.0
            self.cluster.persistence_lag = persistence_ms / 1000.0

        self._call(go)

    def set_server_group(self, index: int, group: str) -> None:
        """Put node ``index`` in server group ``group`` (every node starts in "Group 1", as on a fresh
        cluster); configurations (``nodesExt[].serverGroup``, 7.6) and ``/pools/default`` say so. Bumps the
        configuration.

        Args:
            index: The node's index.
            group: The group's name.

        Raises:
            ValueError: No node ``index``, or an empty group name.
            RuntimeError: The mock is not running.
        """
        node = self._node(index)
        if not isinstance(group, str) or not group:
            raise ValueError(f"group must be a non-empty str, got {group!r}")

        def go() -> None:
            node.server_group = group
            self.cluster.bump()

        self._call(go)

    def set_subdoc_replica_read(self, enabled: bool) -> None:
        """Serve sub-document lookups on replicas (the ReplicaRead doc flag, server 7.5+; the default) or
        answer them as an older server: the flag is refused (EINVAL) and bucket configurations lack the
        ``subdoc.ReplicaRead`` capability. Bumps the configuration.

        Args:
            enabled: Serve them (True) or refuse them (False).

        Raises:
            RuntimeError: The mock is not running.
        """

        def go() -> None:
            self.cluster.subdoc_replica_read = bool(enabled)
            self.cluster.bump()

        self._call(go)

    def set_server_version(self, version: str) -> None:
        """Report another Couchbase Server version (REST ``version``/``implementationVersion``,
        ``clusterCompatibility``) and answer as it does: from 7.6 the configurations' cluster
        capabilities include ``search: [vectorSearch, scopedSearchIndex]`` and the search service
        accepts vector fields and ``knn`` queries (see docs/mock.rst). Bumps the configuration.

        Args:
            version: E.g. ``"7.0.0"`` or ``"7.6.2-3721-enterprise"``.

        Raises:
            ValueError: Not a dotted version.
            RuntimeError: The mock is not running.
        """
        version_tuple(version)

        def go() -> None:
            self.cluster.server_version = version
            self.cluster.bump()

        self._call(go)

    def set_latency(self, ms: float, node: Optional[int] = None) -> None:
        """Delay every KV reply (of one node, or all) by ``ms`` milliseconds.

        Args:
            ms: The delay.
            node: One node's index (None: every node).

        Raises:
            ValueError: No node ``index``.
            RuntimeError: The mock is not running.
        """
        targets = [self._node(node)] if node is not None else self.cluster.nodes

        def go() -> None:
            for n in targets:
                n.latency = ms / 1000.0

        self._call(go)

    def pause_node(self, index: int, seconds: float) -> None:
        """Hold the node's replies for ``seconds``.

        Args:
            index: The node's index.
            seconds: How long.

        Raises:
            ValueError: No node ``index``.
            RuntimeError: The mock is not running.
        """
        node = self._node(index)

        def go() -> None:
            node.paused_until = asyncio.get_running_loop().time() + seconds

        self._call(go)

    def inject_error(self, status: int, opcode: Optional[int] = None, key: Optional[str] = None,
                     count: int = 1, node: Optional[int] = None) -> None:
        """Answer the next ``count`` matching requests with ``status`` instead of handling them.

        Only authenticated requests on a selected bucket count (bootstrap commands are never
        matched); the rule is used up after ``count`` matches.

        Args:
            status: The memcached status to answer with (``0x86`` TMPFAIL, ``0x07`` NOT_MY_VBUCKET,
                ``0x01`` KEY_ENOENT, ...), sent with an empty body.
            opcode: Only requests with this opcode (None: any).
            key: Only requests whose key ends with this (the wire key may carry a collection-id
                prefix; None: any).
            count: How many requests.
            node: Only on this node (None: any).

        Raises:
            ValueError: A status outside 0..0xFFFF, a count below 1, or no node ``node``.
            RuntimeError: The mock is not running.
        """
        _check_count(count)
        if not isinstance(status, int) or isinstance(status, bool) or not 0 <= status <= 0xFFFF:
            raise ValueError(f"status must be an int from 0 to 0xFFFF, got {status!r}")
        if node is not None:
            self._node(node)
        rule = {"status": int(status), "opcode": opcode, "key": key.encode() if key else None,
                "count": int(count), "node": node}
        self._call(lambda: self.cluster.injected.append(rule))

    def chaos(self, mode: str, count: int = 1, node: Optional[int] = None) -> None:
        """Damage the next ``count`` reply batches: ``truncate`` (send half, then reset the connection) or
        ``corrupt`` (a bad magic byte).

        Args:
            mode: ``truncate`` or ``corrupt``.
            count: How many reply batches.
            node: Only on this node (None: any).

        Raises:
            ValueError: An unknown mode, a count below 1, or no node ``node``.
            RuntimeError: The mock is not running.
        """
        if mode not in ("truncate", "corrupt"):
            raise ValueError(f"chaos mode must be truncate or corrupt, got {mode!r}")
        _check_count(count)
        if node is not None:
            self._node(node)
        rule = {"mode": mode, "count": int(count), "node": node}
        self._call(lambda: self.cluster.chaos.append(rule))

    def drop_connections(self, node: Optional[int] = None, reset: bool = True) -> None:
        """Close (or reset) the clients' KV connections.

        Args:
            node: Only this node's (None: every node's).
            reset: Reset (RST) instead of closing (FIN).

        Raises:
            ValueError: No node ``node``.
            RuntimeError: The mock is not running.
        """
        targets = [self._node(node)] if node is not None else self.cluster.nodes

        def go() -> None:
            for n in targets:
                for conn in list(n.connections):
                    conn.close(reset=reset)

        self._call(go)

    def advance_clock(self, seconds: float) -> None:
        """Move the mock's clock forward (expiry, lock timeouts) without sleeping.

        The clock is the wall clock plus an offset; it only moves forward.

        Args:
            seconds: How far.

        Raises:
            ValueError: A negative ``seconds``.
            RuntimeError: The mock is not running.
        """
        self._call(lambda: self.cluster.clock.advance(seconds))

    def create_scope(self, bucket: str, scope: str) -> None:
        """Create a scope (if needed).

        Args:
            bucket: The bucket's name.
            scope: The scope's name.

        Raises:
            ValueError: No such bucket.
            RuntimeError: The mock is not running.
        """
        self._call(lambda: self._bucket(bucket).store.manifest.create(scope, None))

    def create_collection(self, bucket: str, scope: str, collection: str) -> int:
        """Create (if needed) a scope and collection.

        Args:
            bucket: The bucket's name.
            scope: The scope's name.
            collection: The collection's name.

        Returns:
            int: The collection id.

        Raises:
            ValueError: No such bucket.
            RuntimeError: The mock is not running.
        """
        def go() -> int:
            cid = self._bucket(bucket).store.manifest.create(scope, collection)
            self.cluster.bump()
            return cid

        return self._call(go)

    def drop_collection(self, bucket: str, scope: str, collection: str) -> int:
        """Drop a collection and its documents (as the collections REST API does).

        A collection created again under the same name gets a new id: clients that cached the old
        one are answered UNKNOWN_COLLECTION.

        Args:
            bucket: The bucket's name.
            scope: The scope's name.
            collection: The collection's name.

        Returns:
            int: The id the collection had.

        Raises:
            ValueError: No such bucket, scope or collection.
            RuntimeError: The mock is not running.
        """
        def go() -> int:
            b = self._bucket(bucket)
            cid = self._cid(b, scope, collection)
            b.store.manifest.drop_collection(scope, collection)
            b.store.drop_collection_docs(cid)
            self.cluster.bump()
            return cid

        return self._call(go)

    def opcode_count(self, opcode: int) -> int:
        """How many KV requests with ``opcode`` the nodes have dispatched since the mock started
        (authenticated, bucket-selected requests, as ``info()["ops"]`` counts them).

        Args:
            opcode: The memcached opcode (``0xBB`` GET_COLLECTION_ID, ...).

        Returns:
            int: The count, summed over the nodes.

        Raises:
            RuntimeError: The mock is not running.
        """
        return self._call(lambda: self.cluster.opcodes.get(int(opcode), 0))

    def _bucket(self, name: str) -> Bucket:
        try:
            return self.cluster.buckets[name]
        except KeyError:
            raise ValueError(f"no bucket {name!r}") from None

    def _cid(self, bucket: Bucket, scope: str, collection: str) -> int:
        cid, _ = bucket.store.manifest.cid(scope, collection)
        if cid is None:
            raise ValueError(f"no collection {scope}.{collection}")
        return cid

    def get_doc(self, bucket: str, key: str, scope: str = "_default",
                collection: str = "_default") -> Optional[Dict[str, Any]]:
        """The stored document, read directly (no client involved).

        Args:
            bucket: The bucket's name.
            key: The document key.
            scope: The scope.
            collection: The collection.

        Returns:
            dict: ``value`` (bytes), ``flags``, ``cas``, ``expiry``; None when absent.

        Raises:
            ValueError: No such bucket or collection.
            RuntimeError: The mock is not running.
        """
        def go() -> Optional[Dict[str, Any]]:
            b = self._bucket(bucket)
            doc = b.store.live(self._cid(b, scope, collection), key.encode())
            if doc is None:
                return None
            return {"value": doc.value, "flags": doc.flags, "cas": doc.cas, "expiry": doc.expiry}

        return self._call(go)

    def put_doc(self, bucket: str, key: str, value: bytes, flags: int = 0x02000000, scope: str = "_default",
                collection: str = "_default") -> None:
        """Store a document directly (no client involved).

        Args:
            bucket: The bucket's name.
            key: The document key.
            value: The stored bytes.
            flags: The flags (default: JSON).
            scope: The scope.
            collection: The collection.

        Raises:
            ValueError: No such bucket or collection.
            RuntimeError: The mock is not running.
        """
        import zlib

        def go() -> None:
            b = self._bucket(bucket)
            kb = key.encode()
            vb = ((zlib.crc32(kb) >> 16) & 0x7FFF) % b.num_vbuckets
            doc = Doc(bytes(value), flags, 1 if is_json(bytes(value)) else 0, b.store.next_cas(), 0,
                      b.store.next_seqno(vb))
            b.store.docs[(self._cid(b, scope, collection), kb)] = doc

        self._call(go)

    def put_docs(self, bucket: str, docs: Dict[str, bytes], flags: int = 0x02000000) -> None:
        """Store many documents in the default collection at once (one hop to the loop).

        Args:
            bucket: The bucket's name.
            docs: key -> stored bytes.
            flags: The flags of every document (default: JSON).

        Raises:
            ValueError: No such bucket.
            RuntimeError: The mock is not running.
        """
        import zlib

        def go() -> None:
            b = self._bucket(bucket)
            for key, value in docs.items():
                kb = key.encode()
                vb = ((zlib.crc32(kb) >> 16) & 0x7FFF) % b.num_vbuckets
                b.store.docs[(0, kb)] = Doc(bytes(value), flags, 1 if is_json(bytes(value)) else 0,
                                            b.store.next_cas(), 0, b.store.next_seqno(vb))

        self._call(go)

    def create_search_index(self, name: str, bucket: str, fields: Optional[Sequence[str]] = None,
                            doc_type: Optional[str] = None, delay: float = 0) -> None:
        """Create (or replace) a search index over ``bucket``'s default collection.

        Args:
            name: The index's name.
            bucket: The bucket it indexes.
            fields: Only these dotted fields (None: every field).
            doc_type: Only documents whose ``type`` field equals this.
            delay: Seconds before each query answers.

        Raises:
            ValueError: An empty name, or no bucket ``bucket``.
            RuntimeError: The mock is not running.
        """
        from couchbase_mock.search import control

        def go() -> None:
            control.create_index(self.cluster, name, bucket, fields, doc_type)
            control.set_delay(self.cluster, name, delay)

        self._call(go)

    def drop_search_index(self, name: str) -> None:
        """Delete a search index.

        Args:
            name: The index's name.

        Raises:
            ValueError: No index ``name``.
            RuntimeError: The mock is not running.
        """
        from couchbase_mock.search import control

        self._call(lambda: control.drop_index(self.cluster, name))

    def info(self) -> Dict[str, Any]:
        """Nodes, ports, buckets and counters.

        Returns:
            dict: ``rev``, ``ops``, ``buckets``, ``auth_mechanisms``, ``auth_failures``, ``protocol_errors``,
            pending chaos and injected errors, and ``nodes`` (index, ports, running, hung, failed_over).

        Raises:
            RuntimeError: The mock is not running.
        """
        def go() -> Dict[str, Any]:
            return {"rev": self.cluster.rev, "ops": self.cluster.ops, "buckets": list(self.cluster.buckets),
                    "auth_mechanisms": dict(self.cluster.auth_mechanisms),
                    "auth_failures": self.cluster.auth_failures,
                    "protocol_errors": self.cluster.protocol_errors,
                    "chaos_pending": sum(r["count"] for r in self.cluster.chaos),
                    "injected_pending": sum(r["count"] for r in self.cluster.injected),
                    "nodes": [{"index": n.index, "kv": n.kv_port, "mgmt": n.mgmt_port, "running": n.running,
                               "hung": n.hung, "failed_over": n.failed_over} for n in self.cluster.nodes]}

        return self._call(go)


def _check_count(count: int) -> None:
    """A fault rule's ``count``: a rule that can never match would be a silent no-op."""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"count must be an int of at least 1, got {count!r}")


async def _finish_tasks() -> None:
    """Cancel and await what is still running on the mock's loop once its ports are closed (a KV
    connection's pending work, a handler between two awaits), so closing the loop destroys no
    pending task (asyncio's "Task was destroyed but it is pending")."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
