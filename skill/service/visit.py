"""One turn of a conversation, on any door: who is talking, through which door, what the
skill offered last, and the household behind them.

A door (Alexa, Home Assistant's Wyoming, MCP) builds a `Visit` for each thing said and
hands it to the flows (`skill.service.flows`), which answer with a `Reply`. The door turns
the reply into its own shape: an ASK response, a Wyoming `Handled` event, an MCP tool
result. Nothing here knows any of those.
"""

from __future__ import annotations

import random
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from skill.core.household import Household
from skill.core.moments import part_of_day
from skill.core.speech import Phrases
from skill.core.starters import Starter
from skill.service.household_turn import HouseholdTurn
from skill.service.services import SkillServices

__all__ = [
    "ALEXA",
    "ASSIST",
    "AWAITING",
    "MCP",
    "MISSES",
    "OFFER",
    "SAID",
    "Door",
    "Reply",
    "Visit",
    "begin_turn",
]

# Memory kept for one conversation (Alexa's session attributes; a satellite's conversation
# in the Wyoming door): what the skill just offered, so a bare "yes" or an unclear line
# knows what it meets; that the check-in is listening for a rating; how many lines in a
# row were not understood; the variant of each phrase said last.
OFFER = "offer"
AWAITING = "awaiting"
MISSES = "misses"
SAID = "said"
#: The twin a phrase key has for the morning and afternoon (`Visit.phrases`).
DAYTIME = "daytime"


class Door(NamedTuple):
    """What a way in can do, as far as the words are concerned.

    `wording` names the phrase variants the door says instead of the plain key, where
    there are any (`hint_come_back_plain`): Alexa teaches "Alexa, open Heart to Heart";
    a door whose wake word the skill does not know (Home Assistant) or that has none (an
    MCP client) says something that works there. `reminders`: whether the door can set
    the nightly reminder (Alexa's Reminders API), so whether the check-in offers it.
    """

    name: str
    wording: str | None = None
    reminders: bool = False


ALEXA = Door("alexa", reminders=True)
ASSIST = Door("assist", wording="plain")
MCP = Door("mcp", wording="plain")


@dataclass
class Reply:
    """What the skill says for one turn, on any door.

    `reprompt` set means the skill waits for a short answer (a rating, a yes or no); None
    means the turn is over (Alexa closes the microphone, Home Assistant ends the
    conversation). `starter` is the conversation starter said, if any, for a screen or a
    tool result; `facts` carries what happened, for doors whose client words the reply
    itself (MCP).
    """

    sentences: list[str]
    reprompt: str | None = None
    card: tuple[str, str] | None = None
    starter: Starter | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def listening(self) -> bool:
        return self.reprompt is not None

    @property
    def text(self) -> str:
        return " ".join(s.strip() for s in self.sentences if s and s.strip())


def begin_turn(memory: MutableMapping[str, Any], *, understood: bool) -> tuple[str | None, bool]:
    """What lives one turn moves out of the conversation's memory as a line arrives: the
    previous reply's offer (a reply that offers again puts one back) and the wait for a
    rating. A line that was understood ends a run of misses. Returns (offered, awaiting a
    rating)."""
    offer = memory.pop(OFFER, None)
    awaiting = memory.pop(AWAITING, None)
    if understood:
        memory.pop(MISSES, None)
    return (offer if isinstance(offer, str) else None), awaiting == "rating"


class Visit:
    """What the flows need of one turn: the household (a `HouseholdTurn`), the door and
    locale and their wording, the device, the conversation's memory, and the clock.

    `memory` lives as long as the conversation (a dict the door keeps); `offered` is what
    the previous reply offered (see `begin_turn`).
    """

    def __init__(
        self,
        turn: HouseholdTurn,
        *,
        door: Door,
        locale: str = "en-US",
        memory: MutableMapping[str, Any] | None = None,
        offered: str | None = None,
        awaiting_rating: bool = False,
        new_session: bool = True,
        device: str = "",
        look_up_time_zone: Callable[[], str | None] | None = None,
    ) -> None:
        self.turn = turn
        self.services: SkillServices = turn.services
        self.now = turn.now
        self.door = door
        self.locale = locale
        self._memory: MutableMapping[str, Any] = memory if memory is not None else {}
        self._offered = offered
        self._awaiting_rating = awaiting_rating
        self._new_session = new_session
        self._device = device
        self._look_up_time_zone = look_up_time_zone
        self._zone_info: ZoneInfo | None = None
        self._local_now: datetime | None = None

    # --- the conversation's memory (a door may keep it elsewhere: Alexa's session)

    @property
    def memory(self) -> MutableMapping[str, Any]:
        return self._memory

    @property
    def offered(self) -> str | None:
        """What the previous reply offered, if anything."""
        return self._offered

    @property
    def awaiting_rating(self) -> bool:
        """Whether the previous reply asked for a 1-to-5 rating."""
        return self._awaiting_rating

    @property
    def new_session(self) -> bool:
        """Whether this line opened the conversation (a launch or a one-shot)."""
        return self._new_session

    @property
    def device(self) -> str:
        """A short stand-in for the device that asked (starters are counted per device)."""
        return self._device

    def offer(self, offer: str) -> None:
        """What a "yes" (or an unclear line) in the next turn accepts."""
        self.memory[OFFER] = offer

    def listen_for_rating(self) -> None:
        self.memory[AWAITING] = "rating"

    @property
    def misses(self) -> int:
        misses = self.memory.get(MISSES)
        return misses if isinstance(misses, int) and misses >= 0 else 0

    @misses.setter
    def misses(self, value: int) -> None:
        if value:
            self.memory[MISSES] = value
        else:
            self.memory.pop(MISSES, None)

    # --- the household

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

    # --- words

    @property
    def phrases(self) -> Phrases:
        """The door's wording of the locale's phrases, and before the evening their
        `_daytime` twins (a goodbye at 8 a.m. is not "goodnight")."""
        phrases = self.services.phrases_for(self.locale)
        if self.door.wording:
            phrases = phrases.worded(self.door.wording)
        return phrases.worded(DAYTIME) if self.daytime else phrases

    @property
    def daytime(self) -> bool:
        """Morning or afternoon on the household's clock."""
        return part_of_day(self.local_now()) in ("morning", "afternoon")

    @property
    def rng(self) -> random.Random:
        return self.services.rng

    def line(self, key: str, **values: object) -> str:
        """A wording of `key`, never the one this conversation heard last for it."""
        said = self.memory.get(SAID)
        if not isinstance(said, dict):
            said = self.memory[SAID] = {}
        variants = self.phrases.variants(key)
        last = said.get(key)
        choices = [i for i in range(len(variants)) if i != last] or [0]
        index = self.rng.choice(choices)
        said[key] = index
        return variants[index].format(**values)

    # --- time

    def local_now(self) -> datetime:
        """Now on the household's clock (the turn's one moment, worked out once)."""
        if self._local_now is None:
            self._local_now = datetime.fromtimestamp(self.now, self.zone())
        return self._local_now

    def zone(self) -> ZoneInfo:
        """The household's time zone: the one configured for the door, else the device's
        (cached in the household for a week), else the locale's usual one."""
        if self._zone_info is None:
            self._zone_info = self._resolve_zone()
        return self._zone_info

    def _resolve_zone(self) -> ZoneInfo:
        household = self.household
        name = self.services.time_zone_override
        if name is None:
            if self._look_up_time_zone is not None and not household.time_zone_fresh(self.now):
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
