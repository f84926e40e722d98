"""Handlers for the starter conversation, favourites and household settings: each reads
its slots into one call of `skill.service.flows`."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa.common import SkillHandler
from skill.alexa.context import slot_id, slot_value
from skill.alexa.follow_up import then_of
from skill.alexa.reply import respond
from skill.core.conversation import FavouriteChange
from skill.core.moments import Moment
from skill.service import SkillServices, flows

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
    "moment_of",
]

_NAME_SLOTS = ("firstName", "secondName", "thirdName", "fourthName")


def moment_of(handler_input: HandlerInput) -> Moment | None:
    name = slot_id(handler_input, "moment")
    return Moment(name) if name is not None and name in Moment._value2member_map_ else None


class StarterHandler(SkillHandler):
    """A new starter; a named moment or depth wins over the clock and the conversation."""

    intents = ("StarterIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        depth_name = slot_id(handler_input, "depth")
        depth = int(depth_name) if depth_name in ("1", "2", "3") else None
        visit = self.session(handler_input)
        return respond(
            handler_input, flows.new_starter(visit, moment=moment_of(handler_input), depth=depth)
        )


class StartOverHandler(SkillHandler):
    """A fresh conversation: light again, moment from the clock."""

    intents = ("AMAZON.StartOverIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, flows.start_over(self.session(handler_input)))


class DepthShiftHandler(SkillHandler):
    """ "Go deeper" and "something lighter" (for bedtime): one step, within 1 to 3."""

    def __init__(self, services: SkillServices, intent: str, shift: int) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.shift = shift

    def handle(self, handler_input: HandlerInput) -> Response:
        visit = self.session(handler_input)
        answer = flows.new_starter(visit, moment=moment_of(handler_input), shift=self.shift)
        return respond(handler_input, answer)


class RepeatHandler(SkillHandler):
    """The starter in progress again, word for word. Writes nothing."""

    intents = ("AMAZON.RepeatIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, flows.repeat(self.session(handler_input)))


class FavouriteChangeHandler(SkillHandler):
    """ "Save that one" and "remove that one", then any second request."""

    def __init__(self, services: SkillServices, intent: str, change: FavouriteChange) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.change = change

    def handle(self, handler_input: HandlerInput) -> Response:
        visit = self.session(handler_input)
        answer = flows.change_favourite(visit, self.change, then=then_of(handler_input))
        return respond(handler_input, answer)


class PlayFavouritesHandler(SkillHandler):
    intents = ("PlayFavoritesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        return respond(handler_input, flows.play_favourites(self.session(handler_input)))


class AudienceHandler(SkillHandler):
    """ "We're friends" or "we're a couple": which starters the household may get."""

    intents = ("SetAudienceIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        visit = self.session(handler_input)
        audience = slot_id(handler_input, "audience")
        return respond(
            handler_input, flows.set_audience(visit, audience, then=then_of(handler_input))
        )


class NamesHandler(SkillHandler):
    """ "We're Sam and Alex" (or three or four names): who goes first, by name."""

    intents = ("SetNamesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        visit = self.session(handler_input)
        heard = [slot_value(handler_input, slot) for slot in _NAME_SLOTS]
        answer = flows.set_names(
            visit, heard, then=then_of(handler_input), audience=slot_id(handler_input, "audience")
        )
        return respond(handler_input, answer)


class PhoneReminderHandler(SkillHandler):
    """Turn the phones-down invitation off or back on."""

    def __init__(self, services: SkillServices, intent: str, on: bool) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.on = on

    def handle(self, handler_input: HandlerInput) -> Response:
        visit = self.session(handler_input)
        answer = flows.set_phone_reminder(visit, self.on, then=then_of(handler_input))
        return respond(handler_input, answer)
