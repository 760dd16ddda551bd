"""View query parameters, the 1.x way: :class:`Query` and its constants.

``Query(limit=10, mapkey_range=["abbaye", "abbaye" + Query.STRING_RANGE_END])`` collects
view options as named properties (``q.limit = 3``); ``cb.query(design, view, query=q)``
or the same options as keywords run it. A property set to :data:`UNSPEC` is left out of
the request. ``q.encoded`` is the query string sent to the view engine (built by
:func:`couchbase.views.build_query`, the one encoder every API shares).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, Optional, Tuple

from couchbase.exceptions import InvalidArgumentException

__all__ = [
    "Query",
    "UNSPEC",
    "STRING_RANGE_END",
    "STALE_OK",
    "STALE_UPDATE_BEFORE",
    "STALE_UPDATE_AFTER",
    "ONERROR_CONTINUE",
    "ONERROR_STOP",
    "QUERY_PARAMS",
    "make_options_string",
    "make_dvpath",
]


class _Unspec:
    """The "not set" value of a view parameter (``UNSPEC``): the parameter is not sent."""

    _instance: Optional["_Unspec"] = None

    def __new__(cls) -> "_Unspec":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSPEC"

    def __reduce__(self) -> str:
        return "UNSPEC"


UNSPEC: Any = _Unspec()
#: Appended to a key prefix, the end of a range that holds every key starting with it
#: (the view engine collates by Unicode; U+0FFF sorts after the characters keys are made of).
STRING_RANGE_END = json.loads('"\\u0FFF"')
STALE_OK = "ok"
STALE_UPDATE_BEFORE = "false"
STALE_UPDATE_AFTER = "update_after"
ONERROR_CONTINUE = "continue"
ONERROR_STOP = "stop"

# Server-side parameters a Query carries (the query-method-only options such as
# include_docs and streaming are not among them).
QUERY_PARAMS = (
    "key",
    "keys",
    "startkey",
    "endkey",
    "startkey_docid",
    "endkey_docid",
    "descending",
    "inclusive_end",
    "limit",
    "skip",
    "reduce",
    "group",
    "group_level",
    "stale",
    "on_error",
    "full_set",
    "debug",
)
_ALIASES = {
    "mapkey_single": "key",
    "mapkey_multi": "keys",
    "dockey_range": None,
    "mapkey_range": None,
    "start_key": "startkey",
    "end_key": "endkey",
}


class Query:
    """View query parameters with a named property each (``q.limit = 3``).

    Args:
        passthrough: Encode the values as given (strings already JSON), not as JSON.
        unrecognized_ok: Accept parameter names this class does not know (sent as-is).
        **params: Any parameter: ``key``/``mapkey_single``, ``keys``/``mapkey_multi``, ``startkey``,
            ``endkey``, ``mapkey_range=[start, end]``, ``dockey_range=[start_id, end_id]``,
            ``startkey_docid``, ``endkey_docid``, ``descending``, ``inclusive_end``, ``limit``,
            ``skip``, ``reduce``, ``group``, ``group_level``, ``stale`` (True/False/"ok"/"false"/
            "update_after"), ``on_error``, ``full_set``, ``debug``.

    Raises:
        InvalidArgumentException: An unknown parameter (unless ``unrecognized_ok``), or a value of the
            wrong kind.
    """

    STRING_RANGE_END = STRING_RANGE_END

    def __init__(self, passthrough: bool = False, unrecognized_ok: bool = False, **params: Any) -> None:
        object.__setattr__(self, "_params", {})
        object.__setattr__(self, "_extra", {})
        object.__setattr__(self, "passthrough", bool(passthrough))
        object.__setattr__(self, "unrecognized_ok", bool(unrecognized_ok))
        self.update(**params)

    # ---- setting -----------------------------------------------------------------
    def _set(self, name: str, value: Any) -> None:
        if name in ("mapkey_range", "dockey_range"):
            if value is UNSPEC:
                keys = (
                    ("startkey", "endkey") if name == "mapkey_range" else ("startkey_docid", "endkey_docid")
                )
                for k in keys:
                    self._params.pop(k, None)
                return
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                raise InvalidArgumentException(message=f"Query.{name} must be [start, end], got {value!r}")
            first, second = (
                ("startkey", "endkey") if name == "mapkey_range" else ("startkey_docid", "endkey_docid")
            )
            self._set(first, value[0])
            self._set(second, value[1])
            return
        name = _ALIASES.get(name) or name
        if name not in QUERY_PARAMS:
            if not self.unrecognized_ok:
                raise InvalidArgumentException(
                    message=f"unknown view parameter {name!r} (Query(unrecognized_ok=True) sends it as-is)"
                )
            if value is UNSPEC:
                self._extra.pop(name, None)
            else:
                self._extra[name] = value
            return
        if value is UNSPEC:
            self._params.pop(name, None)
            return
        if self.passthrough and name in ("key", "startkey", "endkey") and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise InvalidArgumentException(
                    message=f"Query(passthrough=True): {name} must be JSON text"
                ) from None
        self._params[name] = value

    def update(self, copy: bool = False, **params: Any) -> "Query":
        """Set several parameters.

        Args:
            copy: Change and return a copy instead of this Query.
            **params: The parameters.

        Returns:
            Query: This Query, or the changed copy.

        Raises:
            InvalidArgumentException: An unknown parameter, or a bad value.
        """
        target = self._copy() if copy else self
        for name, value in params.items():
            target._set(name, value)
        target.options()  # validate now, not at query time
        return target

    def _copy(self) -> "Query":
        q = Query(passthrough=self.passthrough, unrecognized_ok=self.unrecognized_ok)
        q._params.update(self._params)
        q._extra.update(self._extra)
        return q

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("passthrough", "unrecognized_ok"):
            object.__setattr__(self, name, bool(value))
            return
        self._set(name, value)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "mapkey_range":
            return [self._params.get("startkey", UNSPEC), self._params.get("endkey", UNSPEC)]
        if name == "dockey_range":
            return [self._params.get("startkey_docid", UNSPEC), self._params.get("endkey_docid", UNSPEC)]
        real = _ALIASES.get(name) or name
        if real in QUERY_PARAMS:
            return self._params.get(real, UNSPEC)
        if name in self._extra:
            return self._extra[name]
        raise AttributeError(f"Query has no parameter {name!r}")

    # ---- reading -------------------------------------------------------------------
    def options(self) -> Dict[str, Any]:
        """The parameters as view options (what :func:`couchbase.views.build_query` takes).

        Returns:
            dict: The options.

        Raises:
            InvalidArgumentException: A value the view service would refuse.
        """
        opts = dict(self._params)
        if self._extra:
            opts["raw"] = {k: _raw_text(v) for k, v in self._extra.items()}
        from couchbase.views import build_query

        build_query((), opts)  # raises InvalidArgumentException on a bad value
        return opts

    @property
    def encoded(self) -> str:
        """The URL query string of these parameters."""
        from couchbase.views import build_query

        return build_query((), self.options())[0]

    def __iter__(self) -> Iterator[Tuple[str, Any]]:
        items: Iterator[Tuple[str, Any]] = iter(self._params.items())
        return items

    def __repr__(self) -> str:
        return f"Query({', '.join(f'{k}={v!r}' for k, v in self._params.items())})"


def _raw_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def query_from_class(cls: type) -> Query:
    """A Query from parameters assigned on the class itself (``q = Query; q.limit = 3``:
    the 1.2 guide's spelling, where the class, not an instance, is configured)."""
    q = Query()
    for name, value in vars(cls).items():
        if (
            not name.startswith("_")
            and not callable(value)
            and not isinstance(value, property)
            and (name in QUERY_PARAMS or name in _ALIASES)
        ):
            q._set(name, value)
    return q


def make_options_string(params: Dict[str, Any], unrecognized_ok: bool = False) -> str:
    """The query string of view parameters given as a dict (1.x helper).

    Args:
        params: The parameters.
        unrecognized_ok: Accept unknown parameter names.

    Returns:
        str: The URL query string.

    Raises:
        InvalidArgumentException: An unknown parameter, or a bad value.
    """
    return Query(unrecognized_ok=unrecognized_ok, **params).encoded


def make_dvpath(doc: str, view: str) -> str:
    """The view's path under the bucket: ``_design/<doc>/_view/<view>``.

    Args:
        doc: The design document's name.
        view: The view's name.

    Returns:
        str: The path.

    Never raises.
    """
    return f"_design/{doc}/_view/{view}"
