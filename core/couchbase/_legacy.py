"""The 1.x ``Connection`` API, written once over the KV surface of any front end.

:class:`LegacyAPI` maps the 1.x names and arguments (``set``/``add``/``delete``/``incr``,
``ttl=``, ``format=``, ``quiet=``, ``*_multi``, ``append_items``, ``query(design, view)``,
``design_*``) onto a front end's collection (``self._kv``), so there is no second KV
implementation: the blocking ``couchbase.connection.Connection``, Twisted's
``txcouchbase.connection.Connection`` and gevent's ``gcouchbase.connection.GConnection``
mix it in. A front end whose operations return pending objects (Deferreds) provides
``_then(pending, fn)``; the blocking ones apply ``fn`` at once.

The 1.x constructor's arguments are checked once, for every front end, by
:func:`legacy_settings` (bootstrap nodes into a connection string by :func:`legacy_connstr`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from couchbase import _connstr, _kv
from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import ArgumentError, InvalidArgumentException
from couchbase.options import ClusterOptions, to_seconds
from couchbase.transcoder import FMT_BYTES, FMT_JSON, FMT_UTF8, LegacyTranscoder

# 1.x options of the constructor that are accepted and need nothing from libcouchbase 3
# (or are spelled differently there); anything else is an ArgumentError.
_ACCEPTED_NOOP = ("config_cache", "conncache", "experimental_gevent_support")


def _host_list(host: Any, port: int) -> List[Tuple[str, int]]:
    hosts = [host] if isinstance(host, str) else host
    try:
        hosts = list(hosts)
    except TypeError:
        raise ArgumentError(message=f"host must be a str or a list of str, got {host!r}") from None
    if not hosts:
        raise ArgumentError(message="host must name at least one node")
    out = []
    for h in hosts:
        if isinstance(h, (tuple, list)) and len(h) == 2:
            h, p = h
        elif isinstance(h, str) and h.count(":") == 1:
            h, p = h.split(":")
        else:
            p = port
        if not isinstance(h, str) or not h:
            raise ArgumentError(message=f"host entries must be non-empty str, got {h!r}")
        try:
            p = int(p)
        except (TypeError, ValueError):
            raise ArgumentError(message=f"bad port {p!r} for host {h!r}") from None
        if not 0 < p < 65536:
            raise ArgumentError(message=f"port {p} for host {h!r} is out of range")
        out.append((h, p))
    return out


@dataclass(frozen=True)
class LegacySettings:
    """The 1.x constructor's arguments, checked: what every 1.x front end connects with."""

    bucket: str
    connstr: str  # bootstrap nodes and settings, without credentials
    username: str
    password: str
    quiet: bool
    transcoder: Any
    timeout: Optional[float]  # KV operation timeout in seconds; None: libcouchbase's default
    default_format: int
    unlock_gil: bool

    def cluster_arguments(self) -> Tuple[str, ClusterOptions, Dict[str, Any]]:
        """``Cluster(connstr, options, **kwargs)``'s arguments for the front ends whose 1.x
        connection sits on their Cluster (gevent, Twisted)."""
        kwargs: Dict[str, Any] = {"transcoder": self.transcoder, "quiet": self.quiet}
        if self.timeout is not None:
            kwargs["kv_timeout"] = self.timeout
        return self.connstr, ClusterOptions(PasswordAuthenticator(self.username, self.password)), kwargs


def legacy_settings(
    bucket: Any,
    host: Any,
    port: Any,
    password: Any,
    username: Any,
    quiet: Any,
    timeout: Any,
    transcoder: Any,
    default_format: int,
    unlock_gil: Any,
    connection_string: Optional[str],
    extra: Mapping[str, Any],
) -> LegacySettings:
    """Check the arguments of a 1.x ``Connection(...)`` (any front end) and resolve defaults.

    Credentials: ``username`` (default: the bucket name, as 1.x SASL did) and ``password``
    (the bucket password; default empty), else those in ``connection_string``.

    Raises:
        ArgumentError: naming the first argument that is wrong or unknown.
    """
    unknown = sorted(k for k in extra if k not in _ACCEPTED_NOOP)
    if unknown:
        raise ArgumentError(message=f"Connection() got unknown arguments: {', '.join(unknown)}")
    if not isinstance(bucket, str) or not bucket:
        raise ArgumentError(message=f"bucket must be a non-empty str, got {bucket!r}")
    if password is not None and not isinstance(password, str):
        raise ArgumentError(message="password must be a str")
    if username is not None and (not isinstance(username, str) or not username):
        raise ArgumentError(message=f"username must be a non-empty str, got {username!r}")
    if not isinstance(quiet, bool):
        raise ArgumentError(message=f"quiet must be True or False, got {quiet!r}")
    if not isinstance(unlock_gil, bool):
        raise ArgumentError(message=f"unlock_gil must be True or False, got {unlock_gil!r}")
    if transcoder is None:
        transcoder = LegacyTranscoder()
    elif not (
        callable(getattr(transcoder, "encode_value", None))
        and callable(getattr(transcoder, "decode_value", None))
    ):
        raise ArgumentError(message=f"transcoder must have encode_value/decode_value, got {transcoder!r}")
    secs: Optional[float] = None
    if timeout is not None:
        secs = to_seconds("timeout", timeout)
        if secs <= 0:
            raise ArgumentError(message=f"timeout must be positive, got {timeout!r}")
    base = connection_string if connection_string else legacy_connstr(host, port)
    base, in_connstr = _connstr.take_credentials(base)
    return LegacySettings(
        bucket=bucket,
        connstr=base,
        username=username if username is not None else in_connstr.get("username") or bucket,
        password=password if password is not None else in_connstr.get("password", ""),
        quiet=quiet,
        transcoder=transcoder,
        timeout=secs,
        default_format=default_format,
        unlock_gil=unlock_gil,
    )


def legacy_connstr(host: Any = "localhost", port: int = 8091) -> str:
    """The connection string of the 1.x ``host=``/``port=`` (HTTP bootstrap ports).

    Nodes on the default port 8091 bootstrap as ``couchbase://`` does (CCCP on 11210,
    then HTTP); other ports are taken as each node's REST port (``h:p=http``).
    """
    nodes = _host_list(host, port)
    parts = [h if p == 8091 else f"{h}:{p}=http" for h, p in nodes]
    return "couchbase://" + ",".join(parts)


class HttpResult:
    """What the design-document methods return: ``value`` (the decoded JSON), ``success``.

    Args:
        value: The decoded JSON answer.
        http_status: The HTTP status.
    """

    def __init__(self, value: Any, http_status: int = 200) -> None:
        self.value = value
        self.http_status = http_status
        self.rc = 0

    @property
    def success(self) -> bool:
        """Whether the HTTP status is a 2xx."""
        return 200 <= self.http_status < 300

    def __repr__(self) -> str:
        return f"HttpResult<RC=0x0, HTTP Status={self.http_status}, Value={self.value!r}>"


class ObserveResult:
    """``observe()``'s result: ``value`` is the list of each node's ObserveInfo."""

    def __init__(self, key: Any, value: List[Any]) -> None:
        self.key = key
        self.value = value
        self.rc = 0
        self.success = True

    def __repr__(self) -> str:
        return f"ObserveResult<Key={self.key!r}, Value={self.value!r}>"


def _stats_by_name(per_server: Mapping[str, Mapping[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """``{server: {stat: v}}`` → the 1.x shape ``{stat: {server: v}}``."""
    out: Dict[str, Dict[str, Any]] = {}
    for server, stats in per_server.items():
        for name, value in stats.items():
            out.setdefault(name, {})[server] = value
    return out


class LegacyAPI:
    """The 1.x Connection methods over ``self._kv`` (a front end's default collection).

    Concrete classes set ``_kv`` and ``_bucket`` and may override ``_then``.
    """

    _kv: Any
    _bucket: Any
    _default_format: Any = FMT_JSON
    _data_passthrough: bool = False

    # ---- hooks -------------------------------------------------------------------
    def _then(self, pending: Any, fn: Callable[[Any], Any]) -> Any:
        """Apply ``fn`` to an operation's outcome (front ends with Deferreds chain it)."""
        return fn(pending)

    def _gather(self, pendings: List[Any], fn: Callable[[List[Any]], Any]) -> Any:
        """Apply ``fn`` to the list of several operations' outcomes."""
        return fn(pendings)

    # ---- properties ----------------------------------------------------------------
    @property
    def quiet(self) -> bool:
        """Return failed results instead of raising, for get/delete/``*_multi`` (default False)."""
        return bool(self._kv._quiet_default)

    @quiet.setter
    def quiet(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise ArgumentError(message=f"quiet must be True or False, got {value!r}")
        self._kv._quiet_default = value

    @property
    def default_format(self) -> Any:
        """The ``format=`` of stores that pass none (1.x default: FMT_JSON)."""
        return self._default_format

    @default_format.setter
    def default_format(self, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ArgumentError(message=f"default_format must be one of the FMT_* constants, got {value!r}")
        self._default_format = value

    @property
    def data_passthrough(self) -> bool:
        """Return every value as the stored bytes, without decoding (default False)."""
        return self._data_passthrough

    @data_passthrough.setter
    def data_passthrough(self, value: bool) -> None:
        self._data_passthrough = bool(value)

    @property
    def timeout(self) -> float:
        """The KV operation timeout in seconds (settable)."""
        from couchbase._binding import lib

        secs: float = self._kv._conn.get_timeout(lib.LCB_CNTL_OP_TIMEOUT)
        return secs

    @timeout.setter
    def timeout(self, value: float) -> None:
        from couchbase import options as _o

        secs = _o.to_seconds("timeout", value)
        if secs <= 0:
            raise ArgumentError(message=f"timeout must be positive, got {value!r}")
        self._kv._conn.cntl_string("operation_timeout", repr(secs))

    @property
    def bucket(self) -> str:
        """The name of the connection's bucket."""
        name: str = self._kv._bucket_name
        return name

    # ---- argument mapping ---------------------------------------------------------
    def _store_opts(
        self,
        cas: int,
        ttl: Any,
        format: Any,
        persist_to: int,
        replicate_to: int,  # noqa: A002
        for_multi: bool = False,
    ) -> Dict[str, Any]:
        opts: Dict[str, Any] = {"format": self._default_format if format is None else format}
        if ttl:
            opts["expiry"] = ttl
        if cas:
            opts["cas"] = cas
        if persist_to or replicate_to:
            opts["persist_to"], opts["replicate_to"] = persist_to, replicate_to
        return opts

    def _get_opts(self, quiet: Any, no_format: bool) -> Dict[str, Any]:
        opts: Dict[str, Any] = {}
        if quiet is not None:
            opts["quiet"] = bool(quiet)
        if no_format or self._data_passthrough:
            opts["no_format"] = True
        return opts

    # ---- storing -------------------------------------------------------------------
    def set(
        self,
        key: Any,
        value: Any,
        cas: int = 0,
        ttl: Any = 0,
        format: Any = None,  # noqa: A002
        persist_to: int = 0,
        replicate_to: int = 0,
    ) -> Any:
        """Store ``value`` under ``key`` unconditionally (with ``cas``: only if unchanged,
        else KeyExistsError). ``ttl`` in seconds; ``format`` one of the FMT_* constants.

        Args:
            key: The document key.
            value: The value to store (encoded as ``format`` says).
            cas: Only if the document's CAS still matches (0: whatever it is).
            ttl: The expiry in seconds (0: never).
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            KeyExistsError: ``cas`` no longer matches.
            TimeoutError: No reply in time.
        """
        return self._kv.upsert(key, value, **self._store_opts(cas, ttl, format, persist_to, replicate_to))

    def store(self, key: Any, value: Any, **kwargs: Any) -> Any:
        """Same as :meth:`set` (the spelling the 1.2 guide's "Getting A Single Document" uses).

        Args:
            key: The document key.
            value: The value to store (encoded as ``format`` says).
            **kwargs: The arguments of :meth:`set`.

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            KeyExistsError: ``cas`` no longer matches.
            TimeoutError: No reply in time.
        """
        return self.set(key, value, **kwargs)

    def add(
        self,
        key: Any,
        value: Any,
        ttl: Any = 0,
        format: Any = None,  # noqa: A002
        persist_to: int = 0,
        replicate_to: int = 0,
    ) -> Any:
        """Store only if ``key`` does not exist (else KeyExistsError).

        Args:
            key: The document key.
            value: The value to store (encoded as ``format`` says).
            ttl: The expiry in seconds (0: never).
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            KeyExistsError: The key exists.
            TimeoutError: No reply in time.
        """
        return self._kv.insert(key, value, **self._store_opts(0, ttl, format, persist_to, replicate_to))

    def replace(
        self,
        key: Any,
        value: Any,
        cas: int = 0,
        ttl: Any = 0,
        format: Any = None,  # noqa: A002
        persist_to: int = 0,
        replicate_to: int = 0,
    ) -> Any:
        """Store only if ``key`` exists (else NotFoundError).

        Args:
            key: The document key.
            value: The value to store (encoded as ``format`` says).
            cas: Only if the document's CAS still matches (0: whatever it is).
            ttl: The expiry in seconds (0: never).
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            NotFoundError: No such key.
            KeyExistsError: ``cas`` no longer matches.
            TimeoutError: No reply in time.
        """
        return self._kv.replace(key, value, **self._store_opts(cas, ttl, format, persist_to, replicate_to))

    def append(
        self,
        key: Any,
        value: Any,
        cas: int = 0,
        format: Any = None,  # noqa: A002
        persist_to: int = 0,
        replicate_to: int = 0,
    ) -> Any:
        """Append ``value`` (str or bytes) to a FMT_UTF8/FMT_BYTES document.

        Args:
            key: The document key.
            value: The value to store (encoded as ``format`` says).
            cas: Only if the document's CAS still matches (0: whatever it is).
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            ArgumentError: ``format`` not FMT_UTF8 or FMT_BYTES.
            NotStoredError: No such key.
            TimeoutError: No reply in time.
        """
        self._check_fragment_format(format)
        return self._kv.append(key, value, **self._binary_opts(cas, persist_to, replicate_to))

    def prepend(
        self,
        key: Any,
        value: Any,
        cas: int = 0,
        format: Any = None,  # noqa: A002
        persist_to: int = 0,
        replicate_to: int = 0,
    ) -> Any:
        """Prepend ``value`` (str or bytes) to a FMT_UTF8/FMT_BYTES document.

        Args:
            key: The document key.
            value: The value to store (encoded as ``format`` says).
            cas: Only if the document's CAS still matches (0: whatever it is).
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            ArgumentError: ``format`` not FMT_UTF8 or FMT_BYTES.
            NotStoredError: No such key.
            TimeoutError: No reply in time.
        """
        self._check_fragment_format(format)
        return self._kv.prepend(key, value, **self._binary_opts(cas, persist_to, replicate_to))

    @staticmethod
    def _check_fragment_format(format: Any) -> None:  # noqa: A002
        if format is not None and format not in (FMT_UTF8, FMT_BYTES):
            raise ArgumentError(message="append/prepend format must be FMT_UTF8 or FMT_BYTES")

    @staticmethod
    def _binary_opts(cas: int, persist_to: int, replicate_to: int) -> Dict[str, Any]:
        opts: Dict[str, Any] = {}
        if cas:
            opts["cas"] = cas
        if persist_to or replicate_to:
            opts["persist_to"], opts["replicate_to"] = persist_to, replicate_to
        return opts

    def delete(
        self, key: Any, cas: int = 0, quiet: Any = None, persist_to: int = 0, replicate_to: int = 0
    ) -> Any:
        """Remove ``key`` (NotFoundError if missing, unless quiet).

        Args:
            key: The document key.
            cas: Only if the document's CAS still matches (0: whatever it is).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            NotFoundError: No such key (unless ``quiet``).
            KeyExistsError: ``cas`` no longer matches.
            TimeoutError: No reply in time.
        """
        opts: Dict[str, Any] = {}
        if cas:
            opts["cas"] = cas
        if quiet is not None:
            opts["quiet"] = bool(quiet)
        if persist_to or replicate_to:
            opts["persist_to"], opts["replicate_to"] = persist_to, replicate_to
        return self._kv.remove(key, **opts)

    # ---- reading -------------------------------------------------------------------
    def get(
        self, key: Any, ttl: Any = 0, quiet: Any = None, replica: bool = False, no_format: bool = False
    ) -> Any:
        """Read ``key``; ``result.value`` is the value. With ``ttl`` the expiry is also set
        (get-and-touch); ``replica=True`` reads from a replica; ``quiet=True`` returns a failed
        result (``success`` False, ``rc``) instead of raising NotFoundError.

        Args:
            key: The document key.
            ttl: The expiry in seconds (0: never).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).
            replica: Read from a replica instead.
            no_format: Return the stored bytes, undecoded.

        Returns:
            Result: ``value``, ``cas``, ``flags``, ``success`` and ``rc``.

        Raises:
            ArgumentError: A bad key or argument.
            NotFoundError: No such key (unless ``quiet``).
            TimeoutError: No reply in time.
        """
        opts = self._get_opts(quiet, no_format)
        if replica:
            return self.rget(key, quiet=quiet)
        if ttl:
            return self._kv.get_and_touch(key, ttl, **opts)
        return self._kv.get(key, **opts)

    def rget(self, key: Any, replica_index: Optional[int] = None, quiet: Any = None) -> Any:
        """Read ``key`` from a replica (any, or the ``replica_index``-th).

        Args:
            key: The document key.
            replica_index: Which replica to read (None: the first copy that answers).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            Result: the replica's ``value``, ``cas`` and ``flags``.

        Raises:
            ArgumentError: A bad key or argument.
            ArgumentError: A negative ``replica_index``.
            NoReplicasException: That replica did not answer.
            TimeoutError: No reply in time.
        """
        if replica_index is None:
            pending = self._kv.get_any_replica(key)
            return self._then(pending, lambda r: r)
        if not isinstance(replica_index, int) or isinstance(replica_index, bool) or replica_index < 0:
            raise ArgumentError(message=f"replica_index must be a non-negative int, got {replica_index!r}")

        def pick(results: Any) -> Any:
            replicas = [r for r in results if getattr(r, "is_replica", True)]
            if replica_index >= len(replicas):
                from couchbase.exceptions import NoReplicasException

                raise NoReplicasException(message=f"no replica {replica_index} answered for {key!r}")
            return replicas[replica_index]

        return self._then(self._kv.get_all_replicas(key), pick)

    def rget_multi(self, keys: Any, replica_index: Optional[int] = None, quiet: Any = None) -> Any:
        """``rget`` many keys, pipelined: each from the first copy that answers.

        Args:
            keys: The keys.
            replica_index: Which replica to read (None: the first copy that answers).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            ArgumentError: ``replica_index`` given (rget_multi reads any replica).
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        if replica_index is not None:
            raise ArgumentError(message="rget_multi reads from any replica; use rget(key, replica_index=) "
                                        "to pick one")
        return self._multi_of("rget_multi", self._keys(keys), quiet,
                              lambda k, o: self._kv._sched_replica(k, o, _kv.REPLICA_ANY), {})

    def touch(self, key: Any, ttl: Any = 0) -> Any:
        """Set ``key``'s expiry to ``ttl`` seconds (0: never expires).

        Args:
            key: The document key.
            ttl: The expiry in seconds (0: never).

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            NotFoundError: No such key.
            TimeoutError: No reply in time.
        """
        return self._kv.touch(key, ttl)

    def lock(self, key: Any, ttl: Any = 0) -> Any:
        """Read and lock ``key`` for ``ttl`` seconds (0: the server's default, 15 s).
        A locked key fails other mutations with TemporaryFailError until unlocked.

        Args:
            key: The document key.
            ttl: The expiry in seconds (0: never).

        Returns:
            Result: the ``value`` and the ``cas`` that unlocks it.

        Raises:
            ArgumentError: A bad key or argument.
            NotFoundError: No such key.
            TemporaryFailError: The key is locked already.
            TimeoutError: No reply in time.
        """
        return self._kv.get_and_lock(key, ttl if ttl else 15)

    def unlock(self, key: Any, cas: int) -> Any:
        """Release a lock, given the CAS ``lock`` returned.

        Args:
            key: The document key.
            cas: Only if the document's CAS still matches (0: whatever it is).

        Returns:
            Result: ``cas``, ``success`` and ``rc`` (``key``).

        Raises:
            ArgumentError: A bad key or argument.
            NotFoundError: No such key.
            TemporaryFailError: ``cas`` is not the lock's.
            TimeoutError: No reply in time.
        """
        return self._kv.unlock(key, cas)

    # ---- counters ------------------------------------------------------------------
    def _counter_opts(self, amount: Any, initial: Any, ttl: Any) -> Dict[str, Any]:
        # 1.x: without ``initial`` a missing counter is NotFoundError (the 4.x default creates it;
        # a negative initial says "do not create")
        opts: Dict[str, Any] = {"delta": amount, "initial": -1 if initial is None else initial}
        if ttl:
            opts["expiry"] = ttl
        return opts

    def incr(self, key: Any, amount: int = 1, initial: Optional[int] = None, ttl: Any = 0) -> Any:
        """Add ``amount`` to a counter; ``initial`` creates it if missing (else NotFoundError).
        ``result.value`` is the new value.

        Args:
            key: The document key.
            amount: The delta.
            initial: The value a missing counter is created with (None: a missing counter raises
                NotFoundError).
            ttl: The expiry in seconds (0: never).

        Returns:
            Result: ``value`` is the counter's new value.

        Raises:
            ArgumentError: A bad key or argument.
            NotFoundError: The counter is missing and ``initial`` is None.
            DeltaBadvalError: The value is not a number.
            TimeoutError: No reply in time.
        """
        return self._kv.increment(key, **self._counter_opts(amount, initial, ttl))

    def decr(self, key: Any, amount: int = 1, initial: Optional[int] = None, ttl: Any = 0) -> Any:
        """Subtract ``amount`` from a counter (stops at 0).

        Args:
            key: The document key.
            amount: The delta.
            initial: The value a missing counter is created with (None: a missing counter raises
                NotFoundError).
            ttl: The expiry in seconds (0: never).

        Returns:
            Result: ``value`` is the counter's new value.

        Raises:
            ArgumentError: A bad key or argument.
            NotFoundError: The counter is missing and ``initial`` is None.
            DeltaBadvalError: The value is not a number.
            TimeoutError: No reply in time.
        """
        return self._kv.decrement(key, **self._counter_opts(amount, initial, ttl))

    # ---- multi ---------------------------------------------------------------------
    def _multi_quiet(self, quiet: Any) -> Dict[str, Any]:
        # 1.x: a failed key raises unless quiet (default: the connection's); 4.x returns it instead
        return {"quiet": bool(self._kv._quiet_default if quiet is None else quiet)}

    def set_multi(
        self,
        keys: Any,
        ttl: Any = 0,
        format: Any = None,
        persist_to: int = 0,  # noqa: A002
        replicate_to: int = 0,
        quiet: Any = None,
    ) -> Any:
        """``set`` many: a dict key → value (or an ItemSequence/ItemOptionDict).

        Args:
            keys: A dict key -> value, or an ItemSequence/ItemOptionDict.
            ttl: The expiry in seconds (0: never).
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._kv.upsert_multi(
            keys, **self._store_opts(0, ttl, format, persist_to, replicate_to), **self._multi_quiet(quiet)
        )

    def add_multi(
        self,
        keys: Any,
        ttl: Any = 0,
        format: Any = None,
        persist_to: int = 0,  # noqa: A002
        replicate_to: int = 0,
        quiet: Any = None,
    ) -> Any:
        """``add`` many; the exception of a failed key carries ``all_results``.

        Args:
            keys: A dict key -> value, or an ItemSequence/ItemOptionDict.
            ttl: The expiry in seconds (0: never).
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._kv.insert_multi(
            keys, **self._store_opts(0, ttl, format, persist_to, replicate_to), **self._multi_quiet(quiet)
        )

    def replace_multi(
        self,
        keys: Any,
        ttl: Any = 0,
        format: Any = None,
        persist_to: int = 0,  # noqa: A002
        replicate_to: int = 0,
        quiet: Any = None,
    ) -> Any:
        """``replace`` many.

        Args:
            keys: A dict key -> value, or an ItemSequence/ItemOptionDict.
            ttl: The expiry in seconds (0: never).
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._kv.replace_multi(
            keys, **self._store_opts(0, ttl, format, persist_to, replicate_to), **self._multi_quiet(quiet)
        )

    def get_multi(
        self, keys: Any, ttl: Any = 0, quiet: Any = None, replica: bool = False, no_format: bool = False
    ) -> Any:
        """``get`` many, pipelined; a MultiResult (a dict key → result, with ``all_ok``).

        Args:
            keys: The keys (or an ItemSequence).
            ttl: The expiry in seconds (0: never).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).
            replica: Read from a replica instead.
            no_format: Return the stored bytes, undecoded.

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        if replica or ttl:
            return self._multi_of(
                "get_multi",
                self._keys(keys),
                quiet,
                lambda k, o: self._sched_replica_or_gat(k, o, replica, ttl),
                self._get_opts(None, no_format),
            )
        opts = self._get_opts(quiet, no_format)
        opts.setdefault("quiet", bool(self._kv._quiet_default))  # 1.x: a missing key raises
        return self._kv.get_multi(keys, **opts)

    def _sched_replica_or_gat(self, key: Any, opts: Dict[str, Any], replica: bool, ttl: Any) -> Any:
        kv = self._kv
        if replica:
            return kv._sched_replica(key, {}, _kv.REPLICA_ANY)
        from couchbase import options as _o

        return kv._sched_get(key, opts, _kv.GET_TOUCH, _o.expiry_value(ttl))

    def delete_multi(self, keys: Any, quiet: Any = None, persist_to: int = 0, replicate_to: int = 0) -> Any:
        """``delete`` many (a list of keys, or a dict key → cas).

        Args:
            keys: A list of keys, or a dict key -> cas.
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        if isinstance(keys, Mapping):
            return self._multi_of(
                "delete_multi",
                list(keys),
                quiet,
                lambda k, o: self._kv._sched_remove(k, dict(o, cas=keys[k]) if keys[k] else o),
                {},
            )
        opts = self._multi_quiet(quiet)
        if persist_to or replicate_to:
            opts.update(persist_to=persist_to, replicate_to=replicate_to)
        return self._kv.remove_multi(keys, **opts)

    def touch_multi(self, keys: Any, ttl: Any = 0, quiet: Any = None) -> Any:
        """``touch`` many keys to the same ``ttl``.

        Args:
            keys: The keys.
            ttl: The expiry in seconds (0: never).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._kv.touch_multi(keys, ttl, **self._multi_quiet(quiet))

    def lock_multi(self, keys: Any, ttl: Any = 0, quiet: Any = None) -> Any:
        """``lock`` many keys for ``ttl`` seconds.

        Args:
            keys: The keys.
            ttl: The expiry in seconds (0: never).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._kv.lock_multi(keys, ttl if ttl else 15, **self._multi_quiet(quiet))

    def unlock_multi(self, keys: Any, quiet: Any = None) -> Any:
        """``unlock`` many: a dict key → cas, or the MultiResult of ``lock_multi``.

        Args:
            keys: A dict key -> cas, or the MultiResult of ``lock_multi``.
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._kv.unlock_multi(dict(keys), **self._multi_quiet(quiet))

    def incr_multi(self, keys: Any, amount: int = 1, initial: Optional[int] = None, ttl: Any = 0) -> Any:
        """``incr`` many (a list, or a dict key → amount).

        Args:
            keys: A list of keys, or a dict key -> amount.
            amount: The delta of keys given as a list.
            initial: The value a missing counter is created with (None: a missing counter raises
                NotFoundError).
            ttl: The expiry in seconds (0: never).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._kv.counter_multi(keys, delta=amount, initial=initial, **({"expiry": ttl} if ttl else {}))

    def decr_multi(self, keys: Any, amount: int = 1, initial: Optional[int] = None, ttl: Any = 0) -> Any:
        """``decr`` many (a list, or a dict key → amount).

        Args:
            keys: A list of keys, or a dict key -> amount.
            amount: The delta of keys given as a list.
            initial: The value a missing counter is created with (None: a missing counter raises
                NotFoundError).
            ttl: The expiry in seconds (0: never).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        if isinstance(keys, Mapping):
            keys = {k: -v for k, v in keys.items()}
        return self._kv.counter_multi(
            keys, delta=-amount, initial=initial, **({"expiry": ttl} if ttl else {})
        )

    def append_multi(
        self,
        keys: Any,
        format: Any = None,
        persist_to: int = 0,
        replicate_to: int = 0,  # noqa: A002
        quiet: Any = None,
    ) -> Any:
        """``append`` many: a dict key → fragment, or an ItemOptionDict with ``fragment=``.

        Args:
            keys: A dict key -> fragment, or an ItemOptionDict with ``fragment=``.
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._fragment_multi("append_multi", _kv.APPEND, keys, format, quiet)

    def prepend_multi(
        self,
        keys: Any,
        format: Any = None,
        persist_to: int = 0,
        replicate_to: int = 0,  # noqa: A002
        quiet: Any = None,
    ) -> Any:
        """``prepend`` many: a dict key → fragment, or an ItemOptionDict with ``fragment=``.

        Args:
            keys: A dict key -> fragment, or an ItemOptionDict with ``fragment=``.
            format: A ``FMT_*`` constant (None: the connection's ``default_format``).
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).
            quiet: Return failed results instead of raising (None: the connection's ``quiet``).

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return self._fragment_multi("prepend_multi", _kv.PREPEND, keys, format, quiet)

    def _fragment_multi(self, name: str, operation: int, keys: Any, format: Any, quiet: Any) -> Any:  # noqa: A002
        from couchbase.items import ItemCollection

        self._check_fragment_format(format)
        if isinstance(keys, ItemCollection):
            pairs = []
            for item, iopts in keys.items_and_options():
                if "fragment" not in iopts:
                    raise ArgumentError(
                        message=f"{name}: every item needs a fragment= option "
                        f"(ItemOptionDict.add(item, fragment=...))"
                    )
                pairs.append((item.key, iopts["fragment"]))
            items = {item.key: item for item in keys}
        elif isinstance(keys, Mapping):
            pairs, items = list(keys.items()), None
        else:
            raise ArgumentError(message=f"{name} takes a dict key -> fragment or an ItemOptionDict")
        frags = dict(pairs)
        return self._multi_of(
            name,
            [k for k, _ in pairs],
            quiet,
            lambda k, o: self._kv._sched_store(operation, k, frags[k], o),
            {},
            items,
        )

    def append_items(self, items: Any, **kwargs: Any) -> Any:
        """Append each item's ``fragment`` option (an ItemOptionDict); on success the
        item's ``value`` has the fragment appended too.

        Args:
            items: An ItemOptionDict whose items carry a ``fragment`` option.
            **kwargs: ``format``, ``persist_to``, ``replicate_to``, ``quiet``.

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """

        def update(mres: Any) -> Any:
            for item, iopts in items.items_and_options():
                if item.success and isinstance(item.value, (str, bytes)):
                    item.value = item.value + iopts["fragment"]
            return mres

        return self._then(self.append_multi(items, **kwargs), update)

    def prepend_items(self, items: Any, **kwargs: Any) -> Any:
        """Prepend each item's ``fragment`` option; the item's ``value`` is updated too.

        Args:
            items: An ItemOptionDict whose items carry a ``fragment`` option.
            **kwargs: ``format``, ``persist_to``, ``replicate_to``, ``quiet``.

        Returns:
            MultiResult: key -> result, with ``all_ok``.

        Raises:
            ArgumentError: A bad key or argument.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """

        def update(mres: Any) -> Any:
            for item, iopts in items.items_and_options():
                if item.success and isinstance(item.value, (str, bytes)):
                    item.value = iopts["fragment"] + item.value
            return mres

        return self._then(self.prepend_multi(items, **kwargs), update)

    def _keys(self, keys: Any) -> List[Any]:
        from couchbase.items import ItemCollection

        if isinstance(keys, ItemCollection):
            return [i.key for i in keys]
        out: List[Any] = self._kv._keys_of(keys, "get_multi")
        return out

    def _multi_of(
        self,
        name: str,
        keys: List[Any],
        quiet: Any,
        sched: Callable[[Any, Dict[str, Any]], Any],
        opts: Dict[str, Any],
        items: Any = None,
    ) -> Any:
        kv = self._kv
        q = kv._quiet_default if quiet is None else bool(quiet)
        for k in keys:
            _kv.key_bytes(k)
        return kv._multi(name, [(k, (lambda k=k: sched(k, opts))) for k in keys], q, items)

    # ---- durability, observe, stats ---------------------------------------------------
    def observe(self, key: Any, master_only: bool = False) -> Any:
        """Each node's state of ``key``: ``result.value`` is a list of ObserveInfo
        (``cas``, ``flags``, ``from_master``, ``status``).

        Args:
            key: The document key.
            master_only: Ask the active node only.

        Returns:
            Result: ``value`` is a list of ObserveInfo (``cas``, ``flags``, ``from_master``, ``status``).

        Raises:
            ArgumentError: A bad key or argument.
            FeatureUnavailableException: On a named collection.
            TimeoutError: No reply in time.
        """
        return self._then(
            self._kv.observe(key, master_only=master_only), lambda infos: ObserveResult(key, infos)
        )

    def observe_multi(self, keys: Iterable[Any], master_only: bool = False) -> Dict[Any, Any]:
        """``observe`` for each key: a dict key → ObserveResult.

        Args:
            keys: The keys.
            master_only: Ask the active node only.

        Returns:
            dict: key -> ObserveResult.

        Raises:
            ArgumentError: A bad key or argument.
            FeatureUnavailableException: On a named collection.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        return {k: self.observe(k, master_only=master_only) for k in keys}

    def endure(
        self,
        key: Any,
        persist_to: int = -1,
        replicate_to: int = -1,
        cas: int = 0,
        check_removed: bool = False,
        timeout: float = 5.0,
        interval: float = 0.010,
    ) -> Any:
        """Wait until ``key`` (at ``cas``, if given) is persisted on ``persist_to`` nodes and
        replicated to ``replicate_to`` replicas (-1: all); with ``check_removed``, until its
        removal is. Raises TimeoutError after ``timeout`` seconds.

        Args:
            key: The document key.
            persist_to: Wait until the mutation is persisted on this many nodes (observe-based).
            replicate_to: Wait until the mutation is on this many replicas (observe-based).
            cas: Only if the document's CAS still matches (0: whatever it is).
            check_removed: Wait for the removal of ``key`` instead.
            timeout: Give up after this many seconds.
            interval: Seconds between two observe rounds.

        Returns:
            Result: the last observe result.

        Raises:
            ArgumentError: A bad key or argument.
            TimeoutError: Not durable within ``timeout`` seconds.
            TimeoutError: No reply in time.
        """
        from couchbase.exceptions import TimeoutException

        deadline = time.monotonic() + timeout
        while True:
            infos = self.observe(key).value
            ok, detail = _durable(infos, persist_to, replicate_to, cas, check_removed)
            if ok:
                return ObserveResult(key, infos)
            if time.monotonic() >= deadline:
                raise TimeoutException(message=f"endure({key!r}) timed out after {timeout}s: {detail}")
            self._sleep(interval)

    def endure_multi(self, keys: Iterable[Any], **kwargs: Any) -> Dict[Any, Any]:
        """``endure`` each key (a list, or a dict key → cas).

        Args:
            keys: A list of keys, or a dict key -> cas.
            **kwargs: The arguments of :meth:`endure`.

        Returns:
            dict: key -> result.

        Raises:
            ArgumentError: A bad key or argument.
            TimeoutError: A key was not durable within ``timeout`` seconds.
            CouchbaseError: The first failed key's exception (unless ``quiet``), carrying ``all_results``.
            TimeoutError: No reply in time.
        """
        if isinstance(keys, Mapping):
            return {k: self.endure(k, cas=getattr(c, "cas", c) or 0, **kwargs) for k, c in keys.items()}
        return {k: self.endure(k, **kwargs) for k in keys}

    def _sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def stats(self, keys: Any = None) -> Any:
        """Server statistics in the 1.x shape ``{stat: {server: value}}`` (``keys``: a group
        name or a list of them).

        Args:
            keys: A stats group name, or a list of them (None: the general stats).

        Returns:
            dict: ``{stat: {server: value}}``.

        Raises:
            ArgumentError: A bad key or argument.
            TimeoutError: No reply in time.
        """
        groups = [""] if not keys else ([keys] if isinstance(keys, str) else list(keys))

        def merge(per_group: List[Any]) -> Dict[str, Dict[str, Any]]:
            out: Dict[str, Dict[str, Any]] = {}
            for per_server in per_group:
                out.update(_stats_by_name(per_server))
            return out

        return self._gather([self._bucket.stats(group) for group in groups], merge)

    # ---- views ---------------------------------------------------------------------
    def query(
        self, design: str, view: str, use_devmode: bool = False, itercls: Any = None, **kwargs: Any
    ) -> Any:
        """Query a view: an iterable :class:`couchbase.views.iterator.View` of rows.

        Keywords: ``include_docs``, ``streaming``, ``row_processor``, ``query`` (a Query or an
        encoded string) and any view parameter (``limit``, ``mapkey_range``, ``stale``, ...).

        Args:
            design: The design document's name.
            view: The view's name.
            use_devmode: The development namespace (``dev_`` prefix).
            itercls: The View class to return (a subclass of couchbase.views.iterator.View).
            **kwargs: View options (``limit``, ``mapkey_range``, ``include_docs``, ``streaming``, ...).

        Returns:
            View: the rows (iterate it).

        Raises:
            ArgumentError: A bad key or argument.
            TimeoutError: No reply in time.
        """
        from couchbase.views.iterator import View

        cls = itercls or View
        return cls(self, design, view, use_devmode=use_devmode, **kwargs)

    def _view_rows(self, design: str, view: str, args: Tuple[Any, ...], opts: Dict[str, Any]) -> Any:
        return self._bucket.view_query(design, view, *args, **opts)

    # ---- design documents -----------------------------------------------------------
    def _design_name(self, name: str, use_devmode: bool) -> str:
        if not isinstance(name, str) or not name:
            raise ArgumentError(message=f"design document name must be a non-empty str, got {name!r}")
        if name.startswith("_design/"):
            name = name[len("_design/") :]
        if use_devmode and not name.startswith("dev_"):
            name = "dev_" + name
        return name

    def _views_mgr(self) -> Any:
        return self._bucket.view_indexes()

    def design_create(self, name: str, design: Any, use_devmode: bool = True, syncwait: float = 0) -> Any:
        """Create (or replace) design document ``name`` from a dict (``{"views": {...}}``) or its
        JSON text; ``use_devmode`` prefixes ``dev_``; ``syncwait`` seconds: wait until it is there.

        Args:
            name: The design document's name (``_design/`` and ``dev_`` prefixes are handled).
            design: The design: a dict ``{"views": {...}}`` or its JSON text.
            use_devmode: The development namespace (``dev_`` prefix).
            syncwait: Seconds to wait until the change is visible (0: do not wait).

        Returns:
            HttpResult: ``value`` ``{"ok": True, "id": ...}``.

        Raises:
            ArgumentError: A bad key or argument.
            ArgumentError: ``design`` not a dict or JSON text, or a bad name.
            TimeoutError: No reply in time.
        """
        if isinstance(design, (str, bytes)):
            try:
                design = json.loads(design)
            except ValueError:
                raise ArgumentError(message="design must be a dict or valid JSON text") from None
        if not isinstance(design, Mapping):
            raise ArgumentError(message=f"design must be a dict or JSON text, got {type(design).__name__}")
        name = self._design_name(name, False)
        return self._then(
            self._views_mgr().design_create(name, dict(design), use_devmode, syncwait),
            lambda _r: HttpResult({"ok": True, "id": "_design/" + self._design_name(name, use_devmode)}, 201),
        )

    def design_get(self, name: str, use_devmode: bool = True) -> Any:
        """Design document ``name``: ``result.value`` is its JSON (``{"views": {...}}``).
        A missing one raises DesignDocumentNotFoundException.

        Args:
            name: The design document's name (``_design/`` and ``dev_`` prefixes are handled).
            use_devmode: The development namespace (``dev_`` prefix).

        Returns:
            HttpResult: ``value`` is the design's JSON.

        Raises:
            ArgumentError: A bad key or argument.
            DesignDocumentNotFoundException: No such design document.
            TimeoutError: No reply in time.
        """
        name = self._design_name(name, False)
        return self._then(self._views_mgr().design_get(name, use_devmode), lambda d: HttpResult(d.as_json()))

    def design_publish(self, name: str, syncwait: float = 0) -> Any:
        """Copy development design ``dev_<name>`` to production ``name`` (the development one stays).

        Args:
            name: The design document's name (``_design/`` and ``dev_`` prefixes are handled).
            syncwait: Seconds to wait until the change is visible (0: do not wait).

        Returns:
            HttpResult: ``value`` ``{"ok": True}``.

        Raises:
            ArgumentError: A bad key or argument.
            DesignDocumentNotFoundException: No development design of that name.
            TimeoutError: No reply in time.
        """
        name = self._design_name(name, False)
        return self._then(
            self._views_mgr().design_publish(name, syncwait), lambda _r: HttpResult({"ok": True}, 201)
        )

    def design_delete(self, name: str, use_devmode: bool = True, syncwait: float = 0) -> Any:
        """Delete design document ``name``.

        Args:
            name: The design document's name (``_design/`` and ``dev_`` prefixes are handled).
            use_devmode: The development namespace (``dev_`` prefix).
            syncwait: Seconds to wait until the change is visible (0: do not wait).

        Returns:
            HttpResult: ``value`` ``{"ok": True}``.

        Raises:
            ArgumentError: A bad key or argument.
            DesignDocumentNotFoundException: No such design document.
            TimeoutError: No reply in time.
        """
        name = self._design_name(name, False)
        return self._then(
            self._views_mgr().design_delete(name, use_devmode, syncwait),
            lambda _r: HttpResult({"ok": True}, 200),
        )


def _durable(
    infos: Sequence[Any], persist_to: int, replicate_to: int, cas: int, check_removed: bool
) -> Tuple[bool, str]:
    """Whether observe results meet 1.x endure()'s requirements, and what is missing."""
    nodes = len(infos)
    replicas = max(nodes - 1, 0)
    need_persist = nodes if persist_to < 0 else persist_to
    need_replicate = replicas if replicate_to < 0 else replicate_to
    persisted = replicated = 0
    for info in infos:
        status = info.state
        found = status in ("found", "persisted")
        gone = status in ("not_found", "logically_deleted")
        match = (gone if check_removed else found) and (
            not cas or check_removed or getattr(info, "cas", 0) == cas
        )
        if not match:
            continue
        if status == "persisted" or (check_removed and status == "not_found"):
            persisted += 1
        if not getattr(info, "from_master", False):
            replicated += 1
    ok = persisted >= need_persist and replicated >= need_replicate
    return ok, f"persisted on {persisted}/{need_persist}, replicated to {replicated}/{need_replicate}"


__all__ = ["LegacyAPI", "HttpResult", "ObserveResult", "legacy_connstr", "InvalidArgumentException"]
