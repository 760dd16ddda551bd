"""Client-certificate authentication, as Couchbase Server does it (``/settings/clientCertAuth``).

``state`` is ``disable`` (certificates are not asked for; only passwords), ``enable`` (the TLS ports
ask for a certificate; a client that presents one is authenticated by it, one that presents none
uses a password) or ``mandatory`` (a client without a certificate fails the TLS handshake).

A certificate names its user through the ``prefixes`` rules, tried in order: the rule's ``path``
picks the certificate field (``subject.cn`` or a subject alternative name: ``san.uri``,
``san.dnsname``, ``san.email``); a value that starts with ``prefix`` gives, after the prefix, the
text up to the first of the ``delimiter`` characters (all of it when there is no delimiter). The
first rule that gives a name wins. A certificate that gives no name, or a name that is not a user,
is refused: the KV port closes the connection, the HTTP ports answer 401 (with no rules, every
certificate is refused).
"""
from __future__ import annotations

import ssl
from typing import Any, Dict, List, Optional, Tuple

STATES = ("disable", "enable", "mandatory")
PATHS = ("subject.cn", "san.uri", "san.dnsname", "san.email")
MAX_PREFIXES = 10

def _san_kinds() -> Dict[str, Any]:
    from cryptography import x509

    return {"san.uri": x509.UniformResourceIdentifier, "san.dnsname": x509.DNSName,
            "san.email": x509.RFC822Name}


class ClientCertAuth:
    """The cluster's client-certificate settings and the certificate -> user mapping."""

    def __init__(self) -> None:
        self.state = "disable"
        self.prefixes: List[Dict[str, str]] = []
        # the TLS ports' context (its verify_mode follows state)
        self.context: Optional[ssl.SSLContext] = None

    def to_json(self) -> Dict[str, Any]:
        """The settings as ``GET /settings/clientCertAuth`` shows them."""
        return {"state": self.state, "prefixes": [dict(p) for p in self.prefixes]}

    def update(self, body: Any) -> List[str]:
        """Apply a ``POST /settings/clientCertAuth`` JSON body; the list of errors (nothing applied
        when there is one)."""
        errors: List[str] = []
        if not isinstance(body, dict):
            return ["Unexpected Json: expected an object with 'state' and 'prefixes'"]
        unknown = sorted(set(body) - {"state", "prefixes"})
        if unknown:
            errors.append(f"Unknown key(s): {', '.join(unknown)}")
        state = body.get("state")
        if state not in STATES:
            errors.append("state must be one of 'disable', 'enable' or 'mandatory'")
        prefixes = body.get("prefixes", [])
        if not isinstance(prefixes, list):
            errors.append("prefixes must be a list")
            prefixes = []
        if len(prefixes) > MAX_PREFIXES:
            errors.append(f"Maximum number of prefixes supported is {MAX_PREFIXES}")
        seen = set()
        clean: List[Dict[str, str]] = []
        for rule in prefixes:
            if not isinstance(rule, dict) or set(rule) - {"path", "prefix", "delimiter"}:
                errors.append(f"Invalid prefix entry {rule!r}: keys are path, prefix and delimiter")
                continue
            path, prefix, delimiter = rule.get("path"), rule.get("prefix", ""), rule.get("delimiter", "")
            if path not in PATHS:
                errors.append(f"Unknown path {path!r}: one of {', '.join(PATHS)}")
                continue
            if not isinstance(prefix, str) or not isinstance(delimiter, str):
                errors.append(f"prefix and delimiter of {path} must be strings")
                continue
            if (path, prefix) in seen:
                errors.append(f"Multiple entries with the same path {path!r} and prefix {prefix!r}")
                continue
            seen.add((path, prefix))
            clean.append({"path": path, "prefix": prefix, "delimiter": delimiter})
        if errors:
            return errors
        self.state = str(state)
        self.prefixes = clean
        self._apply()
        return []

    def attach(self, context: ssl.SSLContext) -> None:
        """Make ``context`` (the TLS ports' server context) ask for certificates as ``state`` says."""
        self.context = context
        self._apply()

    def _apply(self) -> None:
        if self.context is not None:
            self.context.verify_mode = {"disable": ssl.CERT_NONE, "enable": ssl.CERT_OPTIONAL,
                                        "mandatory": ssl.CERT_REQUIRED}[self.state]

    def identify(self, transport: Any) -> Tuple[bool, Optional[str]]:
        """(presented, user name) for a connection: ``(False, None)`` without a certificate (or with
        the feature disabled), ``(True, None)`` for a certificate that maps to no name."""
        ssl_object = transport.get_extra_info("ssl_object")
        if self.state == "disable" or ssl_object is None:
            return False, None
        # the certificate itself (DER), not getpeercert()'s dict: PyPy's is None for a certificate
        # whose subject is empty, which a certificate naming its user by a SAN may well have
        der = ssl_object.getpeercert(binary_form=True)
        if not der:
            return False, None
        return True, self.user_name(certificate_names(der))

    def user_name(self, names: Dict[str, List[str]]) -> Optional[str]:
        """The user a certificate names by the rules, or None.

        ``names``: the certificate's values by rule path (:func:`certificate_names`).
        """
        for rule in self.prefixes:
            for value in names.get(rule["path"], ()):
                if not value.startswith(rule["prefix"]):
                    continue
                name = value[len(rule["prefix"]):]
                cut = [i for i in (name.find(c) for c in rule["delimiter"]) if i >= 0]
                if cut:
                    name = name[:min(cut)]
                if name:
                    return name
        return None


def certificate_names(der: bytes) -> Dict[str, List[str]]:
    """A certificate's values by rule path: ``subject.cn`` and the ``san.*`` kinds."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)
    names = {"subject.cn": [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]}
    try:
        san: Any = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    for path, kind in _san_kinds().items():
        names[path] = [str(v) for v in san.get_values_for_type(kind)] if san is not None else []
    return names
