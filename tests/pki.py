"""A locally generated Alexa-like certificate authority (root, intermediate, leaf), a server
that hands out its chain, and signed request bodies: for the verifier's tests, the web
hardening tests and the load script. Nothing here touches the network beyond loopback."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from skill.doors.verify import AlexaRequestVerifier

ECHO_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
EVENTS = Path(__file__).resolve().parent / "events"


def x509_name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class LocalAlexaPki:
    """A private CA standing in for Amazon's: root -> intermediate -> echo-api.amazon.com.

    The CAs use EC keys (fast to make); the leaf is RSA, as Alexa's Signature-256 is.
    """

    def __init__(self, now: datetime | None = None, *, label: str = "Test") -> None:
        self.now = now or datetime.now(UTC)
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = self._ca(f"{label} Alexa Root", self.root_key, None)
        self.intermediate_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = self._ca(
            f"{label} Alexa Intermediate", self.intermediate_key, (self.root, self.root_key)
        )
        self.leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.leaf = self.make_leaf()
        self.chain = self.chain_pem()

    def _ca(self, common_name: str, key: Any, issuer: tuple[Any, Any] | None) -> x509.Certificate:
        issuer_cert, issuer_key = issuer or (None, key)
        issuer_name = issuer_cert.subject if issuer_cert else x509_name(common_name)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509_name(common_name))
            .issuer_name(issuer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(self.now - timedelta(days=30))
            .not_valid_after(self.now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        )
        if issuer_cert is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    def make_leaf(
        self,
        *,
        dns_name: str = "echo-api.amazon.com",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> x509.Certificate:
        return (
            x509.CertificateBuilder()
            .subject_name(x509_name(dns_name))
            .issuer_name(self.intermediate.subject)
            .public_key(self.leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or self.now - timedelta(days=1))
            .not_valid_after(not_after or self.now + timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(True, False, True, False, False, False, False, False, False),
                critical=True,
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.intermediate_key.public_key()
                ),
                False,
            )
            .sign(self.intermediate_key, hashes.SHA256())
        )

    def chain_pem(
        self, leaf: x509.Certificate | None = None, *, intermediates: bool = True
    ) -> bytes:
        certs = [leaf or self.leaf] + ([self.intermediate] if intermediates else [])
        return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)

    def sign(self, body: bytes, key: rsa.RSAPrivateKey | None = None) -> str:
        signature = (key or self.leaf_key).sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(self, body: bytes, url: str = ECHO_URL) -> dict[str, str]:
        return {"SignatureCertChainUrl": url, "Signature-256": self.sign(body)}

    def verifier(self, **options: Any) -> AlexaRequestVerifier:
        """A verifier trusting only this root and fetching only this chain, at ECHO_URL."""
        options.setdefault("fetch", ChainServer({ECHO_URL: self.chain}))
        return AlexaRequestVerifier(trust_roots=[self.root], **options)


class ChainServer:
    """An injected `fetch`: serves PEM bytes by URL and remembers every download."""

    def __init__(self, chains: dict[str, bytes]) -> None:
        self.chains = chains
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        return self.chains[url]


def alexa_timestamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_body(name: str, when: datetime, **request: Any) -> str:
    """A fixture event, stamped `when`, as the exact text Alexa would send."""
    data = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    data["request"].update(timestamp=alexa_timestamp(when), **request)
    return json.dumps(data)
