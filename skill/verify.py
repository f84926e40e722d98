"""Alexa request verification: let in only requests Alexa signed, recently, for this skill.

flask-ask-sdk's own verifier fetches the certificate chain with no timeout into an unbounded
cache and validates it with certvalidator. This one bounds the download in time and size,
keeps a small cache, and validates with `cryptography.x509.verification` against certifi's
roots. The rules are Alexa's ("Host a custom skill as a web service"): the chain URL,
the signing certificate, the Signature-256 header over the raw body, and the timestamp.
"""

from __future__ import annotations

import base64
import posixpath
import re
import ssl
import threading
import time
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import certifi
from ask_sdk_webservice_support.verifier import AbstractVerifier, VerificationException
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import (
    Criticality,
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

__all__ = ["AlexaRequestVerifier", "VerificationException", "chain_url", "fetch_chain"]

CHAIN_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CHAIN_HOST = "s3.amazonaws.com"
CHAIN_PATH_PREFIX = "/echo.api/"
SIGNER_NAME = "echo-api.amazon.com"
REQUEST_TOLERANCE = timedelta(seconds=150)
SKILL_EVENT_TOLERANCE = timedelta(hours=1)
FETCH_TIMEOUT = 2.0
MAX_CHAIN_BYTES = 64 * 1024
CACHE_SIZE = 16
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)

_TLS_USAGES = {
    ExtendedKeyUsageOID.SERVER_AUTH,
    ExtendedKeyUsageOID.CLIENT_AUTH,
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
}


def _tls_usage(policy: Any, cert: x509.Certificate, usage: x509.ExtendedKeyUsage | None) -> None:
    # A client verifier wants clientAuth, and public CAs are dropping clientAuth from
    # server certificates; Alexa's rules ask for no particular usage, so either TLS one does.
    if usage is not None and not _TLS_USAGES.intersection(usage):
        raise ValueError("no TLS extended key usage")


_CA_POLICY = ExtensionPolicy.webpki_defaults_ca().may_be_present(
    x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _tls_usage
)
_EE_POLICY = ExtensionPolicy.webpki_defaults_ee().may_be_present(
    x509.ExtendedKeyUsage, Criticality.AGNOSTIC, _tls_usage
)


def chain_url(url: str) -> str:
    """The URL to fetch, rebuilt from its checked parts, so what is fetched is what passed.

    The path is percent-decoded and normalised first: `/echo.api/../evil/` is not under
    `/echo.api/`, while `/echo.api/../echo.api/cert.pem` is.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise VerificationException("certificate URL is malformed") from error
    if parts.scheme.lower() != "https":
        raise VerificationException("certificate URL must use https")
    if (parts.hostname or "").lower() != CHAIN_HOST:
        raise VerificationException(f"certificate URL must be on {CHAIN_HOST}")
    if port not in (None, 443):
        raise VerificationException("certificate URL must use port 443")
    path = posixpath.normpath(unquote(parts.path)) if parts.path else ""
    if not path.startswith(CHAIN_PATH_PREFIX):
        raise VerificationException(f"certificate URL path must be under {CHAIN_PATH_PREFIX}")
    return f"https://{CHAIN_HOST}{quote(path)}"


@cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=certifi.where())


def fetch_chain(url: str, *, timeout: float = FETCH_TIMEOUT, limit: int = MAX_CHAIN_BYTES) -> bytes:
    """Download a chain over HTTPS: `timeout` seconds in all, at most `limit` + 1 bytes.

    Both bounds keep a slow or huge answer from tying up a worker while Alexa waits.
    """
    deadline = time.monotonic() + timeout
    data = bytearray()
    with urllib.request.urlopen(url, timeout=timeout, context=_tls_context()) as response:
        while len(data) <= limit:
            if time.monotonic() > deadline:
                raise TimeoutError("certificate download took too long")
            chunk = response.read1(limit + 1 - len(data))
            if not chunk:
                break
            data += chunk
    return bytes(data)


@cache
def _certifi_roots() -> Store:
    """certifi's roots one by one, so a root this cryptography cannot read is skipped.

    A few (Starfield Services Root G2 among them, which Amazon's chains reach) carry a zero
    serial number that cryptography warns about and may one day refuse to load.
    """
    with open(certifi.where(), "rb") as bundle:
        blocks = _PEM_BLOCK.findall(bundle.read())
    roots = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in blocks:
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    return Store(roots)


@dataclass(frozen=True)
class _Signer:
    """A verified signing key and the window in which its whole chain is valid."""

    key: rsa.RSAPublicKey
    valid_from: datetime
    valid_until: datetime

    def valid_at(self, now: datetime) -> bool:
        return self.valid_from <= now <= self.valid_until


class _SignerCache:
    """Verified signers by chain URL; oldest-used out beyond `size`, so memory stays bounded."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, _Signer] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, url: str, now: datetime) -> _Signer | None:
        with self._lock:
            signer = self._entries.get(url)
            if signer is not None and not signer.valid_at(now):
                del self._entries[url]
                return None
            if signer is not None:
                self._entries.move_to_end(url)
            return signer

    def put(self, url: str, signer: _Signer) -> None:
        with self._lock:
            self._entries[url] = signer
            self._entries.move_to_end(url)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict: look the name up without regard to case
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value if isinstance(value, str) and value else None


class AlexaRequestVerifier(AbstractVerifier):
    """Signature, certificate chain, timestamp and (when configured) skill ID, all in one.

    `fetch`, `trust_roots` and `clock` are there for tests and the load harness, which use
    a private certificate authority and no network. `clock` returns an aware datetime.
    """

    def __init__(
        self,
        *,
        skill_id: str | None = None,
        fetch: Callable[[str], bytes] = fetch_chain,
        trust_roots: list[x509.Certificate] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self.skill_id = skill_id
        self._fetch = fetch
        # certifi's roots load here, once per process, not in a request thread.
        self._store = Store(trust_roots) if trust_roots is not None else _certifi_roots()
        self._clock = clock
        self.cache = _SignerCache(cache_size)

    def verify(
        self, headers: Mapping[str, Any], serialized_request_env: str, deserialized_request_env: Any
    ) -> None:
        """Return quietly for a genuine request; raise VerificationException otherwise."""
        url = _header(headers, CHAIN_URL_HEADER)
        signature = _header(headers, SIGNATURE_HEADER)
        if url is None or signature is None:
            raise VerificationException("signature headers are missing")
        url = chain_url(url)
        now = self._clock()
        request = getattr(deserialized_request_env, "request", None)
        self._check_timestamp(request, now)
        self._check_skill_id(deserialized_request_env)
        signer = self._signer(url, now)
        try:
            signer.key.verify(
                base64.b64decode(signature, validate=True),
                serialized_request_env.encode("utf-8"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (ValueError, InvalidSignature) as error:
            raise VerificationException("signature does not match the body") from error

    def _check_timestamp(self, request: Any, now: datetime) -> None:
        stamp = getattr(request, "timestamp", None)
        if not isinstance(stamp, datetime):
            raise VerificationException("request timestamp is missing")
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        kind = getattr(request, "object_type", None) or ""
        # Skill events (enabled, disabled, ...) may be delivered late; Alexa allows an hour.
        event = kind.startswith("AlexaSkillEvent.")
        if abs(now - stamp) > (SKILL_EVENT_TOLERANCE if event else REQUEST_TOLERANCE):
            raise VerificationException("request timestamp is too far from now")

    def _check_skill_id(self, envelope: Any) -> None:
        if self.skill_id is None:
            return
        system = getattr(getattr(envelope, "context", None), "system", None)
        application = getattr(system, "application", None)
        if getattr(application, "application_id", None) != self.skill_id:
            raise VerificationException("request is for another skill")

    def _signer(self, url: str, now: datetime) -> _Signer:
        signer = self.cache.get(url, now)
        if signer is None:
            signer = self._load_signer(url, now)
            self.cache.put(url, signer)
        return signer

    def _load_signer(self, url: str, now: datetime) -> _Signer:
        try:
            data = self._fetch(url)
        except Exception as error:
            raise VerificationException("certificate chain could not be fetched") from error
        if len(data) > MAX_CHAIN_BYTES:
            raise VerificationException("certificate chain is too large")
        try:
            leaf, *intermediates = x509.load_pem_x509_certificates(data)
            san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = {name.lower() for name in san.get_values_for_type(x509.DNSName)}
            key = leaf.public_key()
        except (ValueError, x509.ExtensionNotFound) as error:
            raise VerificationException("certificate chain is unreadable") from error
        if SIGNER_NAME not in names:
            raise VerificationException(f"signing certificate is not for {SIGNER_NAME}")
        if not isinstance(key, rsa.RSAPublicKey):
            raise VerificationException("signing certificate has no RSA key")
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(now)
            .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
            .build_client_verifier()
        )
        try:
            chain = verifier.verify(leaf, intermediates).chain
        except VerificationError as error:
            raise VerificationException(f"certificate chain is not trusted: {error}") from error
        return _Signer(
            key,
            max(cert.not_valid_before_utc for cert in chain),
            min(cert.not_valid_after_utc for cert in chain),
        )
