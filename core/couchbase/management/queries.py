"""Query (GSI) index management: ``cluster.query_indexes()`` and ``collection.query_indexes()``.

Every operation is N1QL sent to the query service: ``CREATE [PRIMARY] INDEX``,
``DROP [PRIMARY] INDEX``, ``BUILD INDEX`` and ``SELECT ... FROM system:indexes``.
Errors come from the statement's error list (4300 exists, 12004/12016 not found,
5000 with the server's "already exist"/"not found" text).
"""
from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Mapping, Optional, Sequence

from couchbase import options as _o
from couchbase._generic import DoneT, QueryIndexListT
from couchbase.exceptions import (
    AuthenticationException,
    BucketNotFoundException,
    CouchbaseException,
    InternalServerFailureException,
    InvalidArgumentException,
    ParsingFailedException,
    QueryException,
    QueryIndexAlreadyExistsException,
    QueryIndexNotFoundException,
    TimeoutException,
    WatchQueryIndexTimeoutException,
)
from couchbase.management._http import Call, Program, Sleep, statement_results

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import (
        CollectionCreatePrimaryQueryIndexKwargs,
        CollectionCreateQueryIndexKwargs,
        CollectionDropPrimaryQueryIndexKwargs,
        CollectionDropQueryIndexKwargs,
        CollectionWatchQueryIndexKwargs,
        CreatePrimaryQueryIndexKwargs,
        CreateQueryIndexKwargs,
        DropPrimaryQueryIndexKwargs,
        DropQueryIndexKwargs,
        MgmtKwargs,
        QueryIndexKwargs,
        WatchQueryIndexKwargs,
    )
    from couchbase.management.options import (
        BuildDeferredQueryIndexOptions,
        CreatePrimaryQueryIndexOptions,
        CreateQueryIndexOptions,
        DropPrimaryQueryIndexOptions,
        DropQueryIndexOptions,
        GetAllQueryIndexOptions,
        WatchQueryIndexOptions,
    )

__all__ = ["QueryIndexManager", "CollectionQueryIndexManager", "QueryIndex"]


class QueryIndex:
    """One index as ``system:indexes`` describes it.

    Args:
        name: The index's name.
        is_primary: Whether it is a primary index.
        type: Its type (``gsi``).
        state: ``online``, ``deferred``, ``building``, ...
        namespace: The namespace (``default``).
        datastore_id: The datastore.
        keyspace: The keyspace (collection or bucket).
        index_key: The indexed expressions.
        condition: Its WHERE clause, or None.
        bucket_name: The bucket.
        scope_name: The scope.
        collection_name: The collection.
        partition: Its PARTITION BY clause, or None.

    Attributes:
        name (str): The index's name.
        is_primary (bool): Whether it is a primary index.
        state (str): Its state.
        index_key (list[str]): The indexed expressions.
    """

    def __init__(self, name: str, is_primary: bool, type: str, state: str,  # noqa: A002 - official name
                 namespace: str, datastore_id: str, keyspace: str, index_key: Optional[List[str]] = None,
                 condition: Optional[str] = None, bucket_name: Optional[str] = None,
                 scope_name: Optional[str] = None, collection_name: Optional[str] = None,
                 partition: Optional[str] = None) -> None:
        self.name, self.is_primary, self.type, self.state = name, is_primary, type, state
        self.namespace, self.datastore_id, self.keyspace = namespace, datastore_id, keyspace
        self.index_key = list(index_key or [])
        self.condition, self.partition = condition, partition
        self.bucket_name, self.scope_name, self.collection_name = bucket_name, scope_name, collection_name

    @classmethod
    def from_server(cls, row: Any) -> "QueryIndex":  # row: the server's JSON object
        """An index from a ``system:indexes`` row.

        Args:
            row: The row (a dict).

        Returns:
            QueryIndex: The index.

        Raises:
            AttributeError: ``row`` is not a dict.
        """
        bucket = row.get("bucket_id")
        if bucket is None:  # an index on a bucket's default collection
            bucket, scope, coll = row.get("keyspace_id"), "_default", "_default"
        else:
            scope, coll = row.get("scope_id"), row.get("keyspace_id")
        return cls(row.get("name", ""), bool(row.get("is_primary", False)), row.get("using", "gsi"),
                   row.get("state", ""), row.get("namespace_id", "default"), row.get("datastore_id", ""),
                   row.get("keyspace_id", ""), row.get("index_key", []), row.get("condition"), bucket, scope,
                   coll, row.get("partition"))

    def __repr__(self) -> str:
        return (f"QueryIndex(name={self.name!r}, is_primary={self.is_primary}, state={self.state!r}, "
                f"keyspace={self.bucket_name}.{self.scope_name}.{self.collection_name})")


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _keyspace(bucket: str, scope: Optional[str], collection: Optional[str]) -> str:
    if scope and collection and (scope, collection) != ("_default", "_default"):
        return f"{_q(bucket)}.{_q(scope)}.{_q(collection)}"
    return _q(bucket)


def _error(meta: Dict[str, Any], status: int, what: str) -> CouchbaseException:
    errors = meta.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = first.get("code", 0)
    msg = str(first.get("msg", ""))
    text = f"{what}: {msg or json.dumps(errors)[:300]} (code {code})"
    lower = msg.lower()
    if code == 4300 or (code == 5000 and "already exist" in lower):
        return QueryIndexAlreadyExistsException(message=text)
    if code in (12004, 12016) or (code == 5000 and ("not found" in lower or "does not exist" in lower)):
        return QueryIndexNotFoundException(message=text)
    if code == 12003:
        return BucketNotFoundException(message=text)
    if code == 13014 or status == 401:
        return AuthenticationException(message=text)
    if code == 3000:
        return ParsingFailedException(message=text)
    if code == 1065:
        return InvalidArgumentException(message=text)
    if status >= 500 and not errors:
        return InternalServerFailureException(message=text)
    return QueryException(message=text)


def _statement(statement: str, timeout_us: int, params: Optional[Dict[str, Any]] = None) -> Call:
    body: Dict[str, Any] = {"statement": statement, "client_context_id": uuid.uuid4().hex}
    if params:
        body.update({"$" + k: v for k, v in params.items()})
    if timeout_us:
        body["timeout"] = f"{timeout_us // 1000}ms"
    # libcouchbase sends query-type requests to <node>/query/service itself
    return Call("query", "POST", "", json.dumps(body).encode(), "application/json", timeout_us)


def _run_statement(call: Call, what: str) -> Program:
    resp = yield call
    return statement_results(resp, what, _error)


def _timeout(opts: Dict[str, Any]) -> int:
    from couchbase.management._http import options_timeout_us

    return options_timeout_us(opts)


_BASE = frozenset({"timeout", "parent_span", "scope_name", "collection_name"})
_CREATE = _BASE | {"ignore_if_exists", "num_replicas", "deferred", "condition", "index_name"}
_DROP = _BASE | {"ignore_if_not_exists", "index_name"}
_WATCH = _BASE | {"watch_primary"}


def _str(what: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgumentException(message=f"{what} must be a non-empty str, got {value!r}")
    return value


class _IndexOps(Generic[DoneT, QueryIndexListT]):
    """The statements, shared by the cluster-level and the collection-level managers.

    Args:
        run: The front end's driver of management programs.
    """

    def __init__(self, run: Callable[[Program], Any]) -> None:
        self._run = run

    # ---- programs
    @staticmethod
    def _get_all(bucket: str, scope: Optional[str], collection: Optional[str], timeout_us: int,
                 where_extra: str = "") -> Program:
        bucket_cond = "bucket_id = $bucket_name"
        scope_cond = f"({bucket_cond} AND scope_id = $scope_name)"
        where = bucket_cond
        if collection:
            where = f"({scope_cond} AND keyspace_id = $collection_name)"
        elif scope:
            where = scope_cond
        if not collection or collection == "_default":
            where = f"({where} OR (bucket_id IS MISSING AND keyspace_id = $bucket_name))"
        statement = (f"SELECT `idx`.* FROM system:indexes AS idx WHERE {where}{where_extra} "
                     f"AND `using` = \"gsi\" "
                     f"ORDER BY is_primary DESC, name ASC")
        rows = yield from _run_statement(
            _statement(statement, timeout_us, {"bucket_name": bucket, "scope_name": scope or "",
                                               "collection_name": collection or ""}), "get_all_indexes")
        return [QueryIndex.from_server(r) for r in rows]

    @staticmethod
    def _create(bucket: str, name: Optional[str], keys: Sequence[str], primary: bool,
                opts: Dict[str, Any]) -> Program:
        ks = _keyspace(bucket, opts.get("scope_name"), opts.get("collection_name"))
        with_: Dict[str, Any] = {}
        if opts.get("deferred"):
            with_["defer_build"] = True
        if opts.get("num_replicas") is not None:
            with_["num_replica"] = opts["num_replicas"]
        if primary:
            statement = f"CREATE PRIMARY INDEX {_q(name) + ' ' if name else ''}ON {ks}"
        else:
            statement = f"CREATE INDEX {_q(name or '')} ON {ks}({', '.join(keys)})"
            if opts.get("condition"):
                statement += f" WHERE {opts['condition']}"
        statement += " USING GSI"
        if with_:
            statement += " WITH " + json.dumps(with_)
        try:
            yield from _run_statement(_statement(statement, _timeout(opts)), "create_index")
        except QueryIndexAlreadyExistsException:
            if not opts.get("ignore_if_exists"):
                raise
        return None

    @staticmethod
    def _drop(bucket: str, name: Optional[str], primary: bool, opts: Dict[str, Any]) -> Program:
        scope, collection = opts.get("scope_name"), opts.get("collection_name")
        ks = _keyspace(bucket, scope, collection)
        if primary and not name:
            statement = f"DROP PRIMARY INDEX ON {ks} USING GSI"
        elif scope and collection and (scope, collection) != ("_default", "_default"):
            statement = f"DROP INDEX {_q(name or '#primary')} ON {ks} USING GSI"
        else:
            statement = f"DROP INDEX {ks}.{_q(name or '#primary')} USING GSI"
        try:
            yield from _run_statement(_statement(statement, _timeout(opts)), "drop_index")
        except QueryIndexNotFoundException:
            if not opts.get("ignore_if_not_exists"):
                raise
        return None

    @classmethod
    def _build_deferred(cls, bucket: str, opts: Dict[str, Any]) -> Program:
        scope, collection = opts.get("scope_name"), opts.get("collection_name")
        indexes = yield from cls._get_all(bucket, scope, collection, _timeout(opts))
        by_keyspace: Dict[str, List[str]] = {}
        for ix in indexes:
            if ix.state in ("deferred", "pending"):
                ks = _keyspace(ix.bucket_name or bucket, ix.scope_name, ix.collection_name)
                by_keyspace.setdefault(ks, []).append(ix.name)
        for ks, names in by_keyspace.items():
            statement = f"BUILD INDEX ON {ks}({', '.join(_q(n) for n in names)}) USING GSI"
            yield from _run_statement(_statement(statement, _timeout(opts)), "build_deferred_indexes")
        return None

    @classmethod
    def _watch(cls, bucket: str, names: Sequence[str], opts: Dict[str, Any]) -> Program:
        if opts.get("timeout") is None:
            raise InvalidArgumentException(message="watch_indexes needs a timeout")
        deadline = time.monotonic() + _o.to_seconds("timeout", opts["timeout"])
        wanted = list(names)
        if opts.get("watch_primary") and "#primary" not in wanted:
            wanted.append("#primary")
        delay = 0.05
        expired = f"indexes {wanted} were not all online within {opts['timeout']}"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise WatchQueryIndexTimeoutException(message=expired)
            try:
                indexes = yield from cls._get_all(bucket, opts.get("scope_name"), opts.get("collection_name"),
                                                  min(int(left * 1_000_000), 0xFFFFFFFF))
            except TimeoutException as exc:  # the listing had only what was left of the watch's time
                raise WatchQueryIndexTimeoutException(message=expired) from exc
            found = {ix.name: ix for ix in indexes}
            missing = [n for n in wanted if n not in found]
            if missing:
                raise QueryIndexNotFoundException(
                    message=f"watch_indexes: no index named {', '.join(missing)}")
            if all(found[n].state == "online" for n in wanted):
                return None
            yield Sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 1.0)


class QueryIndexManager(_IndexOps[DoneT, QueryIndexListT]):
    """Query indexes of any bucket (``cluster.query_indexes()``); scope/collection through options.

    Args:
        run: The front end's driver of management programs.
    """

    def get_all_indexes(self, bucket_name: str, *options: GetAllQueryIndexOptions,
                        **kwargs: Unpack[QueryIndexKwargs]) -> QueryIndexListT:
        """The indexes of a bucket (or of ``scope_name``/``collection_name``).

        Args:
            bucket_name: The bucket.
            *options: ``GetAllQueryIndexOptions`` blocks.
            **kwargs: ``timeout``, ``scope_name``, ``collection_name``.

        Returns:
            list[QueryIndex]: The indexes.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryException: Another refusal by the query service.
        """
        opts = _o.merge("get_all_indexes", _BASE, options, kwargs)
        return self._run(self._get_all(_str("bucket_name", bucket_name), opts.get("scope_name"),
                                       opts.get("collection_name"), _timeout(opts)))

    def create_index(self, bucket_name: str, index_name: str, keys: Sequence[str],
                     *options: CreateQueryIndexOptions,
                     **kwargs: Unpack[CreateQueryIndexKwargs]) -> DoneT:
        """Create a secondary index on ``keys``.

        Args:
            bucket_name: The bucket.
            index_name: The index's name.
            keys: The indexed expressions (a non-empty list of str).
            *options: ``CreateQueryIndexOptions`` blocks.
            **kwargs: ``ignore_if_exists``, ``deferred``, ``condition`` (a WHERE clause), ``num_replicas``,
                ``timeout``, ``scope_name``, ``collection_name``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: Empty or non-str ``keys``, a bad name or option.
            QueryIndexAlreadyExistsException: The index exists (unless ``ignore_if_exists``).
            QueryException: Another refusal by the query service.
        """
        opts = _o.merge("create_index", _CREATE, options, kwargs)
        _str("index_name", index_name)
        if isinstance(keys, str) or not isinstance(keys, (list, tuple)) or not keys \
                or not all(isinstance(k, str) and k for k in keys):
            raise InvalidArgumentException(message=f"keys must be a non-empty list of str, got {keys!r}")
        return self._run(self._create(_str("bucket_name", bucket_name), index_name, keys, False, opts))

    def create_primary_index(self, bucket_name: str, *options: CreatePrimaryQueryIndexOptions,
                             **kwargs: Unpack[CreatePrimaryQueryIndexKwargs]) -> DoneT:
        """Create the primary index (named ``index_name`` if given).

        Args:
            bucket_name: The bucket.
            *options: ``CreatePrimaryQueryIndexOptions`` blocks.
            **kwargs: ``index_name``, ``ignore_if_exists``, ``deferred``, ``num_replicas``, ``timeout``,
                ``scope_name``, ``collection_name``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryIndexAlreadyExistsException: It exists (unless ``ignore_if_exists``).
            QueryException: Another refusal by the query service.
        """
        opts = _o.merge("create_primary_index", _CREATE, options, kwargs)
        return self._run(self._create(_str("bucket_name", bucket_name), opts.get("index_name"), (), True,
                                      opts))

    def drop_index(self, bucket_name: str, index_name: str, *options: DropQueryIndexOptions,
                   **kwargs: Unpack[DropQueryIndexKwargs]) -> DoneT:
        """Drop an index.

        Args:
            bucket_name: The bucket.
            index_name: The index's name.
            *options: ``DropQueryIndexOptions`` blocks.
            **kwargs: ``ignore_if_not_exists``, ``timeout``, ``scope_name``, ``collection_name``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryIndexNotFoundException: No such index (unless ``ignore_if_not_exists``).
            QueryException: Another refusal by the query service.
        """
        opts = _o.merge("drop_index", _DROP, options, kwargs)
        return self._run(self._drop(_str("bucket_name", bucket_name), _str("index_name", index_name), False,
                                    opts))

    def drop_primary_index(self, bucket_name: str, *options: DropPrimaryQueryIndexOptions,
                           **kwargs: Unpack[DropPrimaryQueryIndexKwargs]) -> DoneT:
        """Drop the primary index (or the one named ``index_name``).

        Args:
            bucket_name: The bucket.
            *options: ``DropPrimaryQueryIndexOptions`` blocks.
            **kwargs: ``index_name``, ``ignore_if_not_exists``, ``timeout``, ``scope_name``,
                ``collection_name``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryIndexNotFoundException: No primary index (unless ``ignore_if_not_exists``).
            QueryException: Another refusal by the query service.
        """
        opts = _o.merge("drop_primary_index", _DROP, options, kwargs)
        return self._run(self._drop(_str("bucket_name", bucket_name), opts.get("index_name"), True, opts))

    def build_deferred_indexes(self, bucket_name: str, *options: BuildDeferredQueryIndexOptions,
                               **kwargs: Unpack[QueryIndexKwargs]) -> DoneT:
        """Build every deferred index of the bucket (or scope/collection).

        Args:
            bucket_name: The bucket.
            *options: ``BuildDeferredQueryIndexOptions`` blocks.
            **kwargs: ``timeout``, ``scope_name``, ``collection_name``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryException: Another refusal by the query service.
        """
        opts = _o.merge("build_deferred_indexes", _BASE, options, kwargs)
        return self._run(self._build_deferred(_str("bucket_name", bucket_name), opts))

    def watch_indexes(self, bucket_name: str, index_names: Sequence[str], *options: WatchQueryIndexOptions,
                      **kwargs: Unpack[WatchQueryIndexKwargs]) -> DoneT:
        """Wait until the named indexes are online (polling the service).

        Args:
            bucket_name: The bucket.
            index_names: The indexes' names.
            *options: ``WatchQueryIndexOptions`` blocks.
            **kwargs: ``timeout`` (required), ``watch_primary`` (also wait for #primary), ``scope_name``,
                ``collection_name``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: No ``timeout``, ``index_names`` not a list of str, or a bad option.
            QueryIndexNotFoundException: A named index does not exist.
            WatchQueryIndexTimeoutException: Not every index was online within ``timeout``.
        """
        opts = _o.merge("watch_indexes", _WATCH, options, kwargs)
        if isinstance(index_names, str) or not isinstance(index_names, (list, tuple)):
            raise InvalidArgumentException(message=f"index_names must be a list of str, got {index_names!r}")
        return self._run(self._watch(_str("bucket_name", bucket_name), index_names, opts))


class CollectionQueryIndexManager(_IndexOps[DoneT, QueryIndexListT]):
    """Query indexes of one collection (``collection.query_indexes()``).

    Args:
        run: The front end's driver of management programs.
        bucket_name: The collection's bucket.
        scope_name: The collection's scope.
        collection_name: The collection.
    """

    def __init__(self, run: Callable[[Program], Any], bucket_name: str, scope_name: str,
                 collection_name: str) -> None:
        super().__init__(run)
        self._bucket, self._scope, self._collection = bucket_name, scope_name, collection_name

    def _opts(self, op: str, allowed: Any, options: Any, kwargs: Mapping[str, Any]) -> Dict[str, Any]:
        opts = _o.merge(op, allowed, options, kwargs)
        if opts.get("scope_name") is not None or opts.get("collection_name") is not None:
            raise InvalidArgumentException(
                message=f"{op}: scope_name/collection_name cannot be set on a collection's index manager")
        opts["scope_name"], opts["collection_name"] = self._scope, self._collection
        return opts

    def get_all_indexes(self, *options: GetAllQueryIndexOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> QueryIndexListT:
        """The indexes of this collection.

        Args:
            *options: ``GetAllQueryIndexOptions`` blocks.
            **kwargs: ``timeout``.

        Returns:
            list[QueryIndex]: The indexes.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryException: Another refusal by the query service.
        """
        opts = self._opts("get_all_indexes", _BASE, options, kwargs)
        return self._run(self._get_all(self._bucket, self._scope, self._collection, _timeout(opts)))

    def create_index(self, index_name: str, keys: Sequence[str], *options: CreateQueryIndexOptions,
                     **kwargs: Unpack[CollectionCreateQueryIndexKwargs]) -> DoneT:
        """Create a secondary index on ``keys``.

        Args:
            index_name: The index's name.
            keys: The indexed expressions (a non-empty list of str).
            *options: ``CreateQueryIndexOptions`` blocks.
            **kwargs: ``ignore_if_exists``, ``deferred``, ``condition`` (a WHERE clause), ``num_replicas``,
                ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: Empty or non-str ``keys``, a bad name or option.
            QueryIndexAlreadyExistsException: The index exists (unless ``ignore_if_exists``).
            QueryException: Another refusal by the query service.
        """
        opts = self._opts("create_index", _CREATE, options, kwargs)
        _str("index_name", index_name)
        if isinstance(keys, str) or not isinstance(keys, (list, tuple)) or not keys \
                or not all(isinstance(k, str) and k for k in keys):
            raise InvalidArgumentException(message=f"keys must be a non-empty list of str, got {keys!r}")
        return self._run(self._create(self._bucket, index_name, keys, False, opts))

    def create_primary_index(self, *options: CreatePrimaryQueryIndexOptions,
                             **kwargs: Unpack[CollectionCreatePrimaryQueryIndexKwargs]) -> DoneT:
        """Create the primary index (named ``index_name`` if given).

        Args:
            *options: ``CreatePrimaryQueryIndexOptions`` blocks.
            **kwargs: ``index_name``, ``ignore_if_exists``, ``deferred``, ``num_replicas``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryIndexAlreadyExistsException: It exists (unless ``ignore_if_exists``).
            QueryException: Another refusal by the query service.
        """
        opts = self._opts("create_primary_index", _CREATE, options, kwargs)
        return self._run(self._create(self._bucket, opts.get("index_name"), (), True, opts))

    def drop_index(self, index_name: str, *options: DropQueryIndexOptions,
                   **kwargs: Unpack[CollectionDropQueryIndexKwargs]) -> DoneT:
        """Drop an index.

        Args:
            index_name: The index's name.
            *options: ``DropQueryIndexOptions`` blocks.
            **kwargs: ``ignore_if_not_exists``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryIndexNotFoundException: No such index (unless ``ignore_if_not_exists``).
            QueryException: Another refusal by the query service.
        """
        opts = self._opts("drop_index", _DROP, options, kwargs)
        return self._run(self._drop(self._bucket, _str("index_name", index_name), False, opts))

    def drop_primary_index(self, *options: DropPrimaryQueryIndexOptions,
                           **kwargs: Unpack[CollectionDropPrimaryQueryIndexKwargs]) -> DoneT:
        """Drop the primary index (or the one named ``index_name``).

        Args:
            *options: ``DropPrimaryQueryIndexOptions`` blocks.
            **kwargs: ``index_name``, ``ignore_if_not_exists``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryIndexNotFoundException: No primary index (unless ``ignore_if_not_exists``).
            QueryException: Another refusal by the query service.
        """
        opts = self._opts("drop_primary_index", _DROP, options, kwargs)
        return self._run(self._drop(self._bucket, opts.get("index_name"), True, opts))

    def build_deferred_indexes(self, *options: BuildDeferredQueryIndexOptions,
                               **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Build every deferred index of this collection.

        Args:
            *options: ``BuildDeferredQueryIndexOptions`` blocks.
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryException: Another refusal by the query service.
        """
        opts = self._opts("build_deferred_indexes", _BASE, options, kwargs)
        return self._run(self._build_deferred(self._bucket, opts))

    def watch_indexes(self, index_names: Sequence[str], *options: WatchQueryIndexOptions,
                      **kwargs: Unpack[CollectionWatchQueryIndexKwargs]) -> DoneT:
        """Wait until the named indexes are online (polling the service).

        Args:
            index_names: The indexes' names.
            *options: ``WatchQueryIndexOptions`` blocks.
            **kwargs: ``timeout`` (required), ``watch_primary`` (also wait for #primary).

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: No ``timeout``, ``index_names`` not a list of str, or a bad option.
            QueryIndexNotFoundException: A named index does not exist.
            WatchQueryIndexTimeoutException: Not every index was online within ``timeout``.
        """
        opts = self._opts("watch_indexes", _WATCH, options, kwargs)
        if isinstance(index_names, str) or not isinstance(index_names, (list, tuple)):
            raise InvalidArgumentException(message=f"index_names must be a list of str, got {index_names!r}")
        return self._run(self._watch(self._bucket, index_names, opts))


