"""The behaviour every household store must show, written once and run against each backend.

A test module subclasses ``StoreContract`` and provides a ``harness`` fixture: the unit suite
runs it on SQLite and on in-process moto, the functional suite on a moto server over HTTP.
"""

from __future__ import annotations

import datetime
import itertools
import json
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import pytest

from skill.storage import (
    FORGOTTEN_KEY,
    MAX_RECORD_BYTES,
    TOMBSTONE_LIFETIME_SECONDS,
    HouseholdStore,
    Merge,
    SqliteStore,
    StoreConflictError,
    key_digest,
    ours_wins,
)
from skill.storage.base import MAX_SAVE_ATTEMPTS
from tests.unit.storage.helpers import DAY, FakeClock, union_merge

__all__ = ["DynamoDbHarness", "RawRecord", "SqliteHarness", "StoreContract", "StoreHarness"]

HOUSEHOLD = "amzn1.ask.account.AHOUSEHOLDONEEXAMPLE"
NEIGHBOURS = "amzn1.ask.account.AHOUSEHOLDTWOEXAMPLE"
LIFETIME = 400 * DAY


class RawRecord(NamedTuple):
    """A record exactly as the backend holds it."""

    attributes_json: str
    version: int
    expires_at: int


class StoreHarness(Protocol):
    """Opens stores on one backing table or file and peeks at it behind the store's back."""

    def open(self, **options: Any) -> HouseholdStore: ...

    def raw(self, key: str) -> RawRecord | None: ...

    def corrupt(self, key: str, text: str) -> None: ...


class SqliteHarness:
    """Stores on one SQLite file; peeks with a plain sqlite3 connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._opened: list[SqliteStore] = []

    def open(self, **options: Any) -> SqliteStore:
        store = SqliteStore(self.path, **{"merge": ours_wins, **options})
        self._opened.append(store)
        return store

    def raw(self, key: str) -> RawRecord | None:
        with sqlite3.connect(self.path) as connection:
            row = connection.execute(
                "SELECT attributes, version, expires_at FROM households WHERE id = ?", (key,)
            ).fetchone()
        connection.close()
        return None if row is None else RawRecord(*row)

    def corrupt(self, key: str, text: str) -> None:
        with sqlite3.connect(self.path) as connection:
            connection.execute("UPDATE households SET attributes = ? WHERE id = ?", (text, key))
        connection.close()

    def close(self) -> None:
        for store in self._opened:
            store.close()


class DynamoDbHarness:
    """Stores on one DynamoDB table (whatever endpoint the factory points at)."""

    def __init__(self, open_store: Callable[..., HouseholdStore]) -> None:
        self._open_store = open_store
        self._probe: Any = open_store(merge=ours_wins)

    def open(self, **options: Any) -> HouseholdStore:
        return self._open_store(**{"merge": ours_wins, **options})

    def raw(self, key: str) -> RawRecord | None:
        item = self._probe.client.get_item(
            TableName=self._probe.table_name, Key={"id": {"S": key}}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return RawRecord(
            item["attributes"]["S"], int(item["version"]["N"]), int(item["expires_at"]["N"])
        )

    def corrupt(self, key: str, text: str) -> None:
        self._probe.client.update_item(
            TableName=self._probe.table_name,
            Key={"id": {"S": key}},
            UpdateExpression="SET #attributes = :text",
            ExpressionAttributeNames={"#attributes": "attributes"},
            ExpressionAttributeValues={":text": {"S": text}},
        )


def _no_sleep(seconds: float) -> None:
    """Backoff that costs the test suite nothing."""


Calls = list[tuple[dict[str, Any], dict[str, Any]]]


def _recording(merge: Merge, calls: Calls) -> Merge:
    """The same merge, remembering what it was called with."""

    def recorded(stored: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
        calls.append((json.loads(json.dumps(stored)), json.loads(json.dumps(ours))))
        return merge(stored, ours)

    return recorded


RICH_ATTRIBUTES: dict[str, Any] = {
    "heard": ["s-001", "s-042"],
    "partners": {"names": ["Ana", "Zoë"], "depth": {"max": 3, "min": 1}},
    "greeting": "Grüße, “love” — 💬 <b>&</b>",
    "count": 42,
    "big": 2**62,
    "ratio": 0.25,
    "checkin_done": True,
    "muted": False,
    "last_moment": None,
    "empty": {},
    "nothing": [],
}


class StoreContract:
    """Subclass in a test module that provides a ``harness`` fixture."""

    def test_empty_household_reads_as_version_zero(self, harness: StoreHarness) -> None:
        # GIVEN a store with nothing saved
        store = harness.open()
        # WHEN a new household asks for its attributes
        attributes = store.read(HOUSEHOLD)
        # THEN it gets an empty record at version 0, and no household is listed
        assert attributes == {"_version": 0}
        assert store.get(HOUSEHOLD) is None
        assert list(store.keys()) == []

    def test_saved_attributes_read_back_exactly(self, harness: StoreHarness) -> None:
        # GIVEN attributes with nested dicts, lists, unicode, ints, floats, bools and None
        store = harness.open()
        attributes = {**RICH_ATTRIBUTES}
        # WHEN they are saved
        written = store.put(HOUSEHOLD, attributes)
        # THEN what comes back carries the new version, the caller's dict is left as it was,
        # and a read returns the same data
        assert written == {**RICH_ATTRIBUTES, "_version": 1}
        assert attributes == RICH_ATTRIBUTES
        assert store.read(HOUSEHOLD) == {**RICH_ATTRIBUTES, "_version": 1}
        assert list(store.keys()) == [HOUSEHOLD]

    def test_data_survives_reopening_the_store(self, harness: StoreHarness) -> None:
        # GIVEN a household saved through one store object
        harness.open().put(HOUSEHOLD, {**RICH_ATTRIBUTES})
        # WHEN a brand-new store object opens the same file or table (a restart)
        reopened = harness.open()
        # THEN the household's data is still there
        assert reopened.read(HOUSEHOLD) == {
            **RICH_ATTRIBUTES,
            "_version": 1,
        }

    def test_version_key_is_not_stored_as_data(self, harness: StoreHarness) -> None:
        # GIVEN a household read and saved twice
        store = harness.open()
        attributes = store.read(HOUSEHOLD)
        attributes["heard"] = ["s-001"]
        attributes = store.put(HOUSEHOLD, attributes)
        store.put(HOUSEHOLD, attributes)
        # THEN the stored JSON holds only the skill's data, the version sits beside it
        raw = harness.raw(HOUSEHOLD)
        assert raw is not None
        assert json.loads(raw.attributes_json) == {"heard": ["s-001"]}
        assert raw.version == 2

    def test_second_save_in_one_request_does_not_conflict(self, harness: StoreHarness) -> None:
        # GIVEN a handler that saves, changes its mind, and saves again
        merges: Calls = []
        store = harness.open(merge=_recording(union_merge, merges))
        attributes = store.read(HOUSEHOLD)
        attributes["heard"] = ["s-001"]
        attributes = store.put(HOUSEHOLD, attributes)
        attributes["heard"] = ["s-002"]
        # WHEN the second save runs
        store.put(HOUSEHOLD, attributes)
        # THEN it simply replaces the first, with no merge involved
        assert store.read(HOUSEHOLD) == {"heard": ["s-002"], "_version": 2}
        assert merges == []

    def test_delete_removes_only_that_household(self, harness: StoreHarness) -> None:
        # GIVEN two households with data
        store = harness.open()
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        store.put(NEIGHBOURS, {"heard": ["s-002"]})
        # WHEN one of them disables the skill
        store.delete(HOUSEHOLD)
        # THEN its data is gone (only the time it was forgotten is left), the other's is
        # untouched, and deleting again is harmless
        after = store.read(HOUSEHOLD)
        assert after["_version"] == 0 and set(after) == {"_version", FORGOTTEN_KEY}
        assert store.get(HOUSEHOLD) is None
        assert store.get(NEIGHBOURS) == {"heard": ["s-002"], "_version": 1}
        assert list(store.keys()) == [NEIGHBOURS]
        store.delete(HOUSEHOLD)
        assert store.get(HOUSEHOLD) is None

    def test_a_write_read_before_a_deletion_does_not_bring_the_household_back(
        self, harness: StoreHarness
    ) -> None:
        # GIVEN a household one device has just read
        store = harness.open(merge=union_merge, sleep=_no_sleep)
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        read_before = store.read(HOUSEHOLD)
        # WHEN the household is deleted, and then that device saves what it read
        store.delete(HOUSEHOLD)
        read_before["heard"] = ["s-001", "s-002"]
        store.put(HOUSEHOLD, read_before)
        # THEN the deletion wins: nothing is stored
        assert store.get(HOUSEHOLD) is None
        assert list(store.keys()) == []

    def test_a_deleted_household_can_start_again(self, harness: StoreHarness) -> None:
        # GIVEN a deleted household
        clock = FakeClock()
        store = harness.open(clock=clock)
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        store.delete(HOUSEHOLD)
        # WHEN it is used afresh (read after the deletion, then saved)
        fresh = store.read(HOUSEHOLD)
        fresh.pop(FORGOTTEN_KEY)
        fresh["heard"] = ["s-100"]
        store.put(HOUSEHOLD, fresh)
        # THEN it holds only the new data
        assert store.get(HOUSEHOLD)["heard"] == ["s-100"]
        # AND a tombstone of a household never used again is gone after its lifetime
        store.delete(NEIGHBOURS)
        clock.advance(TOMBSTONE_LIFETIME_SECONDS)
        assert store.read(NEIGHBOURS) == {"_version": 0}

    def test_a_household_that_starts_again_keeps_the_time_it_was_forgotten(
        self, harness: StoreHarness
    ) -> None:
        # GIVEN a household deleted, then used afresh (as another server would)
        clock = FakeClock()
        store = harness.open(clock=clock, merge=union_merge, sleep=_no_sleep)
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        store.delete(HOUSEHOLD)
        forgotten_at = clock.now
        clock.advance(60)
        written = store.put(HOUSEHOLD, {"heard": ["s-100"]})
        # THEN a turn reading it learns when it was forgotten (so a turn held from before
        # can be dropped), an operator sees only the data, and the mark survives saves
        # that give it back, and a merge with another device's save
        assert written[FORGOTTEN_KEY] == forgotten_at
        assert store.read(HOUSEHOLD)[FORGOTTEN_KEY] == forgotten_at
        assert store.get(HOUSEHOLD) == {"heard": ["s-100"], "_version": written["_version"]}
        stale = store.read(HOUSEHOLD)
        store.put(HOUSEHOLD, {**store.read(HOUSEHOLD), "heard": ["s-100", "s-101"]})
        merged = store.put(HOUSEHOLD, {**stale, "heard": ["s-100", "s-102"]})
        assert merged["heard"] == ["s-100", "s-101", "s-102"]
        assert store.read(HOUSEHOLD)[FORGOTTEN_KEY] == forgotten_at
        # AND the mark lapses with the tombstone's lifetime
        clock.advance(TOMBSTONE_LIFETIME_SECONDS)
        assert FORGOTTEN_KEY not in store.read(HOUSEHOLD)

    def test_households_are_independent(self, harness: StoreHarness) -> None:
        # GIVEN one household that has saved twice
        merges: Calls = []
        store = harness.open(merge=_recording(union_merge, merges))
        ours = store.put(HOUSEHOLD, {"heard": ["s-001"]})
        store.put(HOUSEHOLD, ours)
        # WHEN another household reads and saves
        theirs = store.read(NEIGHBOURS)
        theirs["heard"] = ["s-009"]
        store.put(NEIGHBOURS, theirs)
        # THEN each sees only its own data and versions, and nothing had to be merged
        assert store.get(HOUSEHOLD) == {"heard": ["s-001"], "_version": 2}
        assert store.get(NEIGHBOURS) == {"heard": ["s-009"], "_version": 1}
        assert merges == []

    def test_two_devices_saving_at_once_keep_both_changes(self, harness: StoreHarness) -> None:
        # GIVEN a household at version 1 read by two devices at the same time
        harness.open().put(HOUSEHOLD, {"heard": ["s-000"]})
        merges: Calls = []
        kitchen = harness.open(merge=_recording(union_merge, merges), sleep=_no_sleep)
        bedroom = harness.open(merge=_recording(union_merge, merges), sleep=_no_sleep)
        in_kitchen = kitchen.read(HOUSEHOLD)
        in_bedroom = bedroom.read(HOUSEHOLD)
        # WHEN both hear a different starter and save, the kitchen first
        in_kitchen["heard"].append("s-001")
        kitchen.put(HOUSEHOLD, in_kitchen)
        in_bedroom["heard"].append("s-002")
        after_bedroom = bedroom.put(HOUSEHOLD, in_bedroom)
        # THEN the bedroom's save merged with the kitchen's and both starters are remembered
        assert merges == [({"heard": ["s-000", "s-001"]}, {"heard": ["s-000", "s-002"]})]
        expected = {"heard": ["s-000", "s-001", "s-002"], "_version": 3}
        assert harness.open().read(HOUSEHOLD) == expected
        # AND the bedroom's save returns the merged state, ready for another save
        assert after_bedroom == expected

    def test_ours_wins_lets_the_latest_save_win(self, harness: StoreHarness) -> None:
        # GIVEN two devices that read version 1, with the merge that keeps the latest save
        harness.open().put(HOUSEHOLD, {"mood": "calm"})
        kitchen, bedroom = harness.open(sleep=_no_sleep), harness.open(sleep=_no_sleep)
        in_kitchen = kitchen.read(HOUSEHOLD)
        in_bedroom = bedroom.read(HOUSEHOLD)
        # WHEN both save
        kitchen.put(HOUSEHOLD, {**in_kitchen, "mood": "tired"})
        bedroom.put(HOUSEHOLD, {**in_bedroom, "mood": "happy"})
        # THEN the later save is stored, without an error
        assert harness.open().get(HOUSEHOLD) == {"mood": "happy", "_version": 3}

    def test_save_of_a_dict_never_read_merges_with_what_is_stored(
        self, harness: StoreHarness
    ) -> None:
        # GIVEN a stored household and a handler that builds attributes from scratch
        harness.open().put(HOUSEHOLD, {"heard": ["s-001"]})
        store = harness.open(merge=union_merge, sleep=_no_sleep)
        # WHEN it saves a dict with no "_version"
        store.put(HOUSEHOLD, {"heard": ["s-002"]})
        # THEN it is treated as written over nothing, so the merge keeps the stored data
        assert store.get(HOUSEHOLD) == {"heard": ["s-001", "s-002"], "_version": 2}

    def test_persistent_conflict_gives_up_after_bounded_tries(self, harness: StoreHarness) -> None:
        # GIVEN a rival device that saves again every time our store re-reads to merge
        rival = harness.open()
        rival.put(HOUSEHOLD, {"heard": ["rival-0"]})
        rival_saves = itertools.count(1)

        def rival_always_first(stored: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
            rival.put(HOUSEHOLD, {**(rival.get(HOUSEHOLD) or {}), "heard": [next(rival_saves)]})
            return union_merge(stored, ours)

        sleeps: list[float] = []
        store = harness.open(merge=rival_always_first, sleep=sleeps.append)
        stale = store.read(HOUSEHOLD)
        rival.put(HOUSEHOLD, {**(rival.get(HOUSEHOLD) or {}), "heard": ["rival-first"]})
        stale["heard"] = ["ours"]
        # WHEN our store saves
        with pytest.raises(StoreConflictError):
            store.put(HOUSEHOLD, stale)
        # THEN it tried ten writes, with short backoffs doubling from about 10 ms up to
        # about 80 ms (at most about a second of waiting in all)
        assert len(sleeps) == MAX_SAVE_ATTEMPTS - 1 == 9
        for attempt, delay in enumerate(sleeps):
            base = min(0.010 * 2**attempt, 0.080)
            assert base / 2 <= delay <= base * 1.5
        assert sum(sleeps) < 1.0
        # AND nothing of ours was written over the rival's data
        expected = {"heard": [MAX_SAVE_ATTEMPTS - 1], "_version": MAX_SAVE_ATTEMPTS + 1}
        assert harness.open().get(HOUSEHOLD) == expected

    def test_record_expires_400_days_after_its_last_write(self, harness: StoreHarness) -> None:
        # GIVEN a household saved now
        clock = FakeClock()
        store = harness.open(clock=clock)
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        raw = harness.raw(HOUSEHOLD)
        assert raw is not None and raw.expires_at == int(clock.now) + LIFETIME
        # WHEN it saves again 30 days later
        clock.advance(30 * DAY)
        store.put(HOUSEHOLD, store.read(HOUSEHOLD))
        # THEN its expiry moves to 400 days after that write
        raw = harness.raw(HOUSEHOLD)
        assert raw is not None and raw.expires_at == int(clock.now) + LIFETIME

    def test_expired_household_reads_empty_and_starts_again(self, harness: StoreHarness) -> None:
        # GIVEN a household that saved and then stayed silent
        clock = FakeClock()
        store = harness.open(clock=clock)
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        store.put(NEIGHBOURS, {"heard": ["s-009"]})
        clock.advance(LIFETIME - 1)
        store.put(NEIGHBOURS, store.read(NEIGHBOURS))
        assert store.get(HOUSEHOLD) == {"heard": ["s-001"], "_version": 1}
        # WHEN its 400 days are up
        clock.advance(1)
        # THEN it reads as a new household and is not listed; the active one is kept
        assert store.read(HOUSEHOLD) == {"_version": 0}
        assert list(store.keys()) == [NEIGHBOURS]
        # AND it can start over from version 0
        fresh = store.read(HOUSEHOLD)
        fresh["heard"] = ["s-100"]
        store.put(HOUSEHOLD, fresh)
        assert store.get(HOUSEHOLD) == {"heard": ["s-100"], "_version": 1}

    @pytest.mark.parametrize(
        "oversized",
        [{"notes": "x" * MAX_RECORD_BYTES}, {"notes": "💬" * (MAX_RECORD_BYTES // 4 + 1)}],
        ids=["ascii", "multibyte"],
    )
    def test_oversized_record_is_refused_and_old_data_kept(
        self, harness: StoreHarness, oversized: dict[str, str]
    ) -> None:
        # GIVEN a household with data
        store = harness.open()
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        # WHEN something tries to save a record over 64 KiB
        with pytest.raises(ValueError, match="limit"):
            store.put(HOUSEHOLD, {**oversized, "_version": 1})
        # THEN the earlier data is intact
        assert store.get(HOUSEHOLD) == {"heard": ["s-001"], "_version": 1}

    def test_record_of_exactly_64_kib_is_accepted(self, harness: StoreHarness) -> None:
        # GIVEN attributes whose JSON is exactly the limit
        framing = len(json.dumps({"n": ""}, separators=(",", ":")))
        attributes = {"n": "x" * (MAX_RECORD_BYTES - framing)}
        # WHEN saved THEN it is stored
        harness.open().put(HOUSEHOLD, attributes)
        assert harness.open().get(HOUSEHOLD) == {**attributes, "_version": 1}

    @pytest.mark.parametrize(
        "unstorable",
        [
            {"when": datetime.datetime(2025, 1, 1)},
            {"ids": {"s-001"}},
            {"score": float("nan")},
            {(1, 2): "tuple key"},
        ],
        ids=["datetime", "set", "nan", "tuple-key"],
    )
    def test_unserialisable_attributes_are_refused_before_writing(
        self, harness: StoreHarness, unstorable: dict[Any, Any]
    ) -> None:
        # GIVEN a household with data
        store = harness.open()
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        # WHEN a bug hands the store something JSON cannot hold
        with pytest.raises(TypeError):
            store.put(HOUSEHOLD, {**unstorable, "_version": 1})
        # THEN nothing was written
        assert store.get(HOUSEHOLD) == {"heard": ["s-001"], "_version": 1}

    @pytest.mark.parametrize(
        "garbage", ["{not json", "[1, 2]", ""], ids=["broken", "list", "empty"]
    )
    def test_corrupt_stored_json_reads_as_empty(
        self, harness: StoreHarness, garbage: str, caplog: pytest.LogCaptureFixture
    ) -> None:
        # GIVEN a household whose stored JSON got damaged
        store = harness.open()
        store.put(HOUSEHOLD, {"heard": ["s-001"]})
        harness.corrupt(HOUSEHOLD, garbage)
        # WHEN it is read
        with caplog.at_level(logging.WARNING, logger="skill.storage"):
            attributes = store.read(HOUSEHOLD)
        # THEN the skill gets an empty record at the stored version, and a warning that
        # names the household by digest only
        assert attributes == {"_version": 1}
        assert key_digest(HOUSEHOLD) in caplog.text
        assert HOUSEHOLD not in caplog.text
        # AND the household can save over the damage
        attributes["heard"] = ["s-002"]
        store.put(HOUSEHOLD, attributes)
        assert store.get(HOUSEHOLD) == {"heard": ["s-002"], "_version": 2}

    def test_logs_never_name_the_user(
        self, harness: StoreHarness, caplog: pytest.LogCaptureFixture
    ) -> None:
        # GIVEN two devices racing, logged at every level
        harness.open().put(HOUSEHOLD, {"heard": []})
        kitchen = harness.open(merge=union_merge, sleep=_no_sleep)
        bedroom = harness.open(merge=union_merge, sleep=_no_sleep)
        in_kitchen, in_bedroom = kitchen.get(HOUSEHOLD) or {}, bedroom.get(HOUSEHOLD) or {}
        # WHEN both save
        with caplog.at_level(logging.DEBUG, logger="skill.storage"):
            kitchen.put(HOUSEHOLD, in_kitchen)
            bedroom.put(HOUSEHOLD, in_bedroom)
        # THEN the conflict was logged, by digest, never with the raw user id
        assert key_digest(HOUSEHOLD) in caplog.text
        assert HOUSEHOLD not in caplog.text
