"""Object functions, as the query service has them. Names come back in N1QL collation order
(sorted), as the server returns them."""
from __future__ import annotations

import functools
from typing import Any, Dict, List

from couchbase_mock.query.functions._base import MISSING, VARIADIC, Registry, is_obj, strict
from couchbase_mock.query.values import equal, type_name

__all__ = ["OBJECT_FUNCTIONS"]


def _pairs(args: List[Any]) -> Any:
    obj = args[0]
    if obj is MISSING:
        return MISSING
    if not is_obj(obj):
        return None
    types = False
    if len(args) > 1:
        if args[1] is MISSING:
            return MISSING
        if not is_obj(args[1]):
            return None
        types = args[1].get("types") is True
    if types:
        return [{"name": k, "type": type_name(obj[k])} for k in sorted(obj)]
    return [{"name": k, "val": obj[k]} for k in sorted(obj)]


def _add_or_put(put: bool) -> Any:
    """OBJECT_ADD never overwrites (the object unchanged if the name exists); OBJECT_PUT does.
    A MISSING value removes the name (PUT) or adds nothing (ADD)."""

    def call(args: List[Any]) -> Any:
        obj, name, v = args
        if obj is MISSING or name is MISSING:
            return MISSING
        if not is_obj(obj) or not isinstance(name, str):
            return None
        if not put and name in obj:
            return obj
        out = dict(obj)
        if v is MISSING:
            out.pop(name, None)
        else:
            out[name] = v
        return out

    return call


def _remove(args: List[Any]) -> Any:
    if any(a is MISSING for a in args):
        return MISSING
    if not is_obj(args[0]) or not all(isinstance(a, str) for a in args[1:]):
        return None
    return {k: v for k, v in args[0].items() if k not in args[1:]}


def _rename(obj: Dict[str, Any], old: str, new: str) -> Dict[str, Any]:
    if old not in obj or old == new:
        return obj
    out = {k: v for k, v in obj.items() if k != old}
    out[new] = obj[old]
    return out


def _replace(args: List[Any]) -> Any:
    obj, old, new = args
    if obj is MISSING or old is MISSING:
        return MISSING
    if not is_obj(obj) or old is None:
        return None
    out = {}
    for k, v in obj.items():
        if not equal(v, old):
            out[k] = v
        elif new is not MISSING:
            out[k] = new
    return out


def _concat(*objs: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for o in objs:
        out.update(o)
    return out


def _concat2(args: List[Any]) -> Any:
    """OBJECT_CONCAT2(obj, obj-or-array-of-objects, ...): OBJECT_CONCAT that also takes arrays."""
    if any(a is MISSING for a in args):
        return MISSING
    if not is_obj(args[0]):
        return None
    out = dict(args[0])
    for a in args[1:]:
        for o in (a if isinstance(a, list) else [a]):
            if not is_obj(o):
                return None
            out.update(o)
    return out


@functools.lru_cache(maxsize=256)
def _path(text: str) -> Any:
    from couchbase_mock.query.parser import parse_expression  # the parser imports the evaluator

    return parse_expression(text)


def _field(args: List[Any]) -> Any:
    """OBJECT_FIELD(obj, path): the value at ``path`` (a SQL++ path such as ``"a.b[0]"``) in ``obj``;
    NULL if the path does not parse."""
    from couchbase_mock.query.errors import QueryError
    from couchbase_mock.query.evaluator import Params, Row, evaluate

    obj, path = args
    if obj is MISSING or path is MISSING:
        return MISSING
    if not is_obj(obj) or not isinstance(path, str):
        return None
    try:
        expr = _path(path)
    except QueryError:
        return None
    return evaluate(expr, Row({"\x00object": obj}, default="\x00object"), Params())


def _unwrap(obj: Dict[str, Any]) -> Any:
    return next(iter(obj.values())) if len(obj) == 1 else None


OBJECT_FUNCTIONS: Registry = {
    "OBJECT_NAMES": (1, 1, strict(is_obj)(sorted)),
    "OBJECT_VALUES": (1, 1, strict(is_obj)(lambda o: [o[k] for k in sorted(o)])),
    "OBJECT_OUTER_VALUES": (1, 1, strict(is_obj)(lambda o: [o[k] for k in sorted(o)])),
    "OBJECT_INNER_VALUES": (1, 1, strict(is_obj)(lambda o: [o[k] for k in sorted(o)])),
    "OBJECT_PAIRS": (1, 2, _pairs),
    "OBJECT_OUTER_PAIRS": (1, 2, _pairs),
    "OBJECT_INNER_PAIRS": (1, 1, _pairs),
    "OBJECT_LENGTH": (1, 1, strict(is_obj)(len)),
    "OBJECT_ADD": (3, 3, _add_or_put(False)),
    "OBJECT_PUT": (3, 3, _add_or_put(True)),
    "OBJECT_REMOVE": (2, VARIADIC, _remove),
    "OBJECT_RENAME": (3, 3, strict(is_obj, lambda v: isinstance(v, str))(_rename)),
    "OBJECT_REPLACE": (3, 3, _replace),
    "OBJECT_CONCAT": (2, VARIADIC, strict(is_obj)(_concat)),
    "OBJECT_UNWRAP": (1, 1, strict(is_obj)(_unwrap)),
    "OBJECT_CONCAT2": (2, VARIADIC, _concat2),
    "OBJECT_FIELD": (2, 2, _field),
    "OBJECT_TYPES": (1, 1, strict(is_obj)(lambda o: {k: type_name(v) for k, v in o.items()})),
}
for _n in ("OBJECT_INNERPAIRS", "OBJECT_INNERVALUES", "OBJECT_OUTERPAIRS", "OBJECT_OUTERVALUES"):
    OBJECT_FUNCTIONS[_n] = OBJECT_FUNCTIONS[_n.replace("INNER", "INNER_").replace("OUTER", "OUTER_")]
del _n
