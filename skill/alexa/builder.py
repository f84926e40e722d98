"""The skill, assembled once per process from its handlers, interceptors and store."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder

from skill.alexa.api_client import TimeoutApiClient
from skill.alexa.handlers import request_handlers
from skill.alexa.interceptors import (
    ApologyExceptionHandler,
    RequestLogger,
    ResponseLogger,
    TurnState,
)
from skill.alexa.serializer import SkillSerializer
from skill.service import SkillServices

if TYPE_CHECKING:
    from skill.storage import HouseholdStore

__all__ = ["build_skill"]


def build_skill(
    store: HouseholdStore | None,
    services: SkillServices | None = None,
    *,
    skill_id: str | None = None,
) -> CustomSkill:
    """Build the skill on `store` (None: nothing is remembered, and replies say so). With
    `skill_id` set, requests for any other skill are rejected by the SDK before a handler
    runs.

    The household goes through `HouseholdTurn`, not the SDK's persistence adapter: the
    adapter's save returns nothing, and a turn must know whether its save was stored.
    """
    services = dataclasses.replace(services or SkillServices(), store=store)
    builder = CustomSkillBuilder(api_client=TimeoutApiClient(services.settings_timeout))
    # The SDK sets skill_id to None in __init__ without a type, so mypy takes it for None.
    builder.skill_id = skill_id or None  # type: ignore[assignment]
    for handler in request_handlers(services):
        builder.add_request_handler(handler)
    builder.add_exception_handler(ApologyExceptionHandler(services))
    builder.add_global_request_interceptor(RequestLogger())
    builder.add_global_request_interceptor(TurnState())
    builder.add_global_response_interceptor(ResponseLogger())
    skill = builder.create()
    skill.serializer = SkillSerializer()
    return skill
