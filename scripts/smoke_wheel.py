"""Smoke tour of an installed wheel, against the mock cluster it ships.

Run by scripts/test.sh with the python of a fresh virtualenv into which only the wheel (with
its ``mock`` extra) was installed, from outside the checkout, after libcouchbase's build cache
was deleted: everything must come from the wheel. Checks that ``couchbase`` and libcouchbase
are loaded from the virtualenv (libcouchbase from the wheel's ``couchbase_cffi.libs``), then
tours the blocking API, the raw callbacks and asyncio. Exits non-zero on any failure.
"""
from __future__ import annotations

import asyncio
import os
import sys


def check(label: str, ok: bool, detail: object = "") -> None:
    print(f"  {'ok ' if ok else 'FAIL'} {label} {detail}", flush=True)
    if not ok:
        raise SystemExit(1)


def loaded_libraries() -> set:
    with open("/proc/self/maps") as maps:
        return {line.split()[-1] for line in maps if "/" in line and ".so" in line}


def main() -> None:
    import couchbase
    import couchbase_mock
    from couchbase._binding import lib  # noqa: F401 - loads the extension and libcouchbase

    prefix = os.path.realpath(sys.prefix)
    print(f"{sys.implementation.name} {sys.version.split()[0]} in {prefix}")
    for mod in (couchbase, couchbase_mock):
        where = os.path.realpath(mod.__file__)
        check(f"{mod.__name__} from the venv", where.startswith(prefix), where)
    lcb = sorted(p for p in loaded_libraries() if "libcouchbase" in os.path.basename(p))
    check("libcouchbase from the wheel", bool(lcb) and all(
        os.path.realpath(p).startswith(prefix) and "couchbase_cffi.libs" in p for p in lcb), lcb)
    check("libcouchbase version", couchbase.lcb_version().startswith("3."), couchbase.lcb_version())

    import couchbase.subdocument as SD
    from couchbase.asynchronous import AsyncCluster, SelectorIOPS, SelectorLoop
    from couchbase.auth import PasswordAuthenticator
    from couchbase.cluster import Cluster
    from couchbase.exceptions import DocumentNotFoundException
    from couchbase.options import ClusterOptions

    with couchbase_mock.MockCluster(nodes=2, replicas=1) as mock:
        opts = ClusterOptions(PasswordAuthenticator(mock.username, mock.password))
        with Cluster(mock.connstr, opts) as cluster:
            coll = cluster.bucket("default").default_collection()
            coll.upsert("smoke", {"n": 1})
            coll.mutate_in("smoke", [SD.increment("n", 2)])
            check("blocking upsert/mutate_in/get", coll.get("smoke").value == {"n": 3})
            try:
                coll.get("missing")
                check("typed error", False)
            except DocumentNotFoundException:
                check("typed error", True)
            multi = coll.get_multi(["smoke", "missing"], return_exceptions=True)
            check("get_multi", len(multi) == 2)
            rows = list(cluster.query("SELECT RAW 1"))
            check("N1QL", rows == [1], rows)

        loop = SelectorLoop()
        raw = AsyncCluster(mock.connstr, opts, iops_factory=lambda: SelectorIOPS(loop))
        res = raw.bucket("default").default_collection().get("smoke")
        got = []
        res.callback, res.errback = got.append, lambda *exc: got.append(exc)
        loop.run_until(lambda: res.done)
        check("raw callbacks", got and got[0].value == {"n": 3})
        raw.close()

        async def tour() -> object:
            from acouchbase.cluster import Cluster as ACluster

            acluster = await ACluster.connect(mock.connstr, opts)
            try:
                return (await acluster.bucket("default").default_collection().get("smoke")).value
            finally:
                await acluster.close()

        check("asyncio", asyncio.run(tour()) == {"n": 3})
    print("smoke tour passed", flush=True)


if __name__ == "__main__":
    main()
