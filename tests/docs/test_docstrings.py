"""Every public function and method carries the Google-style sections the reference docs render.

Walks the public API (:mod:`support.public_api`: every name the public modules export, every
public method and property of those classes, each constructor) and requires:

* a docstring;
* for a function or method: ``Args:`` naming each parameter (``*options``, ``**kwargs`` included)
  when it takes any, ``Returns:`` when it returns a value (``Yields:`` for a generator), and
  ``Raises:`` naming at least one exception (or, for a method that cannot fail, a line saying
  ``Never raises``);
* for a constructor taking arguments: ``Args:`` naming each, in the class or ``__init__`` docstring.

There is no allow-list: a public method added without its sections fails the test, by name.
"""
from __future__ import annotations

import importlib.util
import inspect
import pathlib
import re
from typing import Dict, List

import pytest

from support import public_api as api

#: The one alternative to a Raises section, for a method that cannot fail: saying so, in a line of its own.
NEVER_RAISES = re.compile(r"^Never raises\b", re.M)
DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"


def problems(member: api.Member) -> List[str]:
    """What ``member``'s docstring lacks (empty when it is complete)."""
    doc = (inspect.cleandoc(member.doc) if member.doc else inspect.getdoc(member.func)) or ""
    if member.kind == "constructor":
        doc = "\n".join(d for d in (inspect.getdoc(member.owner), inspect.cleandoc(member.func.__doc__ or ""))
                        if d)
    if not doc.strip():
        return ["no docstring"]
    if member.kind == "property":
        return []
    found = api.sections(doc)
    out = []
    params = api.parameters(member.func)
    if params:
        listed = set(api.section_entries(found.get("Args", []) + found.get("Keyword Args", [])))
        missing = [p for p in params if p not in listed and p.lstrip("*") not in listed]
        if missing:
            out.append("Args: " + ", ".join(missing) if "Args" in found else "no Args")
    if member.kind == "constructor":
        return out
    if api.is_generator(member.func):
        if "Yields" not in found:
            out.append("no Yields")
    elif api.returns_value(member.func) and "Returns" not in found:
        out.append("no Returns")
    if not api.section_entries(found.get("Raises", [])) and not NEVER_RAISES.search(doc):
        out.append("no Raises")
    return out


def all_problems() -> Dict[str, List[str]]:
    return {m.where: p for m in api.walk() if (p := problems(m))}


def test_public_methods_have_args_returns_raises() -> None:
    found = all_problems()
    assert not found, "public API without its docstring sections:\n" + "\n".join(
        f"  {k}: {'; '.join(v)}" for k, v in sorted(found.items()))


def test_every_public_module_is_in_the_reference() -> None:
    """docs/conf.py writes one page per public module; index.rst must place each in its contents
    (Sphinx -W fails on a page in no toctree, this says which without building)."""
    index = (DOCS / "index.rst").read_text()
    listed = set(re.findall(r"^\s+api/([\w.]+)\s*$", index, re.M))
    public = set(api.public_modules())
    missing, extra = sorted(public - listed), sorted(listed - public)
    assert not missing, f"public modules missing from docs/index.rst: {missing}"
    assert not extra, f"docs/index.rst lists modules that are not public: {extra}"


@pytest.mark.parametrize("doc, expect", [
    ('"""Get.\n\n    Args:\n        key: the key.\n\n    Returns:\n        GetResult: it.\n\n'
     '    Raises:\n        DocumentNotFoundException: no such key.\n    """', []),
    ('"""Get."""', ["no Args", "no Returns", "no Raises"]),
    ('"""Get.\n\n    Args:\n        other: x.\n\n    Returns:\n        x.\n\n    Raises:\n    """',
     ["Args: key", "no Raises"]),
])
def test_the_check_catches_what_it_should(doc: str, expect: List[str], tmp_path: pathlib.Path) -> None:
    src = tmp_path / "docstring_probe.py"
    src.write_text(f"def get(key):\n    {doc}\n    return 1\n")
    spec = importlib.util.spec_from_file_location("docstring_probe", src)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert problems(api.Member("x.get", module.get, "function")) == expect
