"""What every handler shares: its services, and the request as the flows see it."""

from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_intent_name

from skill.alexa.context import HouseholdSession
from skill.service import SkillServices

__all__ = ["SkillHandler"]


class SkillHandler(AbstractRequestHandler):
    """A handler for the intents named in `intents`, with the skill's services.

    A handler reads its request (slots) into one call of `skill.service.flows` and
    answers with the flow's reply (`skill.alexa.reply.respond`).
    """

    intents: tuple[str, ...] = ()

    def __init__(self, services: SkillServices) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return any(is_intent_name(name)(handler_input) for name in self.intents)

    def session(self, handler_input: HandlerInput) -> HouseholdSession:
        return HouseholdSession(handler_input, self.services)
