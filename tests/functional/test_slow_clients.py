"""Slow and idle clients against the production server, and its size limits over a socket.

The server is `skill.doors.server.serve` (gunicorn, gevent workers, two of them) with verification
on, run by the load harness in a fresh interpreter: its verifier trusts a private root, so
the LaunchRequests here are really signed and really checked. Under the old thread-per-request
workers, ten connections sending a header byte a second kept /health and Alexa waiting for as
long as they went on; here fifty, beside two hundred idle keep-alive connections, must cost
every answer less than a second.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import socket
import time
from collections.abc import Iterator
from contextlib import suppress

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from benchmarks import load_web
from skill.doors.web import MAX_BODY_BYTES
from skill.tools.envelopes import envelope, launch_request, new_session
from tests.pki import LocalAlexaPki

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

BUDGET = 1.0
USER = "amzn1.ask.account.slow-clients"


@pytest.fixture(scope="module")
def pki() -> LocalAlexaPki:
    return LocalAlexaPki()


@pytest.fixture(scope="module")
def port(pki: LocalAlexaPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The production server on a free loopback port, verification on, two workers."""
    port = load_web.free_port()
    store = f"sqlite:///{tmp_path_factory.mktemp('slow') / 'h.db'}"
    root = pki.root.public_bytes(Encoding.PEM)
    process = multiprocessing.get_context("spawn").Process(
        target=load_web.run_server, args=(port, store, root, pki.chain, 2), daemon=True
    )
    process.start()
    try:
        load_web.wait_until_ready(port, process, timeout=60)
        yield port
    finally:
        load_web.stop_server(process)


def signed_launch(pki: LocalAlexaPki) -> tuple[bytes, dict[str, str]]:
    """A LaunchRequest stamped now and signed under the private chain."""
    session = new_session(user_id=USER, new=True)
    body = json.dumps(envelope(launch_request(), user_id=USER, session=session)).encode()
    return body, {**pki.headers(body), "Content-Type": "application/json; charset=utf-8"}


def assert_answered_in_time(answers: dict[str, list[tuple[float, int]]], probes: int) -> None:
    for name, samples in answers.items():
        slowest = max(took for took, _ in samples)
        assert slowest < BUDGET, f"{name} took {slowest:.2f} s under attack: {samples}"
        assert {status for _, status in samples} == {200}, f"{name}: {samples}"
        assert len(samples) >= probes, f"{name}: only {len(samples)} probes"


def test_health_and_a_signed_launch_answer_while_50_clients_drip_headers(port, pki):
    # GIVEN 50 connections sending a request's headers at a byte a second, and 200 idle
    # keep-alive connections WHEN /health and a signed LaunchRequest are asked for, each on
    # a new connection every half second for 5 s
    answers, attack = load_web.under_attack(port, signed_launch(pki), 5.0, body=False)
    # THEN every one of them is answered, with a 200, in under a second
    assert_answered_in_time(answers, probes=8)
    # AND the drippers were cut off (without an answer) when their header time ran out
    assert len(attack.drippers) == 50 and len(attack.idle) == 200
    assert attack.reopened["drippers"] >= 50 and not attack.cut_off


def test_health_and_a_signed_launch_answer_while_50_clients_drip_bodies(port, pki):
    # GIVEN 50 connections with complete headers sending their bodies at a byte a second,
    # and 200 idle keep-alive connections
    launch = ("POST", "/", *signed_launch(pki))
    requests: dict[str, load_web.Probe] = {"health": ("GET", "/health", None, {}), "launch": launch}
    with load_web.SlowClients(port, drippers=50, idle=200, body=True) as attack:
        time.sleep(1)
        # WHEN both are asked for, every half second for 5 s
        answers = load_web.probe(port, requests, 5.0)
        # THEN the same as above
        assert_answered_in_time(answers, probes=8)
        # AND each dripper is turned away with a 408 once its body time (5 s) is up
        deadline = time.monotonic() + 10
        while attack.cut_off[408] < 50 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert attack.cut_off == {408: 50}


def exchange(port: int, request: bytes) -> tuple[int, str, bytes]:
    """Send raw bytes, read one answer: status, content type and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # The server may answer and close before it has taken all of an oversized body.
        with suppress(OSError):
            sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, response.getheader("Content-Type") or "", response.read()


def post_head(extra: str = "", length: int | None = None) -> bytes:
    framing = "Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}"
    return (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{extra}{framing}\r\n\r\n"
    ).encode()


def chunked(data: bytes, size: int = 16 * 1024) -> bytes:
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def assert_json_refusal(answer: tuple[int, str, bytes], status: int) -> None:
    assert answer[0] == status and answer[1] == "application/json", answer[:2]
    assert set(json.loads(answer[2])) == {"error"}


@pytest.mark.parametrize(
    "headers",
    [
        "".join(f"X-Flood-{n}: x\r\n" for n in range(150)),  # more than 100 fields
        "X-Flood: " + "x" * 9000 + "\r\n",  # one field over 8190 bytes
    ],
    ids=["many fields", "one long field"],
)
def test_a_header_flood_gets_a_json_431(port, headers):
    # GIVEN headers past gunicorn's limits WHEN sent THEN a 431 in the app's own JSON (not
    # gunicorn's HTML page, which echoed the header back), before any of our code runs
    answer = exchange(port, post_head(headers, length=2) + b"{}")
    assert_json_refusal(answer, 431)
    assert b"X-Flood" not in answer[2]


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"POST /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"NOT AN HTTP REQUEST\r\n\r\n", 400),
    ],
    ids=["long request line", "garbage"],
)
def test_an_unreadable_request_gets_a_json_4xx(port, request_bytes, status):
    assert_json_refusal(exchange(port, request_bytes), status)


def test_an_oversized_body_gets_a_413_before_it_is_read(port):
    # GIVEN a Content-Length past the limit and no body WHEN sent THEN our JSON 413 at once
    assert_json_refusal(exchange(port, post_head(length=MAX_BODY_BYTES + 1)), 413)


def test_an_oversized_chunked_body_gets_a_413(port):
    # GIVEN a chunked body past the limit WHEN sent THEN our JSON 413 as well, not the
    # truncated body that werkzeug alone would hand the app
    body = b'{"pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    assert_json_refusal(exchange(port, post_head() + chunked(body)), 413)


def test_a_signed_chunked_launch_is_served(port, pki):
    # GIVEN a signed LaunchRequest sent in chunks WHEN posted THEN it is verified and served
    body, headers = signed_launch(pki)
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k != "Content-Type")
    status, content_type, answer = exchange(port, post_head(extra) + chunked(body, size=500))
    assert status == 200 and content_type == "application/json"
    assert json.loads(answer)["response"]["outputSpeech"]
