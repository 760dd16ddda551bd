"""Connection-string handling: validation and adding the bucket or settings.

libcouchbase reads the string itself (hosts, ports with ``=mcd``/``=http``,
``couchbases://``, query-string settings); we only insert the bucket path and
our own settings, and never put credentials into it.
"""
from __future__ import annotations

from typing import Dict, Tuple
from urllib.parse import quote

from couchbase.exceptions import InvalidArgumentException

SCHEMES = ("couchbase://", "couchbases://", "http://")


def split(connstr: str) -> Tuple[str, str, str]:
    """(scheme+hosts, bucket path, query) of a connection string."""
    if not isinstance(connstr, str):
        raise InvalidArgumentException(message=f"connection string must be a str, got {type(connstr).__name__}")
    if not connstr.startswith(SCHEMES):
        raise InvalidArgumentException(
            message=f"connection string must start with one of {', '.join(SCHEMES)}: {connstr!r}"
        )
    scheme_end = connstr.index("://") + 3
    rest, _, query = connstr[scheme_end:].partition("?")
    hosts, _, path = rest.partition("/")
    if not hosts:
        raise InvalidArgumentException(message=f"connection string names no host: {connstr!r}")
    return connstr[:scheme_end] + hosts, path, query


def build(connstr: str, bucket: str = "", settings: Dict[str, str] = None) -> str:  # type: ignore[assignment]
    """The connection string with ``bucket`` as its path and ``settings`` appended."""
    base, _path, query = split(connstr)
    params = [p for p in query.split("&") if p]
    present = {p.split("=", 1)[0] for p in params}
    for key, value in (settings or {}).items():
        if key not in present:
            params.append(f"{key}={quote(str(value), safe='/:.,')}")
    out = base + "/" + quote(bucket, safe="") if bucket else base
    return out + ("?" + "&".join(params) if params else "")


def is_tls(connstr: str) -> bool:
    return connstr.startswith("couchbases://")
