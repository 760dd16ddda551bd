"""The front-end matrix of the behaviour suite.

Each module here registers one or more front ends with :func:`register`: a
factory ``(mock, bucket, scope, collection, **cluster_kw) -> (view, close)``
where ``view`` is a *blocking view* of a collection on that front end (see
:class:`BlockingView`) and ``close`` closes everything the factory opened.
``tests/conftest.py`` parametrizes the ``kv`` fixture over every registered
front end whose optional dependencies are installed.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, Tuple

from couchbase.binary_collection import BinaryCollection

Factory = Callable[..., Tuple[Any, Callable[[], None]]]
FRONT_ENDS: Dict[str, Factory] = {}
# Modules of this package, in the order the matrix lists them.
MODULES = ("sync", "raw", "asyncio_fe", "twisted_fe", "gevent_fe")


def selected() -> list:
    """The registered front ends, narrowed by ``COUCHBASE_FRONT_ENDS=sync,raw,...`` if set."""
    import os

    wanted = os.environ.get("COUCHBASE_FRONT_ENDS")
    return [n for n in FRONT_ENDS if not wanted or n in wanted.split(",")]


def register(name: str, factory: Factory) -> None:
    FRONT_ENDS[name] = factory


def load_all() -> Dict[str, Factory]:
    """Import every front-end module; one whose dependencies are missing is left out."""
    for mod in MODULES:
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__name__}.{mod}"):
                continue  # not written yet
            if exc.name and exc.name.split(".")[0] in ("twisted", "gevent", "uvloop", "pytest_twisted"):
                continue  # optional dependency not installed
            raise
    return FRONT_ENDS


class BlockingView:
    """Calls a front end's collection and waits for each result with ``resolve``.

    ``resolve(returned_value)`` drives that front end's loop until the value
    (AsyncResult, future, Deferred, …) completes, then returns the result or
    raises the operation's exception. Values that are not pending operations
    pass through; ``binary()`` views are wrapped the same way.
    """

    def __init__(self, target: Any, resolve: Callable[[Any], Any], is_pending: Callable[[Any], bool],
                 track: Callable[[Any], Any] = lambda pending: pending) -> None:
        self._target = target
        self._resolve = resolve
        self._is_pending = is_pending
        # call on a pending value that will be resolved later (raw mode needs handlers now)
        self.track = track

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr
        resolve, is_pending = self._resolve, self._is_pending

        def call(*args: Any, **kwargs: Any) -> Any:
            value = attr(*args, **kwargs)
            if is_pending(value):
                return resolve(value)
            if isinstance(value, BinaryCollection):
                return BlockingView(value, resolve, is_pending, self.track)
            return value

        return call

    def __repr__(self) -> str:
        return f"BlockingView({self._target!r})"
