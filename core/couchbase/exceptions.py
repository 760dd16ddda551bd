"""Every error the SDK raises, and the map from libcouchbase status codes to them.

All errors are :class:`CouchbaseException` (alias ``CouchbaseError``), so
``except CouchbaseException`` catches everything the SDK raises. Each one carries:

``rc``
    the libcouchbase status code (``None`` for errors found by the SDK itself);
``message``
    a readable description, by default ``"LCB_ERR_X (rc): libcouchbase's description"``;
``inner_cause``
    the exception that caused this one (e.g. what a transcoder raised), also set as
    ``__cause__`` so tracebacks show it;
``context``
    an :class:`ErrorContext` (key, bucket, endpoint, server status, the server's error
    list for queries, ...), a dict, or ``None``;
``all_results``
    set on the exception raised by a multi operation: the ``MultiResult`` of every key
    (see :meth:`CouchbaseException.split_results`).

Semantic classes follow the official Python SDK 4.x names and are grouped under a few
bases: :class:`KeyValueException` (document, durability and sub-document failures),
:class:`QueryException` (N1QL, with analytics, search and views under it),
:class:`NetworkException`, :class:`TimeoutException`. Errors in what the caller passed
are :class:`InvalidArgumentException`, which is also a ``ValueError``
(:class:`InvalidArgumentTypeException` is also a ``TypeError``); a value that cannot be
encoded or decoded is :class:`ValueFormatException`, also a ``ValueError``. Other
builtins are not mixed in (a ``TimeoutException`` is not a ``TimeoutError``).

:func:`exception_for` builds the right exception for a status code; :data:`STATUS_TABLE`
holds, for every status of libcouchbase 3.3.4's ``error.h``, its name, description and
class (``tests/unit/test_exceptions.py`` checks it against the header).

Nothing here holds credentials: ``str``/``repr`` use only the fields above.
"""
from __future__ import annotations

from typing import Any, ClassVar, Dict, Mapping, NamedTuple, Optional, Set, Tuple, Type, Union

_REPR_LIMIT = 1000  # longest field value shown by reprs (server bodies can be large)


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[:_REPR_LIMIT] + "..."


# ---- error contexts -----------------------------------------------------------------
class ErrorContext:
    """Where and how an error happened. Every field is optional.

    Built with keyword arguments; fields that were not given read as ``None`` (so
    ``exc.context.key`` is safe whatever the context's kind), ``node`` is an alias of ``endpoint``
    and ``status`` of ``status_code`` (or ``http_status``). The ``repr`` lists the fields that are set.

    SDK 4.x's names read the same fields: ``last_dispatched_to`` is ``endpoint``, and
    ``last_dispatched_from``, ``retry_attempts`` and ``retry_reasons`` are ``None`` unless given
    (libcouchbase does not report them).

    Args:
        **fields: ``key``, ``bucket``, ``scope``, ``collection``, ``opaque``, ``status_code``,
            ``http_status``, ``endpoint`` (or ``node``), ``ref``, ``context``, and any other.
    """

    FIELDS: ClassVar[Tuple[str, ...]] = ("key", "bucket", "scope", "collection", "opaque", "status_code",
                                         "http_status", "endpoint", "ref", "context")
    # another name of a field (an SDK 4.x property name) -> the field it sets and reads
    ALIASES: ClassVar[Dict[str, str]] = {"node": "endpoint", "status": "status_code",
                                         "last_dispatched_to": "endpoint"}

    def __init__(self, **fields: Any) -> None:
        for alias, name in self.ALIASES.items():
            if alias in fields:
                fields.setdefault(name, fields.pop(alias))
        self.__dict__.update(fields)

    @property
    def last_dispatched_to(self) -> Optional[str]:
        """The server (``host:port``) the request was last sent to (SDK 4.x name of ``endpoint``)."""
        endpoint: Optional[str] = self.__dict__.get("endpoint")
        return endpoint

    @property
    def last_dispatched_from(self) -> Optional[str]:
        """The local address the request was sent from, when known (SDK 4.x)."""
        value: Optional[str] = self.__dict__.get("last_dispatched_from")
        return value

    @property
    def retry_attempts(self) -> Optional[int]:
        """How many times the request was retried, when known (SDK 4.x)."""
        value: Optional[int] = self.__dict__.get("retry_attempts")
        return value

    @property
    def retry_reasons(self) -> Optional[Set[str]]:
        """Why the request was retried, when known (SDK 4.x)."""
        value: Optional[Set[str]] = self.__dict__.get("retry_reasons")
        return value

    def __getattr__(self, name: str) -> Any:
        # only called for attributes that were not set: unknown fields read as None
        if name.startswith("_"):
            raise AttributeError(name)
        return None

    @property
    def node(self) -> Optional[str]:
        """The server (``host:port``) the request went to; same as ``endpoint``."""
        endpoint: Optional[str] = self.endpoint
        return endpoint

    @property
    def status(self) -> Optional[int]:
        """The server's status (the KV ``status_code``, else the ``http_status``)."""
        status: Optional[int] = self.status_code if self.status_code is not None else self.http_status
        return status

    def as_dict(self) -> Dict[str, Any]:
        """The fields that are set, known fields first.

        Returns:
            dict: field -> value.

        Never raises.
        """
        data = {k: self.__dict__[k] for k in self.FIELDS if self.__dict__.get(k) is not None}
        data.update((k, v) for k, v in self.__dict__.items() if v is not None and k not in data)
        return data

    def get(self, name: str, default: Any = None) -> Any:
        """``dict.get``-style access to one field.

        Args:
            name: The field's name.
            default: What an unset field reads as.

        Returns:
            The field's value, or ``default``.

        Never raises.
        """
        value = self.__dict__.get(name)
        return default if value is None else value

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={_short_repr(v)}" for k, v in self.as_dict().items())
        return f"{type(self).__name__}({body})"


class KeyValueErrorContext(ErrorContext):
    """A key-value operation: ``key``, ``bucket``/``scope``/``collection`` (SDK 4.x:
    ``bucket_name``/``scope_name``/``collection_name``), ``opaque``, ``status_code`` (the memcached
    status), ``endpoint``, ``ref`` and ``context`` (the server's enhanced error info)."""

    FIELDS: ClassVar[Tuple[str, ...]] = (
        "key", "bucket", "scope", "collection", "opaque", "status_code", "endpoint", "ref", "context")
    ALIASES = {**ErrorContext.ALIASES, "bucket_name": "bucket", "scope_name": "scope",
               "collection_name": "collection"}

    @property
    def bucket_name(self) -> Optional[str]:
        """The bucket (SDK 4.x name of ``bucket``)."""
        value: Optional[str] = self.__dict__.get("bucket")
        return value

    @property
    def scope_name(self) -> Optional[str]:
        """The scope (SDK 4.x name of ``scope``)."""
        value: Optional[str] = self.__dict__.get("scope")
        return value

    @property
    def collection_name(self) -> Optional[str]:
        """The collection (SDK 4.x name of ``collection``)."""
        value: Optional[str] = self.__dict__.get("collection")
        return value


class SubdocumentErrorContext(KeyValueErrorContext):
    """A sub-document operation (``lookup_in``/``mutate_in``): the key-value fields, plus
    ``first_error_path`` and ``first_error_index`` (the spec that failed, when one did) and
    ``deleted`` (the document is a tombstone), as in SDK 4.x."""

    FIELDS: ClassVar[Tuple[str, ...]] = KeyValueErrorContext.FIELDS + (
        "first_error_path", "first_error_index", "deleted")

    @property
    def deleted(self) -> bool:
        """Whether the document is a tombstone (False when unknown)."""
        return bool(self.__dict__.get("deleted", False))


class HTTPErrorContext(ErrorContext):
    """An HTTP request: ``method``, ``path``, ``http_status`` (SDK 4.x: ``response_code``),
    ``body``/``response_body``, ``client_context_id``, ``endpoint``."""

    FIELDS: ClassVar[Tuple[str, ...]] = (
        "method", "path", "http_status", "body", "client_context_id", "endpoint")
    ALIASES = {**ErrorContext.ALIASES, "response_code": "http_status"}

    @property
    def response_code(self) -> Optional[int]:
        """The HTTP status (SDK 4.x name of ``http_status``)."""
        value: Optional[int] = self.__dict__.get("http_status")
        return value

    @property
    def response_body(self) -> Optional[str]:
        """The server's answer, as text."""
        value: Optional[str] = self.__dict__.get("response_body", self.__dict__.get("body"))
        return value


class _ServiceErrorContext(HTTPErrorContext):
    FIELDS: ClassVar[Tuple[str, ...]] = (
        "statement", "errors", "first_error_code", "first_error_message", "http_status",
        "client_context_id", "endpoint", "service", "method", "path", "parameters", "response_body")


class QueryErrorContext(_ServiceErrorContext):
    """A N1QL query: ``statement``, ``parameters`` (the request body sent, as JSON text), ``errors``
    (the server's error list), ``first_error_code``/``first_error_message``, ``http_status``,
    ``client_context_id``, ``method``/``path``, ``endpoint`` and ``response_body`` (the server's
    answer, as text), as SDK 4.x has them."""


class AnalyticsErrorContext(_ServiceErrorContext):
    """An analytics query: the fields of :class:`QueryErrorContext` (SDK 4.x has the same)."""


class SearchErrorContext(_ServiceErrorContext):
    """A search request: ``index_name``, ``query`` (the search query, as JSON text), ``parameters``
    (the request body sent), ``errors``, ``http_status``, ``method``/``path``, ``endpoint`` and
    ``response_body``, as SDK 4.x has them."""

    FIELDS: ClassVar[Tuple[str, ...]] = (
        "index_name", "query", "errors", "first_error_code", "first_error_message", "http_status",
        "endpoint", "service", "method", "path", "parameters", "response_body")


class ViewErrorContext(_ServiceErrorContext):
    """A view query: ``design_document_name``, ``view_name``, ``query_string`` (the view options
    sent), ``errors``, ``http_status``, ``method``/``path``, ``endpoint`` and ``response_body``, as
    SDK 4.x has them."""

    FIELDS: ClassVar[Tuple[str, ...]] = (
        "design_document_name", "view_name", "query_string", "errors", "first_error_code",
        "first_error_message", "http_status", "endpoint", "service", "method", "path", "response_body")


class ManagementErrorContext(ErrorContext):
    """A management request (bucket, user, collection, index... managers): ``method``, ``path``,
    ``http_status`` (SDK 4.x: ``response_code``), ``content`` (the server's answer, as text),
    ``client_context_id``, as SDK 4.x has them."""

    FIELDS: ClassVar[Tuple[str, ...]] = (
        "method", "path", "http_status", "content", "client_context_id", "endpoint")
    ALIASES = {**ErrorContext.ALIASES, "response_code": "http_status"}

    @property
    def response_code(self) -> Optional[int]:
        """The HTTP status (SDK 4.x name of ``http_status``)."""
        value: Optional[int] = self.__dict__.get("http_status")
        return value


#: Any error context (SDK 4.x's annotation of ``CouchbaseException.context``).
ErrorContextType = Union[AnalyticsErrorContext, ErrorContext, HTTPErrorContext, KeyValueErrorContext,
                         ManagementErrorContext, QueryErrorContext, SearchErrorContext,
                         SubdocumentErrorContext, ViewErrorContext]



# ---- the base class -----------------------------------------------------------------
def _restore(cls: Type["CouchbaseException"], state: Dict[str, Any]) -> "CouchbaseException":
    exc = cls.__new__(cls)
    exc.args = (state.get("message"),)
    exc.__dict__.update(state)
    if state.get("inner_cause") is not None:
        exc.__cause__ = state["inner_cause"]
    return exc


class CouchbaseException(Exception):
    """Base of every SDK error.

    Args:
        message: A readable description; default: the status name, code and libcouchbase's
            description of ``rc``, or the class's summary.
        rc: The libcouchbase status code, when the error came from libcouchbase.
        inner_cause: The exception that caused this one (also its ``__cause__``).
        context: An :class:`ErrorContext` (or a dict) saying where it happened.

    Attributes:
        rc (int): The libcouchbase status code, or None.
        message (str): The description.
        inner_cause: The causing exception, or None.
        context: The ErrorContext, or None.
        all_results: For a multi operation that raised: the whole MultiResult.
    """

    def __init__(self, message: Optional[str] = None, *, rc: Optional[int] = None,
                 inner_cause: Optional[BaseException] = None, context: Any = None) -> None:
        if message is None:
            message = _describe(rc) if rc is not None else _summary(type(self))
        self.rc = rc
        self.message = message
        self.inner_cause = inner_cause
        self.context = context
        self.all_results: Any = None
        super().__init__(message)
        if inner_cause is not None:
            self.__cause__ = inner_cause

    @property
    def key(self) -> Any:
        """The document key (the one assigned, else the context's ``key``; the 1.x/2.x spelling)."""
        if "_key" in self.__dict__:
            return self.__dict__["_key"]
        ctx = self.context
        return ctx.get("key") if isinstance(ctx, (ErrorContext, dict)) else None

    @key.setter
    def key(self, value: Any) -> None:
        self.__dict__["_key"] = value

    @classmethod
    def rc_to_exctype(cls, rc: int) -> Type["CouchbaseException"]:
        """The exception class raised for libcouchbase status ``rc`` (the 1.x spelling of :func:`class_for`).

        Args:
            rc: A libcouchbase status code.

        Returns:
            type: The CouchbaseException subclass.

        Never raises.
        """
        return class_for(rc)

    def split_results(self) -> Tuple[Dict[Any, Any], Dict[Any, Any]]:
        """For a multi operation's error: the results that succeeded and those that failed.

        Returns:
            tuple: ``(succeeded, failed)`` dicts of ``all_results`` (both empty without them).

        Never raises.
        """
        results = self.all_results or {}
        failed_keys = getattr(results, "exceptions", {})
        ok: Dict[Any, Any] = {}
        failed: Dict[Any, Any] = {}
        for key, res in results.items():
            success = key not in failed_keys and getattr(res, "success", True)
            (ok if success else failed)[key] = res
        return ok, failed

    def __str__(self) -> str:
        text = self.message
        cause = self.inner_cause
        if cause is not None:
            detail = str(cause)
            if not detail or detail not in text:  # callers often quote the cause in the message
                text += f" (caused by {type(cause).__name__}{': ' + detail if detail else ''})"
        if self.context is not None:
            text += f", context={_short_repr(self.context)}"
        return text

    def __repr__(self) -> str:
        extra = f", inner_cause={self.inner_cause!r}" if self.inner_cause is not None else ""
        return (f"{type(self).__name__}(rc={self.rc}, message={self.message!r}, "
                f"context={_short_repr(self.context)}{extra})")

    def __reduce__(self) -> Any:
        # keyword-only arguments defeat Exception's default pickling; all_results stays behind
        state = dict(self.__dict__, all_results=None)
        return _restore, (type(self), state)


CouchbaseError = CouchbaseException


def _summary(cls: type) -> str:
    doc = cls.__doc__ or ""
    return doc.strip().split("\n")[0].strip() or cls.__name__


# ---- argument and value errors -------------------------------------------------------
class InvalidArgumentException(CouchbaseException, ValueError):
    """An argument is invalid (raised before any I/O); also a ValueError."""


class InvalidArgumentTypeException(InvalidArgumentException, TypeError):
    """An argument has the wrong type; also a TypeError."""


class KeyFormatException(InvalidArgumentException):
    """A document key is empty, longer than 250 bytes or otherwise unusable."""


class KeyFormatTypeException(KeyFormatException, InvalidArgumentTypeException):
    """A document key is neither str nor bytes."""


class ValueFormatException(CouchbaseException, ValueError):
    """A value could not be encoded or decoded by the transcoder; ``inner_cause`` says why."""


class EncodingFailureException(ValueFormatException):
    """A value could not be encoded for storage."""


class DecodingFailureException(ValueFormatException):
    """A stored value could not be decoded."""


class InvalidValueException(CouchbaseException):
    """A value the server cannot use where it was given (SDK 4.x: a sub-document value that
    cannot be inserted at its path, see :class:`SubdocCantInsertValueException`)."""


# ---- timeouts, network, cluster state ------------------------------------------------
class TimeoutException(CouchbaseException):
    """The operation did not complete in time."""


class AmbiguousTimeoutException(TimeoutException):
    """Timed out after the request was sent: it may have been applied."""


class UnAmbiguousTimeoutException(TimeoutException):
    """Timed out before the request was sent: it was not applied."""


class NetworkException(CouchbaseException):
    """The network failed (connection refused or reset, name resolution, TLS, ...)."""


class ConnectionRefusedException(NetworkException):
    """The server refused the connection."""


class ConnectionResetException(NetworkException):
    """The server closed or reset the connection."""


class NameResolutionException(NetworkException):
    """A host name could not be resolved."""


class NodeUnreachableException(NetworkException):
    """The node the request maps to is unreachable or no longer in the cluster map."""


class ProtocolException(NetworkException):
    """Data on the wire was not in the expected format."""


class SSLException(NetworkException):
    """TLS failed: the server certificate could not be verified, no usable ciphers, ..."""


TLSException = SSLException


class AuthenticationException(CouchbaseException):
    """Wrong credentials, or no permission for the bucket."""


class ClientCertificateRefusedException(AuthenticationException, UnAmbiguousTimeoutException):
    """The server refused the client certificate of a ``CertificateAuthenticator``: it is not
    signed by a CA the server trusts, or names no user by the server's client-certificate rules
    (Couchbase Server then drops the connection right after the TLS handshake).

    An :class:`AuthenticationException`, and also an :class:`UnAmbiguousTimeoutException`: SDK 4.x
    keeps reconnecting until its connect timeout and raises that, so code written for it still
    catches this, which this SDK raises at once.
    """

class BucketNotFoundException(CouchbaseException):
    """The bucket does not exist."""


class ScopeNotFoundException(CouchbaseException):
    """The scope does not exist."""


class CollectionNotFoundException(CouchbaseException):
    """The collection does not exist."""


class ConfigurationException(CouchbaseException):
    """A configuration problem: no cluster map yet, bad config cache or environment, plugin load failure."""


InvalidConfigurationException = ConfigurationException


class ServiceUnavailableException(CouchbaseException):
    """The service needed (query, search, ...) is not available in the cluster."""


class InternalServerFailureException(CouchbaseException):
    """The server reported an internal error."""


class TemporaryFailException(CouchbaseException):
    """The server (or the cluster map) is busy or changing; retry later."""


class RequestCanceledException(CouchbaseException):
    """The request was cancelled before a response arrived."""


class RateLimitedException(CouchbaseException):
    """The server rate-limited the request."""


class QuotaLimitedException(CouchbaseException):
    """The server refused the request: a quota is exhausted."""


class UnsupportedOperationException(CouchbaseException):
    """The operation is not supported."""


class FeatureUnavailableException(UnsupportedOperationException):
    """The feature is not available in this client configuration or server."""


class InternalSDKException(CouchbaseException):
    """An internal error in the SDK or libcouchbase."""


class ObjectClosedException(CouchbaseException, RuntimeError):
    """The cluster, bucket or connection is closed.

    Also a RuntimeError: SDK 4.x raises one for operations on a closed cluster."""


ClusterClosedException = ObjectClosedException


class ObjectThreadException(CouchbaseException):
    """The object is in use by another thread (``lockmode=LOCKMODE_EXC``)."""


class PipelineException(CouchbaseException):
    """A batch/pipeline was used wrongly (e.g. reading a result before the batch is sent)."""


class HTTPException(CouchbaseException):
    """An HTTP request to a service failed; ``context.http_status`` says how."""


# ---- key-value ------------------------------------------------------------------------
class KeyValueException(CouchbaseException):
    """A key-value operation failed on the server side."""


class DocumentNotFoundException(KeyValueException):
    """The document does not exist."""


class NotStoredException(DocumentNotFoundException):
    """The document was not stored (append/prepend to a missing document)."""


class KeyExistsError(KeyValueException):
    """The 1.x ``KeyExistsError``: the document exists (add) or its CAS changed (set with cas=)."""


class DocumentExistsException(KeyExistsError):
    """The document already exists."""


class CasMismatchException(KeyExistsError):
    """The document changed: the CAS given does not match."""


class DocumentLockedException(KeyValueException, TemporaryFailException):
    """The document is locked (also a :class:`TemporaryFailException`, the 1.x ``TemporaryFailError``)."""


class DocumentNotLockedException(KeyValueException):
    """The document is not locked."""


class DocumentUnretrievableException(DocumentNotFoundException):
    """No copy (active or replica) could return the document: what ``get_any_replica`` raises for
    a missing document (SDK 4.x); also a DocumentNotFoundException."""


class ValueTooLargeException(KeyValueException):
    """The value exceeds the server's size limit."""


class InvalidDeltaException(KeyValueException):
    """A counter cannot change: the stored value is not a number, or the delta is out of range."""


DeltaBadValueException = InvalidDeltaException
DeltaInvalidException = InvalidDeltaException


class NoReplicasException(KeyValueException):
    """The bucket has no replicas to read from or replicate to."""


class DurabilityException(KeyValueException):
    """A durability requirement could not be met."""


class DurabilityImpossibleException(DurabilityException):
    """The durability requirement cannot be met with the cluster as it is."""


class DurabilityInvalidLevelException(DurabilityException):
    """The server does not support this durability level."""


class DurabilitySyncWriteAmbiguousException(DurabilityException):
    """The durable write may or may not have been applied."""


class DurableWriteInProgressException(DurabilityException):
    """Another durable write to the document is in progress."""


class DurableWriteReCommitInProgressException(DurabilityException):
    """A durable write to the document is being re-committed."""


class DurabilityTooManyException(DurabilityImpossibleException, InvalidArgumentException):
    """More replicas/nodes were asked for than the cluster has: durability impossible (as SDK 4.x
    reports it), also an InvalidArgumentException."""


class MutationLostException(DurabilityException):
    """The mutation was lost (failover) before it met its durability requirement."""


class SubdocException(KeyValueException):
    """A sub-document path or value failed."""


class PathNotFoundException(SubdocException):
    """The path does not exist in the document."""


class PathExistsException(SubdocException):
    """The path already exists in the document."""


class PathMismatchException(SubdocException):
    """The path's type does not match the operation (e.g. array operation on an object)."""


class PathInvalidException(SubdocException):
    """The path is malformed."""


class PathTooBigException(SubdocException):
    """The path is too long."""


class PathTooDeepException(SubdocException):
    """The path (or the document) is too deeply nested."""


class DocumentTooDeepException(PathTooDeepException):
    """The document is too deeply nested to be processed."""


class ValueTooDeepException(SubdocException):
    """The value would make the document too deep."""


class SubdocCantInsertValueException(SubdocException, InvalidValueException):
    """The value cannot be inserted at the path (e.g. not valid JSON)."""


class DocumentNotJsonException(SubdocException):
    """The document is not JSON, so paths cannot be used."""


class NumberTooBigException(SubdocException):
    """The number at the path is too large for a counter operation."""


class XattrException(SubdocException):
    """An extended attribute operation failed."""


class XattrUnknownMacroException(XattrException):
    """Unknown macro in an extended attribute value."""


class XattrInvalidFlagComboException(XattrException):
    """Invalid combination of extended attribute flags."""


class XattrInvalidKeyComboException(XattrException):
    """Extended attributes of different keys in one request."""


class XattrUnknownVirtualAttributeException(XattrException):
    """Unknown virtual extended attribute."""


class XattrCannotModifyVirtualAttributeException(XattrException):
    """Virtual extended attributes cannot be modified."""


class XattrInvalidOrderException(XattrException):
    """Extended attribute specs must come before document specs."""


# ---- query services ---------------------------------------------------------------------
# ---- SDK 4.x names without a libcouchbase status of their own --------------------------
# (aliases where an existing class is the same error)
CASMismatchException = CasMismatchException
SubdocPathMismatchException = PathMismatchException
DurabilitySyncWriteInProgressException = DurableWriteInProgressException
UnsupportedOperation = UnsupportedOperationException


class MissingConnectionException(CouchbaseException):
    """The operation needs a connection that is not (or no longer) open."""


class AlreadyQueriedException(InvalidArgumentException):
    """A streaming result's rows were already iterated (also an InvalidArgumentException)."""


class NoChildrenException(CouchbaseException):
    """A sub-document path has no children."""


class MissingTokenException(CouchbaseException):
    """A mutation result carries no mutation token (MutationState)."""


class QueueEmpty(CouchbaseException):
    """``queue_pop`` / ``CouchbaseQueue.pop`` on an empty queue."""


class UnsuccessfulOperationException(CouchbaseException):
    """A data-structure operation could not be applied (e.g. after retries on CAS conflicts)."""


class FeatureNotFoundException(CouchbaseException):
    """The server does not offer the feature."""


class InvalidIndexException(CouchbaseException):
    """A data-structure index (list/queue position) is out of range."""


class MutationTokenOutdatedException(CouchbaseException):
    """A mutation token is older than what the server still knows."""


class RangeScanCompletedException(CouchbaseException):
    """A KV range scan has no more items."""


class TransactionException(CouchbaseException):
    """Base of the transactions errors (transactions are not available with libcouchbase 3)."""


class TransactionOperationFailed(TransactionException):
    pass


class TransactionFailed(TransactionException):
    pass


class TransactionExpired(TransactionException):
    pass


class TransactionCommitAmbiguous(TransactionException):
    pass


class QueryException(CouchbaseException):
    """A query failed; ``context.errors`` holds the server's error list."""


class ParsingFailedException(QueryException):
    """The statement could not be parsed."""


class PlanningFailureException(QueryException):
    """The query planner failed."""


class IndexFailureException(QueryException):
    """The query failed in an index."""


class IndexNotFoundException(QueryException):
    """The index does not exist."""


class IndexExistsException(QueryException):
    """The index already exists."""


class PreparedStatementFailureException(QueryException):
    """The prepared statement failed."""


class KeyspaceNotFoundException(QueryException):
    """The keyspace (bucket or collection) of the query does not exist."""


class DmlFailureException(QueryException):
    """The data service failed while running a DML statement."""


class AnalyticsException(QueryException):
    """An analytics request failed."""


class CompilationFailedException(AnalyticsException):
    """The analytics statement did not compile."""


class JobQueueFullException(AnalyticsException):
    """The analytics job queue is full."""


class DatasetNotFoundException(AnalyticsException):
    """The analytics dataset does not exist."""


class DataverseNotFoundException(AnalyticsException):
    """The analytics dataverse does not exist."""


class DatasetAlreadyExistsException(AnalyticsException):
    """The analytics dataset already exists."""


class DataverseAlreadyExistsException(AnalyticsException):
    """The analytics dataverse already exists."""


class AnalyticsLinkNotFoundException(AnalyticsException):
    """The analytics link does not exist."""


class SearchException(QueryException):
    """A search (FTS) request failed."""


class ViewException(QueryException):
    """A view request failed."""


class ViewNotFoundException(ViewException):
    """The view does not exist."""


class DesignDocumentNotFoundException(ViewException):
    """The design document does not exist."""


# ---- management ---------------------------------------------------------------------------
class BucketAlreadyExistsException(CouchbaseException):
    """The bucket already exists."""


class ScopeAlreadyExistsException(CouchbaseException):
    """The scope already exists."""


class CollectionAlreadyExistsException(CouchbaseException):
    """The collection already exists."""


class UserNotFoundException(CouchbaseException):
    """The user does not exist."""


class GroupNotFoundException(CouchbaseException):
    """The group does not exist."""


class BucketDoesNotExistException(BucketNotFoundException):
    """The bucket named in a management request does not exist."""


class BucketNotFlushableException(CouchbaseException):
    """Flush is not enabled on the bucket."""


class WatchQueryIndexTimeoutException(TimeoutException):
    """watch_indexes gave up before every index was online."""


class SearchIndexNotFoundException(SearchException):
    """No search index of that name."""


class AnalyticsLinkExistsException(AnalyticsException):
    """An analytics link of that name already exists."""


class EventingFunctionNotFoundException(CouchbaseException):
    """No eventing function of that name."""


class EventingFunctionCompilationFailureException(CouchbaseException):
    """The eventing function's code does not compile."""


class EventingFunctionIdenticalKeyspaceException(CouchbaseException):
    """The function's source and metadata keyspaces are the same."""


class EventingFunctionNotBootstrappedException(CouchbaseException):
    """The function is still being deployed (bootstrapping)."""


class EventingFunctionNotDeployedException(CouchbaseException):
    """The function is not deployed (or is paused)."""


class EventingFunctionNotUnDeployedException(CouchbaseException):
    """The function is deployed; undeploy it first."""


class EventingFunctionAlreadyDeployedException(CouchbaseException):
    """The function is already deployed."""


class EventingFunctionCollectionNotFoundException(CollectionNotFoundException):
    """A keyspace the function names does not exist."""


# ---- libcouchbase status codes ---------------------------------------------------------------
# SDK 4.x management-error names that map onto the query/search errors above
QueryIndexAlreadyExistsException = IndexExistsException
QueryIndexNotFoundException = IndexNotFoundException


class StatusInfo(NamedTuple):
    """One libcouchbase status: its ``LCB_ERR_*`` name, description and exception class."""

    name: str
    description: str
    exception: Type[CouchbaseException]


# Generated once from libcouchbase 3.3.4 include/libcouchbase/error.h (LCB_XERROR); the
# classes were chosen by hand. tests/unit/test_exceptions.py keeps it complete.
STATUS_TABLE: Mapping[int, StatusInfo] = {
    0: StatusInfo("LCB_SUCCESS", "Success (Not an error)", CouchbaseException),
    100: StatusInfo("LCB_ERR_GENERIC", "Generic error code", CouchbaseException),
    201: StatusInfo("LCB_ERR_TIMEOUT",
                    "The request was not completed by the user-defined timeout",
                    TimeoutException),
    202: StatusInfo("LCB_ERR_REQUEST_CANCELED",
                    "A request is cancelled and cannot be resolved in a non-ambiguous way. Most likely the "
                    "request is in-flight on the socket and the socket gets closed.",
                    RequestCanceledException),
    203: StatusInfo("LCB_ERR_INVALID_ARGUMENT",
                    "It is unambiguously determined that the error was caused because of invalid arguments "
                    "from the user",
                    InvalidArgumentException),
    204: StatusInfo("LCB_ERR_SERVICE_NOT_AVAILABLE",
                    "It was determined from the config unambiguously that the service is not available",
                    ServiceUnavailableException),
    205: StatusInfo("LCB_ERR_INTERNAL_SERVER_FAILURE",
                    "Internal server error",
                    InternalServerFailureException),
    206: StatusInfo("LCB_ERR_AUTHENTICATION_FAILURE",
                    "Authentication error. Possible reasons: incorrect authentication configuration, bucket "
                    "doesn't exist or bucket may be hibernated.",
                    AuthenticationException),
    207: StatusInfo("LCB_ERR_TEMPORARY_FAILURE", "Temporary failure", TemporaryFailException),
    208: StatusInfo("LCB_ERR_PARSING_FAILURE", "Parsing failed", ParsingFailedException),
    209: StatusInfo("LCB_ERR_CAS_MISMATCH", "CAS mismatch", CasMismatchException),
    210: StatusInfo("LCB_ERR_BUCKET_NOT_FOUND",
                    "A request is made but the current bucket is not found",
                    BucketNotFoundException),
    211: StatusInfo("LCB_ERR_COLLECTION_NOT_FOUND",
                    "A request is made but the current collection (including scope) is not found",
                    CollectionNotFoundException),
    212: StatusInfo("LCB_ERR_ENCODING_FAILURE",
                    "Encoding of user object failed while trying to write it to the cluster",
                    EncodingFailureException),
    213: StatusInfo("LCB_ERR_DECODING_FAILURE",
                    "Decoding of the data into the user object failed",
                    DecodingFailureException),
    214: StatusInfo("LCB_ERR_UNSUPPORTED_OPERATION", "Unsupported operation", UnsupportedOperationException),
    215: StatusInfo("LCB_ERR_AMBIGUOUS_TIMEOUT", "Ambiguous timeout", AmbiguousTimeoutException),
    216: StatusInfo("LCB_ERR_UNAMBIGUOUS_TIMEOUT", "Unambiguous timeout", UnAmbiguousTimeoutException),
    217: StatusInfo("LCB_ERR_SCOPE_NOT_FOUND", "Scope is not found", ScopeNotFoundException),
    218: StatusInfo("LCB_ERR_INDEX_NOT_FOUND", "Index is not found", IndexNotFoundException),
    219: StatusInfo("LCB_ERR_INDEX_EXISTS", "Index is exist already", IndexExistsException),
    220: StatusInfo("LCB_ERR_RATE_LIMITED",
                    "The service decided that the caller must be rate limited due to exceeding a rate "
                    "threshold",
                    RateLimitedException),
    221: StatusInfo("LCB_ERR_QUOTA_LIMITED",
                    "The service decided that the caller must be limited due to exceeding a quota threshold",
                    QuotaLimitedException),
    301: StatusInfo("LCB_ERR_DOCUMENT_NOT_FOUND", "Document is not found", DocumentNotFoundException),
    302: StatusInfo("LCB_ERR_DOCUMENT_UNRETRIEVABLE",
                    "Document is unretrievable",
                    DocumentUnretrievableException),
    303: StatusInfo("LCB_ERR_DOCUMENT_LOCKED", "Document locked", DocumentLockedException),
    304: StatusInfo("LCB_ERR_VALUE_TOO_LARGE", "Value too large", ValueTooLargeException),
    305: StatusInfo("LCB_ERR_DOCUMENT_EXISTS", "Document already exists", DocumentExistsException),
    306: StatusInfo("LCB_ERR_VALUE_NOT_JSON", "Value is not a JSON", DocumentNotJsonException),
    307: StatusInfo("LCB_ERR_DURABILITY_LEVEL_NOT_AVAILABLE",
                    "Durability level is not available",
                    DurabilityInvalidLevelException),
    308: StatusInfo("LCB_ERR_DURABILITY_IMPOSSIBLE", "Durability impossible", DurabilityImpossibleException),
    309: StatusInfo("LCB_ERR_DURABILITY_AMBIGUOUS",
                    "Durability ambiguous",
                    DurabilitySyncWriteAmbiguousException),
    310: StatusInfo("LCB_ERR_DURABLE_WRITE_IN_PROGRESS",
                    "Durable write in progress",
                    DurableWriteInProgressException),
    311: StatusInfo("LCB_ERR_DURABLE_WRITE_RE_COMMIT_IN_PROGRESS",
                    "Durable write re-commit in progress",
                    DurableWriteReCommitInProgressException),
    312: StatusInfo("LCB_ERR_MUTATION_LOST", "Mutation lost", MutationLostException),
    313: StatusInfo("LCB_ERR_SUBDOC_PATH_NOT_FOUND", "Subdoc: path not found", PathNotFoundException),
    314: StatusInfo("LCB_ERR_SUBDOC_PATH_MISMATCH", "Subdoc: path mismatch", PathMismatchException),
    315: StatusInfo("LCB_ERR_SUBDOC_PATH_INVALID", "Subdoc: path invalid", PathInvalidException),
    316: StatusInfo("LCB_ERR_SUBDOC_PATH_TOO_BIG", "Subdoc: path too big", PathTooBigException),
    317: StatusInfo("LCB_ERR_SUBDOC_PATH_TOO_DEEP", "Subdoc: document too deep", PathTooDeepException),
    318: StatusInfo("LCB_ERR_SUBDOC_VALUE_TOO_DEEP", "Subdoc: value too deep", ValueTooDeepException),
    319: StatusInfo("LCB_ERR_SUBDOC_VALUE_INVALID",
                    "Subdoc: cannot insert value",
                    SubdocCantInsertValueException),
    320: StatusInfo("LCB_ERR_SUBDOC_DOCUMENT_NOT_JSON",
                    "Subdoc: document is not a JSON",
                    DocumentNotJsonException),
    321: StatusInfo("LCB_ERR_SUBDOC_NUMBER_TOO_BIG", "Subdoc: number is too big", NumberTooBigException),
    322: StatusInfo("LCB_ERR_SUBDOC_DELTA_INVALID", "Subdoc: invalid delta range", InvalidDeltaException),
    323: StatusInfo("LCB_ERR_SUBDOC_PATH_EXISTS", "Subdoc: path already exists", PathExistsException),
    324: StatusInfo("LCB_ERR_SUBDOC_XATTR_UNKNOWN_MACRO",
                    "Subdoc: XATTR unknown macro",
                    XattrUnknownMacroException),
    325: StatusInfo("LCB_ERR_SUBDOC_XATTR_INVALID_FLAG_COMBO",
                    "Subdoc: XATTR invalid flag combination",
                    XattrInvalidFlagComboException),
    326: StatusInfo("LCB_ERR_SUBDOC_XATTR_INVALID_KEY_COMBO",
                    "Subdoc: XATTR invalid key combination",
                    XattrInvalidKeyComboException),
    327: StatusInfo("LCB_ERR_SUBDOC_XATTR_UNKNOWN_VIRTUAL_ATTRIBUTE",
                    "Subdoc: XATTR unknown virtual attribute",
                    XattrUnknownVirtualAttributeException),
    328: StatusInfo("LCB_ERR_SUBDOC_XATTR_CANNOT_MODIFY_VIRTUAL_ATTRIBUTE",
                    "Subdoc: XATTR cannot modify virtual attribute",
                    XattrCannotModifyVirtualAttributeException),
    329: StatusInfo("LCB_ERR_SUBDOC_XATTR_INVALID_ORDER",
                    "Subdoc: XATTR invalid order",
                    XattrInvalidOrderException),
    401: StatusInfo("LCB_ERR_PLANNING_FAILURE", "Planning failed", PlanningFailureException),
    402: StatusInfo("LCB_ERR_INDEX_FAILURE", "Query index failure", IndexFailureException),
    403: StatusInfo("LCB_ERR_PREPARED_STATEMENT_FAILURE",
                    "Prepared statement failure",
                    PreparedStatementFailureException),
    404: StatusInfo("LCB_ERR_KEYSPACE_NOT_FOUND",
                    "Keyspace is not found (collection or bucket does not exist)",
                    KeyspaceNotFoundException),
    405: StatusInfo("LCB_ERR_DML_FAILURE",
                    "Data service returned an error during execution of DML statement",
                    DmlFailureException),
    501: StatusInfo("LCB_ERR_COMPILATION_FAILED", "Compilation failed", CompilationFailedException),
    502: StatusInfo("LCB_ERR_JOB_QUEUE_FULL", "Job queue is full", JobQueueFullException),
    503: StatusInfo("LCB_ERR_DATASET_NOT_FOUND", "Dataset is not found", DatasetNotFoundException),
    504: StatusInfo("LCB_ERR_DATAVERSE_NOT_FOUND", "Dataverse is not found", DataverseNotFoundException),
    505: StatusInfo("LCB_ERR_DATASET_EXISTS", "Dataset already exists", DatasetAlreadyExistsException),
    506: StatusInfo("LCB_ERR_DATAVERSE_EXISTS", "Dataverse already exists", DataverseAlreadyExistsException),
    507: StatusInfo("LCB_ERR_ANALYTICS_LINK_NOT_FOUND",
                    "Analytics link is not found",
                    AnalyticsLinkNotFoundException),
    701: StatusInfo("LCB_ERR_VIEW_NOT_FOUND", "View is not found", ViewNotFoundException),
    702: StatusInfo("LCB_ERR_DESIGN_DOCUMENT_NOT_FOUND",
                    "Design document is not found",
                    DesignDocumentNotFoundException),
    801: StatusInfo("LCB_ERR_COLLECTION_ALREADY_EXISTS",
                    "Collection already exists",
                    CollectionAlreadyExistsException),
    802: StatusInfo("LCB_ERR_SCOPE_EXISTS", "Scope already exists", ScopeAlreadyExistsException),
    803: StatusInfo("LCB_ERR_USER_NOT_FOUND", "User is not found", UserNotFoundException),
    804: StatusInfo("LCB_ERR_GROUP_NOT_FOUND", "Group is not found", GroupNotFoundException),
    805: StatusInfo("LCB_ERR_BUCKET_ALREADY_EXISTS", "Bucket already exists", BucketAlreadyExistsException),
    1000: StatusInfo("LCB_ERR_SSL_INVALID_CIPHERSUITES",
                     "OpenSSL encountered an error in the provided ciphersuites (TLS >= 1.3)",
                     SSLException),
    1001: StatusInfo("LCB_ERR_SSL_NO_CIPHERS",
                     "OpenSSL does not support any of the ciphers provided (TLS < 1.3)",
                     SSLException),
    1002: StatusInfo("LCB_ERR_SSL_ERROR",
                     "A generic error related to the SSL subsystem was encountered. Enable logging to see "
                     "more details",
                     SSLException),
    1003: StatusInfo("LCB_ERR_SSL_CANTVERIFY", "Client could not verify server's certificate", SSLException),
    1004: StatusInfo("LCB_ERR_FD_LIMIT_REACHED",
                     "The system or process has reached its maximum number of file descriptors",
                     NetworkException),
    1005: StatusInfo("LCB_ERR_NODE_UNREACHABLE",
                     "The remote host is not reachable",
                     NodeUnreachableException),
    1006: StatusInfo("LCB_ERR_CONTROL_UNKNOWN_CODE",
                     "Control code passed was unrecognized",
                     InvalidArgumentException),
    1007: StatusInfo("LCB_ERR_CONTROL_UNSUPPORTED_MODE",
                     "Invalid modifier for cntl operation (e.g. tried to read a write-only value",
                     InvalidArgumentException),
    1008: StatusInfo("LCB_ERR_CONTROL_INVALID_ARGUMENT",
                     "Argument passed to cntl was badly formatted",
                     InvalidArgumentException),
    1009: StatusInfo("LCB_ERR_DUPLICATE_COMMANDS",
                     "The same key was specified more than once in the command list",
                     InvalidArgumentException),
    1010: StatusInfo("LCB_ERR_NO_MATCHING_SERVER",
                     "The node the request was mapped to does not exist in the current cluster map. This may"
                     " be the result of a failover",
                     NodeUnreachableException),
    1011: StatusInfo("LCB_ERR_PLUGIN_VERSION_MISMATCH",
                     "This version of libcouchbase cannot load the specified plugin",
                     ConfigurationException),
    1012: StatusInfo("LCB_ERR_INVALID_HOST_FORMAT",
                     "Hostname specified for URI is in an invalid format",
                     InvalidArgumentException),
    1013: StatusInfo("LCB_ERR_INVALID_CHAR", "Illegal character", InvalidArgumentException),
    1014: StatusInfo("LCB_ERR_BAD_ENVIRONMENT",
                     "The value for an environment variable recognized by libcouchbase was specified in an "
                     "incorrect format. Check your environment for entries starting with 'LCB_' or "
                     "'LIBCOUCHBASE_'",
                     ConfigurationException),
    1015: StatusInfo("LCB_ERR_NO_MEMORY",
                     "Memory allocation for libcouchbase failed. Severe problems ahead",
                     InternalSDKException),
    1016: StatusInfo("LCB_ERR_NO_CONFIGURATION",
                     "Client not bootstrapped. Ensure bootstrap/connect was attempted and was successful",
                     ConfigurationException),
    1017: StatusInfo("LCB_ERR_DLOPEN_FAILED", "Could not locate plugin library", ConfigurationException),
    1018: StatusInfo("LCB_ERR_DLSYM_FAILED", "Required plugin initializer not found", ConfigurationException),
    1019: StatusInfo("LCB_ERR_CONFIG_CACHE_INVALID",
                     "The contents of the configuration cache file were invalid. Configuration will be "
                     "fetched from the network",
                     ConfigurationException),
    1020: StatusInfo("LCB_ERR_COLLECTION_MANIFEST_IS_AHEAD",
                     "Collections manifest of SDK is ahead of Server's",
                     ConfigurationException),
    1021: StatusInfo("LCB_ERR_COLLECTION_NO_MANIFEST", "No Collections Manifest", ConfigurationException),
    1022: StatusInfo("LCB_ERR_COLLECTION_CANNOT_APPLY_MANIFEST",
                     "Cannot apply collections manifest",
                     ConfigurationException),
    1023: StatusInfo("LCB_ERR_AUTH_CONTINUE",
                     "Error code used internally within libcouchbase for SASL auth. Should not be visible "
                     "from the API",
                     AuthenticationException),
    1024: StatusInfo("LCB_ERR_CONNECTION_REFUSED",
                     "The remote host refused the connection",
                     ConnectionRefusedException),
    1025: StatusInfo("LCB_ERR_SOCKET_SHUTDOWN",
                     "The remote host closed the connection",
                     ConnectionResetException),
    1026: StatusInfo("LCB_ERR_CONNECTION_RESET",
                     "The connection was forcibly reset by the remote host",
                     ConnectionResetException),
    1027: StatusInfo("LCB_ERR_CANNOT_GET_PORT",
                     "Could not assign a local port for this socket. For client sockets this means there are"
                     " too many TCP sockets open",
                     NetworkException),
    1028: StatusInfo("LCB_ERR_INCOMPLETE_PACKET",
                     "Incomplete packet was passed to forward function",
                     InvalidArgumentException),
    1029: StatusInfo("LCB_ERR_SDK_FEATURE_UNAVAILABLE",
                     "The requested feature is not supported by the client, either because of settings in "
                     "the configured instance, or because of options disabled at the time the library was "
                     "compiled",
                     FeatureUnavailableException),
    1030: StatusInfo("LCB_ERR_OPTIONS_CONFLICT",
                     "The operation structure contains conflicting options",
                     InvalidArgumentException),
    1031: StatusInfo("LCB_ERR_KVENGINE_INVALID_PACKET",
                     "A badly formatted packet was sent to the server. Please report this in a bug",
                     ProtocolException),
    1032: StatusInfo("LCB_ERR_DURABILITY_TOO_MANY",
                     "Durability constraints requires more nodes/replicas than the cluster configuration "
                     "allows. Durability constraints will never be satisfied",
                     DurabilityTooManyException),
    1033: StatusInfo("LCB_ERR_SHEDULE_FAILURE",
                     "Internal error used for destroying unscheduled command data",
                     InternalSDKException),
    1034: StatusInfo("LCB_ERR_DURABILITY_NO_MUTATION_TOKENS",
                     "The given item does not have a mutation token associated with it. this is either "
                     "because fetching mutation tokens was not enabled, or you are trying to check on "
                     "something not stored by this instance",
                     DurabilityException),
    1035: StatusInfo("LCB_ERR_SASLMECH_UNAVAILABLE",
                     "The requested SASL mechanism was not supported by the server. Either upgrade the "
                     "server or change the mechanism requirements",
                     AuthenticationException),
    1036: StatusInfo("LCB_ERR_TOO_MANY_REDIRECTS",
                     "Maximum allowed number of redirects reached. See lcb_cntl and the "
                     "LCB_CNTL_MAX_REDIRECTS option to modify this limit",
                     NetworkException),
    1037: StatusInfo("LCB_ERR_MAP_CHANGED",
                     "The cluster map has changed and this operation could not be completed or retried "
                     "internally. Try this operation again",
                     TemporaryFailException),
    1038: StatusInfo("LCB_ERR_NOT_MY_VBUCKET",
                     "The server which received this command claims it is not hosting this key",
                     NetworkException),
    1039: StatusInfo("LCB_ERR_UNKNOWN_SUBDOC_COMMAND",
                     "Unknown subdocument command",
                     InvalidArgumentException),
    1040: StatusInfo("LCB_ERR_KVENGINE_UNKNOWN_ERROR",
                     "The server replied with an unrecognized status code. A newer version of this library "
                     "may be able to decode it",
                     KeyValueException),
    1041: StatusInfo("LCB_ERR_NAMESERVER", "Invalid reply received from nameserver", NameResolutionException),
    1042: StatusInfo("LCB_ERR_INVALID_RANGE", "Invalid range", InvalidArgumentException),
    1043: StatusInfo("LCB_ERR_NOT_STORED",
                     "Item not stored (did you try to append/prepend to a missing key?)",
                     NotStoredException),
    1044: StatusInfo("LCB_ERR_BUSY", "Busy. This is an internal error", TemporaryFailException),
    1045: StatusInfo("LCB_ERR_SDK_INTERNAL", "Internal libcouchbase error", InternalSDKException),
    1046: StatusInfo("LCB_ERR_INVALID_DELTA",
                     "The value requested to be incremented is not stored as a number",
                     InvalidDeltaException),
    1047: StatusInfo("LCB_ERR_NO_COMMANDS", "No commands specified", InvalidArgumentException),
    1048: StatusInfo("LCB_ERR_NETWORK", "Generic network failure", NetworkException),
    1049: StatusInfo("LCB_ERR_UNKNOWN_HOST", "DNS/Hostname lookup failed", NameResolutionException),
    1050: StatusInfo("LCB_ERR_PROTOCOL_ERROR",
                     "Data received on socket was not in the expected format",
                     ProtocolException),
    1051: StatusInfo("LCB_ERR_CONNECT_ERROR", "Error while establishing TCP connection", NetworkException),
    1052: StatusInfo("LCB_ERR_EMPTY_KEY", "An empty key was passed to an operation", KeyFormatException),
    1053: StatusInfo("LCB_ERR_HTTP", "HTTP Operation failed. Inspect status code for details", HTTPException),
    1054: StatusInfo("LCB_ERR_QUERY",
                     "Query execution failed. Inspect raw response object for information",
                     QueryException),
    1055: StatusInfo("LCB_ERR_TOPOLOGY_CHANGE", "Topology Change (internal)", TemporaryFailException),
}


def status_name(rc: int) -> str:
    """The ``LCB_ERR_*`` name of a status code.

    Args:
        rc: A libcouchbase status code.

    Returns:
        str: Its name, or ``"LCB_ERR_UNKNOWN"``.

    Never raises.
    """
    info = STATUS_TABLE.get(rc)
    return info.name if info is not None else "LCB_ERR_UNKNOWN"


def status_description(rc: int) -> str:
    """libcouchbase's description of a status code.

    Args:
        rc: A libcouchbase status code.

    Returns:
        str: The description.

    Never raises.
    """
    info = STATUS_TABLE.get(rc)
    return info.description if info is not None else f"Unknown libcouchbase status code {rc}"


def class_for(rc: int) -> Type[CouchbaseException]:
    """The exception class for a status code.

    Args:
        rc: A libcouchbase status code.

    Returns:
        type: The CouchbaseException subclass (CouchbaseException if unknown).

    Never raises.
    """
    info = STATUS_TABLE.get(rc)
    return info.exception if info is not None else CouchbaseException


def _describe(rc: int) -> str:
    return f"{status_name(rc)} ({rc}): {status_description(rc)}"


def exception_for(rc: int, message: Optional[str] = None, *, context: Any = None,
                  inner_cause: Optional[BaseException] = None) -> CouchbaseException:
    """A new exception of the right class for libcouchbase status ``rc`` (returned, not raised).

    The message is ``"LCB_ERR_X (rc): description"``; a ``message`` given replaces it and gets
    ``" [LCB_ERR_X (rc)]"`` appended unless it already names the status.

    Args:
        rc: A libcouchbase status code.
        message: A message instead of the status's description.
        context: An ErrorContext for the exception.
        inner_cause: The exception that caused it.

    Returns:
        CouchbaseException: The exception (of the status's class).

    Raises:
        ValueError: ``rc`` is not an int (``int(rc)`` fails).
    """
    rc = int(rc)
    if message is None:
        text = _describe(rc)
    else:
        name = status_name(rc)
        text = message if name in message and name != "LCB_ERR_UNKNOWN" else f"{message} [{name} ({rc})]"
    return class_for(rc)(text, rc=rc, context=context, inner_cause=inner_cause)


# ---- the 1.x/2.x names (Couchbase Python SDK 1.2 guide) --------------------------------
# Aliases of the classes above, so ``except NotFoundError`` and ``except
# DocumentNotFoundException`` catch the same errors. KeyExistsError is a real base (of
# DocumentExistsException and CasMismatchException), as 1.x raised it for both.
NotFoundError = DocumentNotFoundException
KeyNotFoundError = DocumentNotFoundException
TemporaryFailError = TemporaryFailException
ValueFormatError = ValueFormatException
ArgumentError = InvalidArgumentException
DeltaBadvalError = InvalidDeltaException
AuthError = AuthenticationException
BucketNotFoundError = BucketNotFoundException
TooBigError = ValueTooLargeException
NotStoredError = NotStoredException
NotSupportedError = UnsupportedOperationException
InternalError = InternalSDKException
NetworkError = NetworkException
ConnectError = NetworkException
HTTPError = HTTPException
ObjectThreadError = ObjectThreadException
ObjectDestroyedError = ObjectClosedException
PipelineError = PipelineException
CouchbaseNetworkError = NetworkException
CouchbaseDataError = KeyValueException
CouchbaseInputError = InvalidArgumentException
CouchbaseTransientError = TemporaryFailException
TimeoutError = TimeoutException  # noqa: A001 - the 1.x name; not in __all__ (it would shadow the builtin)

LEGACY_NAMES = (
    "CouchbaseError", "KeyExistsError", "NotFoundError", "KeyNotFoundError", "TemporaryFailError",
    "ValueFormatError", "ArgumentError", "DeltaBadvalError", "AuthError", "BucketNotFoundError",
    "TooBigError",
    "NotStoredError", "NotSupportedError", "InternalError", "NetworkError", "ConnectError", "HTTPError",
    "ObjectThreadError", "ObjectDestroyedError", "PipelineError", "CouchbaseNetworkError",
    "CouchbaseDataError",
    "CouchbaseInputError", "CouchbaseTransientError",
)

__all__ = [
    *LEGACY_NAMES, "ErrorContext", "KeyValueErrorContext", "QueryErrorContext", "HTTPErrorContext",
    "SubdocumentErrorContext", "AnalyticsErrorContext", "SearchErrorContext", "ViewErrorContext",
    "ManagementErrorContext", "ErrorContextType",
    "StatusInfo", "STATUS_TABLE", "exception_for", "class_for", "status_name", "status_description",
    *sorted(name for name, value in list(globals().items())
            if name.endswith("Exception") and isinstance(value, type)),
    "QueueEmpty", "TransactionOperationFailed", "TransactionFailed", "TransactionExpired",
    "TransactionCommitAmbiguous", "UnsupportedOperation",
]
