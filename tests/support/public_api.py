"""The public API of the five packages, walked the way a reader of the reference docs meets it.

Public modules are every module of ``couchbase``, ``acouchbase``, ``txcouchbase`` and
``gcouchbase`` with no ``_``-prefixed part in its dotted name, plus the parts of ``couchbase_mock``
that users drive (:data:`MOCK_PUBLIC`); the mock's server internals are left out on purpose
(:data:`MOCK_INTERNAL_PACKAGES`). A module's exported names are its ``__all__``, or else its
names without a leading ``_``; only objects defined in one of the five packages count (a
re-exported ``datetime.timedelta`` is not ours to document). Each object is visited once, under
the first public name met, so a method inherited by every front end is checked where it is written.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

PACKAGES = ("couchbase", "acouchbase", "txcouchbase", "gcouchbase", "couchbase_mock")

#: The modules of ``couchbase_mock`` a user of the mock imports (MockCluster, the CLI, the fixtures).
MOCK_PUBLIC = ("couchbase_mock", "couchbase_mock.cli", "couchbase_mock.pytest_plugin")

#: The mock's server internals (protocol handlers, query/search/view engines, the node model): users
#: drive the mock through :data:`MOCK_PUBLIC` and its HTTP control API, never through these.
MOCK_INTERNAL_PACKAGES = ("couchbase_mock.",)

#: Sections a Google-style docstring may hold (napoleon's names and aliases we use).
SECTION_NAMES = ("Args", "Arguments", "Parameters", "Keyword Args", "Keyword Arguments", "Returns", "Return",
                 "Yields", "Yield", "Raises", "Attributes", "Example", "Examples", "Note", "Notes",
                 "Warning", "Warnings", "See Also", "Todo", "References", "Methods", "Other Parameters")


def public_modules() -> List[str]:
    """Dotted names of the public modules, sorted."""
    names = []
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        names.append(pkg)
        for info in pkgutil.walk_packages(mod.__path__, pkg + "."):
            if any(part.startswith("_") for part in info.name.split(".")):
                continue
            if info.name.startswith(MOCK_INTERNAL_PACKAGES) and info.name not in MOCK_PUBLIC:
                continue
            names.append(info.name)
    return sorted(names)


def is_ours(obj: Any) -> bool:
    """True for an object defined in one of :data:`PACKAGES`."""
    mod = getattr(obj, "__module__", None) or ""
    return mod.split(".")[0] in PACKAGES


def exported(module: Any) -> List[str]:
    """The names ``module`` exports: its ``__all__``; without one, the public names it defines or
    assigns, and those it re-exports: imported by a top-level ``from ... import`` marked
    ``# noqa: F401`` (``F403`` for ``*``). A name imported for the module's own use is not an export."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    own, reexported = _own_and_reexported(module)
    out = [n for n, obj in vars(module).items()
           if not n.startswith("_") and not inspect.ismodule(obj)
           and (getattr(obj, "__module__", None) == module.__name__ and getattr(obj, "__name__", None) == n
                or n in own or n in reexported)]
    return out


def _own_and_reexported(module: Any) -> Tuple[List[str], List[str]]:
    try:
        src = inspect.getsource(module)
    except (OSError, TypeError):
        return [], []
    lines = src.splitlines()
    own: List[str] = []
    re_: List[str] = []
    for node in ast.parse(src).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            own += [t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            text = " ".join(lines[node.lineno - 1:(node.end_lineno or node.lineno)])
            if "noqa" not in text or not any(code in text for code in ("F401", "F403")):
                continue
            for alias in node.names:
                if alias.name == "*":
                    star = exported(importlib.import_module(node.module))
                    re_ += [n for n in star if not n.startswith("_")]
                elif not (alias.asname or alias.name).startswith("_"):
                    re_.append(alias.asname or alias.name)
    return own, re_


@dataclass
class Member:
    """One documented callable: ``where`` is the public dotted name it is reported under."""

    where: str
    func: Callable[..., Any]
    kind: str  # "function", "method", "property", "constructor"
    owner: Optional[type] = None
    doc: Optional[str] = None  # a property's own docstring (``property(fget, doc=...)``)


def _unwrap(raw: Any) -> Tuple[Optional[Callable[..., Any]], str]:
    if isinstance(raw, property):
        return raw.fget, "property"
    if isinstance(raw, (staticmethod, classmethod)):
        return inspect.unwrap(raw.__func__), "method"
    if inspect.isfunction(raw):
        return inspect.unwrap(raw), "method"  # a @contextmanager: the generator it wraps
    return None, ""


def _home_rank(mod_name: str, obj: Any) -> Tuple[int, int, str]:
    """Order of preference for an object's documented home among the modules exporting it: its
    own module, then a module of its own package, then the shortest dotted name."""
    own = getattr(obj, "__module__", "")
    return (mod_name != own, mod_name.split(".")[0] != own.split(".")[0], mod_name.count("."), mod_name)


def homes() -> Dict[int, Tuple[str, str]]:
    """``id(obj) -> (module, name)``: where each exported class or function of ours is documented.

    An object defined in a public module under its own name lives there; one defined in a private
    module (``couchbase._kv``) lives in the public module that exports it, preferring its own
    package and the shortest path. Every other module exporting it shows an alias to that home.
    """
    best: Dict[int, Tuple[Tuple[int, int, str], str, str]] = {}
    for mod_name in public_modules():
        module = importlib.import_module(mod_name)
        for name in exported(module):
            obj = getattr(module, name, None)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or not is_ours(obj):
                continue
            if name != obj.__name__:
                continue  # ``Durability = DurabilityLevel``: an alias wherever it appears
            rank = _home_rank(mod_name, obj)
            if id(obj) not in best or rank < best[id(obj)][0]:
                best[id(obj)] = (rank, mod_name, name)
    return {k: (m, n) for k, (_, m, n) in best.items()}


def walk() -> Iterator[Member]:
    """Every public function, method, property and constructor, each once, named at its home."""
    seen: Dict[int, str] = {}
    for obj_id, (mod_name, name) in sorted(homes().items(), key=lambda kv: kv[1]):
        obj = getattr(importlib.import_module(mod_name), name)
        if inspect.isclass(obj):
            yield from _class_members(f"{mod_name}.{name}", obj, seen)
        elif id(obj) not in seen:
            seen[id(obj)] = f"{mod_name}.{name}"
            yield Member(f"{mod_name}.{name}", obj, "function")


def _class_members(where: str, cls: type, seen: Dict[int, str]) -> Iterator[Member]:
    init = _defined_init(cls)
    if init is not None and id(init) not in seen:
        seen[id(init)] = where
        # its arguments are documented by the class that defines it (subclasses inherit both)
        definer = next(k for k in cls.__mro__ if vars(k).get("__init__") is init)
        yield Member(where, init, "constructor", definer)
    for attr in dir(cls):
        if attr.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if attr in vars(k)), None)
        if owner is None or not is_ours(owner):
            continue
        func, kind = _unwrap(vars(owner)[attr])
        # a front end's annotated copy of a shared method (couchbase._generic) is that method
        key = id(getattr(func, "__specialized_from__", func))
        if func is None or key in seen or not is_ours(func):
            continue
        seen[key] = f"{where}.{attr}"
        raw = vars(owner)[attr]
        doc = raw.__doc__ if isinstance(raw, property) else None
        yield Member(f"{where}.{attr}", func, kind, owner, doc)


def _defined_init(cls: type) -> Optional[Callable[..., Any]]:
    """The ``__init__`` ``cls`` gets from one of our classes, if it takes arguments."""
    for k in cls.__mro__:
        if "__init__" in vars(k):
            init = vars(k)["__init__"]
            if not inspect.isfunction(init) or not is_ours(k):
                return None
            return init if parameters(init) else None
    return None


def parameters(func: Callable[..., Any]) -> List[str]:
    """Parameter names as a docstring lists them (``*options``, ``**kwargs``), without self/cls."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    out = []
    for i, p in enumerate(sig.parameters.values()):
        if i == 0 and p.name in ("self", "cls"):
            continue
        prefix = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
        out.append(prefix + p.name)
    return out


def _source_tree(func: Callable[..., Any]) -> Optional[ast.AST]:
    try:
        src = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError):
        return None
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return None
    return tree.body[0] if tree.body else None


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """Nodes of ``fn``'s body, not descending into nested functions, lambdas or classes."""
    stack = list(getattr(fn, "body", []))
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def returns_value(func: Callable[..., Any]) -> bool:
    """True when ``func`` hands a value back: a ``return <expr>`` that is not ``None``, or a
    return annotation other than ``None``/``NoReturn``."""
    ann = getattr(func, "__annotations__", {}).get("return", inspect.Signature.empty)
    if ann is not inspect.Signature.empty and ann not in (None, "None", "NoReturn", "typing.NoReturn"):
        if str(ann) not in ("None", "NoReturn", "typing.NoReturn"):
            return True
    fn = _source_tree(func)
    if fn is None:
        return False
    for node in _own_nodes(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            if not (isinstance(node.value, ast.Constant) and node.value.value is None):
                return True
    return False


def is_generator(func: Callable[..., Any]) -> bool:
    """True for a generator or async generator function."""
    return inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func)


def sections(doc: str) -> Dict[str, List[str]]:
    """A Google-style docstring's sections: name -> its indented lines (dedented one level)."""
    out: Dict[str, List[str]] = {}
    current: Optional[str] = None
    for line in doc.splitlines():
        stripped = line.strip()
        if not line.startswith((" ", "\t")) and stripped.endswith(":") and stripped[:-1] in SECTION_NAMES:
            current = stripped[:-1]
            out.setdefault(current, [])
            continue
        if current is None:
            continue
        if stripped and not line.startswith((" ", "\t")):
            current = None  # back to prose
            continue
        out[current].append(line)
    return out


def section_entries(lines: List[str]) -> List[str]:
    """Names of the entries of an Args/Raises section (``name (type): text`` or ``Type: text``)."""
    if not lines:
        return []
    indent = min(len(x) - len(x.lstrip()) for x in lines if x.strip())
    names = []
    for line in lines:
        if line.strip() and len(line) - len(line.lstrip()) == indent:
            head = line.strip().split(":", 1)[0]
            names.append(head.split(" (", 1)[0].strip())
    return names
