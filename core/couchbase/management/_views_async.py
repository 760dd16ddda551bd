"""The view index manager on the event-loop front ends (acouchbase, txcouchbase, raw callbacks).

:class:`~couchbase.management.views.ViewIndexManager` asks its ``run(schedule, then)``
for each request; here that becomes a one-request management program run on the
bucket's connection, so each call returns the front end's pending result (future,
Deferred, AsyncResult). Publishing (a read then a write) is one two-request program.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable

from couchbase._generic import DesignDocListT, DesignDocT, DoneT
from couchbase._services import schedule_http
from couchbase.management._http import Program, Scheduled
from couchbase.management.views import ViewIndexManager, _check
from couchbase.views import DesignDocument, DesignDocumentNamespace

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import MgmtKwargs
    from couchbase.management.options import PublishDesignDocumentOptions

__all__ = ["AsyncViewIndexManager", "request_program"]


def request_program(schedule: Callable[[], Any], then: Callable[[Any], Any]) -> Program:
    """A program of one request ``schedule()`` whose response is mapped by ``then``."""
    resp = yield Scheduled(schedule)
    return then(resp)


class AsyncViewIndexManager(ViewIndexManager[DoneT, DesignDocT, DesignDocListT]):
    """Design documents of one bucket; every call returns the front end's pending result."""

    def __init__(self, conn: Any, bucket: str, run: Callable[[Any, Any], Any],
                 run_program: Callable[[Program], Any]) -> None:
        super().__init__(conn, bucket, run)
        self._run_program = run_program

    def publish_design_document(self, name: str, *options: PublishDesignDocumentOptions,
                                **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Copy ``dev_<name>`` to production ``<name>`` (one program: read, then write)."""
        from couchbase.management.views import _options

        _options("publish_design_document", options, kwargs)
        conn = self._conn
        dev = DesignDocumentNamespace.DEVELOPMENT.prefix(name)
        prod = name[4:] if name.startswith("dev_") else name

        def program() -> Program:
            resp = yield Scheduled(lambda: schedule_http(conn, "view", "GET", f"/_design/{dev}"))
            ddoc = DesignDocument.from_json(dev, _check(resp, dev).json() or {})
            body = json.dumps(DesignDocument(prod, ddoc.views).as_json()).encode()
            resp = yield Scheduled(lambda: schedule_http(conn, "view", "PUT", f"/_design/{prod}", body))
            _check(resp, prod)
            return None

        return self._run_program(program())
