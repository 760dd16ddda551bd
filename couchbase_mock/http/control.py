"""The cluster-wide HTTP/JSON control port.

``GET`` or ``POST /mock/<command>`` calls ``cluster.control.<command>(**params)``.
Parameters come from the query string (each value is parsed as JSON when it is
valid JSON, so ``?idx=1`` is the int 1 and ``?bucket=default`` the string) and/or
from a JSON object body (which wins on conflicts).  Replies::

    200 {"status": "ok", "result": <the command's return value>}
    400 {"status": "error", "error": "..."}   unknown command, bad parameters, or
                                              ValueError/KeyError/LookupError from it
    500 {"status": "error", "error": "..."}   any other exception

``GET /mock`` (or ``/mock/help``) lists the commands with their signatures.
Commands may be plain or ``async`` methods; a plain method that returns an
awaitable is awaited too.
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any, Dict, List, Tuple

from .cluster_view import view_for
from .server import HTTPServer, Request, Response, Router, start_http_server

__all__ = ["start_control_http", "make_router", "command_names"]

log = logging.getLogger("couchbase_mock.http.control")


def command_names(control: Any) -> List[str]:
    """Public callables of ``control``: the available commands."""
    names = []
    for name in dir(control):
        if name.startswith("_"):
            continue
        try:
            attr = getattr(control, name)
        except Exception:  # pragma: no cover - a property that fails
            continue
        if callable(attr):
            names.append(name)
    return sorted(names)


def _signature(func: Any) -> str:
    try:
        return str(inspect.signature(func))
    except (TypeError, ValueError):  # pragma: no cover
        return "(...)"


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _params(req: Request) -> Dict[str, Any]:
    params: Dict[str, Any] = {name: _parse_value(values[-1]) for name, values in req.query.items()}
    if req.body.strip():
        ctype = req.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" in ctype:
            params.update({name: _parse_value(values[-1]) for name, values in req.form().items()})
        else:
            try:
                body = req.json()
            except ValueError as exc:
                raise _BadParams("request body is not valid JSON: %s" % exc) from None
            if body is not None and not isinstance(body, dict):
                raise _BadParams("request body must be a JSON object of parameters")
            params.update(body or {})
    return params


class _BadParams(Exception):
    pass


def _error(status: int, message: str) -> Response:
    return Response.json({"status": "error", "error": message}, status)


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=lambda o: getattr(o, "__dict__", None) or repr(o)))


def make_router(cluster: Any) -> Router:
    """The control-port router for ``cluster`` (no authentication)."""
    view = view_for(cluster)
    router = Router()

    async def help_(req: Request) -> Response:
        control = view.control
        result = {name: name + _signature(getattr(control, name)) for name in command_names(control)}
        return Response.json({"status": "ok", "result": result})

    async def command(req: Request) -> Response:
        name = req.params["command"]
        if name == "help":
            return await help_(req)
        control = view.control
        if name not in command_names(control):
            return _error(
                400, "unknown command %r; known commands: %s" % (name, ", ".join(command_names(control)))
            )
        func = getattr(control, name)
        try:
            params = _params(req)
        except _BadParams as exc:
            return _error(400, str(exc))
        try:
            inspect.signature(func).bind(**params)
        except TypeError as exc:
            return _error(400, "bad parameters for %r: %s; usage: %s%s" % (name, exc, name, _signature(func)))
        except ValueError:  # pragma: no cover - builtins without a signature
            pass
        try:
            result = func(**params)
            if inspect.isawaitable(result):
                result = await result
        except (ValueError, KeyError, LookupError, TypeError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            return _error(400, "%s failed: %s" % (name, message))
        except Exception as exc:
            log.exception("control command %s failed", name)
            return _error(500, "%s failed: %r" % (name, exc))
        return Response.json({"status": "ok", "result": _jsonable(result)})

    router.add("GET", "/mock", help_, auth=False)
    router.add("GET", "/mock/", help_, auth=False)
    router.add("GET", "/mock/{command}", command, auth=False)
    router.add("POST", "/mock/{command}", command, auth=False)
    return router


async def start_control_http(cluster: Any, port: int = 0, host: str = "127.0.0.1") -> Tuple[HTTPServer, int]:
    """Start the control port; returns ``(server, bound_port)``.

    ``server.close()`` stops it (``await server.wait_closed()`` to wait).
    """
    server = await start_http_server(make_router(cluster), host, port, None, name="control")
    return server, server.port
