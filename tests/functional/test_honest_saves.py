"""Say only what is true (issue 13): a save, a name or a setting is confirmed only once the
store has it, and a household that asked to be forgotten stays forgotten, even when a turn
of theirs was held in memory during an outage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.alexa import build_skill
from skill.core.household import merge
from skill.service import SkillServices
from skill.storage import SqliteStore, ours_wins
from tests.conftest import Clock, Device, custom_slot, favourites_of, lines_of, plain_slot, speech

USER = "amzn1.ask.account.test-household"
NOT_SAVED = lines_of("not_saved")
NAMES = {**plain_slot("firstName", "Sam"), **plain_slot("secondName", "Alex")}


class OutageStore:
    """The real SQLite store behind a switch: while `down`, reads and writes fail as a
    network store's do in an outage."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.reads_fail = False
        self.writes_fail = False

    def read(self, key: str) -> dict[str, Any]:
        if self.reads_fail:
            raise ConnectionError("store unreachable")
        return self.store.read(key)

    def put(self, key: str, attributes: dict[str, Any]) -> dict[str, Any]:
        if self.writes_fail:
            raise ConnectionError("store unreachable")
        return self.store.put(key, attributes)

    def delete(self, key: str) -> None:
        self.store.delete(key)


@pytest.fixture
def sqlite_store(tmp_path: Path, clock: Clock) -> SqliteStore:
    """The store on the skill's clock, as in production, where both read the same time."""
    return SqliteStore(tmp_path / "households.db", merge=merge, clock=clock)


@pytest.fixture
def outage(sqlite_store: SqliteStore) -> OutageStore:
    return OutageStore(sqlite_store)


@pytest.fixture
def household(outage: OutageStore, services: SkillServices) -> Device:
    return Device(build_skill(outage, services))


def disabled() -> dict[str, Any]:
    return {
        "type": "AlexaSkillEvent.SkillDisabled",
        "requestId": "r",
        "timestamp": "2026-11-25T23:00:00Z",
        "body": {"userInformationPersistenceStatus": "NOT_PERSISTED"},
    }


@pytest.mark.parametrize("failing", ["reads", "writes"])
def test_names_are_confirmed_only_once_stored(household, outage, sqlite_store, failing):
    # GIVEN a store that fails (reads, or only writes)
    setattr(outage, f"{failing}_fail", True)
    # WHEN they give their names
    said = speech(household.intent("SetNamesIntent", NAMES, new_session_=True))
    # THEN they hear that it did not save, not "nice to meet you"
    assert said.startswith(NOT_SAVED), said
    assert "Sam" not in said
    # AND once the store is back, names given again are confirmed and stored
    outage.reads_fail = outage.writes_fail = False
    said = speech(household.intent("SetNamesIntent", NAMES, new_session_=True))
    assert "Sam" in said
    assert sqlite_store.get(USER)["names"] == ["Sam", "Alex"]


def test_a_setting_that_could_not_be_written_is_not_confirmed(household, outage, sqlite_store):
    household.intent("StarterIntent", new_session_=True)
    outage.writes_fail = True
    friends = custom_slot("audience", "friends", "friends")
    said = speech(household.intent("SetAudienceIntent", friends, new_session_=True))
    assert said.startswith(NOT_SAVED), said
    assert sqlite_store.get(USER)["audience"] != "friends"


def test_save_and_another_says_it_did_not_save_before_the_next_starter(household, outage):
    household.intent("StarterIntent", new_session_=True)
    outage.writes_fail = True
    then = custom_slot("then", "another", "starter")
    out = household.intent("SaveFavoriteIntent", then, new_session_=True)
    said = speech(out)
    assert any(said.startswith(line) for line in NOT_SAVED), said
    assert out["response"]["card"]["content"] in said, "the second request still happens"


def test_a_turn_held_during_an_outage_does_not_outlive_skill_disabled(
    household, outage, sqlite_store
):
    # GIVEN a household with a stored favourite-to-be: they heard a starter, then saved it
    # while the store was down (the turn is held in this process for a later write)
    household.intent("StarterIntent", new_session_=True)
    outage.writes_fail = True
    assert speech(household.intent("SaveFavoriteIntent", new_session_=True)) in NOT_SAVED
    outage.writes_fail = False
    # WHEN they disable the skill and ask not to be remembered
    household.event(disabled())
    assert sqlite_store.get(USER) is None
    # AND later come back
    household.launch()
    household.intent("AMAZON.NextIntent", new_session_=True)
    # THEN nothing of what they had comes back
    stored = sqlite_store.get(USER) or {}
    assert favourites_of(stored) == []
    said = speech(household.intent("PlayFavoritesIntent", new_session_=True))
    assert said in lines_of("no_favourites")


def test_a_turn_held_during_an_outage_does_not_outlive_forget_from_another_process(
    household, outage, sqlite_store, tmp_path
):
    # GIVEN a favourite saved while writes failed: the turn is held in the server's memory
    household.intent("StarterIntent", new_session_=True)
    outage.writes_fail = True
    assert speech(household.intent("SaveFavoriteIntent", new_session_=True)) in NOT_SAVED
    outage.writes_fail = False
    # WHEN an operator runs `forget` for them (another process, its own connection)
    with SqliteStore(sqlite_store.path, merge=ours_wins) as operator:
        operator.delete(USER)
    # AND the household's next request reaches the server that holds the turn
    household.intent("AMAZON.NextIntent", new_session_=True)
    # THEN the held turn was dropped, not written back: only the new turn is stored
    assert favourites_of(sqlite_store.get(USER)) == []
    said = speech(household.intent("PlayFavoritesIntent", new_session_=True))
    assert said in lines_of("no_favourites")


@pytest.mark.parametrize("deletion", ["skill disabled", "forget"])
def test_a_held_turn_does_not_come_back_after_another_server_deleted_and_restarted_it(
    household, outage, sqlite_store, clock, deletion
):
    # GIVEN two servers (two processes: each its own held turns) on one store, and a
    # favourite saved on the first while writes failed: held in the first server's memory
    household.intent("StarterIntent", new_session_=True)
    outage.writes_fail = True
    assert speech(household.intent("SaveFavoriteIntent", new_session_=True)) in NOT_SAVED
    outage.writes_fail = False
    other_server = Device(
        build_skill(sqlite_store, SkillServices(clock=clock, time_zone_override="UTC")), USER
    )
    # WHEN the household is deleted through the other server (or by an operator)
    clock.advance(30)
    if deletion == "forget":
        with SqliteStore(sqlite_store.path, merge=ours_wins, clock=clock) as operator:
            operator.delete(USER)
    else:
        other_server.event(disabled())
    # AND comes back there first: its new record is written over the deletion's tombstone
    clock.advance(30)
    other_server.intent("StarterIntent", new_session_=True)
    assert sqlite_store.get(USER) is not None
    # AND only then reaches the server that held the old turn
    clock.advance(30)
    household.intent("AMAZON.NextIntent", new_session_=True)
    # THEN the held turn from before the deletion was dropped, not merged back in
    assert favourites_of(sqlite_store.get(USER)) == []
    said = speech(household.intent("PlayFavoritesIntent", new_session_=True))
    assert said in lines_of("no_favourites")


def test_a_turn_held_after_a_deletion_is_still_written(household, outage, sqlite_store, clock):
    # GIVEN a household deleted, which then starts again and saves a favourite in an outage
    household.intent("StarterIntent", new_session_=True)
    household.event(disabled())
    clock.advance(3600)
    household.intent("StarterIntent", new_session_=True)
    outage.writes_fail = True
    assert speech(household.intent("SaveFavoriteIntent", new_session_=True)) in NOT_SAVED
    outage.writes_fail = False
    # WHEN the store is back and the household returns
    clock.advance(60)
    household.intent("AMAZON.NextIntent", new_session_=True)
    # THEN that favourite, taken after the deletion, is stored
    assert len(favourites_of(sqlite_store.get(USER))) == 1


@pytest.mark.parametrize("failing", ["reads", "writes"])
def test_saving_again_in_an_outage_never_says_already_saved(household, outage, failing):
    # GIVEN a starter saved while the store failed: held in memory, not stored
    household.intent("StarterIntent", new_session_=True)
    setattr(outage, f"{failing}_fail", True)
    assert speech(household.intent("SaveFavoriteIntent", new_session_=True)) in NOT_SAVED
    # WHEN they say "save that" again, the store still down
    said = speech(household.intent("SaveFavoriteIntent", new_session_=True))
    # THEN it still says it did not save, never "that one's already saved"
    assert said in NOT_SAVED, said


def test_what_cannot_be_read_is_not_described(household, outage):
    # GIVEN a household with a favourite and a week of starters, and a store that cannot
    # be read
    household.intent("StarterIntent", new_session_=True)
    household.intent("SaveFavoriteIntent", new_session_=True)
    outage.reads_fail = True
    # WHEN they ask for their favourites or their week
    # THEN they hear that it is out of reach, not "no favourites yet" or a made-up week
    out_of_reach = lines_of("out_of_reach")
    favourites = speech(household.intent("PlayFavoritesIntent", new_session_=True))
    assert favourites in out_of_reach, favourites
    week = speech(household.intent("WeekSummaryIntent", new_session_=True))
    assert week in out_of_reach, week
