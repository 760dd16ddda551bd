"""Sphinx configuration of the couchbase-cffi reference.

The API pages (``docs/api/<module>.rst``, generated, not committed) are written at build time from
the same walk of the public API that ``tests/docs/test_docstrings.py`` checks
(``tests/support/public_api.py``): one page per public module, each class and function on the page
of its home module, every other module that exports it listing it as an alias of that home.
Build: ``.venv/bin/sphinx-build -W --keep-going -n -b html docs docs/_build/html``.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pathlib
import pkgutil
import re
import sys
import typing
from typing import Any, Dict, List, Optional, Tuple, TypeVar

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (ROOT / "tests", ROOT / "core", ROOT):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from support import public_api  # noqa: E402  (tests/support: the walk the docstring test checks)

project = "couchbase-cffi"
author = "couchbase-cffi developers"
copyright = "couchbase-cffi developers"
release = importlib.import_module("couchbase").__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: List[str] = []

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True
# "Attributes:" as :ivar: fields of the class: autodoc also lists slots and annotated attributes,
# and two descriptions of one attribute would be a duplicate
napoleon_use_ivar = True
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_inherit_docstrings = True
autodoc_preserve_defaults = True

# Names a signature mentions that live outside this project (the standard library, Twisted, gevent,
# cffi) or in its private modules, which the reference does not document (their public names do:
# see ``_private_to_home``). Nitpicky mode reports every other unresolved reference.
nitpick_ignore_regex = [
    (r"py:.*", r"(datetime|typing|typing_extensions|collections|collections\.abc|enum|asyncio|concurrent"
               r"|ssl|socket|selectors|logging|pathlib|os|threading|types|json|io|decimal|uuid|re"
               r"|argparse|contextlib|abc|numbers|array|builtins)(\..*)?"),
    (r"py:.*", r"(twisted|gevent|greenlet|cffi|_cffi_backend|pytest|_pytest|uvloop|opentelemetry)(\..*)?"),
    (r"py:.*", r"(T|K|V|R|_T|_R|T_co|Self|P)"),
    # private modules and names (``couchbase._kv.BinaryView``, ``_FutureWrap``): not in the reference
    (r"py:.*", r"(\w+\.)*_\w+(\.\w+)*"),
    # the mock's server internals (its node model, stores): users drive it through MockCluster
    (r"py:.*", r"couchbase_mock\.(cluster|store|kv|http|query|search|views|rbac|tls|subdoc)\..*"),
    (r"py:.*", r"(Callable|Awaitable|Coroutine|Iterator|Iterable|AsyncIterator|Mapping|Sequence|Deferred"
               r"|Future|Task|Generator|MutableMapping|Protocol|Literal|TypedDict|ParamSpec|NoReturn)"),
]

_GENERATED = HERE / "api"


def _page(mod_name: str, homes: Dict[int, Tuple[str, str]]) -> str:
    module = importlib.import_module(mod_name)
    title = f"``{mod_name}``"
    out = [title, "=" * len(title), "", f".. automodule:: {mod_name}", ""]
    exported = public_api.exported(module)
    has_all = hasattr(module, "__all__")
    own_data = set(public_api._own_and_reexported(module)[0]) if not has_all else set()
    aliases: List[str] = []
    for name in exported:
        obj = getattr(module, name, None)
        if obj is None and not (has_all or name in own_data):
            continue
        if inspect.ismodule(obj):
            continue
        if inspect.isclass(obj) or inspect.isfunction(obj):
            if not public_api.is_ours(obj):
                continue
            home = homes.get(id(obj))
            if home == (mod_name, name):
                kind = "autoclass" if inspect.isclass(obj) else "autofunction"
                out += [f".. {kind}:: {mod_name}.{name}"]
                if kind == "autoclass":
                    out += ["   :members:", "   :inherited-members:", "   :undoc-members:",
                            "   :show-inheritance:"]
                out.append("")
            elif home is not None:
                role = "class" if inspect.isclass(obj) else "func"
                aliases.append(f"* ``{name}``: :{role}:`{home[0]}.{home[1]}`")
        elif has_all or name in own_data:
            if callable(obj) and not public_api.is_ours(obj):
                continue
            out += [f".. autodata:: {mod_name}.{name}", ""]
    if aliases:
        out += [".. rubric:: Also importable from this module", ""] + aliases + [""]
    return "\n".join(out)


def _generate(app: Any) -> None:
    """Write one page per public module (only when its text changed, so rebuilds stay incremental)."""
    homes = public_api.homes()
    _GENERATED.mkdir(exist_ok=True)
    wanted = set()
    for mod_name in public_api.public_modules():
        path = _GENERATED / f"{mod_name}.rst"
        wanted.add(path.name)
        text = _page(mod_name, homes)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
    for stale in _GENERATED.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()


def _skip_foreign(app: Any, what: str, name: str, obj: Any, skip: bool, options: Any) -> Optional[bool]:
    """Leave out members a class inherits from outside the project (``int.bit_length``,
    ``Exception.with_traceback``, ``dict.get``): their docs are Python's, not ours."""
    target = obj.fget if isinstance(obj, property) else getattr(obj, "__func__", obj)
    if inspect.isroutine(target) or inspect.isdatadescriptor(target) or inspect.ismethoddescriptor(target):
        return None if public_api.is_ours(target) else True
    return None


def _to_home(app: Any, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a reference to one of our objects by a name it is not documented under (a private
    module's ``couchbase._kv_response.AsyncResult``, as annotations name it, or a re-export's
    ``couchbase.result.PingResult``) to the public name it is documented under. A type variable
    (``T``) is shown as text."""
    target = node.get("reftarget", "")
    if "." in target:
        candidates = [target]
    else:  # ``Raises: ArgumentError``: the module's own name, else an exception's (a 1.x alias)
        candidates = [f"{node.get('py:module')}.{target}", f"couchbase.exceptions.{target}"]
    for candidate in candidates:
        mod_name, _, attr = candidate.rpartition(".")
        if mod_name.split(".")[0] not in public_api.PACKAGES:
            continue
        try:
            obj = getattr(importlib.import_module(mod_name), attr)
            break
        except (ImportError, AttributeError):
            continue
    else:
        # an unqualified name only one documented object answers to (``SD.Spec``: by its last part)
        head = target.split(".")[0]
        obj = _by_name().get(target if head in public_api.PACKAGES else target.rpartition(".")[2])
        if obj is None:
            # a type alias or TypedDict of a private module (``Seconds``, ``Unpack[GetKwargs]``):
            # the signature shows its name as text; no page documents it
            return contnode if _private_name(target.rpartition(".")[2]) else None
    if isinstance(obj, TypeVar):
        return contnode
    home = _homes().get(id(obj))
    if home is None or f"{home[0]}.{home[1]}" == target:
        return None
    node["reftarget"] = f"{home[0]}.{home[1]}"
    return env.get_domain("py").resolve_xref(env, node.get("refdoc"), app.builder,
                                             node.get("reftype", "class"), node["reftarget"], node, contnode)


_HOMES: Dict[int, Tuple[str, str]] = {}


_PRIVATE_NAMES: set = set()


def _checking_only_names(module: Any) -> List[str]:
    """Names a module defines only for the type checker (``if TYPE_CHECKING: KeysAndValues = ...``)."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError, SyntaxError):
        return []
    names: List[str] = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for stmt in node.body:
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    names += [t.id for t in targets if isinstance(t, ast.Name)]
                elif isinstance(stmt, ast.ClassDef):
                    names.append(stmt.name)
    return names


def _private_name(name: str) -> bool:
    """True when ``name`` is defined at the top level of a private module of ours (imported here:
    annotations may name one only imported under ``TYPE_CHECKING``, ``couchbase._kwargs``)."""
    if not _PRIVATE_NAMES:
        for pkg in ("couchbase", "acouchbase", "txcouchbase", "gcouchbase"):
            for info in pkgutil.walk_packages(importlib.import_module(pkg).__path__, pkg + "."):
                if any(p.startswith("_") for p in info.name.split(".")):
                    try:
                        module = importlib.import_module(info.name)
                    except ImportError:
                        continue
                    _PRIVATE_NAMES.update(vars(module))
                    _PRIVATE_NAMES.update(_checking_only_names(module))
    return name in _PRIVATE_NAMES


_BY_NAME: Dict[str, Any] = {}


def _by_name() -> Dict[str, Any]:
    """``name -> object`` for the names (in any loaded module of ours, private ones included) that
    mean exactly one documented object: ``BinaryView`` in an annotation is ``BinaryCollection``."""
    if not _BY_NAME:
        homes = _homes()
        seen: Dict[str, set] = {}
        objs: Dict[int, Any] = {}
        for mod_name, module in list(sys.modules.items()):
            if module is None or mod_name.split(".")[0] not in public_api.PACKAGES:
                continue
            for name, obj in list(vars(module).items()):
                if id(obj) in homes:
                    seen.setdefault(name, set()).add(id(obj))
                    objs[id(obj)] = obj
        _BY_NAME.update({n: objs[next(iter(ids))] for n, ids in seen.items() if len(ids) == 1})
    return _BY_NAME


def _homes() -> Dict[int, Tuple[str, str]]:
    if not _HOMES:
        _HOMES.update(public_api.homes())
    return _HOMES


def _documented_bases(app: Any, name: str, obj: Any, options: Any, bases: List[type]) -> None:
    """Show, as a class's bases, the nearest ancestors the reference documents: a private base
    (``couchbase._async.AsyncClusterBase``) is replaced by its own bases, recursively."""
    homes = _homes()
    out: List[type] = []

    def add(base: Any) -> None:
        origin = typing.get_origin(base) or base  # ``Specialized[R, ...]``: the class it specializes
        if origin is typing.Generic or origin is object and out:
            return  # type parameters are the signatures' business, not a base worth showing
        if not inspect.isclass(origin) or not public_api.is_ours(origin) or id(origin) in homes:
            if base not in out:
                out.append(base)
            return
        for b in getattr(origin, "__orig_bases__", origin.__bases__):
            add(b)

    for base in list(bases):
        add(base)
    bases[:] = out or [object]


def _drop_type_doc(app: Any, what: str, name: str, obj: Any, options: Any, lines: List[str]) -> None:
    """A constant without a ``#:`` comment would show its type's docstring (``dict()`` -> ...)."""
    if what in ("data", "attribute") and lines:
        type_doc = inspect.getdoc(type(obj)) or ""
        if type_doc and "\n".join(lines).strip().startswith(type_doc.strip()[:60]):
            lines[:] = []


_CHECKING_NAMES: Dict[str, Dict[str, str]] = {}


def _type_checking_names(mod_name: str) -> Dict[str, str]:
    """``name -> dotted path`` for the classes ``mod_name`` imports from our packages, under
    ``if TYPE_CHECKING:`` too (string annotations such as ``-> "Scope"`` name them unqualified, which
    no page could resolve)."""
    if mod_name not in _CHECKING_NAMES:
        found: Dict[str, str] = {}
        try:
            tree = ast.parse(inspect.getsource(importlib.import_module(mod_name)))
        except (OSError, TypeError, ImportError, SyntaxError):
            tree = ast.Module(body=[], type_ignores=[])
        for imp in ast.walk(tree):
            if isinstance(imp, ast.ImportFrom) and imp.module and imp.level == 0 \
                    and imp.module.split(".")[0] in public_api.PACKAGES:
                for alias in imp.names:
                    if alias.name[:1].isupper():
                        found[alias.asname or alias.name] = f"{imp.module}.{alias.name}"
        _CHECKING_NAMES[mod_name] = found
    return _CHECKING_NAMES[mod_name]


def _qualify_signature(app: Any, what: str, name: str, obj: Any, options: Any, signature: Optional[str],
                       return_annotation: Optional[str]) -> Optional[Tuple[Optional[str], Optional[str]]]:
    """Qualify the imported class names a signature uses (``Scope`` -> ``couchbase.scope.Scope``),
    so each links to the one class it means."""
    func = getattr(obj, "__func__", obj)
    sources = [func]
    if inspect.isclass(obj):  # a class's signature is its __init__'s, maybe written in another module
        sources += [vars(k)["__init__"] for k in obj.__mro__ if "__init__" in vars(k)][:1]
    names: Dict[str, str] = {}
    for src in sources:
        mod_name = getattr(src, "__module__", None) or ""
        if mod_name.split(".")[0] in public_api.PACKAGES:
            names.update(_type_checking_names(mod_name))
    # the builtin ``type`` as an annotation (``cls: type``): not a search for attributes named "type"
    names["type"] = "builtins.type"
    # a name, not a parameter (``type: str``) nor the start of a default (``Kind.X``)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, names)) + r")(?![\w.])(?!\s*:)")

    def fix(text: Optional[str]) -> Optional[str]:
        return pattern.sub(lambda m: names[m.group(1)], text) if text else text

    return fix(signature), fix(return_annotation)


def setup(app: Any) -> Dict[str, Any]:
    app.connect("autodoc-process-signature", _qualify_signature)
    app.connect("autodoc-process-docstring", _drop_type_doc, priority=100)
    app.connect("autodoc-process-bases", _documented_bases)
    app.connect("builder-inited", _generate)
    app.connect("autodoc-skip-member", _skip_foreign)
    app.connect("missing-reference", _to_home)
    return {"parallel_read_safe": True}
