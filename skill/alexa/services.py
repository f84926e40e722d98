"""What the handlers need from outside the request, injected once when the skill is built."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skill.core.household import merge
from skill.core.speech import Phrases, load_phrases
from skill.core.starters import Library, load_library

__all__ = ["LOCALE_TIME_ZONES", "PendingRecords", "SkillServices"]

# Where a household most likely is when the device will not tell us its time zone.
LOCALE_TIME_ZONES = {
    "en-US": "America/New_York",
    "en-CA": "America/Toronto",
    "en-GB": "Europe/London",
    "en-AU": "Australia/Sydney",
    "en-IN": "Asia/Kolkata",
}


class PendingRecords:
    """Household changes whose save failed, held in this process until the household returns.

    A turn that met a store outage is not dropped: its record is merged into what is stored
    on the household's next request (to this warm container or server worker) and written
    then. Held records merge with each other the same way. Bounded, oldest out.
    """

    def __init__(self, limit: int = 1000) -> None:
        self._held: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def hold(self, household_key: str, record: dict[str, Any]) -> None:
        with self._lock:
            earlier = self._held.pop(household_key, None)
            self._held[household_key] = merge(earlier, record) if earlier else record
            while len(self._held) > self._limit:
                self._held.popitem(last=False)

    def peek(self, household_key: str) -> dict[str, Any] | None:
        """The held record, left in place until a write has it (`release`)."""
        with self._lock:
            return self._held.get(household_key)

    def forget(self, household_key: str) -> None:
        """Drop whatever is held for the household (it asked to be forgotten)."""
        with self._lock:
            self._held.pop(household_key, None)

    def release(self, household_key: str, record: dict[str, Any]) -> None:
        """Forget `record` now that it is written; a newer hold stays."""
        with self._lock:
            if self._held.get(household_key) is record:
                del self._held[household_key]


@dataclass
class SkillServices:
    """Content, clock and randomness; tests swap any of them.

    `time_zone_override` replaces the Alexa Settings API lookup (the chat console uses it,
    since a typed session has no device to ask).
    """

    library: Library = field(default_factory=load_library)
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    phrases_for: Callable[[str], Phrases] = load_phrases
    time_zone_override: str | None = None
    settings_timeout: float = 1.0
    pending: PendingRecords = field(default_factory=PendingRecords)

    def fallback_time_zone(self, locale: str) -> str:
        return LOCALE_TIME_ZONES.get(locale, "UTC")
