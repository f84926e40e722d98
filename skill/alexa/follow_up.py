"""The second request in one breath, as Alexa fills it: the `then` slot ("save that and
give us another", "we're friends, ask us something", "we're done, something deeper")."""

from __future__ import annotations

from ask_sdk_core.handler_input import HandlerInput

from skill.alexa.context import slot_id
from skill.service.flows import THEN

__all__ = ["then_of"]


def then_of(handler_input: HandlerInput) -> str | None:
    """What the `then` slot asks for next (starter, deeper, lighter, checkin), if anything."""
    then = slot_id(handler_input, "then")
    return then if then in THEN else None
