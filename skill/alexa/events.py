"""Skill events: a household that disables the skill and asks not to be remembered is
forgotten, in whichever store holds it."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.alexa.context import HouseholdSession
from skill.service import SkillServices

__all__ = ["SkillDisabledHandler"]

log = logging.getLogger(__name__)
DISABLED = "AlexaSkillEvent.SkillDisabled"


class SkillDisabledHandler(AbstractRequestHandler):
    """NOT_PERSISTED: delete everything kept for the household, in the store and any turn
    held in this process for a later write (else that write would bring it back).
    PERSISTED: keep it."""

    def __init__(self, services: SkillServices) -> None:
        self.services = services

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return is_request_type(DISABLED)(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        body = getattr(handler_input.request_envelope.request, "body", None) or {}
        if body.get("userInformationPersistenceStatus") == "NOT_PERSISTED":
            try:
                HouseholdSession(handler_input, self.services).turn.forget()
            except Exception:
                log.error("could not delete a household after SkillDisabled", exc_info=True)
        return handler_input.response_builder.response
