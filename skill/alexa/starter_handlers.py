"""Handlers for the starter conversation, favourites and household settings."""

from __future__ import annotations

import re

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa.common import SkillHandler, make_offer, new_starter, speak_starter
from skill.alexa.context import HouseholdSession, slot_id, slot_value
from skill.alexa.follow_up import follow_up, then_of
from skill.alexa.reply import reply
from skill.alexa.visuals import add_starter_visual
from skill.core import conversation as talk
from skill.core.conversation import FavouriteChange, FavouriteResult
from skill.core.dialogue import Offer
from skill.core.household import MAX_NAMES
from skill.core.moments import Moment
from skill.core.replies import compose_starter
from skill.service import SkillServices

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
_NAME_SLOTS = ("firstName", "secondName", "thirdName", "fourthName")


def spoken_list(items: list[str]) -> str:
    """ "Sam and Alex", "Tom, Aisha and Ben"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class StarterHandler(SkillHandler):
    """A new starter; a named moment or depth wins over the clock and the conversation."""

    intents = ("StarterIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        depth_name = slot_id(handler_input, "depth")
        depth = int(depth_name) if depth_name in ("1", "2", "3") else None
        return new_starter(
            self.session(handler_input), moment=moment_of(handler_input), depth=depth
        )


class StartOverHandler(SkillHandler):
    """A fresh conversation: light again, moment from the clock."""

    intents = ("AMAZON.StartOverIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        session.household.conversation = None
        return new_starter(session)


def moment_of(handler_input: HandlerInput) -> Moment | None:
    name = slot_id(handler_input, "moment")
    return Moment(name) if name is not None and name in Moment._value2member_map_ else None


class DepthShiftHandler(SkillHandler):
    """ "Go deeper" and "something lighter" (for bedtime): one step, within 1 to 3."""

    def __init__(self, services: SkillServices, intent: str, shift: int) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.shift = shift

    def handle(self, handler_input: HandlerInput) -> Response:
        moment = moment_of(handler_input)
        return new_starter(self.session(handler_input), moment=moment, shift=self.shift)


class RepeatHandler(SkillHandler):
    """The starter in progress again, word for word. Writes nothing."""

    intents = ("AMAZON.RepeatIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        turn = talk.repeat_starter(session.household, self.services.library, now=session.now)
        if turn is None:
            make_offer(handler_input, Offer.STARTER)
            return reply(
                handler_input,
                [session.line("nothing_to_repeat")],
                reprompt=session.line("nothing_to_repeat_reprompt"),
            )
        composed = compose_starter(turn, session.household, session.phrases, session.rng)
        add_starter_visual(handler_input, turn.starter.text, composed.card_title)
        return reply(handler_input, composed.sentences)


class FavouriteChangeHandler(SkillHandler):
    """ "Save that one" and "remove that one": change the favourites, say what happened
    (the first save also says how to hear them again), then any second request."""

    def __init__(self, services: SkillServices, intent: str, change: FavouriteChange) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.change = change

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        household = session.household
        result, _ = self.change(household, self.services.library, now=session.now)
        changed = result in (FavouriteResult.SAVED, FavouriteResult.REMOVED)
        then = then_of(handler_input)
        key = f"favourite_{result}"
        if result is FavouriteResult.SAVED and not household.favourites_taught and not then:
            household.favourites_taught = True
            key = "favourite_saved_first"
        # Said only once the store has it: "saved" must mean stored, and "already saved",
        # "full" or "nothing to save" only about what the store holds.
        stored = session.save()
        if not stored:
            key = "not_saved"
        elif then and changed:
            key = "after_save" if result is FavouriteResult.SAVED else "after_remove"
        if then and changed:
            return follow_up(session, then, [session.line(key)])
        return reply(handler_input, [session.line(key)])


class PlayFavouritesHandler(SkillHandler):
    intents = ("PlayFavoritesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        turn = talk.play_favourites(session.household, self.services.library, now=session.now)
        if turn is None:
            session.save()
            key = "no_favourites" if session.remembered else "out_of_reach"
            return reply(handler_input, [session.line(key)])
        return speak_starter(session, turn)


class SettingHandler(SkillHandler):
    """A household setting changed by voice, then the second request if there was one,
    else the offer of a starter."""

    def confirm(self, session: HouseholdSession, key: str, **values: str) -> Response:
        """Say `key` once the store has the change (else that it could not be saved), then
        the second request or the offer of a starter."""
        if not session.save():
            key, values = "not_saved", {}
        then = then_of(session.handler_input)
        if then:
            return follow_up(session, then, [session.line(key, **values)])
        make_offer(session.handler_input, Offer.STARTER)
        return reply(
            session.handler_input,
            [session.line(key, **values), session.line("after_action")],
            reprompt=session.line("after_action_reprompt"),
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
                [session.line("audience_unclear")],
                reprompt=session.line("audience_reprompt"),
            )
        session.household.audience = audience
        return self.confirm(session, f"audience_{audience}")


class NamesHandler(SettingHandler):
    """ "We're Sam and Alex" (or three or four names): the skill says who goes first, by
    name, taking turns through everyone. One name heard is greeted, not dropped silently."""

    intents = ("SetNamesIntent",)

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        heard = [slot_value(handler_input, slot) for slot in _NAME_SLOTS]
        clean = list(dict.fromkeys(n.title() for n in heard if n and _NAME.match(n)))
        if len(clean) == 1:
            return reply(
                handler_input,
                [session.line("names_one", first=clean[0])],
                reprompt=session.line("names_reprompt"),
            )
        if not clean:
            return reply(
                handler_input,
                [session.line("names_unclear")],
                reprompt=session.line("names_reprompt"),
            )
        session.household.names = clean[:MAX_NAMES]
        session.household.next_speaker = 0
        key = "names_saved" if len(clean) == 2 else "names_saved_group"
        return self.confirm(session, key, names=spoken_list(session.household.names))


class PhoneReminderHandler(SettingHandler):
    """Turn the phones-down invitation off or back on."""

    def __init__(self, services: SkillServices, intent: str, on: bool) -> None:
        super().__init__(services)
        self.intents = (intent,)
        self.on = on

    def handle(self, handler_input: HandlerInput) -> Response:
        session = self.session(handler_input)
        session.household.phone_reminder = self.on
        return self.confirm(session, "phone_reminder_on" if self.on else "phone_reminder_off")
