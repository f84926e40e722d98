"""The composition root: every door gets its household store and its skill here.

A store is always opened with the household's merge (`skill.core.household.merge`), so no
door can end up with a store whose concurrent saves quietly let the last writer win. The
heavy parts (boto3, the ASK handlers, Flask) are imported only by the function that needs
them, so the Lambda function pays for DynamoDB and the skill, and nothing else.
"""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING, Any

from skill.core.household import SCHEMA_VERSION, WRITE_SCHEMAS, merge

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill
    from ask_sdk_webservice_support.verifier import AbstractVerifier
    from flask import Flask
    from starlette.applications import Starlette

    from skill.doors.wyoming import Conversations
    from skill.service import SkillServices
    from skill.storage import HouseholdStore
    from skill.storage.dynamodb import DynamoDbStore

__all__ = [
    "RECORD_SCHEMA_ENV",
    "SKILL_ID_ENV",
    "alexa_skill",
    "assist_conversations",
    "dynamodb_store",
    "mcp_door",
    "open_household_store",
    "ready_household_store",
    "record_schema",
    "web_app",
]

SKILL_ID_ENV = "HEART_TO_HEART_SKILL_ID"
RECORD_SCHEMA_ENV = "HEART_TO_HEART_RECORD_SCHEMA"


def record_schema() -> int:
    """The schema households are written in: HEART_TO_HEART_RECORD_SCHEMA, else the newest.
    2 while a release that predates schema 3 may still be serving (README, "Upgrading").
    ValueError for any other value."""
    text = os.environ.get(RECORD_SCHEMA_ENV, "").strip()
    if not text:
        return SCHEMA_VERSION
    if text not in {str(n) for n in WRITE_SCHEMAS}:
        choices = " or ".join(str(n) for n in WRITE_SCHEMAS)
        raise ValueError(f"{RECORD_SCHEMA_ENV} must be {choices}, not {text!r}")
    return int(text)


def _merge() -> Any:
    """The household merge, writing what it merges in `record_schema()`."""
    return partial(merge, schema=record_schema())


def open_household_store(url: str | None = None) -> HouseholdStore:
    """The store a URL names (default: HEART_TO_HEART_STORE, else a local SQLite file), as
    it is: nothing is created or contacted yet. ValueError for a bad URL."""
    from skill.storage import open_store

    return open_store(url, merge=_merge())


def ready_household_store(url: str | None = None) -> HouseholdStore:
    """The store a URL names, with its DynamoDB table created if it is missing (a SQLite
    file is created on first use): for the commands that serve people."""
    store = open_household_store(url)
    ensure = getattr(store, "ensure_table", None)
    if ensure is not None:
        ensure()
    return store


def dynamodb_store(table: str) -> DynamoDbStore:
    """The Lambda function's store: the table SAM created, in the function's region."""
    from skill.storage.dynamodb import DynamoDbStore

    return DynamoDbStore(table, merge=_merge())


def alexa_skill(
    store: HouseholdStore | None,
    services: SkillServices | None = None,
    *,
    skill_id: str | None = None,
) -> CustomSkill:
    """The Alexa skill on `store`, answering only `skill_id` (default: HEART_TO_HEART_SKILL_ID,
    unset: any skill id)."""
    from skill.alexa import build_skill
    from skill.service import SkillServices

    services = services or SkillServices(record_schema=record_schema())
    return build_skill(store, services, skill_id=skill_id or os.environ.get(SKILL_ID_ENV))


def web_app(
    store: HouseholdStore,
    *,
    verify: bool,
    skill_id: str | None = None,
    verifier: AbstractVerifier | None = None,
) -> Flask:
    """The web service: the Alexa skill behind Flask, `/health` reporting on the store."""
    from skill.doors.web import create_app

    skill_id = skill_id or os.environ.get(SKILL_ID_ENV) or None
    return create_app(
        alexa_skill(store, skill_id=skill_id),
        verify=verify,
        skill_id=skill_id,
        verifier=verifier,
        health=store.health,
    )


def assist_conversations(
    store: HouseholdStore, *, household: str = "home", time_zone: str | None = None
) -> Conversations:
    """Home Assistant's door: every satellite's conversation with the skill, on `store`,
    as one household. The grammar is built now, so the first thing said is answered fast."""
    from skill.doors.wyoming import Conversations
    from skill.language.nlu import Resolver
    from skill.service import SkillServices

    Resolver.for_locale("en-US").resolve("give us a question")
    services = SkillServices(
        store=store, time_zone_override=time_zone, record_schema=record_schema()
    )
    return Conversations(services, household=household)


def mcp_door(
    store: HouseholdStore,
    *,
    tokens: str | None = None,
    public_url: str,
    host: str = "127.0.0.1",
    time_zone: str | None = None,
) -> Starlette:
    """The MCP door's ASGI app on `store`: a household per bearer token's user, the tokens
    read from `tokens` (else the file HEART_TO_HEART_MCP_TOKENS names; TokenFileError says
    what is wrong). To sign in with OAuth instead, pass another verifier and its settings
    here (`skill.doors.mcp_auth`)."""
    from skill.doors.mcp_auth import StaticTokens, bearer_settings
    from skill.doors.mcp_server import mcp_app
    from skill.service import SkillServices

    services = SkillServices(
        store=store, time_zone_override=time_zone, record_schema=record_schema()
    )
    return mcp_app(
        services,
        token_verifier=StaticTokens.from_file(tokens),
        auth=bearer_settings(public_url),
        host=host,
    )
