"""The mock's client-certificate authentication over plain REST and HTTPS (Python's ssl, no SDK).

* ``GET``/``POST /settings/clientCertAuth`` read and change the settings (202), refuse bad ones with
  400 and the reasons (nothing applied), and need the security-admin role (403 otherwise).
* Over HTTPS a certificate is asked for only when enabled; a certificate mapped to a user makes the
  request that user's (``/whoami``), whatever Basic auth says; one that maps to no known user gets
  401; ``mandatory`` fails the handshake of a client without a certificate.
"""
from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from typing import Any, Iterator, Optional, Tuple

import pytest

from couchbase_mock import MockCluster

RULES = [{"path": "subject.cn", "prefix": "", "delimiter": ""},
         {"path": "san.dnsname", "prefix": "u-", "delimiter": "."}]


@pytest.fixture(scope="module")
def mock() -> Iterator[MockCluster]:
    with MockCluster(nodes=1, buckets=["default"], tls=True) as m:
        status, _ = call(m, "PUT", "/settings/rbac/users/local/viewer", b"password=viewer-pw&roles=ro_admin",
                         (m.username, m.password), ctype="application/x-www-form-urlencoded")
        assert status == 200
        yield m


def call(mock: MockCluster, method: str, path: str, body: Optional[bytes] = None,
         basic: Optional[Tuple[str, str]] = None, tls: bool = False, cert: Optional[Tuple[str, str]] = None,
         ctype: str = "application/json") -> Tuple[int, Any]:
    ports = mock.pinned_ports()
    port = ports["node0.mgmtSSL" if tls else "node0.mgmt"]
    req = urllib.request.Request(f"{'https' if tls else 'http'}://127.0.0.1:{port}{path}", data=body,
                                 method=method)
    if basic is not None:
        req.add_header("Authorization", "Basic " + base64.b64encode(":".join(basic).encode()).decode())
    if body is not None:
        req.add_header("Content-Type", ctype)
    context = None
    if tls:
        context = ssl.create_default_context(cafile=mock.ca_cert_path)
        if cert is not None:
            context.load_cert_chain(*cert)
    try:
        with urllib.request.urlopen(req, timeout=30, context=context) as resp:
            data = resp.read()
            return resp.status, json.loads(data) if data else None
    except urllib.error.HTTPError as exc:
        data = exc.read()
        return exc.code, json.loads(data) if data else None


def settings(mock: MockCluster, body: Any, who: Optional[Tuple[str, str]] = None) -> Tuple[int, Any]:
    return call(mock, "POST", "/settings/clientCertAuth", json.dumps(body).encode(),
                who or (mock.username, mock.password))


def test_settings_read_change_and_validate(mock: MockCluster) -> None:
    admin = (mock.username, mock.password)
    assert call(mock, "GET", "/settings/clientCertAuth", basic=admin) == (200, {"state": "disable",
                                                                               "prefixes": []})
    assert settings(mock, {"state": "enable", "prefixes": RULES})[0] == 202
    assert call(mock, "GET", "/settings/clientCertAuth", basic=admin) == (200, {"state": "enable",
                                                                               "prefixes": RULES})
    for bad, why in (({"state": "sometimes", "prefixes": RULES}, "state"),
                     ({"state": "enable", "prefixes": [{"path": "subject.ou", "prefix": ""}]}, "path"),
                     ({"state": "enable", "prefixes": [RULES[0], RULES[0]]}, "same path"),
                     ({"state": "enable", "prefixes": [RULES[0]] * 11}, "Maximum"),
                     ({"state": "enable", "prefixes": "subject.cn"}, "list"),
                     ({"state": "enable", "prefixes": [{"path": "san.uri", "prefix": 1}]}, "strings")):
        status, body = settings(mock, bad)
        assert status == 400 and any(why in e for e in body["errors"]), (bad, body)
    assert call(mock, "GET", "/settings/clientCertAuth", basic=admin)[1]["prefixes"] == RULES  # unchanged
    assert settings(mock, {"state": "disable", "prefixes": []}, ("viewer", "viewer-pw"))[0] == 403
    assert call(mock, "GET", "/settings/clientCertAuth", basic=("viewer", "viewer-pw"))[0] == 200
    assert settings(mock, {"state": "disable", "prefixes": []})[0] == 202


def test_https_identity_comes_from_the_certificate(mock: MockCluster) -> None:
    viewer = mock.issue_client_cert("viewer")
    by_dns = mock.issue_client_cert("", dns_names=["u-viewer.example.com"])
    stranger = mock.issue_client_cert("stranger")
    admin = (mock.username, mock.password)
    # disabled: no certificate is asked for, so Basic auth decides
    assert call(mock, "GET", "/whoami", basic=admin, tls=True, cert=viewer)[1]["id"] == mock.username
    mock.set_client_cert_auth("enable", RULES)
    try:
        assert call(mock, "GET", "/whoami", basic=admin, tls=True, cert=viewer)[1]["id"] == "viewer"
        assert call(mock, "GET", "/whoami", tls=True, cert=by_dns)[1]["id"] == "viewer"
        # the certificate's user is a read-only admin: it may not change security settings
        status, _ = call(mock, "POST", "/settings/clientCertAuth", b'{"state": "disable"}', tls=True,
                         cert=viewer)
        assert status == 403
        assert call(mock, "GET", "/whoami", basic=admin, tls=True, cert=stranger)[0] == 401
        assert call(mock, "GET", "/whoami", basic=admin, tls=True)[1]["id"] == mock.username
        mock.set_client_cert_auth("mandatory", RULES)
        with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
            call(mock, "GET", "/whoami", basic=admin, tls=True)
        assert call(mock, "GET", "/whoami", tls=True, cert=viewer)[1]["id"] == "viewer"
    finally:
        mock.set_client_cert_auth("disable")
    with pytest.raises(ValueError, match="state"):
        mock.set_client_cert_auth("always", RULES)
