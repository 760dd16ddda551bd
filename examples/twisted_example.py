"""Twisted with txcouchbase: Deferred chains against a cluster.

``python examples/twisted_example.py`` starts an embedded mock cluster (or use
``--connstr``/``--user``/``--password`` for a real one, e.g. the string that
``python -m couchbase_mock`` prints), then, as one chain of Deferreds:

1. waits for the connection (``registerDeferred('connect', d)``),
2. stores a few documents with one pipelined ``upsertMulti``,
3. reads one back, bumps a counter, reads a missing key (errback → 404-style
   line), and fetches them all with ``getMulti``,
4. closes the cluster and waits for ``registerDeferred('_dtor', d)``.

It prints one line per step. ``--reactor asyncio|select|poll`` installs another
reactor first (the default is Twisted's platform default).
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, List


def install_reactor(name: str) -> None:
    """Install the reactor named on the command line (before anything imports the global one)."""
    if name == "asyncio":
        from twisted.internet import asyncioreactor

        asyncioreactor.install()
    elif name == "select":
        from twisted.internet import selectreactor

        selectreactor.install()
    elif name == "poll":
        from twisted.internet import pollreactor

        pollreactor.install()


def chain(cluster: Any, lines: List[str]) -> Any:
    """The whole program as a Deferred chain; each step appends a line."""
    from twisted.internet.defer import Deferred

    from couchbase.exceptions import DocumentNotFoundException
    from couchbase.options import DeltaValue, SignedInt64

    coll = cluster.bucket("default").default_collection()
    cities = {f"city-{i}": {"id": i, "name": name} for i, name in enumerate(["Oslo", "Lima", "Pune"])}

    connected: Deferred = Deferred()
    cluster.registerDeferred("connect", connected)
    d = connected
    d.addCallback(lambda _: lines.append("connected"))
    d.addCallback(lambda _: coll.upsertMulti(cities))
    d.addCallback(lambda res: lines.append(f"stored {len(res)} documents, all ok: {res.all_ok}"))
    d.addCallback(lambda _: coll.get("city-1"))
    d.addCallback(lambda res: lines.append(f"get city-1: {res.value}"))
    d.addCallback(lambda _: coll.binary().increment("visits", delta=DeltaValue(1), initial=SignedInt64(1)))
    d.addCallback(lambda res: lines.append(f"visits: {res.content}"))
    d.addCallback(lambda _: coll.get("city-404"))

    def missing(failure: Any) -> None:
        failure.trap(DocumentNotFoundException)
        lines.append("city-404: not found")

    d.addCallbacks(lambda res: lines.append(f"unexpected: {res!r}"), missing)
    d.addCallback(lambda _: coll.getMulti(sorted(cities)))
    d.addCallback(lambda res: lines.append("names: " + ", ".join(r.value["name"] for r in res.values())))

    def close(passthrough: Any) -> Any:
        released: Deferred = Deferred()
        cluster.registerDeferred("_dtor", released)
        cluster.close()
        released.addCallback(lambda _: lines.append("closed"))
        released.addCallback(lambda _: passthrough)
        return released

    d.addBoth(close)
    return d


def main(argv: Any = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connstr")
    p.add_argument("--user", default="Administrator")
    p.add_argument("--password", default="password")
    p.add_argument("--reactor", choices=["default", "asyncio", "select", "poll"], default="default")
    args = p.parse_args(argv)
    install_reactor(args.reactor)

    from twisted.internet import reactor

    from couchbase.auth import PasswordAuthenticator
    from couchbase.options import ClusterOptions
    from txcouchbase.cluster import TxCluster

    mock = None
    connstr = args.connstr
    if connstr is None:
        from couchbase_mock import MockCluster

        mock = MockCluster(nodes=2, replicas=1, buckets=["default"]).start()
        connstr, args.user, args.password = mock.connstr, mock.username, mock.password

    lines: List[str] = []
    errors: List[Any] = []

    def start() -> None:
        cluster = TxCluster(connstr, ClusterOptions(PasswordAuthenticator(args.user, args.password)))
        d = chain(cluster, lines)
        d.addErrback(errors.append)
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(start)
    reactor.run()
    if mock is not None:
        mock.stop()
    print(f"reactor: {type(reactor).__name__}")
    for line in lines:
        print(line)
    if errors:
        print(f"failed: {errors[0].getErrorMessage()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
