"""The MCP door, driven by the official SDK's own client over loopback Streamable HTTP:
two households at once, each behind its own bearer token."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from skill.core.starters import load_library
from skill.doors.mcp_auth import StaticTokens, TokenFileError, bearer_settings, read_token_file
from skill.doors.mcp_server import mcp_app
from skill.service import SkillServices
from tests.conftest import favourites_of, lines_of

LIBRARY = {s.id: s for s in load_library()}
SAM_TOKEN = "sam-token-0123456789abcdef"
ROBIN_TOKEN = "robin-token-0123456789abcdef"
TOOLS = {
    "get_starter", "next_starter", "go_deeper", "go_lighter", "save_favourite",
    "list_favourites", "remove_favourite", "start_checkin", "give_rating",
    "checkin_next_step", "weekly_summary", "set_names",
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(services: SkillServices, sqlite_store, tmp_path) -> Iterator[str]:
    """The door on a loopback port, as `heart-to-heart mcp` runs it; yields its base URL."""
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# user token\nsam {SAM_TOKEN}\nrobin {ROBIN_TOKEN}\n")
    services.store = sqlite_store
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = mcp_app(
        services, token_verifier=StaticTokens.from_file(tokens), auth=bearer_settings(url)
    )
    runner = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not runner.started:
        assert time.monotonic() < deadline, "the MCP server did not start"
        time.sleep(0.05)
    yield url
    runner.should_exit = True
    thread.join(timeout=10)


def client(url: str, token: str) -> Client:
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(f"{url}/mcp", http_client=http))


async def call(session: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    assert not result.is_error, result
    facts = result.structured_content
    assert facts is not None
    # the words to say are the result's text too, for clients that only read text
    assert result.content[0].text == facts["say"]  # type: ignore[union-attr]
    assert "Alexa" not in facts["say"]
    return facts


async def sams_evening(url: str) -> list[dict[str, Any]]:
    async with client(url, SAM_TOKEN) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) == TOOLS
        assert all((tool.description or "").startswith("Use ") for tool in tools.values())
        return [
            await call(session, "set_names", names=["Sam", "Alex"]),
            await call(session, "get_starter", moment="bedtime", depth=1, audience="partners"),
            await call(session, "go_deeper"),
            await call(session, "save_favourite"),
            await call(session, "list_favourites"),
            await call(session, "start_checkin"),
            await call(session, "give_rating", rating=4),
            await call(session, "give_rating", rating=5),
            await call(session, "checkin_next_step"),
            await call(session, "weekly_summary"),
        ]


async def robins_evening(url: str) -> list[dict[str, Any]]:
    async with client(url, ROBIN_TOKEN) as session:
        return [
            await call(session, "get_starter", moment="dinner", audience="friends"),
            await call(session, "next_starter"),
            await call(session, "list_favourites"),
        ]


def test_two_households_at_once(server, sqlite_store):
    async def both() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return await asyncio.gather(sams_evening(server), robins_evening(server))

    sam, robin = asyncio.run(both())
    names, bedtime, deeper, saved, listed, checkin, first, second, step, week = sam

    # names are confirmed only once stored
    assert names["saved"] is True and names["names"] == ["Sam", "Alex"]
    # a starter: the words end on it, and the facts say which and who goes first
    starter = bedtime["starter"]
    assert starter["moment"] == "bedtime" and starter["depth"] == 1
    assert bedtime["say"].endswith(starter["text"])
    assert (
        bedtime["first_speaker"] in ("Sam", "Alex") and bedtime["first_speaker"] in bedtime["say"]
    )
    assert bedtime["waiting_for_answer"] is False
    assert deeper["starter"]["depth"] == 2
    # "saved" means stored: the store has it, under Sam's household only
    assert saved["saved"] is True and saved["say"] in lines_of("favourite_saved_first")
    assert favourites_of(sqlite_store.get("mcp:sam")) == [deeper["starter"]["id"]]
    assert [s["id"] for s in listed["favourites"]] == [deeper["starter"]["id"]]
    # the check-in: two ratings, then a talking step
    assert checkin["checkin"]["waiting_for"] == "rating" and checkin["waiting_for_answer"]
    assert first["checkin"]["step"] == "rate_second"
    assert second["checkin"]["ratings"] in ([4, 5], [5, 4])
    assert second["checkin"]["plan"] == "close"
    assert step["checkin"]["step"] != second["checkin"]["step"]
    assert week["week"]["starters"] == 2

    # Robin's household is Robin's: friends' starters, no favourites of Sam's
    dinner, following, robins = robin
    assert dinner["starter"]["audience"] in ("friends", "any")
    assert following["starter"]["id"] != dinner["starter"]["id"]
    assert robins["favourites"] == [] and robins["say"] in lines_of("no_favourites")
    assert sqlite_store.get("mcp:robin")["audience"] == "friends"


def test_bad_input_gets_a_tool_error_not_a_crash(server):
    async def scenario() -> None:
        async with client(server, SAM_TOKEN) as session:
            out_of_range = await session.call_tool("get_starter", {"depth": 9})
            assert out_of_range.is_error
            not_a_rating = await session.call_tool("give_rating", {"rating": "lots"})
            assert not_a_rating.is_error
            # a rating with no check-in going on is answered kindly
            early = await call(session, "give_rating", rating=3)
            assert early["say"] in lines_of("checkin_not_now")
            removed = await call(session, "remove_favourite", starter_id="no-such-starter")
            assert removed["say"] in lines_of("favourite_not_saved")

    asyncio.run(scenario())


def test_a_call_without_a_valid_token_is_refused(server):
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "test", "version": "1"},
        },
    }
    headers = {"Accept": "application/json, text/event-stream"}
    for auth in ({}, {"Authorization": "Bearer not-a-token-we-gave-out"}):
        response = httpx2.post(f"{server}/mcp", json=initialize, headers={**headers, **auth})
        assert response.status_code == 401
    assert httpx2.get(f"{server}/health").json() == {"status": "ok"}


def test_the_token_file_is_checked_with_a_message_that_says_how(tmp_path):
    short = tmp_path / "short"
    short.write_text("sam tooshort\n")
    with pytest.raises(TokenFileError, match="at least"):
        read_token_file(short)
    shared = tmp_path / "shared"
    shared.write_text(f"sam {SAM_TOKEN}\nalex {SAM_TOKEN}\n")
    with pytest.raises(TokenFileError, match="already given"):
        read_token_file(shared)
    with pytest.raises(TokenFileError, match="cannot read"):
        read_token_file(tmp_path / "missing")


def test_the_command_refuses_to_start_without_tokens(tmp_path, monkeypatch):
    # GIVEN no token file configured
    monkeypatch.delenv("HEART_TO_HEART_MCP_TOKENS", raising=False)
    result = subprocess.run(
        [sys.executable, "-m", "skill", "mcp", "--port", str(free_port()),
         "--store", f"sqlite:///{tmp_path / 'h.db'}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # THEN one line that says how, and exit status 2
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--tokens FILE" in result.stderr
