"""Part 4: the web service under load, against a bare flask-ask-sdk hello-world app.

Both sides are ``skill.doors.server.serve`` (gunicorn, the same gevent workers and timeouts)
with request verification on: ``AlexaRequestVerifier`` trusting a private root, the
chain handed over by an injected fetch, so nothing leaves the machine. Ours runs the
real app and skill on a SQLite file; the baseline swaps in a hello-world skill behind a
plain flask-ask-sdk ``SkillAdapter``. The launcher, the signed request bodies and the
client threads come from ``benchmarks/load_web.py``; here the two servers run side by side
and take turns under the same load, in many short rounds, so drift in the machine's load
hits both. The throughput figure is the median of the rounds' ratios (each round: ours
right after, or right before, the baseline), which a burst of outside load in one round
cannot swing.

Last, our server is put under the cheap attack on thread-per-request servers: 50 connections
sending a byte a second (of headers, then of bodies) and 200 idle keep-alive connections,
while GET /health and a signed LaunchRequest are timed on new connections. The figure is
the slowest answer of each, against a goal of one second.
"""

from __future__ import annotations

import http.client
import multiprocessing
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import Figure, Goal, median, percentile, ratio

__all__ = ["measure", "run", "run_hello_server"]

CLIENTS = 4
RESIGN_AFTER = 60.0
THROUGHPUT_GOAL = Goal(">=", 0.8)
ATTACK_GOAL_MS = Goal("<=", 1000.0)


def hello_app(skill: Any, *, verify: bool = True, skill_id: str | None = None, verifier=None):
    """A bare flask-ask-sdk app: the SDK's SkillAdapter on POST /, and GET /health."""
    from flask import Flask, jsonify
    from flask_ask_sdk.skill_adapter import (
        VERIFY_SIGNATURE_APP_CONFIG,
        VERIFY_TIMESTAMP_APP_CONFIG,
        SkillAdapter,
    )

    app = Flask("hello_world")
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False
    adapter = SkillAdapter(
        skill=skill, skill_id="hello-world", verifiers=[verifier] if verify else [], app=app
    )
    app.add_url_rule("/", "invoke", adapter.dispatch_request, methods=["POST"])
    app.add_url_rule("/health", "health", lambda: jsonify({"status": "ok"}))
    return app


def run_hello_server(port: int, store_url: str, root_pem: bytes, chain_pem: bytes, workers: int):
    """The baseline's server process: ``load_web.run_server`` with the app swapped.

    ``serve`` looks up ``web_app`` in the composition root when called, so replacing it
    here changes only what runs inside the workers, not how gunicorn runs them.
    """
    import skill.doors.wiring
    from benchmarks.load_web import run_server
    from benchmarks.workload import hello_world_skill

    def hello_web_app(store: Any, *, verify: bool, verifier: Any = None, **_: Any) -> Any:
        return hello_app(hello_world_skill(), verify=verify, verifier=verifier)

    skill.doors.wiring.web_app = hello_web_app
    run_server(port, store_url, root_pem, chain_pem, workers)


def _serve_quietly(side: str, log: str, *args: Any) -> None:
    """A server process with its output in `log`: the tampered request of the
    verification check makes flask-ask-sdk log a traceback, which is expected."""
    import os
    import sys

    # Patches the standard library for gevent: before the app.
    import skill.doors.server  # noqa: F401

    with open(log, "ab", buffering=0) as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        sys.stdout = sys.stderr = open(sink.fileno(), "w", closefd=False)  # noqa: SIM115
        if side == "hello":
            run_hello_server(*args)
        else:
            from benchmarks.load_web import run_server

            run_server(*args)


class _Servers:
    """Both servers, started side by side in fresh interpreters and stopped on exit."""

    def __init__(self, pki: Any, directory: Path, workers: int | None) -> None:
        import os

        from cryptography.hazmat.primitives.serialization import Encoding

        from benchmarks import load_web

        self.ports: dict[str, int] = {}
        self.processes: dict[str, multiprocessing.Process] = {}
        root_pem = pki.root.public_bytes(Encoding.PEM)
        workers = workers or os.cpu_count() or 1
        context = multiprocessing.get_context("spawn")
        self.logs = {side: directory / f"{side}.log" for side in ("ours", "hello")}
        for side, log in self.logs.items():
            port = load_web.free_port()
            store = f"sqlite:///{directory / f'{side}.db'}"
            process = context.Process(
                target=_serve_quietly,
                args=(side, str(log), port, store, root_pem, pki.chain, workers),
                daemon=True,
            )
            process.start()
            self.ports[side], self.processes[side] = port, process
        for side, port in self.ports.items():
            try:
                load_web.wait_until_ready(port, self.processes[side], timeout=60)
            except SystemExit as error:
                self.close()
                tail = self.logs[side].read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{side} server did not start ({error}):\n{tail}") from None

    def close(self) -> None:
        from benchmarks.load_web import stop_server

        stop_server(*self.processes.values())


def _verification(port: int, pool: Any) -> tuple[int, int]:
    """Statuses of one signed request and of the same body tampered with."""
    from benchmarks.load_web import post

    body, headers = pool.bodies[0]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        good = post(connection, body, headers)
        bad = post(connection, body.replace(b"load-", b"evil-"), headers)
    finally:
        connection.close()
    return good, bad


def _round(port: int, pool: Any, seconds: float, seed: int) -> tuple[list[float], list[str], float]:
    from benchmarks.load_web import client

    latencies: list[float] = []
    errors: list[str] = []
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=client, args=(port, pool, started + seconds, seed + n, latencies, errors)
        )
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    return latencies, errors, time.monotonic() - started


def _attack(port: int, pool: Any, seconds: float) -> dict[str, list[tuple[float, int]]]:
    """/health and LaunchRequest answers under header drippers, then body drippers."""
    from benchmarks.load_web import under_attack

    answers: dict[str, list[tuple[float, int]]] = {"health": [], "launch": []}
    for body in (False, True):
        pool.refresh()
        measured, _ = under_attack(
            port, pool.launch(), seconds, body=body, settle=min(1.0, seconds)
        )
        for name, samples in measured.items():
            answers[name] += samples
    return answers


def measure(
    seconds: float,
    rounds: int,
    warm_up: float = 1.0,
    workers: int | None = None,
    attack_seconds: float = 0.0,
):
    """Per side: latencies, errors, seconds under load, requests/s per round, and the
    verification check; for ours, with `attack_seconds`, latencies under slow clients."""
    from benchmarks.load_web import LocalAlexaPki, SignedBodies

    pki = LocalAlexaPki()
    pool = SignedBodies(pki)
    results: dict[str, dict[str, Any]] = {
        side: {"latencies": [], "errors": [], "elapsed": 0.0, "rounds": []}
        for side in ("ours", "hello")
    }
    with tempfile.TemporaryDirectory(prefix="bench-web-") as directory:
        servers = _Servers(pki, Path(directory), workers)
        try:
            for side, port in servers.ports.items():
                results[side]["verification"] = _verification(port, pool)
                _round(port, pool, warm_up, seed=0)
            for number in range(rounds):
                order = ("ours", "hello") if number % 2 == 0 else ("hello", "ours")
                for side in order:
                    if time.monotonic() - pool.signed_at > RESIGN_AFTER:
                        pool.refresh()
                    latencies, errors, elapsed = _round(
                        servers.ports[side], pool, seconds / rounds, seed=100 * number
                    )
                    results[side]["latencies"] += latencies
                    results[side]["errors"] += errors
                    results[side]["elapsed"] += elapsed
                    results[side]["rounds"].append(len(latencies) / elapsed if elapsed else 0.0)
            if attack_seconds:
                results["ours"]["attack"] = _attack(servers.ports["ours"], pool, attack_seconds)
        finally:
            servers.close()
    return results


def run(
    quick: bool = False,
    seconds: float | None = None,
    rounds: int | None = None,
    warm_up: float | None = None,
) -> list[Figure]:
    from benchmarks.load_web import slowest

    seconds = seconds or (2.0 if quick else 10.0)
    rounds = rounds or (1 if quick else 8)
    attack_seconds = min(5.0, seconds / 2)
    results = measure(
        seconds, rounds, warm_up=warm_up or (0.5 if quick else 1.0), attack_seconds=attack_seconds
    )
    ours, hello = results["ours"], results["hello"]
    attack = ours["attack"]

    def rps(side: dict[str, Any]) -> float:
        return len(side["latencies"]) / side["elapsed"] if side["elapsed"] else 0.0

    by_round = [ratio(a, b) for a, b in zip(ours["rounds"], hello["rounds"], strict=True)]
    return [
        Figure(
            f"throughput ({rps(ours):.0f} vs {rps(hello):.0f} req/s, {CLIENTS} clients,"
            f" {seconds:g} s a side in {rounds} rounds; median of round ratios)",
            (median(by_round),),
            goals=(THROUGHPUT_GOAL,),
            note=f"(rounds {min(by_round):.2f}x to {max(by_round):.2f}x)",
        ),
        Figure(
            f"p99 latency ({percentile(ours['latencies'], 99) * 1000:.1f}"
            f" vs {percentile(hello['latencies'], 99) * 1000:.1f} ms)",
            (ratio(percentile(ours["latencies"], 99), percentile(hello["latencies"], 99)),),
        ),
        Figure(
            "verification on: HTTP status, signed / tampered",
            (
                max(ours["verification"][0], hello["verification"][0]),
                min(ours["verification"][1], hello["verification"][1]),
            ),
            unit="",
            goals=(Goal("==", 200), Goal("==", 400)),
        ),
        Figure(
            "failed requests, ours / hello-world",
            (len(ours["errors"]), len(hello["errors"])),
            unit="",
            goals=(Goal("==", 0), Goal("==", 0)),
        ),
        Figure(
            f"slowest /health / signed Launch, 50 dripping + 200 idle connections"
            f" ({2 * attack_seconds:g} s)",
            (slowest(attack["health"]) * 1000, slowest(attack["launch"]) * 1000),
            unit="ms",
            goals=(ATTACK_GOAL_MS, ATTACK_GOAL_MS),
        ),
    ]
