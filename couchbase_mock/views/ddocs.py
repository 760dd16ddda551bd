"""Design documents of one bucket: validation, revisions, the mgmt listing.

A design document is ``{"views": {"<view>": {"map": "<js>", "reduce": "<js or _builtin>"}}}``
(other top-level fields are kept as given). Names starting with ``dev_`` are
development documents; publishing is a client-side copy to the production name.
"""
from __future__ import annotations

import json
import zlib
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import quote

__all__ = ["DesignDocError", "DesignDocs", "ddocs_listing"]


class DesignDocError(ValueError):
    """A design document body the server would refuse (HTTP 400 ``invalid_design_document``)."""


def validate(body: Any, check_function: Optional[Callable[[str], Any]] = None) -> Dict[str, Any]:
    """The body as a dict, or DesignDocError. ``check_function`` compiles JavaScript sources."""
    if not isinstance(body, dict):
        raise DesignDocError("Content is not json object.")
    views = body.get("views", {})
    if not isinstance(views, dict):
        raise DesignDocError("`views` is not an object")
    for name, view in views.items():
        if not isinstance(view, dict):
            raise DesignDocError(f"View `{name}` is not an object")
        source = view.get("map")
        if not isinstance(source, str) or not source.strip():
            raise DesignDocError(f"View `{name}` has no map function")
        reduce = view.get("reduce")
        if reduce is not None and not isinstance(reduce, str):
            raise DesignDocError(f"Reduce function of view `{name}` is not a string")
        if check_function is not None:
            _check(check_function, source, f"map function of view `{name}`")
            if reduce and not reduce.strip().startswith("_"):
                _check(check_function, reduce, f"reduce function of view `{name}`")
            elif reduce and reduce.strip() not in ("_count", "_sum", "_stats"):
                raise DesignDocError(f"Invalid built-in reduce function of view `{name}`: {reduce.strip()}")
    return body


def _check(compile_js: Callable[[str], None], source: str, what: str) -> None:
    try:
        compile_js(source)
    except ValueError as exc:
        raise DesignDocError(f"Syntax error in {what}: {exc}") from None


class DesignDocs:
    """The design documents of one bucket, by name (without ``_design/``)."""

    def __init__(self) -> None:
        self._docs: Dict[str, Tuple[Dict[str, Any], str]] = {}
        self._generation: Dict[str, int] = {}

    def put(self, name: str, body: Dict[str, Any]) -> str:
        """Create or replace; returns the new revision ``"<n>-<hash>"``."""
        gen = self._generation.get(name, 0) + 1
        self._generation[name] = gen
        text = json.dumps(body, sort_keys=True).encode()
        rev = "%d-%08x" % (gen, zlib.crc32(text))
        self._docs[name] = (body, rev)
        return rev

    def get(self, name: str) -> Optional[Dict[str, Any]]:
        entry = self._docs.get(name)
        return entry[0] if entry else None

    def rev(self, name: str) -> Optional[str]:
        entry = self._docs.get(name)
        return entry[1] if entry else None

    def delete(self, name: str) -> bool:
        """True if it existed."""
        return self._docs.pop(name, None) is not None

    def items(self) -> List[Tuple[str, Dict[str, Any], str]]:
        """``(name, body, rev)`` sorted by name."""
        return [(n, b, r) for n, (b, r) in sorted(self._docs.items())]

    def view(self, ddoc: str, view: str) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
        """``(design document, view definition)``; either is None when missing."""
        body = self.get(ddoc)
        if body is None:
            return None, None
        definition = body.get("views", {}).get(view)
        return body, definition if isinstance(definition, dict) else None

    def map_sources(self) -> List[str]:
        """Every map function in use (indexes of others can be dropped)."""
        return [v["map"] for b, _r in self._docs.values() for v in b.get("views", {}).values()]


def ddocs_listing(bucket: str, docs: DesignDocs) -> Dict[str, Any]:
    """The body of mgmt ``GET /pools/default/buckets/<bucket>/ddocs``."""
    base = "/pools/default/buckets/%s/ddocs/" % quote(bucket, safe="")
    rows = []
    for name, body, rev in docs.items():
        doc_id = "_design/" + name
        escaped = quote(doc_id, safe="")
        rows.append({
            "doc": {"meta": {"id": doc_id, "rev": rev}, "json": body},
            "controllers": {
                "compact": base + escaped + "/controller/compactView",
                "setUpdateMinChanges": base + escaped + "/controller/setUpdateMinChanges",
            },
        })
    return {"rows": rows}
