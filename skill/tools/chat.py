"""Talk to the skill by typing, through the same skill object and store a device would reach.

Typed lines are resolved with the project's own interaction model, wrapped in real request
envelopes, and the session is kept the way a device keeps it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any, TextIO

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.core.speech import plain_text
from skill.language.nlu import Resolver, slot_payload
from skill.tools.envelopes import (
    DEFAULT_APPLICATION_ID,
    envelope,
    intent_request,
    launch_request,
    new_session,
)

__all__ = ["MIC_CLOSED", "NO_ANSWER", "QUIT_WORDS", "REPROMPTED", "ChatSession"]

QUIT_WORDS = {"quit", "exit"}
#: What the console prints for the moments a speaker shows with its light, not its voice.
MIC_CLOSED = "(the microphone closes)"
REPROMPTED = "(8 seconds of silence)"
NO_ANSWER = "(no answer: the session ends)"


class ChatSession:
    """One person at one device: a session opens on launch or a one-shot, and closes when
    the skill ends it."""

    def __init__(
        self,
        skill: CustomSkill,
        *,
        user_id: str,
        locale: str = "en-US",
        skill_id: str | None = None,
    ) -> None:
        self.skill = skill
        self.user_id = user_id
        self.locale = locale
        # The id a device would send: the configured skill's, so a skill that checks its id
        # (HEART_TO_HEART_SKILL_ID) accepts the console's requests.
        self.skill_id = (
            skill_id or os.environ.get("HEART_TO_HEART_SKILL_ID") or DEFAULT_APPLICATION_ID
        )
        self.resolver = Resolver.for_locale(locale)
        self.session: dict[str, Any] | None = None
        self.reprompt: str | None = None
        self.last_intent: str | None = None  # what the last line was heard as
        self._silences = 0

    def say(self, text: str) -> str | None:
        """The skill's speech for one typed line (without SSML), or None if it said nothing."""
        invocation = self.resolver.parse_invocation(text)
        if invocation.kind == "launch":
            self.session = None
            self.last_intent = "LaunchRequest"
            request = launch_request(self.locale)
        else:
            if invocation.kind == "oneshot":
                self.session = None
            resolution = self.resolver.resolve(invocation.rest)
            self.last_intent = resolution.intent
            payload = slot_payload(resolution, self.skill_id)
            request = intent_request(resolution.intent, payload, self.locale)
        if self.session is None:
            self.session = new_session(application_id=self.skill_id, user_id=self.user_id)
        else:
            self.session["new"] = False
        response = self.invoke(self._envelope(request))
        return self._follow(response)

    def silence(self) -> str | None:
        """Nobody answered an open microphone: Alexa says the reprompt once, then gives up
        and tells the skill the session ended."""
        if self.session is None:
            return None
        self._silences += 1
        if self._silences == 1 and self.reprompt:
            return self.reprompt
        request = {
            "type": "SessionEndedRequest",
            "requestId": "amzn1.echo-api.request.chat-silence",
            "timestamp": launch_request(self.locale)["timestamp"],
            "locale": self.locale,
            "reason": "EXCEEDED_MAX_REPROMPTS",
        }
        self.session["new"] = False
        self.invoke(self._envelope(request))
        self.session = None
        return None

    def _envelope(self, request: dict[str, Any]) -> dict[str, Any]:
        return envelope(
            request, user_id=self.user_id, session=self.session, application_id=self.skill_id
        )

    def invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        serializer = self.skill.serializer
        request_envelope = serializer.deserialize(json.dumps(body), RequestEnvelope)
        answer = serializer.serialize(self.skill.invoke(request_envelope, None))
        assert isinstance(answer, dict)  # a ResponseEnvelope serializes to a JSON object
        return answer

    def _follow(self, response: dict[str, Any]) -> str | None:
        inner = response.get("response") or {}
        reprompt = ((inner.get("reprompt") or {}).get("outputSpeech") or {}).get("ssml")
        self.reprompt = plain_text(reprompt) if reprompt else None
        self._silences = 0
        if inner.get("shouldEndSession") is False and self.session is not None:
            self.session["attributes"] = response.get("sessionAttributes") or {}
        else:
            self.session = None
        speech = (inner.get("outputSpeech") or {}).get("ssml")
        return plain_text(speech) if speech else None

    def run(self, lines: Iterable[str], out: TextIO) -> None:
        """Each line is what someone says; an empty line is silence while the mic is open."""
        for line in lines:
            text = line.strip()
            if not text:
                if self.session is not None:
                    reprompt = self.silence()
                    if reprompt:
                        print(f"{REPROMPTED} Alexa: {reprompt}", file=out, flush=True)
                    else:
                        print(NO_ANSWER, file=out, flush=True)
                continue
            if text.lower() in QUIT_WORDS:
                break
            spoken = self.say(text)
            if spoken:
                print(f"Alexa: {spoken}", file=out, flush=True)
            if self.session is None:
                print(MIC_CLOSED, file=out, flush=True)
