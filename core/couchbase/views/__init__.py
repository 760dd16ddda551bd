"""Views: options → query string, the blocking result, design documents.

``bucket.view_query("ddoc", "view", ViewOptions(limit=10, descending=True))``
streams :class:`~couchbase._services.ViewRow` objects; ``include_docs=True``
makes libcouchbase fetch every row's document in one pipelined batch.
"""
from __future__ import annotations

import enum
import json
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import quote

from couchbase import options as _o
from couchbase._services import ViewRow
from couchbase._streaming import BlockingRows
from couchbase.exceptions import InvalidArgumentException

__all__ = ["ViewOptions", "ViewResult", "ViewRow", "ViewScanConsistency", "DesignDocumentNamespace",
           "DesignDocument", "View", "build_query"]

ViewOptions = _o.ViewOptions

VIEW_OPTIONS = frozenset({
    "key", "keys", "startkey", "endkey", "start_key", "end_key", "startkey_docid", "endkey_docid",
    "mapkey_range", "descending", "inclusive_end", "limit", "skip", "reduce", "group", "group_level", "stale",
    "scan_consistency",
    "include_docs", "namespace", "timeout", "raw", "on_error", "full_set", "debug", "order", "serializer",
    "startkey_doc_id", "endkey_doc_id", "key_id", "client_context_id", "design_document_namespace",
})
_JSON_PARAMS = ("key", "startkey", "endkey")
_BOOL_PARAMS = ("descending", "inclusive_end", "reduce", "group", "full_set", "debug")


class ViewScanConsistency(enum.Enum):
    NOT_BOUNDED = "ok"
    REQUEST_PLUS = "false"
    UPDATE_AFTER = "update_after"


class ViewOrdering(enum.Enum):
    """``ViewOptions(order=ViewOrdering.DESCENDING)`` (the ``descending`` parameter)."""

    DESCENDING = "true"
    ASCENDING = "false"


class ViewErrorMode(enum.Enum):
    """``ViewOptions(on_error=ViewErrorMode.STOP)``."""

    CONTINUE = "continue"
    STOP = "stop"


class DesignDocumentNamespace(enum.Enum):
    PRODUCTION = False
    DEVELOPMENT = True

    def prefix(self, name: str) -> str:
        if self is DesignDocumentNamespace.DEVELOPMENT and not name.startswith("dev_"):
            return "dev_" + name
        return name


def _bool(v: Any) -> str:
    return "true" if v else "false"


def build_query(args: Tuple[Any, ...], kwargs: Mapping[str, Any]) -> Tuple[str, bytes, Dict[str, Any]]:
    """(query string, POST body, merged options). A plain str argument is a raw query string."""
    raw_strings = [a for a in args if isinstance(a, str)]
    blocks = tuple(a for a in args if not isinstance(a, str))
    opts = _o.merge("view_query", VIEW_OPTIONS, blocks, kwargs)
    params: List[str] = list(raw_strings)
    if "start_key" in opts:
        opts["startkey"] = opts.pop("start_key")
    if "end_key" in opts:
        opts["endkey"] = opts.pop("end_key")
    if "mapkey_range" in opts:
        rng = opts.pop("mapkey_range")
        if not isinstance(rng, (list, tuple)) or len(rng) != 2:
            raise InvalidArgumentException(message="mapkey_range must be [startkey, endkey]")
        opts["startkey"], opts["endkey"] = rng
    for name in _JSON_PARAMS:
        if name in opts:
            try:
                params.append(f"{name}={quote(json.dumps(opts[name], separators=(',', ':')), safe='')}")
            except (TypeError, ValueError):
                raise InvalidArgumentException(
                    message=f"view option {name} must be JSON-serializable") from None
    for name in ("startkey_docid", "endkey_docid"):
        if name in opts:
            params.append(f"{name}={quote(str(opts[name]), safe='')}")
    for name in _BOOL_PARAMS:
        if name in opts:
            params.append(f"{name}={_bool(opts[name])}")
    for name in ("limit", "skip", "group_level"):
        if name in opts:
            value = opts[name]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidArgumentException(
                    message=f"view option {name} must be a non-negative int, got {value!r}")
            params.append(f"{name}={value}")
    stale = opts.get("stale", opts.get("scan_consistency"))
    if stale is not None:
        if isinstance(stale, ViewScanConsistency):
            stale = stale.value
        elif isinstance(stale, bool):
            stale = "ok" if stale else "false"
        if stale not in ("ok", "false", "update_after"):
            raise InvalidArgumentException(message=f"stale must be ok, false or update_after, got {stale!r}")
        params.append(f"stale={stale}")
    if "order" in opts:
        order = opts["order"]
        params.append(f"descending={getattr(order, 'value', _bool(order == 'descending'))}")
    if "on_error" in opts:
        mode = getattr(opts["on_error"], "value", opts["on_error"])
        if mode not in ("continue", "stop"):
            raise InvalidArgumentException(
                message=f"on_error must be a ViewErrorMode, got {opts['on_error']!r}")
        params.append(f"on_error={mode}")
    for name, value in (opts.get("raw") or {}).items():
        params.append(f"{quote(str(name), safe='')}={quote(str(value), safe='')}")
    post = b""
    if "keys" in opts:
        keys = opts["keys"]
        if not isinstance(keys, (list, tuple)):
            raise InvalidArgumentException(message="view option keys must be a list")
        post = json.dumps({"keys": list(keys)}, separators=(",", ":")).encode()
    return "&".join(params), post, opts


class _RowCount(int):
    """The index's row count: an int that can also be called, so both ``total_rows()``
    (SDK 4.x, a method) and ``total_rows`` (this SDK's earlier attribute) read it."""

    def __call__(self) -> int:
        return int(self)


class _DebugInfo(dict):
    """The ``debug_info`` trailer: a dict, also callable as SDK 4.x's ``debug_info()``."""

    def __call__(self) -> Dict[str, Any]:
        return dict(self)


class ViewMetaData:
    """``total_rows()`` and ``debug_info()`` (SDK 4.x methods) of a view response's trailer.

    For this SDK's earlier spelling, ``total_rows`` and ``debug_info`` also read as values:
    ``meta.total_rows == meta.total_rows()``.
    """

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = dict(raw)
        total = raw.get("total_rows")
        self.total_rows: Any = _RowCount(total) if isinstance(total, int) else _none_callable
        debug = raw.get("debug_info")
        self.debug_info: Any = _DebugInfo(debug) if isinstance(debug, dict) else _none_callable

    def raw(self) -> Dict[str, Any]:
        return dict(self._raw)

    def __repr__(self) -> str:
        return f"ViewMetaData(total_rows={self.total_rows})"


def _none_callable() -> None:
    return None


class ViewResult(BlockingRows):
    """View rows as they arrive; ``metadata()``/``total_rows`` once they are read."""

    def metadata(self) -> ViewMetaData:
        return ViewMetaData(self._finish())

    @property
    def total_rows(self) -> Optional[int]:
        return self.metadata().total_rows()

    @property
    def indexed_rows(self) -> Optional[int]:
        return self.total_rows


class View:
    """A view definition: map (and optional reduce) JavaScript."""

    def __init__(self, map: str, reduce: Optional[str] = None) -> None:  # noqa: A002
        if not isinstance(map, str) or not map.strip():
            raise InvalidArgumentException(message="a view needs a map function (str)")
        self.map = map
        self.reduce = reduce

    def as_json(self) -> Dict[str, str]:
        out = {"map": self.map}
        if self.reduce:
            out["reduce"] = self.reduce
        return out


class DesignDocument:
    """A design document: a name and its views."""

    def __init__(self, name: str, views: Mapping[str, Any]) -> None:
        if not isinstance(name, str) or not name:
            raise InvalidArgumentException(message="design document name must be a non-empty str")
        self.name = name[len("_design/"):] if name.startswith("_design/") else name
        self.views: Dict[str, View] = {
            k: v if isinstance(v, View) else View(v["map"], v.get("reduce")) for k, v in views.items()
        }

    def as_json(self) -> Dict[str, Any]:
        return {"views": {k: v.as_json() for k, v in self.views.items()}}

    @classmethod
    def from_json(cls, name: str, body: Mapping[str, Any]) -> "DesignDocument":
        return cls(name, body.get("views", {}))

    def __repr__(self) -> str:
        return f"DesignDocument(name={self.name!r}, views={list(self.views)})"
