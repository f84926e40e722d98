"""The AWS Lambda entry point. Imports no Flask; builds the skill once per container.

Environment: TABLE_NAME (the DynamoDB table), HEART_TO_HEART_SKILL_ID (optional).

Importing this module loads the SDK and boto3 only; the handlers, their models and the
content load with the first request (see `skill()`), which keeps the import itself close
to a hello-world skill's (`make bench`, part 3).
"""

from __future__ import annotations

import json
import logging
import os
from typing import TYPE_CHECKING, Any

from ask_sdk_model import RequestEnvelope

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
        _skill = alexa_skill(dynamodb_store(table) if table else None)
    return _skill


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    current = skill()
    envelope = current.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    response = current.invoke(request_envelope=envelope, context=context)
    return current.serializer.serialize(response)
