"""When a turn writes the household back: only when it changed something, whatever the
record looked like as read (written by this release, by the schema before it, by hand, or
damaged)."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import pytest

from skill.core.household import merge
from skill.service import HouseholdTurn, SkillServices
from skill.storage import MemoryStore
from tests.conftest import NEW_YORK, Clock

USER = "amzn1.ask.account.turn-writes"
EVENING = datetime(2026, 11, 25, 18, 30, tzinfo=NEW_YORK)


class CountingStore(MemoryStore):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.puts = 0

    def put(self, key: str, attributes: dict[str, Any]) -> dict[str, Any]:
        self.puts += 1
        return super().put(key, attributes)


def turn(store: MemoryStore, clock: Clock, schema: int = 3) -> HouseholdTurn:
    services = SkillServices(
        store=store,
        clock=clock,
        rng=random.Random(1),
        time_zone_override="America/New_York",
        record_schema=schema,
    )
    return HouseholdTurn(USER, services, clock())


def lived_in(store: MemoryStore, clock: Clock, schema: int = 3) -> dict[str, Any]:
    """A record as this release writes it: names, a heard starter, a favourite."""
    first = turn(store, clock, schema)
    household = first.household
    household.names = ["Ada", "Bo"]
    household.favourites.append("bedtime-0001")
    household.count_starter("2026-11-25", "a1b2c3")
    assert first.save()
    stored = store.get(USER)
    assert stored is not None
    return stored


@pytest.fixture
def clock() -> Clock:
    return Clock(EVENING)


@pytest.fixture
def store(clock: Clock) -> CountingStore:
    return CountingStore(merge=merge, clock=clock)


@pytest.mark.parametrize("schema", [2, 3])
def test_a_turn_that_changes_nothing_writes_nothing(store, clock, schema):
    lived_in(store, clock, schema)
    store.puts = 0
    quiet = turn(store, clock, schema)
    assert quiet.household.names == ["Ada", "Bo"]
    assert quiet.save() and store.puts == 0


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"audience": "aliens"}, id="a damaged setting"),
        pytest.param({"hints_heard": "lots"}, id="a damaged count"),
        pytest.param({"from_a_newer_release": 1}, id="a field this release does not know"),
        pytest.param({"schema": 2}, id="the schema before"),
        pytest.param({"schema": 2, "favourites": ["bedtime-0001"]}, id="a schema-2 list"),
    ],
)
def test_a_record_this_release_would_write_otherwise_is_not_rewritten_by_a_quiet_turn(
    store, clock, change
):
    stored = lived_in(store, clock)
    stored.update(change)
    store.put(USER, stored)
    store.puts = 0
    quiet = turn(store, clock)
    assert quiet.household.names == ["Ada", "Bo"]
    assert quiet.save() and store.puts == 0


def test_a_change_after_reading_a_record_as_stored_is_written(store, clock):
    lived_in(store, clock)
    store.puts = 0
    changed = turn(store, clock)
    changed.household.names = ["Ada", "Cy"]
    assert changed.save() and store.puts == 1
    stored = store.get(USER)
    assert stored is not None and stored["names"] == ["Ada", "Cy"]
    # The settings changed, so the record is dated now (a merge takes the newer settings).
    assert stored["updated_at"] == clock()
