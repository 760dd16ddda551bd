"""Analytics management (``cluster.analytics_indexes()``): dataverses, datasets, indexes, the
local link, pending mutations.

Dataverses, datasets and indexes are SQL++ DDL sent to the analytics service
(``CREATE DATAVERSE``, ``CREATE DATASET ... ON bucket``, ``CREATE INDEX ... ON
dataset(field:type)``, ``CONNECT LINK``); listings read ``Metadata.`Dataset``` and
``Metadata.`Index```. Errors come from the analytics error codes (24039 dataverse
exists, 24034 not found, 24040 dataset exists, 24025/24044/24045 not found,
24048 index exists, 24047 not found, 24006 link not found); a statement the user may not run
(20001, HTTP 403: ``User must have permission (cluster.bucket[b].analytics!manage)``) raises
:class:`~couchbase.exceptions.AuthenticationException`, as the analytics query service's refusal
does in this SDK (the official SDK 4.x raises ``InternalServerFailureException``).

Remote links (Couchbase, S3, Azure blob; :mod:`couchbase.management.analytics_links`) are
REST state of the service's ``/analytics/link`` API: a one-part dataverse name goes in
the form body (``dataverse``, ``name``), a multi-part one (``bucket/scope``) in the path
(``/analytics/link/<dataverse>/<name>``), as the server wants. Its errors: 24055 link
exists, 24006 link not found, 24034 dataverse not found.
"""
from __future__ import annotations

import enum
import json
import uuid
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, Mapping, Optional
from urllib.parse import urlencode

from couchbase import options as _o
from couchbase._generic import AnalyticsIndexListT, DatasetListT, DoneT, LinkListT, PendingMutationsT
from couchbase.exceptions import (
    AnalyticsException,
    AnalyticsLinkExistsException,
    AnalyticsLinkNotFoundException,
    AuthenticationException,
    CompilationFailedException,
    CouchbaseException,
    DatasetAlreadyExistsException,
    DatasetNotFoundException,
    DataverseAlreadyExistsException,
    DataverseNotFoundException,
    InvalidArgumentException,
    QueryIndexAlreadyExistsException,
    QueryIndexNotFoundException,
)
from couchbase.management._http import (
    Program,
    http_error,
    json_body,
    path_escape,
    statement_results,
    timed_call,
)
from couchbase.management.analytics_links import (
    AnalyticsEncryptionLevel,
    AnalyticsLink,
    AnalyticsLinkType,
    AzureBlobExternalAnalyticsLink,
    CouchbaseAnalyticsEncryptionSettings,
    CouchbaseRemoteAnalyticsLink,
    S3ExternalAnalyticsLink,
    link_from_server,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import (
        ConnectLinkKwargs,
        CreateAnalyticsIndexKwargs,
        CreateDatasetKwargs,
        CreateDataverseKwargs,
        DisconnectLinkKwargs,
        DropAnalyticsKwargs,
        DropDataverseKwargs,
        GetLinksKwargs,
        MgmtKwargs,
    )
    from couchbase.management.options import (
        ConnectLinkOptions,
        CreateAnalyticsIndexOptions,
        CreateDatasetOptions,
        CreateDataverseOptions,
        CreateLinkAnalyticsOptions,
        DisconnectLinkOptions,
        DropAnalyticsIndexOptions,
        DropDatasetOptions,
        DropDataverseOptions,
        DropLinkAnalyticsOptions,
        GetAllAnalyticsIndexesOptions,
        GetAllDatasetOptions,
        GetLinksAnalyticsOptions,
        GetPendingMutationsOptions,
        ReplaceLinkAnalyticsOptions,
    )

__all__ = ["AnalyticsIndexManager", "AnalyticsDataType", "AnalyticsDataset", "AnalyticsIndex",
           "AnalyticsLinkType", "AnalyticsEncryptionLevel", "AnalyticsLink",
           "CouchbaseAnalyticsEncryptionSettings", "CouchbaseRemoteAnalyticsLink",
           "S3ExternalAnalyticsLink", "AzureBlobExternalAnalyticsLink"]


class AnalyticsDataType(enum.Enum):
    STRING = "string"
    INT64 = "int64"
    DOUBLE = "double"


class AnalyticsDataset:
    """A dataset: ``dataset_name``, ``dataverse_name``, ``link_name``, ``bucket_name``.

    Args:
        **raw: The ``Metadata.Dataset`` row's fields (``DatasetName``, ``DataverseName``, ...).
    """

    def __init__(self, **raw: Any) -> None:
        self._raw = raw

    dataset_name = property(lambda self: self._raw.get("DatasetName"), doc="The dataset's name.")
    dataverse_name = property(lambda self: self._raw.get("DataverseName"), doc="Its dataverse.")
    link_name = property(lambda self: self._raw.get("LinkName"), doc="The link it ingests from.")
    bucket_name = property(lambda self: self._raw.get("BucketName"), doc="The bucket it shadows.")

    def __repr__(self) -> str:
        return f"AnalyticsDataset({self.dataverse_name}.{self.dataset_name} on {self.bucket_name})"


class AnalyticsIndex:
    """An index: ``name``, ``dataset_name``, ``dataverse_name``, ``is_primary``.

    Args:
        **raw: The ``Metadata.Index`` row's fields (``IndexName``, ``DatasetName``, ...).
    """

    def __init__(self, **raw: Any) -> None:
        self._raw = raw

    name = property(lambda self: self._raw.get("IndexName"), doc="The index's name.")
    dataset_name = property(lambda self: self._raw.get("DatasetName"), doc="Its dataset.")
    dataverse_name = property(lambda self: self._raw.get("DataverseName"), doc="Its dataverse.")
    is_primary = property(lambda self: bool(self._raw.get("IsPrimary", False)), doc="Whether it is primary.")

    def __repr__(self) -> str:
        return f"AnalyticsIndex({self.dataverse_name}.{self.dataset_name}.{self.name})"


def _q(name: str) -> str:
    """A dataverse name may have parts (``a/b``); each is backquoted."""
    return ".".join("`" + p.replace("`", "``") + "`" for p in name.split("/"))


def _error(meta: Dict[str, Any], status: int, what: str) -> CouchbaseException:
    errors = meta.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code, msg = first.get("code", 0), str(first.get("msg", ""))
    text = f"{what}: {msg or json.dumps(errors)[:300]} (code {code})"
    cls = {24039: DataverseAlreadyExistsException, 24034: DataverseNotFoundException,
           24040: DatasetAlreadyExistsException, 24025: DatasetNotFoundException,
           24044: DatasetNotFoundException, 24045: DatasetNotFoundException,
           24048: QueryIndexAlreadyExistsException, 24047: QueryIndexNotFoundException,
           24006: AnalyticsLinkNotFoundException, 24055: AnalyticsLinkExistsException}.get(code)
    if cls is not None:
        return cls(message=text)
    if code in (20000, 20001):  # unauthorized user / insufficient permissions
        return AuthenticationException(message=text)
    if 24000 <= code < 25000:
        return CompilationFailedException(message=text)
    if not errors:
        return http_error_from(status, what, meta)
    return AnalyticsException(message=text)


def http_error_from(status: int, what: str, meta: Any) -> CouchbaseException:
    from couchbase._services import HttpResponse

    return http_error(HttpResponse(status, json.dumps(meta).encode(), ""), what)


def _statement(statement: str, opts: Dict[str, Any], what: str) -> Program:
    body = {"statement": statement, "client_context_id": uuid.uuid4().hex}
    resp = yield timed_call("analytics", "POST", "/analytics/service", json.dumps(body).encode(),
                            "application/json", opts=opts)
    return statement_results(resp, what, _error)


def _name(what: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgumentException(message=f"{what} must be a non-empty str, got {value!r}")
    return value


_BASE = frozenset({"timeout", "parent_span"})


class AnalyticsIndexManager(Generic[DoneT, DatasetListT, AnalyticsIndexListT, PendingMutationsT, LinkListT]):
    """Dataverses, datasets, indexes and links of the analytics service: ``cluster.analytics_indexes()``.

    Args:
        run: The front end's driver of management programs.
    """

    def __init__(self, run: Callable[[Program], Any]) -> None:
        self._run = run

    def _ddl(self, op: str, allowed: Any, options: Any, kwargs: Mapping[str, Any],
             build: Callable[[Dict[str, Any]], str], ignore: Optional[type] = None, flag: str = "") -> Any:
        opts = _o.merge(op, _BASE | set(allowed), options, kwargs)
        statement = build(opts)

        def program() -> Program:
            try:
                yield from _statement(statement, opts, op)
            except CouchbaseException as exc:
                if ignore is None or not isinstance(exc, ignore) or not opts.get(flag):
                    raise
            return None

        return self._run(program())

    def create_dataverse(self, dataverse_name: str, *options: CreateDataverseOptions,
                         **kwargs: Unpack[CreateDataverseKwargs]) -> DoneT:
        """CREATE DATAVERSE.

        Args:
            dataverse_name: The dataverse (``a/b`` for a scope-shaped name).
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``ignore_if_exists``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            DataverseAlreadyExistsException: It exists (unless ``ignore_if_exists``).
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        name = _name("dataverse_name", dataverse_name)
        return self._ddl("create_dataverse", {"ignore_if_exists"}, options, kwargs,
                         lambda o: f"CREATE DATAVERSE {_q(name)}"
                         + (" IF NOT EXISTS" if o.get("ignore_if_exists") else ""))

    def drop_dataverse(self, dataverse_name: str, *options: DropDataverseOptions,
                       **kwargs: Unpack[DropDataverseKwargs]) -> DoneT:
        """DROP DATAVERSE.

        Args:
            dataverse_name: The dataverse.
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``ignore_if_not_exists``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            DataverseNotFoundException: No such dataverse (unless ``ignore_if_not_exists``).
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        name = _name("dataverse_name", dataverse_name)
        return self._ddl("drop_dataverse", {"ignore_if_not_exists"}, options, kwargs,
                         lambda o: f"DROP DATAVERSE {_q(name)}"
                         + (" IF EXISTS" if o.get("ignore_if_not_exists") else ""))

    def create_dataset(self, dataset_name: str, bucket_name: str, *options: CreateDatasetOptions,
                       **kwargs: Unpack[CreateDatasetKwargs]) -> DoneT:
        """CREATE DATASET on a bucket.

        Args:
            dataset_name: The dataset.
            bucket_name: The bucket it shadows.
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``ignore_if_exists``, ``condition`` (a WHERE clause), ``dataverse_name``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            DatasetAlreadyExistsException: It exists (unless ``ignore_if_exists``).
            DataverseNotFoundException: No such dataverse.
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        ds, bucket = _name("dataset_name", dataset_name), _name("bucket_name", bucket_name)

        def build(o: Dict[str, Any]) -> str:
            target = f"{_q(o['dataverse_name'])}.`{ds}`" if o.get("dataverse_name") else f"`{ds}`"
            text = (f"CREATE DATASET {'IF NOT EXISTS ' if o.get('ignore_if_exists') else ''}"
                    f"{target} ON `{bucket}`")
            return text + (f" WHERE {o['condition']}" if o.get("condition") else "")

        return self._ddl("create_dataset", {"ignore_if_exists", "condition", "dataverse_name"},
                         options, kwargs, build)

    def drop_dataset(self, dataset_name: str, *options: DropDatasetOptions,
                     **kwargs: Unpack[DropAnalyticsKwargs]) -> DoneT:
        """DROP DATASET.

        Args:
            dataset_name: The dataset.
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``ignore_if_not_exists``, ``dataverse_name``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            DatasetNotFoundException: No such dataset (unless ``ignore_if_not_exists``).
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        ds = _name("dataset_name", dataset_name)

        def build(o: Dict[str, Any]) -> str:
            target = f"{_q(o['dataverse_name'])}.`{ds}`" if o.get("dataverse_name") else f"`{ds}`"
            return f"DROP DATASET {target}" + (" IF EXISTS" if o.get("ignore_if_not_exists") else "")

        return self._ddl("drop_dataset", {"ignore_if_not_exists", "dataverse_name"}, options, kwargs, build)

    def get_all_datasets(self, *options: GetAllDatasetOptions, **kwargs: Unpack[MgmtKwargs]) -> DatasetListT:
        """Every dataset outside the Metadata dataverse.

        Args:
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``timeout``.

        Returns:
            list[AnalyticsDataset]: The datasets.

        Raises:
            InvalidArgumentException: A bad option.
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        opts = _o.merge("get_all_datasets", _BASE, options, kwargs)
        statement = 'SELECT d.* FROM Metadata.`Dataset` d WHERE d.DataverseName <> "Metadata"'

        def program() -> Program:
            rows = yield from _statement(statement, opts, "get_all_datasets")
            return [AnalyticsDataset(**r) for r in rows]

        return self._run(program())

    def create_index(self, index_name: str, dataset_name: str, fields: Dict[str, AnalyticsDataType],
                     *options: CreateAnalyticsIndexOptions,
                     **kwargs: Unpack[CreateAnalyticsIndexKwargs]) -> DoneT:
        """CREATE INDEX on a dataset.

        Args:
            index_name: The index.
            dataset_name: The dataset.
            fields: Field path -> AnalyticsDataType.
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``ignore_if_exists``, ``dataverse_name``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``fields`` empty or not AnalyticsDataTypes, a bad name or option.
            QueryIndexAlreadyExistsException: It exists (unless ``ignore_if_exists``).
            DatasetNotFoundException: No such dataset.
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        ix, ds = _name("index_name", index_name), _name("dataset_name", dataset_name)
        if not isinstance(fields, dict) or not fields or not all(
                isinstance(k, str) and isinstance(v, AnalyticsDataType) for k, v in fields.items()):
            raise InvalidArgumentException(
                message="fields must be a non-empty dict of str -> AnalyticsDataType")

        def build(o: Dict[str, Any]) -> str:
            target = f"{_q(o['dataverse_name'])}.`{ds}`" if o.get("dataverse_name") else f"`{ds}`"
            keys = ",".join(f"{k}:{v.value}" for k, v in fields.items())
            return (f"CREATE INDEX `{ix}`{' IF NOT EXISTS' if o.get('ignore_if_exists') else ''} "
                    f"ON {target} ({keys})")

        return self._ddl("create_index", {"ignore_if_exists", "dataverse_name"}, options, kwargs, build)

    def drop_index(self, index_name: str, dataset_name: str, *options: DropAnalyticsIndexOptions,
                   **kwargs: Unpack[DropAnalyticsKwargs]) -> DoneT:
        """DROP INDEX dataset.index.

        Args:
            index_name: The index.
            dataset_name: The dataset.
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``ignore_if_not_exists``, ``dataverse_name``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            QueryIndexNotFoundException: No such index (unless ``ignore_if_not_exists``).
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        ix, ds = _name("index_name", index_name), _name("dataset_name", dataset_name)

        def build(o: Dict[str, Any]) -> str:
            target = f"{_q(o['dataverse_name'])}.`{ds}`" if o.get("dataverse_name") else f"`{ds}`"
            return f"DROP INDEX {target}.`{ix}`" + (" IF EXISTS" if o.get("ignore_if_not_exists") else "")

        return self._ddl("drop_index", {"ignore_if_not_exists", "dataverse_name"}, options, kwargs, build)

    def get_all_indexes(self, *options: GetAllAnalyticsIndexesOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> AnalyticsIndexListT:
        """Every index outside the Metadata dataverse.

        Args:
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``timeout``.

        Returns:
            list[AnalyticsIndex]: The indexes.

        Raises:
            InvalidArgumentException: A bad option.
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        opts = _o.merge("get_all_indexes", _BASE, options, kwargs)
        statement = 'SELECT d.* FROM Metadata.`Index` d WHERE d.DataverseName <> "Metadata"'

        def program() -> Program:
            rows = yield from _statement(statement, opts, "get_all_indexes")
            return [AnalyticsIndex(**r) for r in rows]

        return self._run(program())

    def connect_link(self, *options: ConnectLinkOptions, **kwargs: Unpack[ConnectLinkKwargs]) -> DoneT:
        """CONNECT LINK.

        Args:
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``dataverse_name``, ``link_name`` (default Local), ``force``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            AnalyticsLinkNotFoundException: No such link.
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        def build(o: Dict[str, Any]) -> str:
            link = f"{_q(o.get('dataverse_name') or 'Default')}.`{o.get('link_name') or 'Local'}`"
            return f"CONNECT LINK {link}" + (" WITH {\"force\": true}" if o.get("force") else "")

        return self._ddl("connect_link", {"dataverse_name", "link_name", "force"}, options, kwargs, build)

    def disconnect_link(self, *options: DisconnectLinkOptions,
                        **kwargs: Unpack[DisconnectLinkKwargs]) -> DoneT:
        """DISCONNECT LINK.

        Args:
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``dataverse_name``, ``link_name``, ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            AnalyticsLinkNotFoundException: No such link.
            CompilationFailedException: Another refusal of the statement by the analytics service.
        """
        def build(o: Dict[str, Any]) -> str:
            return (f"DISCONNECT LINK {_q(o.get('dataverse_name') or 'Default')}."
                    f"`{o.get('link_name') or 'Local'}`")

        return self._ddl("disconnect_link", {"dataverse_name", "link_name"}, options, kwargs, build)

    def get_pending_mutations(self, *options: GetPendingMutationsOptions,
                              **kwargs: Unpack[MgmtKwargs]) -> PendingMutationsT:
        """The mutations each dataset has yet to ingest (from the service's statistics).

        Args:
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``timeout``.

        Returns:
            dict: ``{"dataverse.dataset": count}``.

        Raises:
            InvalidArgumentException: A bad option.
            InternalServerFailureException: The statistics could not be read.
        """
        opts = _o.merge("get_pending_mutations", _BASE, options, kwargs)

        def program() -> Program:
            resp = yield timed_call("analytics", "GET", "/analytics/node/agg/stats/remaining", b"",
                                    "application/json", opts=opts)
            if resp.status != 200:
                raise http_error(resp, "get_pending_mutations")
            body = json_body(resp) or {}
            out: Dict[str, int] = {}
            for dataverse, datasets in body.items():
                for dataset, count in (datasets or {}).items():
                    out[f"{dataverse}.{dataset}"] = int(count)
            return out

        return self._run(program())

    def _link_request(self, op: str, method: str, link: Any, options: Any, kwargs: Mapping[str, Any]) -> Any:
        if not isinstance(link, AnalyticsLink):
            raise InvalidArgumentException(
                message=f"{op}: link must be an AnalyticsLink, got {type(link).__name__}")
        link.validate()
        opts = _o.merge(op, _BASE, options, kwargs)
        dataverse = link.dataverse_name()
        path = (f"/analytics/link/{path_escape(dataverse)}/{path_escape(link.name())}" if "/" in dataverse
                else "/analytics/link")
        body = link.form_encode()

        def program() -> Program:
            resp = yield timed_call("analytics", method, path, body, "application/x-www-form-urlencoded",
                                    opts=opts)
            _link_outcome(resp, op)
            return None

        return self._run(program())

    def create_link(self, link: AnalyticsLink, *options: CreateLinkAnalyticsOptions,
                    **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Create a remote Couchbase, S3 or Azure blob link.

        Args:
            link: The link (CouchbaseRemoteAnalyticsLink, S3ExternalAnalyticsLink,
                AzureBlobExternalAnalyticsLink).
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: Not a link, or a link that fails its own validation.
            AnalyticsLinkExistsException: The dataverse has a link of that name.
            DataverseNotFoundException: No such dataverse.
        """
        return self._link_request("create_link", "POST", link, options, kwargs)

    def replace_link(self, link: AnalyticsLink, *options: ReplaceLinkAnalyticsOptions,
                     **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Replace an existing link's settings.

        Args:
            link: The link with its new settings.
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: Not a link, or an invalid one.
            AnalyticsLinkNotFoundException: No such link.
        """
        return self._link_request("replace_link", "PUT", link, options, kwargs)

    def drop_link(self, link_name: str, dataverse_name: str, *options: DropLinkAnalyticsOptions,
                  **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Drop a link.

        Args:
            link_name: The link.
            dataverse_name: Its dataverse.
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad name or option.
            AnalyticsLinkNotFoundException: No such link.
            DataverseNotFoundException: No such dataverse.
        """
        name, dataverse = _name("link_name", link_name), _name("dataverse_name", dataverse_name)
        opts = _o.merge("drop_link", _BASE, options, kwargs)
        if "/" in dataverse:
            path, body = f"/analytics/link/{path_escape(dataverse)}/{path_escape(name)}", b""
        else:
            path, body = "/analytics/link", urlencode({"dataverse": dataverse, "name": name}).encode()

        def program() -> Program:
            resp = yield timed_call("analytics", "DELETE", path, body, "application/x-www-form-urlencoded",
                                    opts=opts)
            _link_outcome(resp, "drop_link")
            return None

        return self._run(program())

    def get_links(self, *options: GetLinksAnalyticsOptions, **kwargs: Unpack[GetLinksKwargs]) -> LinkListT:
        """The links of the cluster as link objects (secrets are not returned).

        Args:
            *options: The call's options block (``Create...AnalyticsOptions``, ...).
            **kwargs: ``dataverse_name``, ``name`` (needs ``dataverse_name``), ``link_type``
                (AnalyticsLinkType), ``timeout``.

        Returns:
            list[AnalyticsLink]: The links.

        Raises:
            InvalidArgumentException: ``name`` without ``dataverse_name``, a bad link type or option.
            DataverseNotFoundException: No such dataverse.
        """
        opts = _o.merge("get_links", _BASE | {"dataverse_name", "name", "link_type"}, options, kwargs)
        dataverse, name, kind = opts.get("dataverse_name"), opts.get("name"), opts.get("link_type")
        if dataverse is not None:
            _name("dataverse_name", dataverse)
        if name is not None:
            _name("name", name)
            if dataverse is None:
                raise InvalidArgumentException(message="get_links: name needs dataverse_name")
        if kind is not None:
            if isinstance(kind, str):
                try:
                    kind = AnalyticsLinkType(kind)
                except ValueError:
                    kind = None
            if not isinstance(kind, AnalyticsLinkType):
                raise InvalidArgumentException(
                    message="get_links: link_type must be an AnalyticsLinkType, "
                            f"got {opts.get('link_type')!r}")
        query: Dict[str, str] = {}
        path = "/analytics/link"
        if dataverse is not None and "/" in dataverse:
            path += f"/{path_escape(dataverse)}" + (f"/{path_escape(name)}" if name else "")
        elif dataverse is not None:
            query["dataverse"] = dataverse
            if name:
                query["name"] = name
        if kind is not None:
            query["type"] = kind.value
        if query:
            path += "?" + urlencode(query)

        def program() -> Program:
            resp = yield timed_call("analytics", "GET", path, b"", "application/x-www-form-urlencoded",
                                    opts=opts)
            body = _link_outcome(resp, "get_links")
            links = [link_from_server(raw) for raw in (body or []) if isinstance(raw, dict)]
            return [link for link in links if link is not None]

        return self._run(program())


def _link_outcome(resp: Any, what: str) -> Any:
    """The parsed body of a link request, or its typed error. The server answers errors as
    ``{"errors": [{"code", "msg"}]}`` (older releases: a text naming the code)."""
    if resp.status == 200:
        try:
            return json_body(resp)
        except CouchbaseException:
            return None
    text = resp.body.decode("utf-8", "replace")
    try:
        meta = json.loads(text)
    except ValueError:
        meta = None
    if isinstance(meta, dict) and meta.get("errors"):
        exc = _error(meta, resp.status, what)
        if isinstance(exc, CompilationFailedException) and resp.status < 500:
            exc = http_error(resp, what)  # a code with no exception of its own: the request was wrong
        raise exc
    for code, cls in ((24055, AnalyticsLinkExistsException), (24006, AnalyticsLinkNotFoundException),
                      (24034, DataverseNotFoundException)):
        if str(code) in text:
            raise cls(message=f"{what}: {text[:300]}")
    raise http_error(resp, what)
