"""`heart-to-heart serve` for real: gunicorn (gevent workers) on loopback, over HTTP, in a
subprocess."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import load_event, speech
from tests.unit.storage.helpers import moto_server

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("serve")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(store: str, *extra: str):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "skill",
            "serve",
            "--port",
            str(port),
            "--store",
            store,
            "--workers",
            "1",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.communicate()[1]) from None
                time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def post(base: str, body: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_dev_server_answers_and_data_survives_a_restart(tmp_path: Path):
    store = f"sqlite:///{tmp_path / 'households.db'}"
    with running_server(store, "--dev") as (base, process):
        status, launch = post(base, json.dumps(load_event("launch.json")).encode())
        assert status == 200 and speech(launch)
        status, _ = post(base, b"not json")
        assert status == 400
        status, first = post(base, json.dumps(load_event("starter_intent.json")).encode())
        starter = first["response"]["card"]["content"]
    assert "verification are OFF" in process.stderr.read()
    with running_server(store, "--dev") as (base, _):
        status, again = post(base, json.dumps(load_event("repeat_intent.json")).encode())
    assert status == 200 and starter in speech(again)


def test_dev_server_answers_on_a_dynamodb_store():
    # GIVEN a DynamoDB store (moto on loopback): botocore builds a TLS context for every
    # client, which recurses forever if gevent patched ssl after botocore was imported
    with moto_server() as endpoint:
        store = f"dynamodb://households?region=us-east-1&endpoint={endpoint}"
        # WHEN the server opens it and a LaunchRequest arrives
        with running_server(store, "--dev") as (base, process):
            status, launch = post(base, json.dumps(load_event("launch.json")).encode())
    # THEN the skill answers, and gevent had nothing to warn about
    assert status == 200 and speech(launch)
    assert "MonkeyPatchWarning" not in process.stderr.read()


def test_production_server_refuses_unsigned_requests(tmp_path: Path):
    with running_server(f"sqlite:///{tmp_path / 'h.db'}") as (base, _):
        status, body = post(base, json.dumps(load_event("launch.json")).encode())
    assert status == 400 and "response" not in body


def test_dev_mode_refuses_a_non_loopback_host(tmp_path: Path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "skill",
            "serve",
            "--dev",
            "--host",
            "0.0.0.0",
            "--store",
            f"sqlite:///{tmp_path / 'h.db'}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "refusing" in result.stderr
