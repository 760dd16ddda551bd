"""The exception hierarchy and the map from every libcouchbase status to it.

Every error the SDK raises is a :class:`CouchbaseException` (alias
``CouchbaseError``) carrying ``rc`` (the libcouchbase status), ``message``,
``inner_cause`` and ``context`` (an :class:`ErrorContext`: key, node, server
status, the server's error list for queries, ...). Semantic subclasses name
what went wrong (``DocumentNotFoundException`` ...); argument errors are also
``ValueError``/``TypeError``. :func:`exception_for` turns a status code into
the right instance; the code → name table below is libcouchbase 3.3.4's
``error.h``, and ``tests/unit/test_exceptions.py`` checks it stays complete.
Nothing here ever holds a password.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Type


class ErrorContext:
    """What is known about where an error happened; every field is optional."""

    _fields: tuple = ()

    def __init__(self, **fields: Any) -> None:
        for name, value in fields.items():
            setattr(self, name, value)
        self._fields = tuple(k for k, v in fields.items() if v is not None)

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={getattr(self, k)!r}" for k in self._fields)
        return f"{type(self).__name__}({body})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return None


class KeyValueErrorContext(ErrorContext):
    """key, bucket, status_code (server status), opaque, ref, context, endpoint."""


class QueryErrorContext(ErrorContext):
    """statement, errors (the server's list), http_status, client_context_id, endpoint."""


class CouchbaseException(Exception):
    """Base of every SDK error.

    :param rc: libcouchbase status code, when the error came from it.
    :param message: readable description.
    :param inner_cause: the exception that caused this one.
    :param context: an :class:`ErrorContext`.
    """

    def __init__(self, message: Optional[str] = None, *, rc: Optional[int] = None,
                 inner_cause: Optional[BaseException] = None, context: Any = None) -> None:
        self.rc = rc
        self.message = message or (describe(rc) if rc is not None else type(self).__name__)
        self.inner_cause = inner_cause
        self.context = context
        self.all_results: Any = None
        super().__init__(self.message)

    def __str__(self) -> str:
        text = self.message
        if self.inner_cause is not None:
            text += f" (caused by {type(self.inner_cause).__name__}: {self.inner_cause})"
        if self.context is not None:
            text += f", context={self.context!r}"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rc={self.rc}, message={self.message!r}, context={self.context!r})"


CouchbaseError = CouchbaseException


def _cls(name: str, *bases: type, doc: str = "") -> Type[CouchbaseException]:
    return type(name, bases or (CouchbaseException,), {"__doc__": doc or name, "__module__": __name__})


# ---- groups -----------------------------------------------------------------
class InvalidArgumentException(CouchbaseException, ValueError):
    """A bad argument; raised before any I/O."""


class InvalidArgumentTypeException(InvalidArgumentException, TypeError):
    """An argument of the wrong type."""


KeyFormatException = InvalidArgumentTypeException


class TimeoutException(CouchbaseException):
    """The operation did not complete in time."""


class AmbiguousTimeoutException(TimeoutException):
    """Timed out; the operation may have been applied."""


class UnAmbiguousTimeoutException(TimeoutException):
    """Timed out; the operation was not applied."""


class NetworkException(CouchbaseException):
    """A network-level failure."""


class KeyValueException(CouchbaseException):
    """A key-value operation failed on the server side."""


class SubdocException(KeyValueException):
    """A sub-document path failed."""


class QueryException(CouchbaseException):
    """A N1QL request failed; ``context.errors`` holds the server's errors."""


class AnalyticsException(QueryException):
    """An analytics request failed."""


class SearchException(QueryException):
    """A search request failed."""


class ViewException(QueryException):
    """A view request failed."""


class DurabilityException(KeyValueException):
    """A durability requirement could not be met."""


class ValueFormatException(CouchbaseException, ValueError):
    """A value could not be encoded or decoded; ``inner_cause`` says why."""


InvalidValueException = ValueFormatException


class ObjectClosedException(CouchbaseException):
    """The cluster, bucket or connection is closed."""


ClusterClosedException = ObjectClosedException


class ObjectThreadException(CouchbaseException):
    """The object is in use by another thread (LOCKMODE_EXC) or owned by another thread."""


DocumentNotFoundException = _cls("DocumentNotFoundException", KeyValueException, doc="The document does not exist.")
DocumentExistsException = _cls("DocumentExistsException", KeyValueException, doc="The document already exists.")
CasMismatchException = _cls("CasMismatchException", KeyValueException, doc="The CAS given does not match.")
DocumentLockedException = _cls("DocumentLockedException", KeyValueException, doc="The document is locked.")
DocumentNotLockedException = _cls("DocumentNotLockedException", KeyValueException, doc="The document is not locked.")
DocumentUnretrievableException = _cls("DocumentUnretrievableException", KeyValueException)
ValueTooLargeException = _cls("ValueTooLargeException", KeyValueException, doc="The value exceeds the server limit.")
DocumentNotJsonException = _cls("DocumentNotJsonException", SubdocException)
TemporaryFailException = _cls("TemporaryFailException", KeyValueException, doc="The server is busy; retry later.")
NotStoredException = _cls("NotStoredException", DocumentNotFoundException,
                          doc="append/prepend on a missing document (a DocumentNotFoundException, as in SDK 4).")
InvalidDeltaException = _cls("InvalidDeltaException", KeyValueException, InvalidArgumentException)
DeltaBadValueException = InvalidDeltaException
DurabilityImpossibleException = _cls("DurabilityImpossibleException", DurabilityException)
DurabilityInvalidLevelException = _cls("DurabilityInvalidLevelException", DurabilityException)
DurabilitySyncWriteAmbiguousException = _cls("DurabilitySyncWriteAmbiguousException", DurabilityException)
DurableWriteInProgressException = _cls("DurableWriteInProgressException", DurabilityException)
DurableWriteReCommitInProgressException = _cls("DurableWriteReCommitInProgressException", DurabilityException)
DurabilityTooManyException = _cls("DurabilityTooManyException", DurabilityException, InvalidArgumentException)
MutationLostException = _cls("MutationLostException", DurabilityException)
PathNotFoundException = _cls("PathNotFoundException", SubdocException)
PathMismatchException = _cls("PathMismatchException", SubdocException)
PathInvalidException = _cls("PathInvalidException", SubdocException)
PathTooBigException = _cls("PathTooBigException", SubdocException)
PathTooDeepException = _cls("PathTooDeepException", SubdocException)
ValueTooDeepException = _cls("ValueTooDeepException", SubdocException)
SubdocCantInsertValueException = _cls("SubdocCantInsertValueException", SubdocException)
NumberTooBigException = _cls("NumberTooBigException", SubdocException)
PathExistsException = _cls("PathExistsException", SubdocException)
XattrException = _cls("XattrException", SubdocException)
XattrUnknownMacroException = _cls("XattrUnknownMacroException", XattrException)
XattrInvalidFlagComboException = _cls("XattrInvalidFlagComboException", XattrException)
XattrInvalidKeyComboException = _cls("XattrInvalidKeyComboException", XattrException)
XattrUnknownVirtualAttributeException = _cls("XattrUnknownVirtualAttributeException", XattrException)
XattrCannotModifyVirtualAttributeException = _cls("XattrCannotModifyVirtualAttributeException", XattrException)
XattrInvalidOrderException = _cls("XattrInvalidOrderException", XattrException)
AuthenticationException = _cls("AuthenticationException", doc="Wrong credentials or no permission.")
BucketNotFoundException = _cls("BucketNotFoundException")
ScopeNotFoundException = _cls("ScopeNotFoundException")
CollectionNotFoundException = _cls("CollectionNotFoundException")
CollectionAlreadyExistsException = _cls("CollectionAlreadyExistsException")
ScopeAlreadyExistsException = _cls("ScopeAlreadyExistsException")
BucketAlreadyExistsException = _cls("BucketAlreadyExistsException")
UserNotFoundException = _cls("UserNotFoundException")
GroupNotFoundException = _cls("GroupNotFoundException")
RequestCanceledException = _cls("RequestCanceledException")
ServiceUnavailableException = _cls("ServiceUnavailableException")
InternalServerFailureException = _cls("InternalServerFailureException")
UnsupportedOperationException = _cls("UnsupportedOperationException")
FeatureUnavailableException = _cls("FeatureUnavailableException", UnsupportedOperationException)
RateLimitedException = _cls("RateLimitedException")
QuotaLimitedException = _cls("QuotaLimitedException")
ParsingFailedException = _cls("ParsingFailedException", QueryException)
PlanningFailureException = _cls("PlanningFailureException", QueryException)
IndexFailureException = _cls("IndexFailureException", QueryException)
IndexNotFoundException = _cls("IndexNotFoundException", QueryException)
IndexExistsException = _cls("IndexExistsException", QueryException)
PreparedStatementFailureException = _cls("PreparedStatementFailureException", QueryException)
KeyspaceNotFoundException = _cls("KeyspaceNotFoundException", QueryException)
DmlFailureException = _cls("DmlFailureException", QueryException)
CompilationFailedException = _cls("CompilationFailedException", AnalyticsException)
JobQueueFullException = _cls("JobQueueFullException", AnalyticsException)
DatasetNotFoundException = _cls("DatasetNotFoundException", AnalyticsException)
DataverseNotFoundException = _cls("DataverseNotFoundException", AnalyticsException)
DatasetAlreadyExistsException = _cls("DatasetAlreadyExistsException", AnalyticsException)
DataverseAlreadyExistsException = _cls("DataverseAlreadyExistsException", AnalyticsException)
AnalyticsLinkNotFoundException = _cls("AnalyticsLinkNotFoundException", AnalyticsException)
ViewNotFoundException = _cls("ViewNotFoundException", ViewException)
DesignDocumentNotFoundException = _cls("DesignDocumentNotFoundException", ViewException)
SSLException = _cls("SSLException", NetworkException, doc="TLS failed (untrusted certificate, no ciphers...).")
TLSException = SSLException
ConnectionRefusedException = _cls("ConnectionRefusedException", NetworkException)
ConnectionResetException = _cls("ConnectionResetException", NetworkException)
NameResolutionException = _cls("NameResolutionException", NetworkException)
NodeUnreachableException = _cls("NodeUnreachableException", NetworkException)
ProtocolException = _cls("ProtocolException", NetworkException)
ConfigurationException = _cls("ConfigurationException")
NoReplicasException = _cls("NoReplicasException", KeyValueException)
InternalSDKException = _cls("InternalSDKException")
EncodingFailureException = _cls("EncodingFailureException", ValueFormatException)
DecodingFailureException = _cls("DecodingFailureException", ValueFormatException)

# libcouchbase 3.3.4 status code -> name (from include/libcouchbase/error.h)
STATUS_NAMES: Dict[int, str] = {
    0: "LCB_SUCCESS",
    100: "LCB_ERR_GENERIC",
    201: "LCB_ERR_TIMEOUT",
    202: "LCB_ERR_REQUEST_CANCELED",
    203: "LCB_ERR_INVALID_ARGUMENT",
    204: "LCB_ERR_SERVICE_NOT_AVAILABLE",
    205: "LCB_ERR_INTERNAL_SERVER_FAILURE",
    206: "LCB_ERR_AUTHENTICATION_FAILURE",
    207: "LCB_ERR_TEMPORARY_FAILURE",
    208: "LCB_ERR_PARSING_FAILURE",
    209: "LCB_ERR_CAS_MISMATCH",
    210: "LCB_ERR_BUCKET_NOT_FOUND",
    211: "LCB_ERR_COLLECTION_NOT_FOUND",
    212: "LCB_ERR_ENCODING_FAILURE",
    213: "LCB_ERR_DECODING_FAILURE",
    214: "LCB_ERR_UNSUPPORTED_OPERATION",
    215: "LCB_ERR_AMBIGUOUS_TIMEOUT",
    216: "LCB_ERR_UNAMBIGUOUS_TIMEOUT",
    217: "LCB_ERR_SCOPE_NOT_FOUND",
    218: "LCB_ERR_INDEX_NOT_FOUND",
    219: "LCB_ERR_INDEX_EXISTS",
    220: "LCB_ERR_RATE_LIMITED",
    221: "LCB_ERR_QUOTA_LIMITED",
    301: "LCB_ERR_DOCUMENT_NOT_FOUND",
    302: "LCB_ERR_DOCUMENT_UNRETRIEVABLE",
    303: "LCB_ERR_DOCUMENT_LOCKED",
    304: "LCB_ERR_VALUE_TOO_LARGE",
    305: "LCB_ERR_DOCUMENT_EXISTS",
    306: "LCB_ERR_VALUE_NOT_JSON",
    307: "LCB_ERR_DURABILITY_LEVEL_NOT_AVAILABLE",
    308: "LCB_ERR_DURABILITY_IMPOSSIBLE",
    309: "LCB_ERR_DURABILITY_AMBIGUOUS",
    310: "LCB_ERR_DURABLE_WRITE_IN_PROGRESS",
    311: "LCB_ERR_DURABLE_WRITE_RE_COMMIT_IN_PROGRESS",
    312: "LCB_ERR_MUTATION_LOST",
    313: "LCB_ERR_SUBDOC_PATH_NOT_FOUND",
    314: "LCB_ERR_SUBDOC_PATH_MISMATCH",
    315: "LCB_ERR_SUBDOC_PATH_INVALID",
    316: "LCB_ERR_SUBDOC_PATH_TOO_BIG",
    317: "LCB_ERR_SUBDOC_PATH_TOO_DEEP",
    318: "LCB_ERR_SUBDOC_VALUE_TOO_DEEP",
    319: "LCB_ERR_SUBDOC_VALUE_INVALID",
    320: "LCB_ERR_SUBDOC_DOCUMENT_NOT_JSON",
    321: "LCB_ERR_SUBDOC_NUMBER_TOO_BIG",
    322: "LCB_ERR_SUBDOC_DELTA_INVALID",
    323: "LCB_ERR_SUBDOC_PATH_EXISTS",
    324: "LCB_ERR_SUBDOC_XATTR_UNKNOWN_MACRO",
    325: "LCB_ERR_SUBDOC_XATTR_INVALID_FLAG_COMBO",
    326: "LCB_ERR_SUBDOC_XATTR_INVALID_KEY_COMBO",
    327: "LCB_ERR_SUBDOC_XATTR_UNKNOWN_VIRTUAL_ATTRIBUTE",
    328: "LCB_ERR_SUBDOC_XATTR_CANNOT_MODIFY_VIRTUAL_ATTRIBUTE",
    329: "LCB_ERR_SUBDOC_XATTR_INVALID_ORDER",
    401: "LCB_ERR_PLANNING_FAILURE",
    402: "LCB_ERR_INDEX_FAILURE",
    403: "LCB_ERR_PREPARED_STATEMENT_FAILURE",
    404: "LCB_ERR_KEYSPACE_NOT_FOUND",
    405: "LCB_ERR_DML_FAILURE",
    501: "LCB_ERR_COMPILATION_FAILED",
    502: "LCB_ERR_JOB_QUEUE_FULL",
    503: "LCB_ERR_DATASET_NOT_FOUND",
    504: "LCB_ERR_DATAVERSE_NOT_FOUND",
    505: "LCB_ERR_DATASET_EXISTS",
    506: "LCB_ERR_DATAVERSE_EXISTS",
    507: "LCB_ERR_ANALYTICS_LINK_NOT_FOUND",
    701: "LCB_ERR_VIEW_NOT_FOUND",
    702: "LCB_ERR_DESIGN_DOCUMENT_NOT_FOUND",
    801: "LCB_ERR_COLLECTION_ALREADY_EXISTS",
    802: "LCB_ERR_SCOPE_EXISTS",
    803: "LCB_ERR_USER_NOT_FOUND",
    804: "LCB_ERR_GROUP_NOT_FOUND",
    805: "LCB_ERR_BUCKET_ALREADY_EXISTS",
    1000: "LCB_ERR_SSL_INVALID_CIPHERSUITES",
    1001: "LCB_ERR_SSL_NO_CIPHERS",
    1002: "LCB_ERR_SSL_ERROR",
    1003: "LCB_ERR_SSL_CANTVERIFY",
    1004: "LCB_ERR_FD_LIMIT_REACHED",
    1005: "LCB_ERR_NODE_UNREACHABLE",
    1006: "LCB_ERR_CONTROL_UNKNOWN_CODE",
    1007: "LCB_ERR_CONTROL_UNSUPPORTED_MODE",
    1008: "LCB_ERR_CONTROL_INVALID_ARGUMENT",
    1009: "LCB_ERR_DUPLICATE_COMMANDS",
    1010: "LCB_ERR_NO_MATCHING_SERVER",
    1011: "LCB_ERR_PLUGIN_VERSION_MISMATCH",
    1012: "LCB_ERR_INVALID_HOST_FORMAT",
    1013: "LCB_ERR_INVALID_CHAR",
    1014: "LCB_ERR_BAD_ENVIRONMENT",
    1015: "LCB_ERR_NO_MEMORY",
    1016: "LCB_ERR_NO_CONFIGURATION",
    1017: "LCB_ERR_DLOPEN_FAILED",
    1018: "LCB_ERR_DLSYM_FAILED",
    1019: "LCB_ERR_CONFIG_CACHE_INVALID",
    1020: "LCB_ERR_COLLECTION_MANIFEST_IS_AHEAD",
    1021: "LCB_ERR_COLLECTION_NO_MANIFEST",
    1022: "LCB_ERR_COLLECTION_CANNOT_APPLY_MANIFEST",
    1023: "LCB_ERR_AUTH_CONTINUE",
    1024: "LCB_ERR_CONNECTION_REFUSED",
    1025: "LCB_ERR_SOCKET_SHUTDOWN",
    1026: "LCB_ERR_CONNECTION_RESET",
    1027: "LCB_ERR_CANNOT_GET_PORT",
    1028: "LCB_ERR_INCOMPLETE_PACKET",
    1029: "LCB_ERR_SDK_FEATURE_UNAVAILABLE",
    1030: "LCB_ERR_OPTIONS_CONFLICT",
    1031: "LCB_ERR_KVENGINE_INVALID_PACKET",
    1032: "LCB_ERR_DURABILITY_TOO_MANY",
    1033: "LCB_ERR_SHEDULE_FAILURE",
    1034: "LCB_ERR_DURABILITY_NO_MUTATION_TOKENS",
    1035: "LCB_ERR_SASLMECH_UNAVAILABLE",
    1036: "LCB_ERR_TOO_MANY_REDIRECTS",
    1037: "LCB_ERR_MAP_CHANGED",
    1038: "LCB_ERR_NOT_MY_VBUCKET",
    1039: "LCB_ERR_UNKNOWN_SUBDOC_COMMAND",
    1040: "LCB_ERR_KVENGINE_UNKNOWN_ERROR",
    1041: "LCB_ERR_NAMESERVER",
    1042: "LCB_ERR_INVALID_RANGE",
    1043: "LCB_ERR_NOT_STORED",
    1044: "LCB_ERR_BUSY",
    1045: "LCB_ERR_SDK_INTERNAL",
    1046: "LCB_ERR_INVALID_DELTA",
    1047: "LCB_ERR_NO_COMMANDS",
    1048: "LCB_ERR_NETWORK",
    1049: "LCB_ERR_UNKNOWN_HOST",
    1050: "LCB_ERR_PROTOCOL_ERROR",
    1051: "LCB_ERR_CONNECT_ERROR",
    1052: "LCB_ERR_EMPTY_KEY",
    1053: "LCB_ERR_HTTP",
    1054: "LCB_ERR_QUERY",
    1055: "LCB_ERR_TOPOLOGY_CHANGE",
}

_BY_NAME: Dict[str, Type[CouchbaseException]] = {
    "LCB_ERR_TIMEOUT": TimeoutException,
    "LCB_ERR_AMBIGUOUS_TIMEOUT": AmbiguousTimeoutException,
    "LCB_ERR_UNAMBIGUOUS_TIMEOUT": UnAmbiguousTimeoutException,
    "LCB_ERR_REQUEST_CANCELED": RequestCanceledException,
    "LCB_ERR_INVALID_ARGUMENT": InvalidArgumentException,
    "LCB_ERR_OPTIONS_CONFLICT": InvalidArgumentException,
    "LCB_ERR_EMPTY_KEY": InvalidArgumentException,
    "LCB_ERR_INVALID_RANGE": InvalidArgumentException,
    "LCB_ERR_INVALID_CHAR": InvalidArgumentException,
    "LCB_ERR_INVALID_HOST_FORMAT": InvalidArgumentException,
    "LCB_ERR_CONTROL_INVALID_ARGUMENT": InvalidArgumentException,
    "LCB_ERR_CONTROL_UNKNOWN_CODE": InvalidArgumentException,
    "LCB_ERR_CONTROL_UNSUPPORTED_MODE": InvalidArgumentException,
    "LCB_ERR_NO_COMMANDS": InvalidArgumentException,
    "LCB_ERR_DUPLICATE_COMMANDS": InvalidArgumentException,
    "LCB_ERR_SERVICE_NOT_AVAILABLE": ServiceUnavailableException,
    "LCB_ERR_INTERNAL_SERVER_FAILURE": InternalServerFailureException,
    "LCB_ERR_AUTHENTICATION_FAILURE": AuthenticationException,
    "LCB_ERR_SASLMECH_UNAVAILABLE": AuthenticationException,
    "LCB_ERR_TEMPORARY_FAILURE": TemporaryFailException,
    "LCB_ERR_BUSY": TemporaryFailException,
    "LCB_ERR_PARSING_FAILURE": ParsingFailedException,
    "LCB_ERR_CAS_MISMATCH": CasMismatchException,
    "LCB_ERR_BUCKET_NOT_FOUND": BucketNotFoundException,
    "LCB_ERR_COLLECTION_NOT_FOUND": CollectionNotFoundException,
    "LCB_ERR_SCOPE_NOT_FOUND": ScopeNotFoundException,
    "LCB_ERR_ENCODING_FAILURE": EncodingFailureException,
    "LCB_ERR_DECODING_FAILURE": DecodingFailureException,
    "LCB_ERR_UNSUPPORTED_OPERATION": UnsupportedOperationException,
    "LCB_ERR_SDK_FEATURE_UNAVAILABLE": FeatureUnavailableException,
    "LCB_ERR_INDEX_NOT_FOUND": IndexNotFoundException,
    "LCB_ERR_INDEX_EXISTS": IndexExistsException,
    "LCB_ERR_RATE_LIMITED": RateLimitedException,
    "LCB_ERR_QUOTA_LIMITED": QuotaLimitedException,
    "LCB_ERR_DOCUMENT_NOT_FOUND": DocumentNotFoundException,
    "LCB_ERR_DOCUMENT_UNRETRIEVABLE": DocumentUnretrievableException,
    "LCB_ERR_DOCUMENT_LOCKED": DocumentLockedException,
    "LCB_ERR_VALUE_TOO_LARGE": ValueTooLargeException,
    "LCB_ERR_DOCUMENT_EXISTS": DocumentExistsException,
    "LCB_ERR_VALUE_NOT_JSON": DocumentNotJsonException,
    "LCB_ERR_DURABILITY_LEVEL_NOT_AVAILABLE": DurabilityInvalidLevelException,
    "LCB_ERR_DURABILITY_IMPOSSIBLE": DurabilityImpossibleException,
    "LCB_ERR_DURABILITY_AMBIGUOUS": DurabilitySyncWriteAmbiguousException,
    "LCB_ERR_DURABLE_WRITE_IN_PROGRESS": DurableWriteInProgressException,
    "LCB_ERR_DURABLE_WRITE_RE_COMMIT_IN_PROGRESS": DurableWriteReCommitInProgressException,
    "LCB_ERR_MUTATION_LOST": MutationLostException,
    "LCB_ERR_DURABILITY_TOO_MANY": DurabilityTooManyException,
    "LCB_ERR_DURABILITY_NO_MUTATION_TOKENS": DurabilityTooManyException,
    "LCB_ERR_SUBDOC_PATH_NOT_FOUND": PathNotFoundException,
    "LCB_ERR_SUBDOC_PATH_MISMATCH": PathMismatchException,
    "LCB_ERR_SUBDOC_PATH_INVALID": PathInvalidException,
    "LCB_ERR_SUBDOC_PATH_TOO_BIG": PathTooBigException,
    "LCB_ERR_SUBDOC_PATH_TOO_DEEP": PathTooDeepException,
    "LCB_ERR_SUBDOC_VALUE_TOO_DEEP": ValueTooDeepException,
    "LCB_ERR_SUBDOC_VALUE_INVALID": SubdocCantInsertValueException,
    "LCB_ERR_SUBDOC_DOCUMENT_NOT_JSON": DocumentNotJsonException,
    "LCB_ERR_SUBDOC_NUMBER_TOO_BIG": NumberTooBigException,
    "LCB_ERR_SUBDOC_DELTA_INVALID": InvalidDeltaException,
    "LCB_ERR_SUBDOC_PATH_EXISTS": PathExistsException,
    "LCB_ERR_SUBDOC_XATTR_UNKNOWN_MACRO": XattrUnknownMacroException,
    "LCB_ERR_SUBDOC_XATTR_INVALID_FLAG_COMBO": XattrInvalidFlagComboException,
    "LCB_ERR_SUBDOC_XATTR_INVALID_KEY_COMBO": XattrInvalidKeyComboException,
    "LCB_ERR_SUBDOC_XATTR_UNKNOWN_VIRTUAL_ATTRIBUTE": XattrUnknownVirtualAttributeException,
    "LCB_ERR_SUBDOC_XATTR_CANNOT_MODIFY_VIRTUAL_ATTRIBUTE": XattrCannotModifyVirtualAttributeException,
    "LCB_ERR_SUBDOC_XATTR_INVALID_ORDER": XattrInvalidOrderException,
    "LCB_ERR_UNKNOWN_SUBDOC_COMMAND": SubdocException,
    "LCB_ERR_PLANNING_FAILURE": PlanningFailureException,
    "LCB_ERR_INDEX_FAILURE": IndexFailureException,
    "LCB_ERR_PREPARED_STATEMENT_FAILURE": PreparedStatementFailureException,
    "LCB_ERR_KEYSPACE_NOT_FOUND": KeyspaceNotFoundException,
    "LCB_ERR_DML_FAILURE": DmlFailureException,
    "LCB_ERR_QUERY": QueryException,
    "LCB_ERR_COMPILATION_FAILED": CompilationFailedException,
    "LCB_ERR_JOB_QUEUE_FULL": JobQueueFullException,
    "LCB_ERR_DATASET_NOT_FOUND": DatasetNotFoundException,
    "LCB_ERR_DATAVERSE_NOT_FOUND": DataverseNotFoundException,
    "LCB_ERR_DATASET_EXISTS": DatasetAlreadyExistsException,
    "LCB_ERR_DATAVERSE_EXISTS": DataverseAlreadyExistsException,
    "LCB_ERR_ANALYTICS_LINK_NOT_FOUND": AnalyticsLinkNotFoundException,
    "LCB_ERR_VIEW_NOT_FOUND": ViewNotFoundException,
    "LCB_ERR_DESIGN_DOCUMENT_NOT_FOUND": DesignDocumentNotFoundException,
    "LCB_ERR_COLLECTION_ALREADY_EXISTS": CollectionAlreadyExistsException,
    "LCB_ERR_SCOPE_EXISTS": ScopeAlreadyExistsException,
    "LCB_ERR_USER_NOT_FOUND": UserNotFoundException,
    "LCB_ERR_GROUP_NOT_FOUND": GroupNotFoundException,
    "LCB_ERR_BUCKET_ALREADY_EXISTS": BucketAlreadyExistsException,
    "LCB_ERR_SSL_INVALID_CIPHERSUITES": SSLException,
    "LCB_ERR_SSL_NO_CIPHERS": SSLException,
    "LCB_ERR_SSL_ERROR": SSLException,
    "LCB_ERR_SSL_CANTVERIFY": SSLException,
    "LCB_ERR_NODE_UNREACHABLE": NodeUnreachableException,
    "LCB_ERR_CONNECTION_REFUSED": ConnectionRefusedException,
    "LCB_ERR_SOCKET_SHUTDOWN": ConnectionResetException,
    "LCB_ERR_CONNECTION_RESET": ConnectionResetException,
    "LCB_ERR_CANNOT_GET_PORT": NetworkException,
    "LCB_ERR_FD_LIMIT_REACHED": NetworkException,
    "LCB_ERR_NETWORK": NetworkException,
    "LCB_ERR_CONNECT_ERROR": NetworkException,
    "LCB_ERR_NAMESERVER": NameResolutionException,
    "LCB_ERR_UNKNOWN_HOST": NameResolutionException,
    "LCB_ERR_INCOMPLETE_PACKET": ProtocolException,
    "LCB_ERR_PROTOCOL_ERROR": ProtocolException,
    "LCB_ERR_KVENGINE_INVALID_PACKET": ProtocolException,
    "LCB_ERR_KVENGINE_UNKNOWN_ERROR": KeyValueException,
    "LCB_ERR_NOT_STORED": NotStoredException,
    "LCB_ERR_INVALID_DELTA": InvalidDeltaException,
    "LCB_ERR_NOT_MY_VBUCKET": KeyValueException,
    "LCB_ERR_NO_MATCHING_SERVER": NodeUnreachableException,
    "LCB_ERR_MAP_CHANGED": KeyValueException,
    "LCB_ERR_TOPOLOGY_CHANGE": KeyValueException,
    "LCB_ERR_TOO_MANY_REDIRECTS": NetworkException,
    "LCB_ERR_HTTP": QueryException,
    "LCB_ERR_NO_CONFIGURATION": ConfigurationException,
    "LCB_ERR_CONFIG_CACHE_INVALID": ConfigurationException,
    "LCB_ERR_COLLECTION_MANIFEST_IS_AHEAD": ConfigurationException,
    "LCB_ERR_COLLECTION_NO_MANIFEST": ConfigurationException,
    "LCB_ERR_COLLECTION_CANNOT_APPLY_MANIFEST": ConfigurationException,
    "LCB_ERR_BAD_ENVIRONMENT": ConfigurationException,
    "LCB_ERR_PLUGIN_VERSION_MISMATCH": ConfigurationException,
    "LCB_ERR_DLOPEN_FAILED": ConfigurationException,
    "LCB_ERR_DLSYM_FAILED": ConfigurationException,
    "LCB_ERR_NO_MEMORY": InternalSDKException,
    "LCB_ERR_SDK_INTERNAL": InternalSDKException,
    "LCB_ERR_SHEDULE_FAILURE": InternalSDKException,
    "LCB_ERR_AUTH_CONTINUE": AuthenticationException,
    "LCB_ERR_GENERIC": CouchbaseException,
    "LCB_SUCCESS": CouchbaseException,
}


def status_name(rc: int) -> str:
    """``LCB_ERR_...`` name of a status code (``LCB_ERR_UNKNOWN(<rc>)`` if unknown)."""
    return STATUS_NAMES.get(rc, f"LCB_ERR_UNKNOWN({rc})")


def status_description(rc: int) -> str:
    """libcouchbase's own description of a status code."""
    try:
        from couchbase._binding import ffi, lib

        return ffi.string(lib.lcb_strerror_long(rc)).decode("utf-8", "replace")
    except ImportError:
        return status_name(rc)


def describe(rc: int) -> str:
    return f"{status_name(rc)} ({rc}): {status_description(rc)}"


def class_for(rc: int) -> Type[CouchbaseException]:
    """The exception class for a libcouchbase status code."""
    return _BY_NAME.get(STATUS_NAMES.get(rc, ""), CouchbaseException)


def exception_for(rc: int, message: Optional[str] = None, *, context: Any = None,
                  inner_cause: Optional[BaseException] = None) -> CouchbaseException:
    """An instance of the right exception for status ``rc``; the message names the status."""
    text = describe(rc) if message is None else f"{message} [{status_name(rc)}]"
    return class_for(rc)(text, rc=rc, context=context, inner_cause=inner_cause)


def all_names() -> List[str]:
    return sorted(n for n in globals() if n.endswith("Exception"))
