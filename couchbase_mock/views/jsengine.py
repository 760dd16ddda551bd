"""JavaScript for map and reduce functions, run by QuickJS (the ``quickjs`` package).

``quickjs`` is an optional dependency of the mock (``pip install
couchbase-cffi[mock]``); without it :func:`engine` raises
:class:`JSEngineMissing`, which the views port turns into a clear error reply.

One :class:`JSEngine` holds one QuickJS context (not thread-safe: each bucket's
views state owns one and uses it from the mock's loop thread). Documents go in
and emitted rows come out as JSON text, a batch per call, so the Python/JS
boundary is crossed once per batch rather than once per document. A map
function that throws for a document skips that document, as the server does.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

__all__ = ["JSEngine", "JSEngineMissing", "JSError", "engine", "MapOutput"]

# Per-call CPU budget: a map function that loops forever loses its document, not the mock.
TIME_LIMIT_S = 2.0
MEMORY_LIMIT = 256 * 1024 * 1024

# emit() collects into the current document's list; sum() and dateToArray() are
# the helpers Couchbase puts in scope of view functions.
_PRELUDE = r"""
var __emitted = null, __fns = {};
function emit(key, value) {
  if (__emitted === null) throw new Error("emit() called outside a map function");
  __emitted.push([key === undefined ? null : key, value === undefined ? null : value]);
}
function sum(values) { var s = 0; for (var i = 0; i < values.length; i++) s += values[i]; return s; }
function dateToArray(date) {
  var d = (typeof date === "object" && date !== null) ? date : new Date(date);
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(),
          d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
}
function __compile(name, source) {
  var fn = eval("(" + source + ")");
  if (typeof fn !== "function") throw new TypeError("the source does not evaluate to a function");
  __fns[name] = fn;
}
function __map(name, batchText) {
  var fn = __fns[name], batch = JSON.parse(batchText), out = [];
  for (var i = 0; i < batch.length; i++) {
    __emitted = [];
    try { fn(batch[i][0], batch[i][1]); out.push(__emitted); }
    catch (e) { out.push({error: String(e)}); }
  }
  __emitted = null;
  return JSON.stringify(out);
}
function __reduce(name, keysText, valuesText, rereduce) {
  var r = __fns[name](JSON.parse(keysText), JSON.parse(valuesText), rereduce);
  return JSON.stringify(r === undefined ? null : r);
}
"""

# One document's emitted (key, value) pairs, or the error message of its map call.
MapOutput = Union[List[Tuple[Any, Any]], str]


class JSEngineMissing(RuntimeError):
    """The optional ``quickjs`` package is not installed."""

    def __init__(self) -> None:
        super().__init__("view map/reduce functions need the Python package 'quickjs' "
                         "(pip install quickjs, or couchbase-cffi[mock])")


class JSError(ValueError):
    """A JavaScript function failed to compile or to run."""


class JSEngine:
    """A QuickJS context with compiled map and reduce functions."""

    def __init__(self) -> None:
        try:
            import quickjs
        except ImportError:
            raise JSEngineMissing() from None
        self._error = quickjs.JSException
        self._ctx = quickjs.Context()
        self._ctx.set_memory_limit(MEMORY_LIMIT)
        self._ctx.set_time_limit(TIME_LIMIT_S)
        self._ctx.eval(_PRELUDE)
        self._compile = self._ctx.get("__compile")
        self._map = self._ctx.get("__map")
        self._reduce = self._ctx.get("__reduce")
        self._names: Dict[str, str] = {}

    def function(self, source: str) -> str:
        """Compile ``source`` (``function (doc, meta) {...}``) once; its handle. JSError if invalid."""
        if not isinstance(source, str) or not source.strip():
            raise JSError("a view function must be a non-empty string")
        name = self._names.get(source)
        if name is None:
            name = "f%d" % len(self._names)
            try:
                self._compile(name, source)
            except self._error as exc:
                raise JSError(_first_line(exc)) from None
            self._names[source] = name
        return name

    def map(self, handle: str, batch_json: str, size: int) -> List[MapOutput]:
        """Run a map function over a JSON array of ``[doc, meta]`` pairs.

        A batch that aborts as a whole (time or memory limit) is retried a
        document at a time so only the guilty documents are lost.
        """
        try:
            return [_map_output(o) for o in json.loads(self._map(handle, batch_json))]
        except self._error as exc:
            if size <= 1:
                return [_first_line(exc)]
        items = json.loads(batch_json)
        out: List[MapOutput] = []
        for item in items:
            out.extend(self.map(handle, json.dumps([item]), 1))
        return out

    def reduce(self, handle: str, keys: Optional[Sequence[Any]], values: Sequence[Any],
               rereduce: bool) -> Any:
        """Call a reduce function; JSError if it throws."""
        try:
            text = self._reduce(handle, json.dumps(None if keys is None else list(keys)),
                                json.dumps(list(values)), bool(rereduce))
        except self._error as exc:
            raise JSError(_first_line(exc)) from None
        return json.loads(text)


def _map_output(item: Any) -> MapOutput:
    if isinstance(item, dict):
        return str(item.get("error", "map function failed"))
    return [(k, v) for k, v in item]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def engine() -> JSEngine:
    """A new engine (JSEngineMissing without the ``quickjs`` package)."""
    return JSEngine()
