"""Handlers for the evening check-in and the weekly summary."""

from __future__ import annotations

from collections.abc import Sequence

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.alexa.common import AWAITING, SkillHandler, make_offer
from skill.alexa.context import HouseholdSession, session_attributes, slot_id, slot_value
from skill.alexa.reply import reply
from skill.core import checkin as flow
from skill.core.checkin import StepPrompt
from skill.core.checkin_replies import compose_step
from skill.core.dialogue import Offer
from skill.core.reminders import around, spoken_time
from skill.core.rhythm import week_summary

__all__ = [
    "CheckInHandler",
    "RatingHandler",
    "WeekSummaryHandler",
    "continue_checkin",
    "live_checkin",
    "resume_checkin",
    "start_checkin",
]


def live_checkin(session: HouseholdSession) -> flow.CheckIn | None:
    return flow.live_checkin(session.household.checkin, session.now)


def speak_step(
    session: HouseholdSession,
    prompt: StepPrompt,
    *,
    opening: bool = False,
    lead: Sequence[str] = (),
) -> Response:
    """Say a step. The mic stays open only for a rating or the closing yes/no offer.

    At the close of a check-in the nightly reminder is offered, at most twice, two weeks
    apart, and never to a household that has one; its time is the time of day now.
    """
    household = session.household
    reminder_at = None
    if prompt.done and household.reminder_offer_due(session.now):
        at = around(session.local_now())
        household.pending_reminder = at.strftime("%H:%M")
        household.reminder_offers.append(session.now)
        reminder_at = spoken_time(at)
    composed = compose_step(
        prompt,
        household,
        session.phrases,
        session.rng,
        opening=opening,
        lead=lead,
        reminder_at=reminder_at,
    )
    if prompt.done:
        household.finish_checkin()
    if composed.offer:
        make_offer(session.handler_input, composed.offer)
    if prompt.listen:
        session_attributes(session.handler_input)[AWAITING] = "rating"
    session.save()
    return reply(session.handler_input, composed.sentences, reprompt=composed.reprompt)


def start_checkin(session: HouseholdSession, *, lead: Sequence[str] = ()) -> Response:
    household = session.household
    live = live_checkin(session)
    if live is not None:
        return speak_step(session, flow.current(live), lead=[*lead, session.line("checkin_resume")])
    return speak_step(session, household.begin_checkin(session.now), opening=True, lead=lead)


def resume_checkin(session: HouseholdSession) -> Response:
    """They opened the skill again mid check-in: a rating is asked again; after a talking
    step they have talked, so it goes on to the next step."""
    checkin = live_checkin(session)
    assert checkin is not None
    lead = [session.line("welcome_back_checkin")]
    if checkin.step in (flow.Step.RATE_FIRST, flow.Step.RATE_SECOND):
        return speak_step(session, flow.current(checkin), lead=lead)
    prompt = flow.advance(checkin, session.now)
    return speak_step(session, prompt, lead=lead)


def continue_checkin(session: HouseholdSession) -> Response:
    """ "Next", "skip" or "we're done" inside a check-in: on to the following step."""
    checkin = live_checkin(session)
    assert checkin is not None
    prompt = flow.advance(checkin, session.now)
    return speak_step(session, prompt)


class CheckInHandler(SkillHandler):
    """ "Start our check in": a new check-in, or the one in progress picked up again."""

    intents = ("CheckInIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return start_checkin(self.session(handler_input))


class RatingHandler(SkillHandler):
    """A number from one to five, heard only while the check-in asks for one.

    While a rating is awaited, anything the model could not place counts as an unclear
    rating too: one guided retry, then a neutral three, never a dead end. Hedged and odd
    numbers are read kindly (`skill.core.checkin.read_rating`).
    """

    intents = ("RatingIntent",)

    def can_handle(self, handler_input: HandlerInput) -> bool:
        if super().can_handle(handler_input):
            return True
        if not is_intent_name("AMAZON.FallbackIntent")(handler_input):
            return False
        # moved from the session to this request by interceptors.TurnState, like the offer
        return handler_input.attributes_manager.request_attributes.get(AWAITING) == "rating"

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        checkin = live_checkin(session)
        if checkin is None or checkin.step not in (flow.Step.RATE_FIRST, flow.Step.RATE_SECOND):
            line = session.line("checkin_not_now")
            return reply(handler_input, [line], reprompt=session.line("help_reprompt"))
        reading = flow.read_rating(
            slot_value(handler_input, "rating"), slot_value(handler_input, "otherRating")
        )
        prompt = flow.rate(checkin, reading, session.now)
        return speak_step(session, prompt)


class WeekSummaryHandler(SkillHandler):
    """ "How are we doing this week?": acknowledgement, never a score or a streak."""

    intents = ("WeekSummaryIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        phrases, rng = session.phrases, session.rng
        summary = week_summary(session.household, session.local_now())
        session.save()
        if not session.remembered:
            # A summary of what could not be read would be made up.
            return reply(handler_input, [session.line("out_of_reach")])
        if summary.empty:
            sentences = [session.line("week_empty")]
        else:

            def count(kind: str, n: int) -> str:
                size = "zero" if n == 0 else "one" if n == 1 else "many"
                return phrases.line(f"count_{kind}_{size}", rng, n=n)

            sentences = [
                session.line(
                    "week_summary",
                    checkins=count("checkins", summary.checkins),
                    starters=count("starters", summary.starters),
                )
            ]
            if summary.in_step is True:
                sentences.append(session.line("week_in_step"))
            elif summary.in_step is False:
                sentences.append(session.line("week_met_differences"))
        if slot_id(handler_input, "then") == "checkin":
            # "How was our week, then let's check in": offer it, with the mic open.
            make_offer(handler_input, Offer.CHECKIN)
            sentences.append(session.line("checkin_offer_now"))
            return reply(handler_input, sentences, reprompt=session.line("yes_no_reprompt"))
        return reply(handler_input, sentences)
