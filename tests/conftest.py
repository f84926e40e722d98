"""Shared fixtures: a skill with a fixed clock and seeded randomness, and a way to talk to it."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from ask_sdk_model import RequestEnvelope

from skill.alexa import build_skill
from skill.core.household import Household, merge
from skill.core.speech import load_phrases, plain_text
from skill.service import SkillServices
from skill.tools.envelopes import envelope, intent_request, launch_request, new_session

EVENTS = Path(__file__).parent / "events"
NEW_YORK = ZoneInfo("America/New_York")


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def speech(response: dict[str, Any]) -> str:
    """What the person hears, as plain text ('' for silence)."""
    ssml = ((response.get("response") or {}).get("outputSpeech") or {}).get("ssml")
    return plain_text(ssml) if ssml else ""


def lines_of(*keys: str, locale: str = "en-US") -> tuple[str, ...]:
    """Every wording of these phrase keys, as the skill may say them."""
    phrases = load_phrases(locale)
    return tuple(line for key in keys for line in phrases.variants(key))


def favourites_of(record: dict[str, Any] | None) -> list[str]:
    """The favourites in a stored record, whichever schema wrote it."""
    return Household.from_dict(record).favourites if record else []


def ends_session(response: dict[str, Any]) -> bool:
    return bool((response.get("response") or {}).get("shouldEndSession"))


class Clock:
    """A settable clock, in epoch seconds."""

    def __init__(self, when: datetime) -> None:
        self.now = when.timestamp()

    def __call__(self) -> float:
        return self.now

    def set(self, when: datetime) -> None:
        self.now = when.timestamp()

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Device:
    """One household's device talking to a skill object: sends envelopes, keeps a session."""

    def __init__(self, skill: Any, user_id: str = "amzn1.ask.account.test-household") -> None:
        self.skill = skill
        self.user_id = user_id
        self.session: dict[str, Any] | None = None

    def send(self, request: dict[str, Any], *, new_session_: bool = False, **extra: Any):
        if new_session_ or self.session is None:
            self.session = new_session(user_id=self.user_id)
        else:
            self.session["new"] = False
        body = envelope(request, user_id=self.user_id, session=self.session, **extra)
        serializer = self.skill.serializer
        result = serializer.serialize(
            self.skill.invoke(serializer.deserialize(json.dumps(body), RequestEnvelope), None)
        )
        if ends_session(result) or result.get("response", {}).get("shouldEndSession") is None:
            self.session = None
        else:
            self.session["attributes"] = result.get("sessionAttributes") or {}
        return result

    def event(self, request: dict[str, Any]) -> dict[str, Any]:
        """A skill event: no session at all, as Alexa sends them."""
        body = envelope(request, user_id=self.user_id, session=None)
        serializer = self.skill.serializer
        return serializer.serialize(
            self.skill.invoke(serializer.deserialize(json.dumps(body), RequestEnvelope), None)
        )

    def launch(self, **extra: Any) -> dict[str, Any]:
        return self.send(launch_request(), new_session_=True, **extra)

    def intent(self, name: str, slots: dict[str, Any] | None = None, **extra: Any):
        return self.send(intent_request(name, slots), **extra)


def custom_slot(name: str, value: str, canonical_id: str) -> dict[str, Any]:
    """A custom-type slot as Alexa sends it after entity resolution."""
    return {
        name: {
            "name": name,
            "value": value,
            "confirmationStatus": "NONE",
            "resolutions": {
                "resolutionsPerAuthority": [
                    {
                        "authority": f"amzn1.er-authority.echo-sdk.test.{name.upper()}",
                        "status": {"code": "ER_SUCCESS_MATCH"},
                        "values": [{"value": {"name": value, "id": canonical_id}}],
                    }
                ]
            },
        }
    }


def plain_slot(name: str, value: str) -> dict[str, Any]:
    return {name: {"name": name, "value": value, "confirmationStatus": "NONE"}}


@pytest.fixture
def clock() -> Clock:
    # A Wednesday evening in New York: dinner time.
    return Clock(datetime(2026, 11, 25, 18, 30, tzinfo=NEW_YORK))


@pytest.fixture
def services(clock: Clock) -> SkillServices:
    return SkillServices(clock=clock, rng=random.Random(7), time_zone_override="America/New_York")


@pytest.fixture
def sqlite_store(tmp_path: Path):
    from skill.storage import SqliteStore

    return SqliteStore(tmp_path / "households.db", merge=merge)


@pytest.fixture
def skill(sqlite_store, services):
    return build_skill(sqlite_store, services)


@pytest.fixture
def device(skill) -> Device:
    return Device(skill)


@pytest.fixture
def make_device(sqlite_store) -> Callable[..., Device]:
    def make(services: SkillServices, user_id: str = "amzn1.ask.account.test-household"):
        return Device(build_skill(sqlite_store, services), user_id)

    return make
