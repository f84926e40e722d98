"""Home Assistant Assist's door: a real Wyoming client over loopback, as Home Assistant's
Wyoming conversation agent talks to it (a connection per line, the transcript in, the
reply to speak out)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from typing import Any

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, Info
from wyoming.server import AsyncTcpServer

from skill.core.starters import load_library
from skill.doors.wyoming import Conversations, handler_factory
from skill.language.nlu import Resolver
from skill.service import SkillServices
from tests.conftest import favourites_of, lines_of

LIBRARY = {s.text: s for s in load_library()}
KITCHEN = {"conversation_id": "01J0KITCHEN", "satellite_id": "assist_satellite.kitchen"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def starter_in(text: str) -> Any:
    found = [t for t in LIBRARY if t in text]
    assert found, f"no starter in {text!r}"
    return LIBRARY[max(found, key=len)]


class HomeAssistant:
    """Sends what Home Assistant's Wyoming conversation agent sends, one connection a line."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def ask(self, event: Event) -> Event:
        async with AsyncTcpClient("127.0.0.1", self.port) as client:
            await client.write_event(event)
            answer = await asyncio.wait_for(client.read_event(), timeout=10)
        assert answer is not None, "the service closed the connection without answering"
        return answer

    async def say(
        self, text: str, context: dict[str, Any] | None = None, language: str = "en"
    ) -> Handled:
        answer = await self.ask(
            Transcript(text, context=dict(context or KITCHEN), language=language).event()
        )
        assert Handled.is_type(answer.type), answer
        return Handled.from_event(answer)


def run_with_server(services: SkillServices, scenario) -> None:
    async def main() -> None:
        port = free_port()
        server = AsyncTcpServer("127.0.0.1", port)
        await server.start(handler_factory(Conversations(services), version="test"))
        try:
            await scenario(HomeAssistant(port))
        finally:
            await server.stop()

    asyncio.run(main())


@pytest.fixture(scope="module", autouse=True)
def grammar() -> None:
    # The grammar is built once per process (the server does it before it listens).
    Resolver.for_locale("en-US").resolve("give us a question")


@pytest.fixture
def home_services(services, sqlite_store) -> SkillServices:
    services.store = sqlite_store
    return services


def test_describe_advertises_a_handle_program_for_english(home_services):
    async def scenario(ha: HomeAssistant) -> None:
        answer = await ha.ask(Describe().event())
        assert Info.is_type(answer.type)
        info = Info.from_event(answer)
        # Home Assistant offers a service with an installed handle program as an agent.
        (program,) = info.handle
        assert program.installed and program.models[0].installed
        assert "en" in program.models[0].languages

    run_with_server(home_services, scenario)


def test_an_evening_through_home_assistant(home_services, sqlite_store):
    spoken: list[Handled] = []

    async def scenario(ha: HomeAssistant) -> None:
        for line in (
            "give us a bedtime question",
            "go deeper",
            "save that one",
            "start our check in",
            "um, four I guess",
            "two",
            "stop",
        ):
            spoken.append(await ha.say(line))

    run_with_server(home_services, scenario)
    bedtime, deeper, saved, checkin, second_rating, talk, goodbye = spoken

    # a starter, then a deeper one; each ends the conversation, as Alexa closes the mic
    first, second = starter_in(bedtime.text), starter_in(deeper.text)
    assert first.moment.value == "bedtime" and first.depth == 1
    assert second.depth == 2 and second.text != first.text
    assert bedtime.text.endswith(first.text)
    for turn in (bedtime, deeper):
        assert turn.context and turn.context["continue_conversation"] is False
    # no Alexa words on a Home Assistant speaker
    assert all("Alexa" not in turn.text for turn in spoken)

    # "saved" is said, and the store has it
    assert saved.text in lines_of("favourite_saved_first")
    record = sqlite_store.get("assist:home")
    assert favourites_of(record) == [second.id]

    # the check-in waits for each rating with the conversation open
    assert "one to five" in checkin.text
    assert checkin.context and checkin.context["continue_conversation"] is True
    assert second_rating.context and second_rating.context["continue_conversation"] is True
    assert "one to five" in second_rating.text.lower()
    # after the second rating, the verdict and a talking step; the conversation ends
    assert talk.context and talk.context["continue_conversation"] is False
    assert any(line in talk.text for line in lines_of("checkin_plan_steady"))
    stored = sqlite_store.get("assist:home")["checkin"]
    assert stored["ratings"] in ([4, 2], [2, 4])

    assert goodbye.text in lines_of("goodbye")
    # the conversation's id comes back, so Home Assistant keeps it
    assert goodbye.context and goodbye.context["conversation_id"] == KITCHEN["conversation_id"]


def test_each_satellite_keeps_its_own_conversation(home_services):
    bedroom = {"conversation_id": "01J0BEDROOM", "satellite_id": "assist_satellite.bedroom"}

    async def scenario(ha: HomeAssistant) -> None:
        # GIVEN the kitchen was offered a question ("Would you like a question?")
        offered = await ha.say("open heart to heart")
        assert offered.context and offered.context["continue_conversation"] is True
        # WHEN the bedroom says "no" to nothing in particular, it only gets a goodbye
        bye = await ha.say("no", bedroom)
        assert bye.text in lines_of("goodbye")
        # THEN the kitchen's "yes" still meets its offer: a question
        question = await ha.say("yes")
        assert starter_in(question.text)

    run_with_server(home_services, scenario)


def test_odd_input_gets_a_polite_answer_and_the_service_stays_up(home_services):
    async def scenario(ha: HomeAssistant) -> None:
        german = await ha.ask(Transcript("gib uns eine frage", language="de").event())
        assert NotHandled.is_type(german.type)
        assert "English" in (NotHandled.from_event(german).text or "")
        empty = await ha.ask(Event(type="transcript", data={}))
        assert NotHandled.is_type(empty.type)
        # junk that is not the protocol closes that connection only
        _, writer = await asyncio.open_connection("127.0.0.1", ha.port)
        writer.write(b"\xff\xfe not json at all\n")
        await writer.drain()
        writer.close()
        unclear = await ha.say("what's the weather in paris", {"satellite_id": "x"})
        assert unclear.text  # the skill helps rather than failing
        assert "Alexa" not in unclear.text

    run_with_server(home_services, scenario)


def test_the_command_says_what_a_uri_looks_like():
    result = subprocess.run(
        [sys.executable, "-m", "skill", "wyoming", "--uri", "10700"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "tcp://HOST:PORT" in result.stderr
