"""A household's record stays small, however many turns it takes.

Issue 5, "Done when": a household's record stays under a stated bound after any number of
turns. Hypothesis drives one device through long random sequences of everything a
household can say (starters by moment and depth, next, deeper, lighter, favourites saved,
removed and played, names in any script, audience, check-ins with ratings, the week's
summary, repeat) while the clock jumps by up to days, and the record stored for that
household must stay under RECORD_BOUND_BYTES, with every answer a proper one.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from skill.alexa import build_skill
from skill.core.household import (
    MAX_CHECKIN_HISTORY,
    MAX_FAVOURITES,
    MAX_WALKS,
    STARTER_DAYS_KEPT,
    Household,
    merge,
)
from skill.core.starters import load_library
from skill.service import SkillServices
from skill.storage import MAX_RECORD_BYTES, HouseholdStore
from skill.storage.base import StoredRecord
from tests.conftest import NEW_YORK, Clock, Device, custom_slot, plain_slot, speech

# The bound, and why it holds whatever the number of turns: heard-sets are one bitset per
# moment, as long as the highest starter number (a few hundred bits, about 40 characters
# of base64 each); at most one walk per (moment, depth, audience) cell, MAX_WALKS (45),
# five small numbers each; favourites are at most MAX_FAVOURITES (50) ids; the check-in history at
# most MAX_CHECKIN_HISTORY (30) entries; the daily starter counts at most STARTER_DAYS_KEPT
# (14) days; two names and one conversation and one check-in in progress, each small.
# That is about 4 KiB at worst today. 16 KiB leaves room for the library to grow several
# times over and stays far under the store's hard limit (MAX_RECORD_BYTES, 64 KiB).
RECORD_BOUND_BYTES = 16 * 1024
SORRY = "Sorry, something went wrong"
EVENING = datetime(2026, 11, 25, 18, 30, tzinfo=NEW_YORK)
DAY = 24 * 60 * 60

assert RECORD_BOUND_BYTES < MAX_RECORD_BYTES
assert (MAX_FAVOURITES, MAX_CHECKIN_HISTORY, STARTER_DAYS_KEPT, MAX_WALKS) == (50, 30, 14, 45)


class MemoryStore(HouseholdStore):
    """The HouseholdStore's real encode-version-merge path, over a dict; it remembers the
    largest record it was ever asked to keep."""

    def __init__(self) -> None:
        super().__init__(merge=merge)
        self.records: dict[str, StoredRecord] = {}
        self.largest: dict[str, int] = {}

    def _read(self, key: str) -> StoredRecord | None:
        return self.records.get(key)

    def _write(self, key: str, record: StoredRecord, expected_version: int, now: float) -> bool:
        current = self.records.get(key)
        live = 0 if current is None or current.expires_at <= now else current.version
        if live != expected_version:
            return False
        self.records[key] = record
        size = len(record.attributes_json.encode("utf-8"))
        self.largest[key] = max(self.largest.get(key, 0), size)
        return True

    def _stored_keys(self, now: float) -> Iterator[str]:
        return iter([key for key, record in self.records.items() if record.expires_at > now])


@dataclass
class OneSkill:
    store: MemoryStore
    clock: Clock
    services: SkillServices
    skill: Any


@pytest.fixture(scope="module")
def one_skill() -> OneSkill:
    """One skill for the whole module (building it per example would dominate the time)."""
    store = MemoryStore()
    clock = Clock(EVENING)
    services = SkillServices(
        clock=clock, rng=random.Random(0), time_zone_override="America/New_York"
    )
    return OneSkill(store, clock, services, build_skill(store, services))


MOMENTS = ["bedtime", "brunch", "dinner", "morning", "anytime"]
# Names as Alexa might hear them: any text up to 50 characters, or letters of any script
# (the ones the skill keeps; astral letters cost 12 bytes each in escaped JSON).
names = st.text(max_size=50) | st.text(st.characters(categories=["L"]), min_size=1, max_size=24)


starter_slots = st.builds(
    lambda moment, depth: {
        **({} if moment is None else custom_slot("moment", moment, moment)),
        **({} if depth is None else custom_slot("depth", str(depth), str(depth))),
    },
    st.none() | st.sampled_from(MOMENTS),
    st.none() | st.sampled_from([1, 2, 3]),
)
name_slots = st.builds(
    lambda first, second: {**plain_slot("firstName", first), **plain_slot("secondName", second)},
    names,
    names,
)
audience_slots = st.sampled_from(
    [
        custom_slot("audience", "a couple", "partners"),
        custom_slot("audience", "friends", "friends"),
        {"audience": {"name": "audience", "value": "neighbours", "confirmationStatus": "NONE"}},
    ]
)
rating_slots = st.builds(
    lambda n: plain_slot("rating", str(n)),
    st.integers(min_value=1, max_value=5) | st.integers(min_value=-5, max_value=10_000),
)
bare = st.sampled_from(
    [
        "AMAZON.NextIntent",
        "DeeperIntent",
        "LighterIntent",
        "SaveFavoriteIntent",
        "SaveFavoriteIntent",
        "RemoveFavoriteIntent",
        "PlayFavoritesIntent",
        "CheckInIntent",
        "WeekSummaryIntent",
        "AMAZON.RepeatIntent",
        "AMAZON.YesIntent",
    ]
)
# One step: a single request, or a small routine (a starter then "save that one"; a whole
# check-in with two ratings), after the clock moved on by nothing or by up to three days.
action = st.one_of(
    st.tuples(st.just("StarterIntent"), starter_slots),
    st.tuples(st.just("StarterIntent"), starter_slots),
    st.tuples(bare, st.none()),
    st.tuples(bare, st.none()),
    st.tuples(st.just("SetNamesIntent"), name_slots),
    st.tuples(st.just("SetAudienceIntent"), audience_slots),
    st.tuples(st.just("RatingIntent"), rating_slots),
    st.tuples(st.just("starter+save"), starter_slots),
    st.tuples(st.just("starter+save"), starter_slots),
    st.tuples(st.just("starter+save"), starter_slots),
    st.tuples(st.just("checkin"), st.tuples(rating_slots, rating_slots)),
    st.tuples(st.just("checkin"), st.tuples(rating_slots, rating_slots)),
)
pause = st.sampled_from([0, 0, 0, 0, 0]) | st.integers(min_value=1, max_value=3 * DAY)
step = st.tuples(pause, action)
MIN_INTENTS, MAX_INTENTS = 50, 400
users = itertools.count()

# The largest household the skill can make today, always tried first: the longest names it
# keeps, in letters that cost the most in escaped JSON; more favourites saved than it keeps
# (so "your favorites are full" too), more check-ins than it keeps, starters over more days
# than it counts.
LONGEST_NAMES = {
    **plain_slot("firstName", "\U0001d49c" * 24),
    **plain_slot("secondName", "\U0001d4b5" * 24),
}
EVERY_CELL = [
    {**custom_slot("moment", moment, moment), **custom_slot("depth", str(depth), str(depth))}
    for moment in MOMENTS
    for depth in (1, 2, 3)
]
FULL_HOUSEHOLD = [
    (0, ("SetNamesIntent", LONGEST_NAMES)),
    *[(DAY if n % 3 == 0 else 60, ("starter+save", EVERY_CELL[n % 15])) for n in range(55)],
    *[(60, ("checkin", (plain_slot("rating", "5"), plain_slot("rating", "1")))) for _ in range(32)],
]


def requests_for(name: str, value: Any) -> list[tuple[str, dict[str, Any] | None]]:
    """The requests one step sends."""
    if name == "starter+save":
        return [("StarterIntent", value), ("SaveFavoriteIntent", None)]
    if name == "checkin":  # "goodnight" closes it early, keeping the ratings
        first, second = value
        return [
            ("CheckInIntent", None),
            ("RatingIntent", first),
            ("RatingIntent", second),
            ("GoodnightIntent", None),
        ]
    return [(name, value)]


def assert_a_proper_answer(out: dict[str, Any], intent: str) -> None:
    """Never the error apology; an open session always prompts; something is always said."""
    response = out["response"]
    said = speech(out)
    assert said, f"{intent}: silence"
    assert SORRY not in said, f"{intent}: error answer"
    if not response.get("shouldEndSession"):
        assert response.get("reprompt"), f"{intent}: open session without a reprompt"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=st.lists(step, min_size=MIN_INTENTS, max_size=MAX_INTENTS))
@example(steps=FULL_HOUSEHOLD)
def test_a_household_record_stays_under_its_bound_after_any_turns(
    one_skill: OneSkill, steps: list[tuple[int, tuple[str, Any]]]
) -> None:
    # GIVEN a new household (fresh user id), the clock at a weekday evening
    store, clock = one_skill.store, one_skill.clock
    clock.set(EVENING)
    one_skill.services.rng.seed(0)
    user = f"amzn1.ask.account.record-size-{next(users)}"
    device = Device(one_skill.skill, user)
    device.launch()
    # WHEN it says 50 to 400 things, the clock moving on between some of them
    intents = 0
    for seconds, (name, value) in steps:
        if seconds:
            clock.advance(seconds)
            device.session = None  # a long pause ends any session
        for intent, slots in requests_for(name, value)[: MAX_INTENTS - intents]:
            out = device.intent(intent, slots)
            intents += 1
            # THEN every answer is a proper one
            assert_a_proper_answer(out, intent)
    assert MIN_INTENTS <= intents <= MAX_INTENTS
    # AND the stored record, at its largest and at the end, stays under the bound
    stored = store.get(user)
    assert stored is not None
    as_json = json.dumps(stored)
    size = max(len(as_json.encode("utf-8")), len(json.dumps(stored, ensure_ascii=False).encode()))
    event(f"record under {size // 1024 + 1} KiB")
    household = Household.from_dict(stored)
    event(f"favourites: {len(household.favourites) // 10 * 10}+")
    event(f"check-ins kept: {len(household.checkins) // 10 * 10}+")
    event(f"days counted: {len(household.daily_starters) // 7 * 7}+")
    assert size < RECORD_BOUND_BYTES, f"{size} bytes after {intents} requests"
    assert store.largest[user] < RECORD_BOUND_BYTES
    # AND each list in it is within its own cap (what makes the bound hold), as stored
    assert len(stored["favourites"].split()) <= MAX_FAVOURITES
    assert len(stored["checkins"].split()) <= MAX_CHECKIN_HISTORY
    assert len(stored["daily_starters"].split()) <= STARTER_DAYS_KEPT
    assert len(stored["names"]) <= 2
    assert len(stored["walks"]) <= MAX_WALKS
    assert household.to_dict()["heard"] == stored["heard"], "heard-sets read back exactly"
    biggest_number = max(s.number for s in load_library())
    assert all(int(bits).bit_length() <= biggest_number + 1 for bits in household.heard.values())
