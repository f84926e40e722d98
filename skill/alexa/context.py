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

from skill.alexa.services import LOCALE_TIME_ZONES, SkillServices
from skill.core.fields import noticing_damage
from skill.core.household import Household, merge
from skill.core.speech import Phrases
from skill.storage.base import FORGOTTEN_KEY, VERSION_KEY, describe_error, key_digest

__all__ = [
    "SUPPORTED_LOCALES",
    "HouseholdSession",
    "hashed_user",
    "locale_of",
    "slot_id",
    "slot_value",
    "user_id_of",
]

log = logging.getLogger(__name__)
_STORE_FAILED = "store_failed"
# Session attribute: the variant of each phrase key said last in this session.
SAID = "said"
_ADDITIVE = (
    "heard",
    "walks",
    "favourites",
    "conversation",
    "checkin",
    "checkins",
    "daily_starters",
)


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


class HouseholdSession:
    """The household for one request: read once, lazily, and written at most once.

    When the store cannot be reached, the skill still answers (from a fresh household, or
    the one held from a failed save) and keeps the turn for the household's next request,
    so a failing database never becomes an error answer.
    """

    def __init__(self, handler_input: HandlerInput, services: SkillServices) -> None:
        self.handler_input = handler_input
        self.services = services
        self.now = services.clock()
        self.locale = locale_of(handler_input)
        self._household: Household | None = None
        self._held: dict[str, Any] | None = None  # a failed turn merged in, until written
        self._as_read: dict[str, Any] = {}
        self._zone_info: ZoneInfo | None = None

    @property
    def phrases(self) -> Phrases:
        return self.services.phrases_for(self.locale)

    @property
    def rng(self) -> random.Random:
        return self.services.rng

    def line(self, key: str, **values: object) -> str:
        """A wording of `key`, never the one this session heard last for it."""
        attributes = self.handler_input.attributes_manager.session_attributes
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

    @property
    def household(self) -> Household:
        if self._household is None:
            manager = self.handler_input.attributes_manager
            held = self._held = self.services.pending.peek(user_id_of(self.handler_input))
            try:
                stored = manager.persistent_attributes
                with noticing_damage() as damaged:
                    self._household = Household.from_dict(stored)
                if damaged:
                    log.warning(
                        "household %s: %d damaged field(s) read as their defaults (%s)",
                        hashed_user(self.handler_input),
                        len(damaged),
                        ", ".join(sorted(set(damaged))),
                    )
                self._as_read = self._household.to_dict()
                if held and stored.get(FORGOTTEN_KEY) is not None:
                    # Deleted since (`forget`, or SkillDisabled seen by another process):
                    # what was held from before must not bring the household back.
                    self.services.pending.forget(user_id_of(self.handler_input))
                    held = self._held = None
                if held:
                    # A turn whose save failed earlier joins what is stored, written now.
                    self._household = Household.from_dict(merge(stored, held))
            except Exception as error:
                self._store_failed("read", error)
                manager.request_attributes[_STORE_FAILED] = True
                self._household = Household.from_dict(held)
        return self._household

    def _store_failed(self, operation: str, error: Exception) -> None:
        """One line with the reason, at most every ten seconds per operation (with a count
        of the lines left out); the traceback only at DEBUG."""
        left_out = self.services.failures.allow(f"store {operation}")
        if left_out is None:
            return
        log.warning(
            "household store unavailable on %s: %s%s",
            operation,
            describe_error(error),
            f" ({left_out} more since the last such line)" if left_out else "",
            exc_info=log.isEnabledFor(logging.DEBUG),
        )

    def _hold_unsaved(self, record: dict[str, Any]) -> None:
        """Keep this turn for the household's next request instead of losing it.

        After a failed read the household was built without its stored settings, so only
        what adds up (heard starters, favourites, the conversation, check-ins) is held; the
        stored names and settings must win when the two meet.
        """
        if self.handler_input.attributes_manager.request_attributes.get(_STORE_FAILED):
            record = {key: record[key] for key in _ADDITIVE} | {"updated_at": 0.0}
        self.services.pending.hold(user_id_of(self.handler_input), record)

    def save(self) -> bool:
        """Write the household back, only if this request changed it. True when the store
        has everything this request changed; False when the turn could only be held, so a
        reply must not say "saved"."""
        manager = self.handler_input.attributes_manager
        if self._household is None:
            return True
        data = self._household.stamp(self._as_read, self.now)
        if data == self._as_read:
            return not manager.request_attributes.get(_STORE_FAILED)
        if manager.request_attributes.get(_STORE_FAILED):
            self._hold_unsaved(data)
            return False
        version = manager.persistent_attributes.get(VERSION_KEY)
        if version is not None:
            data[VERSION_KEY] = version
        sent = dict(data)
        try:
            manager.persistent_attributes = data
            manager.save_persistent_attributes()
        except Exception as error:
            self._store_failed("write", error)
            data.pop(VERSION_KEY, None)
            self._hold_unsaved(data)
            return False
        if self._held is not None:
            self.services.pending.release(user_id_of(self.handler_input), self._held)
            self._held = None
        sent.pop(VERSION_KEY, None)
        if any(data.get(key) is not value for key, value in sent.items()):
            # On a conflict the store merged another device's changes into `data`: carry on
            # from the merged record so a second save in this request cannot undo them.
            self._household = Household.from_dict(data)
            sent = self._household.to_dict()
        self._as_read = sent
        return True

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
