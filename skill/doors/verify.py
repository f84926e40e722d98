"""Alexa request verification: let in only requests Alexa signed, recently, for this skill.

flask-ask-sdk's own verifier fetches the certificate chain with no timeout into an unbounded
cache and validates it with certvalidator. This one bounds the download in time and size,
keeps a small cache, and validates with `cryptography.x509.verification` against certifi's
roots. The rules are Alexa's ("Host a custom skill as a web service"): the chain URL,
the signing certificate, the Signature-256 header over the raw body, and the timestamp.

A forged request costs no more than it must: the URL and the signature's shape are checked
before any download, one download per URL is in flight at a time, a failed one is
remembered for a minute, and few threads may wait on downloads at once, so a black-holed
certificate host cannot take every server thread (and `/health` with them).
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

__all__ = [
    "AlexaRequestVerifier",
    "VerificationException",
    "chain_url",
    "fetch_chain",
    "signature_bytes",
]

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
# Requests allowed to wait on certificate downloads at once (downloading or waiting for
# another's), per worker process: a forged flood is refused fast instead of queueing.
MAX_DOWNLOADS = 2
# A waiter gives up on another thread's download after the download's own budget and a bit.
DOWNLOAD_WAIT = FETCH_TIMEOUT + 1.0
FAILURE_TTL = 60.0
FAILURE_CACHE_SIZE = 256
# Decoded Signature-256 lengths: RSA-2048 (what Alexa signs with today) up to RSA-4096, so a
# larger key at Amazon would not turn every request away.
SIGNATURE_LENGTHS = frozenset({256, 384, 512})
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
    Like all of urllib it goes through `https_proxy` when that is set; the flood test
    (tests/functional/test_cert_fetch_flood.py) uses that to black-hole the download.
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


def signature_bytes(signature: str) -> bytes:
    """The Signature-256 header decoded, if it could be an RSA signature at all.

    Checked before the chain is fetched, so junk in the header costs no download.
    """
    try:
        raw = base64.b64decode(signature, validate=True)
    except ValueError as error:
        raise VerificationException("signature is not base64") from error
    if len(raw) not in SIGNATURE_LENGTHS:
        raise VerificationException("signature has the wrong length for an RSA signature")
    return raw


class _Download:
    """One chain URL's load in flight; whoever asks for the same URL meanwhile waits here."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.signer: _Signer | None = None
        self.error: str | None = None


class _Downloads:
    """Chain loads rationed per process: single-flight per URL, failures remembered, capped.

    Each thread downloading or waiting on a download is a server thread out of service, so
    at most `slots` do so at once; past that a request that needs a load is refused at
    once rather than queued. A URL whose load failed is refused without a new download for
    `failure_ttl` seconds (on the `monotonic` clock, so a wall-clock step cannot stretch
    it), and at most FAILURE_CACHE_SIZE such URLs are kept.
    """

    def __init__(self, slots: int, failure_ttl: float, monotonic: Callable[[], float]) -> None:
        self._slots = self._free = slots
        self._failure_ttl = failure_ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._in_flight: dict[str, _Download] = {}
        self._failures: OrderedDict[str, tuple[float, str]] = OrderedDict()

    @property
    def in_use(self) -> int:
        """Threads downloading a chain, or waiting on another's download, right now."""
        return self._slots - self._free

    def load(
        self, url: str, cached: Callable[[], _Signer | None], load: Callable[[], _Signer]
    ) -> _Signer:
        """`cached()` if it has one; else `load()`'s signer, shared with concurrent callers."""
        with self._lock:
            reason = self._recent_failure(url)
            if reason is not None:
                raise VerificationException(f"{reason} (failed recently; not retried yet)")
            download = self._in_flight.get(url)
            if download is None:
                # A load for this URL may have finished since the caller's cache lookup.
                signer = cached()
                if signer is not None:
                    return signer
            if self._free <= 0:
                raise VerificationException("too many certificate chain downloads at once")
            self._free -= 1
            leader = download is None
            if download is None:
                download = self._in_flight[url] = _Download()
        try:
            if leader:
                return self._lead(url, download, load)
            if not download.done.wait(DOWNLOAD_WAIT):
                raise VerificationException("certificate chain download is taking too long")
        finally:
            with self._lock:
                self._free += 1
        if download.signer is None:
            raise VerificationException(download.error or "certificate chain could not be loaded")
        return download.signer

    def _lead(self, url: str, download: _Download, load: Callable[[], _Signer]) -> _Signer:
        try:
            download.signer = load()
        except VerificationException as error:
            download.error = str(error)
            raise
        finally:
            with self._lock:
                del self._in_flight[url]
                if download.signer is None:
                    self._remember_failure(
                        url, download.error or "certificate chain could not be loaded"
                    )
            download.done.set()
        return download.signer

    def _recent_failure(self, url: str) -> str | None:
        entry = self._failures.get(url)
        if entry is None:
            return None
        until, reason = entry
        if self._monotonic() >= until:
            del self._failures[url]
            return None
        return reason

    def _remember_failure(self, url: str, reason: str) -> None:
        self._failures[url] = (self._monotonic() + self._failure_ttl, reason)
        self._failures.move_to_end(url)
        while len(self._failures) > FAILURE_CACHE_SIZE:
            self._failures.popitem(last=False)


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict: look the name up without regard to case
        value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    return value if isinstance(value, str) and value else None


class AlexaRequestVerifier(AbstractVerifier):
    """Signature, certificate chain, timestamp and (when configured) skill ID, all in one.

    `fetch`, `trust_roots` and `clock` are there for tests and the load harness, which use
    a private certificate authority and no network. `clock` returns an aware datetime;
    `monotonic` times how long a failed chain load is remembered (`failure_ttl` seconds).
    `max_downloads` caps the threads tied up in chain loads at once (see `_Downloads`).
    """

    def __init__(
        self,
        *,
        skill_id: str | None = None,
        fetch: Callable[[str], bytes] = fetch_chain,
        trust_roots: list[x509.Certificate] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        cache_size: int = CACHE_SIZE,
        max_downloads: int = MAX_DOWNLOADS,
        failure_ttl: float = FAILURE_TTL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.skill_id = skill_id
        self._fetch = fetch
        # certifi's roots load here, once per process, not in a request thread.
        self._store = Store(trust_roots) if trust_roots is not None else _certifi_roots()
        self._clock = clock
        self.cache = _SignerCache(cache_size)
        self.downloads = _Downloads(max_downloads, failure_ttl, monotonic)

    def verify(
        self, headers: Mapping[str, Any], serialized_request_env: str, deserialized_request_env: Any
    ) -> None:
        """Return quietly for a genuine request; raise VerificationException otherwise."""
        url = _header(headers, CHAIN_URL_HEADER)
        signature = _header(headers, SIGNATURE_HEADER)
        if url is None or signature is None:
            raise VerificationException("signature headers are missing")
        # Everything that needs no download is checked first, so a forged request costs none.
        url = chain_url(url)
        raw_signature = signature_bytes(signature)
        now = self._clock()
        request = getattr(deserialized_request_env, "request", None)
        self._check_timestamp(request, now)
        self._check_skill_id(deserialized_request_env)
        signer = self._signer(url, now)
        try:
            signer.key.verify(
                raw_signature,
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
            signer = self.downloads.load(
                url, lambda: self.cache.get(url, now), lambda: self._load_into_cache(url, now)
            )
        return signer

    def _load_into_cache(self, url: str, now: datetime) -> _Signer:
        # Cached before the download is marked finished, so no caller loads it twice.
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
