"""Search index definitions: lenient parsing of the server's JSON shape.

The mock understands the parts of a definition that decide *what* is indexed:

* ``sourceName``: the bucket (documents of its default collection).
* ``params.mapping.default_mapping``: ``enabled`` (default true) and, when
  ``dynamic`` is false, the explicitly mapped ``properties`` (nested) and
  their ``fields`` -- only those field paths are indexed.
* ``params.mapping.types`` with ``params.doc_config.type_field`` (default
  ``type``): a document whose type field names an enabled type mapping is
  indexed with that mapping; others fall back to the default mapping.

* ``params.doc_config.mode`` ``scope.collection.type_field`` (or ``scope.collection``): a
  collection-aware index. Type mappings are named ``scope.collection`` (every document of
  that collection) or ``scope.collection.<type>``; only the collections they name are
  indexed, and every hit carries the field ``_$c`` (its collection), as the server's.

* field mappings of type ``vector``/``vector_base64`` (Server 7.6+): validated as the server
  does (``dims``, ``similarity``, ``vector_index_optimized_for``) and indexed for ``knn``
  queries (see :mod:`couchbase_mock.search.vectors`).

Everything else (analyzers, store options, plan parameters) is kept and
echoed back but does not change behaviour: every string is analyzed with the
standard analyzer, every number is indexed, every field is stored.
"""
from __future__ import annotations

import copy
import uuid
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from .vectors import VectorField, Version, parse_vector_field

__all__ = ["DefinitionError", "TypeMapping", "IndexDefinition"]


class DefinitionError(ValueError):
    """The index definition is unusable (the message says why)."""


class TypeMapping:
    """Which field paths a document mapping indexes (``None`` = every field)."""

    __slots__ = ("enabled", "fields")

    def __init__(self, enabled: bool = True, fields: Optional[Set[str]] = None) -> None:
        self.enabled = enabled
        self.fields = fields

    def wants(self, path: str) -> bool:
        """Whether the field at dotted ``path`` is indexed."""
        if self.fields is None or path in self.fields:
            return True
        # A field mapped as a dynamic sub-object covers its whole subtree.
        return any(path.startswith(f + ".") for f in self.fields)

    @classmethod
    def parse(cls, raw: Any, where: str) -> "TypeMapping":
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise DefinitionError(f"{where} must be an object")
        enabled = raw.get("enabled", True) is not False
        if raw.get("dynamic", True) is not False:
            return cls(enabled)
        fields: Set[str] = set()
        _collect(raw, "", fields, where)
        return cls(enabled, fields)


def _vector_fields(mapping: Any, prefix: str, out: Dict[str, VectorField], version: Version) -> None:
    """Every ``vector``/``vector_base64`` field of a document mapping (dynamic or not)."""
    if not isinstance(mapping, dict) or not isinstance(mapping.get("properties") or {}, dict):
        return
    for name, sub in (mapping.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        for field in sub.get("fields") or []:
            if isinstance(field, dict) and field.get("type") in ("vector", "vector_base64"):
                path = prefix + str(field.get("name") or name)
                try:
                    out[path] = parse_vector_field(path, field, version)
                except ValueError as exc:
                    raise DefinitionError(str(exc)) from None
        _vector_fields(sub, prefix + name + ".", out, version)


def _collect(mapping: Dict[str, Any], prefix: str, out: Set[str], where: str) -> None:
    props = mapping.get("properties") or {}
    if not isinstance(props, dict):
        raise DefinitionError(f"{where}.properties must be an object")
    for name, sub in props.items():
        if not isinstance(sub, dict):
            raise DefinitionError(f"{where}.properties.{name} must be an object")
        path = prefix + name
        for field in sub.get("fields") or []:
            if isinstance(field, dict) and field.get("index", True) is not False \
                    and field.get("type") not in ("vector", "vector_base64"):
                out.add(path if field.get("name", name) == name else prefix + str(field.get("name")))
        if sub.get("dynamic") is True:
            out.add(path)  # a dynamic sub-object: its whole subtree
        _collect(sub, path + ".", out, f"{where}.properties.{name}")


class IndexDefinition:
    """One search index: name, source bucket, mappings and the raw definition."""

    def __init__(self, name: str, source: str, default: TypeMapping, types: Dict[str, TypeMapping],
                 type_field: str, raw: Dict[str, Any]) -> None:
        self.name = name
        self.source = source
        self.default = default
        self.types = types
        self.type_field = type_field
        self.raw = raw
        self.uuid = uuid.uuid4().hex[:16]
        self.vector_fields: Dict[str, VectorField] = {}
        mode = ((raw.get("params") or {}).get("doc_config") or {}).get("mode", "")
        self.collection_mode = isinstance(mode, str) and mode.startswith("scope.collection")
        # the (scope, collection) pairs a collection-aware index reads
        self.collections: Set[Tuple[str, str]] = set()
        if self.collection_mode:
            for name in types:
                parts = name.split(".")
                if len(parts) >= 2:
                    self.collections.add((parts[0], parts[1]))

    @classmethod
    def parse(cls, name: str, body: Any, version: Version = (7, 6, 2)) -> "IndexDefinition":
        """Parse a ``PUT /api/index/<name>`` body (``name`` from the URL wins) as a server of
        ``version`` does (it decides which vector field mappings are valid)."""
        if not isinstance(body, dict):
            raise DefinitionError("index definition must be a JSON object")
        source = body.get("sourceName")
        if not isinstance(source, str) or not source:
            raise DefinitionError("sourceName (the bucket) is required")
        kind = body.get("type", "fulltext-index")
        if kind not in ("fulltext-index", "fulltext-alias"):
            raise DefinitionError(f"unknown index type: {kind}")
        params = body.get("params") or {}
        if not isinstance(params, dict):
            raise DefinitionError("params must be an object")
        mapping = params.get("mapping") or {}
        if not isinstance(mapping, dict):
            raise DefinitionError("params.mapping must be an object")
        default = TypeMapping.parse(mapping.get("default_mapping"), "default_mapping")
        types_raw = mapping.get("types") or {}
        if not isinstance(types_raw, dict):
            raise DefinitionError("params.mapping.types must be an object")
        types = {t: TypeMapping.parse(m, f"types.{t}") for t, m in types_raw.items()}
        doc_config = params.get("doc_config") or {}
        type_field = doc_config.get("type_field", "type") if isinstance(doc_config, dict) else "type"
        raw = copy.deepcopy(body)
        raw["name"] = name
        raw.setdefault("type", "fulltext-index")
        raw.setdefault("sourceType", "gocbcore")
        vectors: Dict[str, VectorField] = {}
        for sub in [mapping.get("default_mapping")] + list(types_raw.values()):
            _vector_fields(sub, "", vectors, version)
        definition = cls(name, source, default, types, str(type_field), raw)
        definition.vector_fields = vectors
        return definition

    @classmethod
    def simple(cls, name: str, bucket: str, fields: Optional[Iterable[str]] = None,
               doc_type: Optional[str] = None) -> "IndexDefinition":
        """An index over ``bucket``: every field (dynamic), or only the dotted ``fields``;
        with ``doc_type``, only documents whose ``type`` field equals it."""
        if fields is None:
            default_mapping: Dict[str, Any] = {"enabled": True, "dynamic": True}
        else:
            default_mapping = {"enabled": True, "dynamic": False, "properties": _properties(list(fields))}
        mapping: Dict[str, Any] = {"default_mapping": default_mapping}
        if doc_type is not None:
            mapping = {"default_mapping": {"enabled": False}, "types": {doc_type: default_mapping}}
        return cls.parse(name, {"type": "fulltext-index", "name": name, "sourceType": "gocbcore",
                                "sourceName": bucket, "params": {"mapping": mapping}})

    def mapping_for(self, doc: Any, scope: str = "_default",
                    collection: str = "_default") -> Optional[TypeMapping]:
        """The mapping that indexes ``doc`` (a parsed JSON value) of ``scope.collection``, or None
        to skip it."""
        if self.collection_mode:
            prefix = f"{scope}.{collection}"
            mapping = None
            if isinstance(doc, dict) and f"{prefix}.{doc.get(self.type_field)}" in self.types:
                mapping = self.types[f"{prefix}.{doc.get(self.type_field)}"]
            elif prefix in self.types:
                mapping = self.types[prefix]
            if mapping is not None:
                return mapping if mapping.enabled else None
            if (scope, collection) != ("_default", "_default"):
                return None
        if self.types and isinstance(doc, dict):
            mapping = self.types.get(str(doc.get(self.type_field)))
            if mapping is not None:
                return mapping if mapping.enabled else None
        return self.default if self.default.enabled else None

    def to_json(self) -> Dict[str, Any]:
        """The definition as ``GET /api/index/<name>`` shows it."""
        out = copy.deepcopy(self.raw)
        out["uuid"] = self.uuid
        out.setdefault("sourceUUID", "")
        out.setdefault("planParams", {"maxPartitionsPerPIndex": 1024, "indexPartitions": 1})
        return out


def _properties(fields: List[str]) -> Dict[str, Any]:
    props: Dict[str, Any] = {}
    for path in fields:
        if not isinstance(path, str) or not path:
            raise DefinitionError(f"field names must be non-empty strings, got {path!r}")
        node = props
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {"enabled": True, "dynamic": False, "properties": {}})["properties"]
        leaf = node.setdefault(parts[-1], {"enabled": True, "dynamic": False, "properties": {}})
        leaf["fields"] = [{"name": parts[-1], "type": "text", "index": True, "store": True}]
    return props
