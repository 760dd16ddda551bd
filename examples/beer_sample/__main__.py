"""Run the beer-sample application: ``python -m examples.beer_sample`` (from the repository root).

Starts an embedded mock cluster with a ``beer-sample`` bucket, loads the generated data set and
the design documents (:mod:`examples.beer_sample.load`), then serves the Flask application
(:mod:`examples.beer_sample.beer`) until interrupted; the application connects as 1.x clients do,
as the bucket (the loader uses the cluster's user, ``--username``/``--password``). ``--connstr``
uses a running cluster instead of the mock (the data is loaded unless ``--no-load``). The line
``serving on http://HOST:PORT/`` tells when the application answers (``--port 0`` picks a free
port).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Optional, Sequence
from urllib.parse import urlparse

from examples.beer_sample.data import BEERS, BREWERIES


def _parse(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m examples.beer_sample", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help="address the web application listens on")
    parser.add_argument("--port", type=int, default=5000, help="its port (0: any free port)")
    parser.add_argument("--connstr", help="a running cluster (couchbase://host[:port]) instead of the mock")
    parser.add_argument("--username", default="Administrator")
    parser.add_argument("--password", default="password")
    parser.add_argument("--bucket", default="beer-sample")
    parser.add_argument("--no-load", action="store_true", help="with --connstr: the data is already there")
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--breweries", type=int, default=BREWERIES)
    parser.add_argument("--beers", type=int, default=BEERS)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parse(argv)
    mock = None
    try:
        if args.connstr:
            connstr = args.connstr
        else:
            from couchbase_mock import MockCluster

            mock = MockCluster(
                nodes=1, replicas=0, buckets=[args.bucket], username=args.username, password=args.password
            ).start()
            mock.add_user(args.bucket, "")  # the application logs in as 1.x clients do: as the bucket
            connstr = mock.connstr
            print(f"mock cluster up: {connstr}", flush=True)
        if not (args.connstr and args.no_load):
            from examples.beer_sample.load import load

            start = time.perf_counter()
            stored = load(
                connstr, args.username, args.password, args.bucket, args.seed, args.breweries, args.beers
            )
            print(
                f"loaded {stored} documents and the design documents in {time.perf_counter() - start:.1f} s",
                flush=True,
            )
        url = urlparse(connstr.replace("couchbase://", "http://", 1))
        if mock is not None:
            port = mock.nodes[0].mgmt_port
        else:
            port = 8091 if url.port is None or url.port == 11210 else url.port
        os.environ.update(
            {
                "BEER_SAMPLE_BUCKET": args.bucket,
                "BEER_SAMPLE_HOST": url.hostname or "localhost",
                "BEER_SAMPLE_PORT": str(port),
                "BEER_SAMPLE_USERNAME": "" if mock is not None else args.username,
                "BEER_SAMPLE_PASSWORD": "" if mock is not None else args.password,
            }
        )
        from werkzeug.serving import make_server

        from examples.beer_sample.beer import app

        server = make_server(args.host, args.port, app, threaded=True)
        print(f"serving on http://{args.host}:{server.server_port}/", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return 0
    finally:
        if mock is not None:
            mock.stop()


if __name__ == "__main__":
    sys.exit(main())
