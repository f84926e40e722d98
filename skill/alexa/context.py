"""Reading a request and the household behind it, for the handlers."""

from __future__ import annotations

import hashlib
import logging
import random
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import IntentRequest

from skill.core.household import Household
from skill.core.speech import Phrases
from skill.service import LOCALE_TIME_ZONES, SkillServices
from skill.service.household_turn import HouseholdTurn
from skill.storage.base import key_digest

__all__ = [
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
# Request attribute: the request's HouseholdTurn.
_TURN = "household_turn"
# Session attribute: the variant of each phrase key said last in this session.
SAID = "said"


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
    holds a dict for every request with a session and raises for one without."""
    attributes = handler_input.attributes_manager.session_attributes
    assert attributes is not None
    return attributes


class HouseholdSession:
    """What a handler needs of one Alexa request: its locale and wording, the device, and
    the household (a `HouseholdTurn`, one per request however many handlers ask)."""

    def __init__(self, handler_input: HandlerInput, services: SkillServices) -> None:
        self.handler_input = handler_input
        self.services = services
        self.locale = locale_of(handler_input)
        attributes = handler_input.attributes_manager.request_attributes
        turn = attributes.get(_TURN)
        if not isinstance(turn, HouseholdTurn):
            turn = attributes[_TURN] = HouseholdTurn(
                user_id_of(handler_input), services, services.clock()
            )
        self.turn: HouseholdTurn = turn
        self.now = turn.now
        self._zone_info: ZoneInfo | None = None

    @property
    def household(self) -> Household:
        return self.turn.household

    def save(self) -> bool:
        """See `HouseholdTurn.save`: True only when the store has what this turn changed."""
        return self.turn.save()

    @property
    def remembered(self) -> bool:
        """Whether the household as read is what the store holds: False while the store
        cannot be read, when nothing may be said about what is or is not saved."""
        _ = self.household
        return not self.turn.store_failed

    @property
    def phrases(self) -> Phrases:
        return self.services.phrases_for(self.locale)

    @property
    def rng(self) -> random.Random:
        return self.services.rng

    def line(self, key: str, **values: object) -> str:
        """A wording of `key`, never the one this session heard last for it."""
        attributes = session_attributes(self.handler_input)
        said = attributes.get(SAID)
        if not isinstance(said, dict):
            said = attributes[SAID] = {}
        variants = self.phrases.variants(key)
        last = said.get(key)
        choices = [i for i in range(len(variants)) if i != last] or [0]
        index = self.rng.choice(choices)
        said[key] = index
        return variants[index].format(**values)

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

    def local_now(self) -> datetime:
        """Now on the household's clock: device time zone, cached for a week."""
        return datetime.fromtimestamp(self.now, self.zone())

    def zone(self) -> ZoneInfo:
        """The household's time zone: the device's, cached for a week, else the locale's."""
        if self._zone_info is None:
            self._zone_info = self._resolve_zone()
        return self._zone_info

    def _resolve_zone(self) -> ZoneInfo:
        household = self.household
        name = self.services.time_zone_override
        if name is None:
            if not household.time_zone_fresh(self.now):
                looked_up = self._look_up_time_zone()
                if looked_up:
                    household.time_zone = looked_up
                    household.time_zone_checked_at = self.now
                else:
                    # Try again in a day rather than on every request while the API is down.
                    household.time_zone_checked_at = self.now - 6 * 24 * 3600
            name = household.time_zone or self.services.fallback_time_zone(self.locale)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self.services.fallback_time_zone(self.locale))

    def _look_up_time_zone(self) -> str | None:
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
