"""Blocking Collection: the KV surface run on libcouchbase's own loop.

Each call schedules one operation (or one pipelined batch for the multi
operations) and runs ``lcb_wait`` with the GIL released until it completes.
``with coll.batch():`` defers sending until the block ends.
"""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional

from couchbase import _durability
from couchbase._common import DEFAULT
from couchbase._kv import KVOperations, ObserveMixin
from couchbase._kv_response import AsyncResult, MultiCollector
from couchbase._pending import Pending
from couchbase.exceptions import InvalidArgumentException
from couchbase.management._access import CollectionManagement
from couchbase.results import (
    CounterResult,
    ExistsResult,
    GetReplicaResult,
    GetResult,
    LookupInReplicaResult,
    LookupInResult,
    MultiCounterResult,
    MultiExistsResult,
    MultiGetReplicaResult,
    MultiGetResult,
    MultiMutationResult,
    MutateInResult,
    MutationResult,
    OperationResult,
)

if TYPE_CHECKING:
    # named in the class statement's quoted type arguments
    from couchbase._bound import (  # noqa: F401
        BlockingCollectionQueryIndexManager,  # noqa: F401 - class statement
        BlockingCouchbaseList,
        BlockingCouchbaseMap,
        BlockingCouchbaseQueue,
        BlockingCouchbaseSet,
    )
    from couchbase.scope import Scope



class Collection(
        ObserveMixin,
        KVOperations[
        GetResult, GetReplicaResult, List[GetReplicaResult], ExistsResult, MutationResult,
        CounterResult, LookupInResult, MutateInResult, MultiGetResult, MultiGetReplicaResult,
        MultiExistsResult, MultiMutationResult, MultiCounterResult, LookupInReplicaResult,
        List[LookupInReplicaResult],
        OperationResult, Optional[OperationResult], Any, int, bool, "BlockingCouchbaseList",
        "BlockingCouchbaseMap", "BlockingCouchbaseSet", "BlockingCouchbaseQueue"],
        CollectionManagement["BlockingCollectionQueryIndexManager"]):
    """A collection of a bucket's scope; every key-value operation lives here.

    Open one with ``bucket.default_collection()`` or ``scope.collection(name)``.

    Args:
        scope: The scope the collection belongs to.
        name: The collection name (default ``_default``).

    Raises:
        InvalidArgumentException: ``name`` not a non-empty str.
    """

    def __init__(self, scope: "Scope", name: str = DEFAULT) -> None:
        self._bind(scope, name)
        self._batch: Optional[List[AsyncResult[Any]]] = None

    def _submit(self, schedule: Callable[..., AsyncResult[Any]], *args: Any) -> Any:
        batch = self._batch
        if batch is not None:
            op = schedule(*args)
            batch.append(op)
            return op
        return self._conn.run(schedule, *args)

    def _run(self, schedule: Callable[[], Pending]) -> Any:
        return self._conn.run(schedule)

    def _submit_multi(self, schedules: List[Callable[[], AsyncResult[Any]]],
                      multi: MultiCollector[Any]) -> Any:
        if self._batch is not None:  # the batch() block holds the lock and sends at its end
            self._schedule_multi(schedules, multi)
            return multi

        def schedule() -> MultiCollector[Any]:
            self._schedule_multi(schedules, multi)
            return multi

        return self._conn.run(schedule)

    def _submit_durable(self, schedule: Callable[[], AsyncResult[Any]], persist_to: int,
                        replicate_to: int) -> Any:
        if self._batch is not None:
            raise InvalidArgumentException(message="persist_to/replicate_to cannot be used inside batch()")
        conn = self._conn
        with conn.locked():
            op = schedule()
            conn.wait_op(op)
            result = op.outcome()
            _durability.poll_until_durable(conn, result.mutation_token(), persist_to, replicate_to)
        return result

    @contextlib.contextmanager
    def batch(self) -> Iterator[List[AsyncResult[Any]]]:
        """Schedule every operation in the block; send them together when it ends.

        Operations inside return :class:`~couchbase.asynchronous.AsyncResult` placeholders whose
        ``result``/``value``/``outcome()`` are filled when the block exits. If the block raises, nothing
        is sent and the placeholders fail with RequestCanceledException.

        Yields:
            list[AsyncResult]: The placeholders of the operations scheduled so far.

        Raises:
            InvalidArgumentException: Nested ``batch()`` blocks, or ``persist_to``/``replicate_to``
                inside one.
        """
        if self._batch is not None:
            raise InvalidArgumentException(message="batch() blocks cannot be nested")
        conn = self._conn
        with conn.locked():
            with self._scheduling_block() as ops:
                yield ops
            conn.wait_for(lambda: all(op.done for op in ops))

    def stats(self, group: str = "") -> Dict[str, Dict[str, str]]:
        """Memcached STATS from every node of the collection's bucket.

        See :meth:`couchbase.bucket.Bucket.stats`.

        Args:
            group: The stats group (``""``: the general stats).

        Returns:
            dict: ``{server: {stat: value}}``.

        Raises:
            InvalidArgumentException: ``group`` not a str.
            TimeoutException: A node did not answer in time.
        """
        stats: Dict[str, Dict[str, str]] = self._scope.bucket.stats(group)
        return stats

    def __repr__(self) -> str:
        return f"Collection(bucket={self._bucket_name!r}, scope={self._scope.name!r}, name={self.name!r})"


# 3.x spellings: unported code imports the options from couchbase.collection
from couchbase.options import (  # noqa: E402,F401
    AppendOptions,
    DecrementOptions,
    DeltaValue,
    ExistsOptions,
    GetAllReplicasOptions,
    GetAndLockOptions,
    GetAndTouchOptions,
    GetAnyReplicaOptions,
    GetOptions,
    IncrementOptions,
    InsertOptions,
    LookupInOptions,
    MutateInOptions,
    PrependOptions,
    RemoveOptions,
    ReplaceOptions,
    SignedInt64,
    TouchOptions,
    UnlockOptions,
    UpsertOptions,
)
