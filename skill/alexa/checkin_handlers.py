"""Handlers for the evening check-in and the weekly summary (`skill.service.checkin_flows`)."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.alexa.common import SkillHandler
from skill.alexa.context import AWAITING_RATING, slot_id, slot_value
from skill.alexa.reply import respond
from skill.service import checkin_flows

__all__ = ["CheckInHandler", "RatingHandler", "WeekSummaryHandler"]


class CheckInHandler(SkillHandler):
    """ "Start our check in": a new check-in, or the one in progress picked up again."""

    intents = ("CheckInIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, checkin_flows.start_checkin(self.session(handler_input)))


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
        # moved from the session to this request by interceptors.TurnState, like the offer
        return bool(handler_input.attributes_manager.request_attributes.get(AWAITING_RATING))

    def handle(self, handler_input: HandlerInput) -> Response:
        answer = checkin_flows.rate(
            self.session(handler_input),
            slot_value(handler_input, "rating"),
            slot_value(handler_input, "otherRating"),
        )
        return respond(handler_input, answer)


class WeekSummaryHandler(SkillHandler):
    """ "How are we doing this week?": acknowledgement, never a score or a streak."""

    intents = ("WeekSummaryIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        then_checkin = slot_id(handler_input, "then") == "checkin"
        answer = checkin_flows.summarise_week(
            self.session(handler_input), then_checkin=then_checkin
        )
        return respond(handler_input, answer)
