"""gevent with gcouchbase: a monkey-patched WSGI server serving documents from Couchbase.

``python examples/gevent_wsgi.py`` starts a mock cluster (``python -m
couchbase_mock`` in a child process, with ``--latency-ms`` added to every KV
reply), stores ``--docs`` documents ``doc-0``, ``doc-1``, … and serves them
with ``gevent.pywsgi`` at ``http://127.0.0.1:<port>/doc/<key>`` (JSON; 404 for a
missing key). ``--connstr``/``--user``/``--password`` use a real cluster
instead. The first line printed is ``serving on http://127.0.0.1:<port>/doc/<key>``;
SIGTERM or SIGINT stops it.

Every request runs in its own greenlet and calls the ordinary blocking API
(``coll.get(key)``); only that greenlet waits for Couchbase, so the server
keeps accepting and answering other requests meanwhile, all on one Cluster.
"""
from gevent import monkey

monkey.patch_all()  # first, before anything else is imported

import argparse  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from typing import Any, Callable, Iterable, List, Optional  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

from couchbase.auth import PasswordAuthenticator  # noqa: E402
from couchbase.exceptions import CouchbaseException, DocumentNotFoundException  # noqa: E402
from couchbase.options import ClusterOptions  # noqa: E402
from gcouchbase.cluster import Cluster  # noqa: E402


def make_app(coll: Any) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """The WSGI application: ``GET /doc/<key>`` → the document as JSON."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        status, body = "400 Bad Request", {"error": "use GET /doc/<key>"}
        if environ.get("REQUEST_METHOD") == "GET" and path.startswith("/doc/") and len(path) > 5:
            key = path[len("/doc/"):]
            try:
                status, body = "200 OK", coll.get(key).value
            except DocumentNotFoundException:
                status, body = "404 Not Found", {"error": f"no document {key!r}"}
            except CouchbaseException as exc:
                status, body = "503 Service Unavailable", {"error": type(exc).__name__}
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
        return [payload]

    return app


def start_mock(latency_ms: float) -> "tuple[subprocess.Popen[str], str]":
    """Run ``python -m couchbase_mock`` in a child process; returns it and its connection string."""
    proc = subprocess.Popen([sys.executable, "-m", "couchbase_mock", "--nodes", "1", "--replicas", "0",
                             "--latency-ms", str(latency_ms)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    connstr = proc.stdout.readline().strip()
    if not connstr.startswith("couchbase://"):
        proc.kill()
        raise RuntimeError(f"the mock did not start: {connstr!r}")
    return proc, connstr


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connstr")
    p.add_argument("--user", default="Administrator")
    p.add_argument("--password", default="password")
    p.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    p.add_argument("--docs", type=int, default=100)
    p.add_argument("--latency-ms", type=float, default=50, help="latency of the embedded mock")
    args = p.parse_args(argv)

    mock = None
    connstr = args.connstr
    if connstr is None:
        mock, connstr = start_mock(args.latency_ms)
    try:
        cluster = Cluster(connstr, ClusterOptions(PasswordAuthenticator(args.user, args.password)))
        coll = cluster.bucket("default").default_collection()
        coll.upsert_multi({f"doc-{i}": {"id": i, "name": f"document {i}"} for i in range(args.docs)})
        server = WSGIServer(("127.0.0.1", args.port), make_app(coll), log=None, backlog=2048)
        server.start()
        print(f"serving on http://127.0.0.1:{server.server_port}/doc/<key>", flush=True)
        stop = gevent.event.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(sig, stop.set)
        stop.wait()
        server.stop(timeout=5)
        cluster.close()
        print("stopped", flush=True)
    finally:
        if mock is not None:
            mock.terminate()
            mock.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
