"""Certificates for the mock's TLS ports, from a CA generated per cluster.

Uses ``trustme`` (the ``mock`` extra). The CA certificate is written to a
temporary file so clients can be pointed at it (``certpath=`` for
libcouchbase); a client that does not trust it must fail verification.
"""
from __future__ import annotations

import os
import ssl
import tempfile
from typing import Tuple


def make_server_context() -> Tuple[ssl.SSLContext, str]:
    """(server SSLContext for 127.0.0.1/localhost, path of the CA certificate PEM)."""
    try:
        import trustme
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("TLS in couchbase_mock needs the 'trustme' package (pip install trustme)") from exc
    ca = trustme.CA()
    # libcouchbase matches the host against the subject CN as well as the SANs
    cert = ca.issue_cert("127.0.0.1", "localhost", common_name="127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    fd, path = tempfile.mkstemp(prefix="couchbase-mock-ca-", suffix=".pem")
    with os.fdopen(fd, "wb") as fh:
        fh.write(ca.cert_pem.bytes())
    return ctx, path
