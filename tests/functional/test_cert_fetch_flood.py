"""A flood of forged requests while the certificate host is black-holed: /health stays fast.

The server is the real one (`heart-to-heart serve`: gunicorn, one worker of four threads,
verification on). Its certificate download is urllib's, which honours `https_proxy`; the
proxy here is a loopback socket that accepts and never answers, so every download hangs
until its timeout, as it would with s3.amazonaws.com black-holed, and nothing leaves the
machine (through a proxy, the certificate host is not even looked up).
"""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.functional.test_serve import running_server
from tests.pki import event_body

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]

FLOOD = 60
URLS = [f"https://s3.amazonaws.com/echo.api/echo-api-cert-{n}.pem" for n in range(3)]
HEALTH_BUDGET = 1.0


class BlackHole:
    """A TCP listener that accepts every connection, counts it and never says a word."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = self.listener.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.held.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def black_hole(monkeypatch: pytest.MonkeyPatch) -> Iterator[BlackHole]:
    """The proxy every certificate download of the server (a child process) goes through."""
    hole = BlackHole()
    for name in ("https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{hole.port}")
    for name in ("no_proxy", "NO_PROXY", "HEART_TO_HEART_SKILL_ID"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield hole
    finally:
        hole.close()


def forged(base: str, n: int) -> urllib.request.Request:
    """A fresh envelope with headers that look right: a good URL, 256 bytes of 'signature'."""
    body = event_body("launch.json", datetime.now(UTC)).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "SignatureCertChainUrl": URLS[n % len(URLS)],
        "Signature-256": base64.b64encode(os.urandom(256)).decode(),
    }
    return urllib.request.Request(f"{base}/", data=body, headers=headers, method="POST")


def send(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # no answer in time


def health_latencies(base: str, until: threading.Event, limit: float) -> list[float]:
    """GET /health every 50 ms until `until` is set (or `limit` seconds pass)."""
    latencies: list[float] = []
    deadline = time.monotonic() + limit
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while not until.is_set() and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with opener.open(f"{base}/health", timeout=5) as response:
                response.read()
        except OSError:
            pass  # counted as its full wait
        latencies.append(time.monotonic() - started)
        time.sleep(0.05)
    return latencies


def test_health_stays_fast_while_forged_requests_flood_a_black_holed_cert_host(
    tmp_path: Path, black_hole: BlackHole
):
    with running_server(f"sqlite:///{tmp_path / 'h.db'}") as (base, _):
        requests = [forged(base, n) for n in range(FLOOD)]
        flood_done = threading.Event()
        with ThreadPoolExecutor(max_workers=FLOOD + 1) as pool:
            health = pool.submit(health_latencies, base, flood_done, 12.0)
            time.sleep(0.1)  # the probe is under way before the flood lands
            started = time.monotonic()
            statuses = list(pool.map(send, requests))
            flood_seconds = time.monotonic() - started
            time.sleep(0.3)  # and keeps probing a little after
            flood_done.set()
            latencies = health.result()
        downloads = len(black_hole.held)
    print(
        f"\nflood of {FLOOD}: {flood_seconds:.2f} s; /health max {max(latencies):.3f} s over "
        f"{len(latencies)} probes; certificate downloads attempted: {downloads}"
    )
    assert statuses == [400] * FLOOD
    assert max(latencies) < HEALTH_BUDGET
    # At most one download per distinct URL: the rest waited, were turned away or remembered.
    assert downloads <= len(URLS)
