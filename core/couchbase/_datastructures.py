"""Data structures on documents (SDK 4.x ``CouchbaseList/Map/Set/Queue`` and the ``list_append`` …
collection methods), one body for every front end.

Each operation is a generator "program": it yields zero-argument steps (a key-value call on the
collection, or :class:`Sleep`) and gets back each step's result (or has its exception thrown in).
A front end supplies the driver that runs the steps in its idiom: :func:`run_blocking` (blocking and
gevent collections), :func:`run_asyncio` (acouchbase) or :func:`run_async` with its own sleep
(txcouchbase); all step through :func:`run_async`.
"""
from __future__ import annotations

import time
from typing import (
    TYPE_CHECKING,
    Any,
    Awaitable,
    Callable,
    Dict,
    Generator,
    Generic,
    List,
    Mapping,
    Optional,
    cast,
)

import couchbase.subdocument as SD
from couchbase._generic import (
    CouchbaseListT,
    CouchbaseMapT,
    CouchbaseQueueT,
    CouchbaseSetT,
    DsDoneT,
    DsEntriesT,
    DsFlagT,
    DsItemsT,
    DsItemT,
    DsMaybeMutationT,
    DsMutationT,
    DsPairsT,
    DsSizeT,
)
from couchbase.exceptions import (
    CasMismatchException,
    DocumentExistsException,
    DocumentNotFoundException,
    InvalidArgumentException,
    PathExistsException,
    PathNotFoundException,
    QueueEmpty,
    UnAmbiguousTimeoutException,
)
from couchbase.results import OperationResult

Program = Generator[Any, Any, Any]

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase._kwargs import MutateInKwargs, TimeoutKwargs



class Sleep:
    """A step that waits ``seconds`` (the driver sleeps in its idiom)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


async def run_async(program: Program, sleep: Callable[[float], Awaitable[Any]],
                    call: Optional[Callable[[Callable[[], Any]], Awaitable[Any]]] = None) -> Any:
    """Run a program: the one stepping loop behind every driver.

    ``sleep(seconds)`` waits in the host's idiom (:class:`Sleep` steps); ``call(step)`` runs a step and
    waits for its result (default: ``await step()``, for steps that return awaitables: asyncio futures,
    Twisted Deferreds under ``ensureDeferred``). A step's exception is thrown back into the program."""
    value: Any = None
    exc: Optional[BaseException] = None
    while True:
        try:
            step = program.throw(exc) if exc is not None else program.send(value)
        except StopIteration as stop:
            return stop.value
        value, exc = None, None
        try:
            if isinstance(step, Sleep):
                await sleep(step.seconds)
            elif call is not None:
                value = await call(step)
            else:
                value = await step()
        except Exception as e:  # noqa: BLE001 - thrown back into the program
            exc = e


def run_blocking(program: Program, sleep: Callable[[float], Any] = time.sleep) -> Any:
    """Run a program whose steps return their results directly (blocking and gevent collections)."""
    async def pause(seconds: float) -> None:
        sleep(seconds)

    async def call(step: Callable[[], Any]) -> Any:
        return step()

    # nothing awaited suspends, so the coroutine runs to its end on the first send
    coro = run_async(program, pause, call)
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a blocking data-structure step suspended")  # pragma: no cover - see above


async def run_asyncio(program: Program) -> Any:
    """Run a program whose steps return awaitables (acouchbase)."""
    import asyncio

    return await run_async(program, asyncio.sleep)


def _ok(key: Any, res: Any = None) -> OperationResult:
    out = OperationResult(key, 0, None)
    out.cas = getattr(res, "cas", 0) or 0
    return out


# ---- the programs ---------------------------------------------------------------------------------
def _mutate(coll: Any, key: Any, spec: Any, empty: Any, create: bool, **opts: Any) -> Program:
    """mutate_in(key, [spec]); a missing document is created as ``empty`` first when ``create``."""
    try:
        return (yield lambda: coll.mutate_in(key, [spec], **opts))
    except DocumentNotFoundException:
        if not create:
            raise
    try:
        yield lambda: coll.insert(key, empty)
    except DocumentExistsException:
        pass
    return (yield lambda: coll.mutate_in(key, [spec], **opts))


def _whole(coll: Any, key: Any, empty: Any, create: bool, **opts: Any) -> Program:
    """The whole structure (``empty`` if the document is missing and ``create``); ``opts``: the reads'."""
    try:
        res = yield lambda: coll.get(key, **opts)
    except DocumentNotFoundException:
        if not create:
            raise
        try:
            yield lambda: coll.insert(key, empty)
        except DocumentExistsException:
            pass
        res = yield lambda: coll.get(key, **opts)
    return res.value


def _lookup(coll: Any, key: Any, spec: Any, create: bool, empty: Any, **opts: Any) -> Program:
    try:
        return (yield lambda: coll.lookup_in(key, [spec], **opts))
    except DocumentNotFoundException:
        if not create:
            raise
    try:
        yield lambda: coll.insert(key, empty)
    except DocumentExistsException:
        pass
    return (yield lambda: coll.lookup_in(key, [spec], **opts))


def size(coll: Any, key: Any, empty: Any, create: bool = True, **opts: Any) -> Program:
    res = yield from _lookup(coll, key, SD.count(""), create, empty, **opts)
    return res.content_as[int](0)


def clear(coll: Any, key: Any) -> Program:
    try:
        yield lambda: coll.remove(key)
    except DocumentNotFoundException:
        pass


def _index(index: Any) -> int:
    if not isinstance(index, int) or isinstance(index, bool):
        raise InvalidArgumentException(message=f"a list index must be an int, got {index!r}")
    return index


def list_append(coll: Any, key: Any, value: Any, create: bool = True, **opts: Any) -> Program:
    return (yield from _mutate(coll, key, SD.array_append("", value), [], create, **opts))


def list_prepend(coll: Any, key: Any, value: Any, create: bool = True, **opts: Any) -> Program:
    return (yield from _mutate(coll, key, SD.array_prepend("", value), [], create, **opts))


def list_set(coll: Any, key: Any, index: int, value: Any, create: bool = True, **opts: Any) -> Program:
    try:
        return (yield from _mutate(coll, key, SD.replace(f"[{_index(index)}]", value), [], create, **opts))
    except PathNotFoundException:
        raise InvalidArgumentException(message=f"list {key!r} has no index {index}") from None


def list_get(coll: Any, key: Any, index: int, create: bool = True, **opts: Any) -> Program:
    try:
        res = yield from _lookup(coll, key, SD.get(f"[{_index(index)}]"), create, [], **opts)
        return res.content_as[object](0)
    except PathNotFoundException:
        raise InvalidArgumentException(message=f"list {key!r} has no index {index}") from None


def list_remove(coll: Any, key: Any, index: int, create: bool = True, **opts: Any) -> Program:
    try:
        return (yield from _mutate(coll, key, SD.remove(f"[{_index(index)}]"), [], create, **opts))
    except PathNotFoundException:
        raise InvalidArgumentException(message=f"list {key!r} has no index {index}") from None


def list_index_of(coll: Any, key: Any, value: Any) -> Program:
    items = yield from _whole(coll, key, [], True)
    return items.index(value) if value in items else -1


def whole(coll: Any, key: Any, empty: Any, create: bool = True) -> Program:
    return (yield from _whole(coll, key, empty, create))


def _mapkey(mapkey: Any) -> str:
    if not isinstance(mapkey, str) or not mapkey:
        raise InvalidArgumentException(message=f"a map key must be a non-empty str, got {mapkey!r}")
    return mapkey


def map_add(coll: Any, key: Any, mapkey: str, value: Any, create: bool = True, **opts: Any) -> Program:
    return (yield from _mutate(coll, key, SD.upsert(_mapkey(mapkey), value), {}, create, **opts))


def map_get(coll: Any, key: Any, mapkey: str, create: bool = True, **opts: Any) -> Program:
    res = yield from _lookup(coll, key, SD.get(_mapkey(mapkey)), create, {}, **opts)
    return res.content_as[object](0)


def map_remove(coll: Any, key: Any, mapkey: str, create: bool = True,
               missing: type = InvalidArgumentException,
               **opts: Any) -> Program:
    try:
        return (yield from _mutate(coll, key, SD.remove(_mapkey(mapkey)), {}, create, **opts))
    except PathNotFoundException:
        if missing is IndexError:
            raise IndexError(f"map {key!r} has no key {mapkey!r}") from None
        raise InvalidArgumentException(message=f"map {key!r} has no key {mapkey!r}") from None


def map_exists(coll: Any, key: Any, mapkey: str) -> Program:
    res = yield from _lookup(coll, key, SD.exists(_mapkey(mapkey)), True, {})
    return bool(res.exists(0))


def set_add(coll: Any, key: Any, value: Any, create: bool = True, **opts: Any) -> Program:
    """True (the result, for the collection method) if added, False/None if already present."""
    try:
        return (yield from _mutate(coll, key, SD.array_addunique("", value), [], create, **opts))
    except PathExistsException:
        return None


def set_remove(coll: Any, key: Any, value: Any, retry_for: float = 10.0, create: bool = True,
               **opts: Any) -> Program:
    """Remove ``value`` (compare-and-swap, retried on conflicts for ``retry_for`` seconds); ``opts``:
    each operation's (its ``timeout``)."""
    deadline = time.monotonic() + retry_for
    while True:
        try:
            res = yield lambda: coll.get(key, **opts)
        except DocumentNotFoundException:
            if create:
                return None
            raise
        items = res.value or []
        if value not in items:
            return None
        index = items.index(value)
        try:
            return (yield lambda: coll.mutate_in(key, [SD.remove(f"[{index}]")], cas=res.cas, **opts))
        except CasMismatchException:
            if time.monotonic() >= deadline:
                raise UnAmbiguousTimeoutException(message=f"could not remove from the set {key!r}") from None
            yield Sleep(0.05)


def set_contains(coll: Any, key: Any, value: Any, create: bool = True, **opts: Any) -> Program:
    items = yield from _whole(coll, key, [], create, **opts)
    return value in items


def queue_push(coll: Any, key: Any, value: Any, create: bool = True, **opts: Any) -> Program:
    return (yield from _mutate(coll, key, SD.array_prepend("", value), [], create, **opts))


def queue_pop(coll: Any, key: Any, retry_for: float = 10.0, create: bool = True, **opts: Any) -> Program:
    """The oldest item (compare-and-swap, retried on conflicts for ``retry_for`` seconds); QueueEmpty if
    there is none; ``opts``: each operation's (its ``timeout``)."""
    deadline = time.monotonic() + retry_for
    while True:
        try:
            res = yield from _lookup(coll, key, SD.get("[-1]"), create, [], **opts)
            value = res.content_as[object](0)
        except PathNotFoundException:
            raise QueueEmpty(message=f"the queue {key!r} is empty") from None
        try:
            mres = yield lambda: coll.mutate_in(key, [SD.remove("[-1]")], cas=res.cas, **opts)
            return value, mres
        except CasMismatchException:
            if time.monotonic() >= deadline:
                raise UnAmbiguousTimeoutException(message=f"could not pop from the queue {key!r}") from None
            yield Sleep(0.05)


_READ_OPTIONS = frozenset({"timeout"})


def _read_options(op: str, kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """The options of a data-structure call that takes only ``timeout`` (passed to each operation it
    runs); any other raises, naming it, rather than being ignored."""
    unknown = sorted(set(kwargs) - _READ_OPTIONS)
    if unknown:
        raise InvalidArgumentException(
            message=f"{op}: unknown option(s) {', '.join(map(repr, unknown))}; only 'timeout' applies")
    return dict(kwargs)


# ---- the classes -----------------------------------------------------------------------------------
class _Structure(Generic[DsDoneT, DsSizeT]):
    """A data structure stored in one document.

    Args:
        key: The document key.
        collection: The collection holding the document.
    """
    _empty: Any = None

    def __init__(self, key: str, collection: Any) -> None:
        self._key = key
        self._coll = collection
        self._run = collection._ds_driver()

    def __aiter__(self) -> Any:
        """``async for item in structure`` on acouchbase (the items as they are now)."""
        async def items() -> Any:
            for item in await self._items():
                yield item
        return items()

    def _items(self) -> Any:
        return self._run(whole(self._coll, self._key, type(self._empty)()))

    def size(self) -> DsSizeT:
        """The number of items (the document is created, empty, when missing).

        Returns:
            int: The count.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(size(self._coll, self._key, type(self._empty)()))

    def clear(self) -> DsDoneT:
        """Remove the whole structure (its document); a missing one is not an error.

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(clear(self._coll, self._key))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self._key!r})"


def _then(program: Program, fn: Callable[[Any], Any]) -> Program:
    return fn((yield from program))


class CouchbaseList(_Structure[DsDoneT, DsSizeT], Generic[DsDoneT, DsItemT, DsSizeT, DsItemsT]):
    """A JSON array document used as a list; created on first use.

    Get one with ``collection.couchbase_list(key)``. Each method returns what the
    collection's front end returns (a value, an awaitable, a Deferred).

    Args:
        key: The document key.
        collection: The collection holding the document.
    """

    _empty: List[Any] = []

    def append(self, value: Any) -> DsDoneT:
        """Append ``value`` to the list.

        Args:
            value: A JSON-serializable value.

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(list_append(self._coll, self._key, value), lambda _: None))

    def prepend(self, value: Any) -> DsDoneT:
        """Prepend ``value`` to the list.

        Args:
            value: A JSON-serializable value.

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(list_prepend(self._coll, self._key, value), lambda _: None))

    def set_at(self, index: int, value: Any) -> DsDoneT:
        """Replace the item at ``index``.

        Args:
            index: The item's index (negative: from the end).
            value: The new value.

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            InvalidArgumentException: ``index`` not an int, or out of range.
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(list_set(self._coll, self._key, index, value), lambda _: None))

    def get_at(self, index: int) -> DsItemT:
        """The item at ``index``.

        Args:
            index: The item's index (negative: from the end).

        Returns:
            The item.

        Raises:
            InvalidArgumentException: ``index`` not an int, or out of range.
            TimeoutException: No reply within the timeout.
        """
        return self._run(list_get(self._coll, self._key, index))

    def remove_at(self, index: int) -> DsDoneT:
        """Remove the item at ``index``.

        Args:
            index: The item's index (negative: from the end).

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            InvalidArgumentException: ``index`` not an int, or out of range.
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(list_remove(self._coll, self._key, index), lambda _: None))

    def index_of(self, value: Any) -> DsSizeT:
        """The index of the first item equal to ``value``.

        Args:
            value: The value to look for.

        Returns:
            int: Its index, or -1.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(list_index_of(self._coll, self._key, value))

    def get_all(self) -> DsItemsT:
        """Every item.

        Returns:
            list: The items, in order.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(whole(self._coll, self._key, []))

    def __iter__(self) -> Any:
        return iter(self._run(whole(self._coll, self._key, [])))  # get_all(): a list on a blocking collection


class CouchbaseMap(_Structure[DsDoneT, DsSizeT],
                   Generic[DsDoneT, DsItemT, DsSizeT, DsFlagT, DsItemsT, DsEntriesT, DsPairsT]):
    """A JSON object document used as a map; created on first use.

    Get one with ``collection.couchbase_map(key)``. Each method returns what the
    collection's front end returns (a value, an awaitable, a Deferred).

    Args:
        key: The document key.
        collection: The collection holding the document.
    """

    _empty: Dict[str, Any] = {}

    def add(self, mapkey: str, value: Any) -> DsDoneT:
        """Set ``mapkey`` to ``value``.

        Args:
            mapkey: The entry's key (a non-empty str).
            value: A JSON-serializable value.

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            InvalidArgumentException: ``mapkey`` not a non-empty str.
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(map_add(self._coll, self._key, mapkey, value), lambda _: None))

    def get(self, mapkey: str) -> DsItemT:
        """The value of ``mapkey``.

        Args:
            mapkey: The entry's key.

        Returns:
            The value.

        Raises:
            InvalidArgumentException: ``mapkey`` not a non-empty str.
            PathNotFoundException: No entry ``mapkey``.
            TimeoutException: No reply within the timeout.
        """
        return self._run(map_get(self._coll, self._key, mapkey))

    def remove(self, mapkey: str) -> DsDoneT:
        """Remove ``mapkey``.

        Args:
            mapkey: The entry's key.

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            InvalidArgumentException: ``mapkey`` is not in the map, or not a non-empty str.
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(map_remove(self._coll, self._key, mapkey), lambda _: None))

    def exists(self, mapkey: str) -> DsFlagT:
        """Whether the map has an entry ``mapkey``.

        Args:
            mapkey: The entry's key.

        Returns:
            bool: True when it has.

        Raises:
            InvalidArgumentException: ``mapkey`` not a non-empty str.
            TimeoutException: No reply within the timeout.
        """
        return self._run(map_exists(self._coll, self._key, mapkey))

    def get_all(self) -> DsEntriesT:
        """The whole map.

        Returns:
            dict: Every entry.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(whole(self._coll, self._key, {}))

    def keys(self) -> DsItemsT:
        """The map's keys.

        Returns:
            list: The keys.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(whole(self._coll, self._key, {}), lambda d: list(d.keys())))

    def values(self) -> DsItemsT:
        """The map's values.

        Returns:
            list: The values.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(whole(self._coll, self._key, {}), lambda d: list(d.values())))

    def items(self) -> DsPairsT:
        """The map's entries.

        Returns:
            Iterator of ``(key, value)`` pairs.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(whole(self._coll, self._key, {}), lambda d: ((k, v) for k, v in d.items())))

    def __aiter__(self) -> Any:
        # as SDK 4.x: a map is not iterated with ``async for``; ``await m.items()`` gives its pairs
        raise TypeError("a CouchbaseMap is not async-iterable; use `for k, v in await m.items()`")


class CouchbaseSet(_Structure[DsDoneT, DsSizeT], Generic[DsDoneT, DsSizeT, DsFlagT, DsItemsT]):
    """A JSON array document of unique values used as a set; created on first use.

    Get one with ``collection.couchbase_set(key)``. Each method returns what the
    collection's front end returns (a value, an awaitable, a Deferred).

    Args:
        key: The document key.
        collection: The collection holding the document.
    """

    _empty: List[Any] = []

    def add(self, value: Any) -> DsFlagT:
        """Add ``value`` unless it is in the set.

        Args:
            value: A JSON primitive (str, number, bool, None).

        Returns:
            bool: True if added, False if it was already there.

        Raises:
            PathMismatchException: ``value`` is not a JSON primitive.
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(set_add(self._coll, self._key, value), lambda r: r is not None))

    def remove(self, value: Any, timeout: Any = None) -> DsDoneT:
        """Remove ``value`` (compare-and-swap, retried on conflicts); a value not in the set is not an error.

        Args:
            value: The value to remove.
            timeout: How long to retry on conflicts (timedelta or seconds; default 10).

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            UnAmbiguousTimeoutException: Concurrent writers kept changing the set until ``timeout``.
            TimeoutException: No reply within the timeout.
        """
        secs = timeout.total_seconds() if hasattr(timeout, "total_seconds") else (timeout or 10.0)
        return self._run(_then(set_remove(self._coll, self._key, value, secs), lambda _: None))

    def contains(self, value: Any) -> DsFlagT:
        """Whether ``value`` is in the set.

        Args:
            value: The value to look for.

        Returns:
            bool: True when it is.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(set_contains(self._coll, self._key, value))

    def values(self) -> DsItemsT:
        """Every value of the set.

        Returns:
            list: The values.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(whole(self._coll, self._key, []))


class CouchbaseQueue(_Structure[DsDoneT, DsSizeT], Generic[DsDoneT, DsItemT, DsSizeT, DsItemsT]):
    """A JSON array document used as a FIFO queue (push at the front, pop from the back).

    Get one with ``collection.couchbase_queue(key)``. Each method returns what the
    collection's front end returns (a value, an awaitable, a Deferred).

    Args:
        key: The document key.
        collection: The collection holding the document.
    """

    _empty: List[Any] = []

    def push(self, value: Any) -> DsDoneT:
        """Push ``value`` (at the front; :meth:`pop` takes from the back).

        Args:
            value: A JSON-serializable value.

        Returns:
            None, through the collection's front end (an awaitable or a Deferred of None on
            the event-loop front ends).

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(_then(queue_push(self._coll, self._key, value), lambda _: None))

    def pop(self, timeout: Any = None) -> DsItemT:
        """Remove and return the oldest item (compare-and-swap, retried on conflicts).

        Args:
            timeout: How long to retry on conflicts (timedelta or seconds; default 10).

        Returns:
            The oldest item.

        Raises:
            QueueEmpty: The queue has no item.
            UnAmbiguousTimeoutException: Concurrent writers kept changing the queue until ``timeout``.
        """
        secs = timeout.total_seconds() if hasattr(timeout, "total_seconds") else (timeout or 10.0)
        return self._run(_then(queue_pop(self._coll, self._key, secs), lambda r: r[0]))

    def get_all(self) -> DsItemsT:
        """Every item, newest first.

        Returns:
            list: The items.

        Raises:
            TimeoutException: No reply within the timeout.
        """
        return self._run(whole(self._coll, self._key, []))

    def __iter__(self) -> Any:
        return iter(self._run(whole(self._coll, self._key, [])))  # get_all(): a list on a blocking collection


# ---- the collection methods (3.x / 4.x ``list_append`` …) ------------------------------------------
class DataStructuresMixin(Generic[DsMutationT, DsMaybeMutationT, DsItemT, DsSizeT, DsFlagT, CouchbaseListT,
                                  CouchbaseMapT, CouchbaseSetT, CouchbaseQueueT]):
    """``couchbase_list(key)`` … and the ``list_*``/``map_*``/``set_*``/``queue_*`` methods, mixed into
    every front end's Collection. ``_ds_driver()`` returns the driver for the front end."""

    def _ds_driver(self) -> Callable[[Program], Any]:
        return run_blocking

    def couchbase_list(self, key: str) -> CouchbaseListT:
        """The list (a JSON array) stored in document ``key`` of this collection (SDK 4.x); created on first
        write.

        Args:
            key: The document key.

        Returns:
            CouchbaseList: Its methods return what this collection's front end returns (a value, an awaitable,
            a Deferred).

        Never raises (its methods raise).
        """
        return cast("CouchbaseListT", CouchbaseList(key, self))

    def couchbase_map(self, key: str) -> CouchbaseMapT:
        """The map (a JSON object) stored in document ``key`` of this collection (SDK 4.x); created on first
        write.

        Args:
            key: The document key.

        Returns:
            CouchbaseMap: Its methods return what this collection's front end returns (a value, an awaitable,
            a Deferred).

        Never raises (its methods raise).
        """
        return cast("CouchbaseMapT", CouchbaseMap(key, self))

    def couchbase_set(self, key: str) -> CouchbaseSetT:
        """The set (a JSON array of unique values) stored in document ``key`` of this collection (SDK 4.x);
        created on first write.

        Args:
            key: The document key.

        Returns:
            CouchbaseSet: Its methods return what this collection's front end returns (a value, an awaitable,
            a Deferred).

        Never raises (its methods raise).
        """
        return cast("CouchbaseSetT", CouchbaseSet(key, self))

    def couchbase_queue(self, key: str) -> CouchbaseQueueT:
        """The FIFO queue (a JSON array) stored in document ``key`` of this collection (SDK 4.x); created on
        first write.

        Args:
            key: The document key.

        Returns:
            CouchbaseQueue: Its methods return what this collection's front end returns (a value, an
            awaitable,
            a Deferred).

        Never raises (its methods raise).
        """
        return cast("CouchbaseQueueT", CouchbaseQueue(key, self))

    def _ds(self, program: Program) -> Any:
        return self._ds_driver()(program)

    def list_append(self, key: str, value: Any, create: bool = False,
                    **kwargs: Unpack[MutateInKwargs]) -> DsMutationT:
        """Append ``value`` to the list document ``key``.

        Args:
            key: The list's document key.
            value: A JSON-serializable value.
            create: Create the document (an empty list) when it is missing.
            **kwargs: Options of the underlying ``mutate_in`` (``cas``, ``expiry``, ``durability``,
                ``timeout``).

        Returns:
            OperationResult: Success, with the new CAS.

        Raises:
            DocumentNotFoundException: No document ``key`` (and not ``create``).
            TimeoutException: No reply within the timeout.
        """
        return self._ds(_then(list_append(self, key, value, create, **kwargs), lambda r: _ok(key, r)))

    def list_prepend(self, key: str, value: Any, create: bool = False,
                     **kwargs: Unpack[MutateInKwargs]) -> DsMutationT:
        """Prepend ``value`` to the list document ``key``.

        Args:
            key: The list's document key.
            value: A JSON-serializable value.
            create: Create the document (an empty list) when it is missing.
            **kwargs: Options of the underlying ``mutate_in`` (``cas``, ``expiry``, ``durability``,
                ``timeout``).

        Returns:
            OperationResult: Success, with the new CAS.

        Raises:
            DocumentNotFoundException: No document ``key`` (and not ``create``).
            TimeoutException: No reply within the timeout.
        """
        return self._ds(_then(list_prepend(self, key, value, create, **kwargs), lambda r: _ok(key, r)))

    def list_set(self, key: str, index: int, value: Any, **kwargs: Unpack[MutateInKwargs]) -> DsMutationT:
        """Replace the item at ``index`` of the list document ``key``.

        Args:
            key: The list's document key.
            index: The item's index (negative: from the end).
            value: The new value.
            **kwargs: Options of the underlying ``mutate_in`` (``cas``, ``expiry``, ``durability``,
                ``timeout``).

        Returns:
            OperationResult: Success, with the new CAS.

        Raises:
            InvalidArgumentException: ``index`` not an int, or out of range.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(_then(list_set(self, key, index, value, False, **kwargs), lambda r: _ok(key, r)))

    def list_get(self, key: str, index: int, **kwargs: Unpack[TimeoutKwargs]) -> DsItemT:
        """The item at ``index`` of the list document ``key``.

        Args:
            key: The list's document key.
            index: The item's index (negative: from the end).
            **kwargs: ``timeout`` of each underlying operation (no other option applies to a read).

        Returns:
            The item.

        Raises:
            InvalidArgumentException: ``index`` not an int, or out of range; an option other than ``timeout``.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(list_get(self, key, index, False, **_read_options("list_get", kwargs)))

    def list_remove(self, key: str, index: int, **kwargs: Unpack[MutateInKwargs]) -> DsMutationT:
        """Remove the item at ``index`` of the list document ``key``.

        Args:
            key: The list's document key.
            index: The item's index (negative: from the end).
            **kwargs: Options of the underlying ``mutate_in`` (``cas``, ``expiry``, ``durability``,
                ``timeout``).

        Returns:
            OperationResult: Success, with the new CAS.

        Raises:
            InvalidArgumentException: ``index`` not an int, or out of range.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(_then(list_remove(self, key, index, False, **kwargs), lambda r: _ok(key, r)))

    def list_size(self, key: str, **kwargs: Unpack[TimeoutKwargs]) -> DsSizeT:
        """The number of items of the list document ``key``.

        Args:
            key: The list's document key.
            **kwargs: ``timeout`` of each underlying operation (no other option applies to a read).

        Returns:
            int: The count.

        Raises:
            InvalidArgumentException: An option other than ``timeout``.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(size(self, key, [], False, **_read_options("list_size", kwargs)))

    def map_add(self, key: str, mapkey: str, value: Any, create: bool = False,
                **kwargs: Unpack[MutateInKwargs]) -> DsMutationT:
        """Set ``mapkey`` to ``value`` in the map document ``key``.

        Args:
            key: The map's document key.
            mapkey: The entry's key (a non-empty str).
            value: A JSON-serializable value.
            create: Create the document (an empty map) when it is missing.
            **kwargs: Options of the underlying ``mutate_in`` (``cas``, ``expiry``, ``durability``,
                ``timeout``).

        Returns:
            OperationResult: Success, with the new CAS.

        Raises:
            InvalidArgumentException: ``mapkey`` not a non-empty str.
            DocumentNotFoundException: No document ``key`` (and not ``create``).
        """
        return self._ds(_then(map_add(self, key, mapkey, value, create, **kwargs), lambda r: _ok(key, r)))

    def map_get(self, key: str, mapkey: str, **kwargs: Unpack[TimeoutKwargs]) -> DsItemT:
        """The value of ``mapkey`` in the map document ``key``.

        Args:
            key: The map's document key.
            mapkey: The entry's key.
            **kwargs: ``timeout`` of each underlying operation (no other option applies to a read).

        Returns:
            The value.

        Raises:
            InvalidArgumentException: ``mapkey`` not a non-empty str; an option other than ``timeout``.
            PathNotFoundException: No entry ``mapkey``.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(map_get(self, key, mapkey, False, **_read_options("map_get", kwargs)))

    def map_remove(self, key: str, mapkey: str, **kwargs: Unpack[MutateInKwargs]) -> DsMutationT:
        """Remove ``mapkey`` from the map document ``key``.

        Args:
            key: The map's document key.
            mapkey: The entry's key.
            **kwargs: Options of the underlying ``mutate_in`` (``cas``, ``expiry``, ``durability``,
                ``timeout``).

        Returns:
            OperationResult: Success, with the new CAS.

        Raises:
            IndexError: No entry ``mapkey`` (as in SDK 3.x/4.x).
            InvalidArgumentException: ``mapkey`` not a non-empty str.
            DocumentNotFoundException: No document ``key``.
        """
        program = map_remove(self, key, mapkey, False, IndexError, **kwargs)
        return self._ds(_then(program, lambda r: _ok(key, r)))

    def map_size(self, key: str, **kwargs: Unpack[TimeoutKwargs]) -> DsSizeT:
        """The number of entries of the map document ``key``.

        Args:
            key: The map's document key.
            **kwargs: ``timeout`` of each underlying operation (no other option applies to a read).

        Returns:
            int: The count.

        Raises:
            InvalidArgumentException: An option other than ``timeout``.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(size(self, key, {}, False, **_read_options("map_size", kwargs)))

    def set_add(self, key: str, value: Any, create: bool = False,
                **kwargs: Unpack[MutateInKwargs]) -> DsMaybeMutationT:
        """Add ``value`` to the set document ``key`` unless it is there.

        Args:
            key: The set's document key.
            value: A JSON primitive (str, number, bool, None).
            create: Create the document (an empty set) when it is missing.
            **kwargs: Options of the underlying ``mutate_in`` (``cas``, ``expiry``, ``durability``,
                ``timeout``).

        Returns:
            OperationResult: When added; None when ``value`` was already in the set.

        Raises:
            DocumentNotFoundException: No document ``key`` (and not ``create``).
            PathMismatchException: ``value`` is not a JSON primitive.
        """
        return self._ds(_then(set_add(self, key, value, create, **kwargs),
                              lambda r: None if r is None else _ok(key, r)))

    def set_remove(self, key: str, value: Any, **kwargs: Unpack[TimeoutKwargs]) -> DsMaybeMutationT:
        """Remove ``value`` from the set document ``key`` (compare-and-swap, retried on conflicts for 10 s).

        Args:
            key: The set's document key.
            value: The value to remove.
            **kwargs: ``timeout`` of each underlying operation (the compare-and-swap sets the CAS).

        Returns:
            OperationResult: When removed; None when ``value`` was not in the set.

        Raises:
            InvalidArgumentException: An option other than ``timeout``.
            DocumentNotFoundException: No document ``key``.
            UnAmbiguousTimeoutException: Concurrent writers kept changing the set for 10 s.
        """
        program = set_remove(self, key, value, 10.0, False, **_read_options("set_remove", kwargs))
        return self._ds(_then(program,
                              lambda r: None if r is None else _ok(key, r)))

    def set_size(self, key: str, **kwargs: Unpack[TimeoutKwargs]) -> DsSizeT:
        """The number of values of the set document ``key``.

        Args:
            key: The set's document key.
            **kwargs: ``timeout`` of each underlying operation (no other option applies to a read).

        Returns:
            int: The count.

        Raises:
            InvalidArgumentException: An option other than ``timeout``.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(size(self, key, [], False, **_read_options("set_size", kwargs)))

    def set_contains(self, key: str, value: Any, **kwargs: Unpack[TimeoutKwargs]) -> DsFlagT:
        """Whether ``value`` is in the set document ``key``.

        Args:
            key: The set's document key.
            value: The value to look for.
            **kwargs: ``timeout`` of each underlying operation (no other option applies to a read).

        Returns:
            bool: True when it is there.

        Raises:
            InvalidArgumentException: An option other than ``timeout``.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(set_contains(self, key, value, False, **_read_options("set_contains", kwargs)))

    def queue_push(self, key: str, value: Any, create: bool = False,
                   **kwargs: Unpack[MutateInKwargs]) -> DsMutationT:
        """Push ``value`` onto the queue document ``key`` (at the front; :meth:`queue_pop` takes from the
        back).

        Args:
            key: The queue's document key.
            value: A JSON-serializable value.
            create: Create the document (an empty queue) when it is missing.
            **kwargs: Options of the underlying ``mutate_in`` (``cas``, ``expiry``, ``durability``,
                ``timeout``).

        Returns:
            OperationResult: Success, with the new CAS.

        Raises:
            DocumentNotFoundException: No document ``key`` (and not ``create``).
        """
        return self._ds(_then(queue_push(self, key, value, create, **kwargs), lambda r: _ok(key, r)))

    def queue_pop(self, key: str, **kwargs: Unpack[TimeoutKwargs]) -> DsItemT:
        """Remove and return the oldest item of the queue document ``key`` (as SDK 4.x).

        Compare-and-swap, retried on conflicts for 10 s.

        Args:
            key: The queue's document key.
            **kwargs: ``timeout`` of each underlying operation (the compare-and-swap sets the CAS).

        Returns:
            The oldest item.

        Raises:
            InvalidArgumentException: An option other than ``timeout``.
            QueueEmpty: The queue has no item.
            DocumentNotFoundException: No document ``key``.
            UnAmbiguousTimeoutException: Concurrent writers kept changing the queue for 10 s.
        """
        program = queue_pop(self, key, 10.0, False, **_read_options("queue_pop", kwargs))
        return self._ds(_then(program, lambda r: r[0]))

    def queue_size(self, key: str, **kwargs: Unpack[TimeoutKwargs]) -> DsSizeT:
        """The number of items of the queue document ``key``.

        Args:
            key: The queue's document key.
            **kwargs: ``timeout`` of each underlying operation (no other option applies to a read).

        Returns:
            int: The count.

        Raises:
            InvalidArgumentException: An option other than ``timeout``.
            DocumentNotFoundException: No document ``key``.
        """
        return self._ds(size(self, key, [], False, **_read_options("queue_size", kwargs)))


__all__ = ["CouchbaseList", "CouchbaseMap", "CouchbaseQueue", "CouchbaseSet", "DataStructuresMixin"]
