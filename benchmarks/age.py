"""Part 7: flat with age. One "next" turn for a household on its first evening and after a
simulated year of nightly use, per-turn CPU as year / day 1 (issue 14: at most 1.1x).

A night is what a couple does with the skill: open it (a starter), four more with "next"
and one deeper (six starters), save one of them, and a check-in with two ratings, talked
through to its end. The year is 365 such nights, one a day, driven through the whole
skill, so the record is exactly what a year of turns writes. Its limits (favourites,
check-in history, the days counted) are reached within weeks, so a year stands for any
age. Timed turns alternate day 1 and year, each from a fresh copy of its record, on the
in-memory store (the record still goes through JSON, as in every store).
"""

from __future__ import annotations

import json
import time
from typing import Any

from benchmarks import Figure, Goal, median, ratio
from benchmarks.workload import (
    EVENING,
    Clock,
    Step,
    Visit,
    households,
    intent_step,
    invoke,
    lived_record,
    our_skill,
)
from skill.core.household import merge
from skill.storage import MemoryStore
from skill.tools.envelopes import launch_request

__all__ = ["NIGHT", "measure", "night_record", "run"]

GOAL = Goal("<=", 1.1)
NIGHT: tuple[Step, ...] = (
    Step("launch", launch_request),
    *[Step("next", intent_step("AMAZON.NextIntent"), "same")] * 4,
    Step("deeper", intent_step("DeeperIntent"), "same"),
    Step("save", intent_step("SaveFavoriteIntent"), "same"),
    Step("checkin", intent_step("CheckInIntent"), "same"),
    Step("rating", intent_step("RatingIntent", {"rating": "4"}), "same"),
    Step("rating", intent_step("RatingIntent", {"rating": "3"}), "same"),
    *[Step("next", intent_step("AMAZON.NextIntent"), "same")] * 4,
)
TIMED = Step("next", intent_step("AMAZON.NextIntent"))


def night_record(nights: int, clock: Clock) -> dict[str, Any]:
    """The record a household's store holds after `nights` nights, one a day."""
    record = lived_record(MemoryStore(merge=merge, clock=clock), clock, NIGHT, nights, seed=3)
    record.pop("_user")
    return record


def measure(turns: int, nights: int = 365) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Thread CPU seconds per timed turn, and the record's size in bytes, by age."""
    clock = Clock()
    records = {"day 1": night_record(1, clock), "year": night_record(nights, clock)}
    sizes = {age: len(json.dumps(r, separators=(",", ":"))) for age, r in records.items()}
    store = MemoryStore(merge=merge, clock=clock)
    skill = our_skill(store, clock)
    users = households("age")
    samples: dict[str, list[float]] = {age: [] for age in records}
    for number in range(turns + 20):
        ages = list(records) if number % 2 == 0 else list(reversed(records))
        for age in ages:
            user = next(users)
            store.put(user, dict(records[age]))
            event = Visit(user).event(TIMED)
            clock.now = EVENING
            started = time.thread_time()
            invoke(skill, event)
            elapsed = time.thread_time() - started
            if number >= 20:  # the first turns warm caches and imports
                samples[age].append(elapsed)
    return samples, sizes


def run(quick: bool = False, turns: int | None = None, nights: int | None = None) -> list[Figure]:
    nights = nights or (120 if quick else 365)
    samples, sizes = measure(turns or (200 if quick else 1000), nights)
    return [
        Figure(
            f'"next" turn CPU, after {nights} nights / day 1'
            f" (record {sizes['year']:,} / {sizes['day 1']:,} bytes)",
            (ratio(median(samples["year"]), median(samples["day 1"])),),
            goals=(GOAL,),
        ),
        Figure(
            '"next" turn CPU, day 1, memory store',
            (median(samples["day 1"]) * 1e6,),
            unit="us",
        ),
    ]
