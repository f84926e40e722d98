import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.core.household import CONVERSATION_TTL, Conversation, Household, merge


def test_a_household_survives_a_round_trip_through_json():
    household = Household(
        audience="partners",
        names=["Sam", "Alex"],
        heard={"bedtime": (1 << 200) | 5},
        favourites=["bedtime-0001"],
        conversation=Conversation(starter_id="bedtime-0001", depth=2, updated_at=10.0),
        phone_reminder=False,
    )
    again = Household.from_dict(json.loads(json.dumps(household.to_dict())))
    assert again == household


@pytest.mark.parametrize(
    "damaged",
    [
        None,
        [],
        {"audience": "strangers", "names": "Sam", "heard": {"bedtime": "zz"}},
        {"conversation": {"depth": "deep", "updated_at": "yesterday"}},
        {"favourites": [1, None, "dinner-0002"], "next_speaker": True},
        {"heard": {"dinner": "f" * 30_000}, "time_zone_checked_at": float("nan")},
    ],
)
def test_a_damaged_record_never_locks_a_household_out(damaged):
    household = Household.from_dict(damaged)
    assert household.audience in {"partners", "friends", "any"}
    assert all(isinstance(f, str) for f in household.favourites)
    json.dumps(household.to_dict())


def test_a_quiet_conversation_expires_after_six_hours():
    household = Household(conversation=Conversation(starter_id="x", updated_at=1000.0))
    assert household.live_conversation(1000.0 + CONVERSATION_TTL - 1) is not None
    assert household.live_conversation(1000.0 + CONVERSATION_TTL + 1) is None


def test_merge_keeps_both_devices_heard_starters_and_favourites():
    # GIVEN two devices that read the same record and each changed it
    base = Household(favourites=["a-0001"], heard={"dinner": 0b1})
    kitchen = Household.from_dict(base.to_dict())
    kitchen.heard["dinner"] |= 0b10
    kitchen.favourites.append("dinner-0002")
    kitchen.updated_at = 5.0
    bedroom = Household.from_dict(base.to_dict())
    bedroom.heard["bedtime"] = 0b100
    bedroom.favourites.append("bedtime-0003")
    bedroom.conversation = Conversation(starter_id="bedtime-0003", updated_at=6.0)
    bedroom.updated_at = 6.0
    # WHEN the bedroom's write meets the kitchen's stored one
    merged = Household.from_dict(merge(kitchen.to_dict(), bedroom.to_dict()))
    # THEN nothing either device did is lost
    assert merged.heard == {"dinner": 0b11, "bedtime": 0b100}
    assert merged.favourites == ["a-0001", "dinner-0002", "bedtime-0003"]
    assert merged.conversation.starter_id == "bedtime-0003"


@settings(max_examples=50, deadline=None)
@given(
    a=st.dictionaries(st.sampled_from(["bedtime", "dinner"]), st.integers(0, 2**300)),
    b=st.dictionaries(st.sampled_from(["bedtime", "brunch"]), st.integers(0, 2**300)),
)
def test_merge_is_a_union_of_heard_sets(a, b):
    merged = Household.from_dict(merge(Household(heard=a).to_dict(), Household(heard=b).to_dict()))
    for moment in set(a) | set(b):
        assert merged.heard.get(moment, 0) == a.get(moment, 0) | b.get(moment, 0)


def test_the_oldest_record_is_migrated_on_read():
    # GIVEN a record as schema 1 wrote it (heard-sets as hex digits)
    from pathlib import Path

    old = json.loads((Path(__file__).parents[2] / "fixtures" / "household_v1.json").read_text())
    # WHEN it is read
    household = Household.from_dict(old)
    # THEN nothing is lost, and it is written back in the current schema
    assert household.heard == {"bedtime": int("1800000400000020000200c100", 16), "dinner": 5}
    assert household.names == ["Sam", "Alex"] and household.favourites == old["favourites"]
    assert household.conversation.starter_id == "bedtime-0012" and not household.phone_reminder
    written = household.to_dict()
    assert written["schema"] == 2
    assert Household.from_dict(written) == household


def test_to_dict_writes_every_field_and_shares_nothing_mutable():
    from dataclasses import fields

    from skill.core.checkin import CheckIn

    household = Household(
        names=["A", "B"],
        conversation=Conversation(starter_id="x"),
        checkin=CheckIn(ratings=[3, None]),
        checkins=[{"at": 1.0, "ratings": [2, 4]}],
        daily_starters={"2026-11-25": 2},
        reminder={"token": "t", "time": "21:00"},
    )
    data = household.to_dict()
    assert set(data) == {f.name for f in fields(Household)} | {"schema"}
    data["names"].append("C")
    data["conversation"]["starter_id"] = "y"
    data["checkin"]["ratings"][0] = 1
    data["checkins"][0]["ratings"][0] = 5
    assert household.names == ["A", "B"] and household.conversation.starter_id == "x"
    assert household.checkin.ratings == [3, None] and household.checkins[0]["ratings"] == [2, 4]
