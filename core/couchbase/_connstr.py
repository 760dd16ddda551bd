"""Connection-string handling: validation and adding the bucket or settings.

libcouchbase reads the string itself (hosts, ports with ``=mcd``/``=http``,
``couchbases://``, query-string settings); we only insert the bucket path and
our own settings, and never put credentials into it.

Credentials a caller wrote into the string are taken out before anything
keeps or echoes it (:func:`take_credentials`): libcouchbase logs the string
it is given, and reprs and error messages quote it. :func:`redact` masks them
in the messages about a string too malformed to get that far.
"""
from __future__ import annotations

import re
from typing import Dict, Tuple
from urllib.parse import quote, unquote

from couchbase.exceptions import InvalidArgumentException

SCHEMES = ("couchbase://", "couchbases://", "http://")


def split(connstr: str) -> Tuple[str, str, str]:
    """(scheme+hosts, bucket path, query) of a connection string."""
    if not isinstance(connstr, str):
        raise InvalidArgumentException(
            message=f"connection string must be a str, got {type(connstr).__name__}"
        )
    if not connstr.startswith(SCHEMES):
        raise InvalidArgumentException(
            message=f"connection string must start with one of {', '.join(SCHEMES)}: {redact(connstr)!r}"
        )
    scheme_end = connstr.index("://") + 3
    rest, _, query = connstr[scheme_end:].partition("?")
    hosts, _, path = rest.partition("/")
    if not hosts:
        raise InvalidArgumentException(message=f"connection string names no host: {redact(connstr)!r}")
    return connstr[:scheme_end] + hosts, path, query


# query-string settings libcouchbase reads as credentials -> what they set
_CREDENTIAL_SETTINGS = {"username": "username", "user": "username", "password": "password",
                        "pass": "password"}
_SECRET_SETTING = re.compile(r"(?i)([?&](?:[^=&]*pass[^=&]*|[^=&]*secret[^=&]*)=)[^&]*")


def redact(connstr: str) -> str:
    """``connstr`` for messages: user-info (``user:pw@``) and password settings masked."""
    start = connstr.find("://") + 3 if "://" in connstr else 0
    at = connstr.rfind("@", start, connstr.find("?") if "?" in connstr else len(connstr))
    if at >= 0:
        connstr = connstr[:start] + "***" + connstr[at:]
    return _SECRET_SETTING.sub(r"\1***", connstr)


def take_credentials(connstr: str) -> Tuple[str, Dict[str, str]]:
    """``(connstr without credentials, {"username"/"password": value})``: the
    ``username``/``user``/``password``/``pass`` settings are taken out of the query
    string (values percent-decoded, as libcouchbase reads them). User-info before the
    hosts (``couchbase://user:pw@host``), which libcouchbase would read as part of a
    host name, is refused."""
    base, path, query = split(connstr)
    if "@" in base or "@" in path:
        raise InvalidArgumentException(
            message=f"connection strings cannot carry credentials before the hosts: {redact(connstr)!r}; "
                    f"pass them as ClusterOptions(PasswordAuthenticator(username, password))")
    if not query:
        return connstr, {}
    found: Dict[str, str] = {}
    kept = []
    for param in query.split("&"):
        name, _, value = param.partition("=")
        what = _CREDENTIAL_SETTINGS.get(name)
        if what is None:
            kept.append(param)
        else:
            found[what] = unquote(value)
    if not found:
        return connstr, {}
    out = base + ("/" + path if path else "")
    return out + ("?" + "&".join(kept) if kept else ""), found


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
