"""Talk to the skill by typing, through the same skill object and store a device would reach.

Typed lines are resolved with the project's own interaction model, wrapped in real request
envelopes, and the session is kept the way a device keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.core.speech import plain_text
from skill.envelopes import envelope, intent_request, launch_request, new_session
from skill.nlu import Resolver, slot_payload

__all__ = ["QUIT_WORDS", "ChatSession"]

QUIT_WORDS = {"quit", "exit"}


class ChatSession:
    """One person at one device: a session opens on launch or a one-shot, and closes when
    the skill ends it."""

    def __init__(self, skill: CustomSkill, *, user_id: str, locale: str = "en-US") -> None:
        self.skill = skill
        self.user_id = user_id
        self.locale = locale
        self.resolver = Resolver.for_locale(locale)
        self.session: dict[str, Any] | None = None

    def say(self, text: str) -> str | None:
        """The skill's speech for one typed line (without SSML), or None if it said nothing."""
        invocation = self.resolver.parse_invocation(text)
        if invocation.kind == "launch":
            self.session = None
            request = launch_request(self.locale)
        else:
            if invocation.kind == "oneshot":
                self.session = None
            resolution = self.resolver.resolve(invocation.rest)
            request = intent_request(resolution.intent, slot_payload(resolution), self.locale)
        if self.session is None:
            self.session = new_session(user_id=self.user_id)
        else:
            self.session["new"] = False
        body = envelope(request, user_id=self.user_id, session=self.session)
        response = self.invoke(body)
        return self._follow(response)

    def invoke(self, body: dict[str, Any]) -> dict[str, Any]:
        serializer = self.skill.serializer
        request_envelope = serializer.deserialize(json.dumps(body), RequestEnvelope)
        return serializer.serialize(self.skill.invoke(request_envelope, None))

    def _follow(self, response: dict[str, Any]) -> str | None:
        inner = response.get("response") or {}
        if inner.get("shouldEndSession") is False and self.session is not None:
            self.session["attributes"] = response.get("sessionAttributes") or {}
        else:
            self.session = None
        speech = (inner.get("outputSpeech") or {}).get("ssml")
        return plain_text(speech) if speech else None

    def run(self, lines: Iterable[str], out: TextIO, prompt: bool = False) -> None:
        for line in lines:
            text = line.strip()
            if not text:
                continue
            if text.lower() in QUIT_WORDS:
                break
            spoken = self.say(text)
            if spoken:
                print(f"Alexa: {spoken}", file=out, flush=True)
            elif self.session is None:
                print("(the skill ended the session)", file=out, flush=True)
