"""What every handler shares: its services, and the one way to say a starter."""

from __future__ import annotations

from collections.abc import Sequence

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name
from ask_sdk_model import Response

from skill.alexa.context import HouseholdSession, session_attributes
from skill.alexa.reply import reply
from skill.alexa.visuals import add_starter_visual
from skill.core import conversation as talk
from skill.core.conversation import StarterTurn
from skill.core.moments import Moment, moment_at
from skill.core.replies import compose_starter
from skill.service import SkillServices

__all__ = [
    "AWAITING",
    "MISSES",
    "OFFER",
    "OFFERED",
    "SkillHandler",
    "make_offer",
    "new_starter",
    "offered",
    "speak_starter",
]

# Session attributes, each living one turn (`interceptors.TurnState` moves them out of the
# session as a request arrives): what the skill just offered (an Offer), so a bare "yes" or
# an unclear line knows what it meets; that the check-in is listening for a rating. And how
# many lines in a row it did not understand, kept until one is understood.
OFFER = "offer"
AWAITING = "awaiting"
MISSES = "misses"
# Request attribute: the offer the previous reply made.
OFFERED = "offered"


def make_offer(handler_input: HandlerInput, offer: str) -> None:
    """What a "yes" (or an unclear line) in the next turn accepts."""
    session_attributes(handler_input)[OFFER] = offer


def offered(handler_input: HandlerInput) -> str | None:
    """What the previous reply offered, if anything."""
    offer = handler_input.attributes_manager.request_attributes.get(OFFERED)
    return offer if isinstance(offer, str) else None


class SkillHandler(AbstractRequestHandler):
    """A handler for the intents named in `intents`, with the skill's services."""

    intents: tuple[str, ...] = ()

    def __init__(self, services: SkillServices) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self.intents)

    def session(self, handler_input: HandlerInput) -> HouseholdSession:
        return HouseholdSession(handler_input, self.services)


def speak_starter(
    session: HouseholdSession, turn: StarterTurn, *, lead: Sequence[str] = ()
) -> Response:
    """Say a starter, then close the session so the two of them talk, not the speaker.

    `lead` is what the turn answers first ("Saved.", "Welcome back."), said before it.
    """
    composed = compose_starter(turn, session.household, session.phrases, session.rng, lead=lead)
    session.household.count_starter(session.local_now().date().isoformat(), session.device)
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
    lead: Sequence[str] = (),
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
    return speak_starter(session, turn, lead=lead)
