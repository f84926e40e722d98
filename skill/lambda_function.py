"""The AWS Lambda entry point. Imports no Flask; builds the skill once per container.

Environment: TABLE_NAME (the DynamoDB table), HEART_TO_HEART_SKILL_ID (optional).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from ask_sdk_core.skill import CustomSkill
from ask_sdk_model import RequestEnvelope

from skill.alexa.builder import build_skill
from skill.core.household import merge
from skill.storage.dynamodb import DynamoDbStore

__all__ = ["TABLE_ENV", "handler"]

TABLE_ENV = "TABLE_NAME"
log = logging.getLogger(__name__)
logging.getLogger().setLevel(os.environ.get("LOG_LEVEL", "INFO"))
_skill: CustomSkill | None = None


def skill() -> CustomSkill:
    global _skill
    if _skill is None:
        table = os.environ.get(TABLE_ENV)
        if not table:
            log.error("%s is not set: households will not be remembered", TABLE_ENV)
        _skill = build_skill(DynamoDbStore(table, merge=merge) if table else None)
    return _skill


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    current = skill()
    envelope = current.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
    response = current.invoke(request_envelope=envelope, context=context)
    return current.serializer.serialize(response)
