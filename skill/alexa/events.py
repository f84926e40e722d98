"""Skill events: a household that disables the skill and asks not to be remembered is
forgotten, in whichever store holds it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import RequestEnvelope, Response

from skill.alexa.context import HouseholdSession
from skill.service import SkillServices

__all__ = ["SkillDisabledHandler", "SkillSerializer", "already_parsed"]

log = logging.getLogger(__name__)
DISABLED = "AlexaSkillEvent.SkillDisabled"
_PARSED: ContextVar[tuple[str, Any] | None] = ContextVar("parsed_envelope", default=None)


@contextmanager
def already_parsed(text: str, data: Any) -> Iterator[None]:
    """While inside, an envelope whose text is `text` is read from `data` instead of being
    parsed again (the web front door parses each body to check it before the SDK reads it).
    """
    token = _PARSED.set((text, data))
    try:
        yield
    finally:
        _PARSED.reset(token)


class SkillSerializer(DefaultSerializer):
    """The SDK's serializer with two fixes, and no second parse of an envelope the web
    front door has already parsed (see `already_parsed`).

    A SkillDisabled event keeps its `body`: ask_sdk_model's SkillDisabledRequest has no such
    field, so the one thing that says whether to delete the household's data would be
    dropped. And timestamps are read with `datetime.fromisoformat` before falling back to
    dateutil, whose general parser was the largest single cost of reading a request.
    """

    # Overrides the SDK's name-mangled private method of the same name.
    def _DefaultSerializer__deserialize_datetime(self, payload: str, obj_type: Any) -> Any:
        if isinstance(payload, str):
            try:
                parsed = datetime.fromisoformat(payload)
            except ValueError:
                pass
            else:
                return parsed.date() if obj_type is date else parsed
        return DefaultSerializer._DefaultSerializer__deserialize_datetime(self, payload, obj_type)

    def deserialize(self, payload: str, obj_type: Any) -> Any:
        if obj_type is not RequestEnvelope or payload is None:
            return super().deserialize(payload, obj_type)
        parsed = _PARSED.get()
        if parsed is not None and parsed[0] == payload:
            data = parsed[1]
        else:
            try:
                data = json.loads(payload)
            except Exception as error:
                raise SerializationException(f"Couldn't parse request body: {payload}") from error
        result = self._DefaultSerializer__deserialize(data, obj_type)
        if DISABLED in payload and result is not None and result.request is not None:
            request = data.get("request") if isinstance(data, dict) else None
            body = request.get("body") if isinstance(request, dict) else None
            result.request.body = body if isinstance(body, dict) else {}
        return result


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
