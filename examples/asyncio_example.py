"""asyncio with acouchbase: a tiny HTTP JSON service in plain asyncio, backed by Couchbase.

``python examples/asyncio_example.py`` starts an embedded mock cluster, loads a
few documents, serves them at ``http://127.0.0.1:<port>/doc/<key>`` with
``asyncio.start_server`` (no web framework needed), fetches a few URLs from
itself concurrently and prints what came back. ``--connstr``/``--user``/
``--password`` point it at a real cluster instead; ``--serve`` keeps serving.
Works on uvloop too (``--uvloop``).
"""
from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any, Optional, Tuple

from acouchbase.cluster import Cluster
from couchbase.auth import PasswordAuthenticator
from couchbase.exceptions import DocumentNotFoundException
from couchbase.options import ClusterOptions


async def handle(coll: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """One HTTP/1.0-style request: GET /doc/<key> → the document as JSON, or 404."""
    request = await reader.readline()
    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
        pass  # skip the headers
    parts = request.decode("latin-1").split()
    status, body = 400, {"error": "bad request"}
    if len(parts) >= 2 and parts[0] == "GET" and parts[1].startswith("/doc/"):
        key = parts[1][len("/doc/"):]
        try:
            status, body = 200, (await coll.get(key)).value
        except DocumentNotFoundException:
            status, body = 404, {"error": f"no document {key!r}"}
    payload = json.dumps(body).encode()
    writer.write(f"HTTP/1.0 {status} X\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
    await writer.drain()
    writer.close()


async def fetch(port: int, path: str) -> Tuple[int, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.0\r\n\r\n".encode())
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


async def serve(connstr: str, user: str, password: str, keep_serving: bool) -> None:
    async with Cluster(connstr, ClusterOptions(PasswordAuthenticator(user, password))) as cluster:
        coll = cluster.bucket("default").default_collection()
        await asyncio.gather(*[coll.upsert(f"city-{i}", {"id": i, "name": name})
                               for i, name in enumerate(["Oslo", "Lima", "Pune", "Kyiv", "Faro"])])
        server = await asyncio.start_server(lambda r, w: handle(coll, r, w), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        print(f"serving on http://127.0.0.1:{port}/doc/<key>")
        async with server:
            answers = await asyncio.gather(*[fetch(port, f"/doc/city-{i}") for i in range(5)],
                                           fetch(port, "/doc/atlantis"))
            for status, body in answers:
                print(status, body)
            if keep_serving:
                await server.serve_forever()


def main(argv: Optional[list[Any]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connstr")
    parser.add_argument("--user", default="Administrator")
    parser.add_argument("--password", default="password")
    parser.add_argument("--serve", action="store_true", help="keep serving after the self-test")
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args(argv)
    runner: Any = asyncio.run
    if args.uvloop:
        import uvloop

        runner = uvloop.run
    if args.connstr:
        runner(serve(args.connstr, args.user, args.password, args.serve))
        return
    from couchbase_mock import MockCluster

    with MockCluster(nodes=1, buckets=["default"]) as mock:
        runner(serve(mock.connstr, mock.username, mock.password, args.serve))


if __name__ == "__main__":
    main()
