"""Handlers for the starter conversation, favourites and household settings."""

from __future__ import annotations

import re

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa.common import OFFER, SkillHandler, new_starter, speak_starter
from skill.alexa.context import HouseholdSession, slot_id, slot_value
from skill.alexa.reply import reply
from skill.alexa.services import SkillServices
from skill.alexa.visuals import add_starter_visual
from skill.core import conversation as talk
from skill.core.conversation import FavouriteChange
from skill.core.moments import Moment
from skill.core.replies import compose_starter

__all__ = [
    "AudienceHandler",
    "DepthShiftHandler",
    "FavouriteChangeHandler",
    "NamesHandler",
    "PhoneReminderHandler",
    "PlayFavouritesHandler",
    "RepeatHandler",
    "StartOverHandler",
    "StarterHandler",
]

_NAME = re.compile(r"^[^\W\d_][^\W\d_' -]{0,23}$")


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


class DepthShiftHandler(SkillHandler):
    """ "Go deeper" and "something lighter": one step, within 1 to 3."""

    def __init__(self, services: SkillServices, intent: str, shift: int) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.shift = shift

    def handle(self, handler_input: HandlerInput) -> Response:
        return new_starter(self.session(handler_input), shift=self.shift)


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


class FavouriteChangeHandler(SkillHandler):
    """ "Save that one" and "remove that one": change the favourites, say what happened."""

    def __init__(self, services: SkillServices, intent: str, change: FavouriteChange) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.change = change

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        result, _ = self.change(session.household, self.services.library, now=session.now)
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
