"""Blocking Collection: the KV surface run on libcouchbase's own loop.

Each call schedules one operation (or one pipelined batch for the multi
operations) and runs ``lcb_wait`` with the GIL released until it completes.
``with coll.batch():`` defers sending until the block ends.
"""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional

from couchbase import _durability
from couchbase._binding import lib
from couchbase._kv import AsyncResult, KVOperations, MultiCollector, key_bytes
from couchbase.exceptions import InvalidArgumentException

if TYPE_CHECKING:
    from couchbase.scope import Scope

DEFAULT = "_default"


def _check_name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not name or len(name) > 251:
        raise InvalidArgumentException(message=f"{kind} name must be a non-empty str, got {name!r}")
    return name


class Collection(KVOperations):
    """A collection of a bucket's scope; every key-value operation lives here."""

    def __init__(self, scope: "Scope", name: str = DEFAULT) -> None:
        self._bind(scope, name)
        self._batch: Optional[List[AsyncResult]] = None

    def _submit(self, schedule: Callable[[], AsyncResult]) -> Any:
        batch = self._batch
        if batch is not None:
            op = schedule()
            batch.append(op)
            return op
        conn = self._conn
        with conn.locked():
            op = schedule()
            conn.wait_op(op)
        return op.outcome()

    def _submit_multi(self, schedules: List[Callable[[], AsyncResult]], multi: MultiCollector) -> Any:
        conn = self._conn
        if self._batch is not None:  # the batch() block holds the lock and sends at its end
            self._schedule_multi(schedules, multi)
            return multi
        with conn.locked():
            self._schedule_multi(schedules, multi)
            conn.wait_for(lambda: multi.remaining == 0)
        return multi.outcome()

    def _submit_durable(self, schedule: Callable[[], AsyncResult], persist_to: int, replicate_to: int) -> Any:
        if self._batch is not None:
            raise InvalidArgumentException(message="persist_to/replicate_to cannot be used inside batch()")
        conn = self._conn
        with conn.locked():
            op = schedule()
            conn.wait_for(lambda: op.done)
            result = op.outcome()
            _durability.poll_until_durable(conn, result.mutation_token(), persist_to, replicate_to)
        return result

    def observe(self, key: Any, master_only: bool = False) -> List[_durability.ObserveInfo]:
        """Each node's view of ``key`` (1.x API): found / persisted / not_found, CAS, master or replica.

        Only for the default collection (OBSERVE carries no collection id).
        """
        if self._coll_b:
            from couchbase.exceptions import FeatureUnavailableException

            raise FeatureUnavailableException(message="observe() works on the default collection only")
        kb = key_bytes(key)
        conn = self._conn
        with conn.locked():
            prefix = b"\x00" if lib.lcb_cntl_getu32(conn.instance, 0x4A) else b""  # LCB_CNTL_ENABLE_COLLECTIONS
            rnd, _servers = _durability.schedule_observe(conn, kb, prefix + kb, master_only)
            conn.wait_for(lambda: rnd.remaining == 0)
        return _durability.observe_results(rnd)

    @contextlib.contextmanager
    def batch(self) -> Iterator[List[AsyncResult]]:
        """Schedule every operation in the block; send them together when it ends.

        Operations inside return :class:`~couchbase._kv.AsyncResult` placeholders
        whose ``result``/``value``/``outcome()`` are filled when the block exits.
        If the block raises, nothing is sent and the placeholders fail with
        RequestCanceledException.
        """
        if self._batch is not None:
            raise InvalidArgumentException(message="batch() blocks cannot be nested")
        conn = self._conn
        with conn.locked():
            with self._scheduling_block() as ops:
                yield ops
            conn.wait_for(lambda: all(op.done for op in ops))

    def stats(self, group: str = "") -> Dict[str, Dict[str, str]]:
        """Server statistics, ``{server: {name: value}}`` (see Bucket.stats)."""
        return self._scope.bucket.stats(group)

    def __repr__(self) -> str:
        return f"Collection(bucket={self._bucket_name!r}, scope={self._scope.name!r}, name={self.name!r})"


# 3.x spellings: unported code imports the options from couchbase.collection
from couchbase.options import (  # noqa: E402,F401
    AppendOptions,
    DecrementOptions,
    DeltaValue,
    ExistsOptions,
    GetAndLockOptions,
    GetAndTouchOptions,
    GetAnyReplicaOptions,
    GetAllReplicasOptions,
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
