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
from skill.alexa.checkin_handlers import CheckInHandler, RatingHandler, WeekSummaryHandler
from skill.alexa.common import SkillHandler
from skill.alexa.events import SkillDisabledHandler
from skill.alexa.follow_up import then_of
from skill.alexa.reminder_handlers import (
    CancelReminderHandler,
    PermissionResponseHandler,
    SetReminderHandler,
    request_nightly,
)
from skill.alexa.reply import respond
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
from skill.core.dialogue import Offer
from skill.core.reminders import DEFAULT_TIME, nightly_time
from skill.service import SkillServices, flows

__all__ = ["request_handlers"]


class LaunchHandler(SkillHandler):
    """ "Alexa, open Heart to Heart": goes on where they were, or greets and offers."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, flows.launch(self.session(handler_input)))


class NextHandler(SkillHandler):
    """ "Next", "skip", "we're ready": the next check-in step or the next starter."""

    intents = ("AMAZON.NextIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, flows.next_one(self.session(handler_input)))


class DoneHandler(SkillHandler):
    """ "We're done": on in a check-in; after a starter, the second request or an offer."""

    intents = ("DoneIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        visit = self.session(handler_input)
        return respond(handler_input, flows.done(visit, then=then_of(handler_input)))


class YesHandler(SkillHandler):
    """Yes to whatever the skill just offered; the nightly reminder goes through Alexa's
    permission flow."""

    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        visit = self.session(handler_input)
        if visit.offered == Offer.REMINDER:
            at = nightly_time(visit.household.pending_reminder) or DEFAULT_TIME
            return request_nightly(visit, at)
        return respond(handler_input, flows.yes(visit))


class HelpHandler(SkillHandler):
    """Help about the step they are on, in one breath, ending on something to do."""

    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, flows.help_for(self.session(handler_input)))


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
        answer = flows.goodbye(
            self.session(handler_input),
            goodnight=is_intent_name("GoodnightIntent")(handler_input),
            no=is_intent_name("AMAZON.NoIntent")(handler_input),
        )
        return respond(handler_input, answer)


class FallbackHandler(SkillHandler):
    """A line the model could not place (or an intent this version does not know): help,
    not an apology (`skill.service.flows.fallback`)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, IntentRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, flows.fallback(self.session(handler_input)))


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
        SkillDisabledHandler(services),
        LaunchHandler(services),
        StarterHandler(services),
        StartOverHandler(services),
        NextHandler(services),
        DoneHandler(services),
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
