"""A store that cannot work is said plainly, at once (issue 13): commands refuse to start
with one line and exit 2, operator commands create nothing, /health says 503 while the
store fails, and an outage logs a line every few seconds, not one a request."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from skill.alexa import build_skill
from skill.doors.web import create_app
from skill.service import SkillServices
from skill.storage import SqliteStore, ours_wins
from tests.conftest import Clock, Device


def run(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The command as an operator runs it: its own process (serve must not set up its
    server inside the test process)."""
    done = subprocess.run(
        [sys.executable, "-m", "skill", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "households.db"
    path.write_text("this file is not a database " * 40)
    return path


@pytest.mark.parametrize("command", ["serve", "chat"])
def test_a_store_that_cannot_be_used_stops_the_command_with_one_line(
    capsys, not_a_database, command
):
    code, _, err = run(command, "--store", f"sqlite:///{not_a_database}")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "not a database" in err and "Traceback" not in err


def test_dev_null_as_the_store_is_refused():
    code, _, err = run("serve", "--dev", "--store", "sqlite:////dev/null")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


@pytest.mark.parametrize("command", ["export", "forget"])
def test_operator_commands_create_nothing(tmp_path, command):
    where = tmp_path / "no" / "such" / "dir" / "households.db"
    code, out, err = run(command, "--user", "u1", "--store", f"sqlite:///{where}")
    assert code in (0, 1) and ("nothing" in out or "no household" in err), (out, err)
    assert not (tmp_path / "no").exists(), "no directory, no file"


def test_export_from_an_unreachable_dynamodb_is_one_line():
    keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with socket.socket() as closed:  # a loopback port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"dynamodb://households?region=us-east-1&endpoint=http://127.0.0.1:{port}"
    code, _, err = run("export", "--user", "u1", "--store", url, env=keys)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err


def test_health_says_503_while_the_store_fails_and_200_when_it_is_back(tmp_path):
    path = tmp_path / "households.db"
    clock = Clock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    store = SqliteStore(path, clock=clock, merge=ours_wins)
    skill = build_skill(store, SkillServices())
    client = create_app(skill, verify=False, health=store.health).test_client()
    assert client.get("/health").status_code == 200
    store.close()  # the last connection closing folds the write-ahead log into the file
    good = path.read_bytes()
    # WHEN the file is damaged under the running server
    path.write_bytes(b"garbage " * 512)
    clock.advance(3)
    broken = client.get("/health")
    # THEN health says so, briefly, without a traceback
    assert broken.status_code == 503
    assert broken.json["status"] == "unavailable" and "household store" in broken.json["reason"]
    # AND once the file is whole again, health recovers
    store.close()
    for leftover in tmp_path.glob("households.db-*"):
        leftover.unlink()
    path.write_bytes(good)
    clock.advance(3)
    assert client.get("/health").status_code == 200


def test_an_outage_logs_a_line_every_ten_seconds_not_one_a_request(tmp_path, caplog):
    class DownStore:
        def read(self, key):
            raise ConnectionError("connection refused")

        put = delete = read

    clock = Clock(datetime(2026, 11, 25, 21, 0, tzinfo=UTC))
    device = Device(build_skill(DownStore(), SkillServices(clock=clock)))
    with caplog.at_level(logging.INFO):
        for _ in range(30):  # thirty requests in fifteen seconds
            device.intent("StarterIntent", new_session_=True)
            clock.advance(0.5)
    lines = [r for r in caplog.records if "unavailable" in r.getMessage()]
    assert 1 <= len(lines) <= 2, [r.getMessage() for r in lines]
    assert not any(r.exc_info for r in lines), "no traceback unless DEBUG"
    assert "ConnectionError: connection refused" in lines[0].getMessage()
    if len(lines) == 2:
        assert "more since the last" in lines[1].getMessage()
