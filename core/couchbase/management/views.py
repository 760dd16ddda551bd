"""Design-document management over the views REST API.

Written once: the manager builds each request and interprets each response;
the ``run`` function given by the front end schedules and completes it
(blocking: waits and returns; async front ends: returns an awaitable or
Deferred of the same value).
"""
from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, List, Mapping, Optional, cast
from urllib.parse import quote

from couchbase._generic import DesignDocListT, DesignDocT, DoneT
from couchbase._services import HttpRequest, HttpResponse, schedule_http
from couchbase.exceptions import (
    DesignDocumentNotFoundException,
    InvalidArgumentException,
    exception_for,
)
from couchbase.views import DesignDocument, DesignDocumentNamespace

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import MgmtKwargs
    from couchbase.management.options import (
        DropDesignDocumentOptions,
        GetAllDesignDocumentsOptions,
        GetDesignDocumentOptions,
        PublishDesignDocumentOptions,
        UpsertDesignDocumentOptions,
    )

if TYPE_CHECKING:
    from couchbase._instance import Connection

__all__ = ["ViewIndexManager", "DesignDocument", "DesignDocumentNamespace", "View"]

LCB_ERR_HTTP = 1053  # LCB_ERR_HTTP: generic HTTP failure


def _ns(namespace: Any, use_devmode: Optional[bool]) -> DesignDocumentNamespace:
    if use_devmode is not None:
        return DesignDocumentNamespace.DEVELOPMENT if use_devmode else DesignDocumentNamespace.PRODUCTION
    if namespace is None:
        return DesignDocumentNamespace.PRODUCTION
    if not isinstance(namespace, DesignDocumentNamespace):
        raise InvalidArgumentException(
            message=f"namespace must be a DesignDocumentNamespace, got {namespace!r}")
    return namespace


def _check(resp: HttpResponse, name: str) -> HttpResponse:
    if resp.status == 404:
        raise DesignDocumentNotFoundException(message=f"design document {name!r} not found")
    if resp.status >= 400:
        raise exception_for(LCB_ERR_HTTP, f"design document {name!r}: HTTP {resp.status}: "
                                          f"{resp.body[:200].decode('utf-8', 'replace')}")
    return resp


def _options(op: str, options: Any, kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """Check the method's option blocks/keywords (``timeout``, ``parent_span``)."""
    from couchbase import options as _o

    return _o.merge(op, frozenset({"timeout", "parent_span"}), options, kwargs)


class ViewIndexManager(Generic[DoneT, DesignDocT, DesignDocListT]):
    """Create, read, publish and drop design documents of one bucket: ``bucket.view_indexes()``.

    Args:
        conn: The bucket's connection.
        bucket: The bucket's name.
        run: The front end's way to run one HTTP request and convert its response.
    """

    # How ``syncwait`` pauses between checks; gcouchbase sleeps cooperatively instead.
    _sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, conn: "Connection", bucket: str,
                 run: Callable[[Callable[[], HttpRequest], Callable[[HttpResponse], Any]], Any]) -> None:
        self._conn = conn
        self._bucket = bucket
        self._run = run

    def _request(self, method: str, path: str, body: bytes, then: Callable[[HttpResponse], Any]) -> Any:
        return self._run(lambda: schedule_http(self._conn, "view", method, path, body), then)

    def get_design_document(self, name: str, namespace: Optional[DesignDocumentNamespace] = None,
                            *options: GetDesignDocumentOptions,
                            use_devmode: Optional[bool] = None, **kwargs: Unpack[MgmtKwargs]) -> DesignDocT:
        """The design document ``name``.

        Its name is shown without the ``dev_`` prefix, as the official SDK does.

        Args:
            name: The design document's name.
            namespace: :class:`~couchbase.views.DesignDocumentNamespace` (DEVELOPMENT or PRODUCTION; default
                PRODUCTION).
            *options: A management options block (``timeout``).
            use_devmode: True: the DEVELOPMENT namespace (the 2.x spelling).
            **kwargs: ``timeout``.

        Returns:
            DesignDocument: The design document and its views.

        Raises:
            InvalidArgumentException: A bad namespace or option.
            DesignDocumentNotFoundException: No such design document.
        """
        _options("get_design_document", options, kwargs)
        full = _ns(namespace, use_devmode).prefix(name)
        plain = full[4:] if full.startswith("dev_") else full
        return self._request("GET", f"/_design/{full}", b"",
                             lambda r: DesignDocument.from_json(plain, _check(r, full).json() or {}))

    def upsert_design_document(self, ddoc: DesignDocument,
                               namespace: Optional[DesignDocumentNamespace] = None,
                               *options: UpsertDesignDocumentOptions,
                               use_devmode: Optional[bool] = None, **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Create or replace a design document.

        Args:
            ddoc: The :class:`~couchbase.views.DesignDocument`.
            namespace: :class:`~couchbase.views.DesignDocumentNamespace` (DEVELOPMENT or PRODUCTION; default
                PRODUCTION).
            *options: A management options block (``timeout``).
            use_devmode: True: the DEVELOPMENT namespace (the 2.x spelling).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``ddoc`` not a DesignDocument, a bad namespace or option, or a
                definition the server refuses.
        """
        _options("upsert_design_document", options, kwargs)
        if not isinstance(ddoc, DesignDocument):
            raise InvalidArgumentException(message=f"expected a DesignDocument, got {ddoc!r}")
        full = _ns(namespace, use_devmode).prefix(ddoc.name)
        body = json.dumps(ddoc.as_json()).encode()
        return self._request("PUT", f"/_design/{full}", body, lambda r: _check(r, full) and None)

    def drop_design_document(self, name: str, namespace: Optional[DesignDocumentNamespace] = None,
                             *options: DropDesignDocumentOptions,
                             use_devmode: Optional[bool] = None, **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Delete a design document.

        Args:
            name: The design document's name.
            namespace: :class:`~couchbase.views.DesignDocumentNamespace` (DEVELOPMENT or PRODUCTION; default
                PRODUCTION).
            *options: A management options block (``timeout``).
            use_devmode: True: the DEVELOPMENT namespace (the 2.x spelling).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: A bad namespace or option.
            DesignDocumentNotFoundException: No such design document.
        """
        _options("drop_design_document", options, kwargs)
        full = _ns(namespace, use_devmode).prefix(name)
        return self._request("DELETE", f"/_design/{full}", b"", lambda r: _check(r, full) and None)

    def publish_design_document(self, name: str, *options: PublishDesignDocumentOptions,
                                **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Copy ``dev_<name>`` to production ``<name>``.

        Two requests in sequence, so this (and the ``syncwait`` of the 2.x methods) needs a blocking
        ``run``; async front ends chain get_design_document and upsert_design_document themselves.

        Args:
            name: The design document's name (with or without ``dev_``).
            *options: A management options block (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            None.

        Raises:
            InvalidArgumentException: A bad option.
            DesignDocumentNotFoundException: No development design document of that name.
        """
        _options("publish_design_document", options, kwargs)
        dev = DesignDocumentNamespace.DEVELOPMENT.prefix(name)
        prod = name[4:] if name.startswith("dev_") else name
        # this body runs on the blocking front ends only (the others override it): a value comes back
        ddoc = cast(DesignDocument, self.get_design_document(dev))
        return self.upsert_design_document(DesignDocument(prod, ddoc.views),
                                           DesignDocumentNamespace.PRODUCTION)

    # 1.x/2.x spellings -------------------------------------------------------
    def design_create(self, name: str, ddoc: Any, use_devmode: bool = True, syncwait: float = 0) -> Any:
        """Create a design document (the 1.x/2.x spelling).

        Args:
            name: The design document's name.
            ddoc: A DesignDocument, or a dict with ``views``.
            use_devmode: Create it in the development namespace.
            syncwait: Seconds to wait until it can be read back (0: do not wait).

        Returns:
            None.

        Raises:
            InvalidArgumentException: A definition the server refuses.
            TimeoutException: Not readable within ``syncwait``.
        """
        doc = (ddoc if isinstance(ddoc, DesignDocument)
               else DesignDocument(name, (ddoc or {}).get("views", {})))
        doc.name = name
        result = self.upsert_design_document(doc, use_devmode=use_devmode)
        self._syncwait(name, use_devmode, syncwait, present=True)
        return result

    def design_get(self, name: str, use_devmode: bool = True) -> DesignDocument:
        """A design document (the 1.x/2.x spelling).

        Args:
            name: The design document's name.
            use_devmode: Read it from the development namespace.

        Returns:
            DesignDocument: The design document.

        Raises:
            DesignDocumentNotFoundException: No such design document.
        """
        # the 1.x/2.x spellings are the blocking front ends': a value comes back
        doc = cast(DesignDocument, self.get_design_document(name, use_devmode=use_devmode))
        return doc

    def design_publish(self, name: str, syncwait: float = 0) -> Any:
        """Copy ``dev_<name>`` to production (the 1.x/2.x spelling).

        Args:
            name: The design document's name.
            syncwait: Seconds to wait until the production copy can be read (0: do not wait).

        Returns:
            None.

        Raises:
            DesignDocumentNotFoundException: No such design document.
            TimeoutException: Not readable within ``syncwait``.
        """
        result = self.publish_design_document(name)
        self._syncwait(name[4:] if name.startswith("dev_") else name, False, syncwait, present=True)
        return result

    def design_delete(self, name: str, use_devmode: bool = True, syncwait: float = 0) -> Any:
        """Delete a design document (the 1.x/2.x spelling).

        Args:
            name: The design document's name.
            use_devmode: Delete it from the development namespace.
            syncwait: Seconds to wait until it is gone (0: do not wait).

        Returns:
            None.

        Raises:
            DesignDocumentNotFoundException: No such design document.
            TimeoutException: Still readable after ``syncwait``.
        """
        result = self.drop_design_document(name, use_devmode=use_devmode)
        self._syncwait(name, use_devmode, syncwait, present=False)
        return result

    def _syncwait(self, name: str, use_devmode: bool, syncwait: float, present: bool) -> None:
        if not syncwait:
            return
        deadline = time.monotonic() + syncwait
        while True:
            try:
                self.get_design_document(name, use_devmode=use_devmode)
                found = True
            except DesignDocumentNotFoundException:
                found = False
            if found == present:
                return
            if time.monotonic() > deadline:
                raise exception_for(201, f"design document {name!r} did not "
                                         f"{'appear' if present else 'vanish'} "
                                         f"within {syncwait}s")
            self._sleep(0.05)

    def get_all_design_documents(self, namespace: Optional[DesignDocumentNamespace] = None,
                                 *options: GetAllDesignDocumentsOptions,
                                 **kwargs: Unpack[MgmtKwargs]) -> DesignDocListT:
        """Every design document of the bucket in one namespace (management REST API).

        Names are shown without the ``dev_`` prefix.

        Args:
            namespace: :class:`~couchbase.views.DesignDocumentNamespace` (DEVELOPMENT or PRODUCTION; default
                PRODUCTION).
            *options: A management options block (``timeout``).
            use_devmode: True: the DEVELOPMENT namespace (the 2.x spelling).
            **kwargs: ``timeout``.

        Returns:
            list[DesignDocument]: The design documents.

        Raises:
            InvalidArgumentException: A bad namespace or option.
            AuthenticationException: The user may not read the bucket's design documents.
        """
        _options("get_all_design_documents", options, kwargs)
        ns = _ns(namespace, None)
        path = f"/pools/default/buckets/{quote(self._bucket, safe='')}/ddocs"

        def then(resp: HttpResponse) -> List[DesignDocument]:
            rows = (_check(resp, "*").json() or {}).get("rows", [])
            out = []
            for row in rows:
                doc = row.get("doc", {})
                name = doc.get("meta", {}).get("id", "")[len("_design/"):]
                if name.startswith("dev_") == (ns is DesignDocumentNamespace.DEVELOPMENT):
                    out.append(DesignDocument.from_json(name[4:] if name.startswith("dev_") else name,
                                                        doc.get("json", {})))
            return out

        return self._run(lambda: schedule_http(self._conn, "management", "GET", path), then)


# SDK 4.x: the design-document types are importable from couchbase.management.views
from couchbase.views import View  # noqa: E402,F401
