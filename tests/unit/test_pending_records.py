"""Turns held in memory after a failed save: kept for the household's next request, but
never longer than a day and never after the household asked to be forgotten."""

from __future__ import annotations

from skill.service.pending import PendingRecords


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_held_turn_is_kept_until_released_then_gone() -> None:
    pending = PendingRecords()
    pending.hold("h", {"favourites": ["s-1"]}, at=0.0)
    record = pending.peek("h")
    assert record == {"favourites": ["s-1"]}
    assert pending.peek("h") is record, "peeking leaves it in place"
    pending.release("h", record)
    assert pending.peek("h") is None


def test_a_held_turn_older_than_a_day_is_dropped() -> None:
    ticks = Ticks()
    pending = PendingRecords(clock=ticks)
    pending.hold("h", {"favourites": ["s-1"]}, at=0.0)
    ticks.now += 24 * 60 * 60
    assert pending.peek("h") is not None
    ticks.now += 1
    assert pending.peek("h") is None


def test_holding_again_keeps_the_first_time_so_a_turn_cannot_be_kept_alive() -> None:
    ticks = Ticks()
    pending = PendingRecords(clock=ticks)
    pending.hold("h", {"favourites": ["s-1"]}, at=0.0)
    ticks.now += 20 * 60 * 60
    pending.hold("h", {"favourites": ["s-2"]}, at=0.0)
    ticks.now += 5 * 60 * 60
    assert pending.peek("h") is None


def test_forget_drops_only_that_household() -> None:
    pending = PendingRecords()
    pending.hold("h", {"favourites": ["s-1"]}, at=0.0)
    pending.hold("neighbours", {"favourites": ["s-2"]}, at=0.0)
    pending.forget("h")
    assert pending.peek("h") is None
    assert pending.peek("neighbours") == {"favourites": ["s-2"]}
