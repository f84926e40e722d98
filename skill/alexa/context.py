"""Reading a request and the household behind it, for the handlers."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest

from skill.service import LOCALE_TIME_ZONES, SkillServices
from skill.service.household_turn import HouseholdTurn
from skill.service.visit import ALEXA, Visit
from skill.storage.base import key_digest

__all__ = [
    "AWAITING_RATING",
    "OFFERED",
    "SUPPORTED_LOCALES",
    "HouseholdSession",
    "hashed_user",
    "locale_of",
    "session_attributes",
    "slot_id",
    "slot_value",
    "user_id_of",
]

log = logging.getLogger(__name__)
# Request attributes: the request's HouseholdTurn; what the previous reply offered, and
# whether it asked for a rating (`interceptors.TurnState` moves both out of the session).
_TURN = "household_turn"
OFFERED = "offered"
AWAITING_RATING = "awaiting_rating"


# The locales the skill speaks: exactly those it knows a usual time zone for.
SUPPORTED_LOCALES = tuple(LOCALE_TIME_ZONES)


def locale_of(handler_input: HandlerInput) -> str:
    """The request's locale if the skill speaks it, else en-US.

    Never the raw value: it picks a phrase file and keys a cache, so it must come from a
    short, fixed list.
    """
    locale = getattr(handler_input.request_envelope.request, "locale", None)
    return locale if locale in SUPPORTED_LOCALES else "en-US"


def user_id_of(handler_input: HandlerInput) -> str:
    """The Alexa account behind the request (the household), or "" when there is none."""
    system = getattr(handler_input.request_envelope.context, "system", None)
    return getattr(getattr(system, "user", None), "user_id", None) or ""


def hashed_user(handler_input: HandlerInput) -> str:
    """A short, stable stand-in for the user id, fit for logs: the store's own digest."""
    return key_digest(user_id_of(handler_input))


def _slot(handler_input: HandlerInput, name: str) -> Any:
    request = handler_input.request_envelope.request
    if not isinstance(request, IntentRequest) or request.intent is None:
        return None
    return (request.intent.slots or {}).get(name)


def slot_value(handler_input: HandlerInput, name: str) -> str | None:
    """The words as spoken, or None."""
    slot = _slot(handler_input, name)
    value = getattr(slot, "value", None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def slot_id(handler_input: HandlerInput, name: str) -> str | None:
    """The canonical id Alexa resolved the slot to, or None when it matched nothing."""
    slot = _slot(handler_input, name)
    resolutions = getattr(getattr(slot, "resolutions", None), "resolutions_per_authority", None)
    for authority in resolutions or ():
        code = getattr(getattr(getattr(authority, "status", None), "code", None), "value", "")
        if code == "ER_SUCCESS_MATCH" and authority.values:
            value = authority.values[0].value
            return value.id or value.name
    return None


def session_attributes(handler_input: HandlerInput) -> dict[str, Any]:
    """This session's attributes, to read and change. The SDK types them Optional, but it
    holds a dict for every request with a session and raises for one without.

    Alexa sends a session with every launch and intent; a request without one (hand-made,
    or a client that drops it) is answered as a one-shot whose memory ends with the request.
    """
    if handler_input.request_envelope.session is None:
        requested = handler_input.attributes_manager.request_attributes
        memory = requested.get("_sessionless_memory")
        if not isinstance(memory, dict):
            memory = requested["_sessionless_memory"] = {}
        return memory
    attributes = handler_input.attributes_manager.session_attributes
    assert attributes is not None
    return attributes


class HouseholdSession(Visit):
    """One Alexa request as the flows see it (`skill.service.visit.Visit`): its locale,
    the device, the session's attributes as the conversation's memory, and the household
    (a `HouseholdTurn`, one per request however many handlers ask)."""

    def __init__(self, handler_input: HandlerInput, services: SkillServices) -> None:
        attributes = handler_input.attributes_manager.request_attributes
        turn = attributes.get(_TURN)
        if not isinstance(turn, HouseholdTurn):
            turn = attributes[_TURN] = HouseholdTurn(
                user_id_of(handler_input), services, services.clock()
            )
        self.handler_input = handler_input
        super().__init__(
            turn,
            door=ALEXA,
            locale=locale_of(handler_input),
            look_up_time_zone=self._settings_time_zone,
        )

    @property
    def memory(self) -> dict[str, Any]:
        # Read when asked: a skill event (SkillDisabled) has no session at all.
        return session_attributes(self.handler_input)

    @property
    def offered(self) -> str | None:
        offer = self.handler_input.attributes_manager.request_attributes.get(OFFERED)
        return offer if isinstance(offer, str) else None

    @property
    def awaiting_rating(self) -> bool:
        requested = self.handler_input.attributes_manager.request_attributes
        return bool(requested.get(AWAITING_RATING))

    @property
    def device(self) -> str:
        """A short stand-in for the device that asked (for counts kept per device): enough
        to tell a household's few devices apart, and not its id."""
        system = getattr(self.handler_input.request_envelope.context, "system", None)
        device_id = getattr(getattr(system, "device", None), "device_id", None)
        if not isinstance(device_id, str) or not device_id:
            return ""
        return hashlib.sha256(device_id.encode("utf-8")).hexdigest()[:6]

    @property
    def new_session(self) -> bool:
        """Whether this request opened the session (a launch or a one-shot)."""
        session = self.handler_input.request_envelope.session
        return session is None or bool(getattr(session, "new", True))

    def _settings_time_zone(self) -> str | None:
        """The device's time zone from the Alexa Settings API, or None."""
        factory = self.handler_input.service_client_factory
        device = getattr(
            getattr(self.handler_input.request_envelope.context, "system", None), "device", None
        )
        device_id = getattr(device, "device_id", None)
        if factory is None or not device_id:
            return None
        try:
            zone = factory.get_ups_service().get_system_time_zone(device_id)
        except Exception as error:
            log.info("settings API time zone lookup failed: %s", type(error).__name__)
            return None
        return zone if isinstance(zone, str) and zone else None
