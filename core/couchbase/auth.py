"""Authenticators. Passwords are kept out of every repr and str."""
from __future__ import annotations

import enum
import os

from couchbase.exceptions import InvalidArgumentException


class Authenticator:
    """Base class for credentials given to a Cluster."""

    username: str
    _password: str

    def credentials(self) -> "tuple[str, str]":
        """The user name and password to connect with.

        Returns:
            tuple: ``(username, password)``.

        Never raises.
        """
        return self.username, self._password


class PasswordAuthenticator(Authenticator):
    """RBAC user name and password.

    Args:
        username: The user.
        password: The password; never shown by ``repr``.
        cert_path: A CA certificate file for ``couchbases://`` verification.

    Raises:
        InvalidArgumentException: ``username`` or ``password`` not a str.
    """

    def __init__(self, username: str, password: str, cert_path: "str | None" = None) -> None:
        if not isinstance(username, str) or not isinstance(password, str):
            raise InvalidArgumentException(message="PasswordAuthenticator needs str username and password")
        self.username = username
        self._password = password
        self.cert_path = cert_path

    def __repr__(self) -> str:
        return f"PasswordAuthenticator(username={self.username!r}, password='***')"

    __str__ = __repr__


class CertificateAuthenticator(Authenticator):
    """Authentication by an X.509 client certificate (mutual TLS) instead of a password.

    Needs a ``couchbases://`` connection string. libcouchbase presents the certificate in every TLS
    handshake (KV and HTTP) and skips SASL and HTTP Basic auth; the server maps the certificate to a
    user by its client-certificate settings (``/settings/clientCertAuth``) and that user's roles apply.

    Args:
        cert_path: Path of the client certificate (PEM; may hold the chain).
        key_path: Path of the certificate's private key (PEM, unencrypted).
        trust_store_path: Path of the CA certificates the server's certificate is verified against
            (PEM). Without it the ``cert_path`` cluster option, else the system's trust store, is used.

    Raises:
        InvalidArgumentException: ``cert_path`` or ``key_path`` not a str, or ``trust_store_path``
            neither None nor a str.
    """

    def __init__(self, cert_path: "str | None" = None, key_path: "str | None" = None,
                 trust_store_path: "str | None" = None) -> None:
        if not isinstance(cert_path, str):
            raise InvalidArgumentException(
                message="The cert_path must be a str representing the path to the client certificate.")
        if not isinstance(key_path, str):
            raise InvalidArgumentException(
                message="The key_path must be a str representing the path to the client key.")
        if trust_store_path is not None and not isinstance(trust_store_path, str):
            raise InvalidArgumentException(
                message="The trust_store_path must be a str representing the path to the certificate "
                        "trust store.")
        self.username = ""
        self._password = ""
        self._cert_path = cert_path
        self._key_path = key_path
        self._trust_store_path = trust_store_path

    @property
    def cert_path(self) -> str:
        """The client certificate's path."""
        return self._cert_path

    @property
    def key_path(self) -> str:
        """The client key's path."""
        return self._key_path

    @property
    def trust_store_path(self) -> "str | None":
        """The trust store's path, or None."""
        return self._trust_store_path

    def valid_keys(self) -> "list[str]":
        """The option names this authenticator is made of (as in SDK 4.x).

        Returns:
            list: ``['cert_path', 'key_path', 'trust_store_path']``.

        Never raises.
        """
        return ["cert_path", "key_path", "trust_store_path"]

    def as_dict(self) -> "dict[str, str]":
        """The paths given, by option name (``trust_store_path`` only when given), as in SDK 4.x.

        Returns:
            dict: ``cert_path``, ``key_path`` and maybe ``trust_store_path``.

        Never raises.
        """
        out = {"cert_path": self._cert_path, "key_path": self._key_path}
        if self._trust_store_path is not None:
            out["trust_store_path"] = self._trust_store_path
        return out

    def connstr_settings(self) -> "dict[str, str]":
        """The libcouchbase connection-string settings that make it authenticate by this certificate.

        Returns:
            dict: ``certpath``, ``keypath`` and, when given, ``truststorepath``.

        Raises:
            InvalidArgumentException: The certificate or key file cannot be read.
        """
        for name, path in (("cert_path", self._cert_path), ("key_path", self._key_path),
                           ("trust_store_path", self._trust_store_path)):
            if path is not None and not os.access(path, os.R_OK):
                raise InvalidArgumentException(message=f"CertificateAuthenticator {name} {path!r} is not a "
                                                       "readable file")
        out = {"certpath": self._cert_path, "keypath": self._key_path}
        if self._trust_store_path is not None:
            out["truststorepath"] = self._trust_store_path
        return out

    def __repr__(self) -> str:
        return (f"CertificateAuthenticator(cert_path={self._cert_path!r}, key_path={self._key_path!r}, "
                f"trust_store_path={self._trust_store_path!r})")

    __str__ = __repr__


class AuthDomain(enum.IntEnum):
    """Where a user is managed: ``Local`` (by Couchbase Server) or ``External`` (e.g. LDAP)."""

    Local = 0
    External = 1

    @classmethod
    def to_str(cls, value: "AuthDomain") -> str:
        return "external" if value == cls.External else "local"

    @classmethod
    def from_str(cls, value: str) -> "AuthDomain":
        return cls.External if value == "external" else cls.Local
