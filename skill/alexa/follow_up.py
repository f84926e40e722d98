"""The second request in one breath: "save that and give us another", "we're friends, ask
us something", "we're done, something deeper"."""

from __future__ import annotations

from collections.abc import Sequence

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response

from skill.alexa.checkin_handlers import start_checkin
from skill.alexa.common import new_starter
from skill.alexa.context import HouseholdSession, slot_id

__all__ = ["follow_up", "then_of"]

_SHIFTS = {"starter": 0, "deeper": +1, "lighter": -1}


def then_of(handler_input: HandlerInput) -> str | None:
    """What the `then` slot asks for next (starter, deeper, lighter, checkin), if anything."""
    then = slot_id(handler_input, "then")
    return then if then in (*_SHIFTS, "checkin") else None


def follow_up(session: HouseholdSession, then: str, lead: Sequence[str]) -> Response:
    """Do the second request, after saying `lead` (what the first one did)."""
    if then == "checkin":
        return start_checkin(session, lead=lead)
    return new_starter(session, shift=_SHIFTS[then], lead=lead)
