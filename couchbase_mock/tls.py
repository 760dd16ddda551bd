"""Certificates for the mock's TLS ports, from a CA generated per cluster.

Uses ``trustme`` (the ``mock`` extra). The CA certificate is written to a
temporary file so clients can be pointed at it (``certpath=`` for
libcouchbase); a client that does not trust it must fail verification.
"""
from __future__ import annotations

import os
import ssl
import tempfile
from typing import List, Sequence, Tuple


def make_server_context(client_ca_pem: str = "") -> Tuple[ssl.SSLContext, str]:
    """(server SSLContext for 127.0.0.1/localhost, path of the CA certificate PEM).

    ``client_ca_pem``: CA certificates client certificates are verified against (whether one is
    asked for is the client-certificate settings' business: ``ClientCertAuth.attach``).
    """
    try:
        import trustme
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("TLS in couchbase_mock needs the 'trustme' package (pip install trustme)") from exc
    ca = trustme.CA()
    # libcouchbase matches the host against the subject CN as well as the SANs
    cert = ca.issue_cert("127.0.0.1", "localhost", common_name="127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # Python 3.13's default context verifies client certificates strictly (RFC 5280: an authority
    # key identifier, a critical SAN when the subject is empty); Couchbase Server's TLS does not, so
    # neither does the mock: a client certificate the server accepts must not fail here
    ctx.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
    cert.configure_cert(ctx)
    if client_ca_pem:
        ctx.load_verify_locations(cadata=client_ca_pem)
    fd, path = tempfile.mkstemp(prefix="couchbase-mock-ca-", suffix=".pem")
    with os.fdopen(fd, "wb") as fh:
        fh.write(ca.cert_pem.bytes())
    return ctx, path


class ClientCertIssuer:
    """A CA for client certificates (trusted by the mock's TLS ports) that issues them on demand.

    ``issue`` writes a certificate and its key to temporary PEM files, for libcouchbase's
    ``certpath=``/``keypath=`` (or ``CertificateAuthenticator``). Uses ``cryptography`` (a
    dependency of ``trustme``).
    """

    def __init__(self) -> None:
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._key = ec.generate_private_key(ec.SECP256R1())
        self.files: List[str] = []  # what issue() wrote (removed by remove_files)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "couchbase-mock client CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        self._name = name
        self._cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False),
                critical=True)
            .sign(self._key, hashes.SHA256()))

    def ca_pem(self) -> str:
        """The client CA's certificate (PEM text)."""
        from cryptography.hazmat.primitives.serialization import Encoding

        return self._cert.public_bytes(Encoding.PEM).decode("ascii")

    def issue(self, common_name: str = "", uris: Sequence[str] = (), dns_names: Sequence[str] = (),
              emails: Sequence[str] = (), trusted: bool = True) -> Tuple[str, str]:
        """A client certificate with these subject CN and alternative names: (cert path, key path).

        ``trusted=False`` signs it with a throwaway CA the mock does not trust (the handshake then
        fails, as with a real server).
        """
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

        # untrusted: the same issuer name, signed by a key the server does not know
        issuer_key = self._key if trusted else ec.generate_private_key(ec.SECP256R1())
        issuer_name = self._name
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)] if common_name else [])
        builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=365))
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                   # what RFC 5280 (and a strict verifier) expects of an issued certificate
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                                  critical=False)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                                  critical=False))
        alt: List[x509.GeneralName] = [x509.UniformResourceIdentifier(u) for u in uris]
        alt += [x509.DNSName(d) for d in dns_names] + [x509.RFC822Name(e) for e in emails]
        if alt:  # critical when it is the only name the certificate has (RFC 5280 4.2.1.6)
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=not common_name)
        cert = builder.sign(issuer_key, hashes.SHA256())
        paths = []
        for suffix, data in ((".crt", cert.public_bytes(serialization.Encoding.PEM)),
                             (".key", key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))):
            fd, path = tempfile.mkstemp(prefix="couchbase-mock-client-", suffix=suffix)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            paths.append(path)
        self.files += paths
        return paths[0], paths[1]

    def remove_files(self) -> None:
        """Delete the certificate and key files issued so far."""
        for path in self.files:
            try:
                os.unlink(path)
            except OSError:
                pass
        self.files = []
