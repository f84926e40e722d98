"""The skill's handler registry, and the handlers that route between flows: launch, next,
yes, the exits, help and the fallbacks. One small class per intent or family; each turns a
request into one core call.
"""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import IntentRequest, Response

from skill.alexa.can_fulfill import CanFulfillHandler
from skill.alexa.checkin_handlers import (
    CheckInHandler,
    RatingHandler,
    WeekSummaryHandler,
    continue_checkin,
    finish_checkin,
    live_checkin,
    start_checkin,
)
from skill.alexa.common import OFFER, SkillHandler, new_starter
from skill.alexa.events import SkillDisabledHandler
from skill.alexa.reminder_handlers import (
    CancelReminderHandler,
    PermissionResponseHandler,
    SetReminderHandler,
)
from skill.alexa.reply import reply
from skill.alexa.services import SkillServices
from skill.alexa.starter_handlers import (
    AudienceHandler,
    DepthShiftHandler,
    FavouriteChangeHandler,
    NamesHandler,
    PhoneReminderHandler,
    PlayFavouritesHandler,
    RepeatHandler,
    StarterHandler,
    StartOverHandler,
)
from skill.core import conversation as talk
from skill.core.moments import Moment, part_of_day

__all__ = ["request_handlers"]


class LaunchHandler(SkillHandler):
    """Greet by the household's time of day and offer a starter (and, in the evening, the
    check-in); welcome back when a conversation or check-in is in progress."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        phrases, rng = session.phrases, session.rng
        local = session.local_now()
        attributes = handler_input.attributes_manager.session_attributes
        attributes[OFFER] = "starter"
        conversation = session.household.live_conversation(session.now)
        session.save()
        if live_checkin(session) is not None:
            attributes[OFFER] = "checkin"
            line = phrases.line("welcome_back_checkin", rng)
            return reply(handler_input, [line], reprompt=phrases.line("yes_no_reprompt", rng))
        if conversation is not None and conversation.starter_id:
            return reply(
                handler_input,
                [phrases.line("welcome_back", rng)],
                reprompt=phrases.line("welcome_back_reprompt", rng),
            )
        evening = part_of_day(local) in ("evening", "night")
        return reply(
            handler_input,
            [
                phrases.line(f"greeting_{part_of_day(local)}", rng),
                phrases.line("launch_offer_evening" if evening else "launch_offer", rng),
            ],
            reprompt=phrases.line("launch_reprompt_evening" if evening else "launch_reprompt", rng),
        )


class NextHandler(SkillHandler):
    """ "Next" or "skip": the next check-in step while one is in progress, else the next
    starter of the conversation (or the next favourite)."""

    intents = ("AMAZON.NextIntent", "SkipIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        if live_checkin(session) is not None:
            return continue_checkin(session)
        return new_starter(session)


class YesHandler(SkillHandler):
    """Yes to whatever the skill just offered; with no offer, the same as asking for one."""

    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        offer = handler_input.attributes_manager.session_attributes.pop(OFFER, None)
        session = self.session(handler_input)
        if offer == "checkin":
            return start_checkin(session)
        if offer == "deep":
            return new_starter(session, moment=Moment.BEDTIME, depth=2)
        if offer == "light":
            return new_starter(session, moment=Moment.BEDTIME, depth=1)
        return new_starter(session)


class HelpHandler(SkillHandler):
    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)  # reads nothing from the store
        phrases, rng = session.phrases, session.rng
        handler_input.attributes_manager.session_attributes[OFFER] = "starter"
        return reply(
            handler_input, [phrases.line("help", rng)], reprompt=phrases.line("help_reprompt", rng)
        )


class ExitHandler(SkillHandler):
    """Stop, cancel, no, "goodnight", go home: one warm line and the session ends."""

    intents = (
        "AMAZON.StopIntent",
        "AMAZON.CancelIntent",
        "AMAZON.NoIntent",
        "AMAZON.NavigateHomeIntent",
        "GoodnightIntent",
    )

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        if is_intent_name("GoodnightIntent")(handler_input) and live_checkin(session):
            finish_checkin(session)
            session.save()
            return reply(
                handler_input, [session.phrases.line("checkin_done_goodnight", session.rng)]
            )
        return reply(handler_input, [session.phrases.line("goodbye", session.rng)])


class FallbackHandler(SkillHandler):
    """Anything the model could not place, and intents this version does not know."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, IntentRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        phrases, rng = session.phrases, session.rng
        return reply(
            handler_input,
            [phrases.line("fallback", rng)],
            reprompt=phrases.line("fallback_reprompt", rng),
        )


class SessionEndedHandler(SkillHandler):
    """Alexa only informs us; the reply is ignored, so say nothing."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


class QuietHandler(SkillHandler):
    """Requests that expect no speech (skill events, display events): an empty answer."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


def request_handlers(services: SkillServices) -> list[AbstractRequestHandler]:
    """Every handler, most specific first; the fallbacks come last."""
    return [
        CanFulfillHandler(),
        SkillDisabledHandler(),
        LaunchHandler(services),
        StarterHandler(services),
        StartOverHandler(services),
        NextHandler(services),
        DepthShiftHandler(services, "DeeperIntent", +1),
        DepthShiftHandler(services, "LighterIntent", -1),
        YesHandler(services),
        RepeatHandler(services),
        FavouriteChangeHandler(services, "SaveFavoriteIntent", talk.save_favourite),
        FavouriteChangeHandler(services, "RemoveFavoriteIntent", talk.remove_favourite),
        PlayFavouritesHandler(services),
        AudienceHandler(services),
        NamesHandler(services),
        PhoneReminderHandler(services, "PhoneReminderOffIntent", on=False),
        PhoneReminderHandler(services, "PhoneReminderOnIntent", on=True),
        CheckInHandler(services),
        RatingHandler(services),
        WeekSummaryHandler(services),
        SetReminderHandler(services),
        CancelReminderHandler(services),
        PermissionResponseHandler(services),
        HelpHandler(services),
        ExitHandler(services),
        SessionEndedHandler(services),
        FallbackHandler(services),
        QuietHandler(services),
    ]
