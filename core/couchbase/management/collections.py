"""Scope and collection management (``bucket.collections()``).

Over the collections REST API (``/pools/default/buckets/<b>/scopes``). After a
create or drop the server bumps the bucket's manifest uid and tells connected
clients; libcouchbase resolves collection ids on demand, so KV on a new
collection works at once and a dropped one raises CollectionNotFoundException.

``update_collection`` is sent as POST: the server's verb is PATCH, which
libcouchbase 3.3 cannot send (the mock accepts both).
"""
from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any, Callable, Dict, Generic, Iterable, List, Optional, overload

from couchbase import options as _o
from couchbase._generic import DoneT, ScopeSpecListT
from couchbase.exceptions import (
    BucketDoesNotExistException,
    CollectionAlreadyExistsException,
    CollectionNotFoundException,
    FeatureUnavailableException,
    InvalidArgumentException,
    ScopeAlreadyExistsException,
    ScopeNotFoundException,
)
from couchbase.management._http import (
    Call,
    Program,
    form,
    http_error,
    json_body,
    path_escape,
    timed_call,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from couchbase.management._kwargs import MgmtKwargs
    from couchbase.management.options import (
        CreateCollectionOptions,
        CreateScopeOptions,
        DropCollectionOptions,
        DropScopeOptions,
        GetAllScopesOptions,
        UpdateCollectionOptions,
    )

__all__ = ["CollectionManager", "CollectionSpec", "ScopeSpec", "CreateCollectionSettings",
           "UpdateCollectionSettings"]


def _expiry(value: Any) -> Optional[int]:
    """Seconds from a timedelta/number; -1 means "never expire" (server 7.6)."""
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        secs = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        secs = float(value)
    else:
        raise InvalidArgumentException(message=f"max_expiry must be a timedelta or seconds, got {value!r}")
    if secs < -1 or secs != int(secs):
        raise InvalidArgumentException(
            message=f"max_expiry must be -1 or a whole number of seconds >= 0, got {secs}")
    return int(secs)


class CreateCollectionSettings:
    """Settings of a new collection: ``max_expiry`` (timedelta; -1 s = never) and ``history``.

    Args:
        max_expiry: The collection's maximum document expiry (None: the bucket's).
        history: Keep change history (magma buckets only; None: the bucket's default).
    """

    def __init__(self, max_expiry: Optional[datetime.timedelta] = None,
                 history: Optional[bool] = None) -> None:
        self._max_expiry = max_expiry
        self._history = history

    @property
    def max_expiry(self) -> Optional[datetime.timedelta]:
        """The maximum document expiry (timedelta), or None for the bucket's."""
        return self._max_expiry

    @property
    def history(self) -> Optional[bool]:
        """Whether the collection keeps change history, or None for the bucket's default."""
        return self._history

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_expiry={self._max_expiry!r}, history={self._history!r})"


class UpdateCollectionSettings(CreateCollectionSettings):
    """New ``max_expiry``/``history`` of an existing collection."""


class CollectionSpec:
    """A collection: ``name``, ``scope_name``, ``max_expiry`` (timedelta), ``history``.

    Args:
        collection_name: The collection's name.
        scope_name: Its scope's name.
        max_expiry: Its maximum document expiry.
        max_ttl: The deprecated spelling of ``max_expiry``.
        history: Whether it keeps change history.
    """

    def __init__(self, collection_name: str, scope_name: str = "_default",
                 max_expiry: Optional[datetime.timedelta] = None,
                 max_ttl: Optional[datetime.timedelta] = None,
                 history: Optional[bool] = None) -> None:
        self._name = collection_name
        self._scope_name = scope_name
        self._max_expiry = max_expiry if max_expiry is not None else max_ttl
        self._history = history

    name = property(lambda self: self._name, doc="The collection's name.")
    scope_name = property(lambda self: self._scope_name, doc="The name of its scope.")
    max_expiry = property(lambda self: self._max_expiry, doc="Its maximum document expiry, or None.")
    max_ttl = property(lambda self: self._max_expiry, doc="Deprecated spelling of max_expiry.")
    history = property(lambda self: self._history, doc="Whether it keeps change history (magma), or None.")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CollectionSpec) and (self._name, self._scope_name, self._max_expiry,
                                                      self._history) == (other._name, other._scope_name,
                                                                         other._max_expiry, other._history)

    def __hash__(self) -> int:
        return hash((self._name, self._scope_name))

    def __repr__(self) -> str:
        return (f"CollectionSpec(name={self._name!r}, scope_name={self._scope_name!r}, "
                f"max_expiry={self._max_expiry!r}, history={self._history!r})")


class ScopeSpec:
    """A scope: ``name`` and its ``collections`` (CollectionSpec).

    Args:
        name: The scope's name.
        collections: Its collections.
    """

    def __init__(self, name: str, collections: Iterable[CollectionSpec] = ()) -> None:
        self._name = name
        self._collections = list(collections)

    name = property(lambda self: self._name, doc="The scope's name.")
    collections = property(lambda self: self._collections, doc="Its collections (list of CollectionSpec).")

    def __repr__(self) -> str:
        return f"ScopeSpec(name={self._name!r}, collections={self._collections!r})"


_OPTS = frozenset({"timeout", "parent_span"})
_SCOPE_EXISTS = re.compile(r"Scope with name .+ already exists")
_COLL_EXISTS = re.compile(r"Collection with name .+ already exists")
_SCOPE_MISSING = re.compile(r"Scope with name .+ is not found")
_COLL_MISSING = re.compile(r"Collection with name .+ is not found")


def _check(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidArgumentException(message=f"{name} must be a non-empty str, got {value!r}")
    return value


def _manifest_changed(resp: Any, what: str, bucket: str) -> None:
    """Map a create/drop/update answer (``{"uid": ...}`` or an error) the server's way."""
    text = resp.body.decode("utf-8", "replace")
    if resp.status == 200:
        return None
    if resp.status == 400:
        if _SCOPE_EXISTS.search(text):
            raise ScopeAlreadyExistsException(message=f"{what}: {text}")
        if _COLL_EXISTS.search(text):
            raise CollectionAlreadyExistsException(message=f"{what}: {text}")
        if "Not allowed on this type of bucket" in text or "Not allowed on this version" in text:
            raise FeatureUnavailableException(message=f"{what}: {text}")
        raise InvalidArgumentException(message=f"{what}: {text}")
    if resp.status == 404:
        if _COLL_MISSING.search(text):
            raise CollectionNotFoundException(message=f"{what}: {text}")
        if _SCOPE_MISSING.search(text):
            raise ScopeNotFoundException(message=f"{what}: {text}")
        raise BucketDoesNotExistException(message=f"{what}: bucket {bucket!r} does not exist")
    raise http_error(resp, what)


class CollectionManager(Generic[DoneT, ScopeSpecListT]):
    """Create, drop, update and list the scopes and collections of one bucket: ``bucket.collections()``.

    Args:
        bucket_name: The bucket's name.
        run: The front end's driver of management programs.
    """

    def __init__(self, bucket_name: str, run: Callable[[Program], Any]) -> None:
        self._bucket = bucket_name
        self._run = run

    def _base(self) -> str:
        return f"/pools/default/buckets/{path_escape(self._bucket)}/scopes"

    def _request(self, call: Call, what: str) -> Program:
        resp = yield call
        _manifest_changed(resp, what, self._bucket)

    def create_scope(self, scope_name: str, *options: CreateScopeOptions,
                     **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Create a scope.

        Args:
            scope_name: The scope's name.
            *options: ``CreateScopeOptions`` (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            ScopeAlreadyExistsException: The scope exists.
            BucketDoesNotExistException: No such bucket.
            InvalidArgumentException: A name the server refuses, or a bad option.
            AuthenticationException: The user may not manage collections.
        """
        opts = _o.merge("create_scope", _OPTS, options, kwargs)
        _check("scope_name", scope_name)
        call = timed_call("management", "POST", self._base(), form(name=scope_name), opts=opts)
        return self._run(self._request(call, f"create_scope {scope_name!r}"))

    def drop_scope(self, scope_name: str, *options: DropScopeOptions, **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Drop a scope and its collections.

        Args:
            scope_name: The scope's name.
            *options: ``DropScopeOptions`` (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            ScopeNotFoundException: No such scope.
            BucketDoesNotExistException: No such bucket.
            AuthenticationException: The user may not manage collections.
        """
        opts = _o.merge("drop_scope", _OPTS, options, kwargs)
        _check("scope_name", scope_name)
        call = timed_call("management", "DELETE", f"{self._base()}/{path_escape(scope_name)}", opts=opts)
        return self._run(self._request(call, f"drop_scope {scope_name!r}"))

    # the calling forms (checked at run time by _collection_args)
    @overload
    def create_collection(self, scope_name: str, collection_name: str,
                          settings: Optional[CreateCollectionSettings] = None,
                          *options: CreateCollectionOptions, **kwargs: Unpack[MgmtKwargs]) -> DoneT: ...

    @overload
    def create_collection(self, scope_name: str, collection_name: str, *options: CreateCollectionOptions,
                          **kwargs: Unpack[MgmtKwargs]) -> DoneT: ...

    @overload
    def create_collection(self, collection: CollectionSpec, *options: CreateCollectionOptions,
                          **kwargs: Unpack[MgmtKwargs]) -> DoneT: ...

    def create_collection(self, *args: Any, **kwargs: Any) -> DoneT:
        """Create a collection: ``create_collection(scope_name, collection_name, settings=None, *options)``.

        The 4.0 form ``create_collection(CollectionSpec, *options)`` still works (deprecated).

        Args:
            *args: ``scope_name``, ``collection_name``, then optionally a
                :class:`CreateCollectionSettings` and ``CreateCollectionOptions`` blocks (or a
                CollectionSpec and options).
            **kwargs: The same by name (``scope_name=``, ``collection_name=``, ``settings=``,
                ``collection=``), and ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: The two calling forms mixed, a value given twice, a missing name,
                settings of the wrong type, or a bad option.
            CollectionAlreadyExistsException: The collection exists.
            ScopeNotFoundException: No such scope.
            QuotaLimitedException: The cluster's collection limit is reached.
            FeatureUnavailableException: ``history`` on a bucket that cannot keep it.
        """
        scope, name, settings, options = self._collection_args("create_collection", args, kwargs,
                                                               CreateCollectionSettings)
        opts = _o.merge("create_collection", _OPTS, options, kwargs)
        fields: Dict[str, Any] = {"name": name}
        if settings is not None:
            fields["maxTTL"] = _expiry(settings.max_expiry)
            if settings.history is not None:
                fields["history"] = "true" if settings.history else "false"
        call = timed_call("management", "POST", f"{self._base()}/{path_escape(scope)}/collections",
                          form(**fields), opts=opts)
        return self._run(self._request(call, f"create_collection {scope}.{name}"))

    def update_collection(self, scope_name: str, collection_name: str, settings: UpdateCollectionSettings,
                          *options: UpdateCollectionOptions, **kwargs: Unpack[MgmtKwargs]) -> DoneT:
        """Change a collection's ``max_expiry``/``history``.

        Args:
            scope_name: The scope's name.
            collection_name: The collection's name.
            settings: The new settings (:class:`UpdateCollectionSettings`).
            *options: ``UpdateCollectionOptions`` (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: ``settings`` of the wrong type, or a bad option.
            CollectionNotFoundException: No such collection.
            ScopeNotFoundException: No such scope.
            FeatureUnavailableException: ``history`` on a bucket that cannot keep it.
        """
        opts = _o.merge("update_collection", _OPTS, options, kwargs)
        _check("scope_name", scope_name)
        _check("collection_name", collection_name)
        if not isinstance(settings, CreateCollectionSettings):
            raise InvalidArgumentException(
                message=f"settings must be UpdateCollectionSettings, got {settings!r}")
        fields: Dict[str, Any] = {"maxTTL": _expiry(settings.max_expiry)}
        if settings.history is not None:
            fields["history"] = "true" if settings.history else "false"
        path = f"{self._base()}/{path_escape(scope_name)}/collections/{path_escape(collection_name)}"
        call = timed_call("management", "POST", path, form(**fields), opts=opts)
        return self._run(self._request(call, f"update_collection {scope_name}.{collection_name}"))

    @overload
    def drop_collection(self, scope_name: str, collection_name: str, *options: DropCollectionOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> DoneT: ...

    @overload
    def drop_collection(self, collection: CollectionSpec, *options: DropCollectionOptions,
                        **kwargs: Unpack[MgmtKwargs]) -> DoneT: ...

    def drop_collection(self, *args: Any, **kwargs: Any) -> DoneT:
        """Drop a collection: ``drop_collection(scope_name, collection_name, *options)``.

        A CollectionSpec instead of the two names still works (deprecated).

        Args:
            *args: ``scope_name`` and ``collection_name`` (or a CollectionSpec), then
                ``DropCollectionOptions`` blocks.
            **kwargs: The same by name, and ``timeout``.

        Returns:
            The front end's pending result of None.

        Raises:
            InvalidArgumentException: The two calling forms mixed, or a missing name.
            CollectionNotFoundException: No such collection.
            ScopeNotFoundException: No such scope.
        """
        scope, name, _settings, options = self._collection_args("drop_collection", args, kwargs, None)
        opts = _o.merge("drop_collection", _OPTS, options, kwargs)
        path = f"{self._base()}/{path_escape(scope)}/collections/{path_escape(name)}"
        call = timed_call("management", "DELETE", path, opts=opts)
        return self._run(self._request(call, f"drop_collection {scope}.{name}"))

    @staticmethod
    def _collection_args(op: str, args: Any, kwargs: Dict[str, Any], settings_cls: Any) -> Any:
        """(scope, name, settings, option blocks) from either calling form; mixing them, or giving
        a value both by position and by keyword, is an InvalidArgumentException."""
        def bad(why: str) -> InvalidArgumentException:
            return InvalidArgumentException(message=f"{op}: {why}")

        args = list(args)
        spec_kw = kwargs.pop("collection", None)
        scope_kw = kwargs.pop("scope_name", None)
        name_kw = kwargs.pop("collection_name", None)
        settings_kw = kwargs.pop("settings", None) if settings_cls is not None else None
        spec = args.pop(0) if args and isinstance(args[0], CollectionSpec) else None
        if spec is not None and spec_kw is not None:
            raise bad("the CollectionSpec was given twice (by position and as collection=)")
        if spec_kw is not None:
            if not isinstance(spec_kw, CollectionSpec):
                raise bad(f"collection must be a CollectionSpec, got {spec_kw!r}")
            if args and not isinstance(args[0], dict):
                raise bad("collection= cannot be combined with positional scope/collection names")
            spec = spec_kw
        if spec is not None:
            if scope_kw is not None or name_kw is not None or settings_kw is not None:
                raise bad("a CollectionSpec cannot be combined with scope_name/collection_name/settings")
            settings = None
            if settings_cls is not None and (spec.max_expiry is not None or spec.history is not None):
                settings = settings_cls(max_expiry=spec.max_expiry, history=spec.history)
            return spec.scope_name, spec.name, settings, tuple(args)
        names: List[str] = []
        while args and isinstance(args[0], str) and len(names) < 2:
            names.append(args.pop(0))
        if scope_kw is not None:
            if names:
                raise bad("scope_name was given by position and by keyword")
            names.insert(0, scope_kw)
        if name_kw is not None:
            if len(names) > 1:
                raise bad("collection_name was given by position and by keyword")
            names.append(name_kw)
        if len(names) != 2:
            raise bad("needs scope_name and collection_name")
        scope, name = _check("scope_name", names[0]), _check("collection_name", names[1])
        settings = None
        if settings_cls is not None:
            if args and isinstance(args[0], CreateCollectionSettings):
                settings = args.pop(0)
            if settings_kw is not None:
                if settings is not None:
                    raise bad("settings was given by position and by keyword")
                if not isinstance(settings_kw, CreateCollectionSettings):
                    raise bad(f"settings must be CreateCollectionSettings, got {settings_kw!r}")
                settings = settings_kw
        return scope, name, settings, tuple(args)

    def get_all_scopes(self, *options: GetAllScopesOptions, **kwargs: Unpack[MgmtKwargs]) -> ScopeSpecListT:
        """Every scope of the bucket with its collections.

        Args:
            *options: ``GetAllScopesOptions`` (``timeout``).
            **kwargs: ``timeout``.

        Returns:
            list[ScopeSpec]: The scopes.

        Raises:
            BucketDoesNotExistException: No such bucket.
            AuthenticationException: The user may not read the bucket's collections.
        """
        opts = _o.merge("get_all_scopes", _OPTS, options, kwargs)
        call = timed_call("management", "GET", self._base(), opts=opts)
        return self._run(self._get_all(call))

    def _get_all(self, call: Call) -> Program:
        resp = yield call
        if resp.status == 404:
            raise BucketDoesNotExistException(message=f"bucket {self._bucket!r} does not exist")
        if resp.status != 200:
            raise http_error(resp, "get_all_scopes")
        scopes: List[ScopeSpec] = []
        for scope in (json_body(resp) or {}).get("scopes", []):
            colls = []
            for c in scope.get("collections", []):
                ttl = c.get("maxTTL")
                colls.append(CollectionSpec(c["name"], scope["name"],
                                            datetime.timedelta(seconds=ttl) if ttl is not None else None,
                                            history=c.get("history")))
            scopes.append(ScopeSpec(scope["name"], colls))
        return scopes
