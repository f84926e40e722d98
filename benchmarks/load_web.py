"""Load on the production web server: gunicorn, verification on, signed requests, loopback.

    uv run python benchmarks/load_web.py [--seconds 60] [--clients 4] [--workers N]
    uv run python benchmarks/load_web.py --slow-clients [--seconds 5]

The server is `skill.doors.server.serve` (gunicorn, gevent workers) in a child process, with
request verification ON. Its verifier trusts a private root made at start and is handed
the chain by an injected fetch, so nothing leaves the machine; everything else (chain and
signature checks, timestamp, the skill, the SQLite store) is what production runs.
Client threads post signed LaunchRequest and IntentRequest envelopes over keep-alive
connections for the given time and print requests/s, p50, p99 and the error count.

`--slow-clients` measures something else: how long GET /health and a signed LaunchRequest
take, each on a new connection every half second, while 50 connections send a byte a
second (of headers, then, in a second run, of bodies) and 200 keep-alive connections sit
idle. It exits 1 if any answer took a second or more.

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
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from skill.tools.envelopes import envelope, intent_request, launch_request, new_session
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

    from skill.doors.server import serve
    from skill.doors.verify import AlexaRequestVerifier

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

    def launch(self) -> tuple[bytes, dict[str, str]]:
        """A signed LaunchRequest from the pool."""
        return next(item for item in self.bodies if b'"LaunchRequest"' in item[0])


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


class SlowClients:
    """Slow and idle connections on loopback: the cheap attack on a thread-per-request server.

    `drippers` connections each send one byte every `interval` seconds, either of the
    headers of a request that never ends or (`body=True`), behind complete headers, of its
    body. `idle` connections make one keep-alive request each and then send nothing. What
    the server closes is reopened at the next tick (an idle one without a new request), so
    the pressure holds when the server cuts slow clients off; `reopened` counts those, by
    group, and `cut_off` the statuses the server answered drippers with, if it answered.
    One thread drives every socket, for at most `MAX_TICKS` ticks.
    """

    MAX_TICKS = 3600
    HEADER_START = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: "
    BODY_START = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100000\r\n\r\n{"
    )
    IDLE_REQUEST = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    def __init__(
        self, port: int, *, drippers: int, idle: int, body: bool = False, interval: float = 1.0
    ) -> None:
        self.port, self.interval = port, interval
        self.start = self.BODY_START if body else self.HEADER_START
        self.drippers: list[socket.socket | None] = [None] * drippers
        self.idle: list[socket.socket | None] = [None] * idle
        self.reopened: Counter[str] = Counter()
        self.cut_off: Counter[int] = Counter()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def __enter__(self) -> SlowClients:
        self._thread.start()
        self._ready.wait(60)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)

    def _open(self, first: bytes) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
            sock.sendall(first)
        except OSError:
            return None
        sock.setblocking(False)
        return sock

    @staticmethod
    def _open_still(sock: socket.socket | None, answers: Counter[int] | None = None) -> bool:
        """Drain what the server sent (counting the statuses of its answers in `answers`);
        False, and the socket closed, once the server has hung up."""
        if sock is None:
            return False
        try:
            while data := sock.recv(65536):
                if answers is not None and data.startswith(b"HTTP/1.1 ") and data[9:12].isdigit():
                    answers[int(data[9:12])] += 1
        except BlockingIOError:
            return True
        except OSError:
            pass
        sock.close()
        return False

    def _drip(self, sock: socket.socket | None) -> bool:
        if not self._open_still(sock, self.cut_off):
            return False
        try:
            sock.send(b"a")  # type: ignore[union-attr]
            return True
        except OSError:
            sock.close()  # type: ignore[union-attr]
            return False

    def _run(self) -> None:
        self.idle = [self._open(self.IDLE_REQUEST) for _ in self.idle]
        self.drippers = [self._open(self.start) for _ in self.drippers]
        self._ready.set()
        for _ in range(self.MAX_TICKS):
            if self._stop.wait(self.interval):
                break
            for n, sock in enumerate(self.drippers):
                if not self._drip(sock):
                    self.drippers[n] = self._open(self.start)
                    self.reopened["drippers"] += 1
            for n, sock in enumerate(self.idle):
                if not self._open_still(sock):
                    self.idle[n] = self._open(b"")
                    self.reopened["idle"] += 1
        for sock in (*self.idle, *self.drippers):
            if sock is not None:
                sock.close()


Probe = tuple[str, str, bytes | None, dict[str, str]]
# One probe's answer: seconds taken and HTTP status, or (timeout, 0) when none came.
Answer = tuple[float, int]


def probe(
    port: int, requests: dict[str, Probe], seconds: float, every: float = 0.5, timeout: float = 10
) -> dict[str, list[Answer]]:
    """Each request on a new connection, one after another, every `every` seconds for
    `seconds`: how long each took to answer, and with what status."""
    answers: dict[str, list[Answer]] = {name: [] for name in requests}
    stop_at = time.monotonic() + seconds
    for _ in range(10_000):
        for name, (method, path, body, headers) in requests.items():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                answers[name].append((time.perf_counter() - started, response.status))
            except (OSError, http.client.HTTPException):
                answers[name].append((max(timeout, time.perf_counter() - started), 0))
            finally:
                connection.close()
        if time.monotonic() + every >= stop_at:
            break
        time.sleep(every)
    return answers


def under_attack(
    port: int,
    launch: tuple[bytes, dict[str, str]],
    seconds: float,
    *,
    body: bool,
    drippers: int = 50,
    idle: int = 200,
    settle: float = 1.0,
) -> tuple[dict[str, list[Answer]], SlowClients]:
    """Answers to GET /health and to `launch` (a LaunchRequest's body and headers) while
    `drippers` slow connections and `idle` keep-alive ones hold on to the server."""
    requests: dict[str, Probe] = {
        "health": ("GET", "/health", None, {}),
        "launch": ("POST", "/", *launch),
    }
    with SlowClients(port, drippers=drippers, idle=idle, body=body) as attack:
        time.sleep(settle)  # every dripper has begun its request: a thread would be stuck
        return probe(port, requests, seconds), attack


def slowest(answers: list[Answer], timeout: float = 10) -> float:
    """The longest wait for a 200, counting any other answer as no answer at all."""
    return max((took if status == 200 else timeout for took, status in answers), default=timeout)


def stop_server(*processes: multiprocessing.Process) -> None:
    """Stop server processes: SIGINT is gunicorn's quick shutdown (SIGTERM, the graceful
    one, lets gevent workers linger a second more), then a kill for any still there."""
    for process in processes:
        if process.pid is not None and process.is_alive():
            os.kill(process.pid, signal.SIGINT)
    for process in processes:
        process.join(15)
        if process.is_alive():
            process.kill()
            process.join(5)


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


def report_attack(port: int, pool: SignedBodies, seconds: float) -> int:
    """Print answer times under slow clients; 1 when one took a second or was not a 200."""
    worst = 0.0
    for body in (False, True):
        pool.refresh()
        answers, attack = under_attack(port, pool.launch(), seconds, body=body)
        kind = "bodies" if body else "headers"
        print(
            f"{len(attack.drippers)} connections dripping {kind} at 1 byte/s + "
            f"{len(attack.idle)} idle keep-alive, {seconds:g} s "
            f"(the server closed {attack.reopened['drippers']} dripping and"
            f" {attack.reopened['idle']} idle ones, which were reopened"
            + "".join(
                f"; {n} drippers answered {code}" for code, n in sorted(attack.cut_off.items())
            )
            + ")"
        )
        for name, samples in answers.items():
            took = [t for t, _ in samples]
            statuses = Counter(status for _, status in samples)
            worst = max(worst, slowest(samples))
            print(
                f"  {name:<7} p50 {percentile(took, 0.5) * 1000:7.1f} ms"
                f"   max {max(took) * 1000:7.1f} ms   ({len(took)} probes; status "
                + ", ".join(f"{code or 'none'} x{n}" for code, n in sorted(statuses.items()))
                + ")"
            )
    return 1 if worst >= 1.0 else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--slow-clients",
        action="store_true",
        help="instead: /health and LaunchRequest latency under 50 dripping + 200 idle "
        "connections, headers then bodies, --seconds each",
    )
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
        if args.slow_clients:
            return report_attack(port, pool, seconds)
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
        stop_server(server)
        shutil.rmtree(store_dir, ignore_errors=True)

    done = len(latencies)
    print(
        f"web load: {args.workers} gunicorn gevent worker(s), {clients} client "
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
