"""What a request body must hold before the ASK SDK is given it."""

from __future__ import annotations

from typing import Any

__all__ = ["envelope_problem"]


def envelope_problem(data: Any) -> str | None:
    """Why a parsed body is not an Alexa request envelope, or None when it looks like one.

    Checked before the SDK sees the body, since the SDK turns odd shapes into errors deep
    inside dispatch instead of a clear refusal.
    """
    if not isinstance(data, dict):
        return "the body must be a JSON object"
    if not isinstance(data.get("version"), str):
        return "missing 'version'"
    request = data.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("type"), str):
        return "missing 'request.type'"
    context = data.get("context")
    system = context.get("System") if isinstance(context, dict) else None
    if not isinstance(system, dict):
        return "missing 'context.System'"
    application = system.get("application")
    if not isinstance(application, dict) or not isinstance(application.get("applicationId"), str):
        return "missing 'context.System.application.applicationId'"
    user = system.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("userId"), str):
        return "missing 'context.System.user.userId'"
    session = data.get("session")
    if session is not None and not isinstance(session, dict):
        return "'session' must be an object"
    if request["type"] == "IntentRequest":
        intent = request.get("intent")
        if not isinstance(intent, dict) or not isinstance(intent.get("name"), str):
            return "missing 'request.intent.name'"
        if intent.get("slots") is not None and not isinstance(intent.get("slots"), dict):
            return "'request.intent.slots' must be an object"
    return None
