"""Command line: run a mock cluster until SIGINT/SIGTERM.

The first line of stdout is the connection string; the second a JSON object
with the ports and the control URL.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from typing import List, Optional

from couchbase_mock import MockCluster


def parse(argv: Optional[List[str]]) -> argparse.Namespace:
    """Parse the command line (``python -m couchbase_mock --help`` lists the options).

    Args:
        argv: The arguments (None: ``sys.argv[1:]``).

    Returns:
        argparse.Namespace: The options.

    Raises:
        SystemExit: ``--help``, or an invalid argument (argparse prints why).
    """
    p = argparse.ArgumentParser(prog="python -m couchbase_mock", description="Run a mock Couchbase cluster.")
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--replicas", type=int, default=1)
    p.add_argument("--buckets", default="default", help="comma-separated bucket names")
    p.add_argument("--vbuckets", type=int, default=64)
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--user", default="Administrator")
    p.add_argument("--password", default="password")
    p.add_argument("--tls", action="store_true", help="also serve TLS ports (prints the CA path)")
    p.add_argument("--control-port", type=int, default=0)
    p.add_argument("--port", type=int, default=None, metavar="BASE",
                   help="pin every port from BASE on (node i from BASE+16*i: KV, KV TLS, mgmt, capi, "
                        "n1ql, fts, cbas, eventing, their TLS twins; then the control port), "
                        "so a restarted mock comes back on the same addresses; default: free ports")
    p.add_argument("--stats", type=float, default=0, metavar="SECONDS",
                   help="every SECONDS, print the KV operations per second served (to stderr)")
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """Run a mock cluster until SIGINT/SIGTERM.

    Prints the connection string, then a JSON line with the ports, the control URL and the CA path;
    with ``--stats SECONDS``, the KV operations per second on stderr.

    Args:
        argv: The arguments (None: ``sys.argv[1:]``).

    Returns:
        int: The exit status: 0, or 2 when the mock could not start (the reason on stderr).

    Raises:
        SystemExit: An invalid argument (argparse prints why).
    """
    args = parse(argv)
    buckets = [b for b in args.buckets.split(",") if b]
    try:
        mock = MockCluster(nodes=args.nodes, replicas=args.replicas, buckets=buckets, vbuckets=args.vbuckets,
                           username=args.user, password=args.password, latency_ms=args.latency_ms,
                           tls=args.tls, control_port=args.control_port, base_port=args.port).start()
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(mock.connstr, flush=True)
    info = mock.info()
    info.update(control_url=mock.control_url, ca_cert_path=mock.ca_cert_path)
    print(json.dumps(info), flush=True)
    interval = args.stats if args.stats > 0 else 0.5
    last_ops, last_time = info["ops"], time.monotonic()
    while not stop.wait(interval):
        if args.stats > 0:
            ops, now = mock.info()["ops"], time.monotonic()
            print(f"[couchbase_mock] {(ops - last_ops) / (now - last_time):.0f} ops/s ({ops} total)",
                  file=sys.stderr, flush=True)
            last_ops, last_time = ops, now
    mock.stop()
    return 0
