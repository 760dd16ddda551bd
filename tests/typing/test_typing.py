"""The public types as a user's type checker sees them, and as help() shows them.

* ``user_program.py`` uses the API on every front end with ``assert_type`` expectations:
  mypy --strict must accept it (a wrong revealed type is an error);
* ``rejected_program.py`` holds mistakes, each marked ``# rejected: <code>``: each must draw
  that mypy error and no other line may draw one;
* at run time, every front end's Collection methods carry that front end's types (what
  ``help(Collection.get)`` shows), and none still names a shared type parameter.
"""
from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
from typing import Dict, List, Set, Tuple

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def _mypy(path: str) -> List[Tuple[str, int, str, str]]:
    """(file, line, code, message) of each mypy --strict error in ``path``."""
    pytest.importorskip("mypy", reason="mypy is in the dev extra")
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", os.path.join(ROOT, "pyproject.toml"),
         "--no-incremental", "--follow-imports=silent", "--show-error-codes", "--no-error-summary", path],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    out = []
    for line in proc.stdout.splitlines():
        m = re.match(r"^(.+?):(\d+): error: (.*?)\s+\[([\w-]+)\]$", line)
        if m:
            out.append((m.group(1), int(m.group(2)), m.group(4), m.group(3)))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return out


def test_user_program_types_as_expected() -> None:
    errors = _mypy(os.path.join(HERE, "user_program.py"))
    assert errors == [], "\n".join(f"{f}:{n}: {msg} [{code}]" for f, n, code, msg in errors)


def test_mistakes_are_rejected() -> None:
    path = os.path.join(HERE, "rejected_program.py")
    expected: Dict[int, str] = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = re.search(r"# rejected: ([\w-]+)", line)
            if m:
                expected[n] = m.group(1)
    assert len(expected) >= 10
    got: Dict[int, Set[str]] = {}
    for _file, n, code, _msg in _mypy(path):
        got.setdefault(n, set()).add(code)
    accepted = {n: code for n, code in expected.items() if code not in got.get(n, set())}
    assert not accepted, f"mypy accepted lines that must be rejected (line: code): {accepted}; got {got}"
    unexpected = {n: codes for n, codes in got.items() if n not in expected}
    assert not unexpected, f"mypy rejected unmarked lines: {unexpected}"


def _front_ends() -> Dict[str, Tuple[type, str]]:
    import acouchbase.cluster
    import gcouchbase.cluster
    import txcouchbase.cluster
    from couchbase.asynchronous import AsyncCollection
    from couchbase.collection import Collection

    return {
        "blocking": (Collection, "{}"),
        "gevent": (gcouchbase.cluster.Collection, "{}"),
        "raw": (AsyncCollection, "AsyncResult[{}]"),
        "txraw": (txcouchbase.cluster.TxRawCollection, "AsyncResult[{}]"),
        "asyncio": (acouchbase.cluster.Collection, "Future[{}]"),
        "twisted": (txcouchbase.cluster.TxCollection, "Deferred[{}]"),
    }


@pytest.mark.parametrize("front_end", ["blocking", "gevent", "raw", "txraw", "asyncio", "twisted"])
def test_help_shows_the_front_ends_signature(front_end: str) -> None:
    cls, wrap = _front_ends()[front_end]
    sig = inspect.signature(cls.get)
    assert str(sig) == (f"(self, key: 'str', *options: 'GetOptions', **kwargs: 'Unpack[GetKwargs]') "
                        f"-> '{wrap.format('GetResult')}'")
    assert sig.return_annotation == wrap.format("GetResult")
    assert inspect.signature(cls.upsert).return_annotation == wrap.format("MutationResult")
    assert inspect.signature(cls.get_all_replicas).return_annotation == wrap.format("List[GetReplicaResult]")
    refused = front_end in ("raw", "txraw")  # the raw front ends refuse the data structures
    assert inspect.signature(cls.set_add).return_annotation == (
        "NoReturn" if refused else wrap.format("Optional[OperationResult]"))
    assert inspect.signature(cls.couchbase_list).return_annotation.endswith("CouchbaseList")
    assert "Read a document" in (cls.get.__doc__ or "")
    import pydoc

    text = pydoc.render_doc(cls.get, renderer=pydoc.plaintext)
    assert f"-> '{wrap.format('GetResult')}'" in text


def _classes(front_end: str) -> List[type]:
    """The front end's Collection, Scope, Bucket and Cluster."""
    import acouchbase.cluster
    import couchbase.bucket
    import couchbase.cluster
    import couchbase.scope
    import gcouchbase.cluster
    import txcouchbase.cluster
    from couchbase import asynchronous

    coll, _ = _front_ends()[front_end]
    more = {
        "blocking": (couchbase.scope.Scope, couchbase.bucket.Bucket, couchbase.cluster.Cluster),
        "gevent": (gcouchbase.cluster.Scope, gcouchbase.cluster.Bucket, gcouchbase.cluster.Cluster),
        "raw": (asynchronous.AsyncScope, asynchronous.AsyncBucket, asynchronous.AsyncCluster),
        "txraw": (txcouchbase.cluster.TxRawScope, txcouchbase.cluster.TxRawBucket,
                  txcouchbase.cluster.TxRawCluster),
        "asyncio": (acouchbase.cluster.Scope, acouchbase.cluster.Bucket, acouchbase.cluster.Cluster),
        "twisted": (txcouchbase.cluster.TxScope, txcouchbase.cluster.TxBucket, txcouchbase.cluster.TxCluster),
    }
    return [coll, *more.get(front_end, ())]


@pytest.mark.parametrize("front_end", ["blocking", "gevent", "raw", "txraw", "asyncio", "twisted"])
def test_no_public_method_names_a_type_parameter(front_end: str) -> None:
    from couchbase import _generic

    params = {name for name, value in vars(_generic).items() if isinstance(value, type(_generic.GetT))}
    pattern = re.compile(r"\b(" + "|".join(params) + r")\b")
    left = []
    checked = 0
    for cls in _classes(front_end):
        for name in dir(cls):
            if name.startswith("_"):
                continue
            member = getattr(cls, name)
            if not inspect.isfunction(member):
                continue
            checked += 1
            for ann in member.__annotations__.values():
                if isinstance(ann, str) and pattern.search(ann):
                    left.append((cls.__qualname__, name, ann))
    assert checked > 40
    assert not left


def test_specialised_copies_share_the_code() -> None:
    """The front ends' annotated methods run the very same code as the shared ones (no wrapper)."""
    import acouchbase.cluster
    from couchbase._kv import KVOperations

    assert acouchbase.cluster.Collection.get is not KVOperations.get
    assert acouchbase.cluster.Collection.get.__code__ is KVOperations.get.__code__
