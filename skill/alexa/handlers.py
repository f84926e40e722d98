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
    live_checkin,
    resume_checkin,
    start_checkin,
)
from skill.alexa.common import (
    AWAITING,
    MISSES,
    SkillHandler,
    make_offer,
    new_starter,
    offered,
)
from skill.alexa.context import session_attributes
from skill.alexa.events import SkillDisabledHandler
from skill.alexa.follow_up import follow_up, then_of
from skill.alexa.reminder_handlers import (
    CancelReminderHandler,
    PermissionResponseHandler,
    SetReminderHandler,
    request_nightly,
)
from skill.alexa.reply import reply
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
from skill.core.checkin import Step
from skill.core.dialogue import Offer, Repair, hint_key, repair
from skill.core.moments import Moment, part_of_day
from skill.core.reminders import DEFAULT_TIME, nightly_time
from skill.service import SkillServices

__all__ = ["request_handlers"]


class LaunchHandler(SkillHandler):
    """ "Alexa, open Heart to Heart". Within a few hours of the last turn it goes on where
    they were (the next starter, or the check-in's next step) with one line of context, so
    no flow needs a one-shot; otherwise it greets by the time of day and offers a starter
    (and, in the evening, the check-in)."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        if live_checkin(session) is not None:
            return resume_checkin(session)
        if talk.resumable(session.household, session.now):
            return new_starter(session, lead=[session.line("welcome_back_next")])
        local = session.local_now()
        session.save()
        make_offer(handler_input, Offer.STARTER)
        evening = part_of_day(local) in ("evening", "night")
        return reply(
            handler_input,
            [
                session.line(f"greeting_{part_of_day(local)}"),
                session.line("launch_offer_evening" if evening else "launch_offer"),
            ],
            reprompt=session.line("launch_reprompt_evening" if evening else "launch_reprompt"),
        )


class NextHandler(SkillHandler):
    """ "Next", "skip", "we're ready": the next check-in step while one is in progress, else
    the next starter of the conversation (or the next favourite)."""

    intents = ("AMAZON.NextIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        if live_checkin(session) is not None:
            return continue_checkin(session)
        return new_starter(session)


class DoneHandler(SkillHandler):
    """ "We're done": in a check-in, on to the next step (goodbye is only for "stop" or
    "goodnight"); after a starter, the second request if they made one, else the offer of
    another or a goodnight."""

    intents = ("DoneIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        if live_checkin(session) is not None:
            return continue_checkin(session)
        then = then_of(handler_input)
        if then:
            return follow_up(session, then, [])
        make_offer(handler_input, Offer.ANOTHER)
        return reply(
            handler_input,
            [session.line("done_offer")],
            reprompt=session.line("done_offer_reprompt"),
        )


class YesHandler(SkillHandler):
    """Yes to whatever the skill just offered; with no offer, the same as asking for one."""

    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        offer = offered(handler_input)
        session = self.session(handler_input)
        if offer == Offer.CHECKIN:
            return start_checkin(session)
        if offer == Offer.REMINDER:
            at = nightly_time(session.household.pending_reminder) or DEFAULT_TIME
            return request_nightly(session, at)
        if offer == Offer.DEEP:
            return new_starter(session, moment=Moment.BEDTIME, depth=2)
        if offer == Offer.LIGHT:
            return new_starter(session, moment=Moment.BEDTIME, depth=1)
        return new_starter(session)


class HelpHandler(SkillHandler):
    """Help about the step they are on, in one breath, ending on something to do."""

    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        attributes = session_attributes(handler_input)
        checkin = live_checkin(session)
        if checkin is not None:
            if checkin.step in (Step.RATE_FIRST, Step.RATE_SECOND):
                attributes[AWAITING] = "rating"
                return reply(
                    handler_input,
                    [session.line("help_checkin_rating")],
                    reprompt=session.line("checkin_rate_first_reprompt"),
                )
            make_offer(handler_input, Offer.CHECKIN)
            return reply(
                handler_input,
                [session.line("help_checkin_step")],
                reprompt=session.line("help_checkin_reprompt"),
            )
        make_offer(handler_input, Offer.STARTER)
        if session.household.live_conversation(session.now) is not None:
            key = "help_conversation"
        elif part_of_day(session.local_now()) in ("evening", "night"):
            key = "help_start_evening"
        else:
            key = "help_start"
        return reply(handler_input, [session.line(key)], reprompt=session.line("help_reprompt"))


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
        offer = offered(handler_input)
        if is_intent_name("GoodnightIntent")(handler_input) and live_checkin(session):
            session.household.finish_checkin()
            session.save()
            return reply(handler_input, [session.line("checkin_done_goodnight")])
        if is_intent_name("AMAZON.NoIntent")(handler_input) and offer == Offer.REMINDER:
            session.household.pending_reminder = None
            session.save()
            return reply(handler_input, [session.line("reminder_declined")])
        return reply(handler_input, [session.line("goodbye")])


class FallbackHandler(SkillHandler):
    """A line the model could not place (or an intent this version does not know): help,
    not an apology. What to do is decided in `skill.core.dialogue.repair`."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, IntentRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        attributes = session_attributes(handler_input)
        offer = offered(handler_input)
        misses = attributes.get(MISSES)
        misses = misses if isinstance(misses, int) and misses >= 0 else 0
        checkin_live = live_checkin(session) is not None
        action = repair(
            offer=offer, misses=misses, new_session=session.new_session, checkin_live=checkin_live
        )
        if action is Repair.STARTER:
            attributes.pop(MISSES, None)
            moment = Moment.BEDTIME if offer in (Offer.DEEP, Offer.LIGHT) else None
            depth = {Offer.DEEP: 2, Offer.LIGHT: 1}.get(offer)  # type: ignore[call-overload]
            lead = [session.line("repair_starter")]
            return new_starter(session, moment=moment, depth=depth, lead=lead)
        if action is Repair.CHECKIN:
            attributes.pop(MISSES, None)
            return start_checkin(session)
        if action is Repair.CLOSE:
            return reply(handler_input, [session.line("fallback_close")])
        attributes[MISSES] = misses + 1
        if offer is not None:
            make_offer(handler_input, offer)  # a hint keeps the offer open
        key = hint_key(offer=offer, misses=misses, checkin_live=checkin_live)
        reprompt = (
            "checkin_offer_reprompt"
            if offer == Offer.REMINDER
            else "help_checkin_reprompt"
            if checkin_live
            else "fallback_reprompt"
        )
        return reply(handler_input, [session.line(key)], reprompt=session.line(reprompt))


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
