"""Authenticators. Passwords are kept out of every repr and str."""
from __future__ import annotations

from couchbase.exceptions import InvalidArgumentException


class Authenticator:
    """Base class for credentials given to a Cluster."""

    username: str
    _password: str

    def credentials(self) -> "tuple[str, str]":
        return self.username, self._password


class PasswordAuthenticator(Authenticator):
    """RBAC user name and password.

    :param username: the user (str).
    :param password: the password (str); never shown by ``repr``.
    :param cert_path: CA certificate file for ``couchbases://`` verification.
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
