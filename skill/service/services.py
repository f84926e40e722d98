"""What every door's handlers need from outside the request, injected once at start."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from skill.core.household import SCHEMA_VERSION
from skill.core.speech import Phrases, load_phrases
from skill.core.starters import Library, load_library
from skill.logs import Throttle
from skill.service.pending import PendingRecords

if TYPE_CHECKING:
    from skill.storage import HouseholdStore

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
    """The household store, content, clock and randomness; tests swap any of them.

    `store` is None only where nothing can be remembered (a Lambda without its table):
    every turn then answers and says plainly that nothing was kept.

    `time_zone_override` replaces the Alexa Settings API lookup (the chat console uses it,
    since a typed session has no device to ask). `record_schema` is the schema households
    are written in (see `skill.core.household.SCHEMA_VERSION`: 2 during an upgrade).
    """

    store: HouseholdStore | None = None
    library: Library = field(default_factory=load_library)
    clock: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    phrases_for: Callable[[str], Phrases] = load_phrases
    time_zone_override: str | None = None
    settings_timeout: float = 1.0
    pending: PendingRecords = field(default_factory=PendingRecords)
    record_schema: int = SCHEMA_VERSION
    failures: Throttle = field(init=False)

    def __post_init__(self) -> None:
        # On the skill's clock, so a test that moves time on moves the quiet spell too.
        self.failures = Throttle(clock=self.clock)

    def fallback_time_zone(self, locale: str) -> str:
        return LOCALE_TIME_ZONES.get(locale, "UTC")
