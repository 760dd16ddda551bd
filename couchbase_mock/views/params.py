"""View query parameters: parsed and checked as the server does.

Parameters come from the (percent-decoded) query string, JSON-valued ones
JSON-decoded; a POST body may carry ``{"keys": [...]}`` (lcb) or ``{}``
(couchbase-cxx-client). Errors raise :class:`ParamError` with the HTTP status
and the ``{"error", "reason"}`` the server answers.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional

__all__ = ["ParamError", "ViewParams", "parse_params"]

_MISSING = object()


class ParamError(ValueError):
    """A bad query: ``status`` plus the server's ``error`` and ``reason``."""

    def __init__(self, reason: str, error: str = "query_parse_error", status: int = 400) -> None:
        super().__init__(reason)
        self.status = status
        self.error = error
        self.reason = reason

    def body(self) -> Dict[str, str]:
        return {"error": self.error, "reason": self.reason}


class ViewParams:
    """The checked parameters of one view query (see the attributes' defaults)."""

    def __init__(self) -> None:
        self.key: Any = _MISSING
        self.keys: Optional[List[Any]] = None
        self.startkey: Any = _MISSING
        self.endkey: Any = _MISSING
        self.startkey_docid: Optional[str] = None
        self.endkey_docid: Optional[str] = None
        self.descending = False
        self.inclusive_end = True
        self.limit: Optional[int] = None
        self.skip = 0
        self.reduce: Optional[bool] = None
        self.group = False
        self.group_level: Optional[int] = None
        self.stale = "update_after"
        self.full_set = False
        self.on_error = "continue"

    @property
    def has_key(self) -> bool:
        return self.key is not _MISSING

    @property
    def has_startkey(self) -> bool:
        return self.startkey is not _MISSING

    @property
    def has_endkey(self) -> bool:
        return self.endkey is not _MISSING


def _json(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParamError(f"invalid UTF-8 JSON: {{{{error,{{1,\"{exc.msg}\"}}}}, {json.dumps(text)}}} "
                         f"(parameter {name})", "bad_request") from None


def _bool(name: str, text: str) -> bool:
    if text == "true":
        return True
    if text == "false":
        return False
    raise ParamError(f"Invalid value for boolean parameter `{name}`: {json.dumps(text)}")


def _int(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0 or not text.strip().isdigit():
        raise ParamError(f"Invalid value for non-negative integer parameter `{name}`: {json.dumps(text)}")
    return value


def _choice(name: str, text: str, allowed: List[str]) -> str:
    if text not in allowed:
        raise ParamError(f"Invalid value for parameter `{name}`: {json.dumps(text)}; expected one of "
                         + ", ".join(allowed))
    return text


def parse_params(query: Mapping[str, List[str]], body: Any = None) -> ViewParams:
    """Parse a query (``{name: [values]}``, the last value wins) and an optional POST body.

    Unknown parameters are ignored, as the server ignores them.
    """
    p = ViewParams()
    for name, values in query.items():
        if not values:
            continue
        text = values[-1]
        if name == "key":
            p.key = _json(name, text)
        elif name == "keys":
            p.keys = _keys(_json(name, text))
        elif name in ("startkey", "start_key"):
            p.startkey = _json(name, text)
        elif name in ("endkey", "end_key"):
            p.endkey = _json(name, text)
        elif name in ("startkey_docid", "start_key_doc_id"):
            p.startkey_docid = text
        elif name in ("endkey_docid", "end_key_doc_id"):
            p.endkey_docid = text
        elif name in ("descending", "inclusive_end", "reduce", "group", "full_set", "debug"):
            value = _bool(name, text)
            if name != "debug":
                setattr(p, name, value)
        elif name in ("limit", "skip", "group_level"):
            setattr(p, name, _int(name, text))
        elif name == "stale":
            p.stale = _choice(name, text, ["false", "ok", "update_after"])
        elif name == "on_error":
            p.on_error = _choice(name, text, ["continue", "stop"])
    if body is not None:
        if not isinstance(body, dict):
            raise ParamError("the POST body must be a JSON object", "bad_request")
        if "keys" in body:
            p.keys = _keys(body["keys"])
    if p.keys is not None and p.has_key:
        raise ParamError("`keys` is incompatible with `key`")
    if p.keys is not None and (p.has_startkey or p.has_endkey):
        raise ParamError("`keys` is incompatible with `startkey`/`endkey`")
    return p


def _keys(value: Any) -> List[Any]:
    if not isinstance(value, list):
        raise ParamError("`keys` must be a JSON array")
    return value
