"""Server side of SASL: PLAIN and SCRAM-SHA1/256/512 (RFC 5802, no channel binding)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Callable, Dict, Optional, Tuple

MECHANISMS = "SCRAM-SHA512 SCRAM-SHA256 SCRAM-SHA1 PLAIN"
_HASH = {"SCRAM-SHA512": "sha512", "SCRAM-SHA256": "sha256", "SCRAM-SHA1": "sha1"}
ITERATIONS = 4096


class SaslError(Exception):
    pass


def _unescape(name: str) -> str:
    return name.replace("=2C", ",").replace("=3D", "=")


class ScramServer:
    """One SCRAM exchange: ``start(client_first) -> server_first``,
    ``finish(client_final) -> (user, v=...)``."""

    def __init__(self, mech: str, lookup: Callable[[str], Optional[str]]) -> None:
        self.hash = _HASH[mech]
        self.lookup = lookup
        self.user = ""
        self.password: Optional[str] = None

    def start(self, client_first: str) -> str:
        if not client_first.startswith(("n,,", "y,,")):
            raise SaslError("channel binding is not supported")
        self.first_bare = client_first[3:]
        attrs = dict(p.split("=", 1) for p in self.first_bare.split(",") if "=" in p)
        self.user = _unescape(attrs.get("n", ""))
        cnonce = attrs.get("r", "")
        if not cnonce:
            raise SaslError("no client nonce")
        self.nonce = cnonce + base64.b64encode(os.urandom(18)).decode()
        self.password = self.lookup(self.user)
        self.salt = hashlib.sha256(("mock-salt:" + self.user).encode()).digest()[:16]
        self.server_first = f"r={self.nonce},s={base64.b64encode(self.salt).decode()},i={ITERATIONS}"
        return self.server_first

    def finish(self, client_final: str) -> Tuple[str, str]:
        without_proof, _, proof_part = client_final.rpartition(",p=")
        attrs = dict(p.split("=", 1) for p in without_proof.split(",") if "=" in p)
        if attrs.get("r") != self.nonce or self.password is None:
            raise SaslError("authentication failed")
        salted = hashlib.pbkdf2_hmac(self.hash, self.password.encode(), self.salt, ITERATIONS)
        client_key = hmac.new(salted, b"Client Key", self.hash).digest()
        stored = hashlib.new(self.hash, client_key).digest()
        auth_msg = f"{self.first_bare},{self.server_first},{without_proof}".encode()
        signature = hmac.new(stored, auth_msg, self.hash).digest()
        try:
            proof = base64.b64decode(proof_part)
        except ValueError:
            raise SaslError("bad proof") from None
        if not hmac.compare_digest(bytes(a ^ b for a, b in zip(client_key, signature)), proof):
            raise SaslError("authentication failed")
        server_key = hmac.new(salted, b"Server Key", self.hash).digest()
        return self.user, "v=" + base64.b64encode(hmac.new(server_key, auth_msg, self.hash).digest()).decode()


def check_plain(data: bytes, check: Callable[[str, str], bool]) -> Optional[str]:
    """The user name if ``\\0user\\0password`` is right, else None."""
    parts = data.split(b"\x00")
    if len(parts) != 3:
        return None
    user, password = parts[1].decode("utf-8", "replace"), parts[2].decode("utf-8", "replace")
    return user if check(user, password) else None


def new_scram(mech: str, lookup: Callable[[str], Optional[str]]) -> Optional[ScramServer]:
    return ScramServer(mech, lookup) if mech in _HASH else None


__all__ = ["MECHANISMS", "ScramServer", "SaslError", "check_plain", "new_scram", "Dict"]
