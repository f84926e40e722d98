"""Alexa request envelopes built by hand, for the chat console, tests and benchmarks.

They carry the same fields a device sends, so they go through the same skill object.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "DEFAULT_APPLICATION_ID",
    "envelope",
    "intent_request",
    "launch_request",
    "new_session",
]

DEFAULT_APPLICATION_ID = "amzn1.ask.skill.heart-to-heart-local"


def _timestamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def launch_request(locale: str = "en-US") -> dict[str, Any]:
    return {
        "type": "LaunchRequest",
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": _timestamp(),
        "locale": locale,
    }


def intent_request(
    name: str, slots: dict[str, Any] | None = None, locale: str = "en-US"
) -> dict[str, Any]:
    return {
        "type": "IntentRequest",
        "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
        "timestamp": _timestamp(),
        "locale": locale,
        "dialogState": "COMPLETED",
        "intent": {"name": name, "confirmationStatus": "NONE", "slots": slots or {}},
    }


def envelope(
    request: dict[str, Any],
    *,
    user_id: str = "amzn1.ask.account.local-user",
    session: dict[str, Any] | None = None,
    application_id: str = DEFAULT_APPLICATION_ID,
    device_id: str = "amzn1.ask.device.local-device",
    api_endpoint: str | None = None,
    api_access_token: str | None = None,
    consent_token: str | None = None,
    screen: bool = False,
) -> dict[str, Any]:
    """A full request envelope. `session` is the session dict, or None for sessionless events."""
    interfaces: dict[str, Any] = {}
    if screen:
        interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": "2023.3"}}
    system: dict[str, Any] = {
        "application": {"applicationId": application_id},
        "user": {"userId": user_id},
        "device": {"deviceId": device_id, "supportedInterfaces": interfaces},
    }
    if api_endpoint:
        system["apiEndpoint"] = api_endpoint
    if api_access_token:
        system["apiAccessToken"] = api_access_token
    if consent_token:
        system["user"]["permissions"] = {"consentToken": consent_token}
    body: dict[str, Any] = {
        "version": "1.0",
        "context": {"System": system},
        "request": request,
    }
    if session is not None:
        body["session"] = session
    return body


def new_session(
    application_id: str = DEFAULT_APPLICATION_ID,
    user_id: str = "amzn1.ask.account.local-user",
    attributes: dict[str, Any] | None = None,
    new: bool = True,
) -> dict[str, Any]:
    return {
        "new": new,
        "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
        "application": {"applicationId": application_id},
        "user": {"userId": user_id},
        "attributes": attributes or {},
    }
