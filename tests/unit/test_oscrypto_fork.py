"""flask-ask-sdk's verifier runs on certvalidator and oscrypto. PyPI's oscrypto 1.3.0 cannot
read OpenSSL 3.0.10+ version strings and fails on import; the project installs the fixed
fork (elements-oscrypto) under the same name. Its version string still says 1.3.0, so only
really using it proves the right one is installed."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def _cert(subject: str, key, issuer: str, issuer_key, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("echo-api.amazon.com")]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


def test_oscrypto_verifies_an_rsa_signature_with_the_system_openssl():
    from oscrypto import asymmetric, errors

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = b'{"version": "1.0"}'
    signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    public = asymmetric.load_public_key(
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    asymmetric.rsa_pkcs1v15_verify(public, signature, body, "sha256")
    try:
        asymmetric.rsa_pkcs1v15_verify(public, signature, body + b" ", "sha256")
    except errors.SignatureError:
        pass
    else:
        raise AssertionError("a tampered body must not verify")


def test_certvalidator_walks_a_chain_through_oscrypto():
    from certvalidator import CertificateValidator, ValidationContext

    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _cert("Test Root", root_key, "Test Root", root_key, ca=True)
    leaf = _cert("echo-api.amazon.com", leaf_key, "Test Root", root_key, ca=False)
    der = serialization.Encoding.DER
    context = ValidationContext(trust_roots=[root.public_bytes(der)])
    path = CertificateValidator(leaf.public_bytes(der), validation_context=context).validate_usage(
        set()
    )
    assert len(path) == 2
