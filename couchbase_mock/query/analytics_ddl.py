"""Analytics DDL of the mock: dataverses, datasets, indexes, links, and the Metadata catalogue.

The analytics service's data definition statements (which the N1QL grammar does
not have) are recognised here before parsing: ``CREATE/DROP DATAVERSE``,
``CREATE/DROP DATASET ... ON bucket [WHERE ...]``, ``CREATE/DROP INDEX`` on a
dataset, ``CONNECT/DISCONNECT LINK``. Errors carry the service's codes (24039
dataverse exists, 24034 not found, 24040 dataset exists, 24025 not found, 24048
index exists, 24047 not found, 24006 link not found). With a request's authorizer each statement
needs ``analytics!manage`` first (Couchbase Server 7.x): on the cluster for a dataverse, on the
source bucket for a dataset or one of its indexes (once the dataset is found), and for
``CONNECT/DISCONNECT LINK`` on the cluster, or on the bucket of a ``bucket/scope`` dataverse;
a refusal is 20001 (HTTP 403). ``Metadata.`Dataverse```,
``Metadata.`Dataset``` and ``Metadata.`Index``` are read-only keyspaces of the
catalogue; a dataset name in ``FROM`` reads its bucket.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

from couchbase_mock.query.errors import QueryError

__all__ = ["Catalog", "MetadataKeyspace"]

_ID = r"(?:`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_]*)"
_PATH = rf"{_ID}(?:\s*\.\s*{_ID})*"


def _unq(text: str) -> str:
    text = text.strip()
    return text[1:-1].replace("``", "`") if text.startswith("`") else text


def _parts(path: str) -> List[str]:
    return [_unq(p) for p in re.findall(_ID, path)]


class Catalog:
    """The analytics catalogue of one cluster."""

    def __init__(self) -> None:
        self.dataverses: Dict[str, Dict[str, Any]] = {"Default": {}, "Metadata": {}}
        self.datasets: Dict[Tuple[str, str], Dict[str, Any]] = {}
        self.indexes: Dict[Tuple[str, str, str], Dict[str, Any]] = {}
        self.connected: Dict[Tuple[str, str], bool] = {("Default", "Local"): True}

    # ---- DDL ---------------------------------------------------------------------
    def split_use(self, statement: str) -> Tuple[Optional[str], str]:
        """``USE dataverse; statement`` -> (the dataverse, which must exist; the statement);
        a statement without USE -> (None, statement)."""
        m = re.fullmatch(rf"\s*USE\s+(?P<dv>{_PATH})\s*;\s*(?P<rest>.*)", statement,
                         re.IGNORECASE | re.DOTALL)
        if m is None:
            return None, statement
        name = "/".join(_parts(m.group("dv")))
        self.require_dataverse(name)
        return name, m.group("rest")

    def require_dataverse(self, name: str) -> None:
        if name not in self.dataverses:
            raise QueryError(24034, f"Cannot find dataverse with name {name}", 400)

    def run(self, statement: str, cluster: Any, dataverse: Optional[str] = None,
            authorizer: Any = None) -> Optional[bool]:
        """Apply a DDL statement (True), or None when ``statement`` is not DDL. Unqualified
        names are in ``dataverse`` (that of a ``USE``; default: ``Default``). ``authorizer`` (the
        request's :class:`~couchbase_mock.query.authorize.Authorizer`; None: nothing is checked)
        refuses a statement the user may not run before anything changes."""
        text = statement.strip().rstrip(";").strip()
        for pattern, handler in self._RULES:
            m = re.fullmatch(pattern, text, re.IGNORECASE | re.DOTALL)
            if m:
                self._current = dataverse or "Default"
                self._authorizer = authorizer
                try:
                    handler(self, m, cluster)
                finally:
                    self._current = "Default"
                    self._authorizer = None
                return True
        return None

    _current = "Default"
    _authorizer: Any = None

    def _require_manage(self, bucket: Optional[str]) -> None:
        """``analytics!manage`` on ``bucket`` (None: on the cluster), when the request is checked."""
        if self._authorizer is not None:
            self._authorizer.require_analytics_manage(bucket)

    def _dataverse_of(self, parts: List[str]) -> Tuple[str, str]:
        if len(parts) == 1:
            return self._current, parts[0]
        return "/".join(parts[:-1]), parts[-1]

    def _create_dataverse(self, m: Any, cluster: Any) -> None:
        name = "/".join(_parts(m.group("name")))
        self._require_manage(None)
        if name in self.dataverses:
            if m.group("ine"):
                return
            raise QueryError(24039, f"A dataverse with this name {name} already exists.", 400)
        self.dataverses[name] = {}
        self.connected[(name, "Local")] = False

    def _drop_dataverse(self, m: Any, cluster: Any) -> None:
        name = "/".join(_parts(m.group("name")))
        self._require_manage(None)
        if name not in self.dataverses or name in ("Default", "Metadata"):
            if m.group("ie") and name not in ("Default", "Metadata"):
                return
            raise QueryError(24034, f"Cannot find dataverse with name {name}", 400)
        del self.dataverses[name]
        for key in [k for k in self.datasets if k[0] == name]:
            del self.datasets[key]
        for ikey in [k for k in self.indexes if k[0] == name]:
            del self.indexes[ikey]

    def _create_dataset(self, m: Any, cluster: Any) -> None:
        dv, ds = self._dataverse_of(_parts(m.group("name")))
        source = _parts(m.group("bucket"))
        if len(source) not in (1, 3):
            raise QueryError(24000, f"Syntax error: a dataset is ON a bucket or bucket.scope.collection, "
                                    f"got {m.group('bucket')}", 400)
        bucket = source[0]
        scope, coll = (source[1], source[2]) if len(source) == 3 else ("_default", "_default")
        if dv not in self.dataverses:
            raise QueryError(24034, f"Cannot find dataverse with name {dv}", 400)
        self._require_manage(bucket)
        if (dv, ds) in self.datasets:
            if m.group("ine"):
                return
            raise QueryError(24040, f"A dataset with name {ds} already exists in dataverse {dv}", 400)
        if bucket not in cluster.buckets:
            raise QueryError(24000, f"Bucket {bucket} does not exist", 400)
        if cluster.buckets[bucket].store.manifest.cid(scope, coll)[0] is None:
            raise QueryError(24000, f"Collection {bucket}.{scope}.{coll} does not exist", 400)
        self.datasets[(dv, ds)] = {"DataverseName": dv, "DatasetName": ds, "BucketName": bucket,
                                   "ScopeName": scope, "CollectionName": coll,
                                   "LinkName": "Local", "Condition": (m.group("cond") or "").strip() or None}

    def _drop_dataset(self, m: Any, cluster: Any) -> None:
        dv, ds = self._dataverse_of(_parts(m.group("name")))
        if (dv, ds) not in self.datasets:
            if m.group("ie"):
                return
            raise QueryError(24025, f"Cannot find dataset with name {ds} in dataverse {dv}", 400)
        self._require_manage(self.datasets[(dv, ds)]["BucketName"])
        del self.datasets[(dv, ds)]
        for key in [k for k in self.indexes if k[:2] == (dv, ds)]:
            del self.indexes[key]

    def _create_index(self, m: Any, cluster: Any) -> None:
        dv, ds = self._dataverse_of(_parts(m.group("on")))
        name = _unq(m.group("name"))
        if (dv, ds) not in self.datasets:
            raise QueryError(24025, f"Cannot find dataset with name {ds} in dataverse {dv}", 400)
        self._require_manage(self.datasets[(dv, ds)]["BucketName"])
        if (dv, ds, name) in self.indexes:
            if m.group("ine"):
                return
            raise QueryError(24048, f"An index with this name {name} already exists", 400)
        fields = [f.strip() for f in m.group("fields").split(",") if f.strip()]
        self.indexes[(dv, ds, name)] = {"DataverseName": dv, "DatasetName": ds, "IndexName": name,
                                        "IsPrimary": False,
                                        "SearchKey": [[f.split(":")[0].strip()] for f in fields]}

    def _drop_index(self, m: Any, cluster: Any) -> None:
        parts = _parts(m.group("name"))
        if len(parts) < 2:
            raise QueryError(24000, "Syntax error: DROP INDEX needs dataset.index", 400)
        dv, ds = self._dataverse_of(parts[:-1])
        name = parts[-1]
        if (dv, ds) in self.datasets:
            self._require_manage(self.datasets[(dv, ds)]["BucketName"])
        if (dv, ds, name) not in self.indexes:
            if m.group("ie"):
                return
            raise QueryError(24047, f"Cannot find index with name {name}", 400)
        del self.indexes[(dv, ds, name)]

    def _link(self, m: Any, cluster: Any) -> None:
        parts = _parts(m.group("name"))
        dv, link = self._dataverse_of(parts)
        if dv not in self.dataverses or link != "Local":
            raise QueryError(24006, f"Link {dv}.{link} does not exist", 400)
        scope_of_bucket = dv.split("/")
        self._require_manage(scope_of_bucket[0] if len(scope_of_bucket) == 2 else None)
        self.connected[(dv, link)] = m.group("verb").upper() == "CONNECT"

    _RULES = [
        (rf"CREATE\s+(?:DATAVERSE|(?:ANALYTICS\s+)?SCOPE)\s+(?P<name>{_PATH})(?P<ine>\s+IF\s+NOT\s+EXISTS)?",
         _create_dataverse),
        (rf"DROP\s+(?:DATAVERSE|(?:ANALYTICS\s+)?SCOPE)\s+(?P<name>{_PATH})(?P<ie>\s+IF\s+EXISTS)?",
         _drop_dataverse),
        (rf"CREATE\s+(?:DATASET|ANALYTICS\s+COLLECTION)\s+(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{_PATH})\s+ON\s+"
         rf"(?P<bucket>{_PATH})(?:\s+WHERE\s+(?P<cond>.+))?", _create_dataset),
        (rf"DROP\s+(?:DATASET|ANALYTICS\s+COLLECTION)\s+(?P<name>{_PATH})(?P<ie>\s+IF\s+EXISTS)?",
         _drop_dataset),
        (rf"CREATE\s+INDEX\s+(?P<name>{_ID})(?P<ine>\s+IF\s+NOT\s+EXISTS)?\s+ON\s+(?P<on>{_PATH})\s*"
         rf"\((?P<fields>[^)]*)\)(?:\s+TYPE\s+BTREE)?", _create_index),
        (rf"DROP\s+INDEX\s+(?P<name>{_PATH})(?P<ie>\s+IF\s+EXISTS)?", _drop_index),
        (rf"(?P<verb>CONNECT|DISCONNECT)\s+LINK\s+(?P<name>{_PATH})(?:\s+WITH\s+\{{.*\}})?", _link),
    ]

    # ---- reads -------------------------------------------------------------------
    def rows(self, which: str) -> List[Dict[str, Any]]:
        if which == "dataverse":
            return [{"DataverseName": n} for n in self.dataverses]
        if which == "dataset":
            return [dict(v) for v in self.datasets.values()]
        return [dict(v) for v in self.indexes.values()]

    def source_of(self, dataverse: str, dataset: str) -> Optional[List[str]]:
        """``[bucket, scope, collection]`` a dataset reads, or None if there is no such dataset."""
        entry = self.datasets.get((dataverse, dataset))
        if entry is None:
            return None
        return [entry["BucketName"], entry.get("ScopeName", "_default"),
                entry.get("CollectionName", "_default")]


class MetadataKeyspace:
    """``Metadata.`Dataverse|Dataset|Index```: the catalogue as rows."""

    def __init__(self, catalog: Catalog, which: str) -> None:
        self.catalog = catalog
        self.which = which

    @property
    def ident(self) -> Tuple[str, str, str]:
        return ("Metadata", "", self.which)

    @property
    def path(self) -> str:
        return f"Metadata.{self.which}"

    def quoted(self) -> str:
        return f"`Metadata`.`{self.which}`"

    def scan(self, keys: Optional[List[bytes]] = None) -> Iterator[Tuple[bytes, Any]]:
        for i, row in enumerate(self.catalog.rows(self.which)):
            yield str(i).encode(), row

    def value_of(self, doc: Any) -> Any:
        return doc

    def meta_of(self, key: bytes, doc: Any) -> Dict[str, Any]:
        return {"id": key.decode(), "keyspace": self.path}
