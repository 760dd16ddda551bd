"""Result types returned by key-value operations on every front end.

Results are plain data built once, in the response callback, from the
flattened libcouchbase response; they hold no C memory. Every result has
``.success``, ``.rc`` and ``.key`` and a readable ``repr``.
"""
from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Type, TypeVar

from couchbase.exceptions import InvalidArgumentException, PathNotFoundException

T = TypeVar("T")


class _ContentAs:
    """``result.content_as[dict]``: the value converted to (or checked as) a type."""

    __slots__ = ("_getter",)

    def __init__(self, getter: Callable[[], Any]) -> None:
        self._getter = getter

    def __getitem__(self, kind: Type[T]) -> T:
        value = self._getter()
        if kind is Any or isinstance(value, kind):  # type: ignore[arg-type]
            return value
        if kind is str and isinstance(value, (bytes, bytearray)):
            return bytes(value).decode("utf-8")  # type: ignore[return-value]
        return kind(value)  # type: ignore[call-arg]


class Result:
    """Base of every key-value result."""

    __slots__ = ("key", "rc", "cas")

    def __init__(self, key: Any, rc: int = 0, cas: int = 0) -> None:
        self.key = key
        self.rc = rc
        self.cas = cas

    @property
    def success(self) -> bool:
        """True when the operation succeeded (``rc == 0``)."""
        return self.rc == 0

    def _fields(self) -> List[Tuple[str, Any]]:
        return [("key", self.key), ("rc", self.rc), ("cas", self.cas)]

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={value!r}" for name, value in self._fields())
        return f"{type(self).__name__}({body})"


class MutationToken:
    """Identifies one mutation: vBucket, its UUID and the sequence number."""

    __slots__ = ("partition_id", "partition_uuid", "sequence_number", "bucket_name")

    def __init__(self, partition_id: int, partition_uuid: int, sequence_number: int,
                 bucket_name: str) -> None:
        self.partition_id = partition_id
        self.partition_uuid = partition_uuid
        self.sequence_number = sequence_number
        self.bucket_name = bucket_name

    def as_tuple(self) -> Tuple[int, int, int, str]:
        return (self.partition_id, self.partition_uuid, self.sequence_number, self.bucket_name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MutationToken) and self.as_tuple() == other.as_tuple()

    def __hash__(self) -> int:
        return hash(self.as_tuple())

    def __repr__(self) -> str:
        return (
            f"MutationToken(partition_id={self.partition_id}, partition_uuid={self.partition_uuid}, "
            f"sequence_number={self.sequence_number}, bucket_name={self.bucket_name!r})"
        )


class GetResult(Result):
    """Result of ``get``, ``get_and_touch``, ``get_and_lock`` and replica reads.

    ``value`` is the decoded document; ``content_as[T]`` returns it as ``T``.
    ``expiry_time`` is set only when the read asked for it (``with_expiry``).
    """

    __slots__ = ("value", "flags", "_expiry", "is_replica")

    def __init__(
        self,
        key: Any,
        rc: int = 0,
        cas: int = 0,
        value: Any = None,
        flags: int = 0,
        expiry: Optional[int] = None,
        is_replica: bool = False,
    ) -> None:
        self.key = key  # Result's fields, set here: one call less per read
        self.rc = rc
        self.cas = cas
        self.value = value
        self.flags = flags
        self._expiry = expiry
        self.is_replica = is_replica

    @property
    def content_as(self) -> _ContentAs:
        return _ContentAs(lambda: self.value)

    @property
    def content(self) -> Any:
        return self.value

    @property
    def expiry_time(self) -> Optional[datetime.datetime]:
        """Absolute expiry as an aware UTC datetime; None when the document never expires
        or the read did not ask for it."""
        if not self._expiry:
            return None
        return datetime.datetime.fromtimestamp(self._expiry, tz=datetime.timezone.utc)

    @property
    def expiry(self) -> Optional[int]:
        """Absolute expiry as a unix timestamp (0 = never), when requested."""
        return self._expiry

    def _fields(self) -> List[Tuple[str, Any]]:
        fields = super()._fields() + [("flags", self.flags), ("value", self.value)]
        if self._expiry is not None:
            fields.append(("expiry", self._expiry))
        if self.is_replica:
            fields.append(("is_replica", True))
        return fields


class GetReplicaResult(GetResult):
    """A read served by a replica (``is_replica`` True) or the active node."""

    __slots__ = ()


class MutationResult(Result):
    """Result of upsert/insert/replace/remove/touch/unlock/append/prepend."""

    __slots__ = ("_token",)

    def __init__(self, key: Any, rc: int = 0, cas: int = 0, token: Optional[MutationToken] = None) -> None:
        self.key = key  # Result's fields, set here: one call less per mutation
        self.rc = rc
        self.cas = cas
        self._token = token

    def mutation_token(self) -> Optional[MutationToken]:
        """The mutation token, when the cluster returned one."""
        return self._token


class CounterResult(MutationResult):
    """Result of increment/decrement: ``content`` is the new value."""

    __slots__ = ("content",)

    def __init__(self, key: Any, rc: int = 0, cas: int = 0, content: int = 0,
                 token: Optional[MutationToken] = None) -> None:
        super().__init__(key, rc, cas, token)
        self.content = content

    @property
    def value(self) -> int:
        return self.content

    def _fields(self) -> List[Tuple[str, Any]]:
        return super()._fields() + [("content", self.content)]


class ExistsResult(Result):
    """Result of ``exists``: ``exists`` is False for a missing or deleted document."""

    __slots__ = ("exists",)

    def __init__(self, key: Any, rc: int = 0, cas: int = 0, exists: bool = False) -> None:
        super().__init__(key, rc, cas)
        self.exists = exists

    def _fields(self) -> List[Tuple[str, Any]]:
        return super()._fields() + [("exists", self.exists)]


class SubdocField:
    """One path's outcome inside a lookup_in/mutate_in result."""

    __slots__ = ("path", "status", "value", "error")

    def __init__(self, path: str, status: int, value: Any, error: Optional[BaseException]) -> None:
        self.path = path
        self.status = status
        self.value = value
        self.error = error

    def __repr__(self) -> str:
        return f"SubdocField(path={self.path!r}, status={self.status}, value={self.value!r})"


class _SubdocResult(Result):
    __slots__ = ("fields", "is_deleted")

    def __init__(self, key: Any, rc: int, cas: int, fields: List[SubdocField],
                 is_deleted: bool = False) -> None:
        super().__init__(key, rc, cas)
        self.fields = fields
        self.is_deleted = is_deleted

    def _field(self, index: int) -> SubdocField:
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError(f"spec index must be an int, got {type(index).__name__}")
        if not 0 <= index < len(self.fields):
            raise InvalidArgumentException(
                message=f"spec index {index} out of range (0..{len(self.fields) - 1})")
        return self.fields[index]

    def content_as_index(self, index: int) -> Any:
        field = self._field(index)
        if field.error is not None:
            raise field.error
        return field.value

    @property
    def content_as(self) -> "_IndexedContentAs":
        return _IndexedContentAs(self)

    def value(self, index: int) -> Any:
        return self.content_as_index(index)

    def __len__(self) -> int:
        return len(self.fields)

    def _fields(self) -> List[Tuple[str, Any]]:
        return super()._fields() + [("fields", self.fields)]


class _IndexedContentAs:
    __slots__ = ("_result",)

    def __init__(self, result: _SubdocResult) -> None:
        self._result = result

    def __getitem__(self, kind: Type[T]) -> Callable[[int], T]:
        def convert(index: int) -> T:
            return _ContentAs(lambda: self._result.content_as_index(index))[kind]

        return convert


class LookupInResult(_SubdocResult):
    """Result of ``lookup_in``: ``content_as[T](i)``, ``exists(i)``, ``value(i)``."""

    __slots__ = ()

    def exists(self, index: int) -> bool:
        field = self._field(index)
        if field.error is None:
            return (True if field.value is None
                    else bool(field.value) if isinstance(field.value, bool) else True)
        if isinstance(field.error, PathNotFoundException):
            return False
        raise field.error


class MutateInResult(_SubdocResult):
    """Result of ``mutate_in``: ``content_as[int](i)`` for counters, ``mutation_token()``."""

    __slots__ = ("_token",)

    def __init__(self, key: Any, rc: int, cas: int, fields: List[SubdocField], is_deleted: bool = False,
                 token: Optional[MutationToken] = None) -> None:
        super().__init__(key, rc, cas, fields, is_deleted)
        self._token = token

    def mutation_token(self) -> Optional[MutationToken]:
        return self._token


class OperationResult(Result):
    """A failed operation inside a multi result when ``return_exceptions``/``quiet`` is used."""

    __slots__ = ("exception",)

    def __init__(self, key: Any, rc: int, exception: BaseException) -> None:
        super().__init__(key, rc, 0)
        self.exception = exception

    def _fields(self) -> List[Tuple[str, Any]]:
        return super()._fields() + [("exception", self.exception)]


class MultiResult(Dict[Any, Any]):
    """Per-key results of a multi operation, keyed by the keys as given.

    ``all_ok`` says whether every key succeeded; ``exceptions`` maps failed keys
    to their exceptions.
    """

    def __init__(self) -> None:
        super().__init__()
        self.exceptions: Dict[Any, BaseException] = {}

    @property
    def all_ok(self) -> bool:
        return not self.exceptions

    @property
    def results(self) -> Dict[Any, Any]:
        return dict(self)

    def __repr__(self) -> str:
        return f"MultiResult(all_ok={self.all_ok}, results={dict.__repr__(self)})"

    def __iter__(self) -> Iterator[Any]:
        return dict.__iter__(self)


class PingResult:
    """Per-service endpoint reports from ``ping()`` (libcouchbase's JSON report)."""

    def __init__(self, report: Dict[str, Any]) -> None:
        self.raw = report
        self.id = report.get("id")
        self.sdk = report.get("sdk")
        self.endpoints: Dict[str, List[Dict[str, Any]]] = report.get("services", {})

    def as_json(self) -> Dict[str, Any]:
        return self.raw

    def __repr__(self) -> str:
        summary = {svc: [e.get("status") for e in eps] for svc, eps in self.endpoints.items()}
        return f"PingResult(id={self.id!r}, services={summary})"


class DiagnosticsResult(PingResult):
    """Connection state per endpoint from ``diagnostics()``."""

    def __init__(self, report: Dict[str, Any]) -> None:
        super().__init__(report)
        self.endpoints = report.get("services", report.get("config", {})) if isinstance(report, dict) else {}

    @property
    def state(self) -> str:
        states = [e.get("state") for eps in self.endpoints.values() for e in eps]
        if states and all(s == "connected" for s in states):
            return "online"
        return "degraded" if any(s == "connected" for s in states) else "offline"
