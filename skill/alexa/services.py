"""What the handlers need from outside the request, injected once when the skill is built."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from skill.core.speech import Phrases, load_phrases
from skill.core.starters import Library, load_library

__all__ = ["LOCALE_TIME_ZONES", "SkillServices"]

# Where a household most likely is when the device will not tell us its time zone.
LOCALE_TIME_ZONES = {
    "en-US": "America/New_York",
    "en-CA": "America/Toronto",
    "en-GB": "Europe/London",
    "en-AU": "Australia/Sydney",
    "en-IN": "Asia/Kolkata",
}


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

    def fallback_time_zone(self, locale: str) -> str:
        return LOCALE_TIME_ZONES.get(locale, "UTC")
