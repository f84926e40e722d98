"""Handlers for the evening check-in and the weekly summary."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.alexa.common import OFFER, SkillHandler
from skill.alexa.context import HouseholdSession, slot_value
from skill.alexa.reply import reply
from skill.core import checkin as flow
from skill.core.checkin import StepPrompt
from skill.core.checkin_replies import compose_step
from skill.core.rhythm import week_summary

# Session attribute: the check-in is listening for a rating.
AWAITING = "awaiting"

__all__ = [
    "CheckInHandler",
    "RatingHandler",
    "WeekSummaryHandler",
    "continue_checkin",
    "finish_checkin",
    "live_checkin",
    "start_checkin",
]


def live_checkin(session: HouseholdSession) -> flow.CheckIn | None:
    return flow.live_checkin(session.household.checkin, session.now)


def speak_step(
    session: HouseholdSession, prompt: StepPrompt, *, opening: bool = False, resumed: bool = False
) -> Response:
    """Say a step. The mic stays open only for a rating or the closing yes/no offer."""
    household = session.household
    composed = compose_step(
        prompt, household, session.phrases, session.rng, opening=opening, resumed=resumed
    )
    if prompt.done:
        finish_checkin(session)
    attributes = session.handler_input.attributes_manager.session_attributes
    if composed.offer:
        attributes[OFFER] = composed.offer
    if prompt.listen:
        attributes[AWAITING] = "rating"
    else:
        attributes.pop(AWAITING, None)
    session.save()
    return reply(session.handler_input, composed.sentences, reprompt=composed.reprompt)


def finish_checkin(session: HouseholdSession) -> None:
    """Close the check-in and keep its ratings for the weekly summary (never the words)."""
    household = session.household
    checkin = household.checkin
    if checkin is not None and any(r is not None for r in checkin.ratings):
        household.record_checkin(checkin.started_at, checkin.ratings)
    household.checkin = None
    household.updated_at = session.now


def start_checkin(session: HouseholdSession) -> Response:
    household = session.household
    live = live_checkin(session)
    if live is not None:
        return speak_step(session, flow.current(live), resumed=True)
    checkin, prompt = flow.start(household.next_speaker, session.now)
    household.next_speaker ^= 1
    household.checkin = checkin
    household.updated_at = session.now
    return speak_step(session, prompt, opening=True)


def continue_checkin(session: HouseholdSession) -> Response:
    """ "Next" or "skip" inside a check-in: on to the following step."""
    checkin = live_checkin(session)
    assert checkin is not None
    prompt = flow.advance(checkin, session.now)
    session.household.updated_at = session.now
    return speak_step(session, prompt)


class CheckInHandler(SkillHandler):
    """ "Start our check in": a new check-in, or the one in progress picked up again."""

    intents = ("CheckInIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return start_checkin(self.session(handler_input))


class RatingHandler(SkillHandler):
    """A number from one to five, heard only while the check-in asks for one.

    While a rating is awaited, anything the model could not place counts as an unclear
    rating too: one guided retry, then a neutral three, never a dead end.
    """

    intents = ("RatingIntent",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if super().can_handle(handler_input):
            return True
        if not is_intent_name("AMAZON.FallbackIntent")(handler_input):
            return False
        session = handler_input.request_envelope.session
        return (getattr(session, "attributes", None) or {}).get(AWAITING) == "rating"

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        checkin = live_checkin(session)
        if checkin is None or checkin.step not in (flow.Step.RATE_FIRST, flow.Step.RATE_SECOND):
            line = session.phrases.line("checkin_not_now", session.rng)
            return reply(handler_input, [line], reprompt=line)
        raw = slot_value(handler_input, "rating")
        value = int(raw) if raw and raw.isdigit() and len(raw) < 4 else None
        prompt = flow.rate(checkin, value, session.now)
        session.household.updated_at = session.now
        return speak_step(session, prompt)


class WeekSummaryHandler(SkillHandler):
    """ "How are we doing this week?": acknowledgement, never a score or a streak."""

    intents = ("WeekSummaryIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        phrases, rng = session.phrases, session.rng
        summary = week_summary(session.household, session.local_now())
        session.save()
        if summary.empty:
            return reply(handler_input, [phrases.line("week_empty", rng)])

        def count(kind: str, n: int) -> str:
            size = "zero" if n == 0 else "one" if n == 1 else "many"
            return phrases.line(f"count_{kind}_{size}", rng, n=n)

        sentences = [
            phrases.line(
                "week_summary",
                rng,
                checkins=count("checkins", summary.checkins),
                starters=count("starters", summary.starters),
            )
        ]
        if summary.in_step is True:
            sentences.append(phrases.line("week_in_step", rng))
        elif summary.in_step is False:
            sentences.append(phrases.line("week_met_differences", rng))
        return reply(handler_input, sentences)
