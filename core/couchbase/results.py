"""Result types returned by key-value operations on every front end.

Results are plain data built once, in the response callback, from the
flattened libcouchbase response; they hold no C memory. Every result has
``.success``, ``.rc`` and ``.key`` and a readable ``repr``.
"""
from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Tuple, Type, TypeVar, overload

from couchbase.exceptions import InvalidArgumentException, PathNotFoundException

T = TypeVar("T")
_G = TypeVar("_G", bound="GetResult")


class ContentProxy:
    """``result.content_as``: ``result.content_as[dict]`` is the value converted to (or checked as)
    a type, or passed through any callable (SDK 4.x's ``couchbase.result.ContentProxy``).

    Args:
        getter: Gives the value (called at each ``[...]``).
    """

    __slots__ = ("_getter",)

    def __init__(self, getter: Callable[[], Any]) -> None:
        self._getter = getter

    @overload
    def __getitem__(self, kind: Type[T]) -> T: ...

    @overload
    def __getitem__(self, kind: Callable[[Any], T]) -> T: ...

    def __getitem__(self, kind: Any) -> Any:
        value = self._getter()
        if kind is Any:
            return value
        if not isinstance(kind, type):  # SDK 4.x: any callable converts, e.g. content_as[lambda x: x]
            return kind(value)
        if isinstance(value, kind):
            return value
        if kind is str and isinstance(value, (bytes, bytearray)):
            return bytes(value).decode("utf-8")
        return kind(value)


class Result:
    """Base of every key-value result.

    Args:
        key: The document key the operation was on.
        rc: The libcouchbase status (0: success).
        cas: The document's CAS after the operation.

    Attributes:
        key: The document key.
        rc (int): The libcouchbase status code (0 on success).
        cas (int): The CAS value (0 when the operation returned none).
    """

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


_TOKEN_FIELDS = (("partition_id", int), ("partition_uuid", int), ("sequence_number", int),
                 ("bucket_name", str))


def _token_fields(token: Any) -> Tuple[int, int, int, str]:
    """The four fields of a token given as SDK 4.x does: a mapping of them (``as_dict()``'s form)."""
    if not isinstance(token, Mapping):
        raise InvalidArgumentException(
            message=f"MutationToken takes the four fields, or one mapping of them, got {token!r}")
    out: List[Any] = []
    for name, kind in _TOKEN_FIELDS:
        if name not in token:
            raise InvalidArgumentException(message=f"the MutationToken mapping lacks {name!r}")
        value = token[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise InvalidArgumentException(
                message=f"the MutationToken's {name} must be {kind.__name__}, got {value!r}")
        out.append(value)
    return out[0], out[1], out[2], out[3]


class MutationToken:
    """Identifies one mutation: vBucket, its UUID and the sequence number (for ``consistent_with``).

    ``MutationToken(partition_id, partition_uuid, sequence_number, bucket_name)``, or SDK 4.x's
    ``MutationToken(token)`` / ``MutationToken(token=...)`` with a mapping of those four (what
    :meth:`as_dict` returns, so a token saved as JSON can be rebuilt).

    Args:
        partition_id: The vBucket number (or SDK 4.x's mapping of the four fields).
        partition_uuid: The vBucket's UUID.
        sequence_number: The mutation's sequence number in that vBucket.
        bucket_name: The bucket's name.
        token: SDK 4.x's mapping of the four fields.

    Raises:
        InvalidArgumentException: A mapping that lacks a field or has one of the wrong type.

    Attributes:
        partition_id (int): The vBucket number.
        partition_uuid (int): The vBucket's UUID.
        sequence_number (int): The sequence number.
        bucket_name (str): The bucket.
    """

    __slots__ = ("partition_id", "partition_uuid", "sequence_number", "bucket_name")

    partition_id: int
    partition_uuid: int
    sequence_number: int
    bucket_name: str

    @overload
    def __init__(self, partition_id: int, partition_uuid: int, sequence_number: int,
                 bucket_name: str) -> None: ...

    @overload
    def __init__(self, partition_id: Mapping[str, Any]) -> None: ...

    @overload
    def __init__(self, *, token: Mapping[str, Any]) -> None: ...

    def __init__(self, partition_id: Any = None, partition_uuid: Any = None, sequence_number: Any = None,
                 bucket_name: Any = None, token: Optional[Mapping[str, Any]] = None) -> None:
        if partition_uuid is None:  # SDK 4.x: one mapping (the four-field form is the hot one)
            partition_id, partition_uuid, sequence_number, bucket_name = _token_fields(
                partition_id if token is None else token)
        self.partition_id = partition_id
        self.partition_uuid = partition_uuid
        self.sequence_number = sequence_number
        self.bucket_name = bucket_name

    def as_tuple(self) -> Tuple[int, int, int, str]:
        """The token as a tuple (equal tokens have equal tuples).

        Returns:
            tuple: ``(partition_id, partition_uuid, sequence_number, bucket_name)``.

        Never raises.
        """
        return (self.partition_id, self.partition_uuid, self.sequence_number, self.bucket_name)

    def as_dict(self) -> Dict[str, Any]:
        """The token as SDK 4.x's mapping (``MutationToken(token)`` rebuilds it; JSON-serializable).

        Returns:
            dict: ``partition_id``, ``partition_uuid``, ``sequence_number`` and ``bucket_name``.

        Never raises.
        """
        return {"partition_id": self.partition_id, "partition_uuid": self.partition_uuid,
                "sequence_number": self.sequence_number, "bucket_name": self.bucket_name}

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

    A read keeps the stored bytes and decodes them with its transcoder on the first access
    to ``value`` (or ``content_as``, ``content``), as SDK 4.x does: a document the transcoder
    cannot decode raises :class:`~couchbase.exceptions.ValueFormatException` there, not from
    the read, and a result whose value is never looked at is never decoded. The 1.x API
    (``couchbase.connection``) decodes at once, as 1.x did.

    Args:
        key: The document key.
        rc: The libcouchbase status (0: success).
        cas: The document's CAS.
        value: The decoded value.
        flags: The document's flags (its format).
        expiry: The absolute expiry (Unix time; 0: never) when the read asked for it.
        is_replica: True when a replica served the read.

    Attributes:
        flags (int): The stored flags.
        is_replica (bool): True when a replica served the read.
    """

    # _raw and _ctx: the stored bytes and the Decode context that decodes them, until the first
    # access to value (both None once decoded, or when the value was given decoded)
    __slots__ = ("_value", "_raw", "_ctx", "flags", "_expiry", "is_replica")

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
        self._value = value
        self._raw: Optional[bytes] = None
        self._ctx: Any = None
        self.flags = flags
        self._expiry = expiry
        self.is_replica = is_replica

    @classmethod
    def _undecoded(cls: Type[_G], key: Any, cas: int, raw: bytes, flags: int, ctx: Any,
                   expiry: Optional[int] = None, is_replica: bool = False) -> _G:
        """A successful read whose ``raw`` bytes ``ctx.decode(raw, flags)`` decodes on first access."""
        res = cls.__new__(cls)
        res.key = key
        res.rc = 0
        res.cas = cas
        res._value = None
        res._raw = raw
        res._ctx = ctx
        res.flags = flags
        res._expiry = expiry
        res.is_replica = is_replica
        return res

    def _retyped(self, cls: Type[_G], is_replica: bool) -> _G:
        """This read as a ``cls`` (a GetReplicaResult), still undecoded if it is."""
        if self._ctx is not None and self._raw is not None:
            return cls._undecoded(self.key, self.cas, self._raw, self.flags, self._ctx, self._expiry,
                                  is_replica)
        return cls(self.key, self.rc, self.cas, self._value, self.flags, self._expiry, is_replica)

    @property
    def value(self) -> Any:
        """The decoded document (None for a quiet failed read), decoded on first access.

        Raises:
            ValueFormatException: The transcoder cannot decode the stored bytes (raised again
                on each access; ``DecodingFailureException`` wraps an error of a user transcoder).
        """
        raw = self._raw  # read before _ctx: the setter clears _ctx first, so a racing reader
        ctx = self._ctx  # that sees no _ctx finds _value set, and one that sees both decodes raw
        if ctx is not None and raw is not None:
            self._value = ctx.decode(raw, self.flags)
            self._ctx = None
            self._raw = None
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        self._value = value
        self._ctx = None
        self._raw = None

    @property
    def content_as(self) -> ContentProxy:
        """``content_as[T]``: the value converted to ``T`` (``content_as[dict]``, ``content_as[str]``),
        or passed through any callable (``content_as[lambda v: v["a"]]``).
        """
        return ContentProxy(lambda: self.value)

    @property
    def content(self) -> Any:
        """The decoded value (SDK 3.x name of ``value``)."""
        return self.value

    @property
    def expiry_time(self) -> Optional[datetime.datetime]:
        """Absolute expiry as a naive local datetime (as SDK 4.x returns it, so
        ``expiry_time - datetime.now()`` works); None when the document never expires or the
        read did not ask for it. ``expiry`` has the unix timestamp."""
        if not self._expiry:
            return None
        return datetime.datetime.fromtimestamp(self._expiry)

    @property
    def expiryTime(self) -> Optional[datetime.datetime]:  # noqa: N802 - the SDK 3.x/4.x deprecated name
        """Deprecated name of ``expiry_time`` (kept by SDK 4.x)."""
        return self.expiry_time

    @property
    def expiry(self) -> Optional[int]:
        """Absolute expiry as a unix timestamp (0 = never), when requested."""
        return self._expiry

    def _fields(self) -> List[Tuple[str, Any]]:
        try:
            value = self.value
        except Exception as exc:  # noqa: BLE001 - a repr shows what it can
            value = _Undecodable(self._raw, exc)
        fields = super()._fields() + [("flags", self.flags), ("value", value)]
        if self._expiry is not None:
            fields.append(("expiry", self._expiry))
        if self.is_replica:
            fields.append(("is_replica", True))
        return fields


class _Undecodable:
    """How a result's repr shows a value its transcoder cannot decode."""

    def __init__(self, raw: Optional[bytes], exc: BaseException) -> None:
        self.text = f"<undecodable: {raw!r} ({type(exc).__name__})>"

    def __repr__(self) -> str:
        return self.text


class GetReplicaResult(GetResult):
    """A read served by a replica (``is_replica`` True) or the active node."""

    __slots__ = ()


class MutationResult(Result):
    """Result of upsert/insert/replace/remove/touch/unlock/append/prepend.

    Args:
        key: The document key.
        rc: The libcouchbase status (0: success).
        cas: The new CAS.
        token: The mutation token, when the cluster returned one.
    """

    __slots__ = ("_token",)

    def __init__(self, key: Any, rc: int = 0, cas: int = 0, token: Optional[MutationToken] = None) -> None:
        self.key = key  # Result's fields, set here: one call less per mutation
        self.rc = rc
        self.cas = cas
        self._token = token

    def mutation_token(self) -> Optional[MutationToken]:
        """The mutation token of this write (for ``consistent_with`` and durability checks).

        Returns:
            MutationToken: The token, or None when the cluster returned none (tokens turned off).

        Never raises.
        """
        return self._token


class CounterResult(MutationResult):
    """Result of increment/decrement: ``content`` is the counter's new value.

    Args:
        key: The counter's key.
        rc: The libcouchbase status (0: success).
        cas: The new CAS.
        content: The counter's new value.
        token: The mutation token, when the cluster returned one.

    Attributes:
        content (int): The new value.
    """

    __slots__ = ("content",)

    def __init__(self, key: Any, rc: int = 0, cas: int = 0, content: int = 0,
                 token: Optional[MutationToken] = None) -> None:
        super().__init__(key, rc, cas, token)
        self.content = content

    @property
    def value(self) -> int:
        """The counter's new value (the same as ``content``)."""
        return self.content

    def _fields(self) -> List[Tuple[str, Any]]:
        return super()._fields() + [("content", self.content)]


class ExistsResult(Result):
    """Result of ``exists``: ``exists`` is False for a missing or deleted document.

    Args:
        key: The document key.
        rc: The libcouchbase status (0: success).
        cas: The document's CAS (0 when it does not exist).
        exists: Whether the document exists.

    Attributes:
        exists (bool): Whether the document exists.
    """

    __slots__ = ("exists",)

    def __init__(self, key: Any, rc: int = 0, cas: int = 0, exists: bool = False) -> None:
        super().__init__(key, rc, cas)
        self.exists = exists

    def _fields(self) -> List[Tuple[str, Any]]:
        return super()._fields() + [("exists", self.exists)]


class SubdocField:
    """One path's outcome inside a lookup_in/mutate_in result.

    Args:
        path: The spec's path.
        status: The server's status for this path (0: success).
        value: The decoded value (lookups, counters).
        error: The typed exception of a failed path, else None.

    Attributes:
        path (str): The spec's path.
        status (int): The server's status for this path.
        value: The decoded value.
        error: The exception of a failed path, or None.
    """

    __slots__ = ("path", "status", "value", "error")

    def __init__(self, path: str, status: int, value: Any, error: Optional[BaseException]) -> None:
        self.path = path
        self.status = status
        self.value = value
        self.error = error

    def __repr__(self) -> str:
        return f"SubdocField(path={self.path!r}, status={self.status}, value={self.value!r})"


class _SubdocResult(Result):
    """The result of a sub-document operation: one SubdocField per spec.

    Args:
        key: The document key.
        rc: The libcouchbase status (0: success).
        cas: The document's CAS.
        fields: One SubdocField per spec, in order.
        is_deleted: True when the document is a tombstone (``access_deleted``).

    Attributes:
        fields (list[SubdocField]): Each spec's outcome.
        is_deleted (bool): True for a deleted document read with ``access_deleted``.
    """
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
        """The value of spec ``index``.

        Args:
            index: The spec's position in the ``specs`` list of the call.

        Returns:
            The decoded value at that path (None for specs that return none).

        Raises:
            TypeError: ``index`` not an int.
            InvalidArgumentException: ``index`` out of range.
            PathNotFoundException: That path is missing (or another SubdocException of that path).
        """
        field = self._field(index)
        if field.error is not None:
            raise field.error
        return field.value

    @property
    def content_as(self) -> "ContentSubdocProxy":
        """``content_as[T](index)``: spec ``index``'s value converted to ``T``."""
        return ContentSubdocProxy(self)

    def value(self, index: int) -> Any:
        """The value of spec ``index`` (the 3.x spelling of ``content_as_index``).

        Args:
            index: The spec's position.

        Returns:
            The decoded value at that path.

        Raises:
            TypeError: ``index`` not an int.
            InvalidArgumentException: ``index`` out of range.
            PathNotFoundException: That path is missing (or another SubdocException of that path).
        """
        return self.content_as_index(index)

    def __len__(self) -> int:
        return len(self.fields)

    def _fields(self) -> List[Tuple[str, Any]]:
        return super()._fields() + [("fields", self.fields)]


class ContentSubdocProxy:
    """A sub-document result's ``content_as``: ``result.content_as[int](index)`` is spec
    ``index``'s value converted to the type (SDK 4.x's ``couchbase.result.ContentSubdocProxy``).

    Args:
        result: The lookup_in/mutate_in result.
    """

    __slots__ = ("_result",)

    def __init__(self, result: _SubdocResult) -> None:
        self._result = result

    def __getitem__(self, kind: Type[T]) -> Callable[[int], T]:
        def convert(index: int) -> T:
            return ContentProxy(lambda: self._result.content_as_index(index))[kind]

        return convert


class LookupInResult(_SubdocResult):
    """Result of ``lookup_in``: ``content_as[T](i)``, ``exists(i)``, ``value(i)``."""

    __slots__ = ()

    def exists(self, index: int) -> bool:
        """Whether spec ``index``'s path exists (for an ``SD.exists`` spec: its answer).

        Args:
            index: The spec's position.

        Returns:
            bool: True when the path exists.

        Raises:
            TypeError: ``index`` not an int.
            InvalidArgumentException: ``index`` out of range.
            SubdocException: The path failed otherwise (PathMismatchException, ...).
        """
        field = self._field(index)
        if field.error is None:
            return (True if field.value is None
                    else bool(field.value) if isinstance(field.value, bool) else True)
        if isinstance(field.error, PathNotFoundException):
            return False
        raise field.error


class LookupInReplicaResult(LookupInResult):
    """Result of ``lookup_in_any_replica`` / ``lookup_in_all_replicas``: a LookupInResult that says
    whether a replica (``is_replica`` True) or the active node served it.

    Args:
        key: The document key.
        rc: The libcouchbase status (0: success).
        cas: The document's CAS.
        fields: One SubdocField per spec, in order.
        is_deleted: True when the document is a tombstone.
        is_replica: True when a replica served it.
    """

    __slots__ = ("is_replica",)

    def __init__(self, key: Any, rc: int, cas: int, fields: List[SubdocField], is_deleted: bool = False,
                 is_replica: bool = False) -> None:
        super().__init__(key, rc, cas, fields, is_deleted)
        self.is_replica = is_replica


class MutateInResult(_SubdocResult):
    """Result of ``mutate_in``: ``content_as[int](i)`` for counters, ``mutation_token()``.

    Args:
        key: The document key.
        rc: The libcouchbase status (0: success).
        cas: The new CAS.
        fields: One SubdocField per spec, in order.
        is_deleted: True when the document is a tombstone.
        token: The mutation token, when the cluster returned one.
    """

    __slots__ = ("_token",)

    def __init__(self, key: Any, rc: int, cas: int, fields: List[SubdocField], is_deleted: bool = False,
                 token: Optional[MutationToken] = None) -> None:
        super().__init__(key, rc, cas, fields, is_deleted)
        self._token = token

    def mutation_token(self) -> Optional[MutationToken]:
        """The mutation token of this write.

        Returns:
            MutationToken: The token, or None when the cluster returned none.

        Never raises.
        """
        return self._token


class OperationResult(Result):
    """A failed operation inside a multi result when failures are returned, and the result of the
    data-structure collection methods (``list_append`` ...).

    Args:
        key: The document key.
        rc: The libcouchbase status of the failure.
        exception: The typed exception of the failure, or None.

    Attributes:
        exception: The exception, or None.
        value: None (data-structure methods may set it).
    """

    __slots__ = ("exception", "value")

    def __init__(self, key: Any, rc: int, exception: Optional[BaseException]) -> None:
        super().__init__(key, rc, 0)
        self.exception = exception
        self.value: Any = None

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
        """True when every key succeeded."""
        return not self.exceptions

    @property
    def results(self) -> Dict[Any, Any]:
        """The results of the keys that succeeded (SDK 4.x); failed keys are in ``exceptions``.

        Iterating the MultiResult itself (a dict) still gives every key, failed ones mapped to
        an :class:`OperationResult` carrying the exception."""
        return {k: v for k, v in dict.items(self) if k not in self.exceptions}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(all_ok={self.all_ok}, results={dict.__repr__(self)})"

    def __iter__(self) -> Iterator[Any]:
        return dict.__iter__(self)


class MultiGetResult(MultiResult):
    """Result of ``get_multi``/``lock_multi`` (SDK 4.x name): ``results`` maps keys to GetResult."""


class MultiGetReplicaResult(MultiResult):
    """Result of the replica multi reads: GetReplicaResult (or lists of them) per key."""


class MultiMutationResult(MultiResult):
    """Result of the mutating multi operations: MutationResult per key."""


class MultiExistsResult(MultiResult):
    """Result of ``exists_multi``: ExistsResult per key."""


class MultiCounterResult(MultiResult):
    """Result of the counter multi operations: CounterResult per key."""


class PingResult:
    """Result of ``ping()`` (SDK 4.x shape).

    ``endpoints`` maps ``ServiceType`` to ``[EndpointPingReport]`` (also keyed by libcouchbase's
    names such as ``"kv"``); ``as_json()`` gives the report as a JSON string (as 4.x does).

    Args:
        report: libcouchbase's JSON ping report, parsed.
        report_id: The ``report_id`` the ping asked for.
        service_types: Only these services are kept in ``endpoints`` (None: all).

    Attributes:
        raw (dict): libcouchbase's report.
        id (str): The report id.
        sdk (str): The SDK's identification.
        version (int): The report format version.
        endpoints (dict): ServiceType -> list of EndpointPingReport.
    """

    def __init__(self, report: Dict[str, Any], report_id: Optional[str] = None,
                 service_types: Optional[List[Any]] = None) -> None:
        from couchbase.diagnostics import EndpointPingReport, ServiceEndpoints, service_type

        self.raw = report
        self.id = report_id if report_id is not None else report.get("id")
        self.sdk = report.get("sdk")
        self.version = report.get("version")
        wanted = {service_type(s) for s in service_types} if service_types else None
        self.endpoints: Dict[Any, List[Any]] = ServiceEndpoints()
        for name, eps in (report.get("services") or {}).items():
            try:
                svc = service_type(name)
            except Exception:  # noqa: BLE001 - a service this SDK does not know: kept in raw only
                continue
            if wanted is None or svc in wanted:
                self.endpoints[svc] = [EndpointPingReport(svc, e) for e in eps]

    def as_json(self) -> str:
        """The SDK 4.x JSON report: version, id, sdk and ``services`` ({service: [endpoint]}).

        Returns:
            str: The report as JSON.

        Never raises.
        """
        import json

        services = {svc.value: [e.as_dict() for e in eps] for svc, eps in self.endpoints.items()}
        return json.dumps({"version": self.version, "id": self.id, "sdk": self.sdk, "services": services})

    def __repr__(self) -> str:
        summary = {getattr(svc, "name", svc): [e.get("status") for e in eps]
                   for svc, eps in self.endpoints.items()}
        return f"{type(self).__name__}(id={self.id!r}, services={summary})"


class DiagnosticsResult:
    """Result of ``diagnostics()`` (SDK 4.x shape).

    Args:
        report: libcouchbase's JSON diagnostics report, parsed.
        report_id: The ``report_id`` asked for.

    Attributes:
        raw (dict): libcouchbase's report.
        id (str): The report id.
        sdk (str): The SDK's identification.
        version (int): The report format version.
        endpoints (dict): ServiceType -> list of EndpointDiagnosticsReport.
    """

    def __init__(self, report: Dict[str, Any], report_id: Optional[str] = None) -> None:
        from couchbase.diagnostics import EndpointDiagnosticsReport, ServiceEndpoints, service_type

        self.raw = report
        self.id = report_id if report_id is not None else report.get("id")
        self.sdk = report.get("sdk")
        self.version = report.get("version")
        self.endpoints: Dict[Any, List[Any]] = ServiceEndpoints()
        services = report.get("services", report) if isinstance(report, dict) else {}
        for name, eps in services.items():
            if not isinstance(eps, list):
                continue
            try:
                svc = service_type(name)
            except Exception:  # noqa: BLE001
                continue
            self.endpoints.setdefault(svc, []).extend(EndpointDiagnosticsReport(svc, e) for e in eps)

    @property
    def state(self) -> Any:
        """Online when every endpoint is connected, Offline when none is, else Degraded."""
        from couchbase.diagnostics import ClusterState, EndpointState

        states = [e.state for eps in self.endpoints.values() for e in eps]
        if states and all(s == EndpointState.Connected for s in states):
            return ClusterState.Online
        if any(s == EndpointState.Connected for s in states):
            return ClusterState.Degraded
        return ClusterState.Offline

    def as_json(self) -> str:
        """The SDK 4.x JSON report: version, id, sdk, state and ``services`` ({service: [endpoint]}).

        Returns:
            str: The report as JSON.

        Never raises.
        """
        import json

        services = {svc.value: [e.as_dict() for e in eps] for svc, eps in self.endpoints.items()}
        return json.dumps({"version": self.version, "id": self.id, "sdk": self.sdk, "state": self.state.value,
                           "services": services})

    def __repr__(self) -> str:
        return f"DiagnosticsResult(id={self.id!r}, state={self.state.name})"


class ClusterInfoResult:
    """Result of ``cluster_info()``: the cluster's nodes and server version (from ``/pools/default``).

    Args:
        info: The ``/pools/default`` JSON, parsed.

    Attributes:
        raw (dict): The ``/pools/default`` document.
    """

    def __init__(self, info: Dict[str, Any]) -> None:
        self.raw = info
        nodes = info.get("nodes") or []
        self._version_raw: Optional[str] = None
        for node in nodes:
            if isinstance(node, dict) and node.get("version"):
                self._version_raw = str(node["version"])
                break

    @property
    def nodes(self) -> Optional[List[Dict[str, Any]]]:
        """The nodes as ``/pools/default`` lists them (dicts), or None."""
        return self.raw.get("nodes")

    @property
    def server_version(self) -> Optional[str]:
        """``X.Y.Z`` of the first node."""
        return self._version_raw.split("-")[0] if self._version_raw else None

    @property
    def server_version_short(self) -> Optional[float]:
        """``X.Y`` as a float."""
        if not self._version_raw:
            return None
        major, minor = (self._version_raw.split("-")[0].split(".") + ["0"])[:2]
        return float(f"{major}.{minor}")

    @property
    def server_version_full(self) -> Optional[str]:
        """The first node's full version string (``7.2.0-5325-enterprise``), or None."""
        return self._version_raw

    @property
    def server_version_build(self) -> Optional[int]:
        """The build number of the server version, or None when the version has none."""
        tokens = (self._version_raw or "").split("-")
        return int(tokens[1]) if len(tokens) == 3 and tokens[1].isdigit() else None

    @property
    def is_enterprise(self) -> Optional[bool]:
        """True for an Enterprise Edition server (None when the version does not say)."""
        tokens = (self._version_raw or "").split("-")
        return tokens[2].lower() == "enterprise" if len(tokens) == 3 else None

    @property
    def is_community(self) -> Optional[bool]:
        """True for a Community Edition server (None when the version does not say)."""
        tokens = (self._version_raw or "").split("-")
        return tokens[2].lower() == "community" if len(tokens) == 3 else None

    def __repr__(self) -> str:
        nodes = len(self.nodes or [])
        return f"ClusterInfoResult(server_version={self.server_version_full!r}, nodes={nodes})"
