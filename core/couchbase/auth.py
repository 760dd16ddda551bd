"""Authenticators. Passwords are kept out of every repr and str."""
from __future__ import annotations

import enum

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
