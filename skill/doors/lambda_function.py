"""The AWS Lambda entry point. Imports no Flask; builds the skill once per container.

Environment: TABLE_NAME (the DynamoDB table), HEART_TO_HEART_SKILL_ID (optional).

Importing this module builds the skill (handlers, compiled content, the DynamoDB client)
when TABLE_NAME is set, as it always is on Lambda: the init phase does the slow work once,
and the first request pays for none of it.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from skill.alexa.serializer import SkillSerializer
from skill.doors.wiring import alexa_skill, dynamodb_store
from skill.logs import configure_logging

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

__all__ = ["TABLE_ENV", "handler"]

TABLE_ENV = "TABLE_NAME"
log = logging.getLogger(__name__)
configure_logging("INFO", handler=False)
_skill: CustomSkill | None = None


def skill() -> CustomSkill:
    """The skill, built on first use: handlers, content and the (lazy) DynamoDB store."""
    global _skill
    if _skill is None:
        table = os.environ.get(TABLE_ENV)
        if not table:
            log.error("%s is not set: households will not be remembered", TABLE_ENV)
        store = dynamodb_store(table) if table else None
        if store is not None:
            _ = store.client  # made now, in the init phase, rather than on the first request
        _skill = alexa_skill(store)
    return _skill


if os.environ.get(TABLE_ENV):
    skill()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    current = skill()
    serializer = current.serializer
    assert isinstance(serializer, SkillSerializer)  # set by the builder
    envelope = serializer.read_envelope(event)
    response = current.invoke(request_envelope=envelope, context=context)
    body = current.serializer.serialize(response)
    assert isinstance(body, dict)  # a ResponseEnvelope serializes to a JSON object
    return body
