"""Query-service errors with the Couchbase server's codes and HTTP statuses.

:class:`QueryError` carries what goes into the response's ``errors`` list
(``code``, ``msg`` and optionally ``reason``) plus the HTTP status the server
answers with when the error happens before any result was sent.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

# N1QL codes used by the mock (server numbering).
READONLY = 1000
BAD_VALUE = 1050
MISSING_VALUE = 1065  # E_SERVICE_... "unrecognized/missing parameter" family
TIMEOUT = 1080
PARSE_SYNTAX = 3000
AMBIGUOUS_REFERENCE = 3080
DUPLICATE_VARIABLE = 3081
NO_INDEX = 4000
NO_TERM_NAME = 4010
DUPLICATE_ALIAS = 4020
SUBQUERY_MISSING_INDEX = 4035
NO_ANSI_JOIN = 4330
NO_SUCH_PREPARED = 4040
INTERNAL = 5000
KEYSPACE_NOT_FOUND = 12003
DML_FAILURE = 12009
INDEX_EXISTS = 4300
INDEX_NOT_FOUND = 12016
SCOPE_NOT_FOUND = 12021
INSUFFICIENT_CREDENTIALS = 13014
DUPLICATE_KEY = 17012
KEY_NOT_FOUND = 17014


class QueryError(Exception):
    """One server error: ``code``, ``msg``, HTTP ``status`` and an optional ``reason`` object."""

    def __init__(self, code: int, msg: str, status: int = 500,
                 reason: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status
        self.reason = reason

    def as_json(self) -> Dict[str, Any]:
        """The entry of the response's ``errors`` list."""
        out: Dict[str, Any] = {"code": self.code, "msg": self.msg}
        if self.reason is not None:
            out["reason"] = self.reason
        return out

    def __repr__(self) -> str:
        return f"QueryError({self.code}, {self.msg!r})"


def syntax_error(near: str) -> QueryError:
    """The parser's error, as the server words it."""
    return QueryError(PARSE_SYNTAX, f"syntax error - at {near}", 400)
