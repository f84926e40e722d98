"""The skill, assembled once per process from its handlers, interceptors and store."""

from __future__ import annotations

import os

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.alexa.api_client import TimeoutApiClient
from skill.alexa.events import SkillSerializer
from skill.alexa.handlers import request_handlers
from skill.alexa.interceptors import (
    ApologyExceptionHandler,
    RequestLogger,
    ResponseLogger,
    TurnState,
)
from skill.alexa.services import SkillServices

__all__ = ["SKILL_ID_ENV", "build_skill"]

SKILL_ID_ENV = "HEART_TO_HEART_SKILL_ID"


def build_skill(
    store: AbstractPersistenceAdapter | None,
    services: SkillServices | None = None,
    *,
    skill_id: str | None = None,
) -> CustomSkill:
    """Build the skill. With `skill_id` (or HEART_TO_HEART_SKILL_ID) set, requests for any
    other skill are rejected by the SDK before a handler runs.
    """
    services = services or SkillServices()
    builder = CustomSkillBuilder(
        persistence_adapter=store, api_client=TimeoutApiClient(services.settings_timeout)
    )
    builder.skill_id = skill_id or os.environ.get(SKILL_ID_ENV) or None
    for handler in request_handlers(services):
        builder.add_request_handler(handler)
    builder.add_exception_handler(ApologyExceptionHandler(services))
    builder.add_global_request_interceptor(RequestLogger())
    builder.add_global_request_interceptor(TurnState())
    builder.add_global_response_interceptor(ResponseLogger())
    skill = builder.create()
    skill.serializer = SkillSerializer()
    return skill
