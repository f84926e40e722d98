"""Home Assistant Assist's door: the Wyoming protocol, as a conversation handler.

Home Assistant's Wyoming integration, given a service that advertises a `handle` program,
offers it as a conversation agent: for each thing said it connects, sends the transcript
(`Transcript`, with the conversation's id and the satellite's or device's id in its
context) and speaks the text of the `Handled` it gets back. This door reads the transcript
with the skill's own grammar (hassil, `skill.language.nlu`), answers with the same flows,
store and content as the Alexa skill, and keeps one conversation per satellite or device.

Where Alexa would close the microphone (after a starter, a talking step, a goodbye), the
conversation ends: the next thing said starts a new one, as "Alexa, open Heart to Heart"
would. The whole home is one household (`--household`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Attribution, Describe, HandleModel, HandleProgram, Info
from wyoming.server import AsyncEventHandler, AsyncServer

from skill.language.nlu import FALLBACK_INTENT, Resolver
from skill.service import ASSIST, HouseholdTurn, Reply, SkillServices, Visit
from skill.service.intents import LAUNCH, Heard, answer
from skill.service.visit import begin_turn
from skill.storage.base import key_digest

__all__ = ["Conversations", "handler_factory", "serve"]

log = logging.getLogger(__name__)

PROGRAM = "heart-to-heart"
#: A conversation left waiting for an answer this long is over; the next line starts anew.
QUIET_SECONDS = 5 * 60
#: The locales the grammar is built for, by the language tag Home Assistant sends.
LOCALES = {"en": "en-US", "en-us": "en-US", "en-gb": "en-GB", "en-ca": "en-CA"}
LOCALES |= {"en-au": "en-AU", "en-in": "en-IN"}
MAX_TRANSCRIPT = 500  # characters: far more than anyone says in one breath
ONLY_ENGLISH = "Heart to Heart only speaks English for now."


@dataclass
class _Conversation:
    memory: dict[str, Any] = field(default_factory=dict)
    last: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Conversations:
    """Every satellite's conversation with the skill, and the one household they share.

    `hear` is synchronous (the store and the matcher are); the server calls it off the
    event loop. Two satellites talk at once; one satellite's lines are taken in turn.
    """

    def __init__(
        self,
        services: SkillServices,
        *,
        household: str = "home",
        resolver_for: Callable[[str], Resolver] = Resolver.for_locale,
    ) -> None:
        self.services = services
        self.household_key = f"assist:{household}"
        self.resolver_for = resolver_for
        self._conversations: dict[str, _Conversation] = {}
        self._lock = threading.Lock()

    def _conversation(self, key: str) -> _Conversation:
        with self._lock:
            now = time.monotonic()
            for stale in [k for k, c in self._conversations.items() if now - c.last > 3600]:
                del self._conversations[stale]
            return self._conversations.setdefault(key, _Conversation(last=now))

    def hear(self, text: str, *, device: str = "", locale: str = "en-US") -> Reply:
        """The skill's reply to one transcript from `device` (a satellite or device id;
        "" for one with none)."""
        conversation = self._conversation(device)
        with conversation.lock:
            quiet = time.monotonic() - conversation.last > QUIET_SECONDS
            if quiet:
                conversation.memory.clear()
            heard, opens = self._understand(text[:MAX_TRANSCRIPT], locale)
            new_session = opens or not conversation.memory.get("open")
            if opens:
                conversation.memory.clear()
            reply = self._answer(heard, conversation.memory, device, locale, new_session)
            conversation.last = time.monotonic()
            if reply.listening:
                conversation.memory["open"] = True
            else:
                # Where Alexa closes the microphone, the conversation ends.
                conversation.memory.clear()
            return reply

    def apology(self, locale: str) -> Reply:
        """What is said when a reply fails: sorry, and a way on; never the error."""
        try:
            return Reply([self.services.phrases_for(locale).line("error", self.services.rng)])
        except Exception:
            return Reply(["Sorry, something went wrong on my side. Please ask again in a moment."])

    def _understand(self, text: str, locale: str) -> tuple[Heard, bool]:
        """The line as the grammar hears it, and whether it opens the skill anew ("open
        Heart to Heart", "ask Heart to Heart for a question")."""
        resolver = self.resolver_for(locale)
        invocation = resolver.parse_invocation(text)
        if invocation.kind == "launch":
            return Heard(LAUNCH), True
        resolution = resolver.resolve(invocation.rest)
        heard = Heard(
            resolution.intent,
            values={name: slot.value for name, slot in resolution.slots.items()},
            ids={name: slot.id for name, slot in resolution.slots.items() if slot.id},
        )
        return heard, invocation.kind == "oneshot"

    def _answer(
        self,
        heard: Heard,
        memory: MutableMapping[str, Any],
        device: str,
        locale: str,
        new_session: bool,
    ) -> Reply:
        offered, awaiting = begin_turn(memory, understood=heard.intent != FALLBACK_INTENT)
        visit = Visit(
            HouseholdTurn(self.household_key, self.services, self.services.clock()),
            door=ASSIST,
            locale=locale,
            memory=memory,
            offered=offered,
            awaiting_rating=awaiting,
            new_session=new_session,
            device=hashlib.sha256(device.encode("utf-8")).hexdigest()[:6] if device else "",
        )
        started = time.perf_counter()
        reply = answer(visit, heard)
        log.info(
            "wyoming %s household=%s %.1fms",
            heard.intent,
            key_digest(self.household_key),
            (time.perf_counter() - started) * 1000,
        )
        return reply


def locale_of(language: str | None) -> str | None:
    """The skill's locale for Home Assistant's language tag; None for one it does not speak."""
    if not language:
        return "en-US"
    return LOCALES.get(language.strip().lower().replace("_", "-"))


def device_of(context: dict[str, Any] | None) -> str:
    """Whose conversation this is: the satellite, else the device, else Home Assistant's
    conversation (typed in its chat panel)."""
    for name in ("satellite_id", "device_id", "conversation_id"):
        value = (context or {}).get(name)
        if isinstance(value, str) and value:
            return f"{name}:{value}"
    return ""


def info(version: str) -> Info:
    """What the service offers: one handle program, for English."""
    attribution = Attribution(name="Heart to Heart", url="https://github.com/")
    model = HandleModel(
        name=PROGRAM,
        attribution=attribution,
        installed=True,
        description="Conversation starters and an evening check-in for two",
        version=version,
        languages=sorted({tag for tag in LOCALES if "-" in tag} | {"en"}),
    )
    program = HandleProgram(
        name=PROGRAM,
        attribution=attribution,
        installed=True,
        description="Heart to Heart: conversation starters and an evening check-in",
        version=version,
        models=[model],
    )
    return Info(handle=[program])


class AssistHandler(AsyncEventHandler):
    """One connection from Home Assistant: Describe gets the service's Info; a Transcript
    gets the skill's reply (Handled), or NotHandled for a language it does not speak."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        conversations: Conversations,
        info_event: Event,
    ) -> None:
        super().__init__(reader, writer)
        self.conversations = conversations
        self.info_event = info_event

    async def run(self) -> None:
        """As the package's, but a connection that sends something other than Wyoming
        events is closed with one log line, not a traceback."""
        try:
            await super().run()
        except (ValueError, UnicodeDecodeError, ConnectionError, asyncio.IncompleteReadError):
            log.info("wyoming: closed a connection that did not speak the protocol")

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(self.info_event)
            return True
        if not Transcript.is_type(event.type):
            return True  # other events are not for a conversation handler: ignored
        try:
            transcript = Transcript.from_event(event)
        except (KeyError, TypeError, AttributeError):
            await self.write_event(NotHandled(text="I didn't get any words there.").event())
            return True
        context = transcript.context if isinstance(transcript.context, dict) else {}
        locale = locale_of(transcript.language)
        if locale is None or not isinstance(transcript.text, str):
            await self.write_event(NotHandled(text=ONLY_ENGLISH, context=context).event())
            return True
        try:
            reply = await asyncio.to_thread(
                self.conversations.hear, transcript.text, device=device_of(context), locale=locale
            )
        except Exception:
            log.exception("wyoming: the reply failed")
            reply = self.conversations.apology(locale)
        # Home Assistant keeps the conversation's id; `continue_conversation` says whether
        # the skill waits for an answer (a rating, a yes or no) or is done for now.
        context = {**context, "continue_conversation": reply.listening}
        await self.write_event(Handled(text=reply.text, context=context).event())
        return True


def handler_factory(
    conversations: Conversations, version: str = ""
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], AssistHandler]:
    info_event = info(version).event()

    def make(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> AssistHandler:
        return AssistHandler(reader, writer, conversations=conversations, info_event=info_event)

    return make


async def serve(uri: str, conversations: Conversations, version: str = "") -> None:
    """Serve the Wyoming protocol on `uri` (tcp://HOST:PORT, unix://PATH) until stopped."""
    server = AsyncServer.from_uri(uri)
    await server.run(handler_factory(conversations, version))
