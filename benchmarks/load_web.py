"""Load on the production web server: gunicorn, verification on, signed requests, loopback.

    uv run python benchmarks/load_web.py [--seconds 60] [--clients 4] [--workers N]

The server is `skill.server.serve` (gunicorn, gthread workers) in a child process, with
request verification ON. Its verifier trusts a private root made at start and is handed
the chain by an injected fetch, so nothing leaves the machine; everything else (chain and
signature checks, timestamp, the skill, the SQLite store) is what production runs.
Client threads post signed LaunchRequest and IntentRequest envelopes over keep-alive
connections for the given time and print requests/s, p50, p99 and the error count.

Bodies are signed ahead of time (RSA signing would otherwise eat the client's share of
the CPU) and re-signed every minute, so every timestamp stays within Alexa's 150 s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from skill.envelopes import envelope, intent_request, launch_request, new_session
from tests.pki import ECHO_URL, LocalAlexaPki

MAX_SECONDS = 600
RESIGN_EVERY = 60.0
INTENTS = ["StarterIntent", "AMAZON.NextIntent", "AMAZON.RepeatIntent", "AMAZON.HelpIntent"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_server(port: int, store_url: str, root_pem: bytes, chain_pem: bytes, workers: int):
    """The child process: production `serve`, with a verifier that trusts the private root."""
    from cryptography import x509

    from skill.server import serve
    from skill.verify import AlexaRequestVerifier

    def fetch(url: str) -> bytes:
        if url != ECHO_URL:
            raise LookupError(url)
        return chain_pem

    verifier = AlexaRequestVerifier(
        trust_roots=[x509.load_pem_x509_certificate(root_pem)], fetch=fetch
    )
    serve(store_url, host="127.0.0.1", port=port, verify=True, workers=workers, verifier=verifier)


class SignedBodies:
    """A pool of signed request bodies, re-signed with fresh timestamps now and then."""

    def __init__(self, pki: LocalAlexaPki, size: int = 200) -> None:
        self.pki = pki
        self.size = size
        self.signed_at = 0.0
        self.bodies: list[tuple[bytes, dict[str, str]]] = []
        self.refresh()

    def refresh(self) -> None:
        rng = random.Random(1)
        bodies = []
        for n in range(self.size):
            user = f"amzn1.ask.account.load-{n % 50}"
            kind = rng.choice(["launch", *INTENTS])
            request = launch_request() if kind == "launch" else intent_request(kind)
            session = new_session(user_id=user, new=kind == "launch")
            body = json.dumps(envelope(request, user_id=user, session=session)).encode()
            headers = self.pki.headers(body)
            headers["Content-Type"] = "application/json; charset=utf-8"
            bodies.append((body, headers))
        self.bodies, self.signed_at = bodies, time.monotonic()


def post(connection: http.client.HTTPConnection, body: bytes, headers: dict[str, str]) -> int:
    connection.request("POST", "/", body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    return response.status


def client(
    port: int, pool: SignedBodies, stop_at: float, seed: int, latencies: list, errors: list
) -> None:
    """One keep-alive connection, posting until `stop_at`."""
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for _ in range(10_000_000):  # a bound, besides the clock
        if time.monotonic() >= stop_at:
            break
        body, headers = rng.choice(pool.bodies)
        started = time.perf_counter()
        try:
            status = post(connection, body, headers)
        except (OSError, http.client.HTTPException) as error:
            errors.append(type(error).__name__)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - started)
        if status != 200:
            errors.append(f"HTTP {status}")
    connection.close()


def wait_until_ready(port: int, process: multiprocessing.Process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.is_alive():
            raise SystemExit("the server exited while starting")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not come up")


def check_verification_is_on(port: int, pool: SignedBodies) -> None:
    """One signed request must pass and the same one, tampered, must not."""
    body, headers = pool.bodies[0]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    good = post(connection, body, headers)
    bad = post(connection, body.replace(b"load-", b"evil-"), headers)
    connection.close()
    if (good, bad) != (200, 400):
        raise SystemExit(f"verification check failed: signed {good}, tampered {bad}")
    print(f"verification check: signed -> {good}, tampered -> {bad}", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    clients = max(1, min(args.clients, 64))

    pki = LocalAlexaPki()
    pool = SignedBodies(pki)
    port = free_port()
    store_dir = Path(tempfile.mkdtemp(prefix="h2h-load-"))
    store_url = f"sqlite:///{store_dir / 'households.db'}"
    root_pem = pki.root.public_bytes(Encoding.PEM)
    server = multiprocessing.get_context("fork").Process(
        target=run_server, args=(port, store_url, root_pem, pki.chain, args.workers), daemon=True
    )
    server.start()
    try:
        wait_until_ready(port, server)
        check_verification_is_on(port, pool)
        latencies: list[float] = []
        errors: list[str] = []
        started = time.monotonic()
        stop_at = started + seconds
        threads = [
            threading.Thread(target=client, args=(port, pool, stop_at, n, latencies, errors))
            for n in range(clients)
        ]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            time.sleep(0.2)
            if time.monotonic() - pool.signed_at > RESIGN_EVERY:
                pool.refresh()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.join(15)
        if server.is_alive():
            server.kill()

    done = len(latencies)
    print(
        f"web load: {args.workers} gunicorn worker(s) x 4 threads, {clients} client "
        f"thread(s) (client shares the machine), verification ON, {elapsed:.1f} s"
    )
    print(f"requests      {done}")
    print(f"requests/s    {done / elapsed:.1f}")
    if done:
        print(f"p50           {percentile(latencies, 0.50) * 1000:.2f} ms")
        print(f"p99           {percentile(latencies, 0.99) * 1000:.2f} ms")
        print(f"mean          {statistics.fmean(latencies) * 1000:.2f} ms")
    kinds = ", ".join(f"{kind} x{n}" for kind, n in sorted(Counter(errors).items()))
    print(f"errors        {len(errors)}" + (f" ({kinds})" if kinds else ""))
    return 1 if errors or not done else 0


if __name__ == "__main__":
    sys.exit(main())
