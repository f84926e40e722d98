"""AlexaRequestVerifier against a private root, intermediate and echo-api leaf: no network.

The local certificate authority lives in tests/pki.py, shared with the hardening tests
and the load script.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import skill.doors.verify as verify_module
from skill.doors.verify import (
    MAX_CHAIN_BYTES,
    AlexaRequestVerifier,
    VerificationException,
    chain_url,
    fetch_chain,
)
from tests.pki import ECHO_URL, ChainServer, LocalAlexaPki, event_body, x509_name

EVENTS = Path(__file__).resolve().parent.parent / "events"
SKILL_ID = "amzn1.ask.skill.heart-to-heart-local"


@pytest.fixture(scope="session")
def pki() -> LocalAlexaPki:
    return LocalAlexaPki()


@pytest.fixture(scope="session")
def stranger() -> LocalAlexaPki:
    """Another CA with the same names: looks right, trusted by nobody."""
    return LocalAlexaPki(label="Stranger")


def check(verifier: AlexaRequestVerifier, body: str, headers: dict[str, str]) -> None:
    envelope = DefaultSerializer().deserialize(body, RequestEnvelope)
    verifier.verify(headers=headers, serialized_request_env=body, deserialized_request_env=envelope)


def clock_at(when: datetime):
    return lambda: when


def test_a_genuine_request_passes(pki):
    # GIVEN a launch request signed by the leaf, with the chain at Amazon's URL
    verifier = pki.verifier(clock=clock_at(pki.now))
    body = event_body("launch.json", pki.now)
    # WHEN it is verified THEN nothing is raised
    check(verifier, body, pki.headers(body.encode()))


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
        "ftp://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
        "https://notamazon.com/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/ECHO.API/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/../evil/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/%2e%2e/evil/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com:80/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com:99999/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com:port/echo.api/echo-api-cert-test.pem",
        "not a url at all",
    ],
)
def test_a_certificate_url_off_amazons_path_is_refused_without_a_download(pki, url):
    # GIVEN a correctly signed request whose chain URL breaks one of Alexa's rules
    fetch = ChainServer({})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch)
    body = event_body("launch.json", pki.now)
    # WHEN it is verified THEN it fails, and nothing was fetched
    with pytest.raises(VerificationException, match="certificate URL"):
        check(verifier, body, pki.headers(body.encode(), url=url))
    assert fetch.calls == []


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem",
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-test.pem",
        "https://s3.amazonaws.com/echo.api/./echo-api-cert-test.pem",
    ],
)
def test_equivalent_certificate_urls_fetch_the_canonical_one(pki, url):
    # GIVEN a spelling Alexa's rules allow
    fetch = ChainServer({ECHO_URL: pki.chain})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch)
    body = event_body("launch.json", pki.now)
    # WHEN it is verified THEN it passes, and the canonical URL is what was fetched
    check(verifier, body, pki.headers(body.encode(), url=url))
    assert fetch.calls == [ECHO_URL]
    assert chain_url(url) == ECHO_URL


def _chain_case(pki: LocalAlexaPki, stranger: LocalAlexaPki, case: str) -> tuple[bytes, Any]:
    """The chain to serve for a case, and the key that signs the body."""
    now = pki.now
    if case == "leaf expired":
        leaf = pki.make_leaf(not_before=now - timedelta(days=60), not_after=now - timedelta(days=1))
        return pki.chain_pem(leaf), pki.leaf_key
    if case == "leaf not yet valid":
        leaf = pki.make_leaf(not_before=now + timedelta(days=1), not_after=now + timedelta(days=9))
        return pki.chain_pem(leaf), pki.leaf_key
    if case == "wrong SAN":
        return pki.chain_pem(pki.make_leaf(dns_name="evil.example.com")), pki.leaf_key
    if case == "untrusted root":
        return stranger.chain, stranger.leaf_key
    if case == "missing intermediate":
        return pki.chain_pem(intermediates=False), pki.leaf_key
    if case == "not PEM":
        return b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n", pki.leaf_key
    if case == "empty":
        return b"", pki.leaf_key
    if case == "oversized download":
        return pki.chain + b"\n" * MAX_CHAIN_BYTES, pki.leaf_key
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "leaf expired",
        "leaf not yet valid",
        "wrong SAN",
        "untrusted root",
        "missing intermediate",
        "not PEM",
        "empty",
        "oversized download",
    ],
)
def test_a_chain_that_does_not_prove_amazon_signed_is_refused(pki, stranger, case):
    # GIVEN a request signed with the matching key, but a flawed chain at the URL
    chain, key = _chain_case(pki, stranger, case)
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=ChainServer({ECHO_URL: chain}))
    body = event_body("launch.json", pki.now)
    headers = {"SignatureCertChainUrl": ECHO_URL, "Signature-256": pki.sign(body.encode(), key)}
    # WHEN it is verified THEN it fails, and the bad chain is not cached
    with pytest.raises(VerificationException, match="certificate"):
        check(verifier, body, headers)
    assert len(verifier.cache) == 0


@pytest.mark.parametrize("error", [TimeoutError("timed out"), OSError("refused"), KeyError("x")])
def test_a_download_that_fails_is_a_refusal_not_a_crash(pki, error):
    # GIVEN a fetch that raises
    def fetch(url: str) -> bytes:
        raise error

    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch)
    body = event_body("launch.json", pki.now)
    # WHEN it is verified THEN it fails as a verification failure
    with pytest.raises(VerificationException, match="could not be fetched"):
        check(verifier, body, pki.headers(body.encode()))


def test_the_default_trust_roots_do_not_trust_a_private_ca(pki):
    # GIVEN a verifier with certifi's roots (the production default)
    verifier = AlexaRequestVerifier(fetch=ChainServer({ECHO_URL: pki.chain}))
    body = event_body("launch.json", datetime.now(UTC))
    # WHEN a request signed under the private CA arrives THEN it is refused
    with pytest.raises(VerificationException, match="not trusted"):
        check(verifier, body, pki.headers(body.encode()))


def test_a_tampered_body_is_refused(pki):
    # GIVEN a signature over one body, sent with another
    verifier = pki.verifier(clock=clock_at(pki.now))
    body = event_body("launch.json", pki.now)
    headers = pki.headers(body.encode())
    tampered = body.replace("lambda-household", "someone-else")
    # WHEN verified THEN it fails
    with pytest.raises(VerificationException, match="signature"):
        check(verifier, tampered, headers)


@pytest.mark.parametrize(
    "signature",
    ["wrong key", "not base64 !!", "", "c2hvcnQ=", "truncated"],
)
def test_a_wrong_signature_is_refused(pki, stranger, signature):
    # GIVEN a valid chain but a signature that is not the leaf's over this body
    verifier = pki.verifier(clock=clock_at(pki.now))
    body = event_body("launch.json", pki.now)
    if signature == "wrong key":
        signature = pki.sign(body.encode(), stranger.leaf_key)
    elif signature == "truncated":
        signature = pki.sign(body.encode())[:-8]
    headers = {"SignatureCertChainUrl": ECHO_URL, "Signature-256": signature}
    # WHEN verified THEN it fails
    with pytest.raises(VerificationException, match="signature"):
        check(verifier, body, headers)


@pytest.mark.parametrize("missing", ["SignatureCertChainUrl", "Signature-256", "both"])
def test_missing_signature_headers_are_refused(pki, missing):
    # GIVEN a signed request with a header left out
    verifier = pki.verifier(clock=clock_at(pki.now))
    body = event_body("launch.json", pki.now)
    headers = {
        name: value
        for name, value in pki.headers(body.encode()).items()
        if missing not in (name, "both")
    }
    # WHEN verified THEN it fails
    with pytest.raises(VerificationException, match="headers are missing"):
        check(verifier, body, headers)


def test_header_names_are_matched_without_regard_to_case(pki):
    # GIVEN headers in lower case, as some proxies forward them, in a plain dict
    verifier = pki.verifier(clock=clock_at(pki.now))
    body = event_body("launch.json", pki.now)
    headers = {name.lower(): value for name, value in pki.headers(body.encode()).items()}
    # WHEN verified THEN it passes
    check(verifier, body, headers)


@pytest.mark.parametrize(
    ("event", "offset", "passes"),
    [
        ("launch.json", timedelta(seconds=149), True),
        ("launch.json", timedelta(seconds=-149), True),
        ("launch.json", timedelta(seconds=151), False),
        ("launch.json", timedelta(seconds=-151), False),
        ("launch.json", timedelta(hours=-30), False),
        ("skill_disabled.json", timedelta(minutes=30), True),
        ("skill_disabled.json", timedelta(minutes=-30), True),
        ("skill_disabled.json", timedelta(hours=2), False),
        ("skill_disabled.json", timedelta(hours=-2), False),
    ],
)
def test_timestamps_must_be_recent(pki, event, offset, passes):
    # GIVEN a request stamped `offset` away from the verifier's now
    verifier = pki.verifier(clock=clock_at(pki.now))
    body = event_body(event, pki.now + offset)
    headers = pki.headers(body.encode())
    # WHEN verified THEN only a stamp within 150 s (skill events: 1 hour) passes
    if passes:
        check(verifier, body, headers)
    else:
        with pytest.raises(VerificationException, match="timestamp"):
            check(verifier, body, headers)


def test_a_request_without_a_timestamp_is_refused(pki):
    # GIVEN a signed request with no request.timestamp
    verifier = pki.verifier(clock=clock_at(pki.now))
    data = json.loads(event_body("launch.json", pki.now))
    del data["request"]["timestamp"]
    body = json.dumps(data)
    # WHEN verified THEN it fails
    with pytest.raises(VerificationException, match="timestamp"):
        check(verifier, body, pki.headers(body.encode()))


@pytest.mark.parametrize(
    ("configured", "passes"),
    [(None, True), (SKILL_ID, True), ("amzn1.ask.skill.someone-else", False)],
)
def test_the_skill_id_must_match_when_configured(pki, configured, passes):
    # GIVEN a verifier for `configured` and a request for SKILL_ID
    verifier = pki.verifier(clock=clock_at(pki.now), skill_id=configured)
    body = event_body("launch.json", pki.now)
    headers = pki.headers(body.encode())
    # WHEN verified THEN only the matching (or unconfigured) skill passes
    if passes:
        check(verifier, body, headers)
    else:
        with pytest.raises(VerificationException, match="another skill"):
            check(verifier, body, headers)


def test_a_second_request_uses_the_cached_chain(pki):
    # GIVEN a verifier that has verified one request
    fetch = ChainServer({ECHO_URL: pki.chain})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch)
    first = event_body("launch.json", pki.now)
    check(verifier, first, pki.headers(first.encode()))
    # WHEN another arrives with the same chain URL
    second = event_body("help_intent.json", pki.now)
    check(verifier, second, pki.headers(second.encode()))
    # THEN the chain was downloaded once
    assert fetch.calls == [ECHO_URL]


def test_the_cache_stays_bounded_and_drops_the_oldest(pki):
    # GIVEN 20 distinct chain URLs, all serving the chain, and a cache of 16
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{n}.pem" for n in range(20)]
    fetch = ChainServer(dict.fromkeys(urls, pki.chain))
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch, cache_size=16)
    body = event_body("launch.json", pki.now)
    # WHEN a request comes in for each
    for url in urls:
        check(verifier, body, pki.headers(body.encode(), url=url))
    # THEN the cache holds 16, and the first URL (evicted) is fetched again
    assert len(verifier.cache) == 16
    check(verifier, body, pki.headers(body.encode(), url=urls[0]))
    assert fetch.calls.count(urls[0]) == 2
    check(verifier, body, pki.headers(body.encode(), url=urls[-1]))
    assert fetch.calls.count(urls[-1]) == 1


def test_a_cached_chain_is_not_trusted_after_the_leaf_expires(pki):
    # GIVEN a verified request and a leaf that expires tomorrow
    leaf = pki.make_leaf(not_after=pki.now + timedelta(days=1))
    fetch = ChainServer({ECHO_URL: pki.chain_pem(leaf)})
    now = [pki.now]
    verifier = pki.verifier(clock=lambda: now[0], fetch=fetch)
    body = event_body("launch.json", pki.now)
    check(verifier, body, pki.headers(body.encode()))
    # WHEN a fresh request arrives two days later
    now[0] = pki.now + timedelta(days=2)
    later = event_body("launch.json", now[0])
    # THEN the chain is fetched again and refused
    with pytest.raises(VerificationException, match="not trusted"):
        check(verifier, later, pki.headers(later.encode()))
    assert fetch.calls == [ECHO_URL, ECHO_URL]


def test_concurrent_requests_share_one_verifier_safely(pki):
    # GIVEN one verifier and eight threads, each verifying requests at once (with room for
    # eight downloads at once: the cap on them has tests of its own)
    urls = [f"https://s3.amazonaws.com/echo.api/cert-{n}.pem" for n in range(8)]
    fetch = ChainServer(dict.fromkeys(urls, pki.chain))
    verifier = pki.verifier(
        clock=clock_at(pki.now), fetch=fetch, cache_size=4, max_downloads=len(urls)
    )
    body = event_body("launch.json", pki.now)
    errors: list[BaseException] = []

    def work(url: str) -> None:
        try:
            for _ in range(10):
                check(verifier, body, pki.headers(body.encode(), url=url))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN all passed and the cache kept its bound
    assert errors == [] and len(verifier.cache) <= 4


# The production download, against a loopback HTTPS server that trusts the private CA.


@pytest.fixture
def https_server(pki, monkeypatch, tmp_path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Serves `behaviour["body"]`, optionally dripping it; `fetch_chain` trusts pki's root."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509_name("localhost"))
        .issuer_name(pki.intermediate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - timedelta(days=1))
        .not_valid_after(pki.now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), False)
        .sign(pki.intermediate_key, hashes.SHA256())
    )
    behaviour: dict[str, Any] = {"body": b"", "drip": 0.0}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(behaviour["body"])))
            self.end_headers()
            try:
                if behaviour["drip"]:
                    for byte in behaviour["body"][:20]:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(behaviour["drip"])
                else:
                    self.wfile.write(behaviour["body"])
            except OSError:
                pass  # the client gave up, as it should

        def log_message(self, *args: Any) -> None:
            pass

    tmp = tmp_path
    (tmp / "cert.pem").write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + pki.intermediate.public_bytes(serialization.Encoding.PEM)
    )
    (tmp / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    client_context = ssl.create_default_context(
        cadata=pki.root.public_bytes(serialization.Encoding.PEM).decode()
    )
    monkeypatch.setattr(verify_module, "_tls_context", lambda: client_context)
    try:
        yield f"https://localhost:{server.server_address[1]}/echo.api/chain.pem", behaviour
    finally:
        server.shutdown()
        server.server_close()


def test_the_download_reads_the_chain(https_server, pki):
    # GIVEN an HTTPS server with the chain WHEN it is downloaded THEN the bytes arrive whole
    url, behaviour = https_server
    behaviour["body"] = pki.chain
    assert fetch_chain(url) == pki.chain


def test_the_download_stops_reading_past_the_size_cap(https_server):
    # GIVEN a server answering with a megabyte
    url, behaviour = https_server
    behaviour["body"] = b"A" * (1024 * 1024)
    # WHEN it is downloaded THEN at most one byte past the cap is read
    assert len(fetch_chain(url)) == MAX_CHAIN_BYTES + 1


def test_the_download_gives_up_on_a_slow_server(https_server):
    # GIVEN a server that drips one byte every 0.2 s
    url, behaviour = https_server
    behaviour["body"], behaviour["drip"] = b"B" * 100, 0.2
    started = time.monotonic()
    # WHEN it is downloaded with a 0.5 s budget THEN it gives up soon after
    with pytest.raises((TimeoutError, socket.timeout)):
        fetch_chain(url, timeout=0.5)
    assert time.monotonic() - started < 2


# What a forged request may cost: checks before any download, one download per URL at a
# time, failures remembered, and few threads tied up in downloads at once.


class GatedFetch:
    """A fetch that holds every download until `release()`, then serves `chains` or fails."""

    def __init__(self, chains: dict[str, bytes]) -> None:
        self.chains = chains
        self.calls: list[str] = []
        self.gate = threading.Event()

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if not self.gate.wait(10):
            raise TimeoutError("the test never released the download")
        if url not in self.chains:
            raise OSError("no route to host")
        return self.chains[url]

    def release(self) -> None:
        self.gate.set()


def wait_until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.005)


def in_threads(calls: list[Any]) -> tuple[list[threading.Thread], list[BaseException | None]]:
    """Start each call in a thread; the list fills with None (passed) or what it raised."""
    outcomes: list[BaseException | None] = []

    def run(call: Any) -> None:
        try:
            call()
        except BaseException as error:
            outcomes.append(error)
        else:
            outcomes.append(None)

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    return threads, outcomes


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()


@pytest.mark.parametrize(
    "signature",
    [
        "not base64 !!",
        "c2hvcnQ=",
        "A" * 341,  # bad padding
        "base64 with spaces " + "A" * 320,
        "-_" * 172,  # the URL-safe alphabet
        "length 255",
        "length 257",
        "length 128",
    ],
)
def test_a_malformed_signature_is_refused_without_a_download(pki, signature):
    # GIVEN a good chain URL but a Signature-256 that cannot be an RSA-2048..4096 signature
    if signature.startswith("length "):
        signature = base64.b64encode(bytes(int(signature.split()[1]))).decode()
    fetch = ChainServer({ECHO_URL: pki.chain})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch)
    body = event_body("launch.json", pki.now)
    headers = {"SignatureCertChainUrl": ECHO_URL, "Signature-256": signature}
    # WHEN verified THEN it is refused, and nothing was fetched
    with pytest.raises(VerificationException, match="signature"):
        check(verifier, body, headers)
    assert fetch.calls == []


@pytest.mark.parametrize("length", [256, 384, 512])
def test_a_signature_of_an_rsa_length_goes_on_to_the_download(pki, length):
    # GIVEN a well-formed signature of an RSA-2048, 3072 or 4096 length that is not the leaf's
    fetch = ChainServer({ECHO_URL: pki.chain})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch)
    body = event_body("launch.json", pki.now)
    signature = base64.b64encode(bytes(range(256)) * (length // 256) + bytes(length % 256))
    headers = {"SignatureCertChainUrl": ECHO_URL, "Signature-256": signature.decode()}
    # WHEN verified THEN the chain is fetched, and only the key check refuses it
    with pytest.raises(VerificationException, match="does not match the body"):
        check(verifier, body, headers)
    assert fetch.calls == [ECHO_URL]


def test_a_stale_request_is_refused_without_a_download(pki):
    # GIVEN a well-formed request stamped an hour ago
    fetch = ChainServer({ECHO_URL: pki.chain})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch)
    body = event_body("launch.json", pki.now - timedelta(hours=1))
    # WHEN verified THEN it is refused on its timestamp, and nothing was fetched
    with pytest.raises(VerificationException, match="timestamp"):
        check(verifier, body, pki.headers(body.encode()))
    assert fetch.calls == []


@pytest.mark.parametrize("works", [True, False])
def test_concurrent_requests_for_one_url_share_one_download(pki, works):
    # GIVEN six requests for one chain URL at once, its download held open
    fetch = GatedFetch({ECHO_URL: pki.chain} if works else {})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch, max_downloads=6)
    body = event_body("launch.json", pki.now)
    headers = pki.headers(body.encode())
    threads, outcomes = in_threads([lambda: check(verifier, body, headers)] * 6)
    wait_until(lambda: verifier.downloads.in_use == 6)
    # WHEN the download finishes
    fetch.release()
    join(threads)
    # THEN it was the only one, and all six got its result
    assert fetch.calls == [ECHO_URL]
    if works:
        assert outcomes == [None] * 6
    else:
        assert [str(error) for error in outcomes] == ["certificate chain could not be fetched"] * 6


def test_a_failed_download_is_remembered_for_a_minute(pki):
    # GIVEN a chain URL whose download fails once, then works
    fetch = ChainServer({})
    seconds = [1000.0]
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch, monotonic=lambda: seconds[0])
    body = event_body("launch.json", pki.now)
    headers = pki.headers(body.encode())
    with pytest.raises(VerificationException, match="could not be fetched"):
        check(verifier, body, headers)
    fetch.chains[ECHO_URL] = pki.chain
    # WHEN the same URL comes again within the minute THEN it is refused without a download
    for later in (0.0, 30.0, 59.9):
        seconds[0] = 1000.0 + later
        with pytest.raises(VerificationException, match=r"could not be fetched.*recently"):
            check(verifier, body, headers)
    assert fetch.calls == [ECHO_URL]
    # AND another URL is not held back by it
    other = "https://s3.amazonaws.com/echo.api/other.pem"
    fetch.chains[other] = pki.chain
    check(verifier, body, pki.headers(body.encode(), url=other))
    # AND once the minute is up it is downloaded again, and passes
    seconds[0] = 1060.0
    check(verifier, body, headers)
    assert fetch.calls == [ECHO_URL, other, ECHO_URL]


def test_a_chain_that_fails_its_checks_is_remembered_too(pki, stranger):
    # GIVEN a URL serving a chain nobody trusts
    fetch = ChainServer({ECHO_URL: stranger.chain})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch, monotonic=lambda: 0.0)
    body = event_body("launch.json", pki.now)
    # WHEN it is asked for twice THEN both are refused for the same reason, one download
    for _ in range(2):
        with pytest.raises(VerificationException, match="not trusted"):
            check(verifier, body, stranger.headers(body.encode()))
    assert fetch.calls == [ECHO_URL]


def test_remembered_failures_stay_bounded(pki):
    # GIVEN more failing URLs than are remembered, the first one first
    fetch = ChainServer({})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch, monotonic=lambda: 0.0)
    body = event_body("launch.json", pki.now)
    urls = [f"https://s3.amazonaws.com/echo.api/gone-{n}.pem" for n in range(257)]
    for url in urls:
        with pytest.raises(VerificationException, match="could not be fetched"):
            check(verifier, body, pki.headers(body.encode(), url=url))
    # WHEN the first comes again THEN it has been forgotten, and is downloaded again
    with pytest.raises(VerificationException, match="could not be fetched"):
        check(verifier, body, pki.headers(body.encode(), url=urls[0]))
    assert fetch.calls.count(urls[0]) == 2
    # AND the newest is still remembered
    with pytest.raises(VerificationException, match="recently"):
        check(verifier, body, pki.headers(body.encode(), url=urls[-1]))
    assert fetch.calls.count(urls[-1]) == 1


def test_downloads_beyond_the_cap_are_refused_at_once(pki):
    # GIVEN a cap of two, both taken by downloads of two URLs that hang
    a, b, c = (f"https://s3.amazonaws.com/echo.api/{name}.pem" for name in "abc")
    fetch = GatedFetch(dict.fromkeys([a, b, c], pki.chain))
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch, max_downloads=2)
    body = event_body("launch.json", pki.now)
    threads, outcomes = in_threads(
        [
            lambda url=url: check(verifier, body, pki.headers(body.encode(), url=url))
            for url in (a, b)
        ]
    )
    wait_until(lambda: verifier.downloads.in_use == 2)
    # WHEN a third URL, or a second request for a busy one, needs a download
    for url in (c, a):
        started = time.monotonic()
        with pytest.raises(VerificationException, match="too many"):
            check(verifier, body, pki.headers(body.encode(), url=url))
        # THEN it is refused straight away, and nothing more is fetched
        assert time.monotonic() - started < 0.5
    assert sorted(fetch.calls) == [a, b]
    # AND once the downloads finish, all is well: the refusal was not remembered
    fetch.release()
    join(threads)
    assert outcomes == [None, None]
    check(verifier, body, pki.headers(body.encode(), url=c))
    assert verifier.downloads.in_use == 0


def test_a_cached_chain_needs_no_slot(pki):
    # GIVEN a verified request, then the only download slot taken by a hanging download
    other = "https://s3.amazonaws.com/echo.api/other.pem"
    fetch = GatedFetch({ECHO_URL: pki.chain, other: pki.chain})
    fetch.release()
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch, max_downloads=1)
    body = event_body("launch.json", pki.now)
    check(verifier, body, pki.headers(body.encode()))
    fetch.gate.clear()
    threads, outcomes = in_threads(
        [lambda: check(verifier, body, pki.headers(body.encode(), url=other))]
    )
    wait_until(lambda: verifier.downloads.in_use == 1)
    # WHEN a request for the cached chain arrives THEN it passes without waiting
    check(verifier, body, pki.headers(body.encode()))
    fetch.release()
    join(threads)
    assert outcomes == [None]


def test_a_waiter_gives_up_on_a_download_that_hangs(pki, monkeypatch):
    # GIVEN a download that hangs, and a waiter's patience of 0.2 s
    monkeypatch.setattr(verify_module, "DOWNLOAD_WAIT", 0.2)
    fetch = GatedFetch({ECHO_URL: pki.chain})
    verifier = pki.verifier(clock=clock_at(pki.now), fetch=fetch)
    body = event_body("launch.json", pki.now)
    headers = pki.headers(body.encode())
    threads, outcomes = in_threads([lambda: check(verifier, body, headers)])
    wait_until(lambda: verifier.downloads.in_use == 1)
    # WHEN another request for the same URL waits on it THEN it gives up, and frees its slot
    with pytest.raises(VerificationException, match="taking too long"):
        check(verifier, body, headers)
    assert verifier.downloads.in_use == 1
    fetch.release()
    join(threads)
    assert outcomes == [None] and fetch.calls == [ECHO_URL]
