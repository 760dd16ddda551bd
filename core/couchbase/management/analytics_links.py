"""Analytics links (``AnalyticsIndexManager.create_link`` and friends): a remote Couchbase
cluster, an S3 bucket or an Azure blob container that analytics collections can read.

A link belongs to a dataverse (analytics scope) and has a name. ``validate()`` checks what the
server would refuse before a request is sent (InvalidArgumentException naming what is missing);
``form_encode()`` is the ``application/x-www-form-urlencoded`` body of the server's
``/analytics/link`` REST API; :func:`link_from_server` reads one entry of its listing (secrets
never come back: the server redacts them).
"""
from __future__ import annotations

import abc
import enum
from typing import Any, Dict, Optional, Union
from urllib.parse import urlencode

from couchbase.exceptions import InvalidArgumentException

__all__ = ["AnalyticsEncryptionLevel", "AnalyticsLinkType", "AnalyticsLink",
           "CouchbaseAnalyticsEncryptionSettings", "CouchbaseRemoteAnalyticsLink",
           "S3ExternalAnalyticsLink", "AzureBlobExternalAnalyticsLink",
           "link_from_server"]


class AnalyticsLinkType(enum.Enum):
    S3External = "s3"
    AzureBlobExternal = "azureblob"
    CouchbaseRemote = "couchbase"


class AnalyticsEncryptionLevel(enum.Enum):
    """How a remote Couchbase link talks to its cluster: NONE (plain), HALF (credentials
    encrypted), FULL (TLS, certificate required)."""

    NONE = "none"
    HALF = "half"
    FULL = "full"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, bytes, bytearray)) and len(value) == 0)


def _text(value: Optional[Union[bytes, bytearray, str]]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    return bytes(value).decode("utf-8")


class AnalyticsLink(abc.ABC):
    """A link of a dataverse (Couchbase Server 7.0+ for every kind but the Local link)."""

    _dataverse: str
    _link_name: str

    def name(self) -> str:
        """The link's name."""
        return self._link_name

    def dataverse_name(self) -> str:
        """The dataverse (analytics scope) the link belongs to."""
        return self._dataverse

    @abc.abstractmethod
    def link_type(self) -> AnalyticsLinkType:
        """The kind of link."""

    @abc.abstractmethod
    def validate(self) -> None:
        """InvalidArgumentException naming what is missing, if the server would refuse the link."""

    @abc.abstractmethod
    def _fields(self) -> Dict[str, Any]:
        """The link's own REST form fields (None values are left out)."""

    @abc.abstractmethod
    def as_dict(self) -> Dict[str, Any]:
        """The link as a dict (snake_case keys, ``link_type``)."""

    def form_encode(self) -> bytes:
        """The form body of a create/replace request: ``dataverse`` and ``name`` are in the body
        for a one-part dataverse name (a multi-part name goes in the request path)."""
        params: Dict[str, Any] = {}
        if "/" not in self._dataverse:
            params["dataverse"] = self._dataverse
            params["name"] = self._link_name
        params["type"] = self.link_type().value
        params.update({k: v for k, v in self._fields().items() if not _empty(v)})
        return urlencode(params).encode()

    def _require(self, what: str, value: Any) -> None:
        if _empty(value):
            raise InvalidArgumentException(message=f"{what} must be set for {self._kind} analytics links.")

    _kind = ""

    def __repr__(self) -> str:  # no secrets
        return f"{type(self).__name__}(dataverse={self._dataverse!r}, link_name={self._link_name!r})"


class CouchbaseAnalyticsEncryptionSettings:
    """Encryption of a remote Couchbase link: the level and, for FULL, the cluster's
    certificate and the client certificate and key (PEM bytes)."""

    def __init__(self, encryption_level: Optional[AnalyticsEncryptionLevel] = None,
                 certificate: Optional[Union[bytes, bytearray]] = None,
                 client_certificate: Optional[Union[bytes, bytearray]] = None,
                 client_key: Optional[Union[bytes, bytearray]] = None) -> None:
        if encryption_level is not None and not isinstance(encryption_level, AnalyticsEncryptionLevel):
            raise InvalidArgumentException(
                message=f"encryption_level must be an AnalyticsEncryptionLevel, got {encryption_level!r}")
        self.encryption_level = encryption_level or AnalyticsEncryptionLevel.NONE
        self.certificate = certificate
        self.client_certificate = client_certificate
        self.client_key = client_key

    def as_dict(self) -> Dict[str, str]:
        """``encryption_level`` and the PEM texts that are set."""
        out = {"encryption_level": self.encryption_level.value}
        for key in ("certificate", "client_certificate", "client_key"):
            value = getattr(self, key)
            if value:
                out[key] = _text(value)
        return out

    @classmethod
    def from_server_json(cls, raw: Dict[str, Any]) -> "CouchbaseAnalyticsEncryptionSettings":
        """The settings of a link as the server lists it (``encryption``, ``certificate``,
        ``clientCertificate``; the client key is never returned)."""
        level = raw.get("encryption") or "none"
        try:
            parsed = AnalyticsEncryptionLevel(level)
        except ValueError:
            parsed = AnalyticsEncryptionLevel.NONE
        cert = raw.get("certificate")
        client_cert = raw.get("clientCertificate", raw.get("client_certificate"))
        return cls(parsed, certificate=cert.encode() if cert else None,
                   client_certificate=client_cert.encode() if client_cert else None)

    def __repr__(self) -> str:
        return f"CouchbaseAnalyticsEncryptionSettings({self.encryption_level})"


class CouchbaseRemoteAnalyticsLink(AnalyticsLink):
    """A link to another Couchbase cluster (``hostname``); NONE/HALF encryption need
    ``username`` and ``password``, FULL needs the certificate, client certificate and key."""

    _kind = "couchbase"

    def __init__(self, dataverse: str, link_name: str, hostname: str,
                 encryption: CouchbaseAnalyticsEncryptionSettings,
                 username: Optional[str] = None, password: Optional[str] = None) -> None:
        self._dataverse = dataverse
        self._link_name = link_name
        self._hostname = hostname
        self._encryption = encryption if encryption is not None else CouchbaseAnalyticsEncryptionSettings()
        self._username = username
        self._password = password

    def link_type(self) -> AnalyticsLinkType:
        return AnalyticsLinkType.CouchbaseRemote

    def validate(self) -> None:
        self._require("Dataverse", self._dataverse)
        self._require("Link name", self._link_name)
        self._require("Hostname", self._hostname)
        if not isinstance(self._encryption, CouchbaseAnalyticsEncryptionSettings):
            raise InvalidArgumentException(
                message="encryption must be a CouchbaseAnalyticsEncryptionSettings for couchbase "
                        "analytics links.")
        enc = self._encryption
        if enc.encryption_level in (AnalyticsEncryptionLevel.NONE, AnalyticsEncryptionLevel.HALF):
            if _empty(self._username) or _empty(self._password):
                raise InvalidArgumentException(
                    message="When encryption level is half or none, username and password must be set "
                            "for couchbase analytics links.")
        else:
            if _empty(enc.certificate):
                raise InvalidArgumentException(
                    message="When encryption level is full a certificate must be set for couchbase "
                            "analytics links.")
            if _empty(enc.client_certificate) or _empty(enc.client_key):
                raise InvalidArgumentException(
                    message="When encryption level is full the client certificate and key must be set "
                            "for couchbase analytics links.")

    def _fields(self) -> Dict[str, Any]:
        enc = self._encryption
        return {"hostname": self._hostname, "encryption": enc.encryption_level.value,
                "username": self._username, "password": self._password,
                "certificate": _text(enc.certificate), "clientCertificate": _text(enc.client_certificate),
                "clientKey": _text(enc.client_key)}

    def as_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"link_name": self._link_name, "dataverse": self._dataverse,
                               "hostname": self._hostname,
                               "link_type": AnalyticsLinkType.CouchbaseRemote.value}
        if self._username:
            out["username"] = self._username
        if self._password:
            out["password"] = self._password
        if self._encryption:
            out["encryption"] = self._encryption.as_dict()
        return out


class S3ExternalAnalyticsLink(AnalyticsLink):
    """A link to Amazon S3: ``access_key_id``, ``secret_access_key`` and ``region`` are required."""

    _kind = "S3 external"

    def __init__(self, dataverse: str, link_name: str, access_key_id: str, region: str,
                 secret_access_key: Optional[str] = None, session_token: Optional[str] = None,
                 service_endpoint: Optional[str] = None) -> None:
        self._dataverse = dataverse
        self._link_name = link_name
        self._access_key_id = access_key_id
        self._region = region
        self._secret_access_key = secret_access_key
        self._session_token = session_token
        self._service_endpoint = service_endpoint

    def link_type(self) -> AnalyticsLinkType:
        return AnalyticsLinkType.S3External

    def validate(self) -> None:
        self._require("Dataverse", self._dataverse)
        self._require("Link name", self._link_name)
        self._require("Access key id", self._access_key_id)
        self._require("Secret access key", self._secret_access_key)
        self._require("Region", self._region)

    def _fields(self) -> Dict[str, Any]:
        return {"accessKeyId": self._access_key_id, "secretAccessKey": self._secret_access_key,
                "region": self._region, "sessionToken": self._session_token,
                "serviceEndpoint": self._service_endpoint}

    def as_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"link_name": self._link_name, "dataverse": self._dataverse,
                               "access_key_id": self._access_key_id,
                               "secret_access_key": self._secret_access_key, "region": self._region,
                               "link_type": AnalyticsLinkType.S3External.value}
        if self._session_token:
            out["session_token"] = self._session_token
        if self._service_endpoint:
            out["service_endpoint"] = self._service_endpoint
        return out


class AzureBlobExternalAnalyticsLink(AnalyticsLink):
    """A link to Azure Blob storage: a ``connection_string``, or ``account_name`` with
    ``account_key`` or ``shared_access_signature``."""

    _kind = "Azure blob external"

    def __init__(self, dataverse: str, link_name: str, connection_string: Optional[str] = None,
                 account_name: Optional[str] = None, account_key: Optional[str] = None,
                 shared_access_signature: Optional[str] = None, blob_endpoint: Optional[str] = None,
                 endpoint_suffix: Optional[str] = None) -> None:
        self._dataverse = dataverse
        self._link_name = link_name
        self._connection_string = connection_string
        self._account_name = account_name
        self._account_key = account_key
        self._shared_access_signature = shared_access_signature
        self._blob_endpoint = blob_endpoint
        self._endpoint_suffix = endpoint_suffix

    def link_type(self) -> AnalyticsLinkType:
        return AnalyticsLinkType.AzureBlobExternal

    def validate(self) -> None:
        self._require("Dataverse", self._dataverse)
        self._require("Link name", self._link_name)
        if _empty(self._connection_string):
            secret = not _empty(self._account_key) or not _empty(self._shared_access_signature)
            if _empty(self._account_name) or not secret:
                raise InvalidArgumentException(
                    message="A connection string, or an account name with an account key or a shared "
                            "access signature, must be set for Azure blob external analytics links.")

    def _fields(self) -> Dict[str, Any]:
        return {"connectionString": self._connection_string, "accountName": self._account_name,
                "accountKey": self._account_key, "sharedAccessSignature": self._shared_access_signature,
                "blobEndpoint": self._blob_endpoint, "endpointSuffix": self._endpoint_suffix}

    def as_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"link_name": self._link_name, "dataverse": self._dataverse,
                               "link_type": AnalyticsLinkType.AzureBlobExternal.value}
        for key in ("connection_string", "account_name", "account_key", "shared_access_signature",
                    "blob_endpoint", "endpoint_suffix"):
            value = getattr(self, "_" + key)
            if value:
                out[key] = value
        return out


def link_from_server(raw: Dict[str, Any]) -> Optional[AnalyticsLink]:
    """One entry of the server's link listing as a link object (None for a kind this SDK does
    not know). The dataverse is ``scope`` (7.0+) or ``dataverse`` (6.6)."""
    dataverse = raw.get("scope") or raw.get("dataverse") or ""
    name = raw.get("name") or ""
    kind = raw.get("type")
    if kind == AnalyticsLinkType.CouchbaseRemote.value:
        host = raw.get("activeHostname") or raw.get("hostname") or ""
        return CouchbaseRemoteAnalyticsLink(dataverse, name, host,
                                            CouchbaseAnalyticsEncryptionSettings.from_server_json(raw),
                                            username=raw.get("username"))
    if kind == AnalyticsLinkType.S3External.value:
        return S3ExternalAnalyticsLink(dataverse, name, raw.get("accessKeyId") or "", raw.get("region") or "",
                                       service_endpoint=raw.get("serviceEndpoint"))
    if kind == AnalyticsLinkType.AzureBlobExternal.value:
        return AzureBlobExternalAnalyticsLink(dataverse, name, account_name=raw.get("accountName"),
                                              blob_endpoint=raw.get("blobEndpoint"),
                                              endpoint_suffix=raw.get("endpointSuffix"))
    return None
