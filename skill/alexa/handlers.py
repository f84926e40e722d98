"""One small handler class per intent or family: each turns a request into one core call.

Handlers are built with the skill's services and hold no per-request state.
"""

from __future__ import annotations

import re

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model import IntentRequest, Response

from skill.alexa.context import HouseholdSession, locale_of, slot_id, slot_value
from skill.alexa.reply import reply
from skill.alexa.services import SkillServices
from skill.alexa.visuals import add_starter_visual
from skill.core import conversation as talk
from skill.core.conversation import StarterTurn
from skill.core.moments import Moment, moment_at, part_of_day
from skill.core.replies import compose_starter

__all__ = ["request_handlers"]

OFFER = "offer"
_NAME = re.compile(r"^[^\W\d_][^\W\d_' -]{0,23}$")


class SkillHandler(AbstractRequestHandler):
    """A handler for the intents named in `intents`, with the skill's services."""

    intents: tuple[str, ...] = ()

    def __init__(self, services: SkillServices) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self.intents)

    def session(self, handler_input: HandlerInput) -> HouseholdSession:
        return HouseholdSession(handler_input, self.services)


def speak_starter(session: HouseholdSession, turn: StarterTurn) -> Response:
    """Say a starter, then close the session so the two of them talk, not the speaker."""
    composed = compose_starter(turn, session.household, session.phrases, session.rng)
    session.save()
    add_starter_visual(session.handler_input, turn.starter.text, composed.card_title)
    return reply(
        session.handler_input, composed.sentences, card=(composed.card_title, composed.card_text)
    )


def new_starter(
    session: HouseholdSession,
    *,
    moment: Moment | None = None,
    depth: int | None = None,
    shift: int = 0,
) -> Response:
    turn = talk.next_starter(
        session.household,
        session.services.library,
        now=session.now,
        local_moment=moment_at(session.local_now()),
        rng=session.rng,
        moment=moment,
        depth=depth,
        shift=shift,
    )
    return speak_starter(session, turn)


class LaunchHandler(SkillHandler):
    """Greet by the household's time of day and offer a starter; welcome back mid-talk."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        phrases, rng = session.phrases, session.rng
        local = session.local_now()
        handler_input.attributes_manager.session_attributes[OFFER] = "starter"
        conversation = session.household.live_conversation(session.now)
        session.save()
        if conversation is not None and conversation.starter_id:
            return reply(
                handler_input,
                [phrases.line("welcome_back", rng)],
                reprompt=phrases.line("welcome_back_reprompt", rng),
            )
        return reply(
            handler_input,
            [
                phrases.line(f"greeting_{part_of_day(local)}", rng),
                phrases.line("launch_offer", rng),
            ],
            reprompt=phrases.line("launch_reprompt", rng),
        )


class StarterHandler(SkillHandler):
    """A new starter; a named moment or depth wins over the clock and the conversation."""

    intents = ("StarterIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        moment_name = slot_id(handler_input, "moment")
        depth_name = slot_id(handler_input, "depth")
        moment = Moment(moment_name) if moment_name in Moment._value2member_map_ else None
        depth = int(depth_name) if depth_name in ("1", "2", "3") else None
        return new_starter(self.session(handler_input), moment=moment, depth=depth)


class StartOverHandler(SkillHandler):
    """A fresh conversation: light again, moment from the clock."""

    intents = ("AMAZON.StartOverIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        session.household.conversation = None
        return new_starter(session)


class NextHandler(SkillHandler):
    """The next starter of the conversation in progress (or the next favourite)."""

    intents = ("AMAZON.NextIntent", "SkipIntent")

    def handle(self, handler_input: HandlerInput) -> Response:
        return new_starter(self.session(handler_input))


class DepthShiftHandler(SkillHandler):
    """ "Go deeper" and "something lighter": one step, within 1 to 3."""

    def __init__(self, services: SkillServices, intent: str, shift: int) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.shift = shift

    def handle(self, handler_input: HandlerInput) -> Response:
        return new_starter(self.session(handler_input), shift=self.shift)


class YesHandler(SkillHandler):
    """Yes to whatever the skill just offered; with no offer, the same as asking for one."""

    intents = ("AMAZON.YesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        handler_input.attributes_manager.session_attributes.pop(OFFER, None)
        return new_starter(self.session(handler_input))


class RepeatHandler(SkillHandler):
    """The starter in progress again, word for word. Writes nothing."""

    intents = ("AMAZON.RepeatIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        turn = talk.repeat_starter(session.household, self.services.library, now=session.now)
        if turn is None:
            handler_input.attributes_manager.session_attributes[OFFER] = "starter"
            return reply(
                handler_input,
                [session.phrases.line("nothing_to_repeat", session.rng)],
                reprompt=session.phrases.line("nothing_to_repeat_reprompt", session.rng),
            )
        composed = compose_starter(turn, session.household, session.phrases, session.rng)
        add_starter_visual(handler_input, turn.starter.text, composed.card_title)
        return reply(handler_input, composed.sentences)


class SaveFavouriteHandler(SkillHandler):
    intents = ("SaveFavoriteIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        result, _ = talk.save_favourite(session.household, self.services.library, now=session.now)
        session.save()
        return reply(handler_input, [session.phrases.line(f"favourite_{result}", session.rng)])


class RemoveFavouriteHandler(SkillHandler):
    intents = ("RemoveFavoriteIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        result, _ = talk.remove_favourite(session.household, self.services.library, now=session.now)
        session.save()
        return reply(handler_input, [session.phrases.line(f"favourite_{result}", session.rng)])


class PlayFavouritesHandler(SkillHandler):
    intents = ("PlayFavoritesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        turn = talk.play_favourites(session.household, self.services.library, now=session.now)
        if turn is None:
            session.save()
            return reply(handler_input, [session.phrases.line("no_favourites", session.rng)])
        return speak_starter(session, turn)


class SettingHandler(SkillHandler):
    """A household setting changed by voice, then the offer of a starter."""

    def confirm(self, session: HouseholdSession, key: str, **values: str) -> Response:
        session.save()
        session.handler_input.attributes_manager.session_attributes[OFFER] = "starter"
        phrases, rng = session.phrases, session.rng
        return reply(
            session.handler_input,
            [phrases.line(key, rng, **values), phrases.line("after_action", rng)],
            reprompt=phrases.line("after_action_reprompt", rng),
        )


class AudienceHandler(SettingHandler):
    """ "We're friends" or "we're a couple": which starters the household may get."""

    intents = ("SetAudienceIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        audience = slot_id(handler_input, "audience")
        if audience not in ("partners", "friends"):
            return reply(
                handler_input,
                [session.phrases.line("audience_unclear", session.rng)],
                reprompt=session.phrases.line("audience_unclear", session.rng),
            )
        session.household.audience = audience
        session.household.updated_at = session.now
        return self.confirm(session, f"audience_{audience}")


class NamesHandler(SettingHandler):
    """ "We're Sam and Alex": two first names, so the skill can say who goes first."""

    intents = ("SetNamesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        names = [slot_value(handler_input, n) for n in ("firstName", "secondName")]
        clean = [n.title() for n in names if n and _NAME.match(n)]
        if len(clean) != 2 or clean[0].lower() == clean[1].lower():
            return reply(
                handler_input,
                [session.phrases.line("names_unclear", session.rng)],
                reprompt=session.phrases.line("names_unclear", session.rng),
            )
        session.household.names = clean
        session.household.updated_at = session.now
        return self.confirm(session, "names_saved", first=clean[0], second=clean[1])


class PhoneReminderHandler(SettingHandler):
    """Turn the phones-down invitation off or back on."""

    def __init__(self, services: SkillServices, intent: str, on: bool) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.on = on

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        session.household.phone_reminder = self.on
        session.household.updated_at = session.now
        return self.confirm(session, "phone_reminder_on" if self.on else "phone_reminder_off")


class HelpHandler(SkillHandler):
    intents = ("AMAZON.HelpIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        phrases = self.services.phrases_for(locale_of(handler_input))
        rng = self.services.rng
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
        phrases = self.services.phrases_for(locale_of(handler_input))
        return reply(handler_input, [phrases.line("goodbye", self.services.rng)])


class FallbackHandler(SkillHandler):
    """Anything the model could not place, and intents this version does not know."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return isinstance(handler_input.request_envelope.request, IntentRequest)

    def handle(self, handler_input: HandlerInput) -> Response:
        phrases = self.services.phrases_for(locale_of(handler_input))
        rng = self.services.rng
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
        LaunchHandler(services),
        StarterHandler(services),
        StartOverHandler(services),
        NextHandler(services),
        DepthShiftHandler(services, "DeeperIntent", +1),
        DepthShiftHandler(services, "LighterIntent", -1),
        YesHandler(services),
        RepeatHandler(services),
        SaveFavouriteHandler(services),
        RemoveFavouriteHandler(services),
        PlayFavouritesHandler(services),
        AudienceHandler(services),
        NamesHandler(services),
        PhoneReminderHandler(services, "PhoneReminderOffIntent", on=False),
        PhoneReminderHandler(services, "PhoneReminderOnIntent", on=True),
        HelpHandler(services),
        ExitHandler(services),
        SessionEndedHandler(services),
        FallbackHandler(services),
        QuietHandler(services),
    ]
