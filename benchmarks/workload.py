"""What the benchmarks send: one household's evening as a script of request envelopes, the
skills that answer them (ours on a given store, and an ASK SDK hello-world), and the Lambda
handler's path from an event dict to a response dict.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from skill.alexa import build_skill
from skill.service import SkillServices
from skill.storage import HouseholdStore
from skill.tools.envelopes import envelope, intent_request, launch_request, new_session

__all__ = [
    "EVENING",
    "QUIET",
    "SECONDS_BETWEEN_TURNS",
    "VISIT",
    "Clock",
    "Step",
    "Visit",
    "hello_world_skill",
    "households",
    "intent_step",
    "invoke",
    "lived_record",
    "our_skill",
    "seed_record",
    "stateful_hello_world_skill",
]

ZONE = "America/New_York"
# A Wednesday evening in New York: the check-in is on offer, dinner starters fit.
EVENING = datetime(2026, 11, 25, 18, 30, tzinfo=ZoneInfo(ZONE)).timestamp()
SECONDS_BETWEEN_TURNS = 20.0
HELLO_LINE = "Hello from the baseline skill."
STATEFUL_LINE = (
    "One of you answers, then swap. Which sound from your street today would you keep, "
    "and why that one?"
)


class Clock:
    """The skill's clock, moved by the driver between turns."""

    def __init__(self, now: float = EVENING) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _slot(name: str, value: str) -> dict[str, Any]:
    return {name: {"name": name, "value": value, "confirmationStatus": "NONE"}}


@dataclass(frozen=True)
class Step:
    """One request of the script. ``kind`` names the figure it counts toward."""

    kind: str
    request: Callable[[], dict[str, Any]]
    session: str = "new"  # "new", "same" (continue the open one) or "none" (skill event)


def _intent(name: str, slots: dict[str, Any] | None = None) -> Callable[[], dict[str, Any]]:
    return lambda: intent_request(name, slots)


def intent_step(name: str, values: dict[str, str] | None = None) -> Callable[[], dict[str, Any]]:
    """An intent request with these slot values, for a script's Step."""
    slots: dict[str, Any] = {}
    for slot, value in (values or {}).items():
        slots |= _slot(slot, value)
    return _intent(name, slots or None)


def _disabled() -> dict[str, Any]:
    request = launch_request()
    request.update(
        type="AlexaSkillEvent.SkillDisabled",
        body={"userInformationPersistenceStatus": "NOT_PERSISTED"},
    )
    request.pop("locale")
    return request


def _can_fulfill() -> dict[str, Any]:
    request = intent_request("StarterIntent")
    request["type"] = "CanFulfillIntentRequest"
    request["intent"] = {"name": "StarterIntent", "slots": {}}
    request.pop("dialogState")
    return request


# One household's evening: open the skill, starters as one-shots, a favourite, help, the
# check-in (two ratings), and finally disabling the skill with its data forgotten.
VISIT: tuple[Step, ...] = (
    Step("launch", launch_request),
    Step("starter", _intent("StarterIntent"), "same"),
    Step("next", _intent("AMAZON.NextIntent")),
    Step("deeper", _intent("DeeperIntent")),
    Step("save", _intent("SaveFavoriteIntent")),
    Step("help", _intent("AMAZON.HelpIntent")),
    Step("checkin", _intent("CheckInIntent"), "same"),
    Step("rating", _intent("RatingIntent", _slot("rating", "4")), "same"),
    Step("rating", _intent("RatingIntent", _slot("rating", "3")), "same"),
    Step("skill_disabled", _disabled, "none"),
)
# Requests that must never write, and a name-free request Alexa may route to us.
QUIET: tuple[Step, ...] = (
    Step("repeat", _intent("AMAZON.RepeatIntent")),
    Step("stop", _intent("AMAZON.StopIntent")),
    Step("can_fulfill", _can_fulfill),
)


class Visit:
    """Envelopes for one household, with a session kept the way a device keeps one."""

    def __init__(self, user_id: str, **envelope_extra: Any) -> None:
        self.user_id = user_id
        self.extra = envelope_extra
        self.session: dict[str, Any] | None = None

    def event(self, step: Step) -> dict[str, Any]:
        if step.session == "none":
            session = None
        elif step.session == "same" and self.session is not None:
            session = {**self.session, "new": False}
        else:
            session = new_session(user_id=self.user_id)
        self.session = session
        return envelope(step.request(), user_id=self.user_id, session=session, **self.extra)

    def heard(self, response: dict[str, Any]) -> None:
        """Keep or drop the session as the response says."""
        body = response.get("response") or {}
        if self.session is None or body.get("shouldEndSession") is not False:
            self.session = None
        else:
            self.session = {**self.session, "attributes": response.get("sessionAttributes") or {}}


def invoke(skill: CustomSkill, event: dict[str, Any]) -> dict[str, Any]:
    """What the Lambda handler does: event dict -> envelope -> skill -> response dict (both
    sides read envelopes with the skill's serializer, see `hello_world_skill`)."""
    serializer = skill.serializer
    request = serializer.read_envelope(event)
    return serializer.serialize(skill.invoke(request_envelope=request, context=None))


def our_skill(
    store: HouseholdStore | None, clock: Clock, *, seed: int = 7, **services: Any
) -> CustomSkill:
    """The skill as production builds it, with a movable clock and seeded randomness.

    The time zone comes from ``time_zone_override`` unless ``services`` says otherwise, so
    no Settings API call happens (that path is counted on its own in store_calls).
    """
    services.setdefault("time_zone_override", ZONE)
    return build_skill(store, SkillServices(clock=clock, rng=random.Random(seed), **services))


class _HelloHandler(AbstractRequestHandler):
    """Any request: one fixed line, no state."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return (
            handler_input.response_builder.speak(HELLO_LINE).set_should_end_session(True).response
        )


def hello_world_skill() -> CustomSkill:
    """The baseline: CustomSkillBuilder, one handler speaking a fixed line, no persistence.

    It reads envelopes with the skill's own serializer (timestamps by `fromisoformat`): the
    comparison is then of the turns themselves, not of who reads a timestamp faster.
    """
    from skill.alexa.serializer import SkillSerializer

    builder = CustomSkillBuilder()
    builder.add_request_handler(_HelloHandler())
    skill = builder.create()
    skill.serializer = SkillSerializer()
    return skill


class _StatefulHelloHandler(AbstractRequestHandler):
    """Any request: read the household's record, move one field, write it back (only
    when it changed, as the skill does), and say a fixed starter-shaped reply."""

    def __init__(self, store: HouseholdStore) -> None:
        self.store = store

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        user = handler_input.request_envelope.context.system.user.user_id
        record = self.store.read(user)
        record["next_speaker"] = 1 - (record.get("next_speaker") or 0)
        self.store.put(user, record)
        builder = handler_input.response_builder
        builder.speak(f"<speak>{STATEFUL_LINE}</speak>").set_should_end_session(True)
        return builder.set_card(SimpleCard(title="Heart to Heart", content=STATEFUL_LINE)).response


def stateful_hello_world_skill(store: HouseholdStore) -> CustomSkill:
    """The floor under any skill that remembers a household: the hello-world above, but
    each turn reads the household's record from `store` and writes it back, and answers
    with a spoken line and a card the size of a starter. What a turn of ours costs above
    this is the skill's own work; below it no skill that keeps a record can go."""
    from skill.alexa.serializer import SkillSerializer

    builder = CustomSkillBuilder()
    builder.add_request_handler(_StatefulHelloHandler(store))
    skill = builder.create()
    skill.serializer = SkillSerializer()
    return skill


def seed_record(store: HouseholdStore, clock: Clock, days: int = 21) -> dict[str, Any]:
    """A household record after three weeks of evenings (dinner one day, bedtime the
    next): heard starters, favourites, finished check-ins. Timed visits start from a copy
    of it, so they read a lived-in record rather than an empty one.
    """
    # The evening without the goodbye, then "next" through the rest of the check-in.
    evening = (*VISIT[:-1], *[Step("next", _intent("AMAZON.NextIntent"), "same")] * 4)
    record = lived_record(store, clock, evening, days, seed=1, later_every_other_day=True)
    store.delete(record.pop("_user"))
    return record


def lived_record(
    store: HouseholdStore,
    clock: Clock,
    evening: tuple[Step, ...],
    days: int,
    *,
    seed: int,
    later_every_other_day: bool = False,
) -> dict[str, Any]:
    """The record `days` evenings of `evening` write, one a day, through the whole skill,
    ending the day before the clock's time (four hours later every other day, if asked).
    Its household's key is under "_user"."""
    user = "amzn1.ask.account.benchmark-seed"
    skill = our_skill(store, clock, seed=seed)
    start = clock.now
    for day in range(days):
        clock.now = start - (days - day) * 86400.0
        if later_every_other_day and day % 2:
            clock.now += 4 * 3600
        visit = Visit(user)
        for step in evening:
            visit.heard(invoke(skill, visit.event(step)))
            clock.now += SECONDS_BETWEEN_TURNS
    clock.now = start
    record = store.get(user) or {}
    record.pop("_version", None)
    return {**record, "_user": user}


def households(prefix: str) -> Iterator[str]:
    number = 0
    while True:
        number += 1
        yield f"amzn1.ask.account.{prefix}-{number:06d}"
