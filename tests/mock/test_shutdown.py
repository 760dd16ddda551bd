"""Stopping a MockCluster while requests are in flight is quiet: every connection's task is
cancelled and awaited before the loop closes (no "Task was destroyed but it is pending", no
``aclose()`` RuntimeError from a stream cut short)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import base64, gc, socket, time
    from couchbase_mock import MockCluster

    mock = MockCluster(nodes=2).start()
    ports = mock.pinned_ports()
    auth = base64.b64encode(("%s:%s" % (mock.username, mock.password)).encode())
    body = b'{"statement":"SELECT RAW n FROM ARRAY_RANGE(0, 1000000) AS n"}'
    socks = []
    for name in ("node0.n1ql", "node1.n1ql", "node0.cbas"):
        s = socket.create_connection(("127.0.0.1", ports[name]))
        path = b"/analytics/service" if "cbas" in name else b"/query/service"
        head = b"Content-Type: application/json\\r\\nContent-Length: %d\\r\\n" % len(body)
        s.sendall(b"POST " + path + b" HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Basic " + auth + b"\\r\\n"
                  + head + b"\\r\\n" + body)
        assert s.recv(64).startswith(b"HTTP/1.1 200")  # the stream has started and is not read
        socks.append(s)
    for name in ("node0.n1ql", "node0.mgmt", "control"):  # a request waiting for the rest of its body
        s = socket.create_connection(("127.0.0.1", ports[name]))
        s.sendall(b"POST /query/service HTTP/1.1\\r\\nContent-Length: 50\\r\\n\\r\\nabc")
        socks.append(s)
    s = socket.create_connection(("127.0.0.1", ports["node0.mgmt"]))  # a streaming configuration
    s.sendall(b"GET /pools/default/bs/default HTTP/1.1\\r\\nAuthorization: Basic " + auth + b"\\r\\n\\r\\n")
    socks.append(s)
    time.sleep(0.3)
    mock.stop()
    gc.collect()
    for s in socks:
        s.close()
    print("stopped")
""")


def test_stopping_with_requests_in_flight_is_quiet() -> None:
    proc = subprocess.run([sys.executable, "-X", "dev", "-W", "ignore::ResourceWarning", "-c", SCRIPT],
                          capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "stopped", proc.stderr
    noise = [line for line in proc.stderr.splitlines()
             if "destroyed but it is pending" in line or "aclose" in line or "Traceback" in line
             or "Error" in line or "exception" in line.lower()]
    assert noise == [], proc.stderr
