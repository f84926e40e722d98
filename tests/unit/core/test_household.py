import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.core.conversation import next_starter
from skill.core.fields import noticing_damage
from skill.core.heard import HeardSet, Walk
from skill.core.household import (
    CONVERSATION_TTL,
    MAX_FAVOURITES,
    SCHEMA_VERSION,
    Conversation,
    Household,
    merge,
)
from skill.core.moments import Moment
from skill.core.starters import load_library


def test_a_household_survives_a_round_trip_through_json():
    household = Household(
        audience="partners",
        names=["Sam", "Alex"],
        heard={"bedtime": HeardSet([0, 2, 200])},
        walks={
            "bedtime-2-partners": Walk(59, 29, 30, 7, cell=12345),
            "anytime-1-any": Walk(1, 1, 0, 1, True, 99),
        },
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
        {"walks": {"dinner-1-any": [10, 4, 0, 0, 0, 1], "bedtime-1-any": "deal", "x": None}},
        {"heard": {"dinner": "-1", "bedtime": "-ff"}, "schema": 1},
        {"conversation": {"moment": "lunch", "moment_named": True, "updated_at": 1e9}},
        {"conversation": {"moment": ["dinner"], "moment_named": True, "updated_at": 1e9}},
    ],
)
def test_a_damaged_record_never_locks_a_household_out(damaged):
    household = Household.from_dict(damaged)
    assert household.audience in {"partners", "friends", "any"}
    assert all(isinstance(f, str) for f in household.favourites)
    json.dumps(household.to_dict())
    # AND they still get a starter
    turn = next_starter(
        household,
        load_library(),
        now=1e9 + 60,
        local_moment=Moment.DINNER,
        rng=random.Random(1),
    )
    assert turn.starter.text


def test_a_quiet_conversation_expires_after_six_hours():
    household = Household(conversation=Conversation(starter_id="x", updated_at=1000.0))
    assert household.live_conversation(1000.0 + CONVERSATION_TTL - 1) is not None
    assert household.live_conversation(1000.0 + CONVERSATION_TTL + 1) is None


def test_merge_keeps_both_devices_heard_starters_and_favourites():
    # GIVEN two devices that read the same record and each changed it
    base = Household(favourites=["a-0001"], heard={"dinner": HeardSet([0])})
    kitchen = Household.from_dict(base.to_dict())
    kitchen.heard["dinner"].add(1)
    kitchen.favourites.append("dinner-0002")
    kitchen.updated_at = 5.0
    bedroom = Household.from_dict(base.to_dict())
    bedroom.heard["bedtime"] = HeardSet([2])
    bedroom.favourites.append("bedtime-0003")
    bedroom.conversation = Conversation(starter_id="bedtime-0003", updated_at=6.0)
    bedroom.updated_at = 6.0
    # WHEN the bedroom's write meets the kitchen's stored one
    merged = Household.from_dict(merge(kitchen.to_dict(), bedroom.to_dict()))
    # THEN nothing either device did is lost
    assert merged.heard == {"dinner": HeardSet([0, 1]), "bedtime": HeardSet([2])}
    assert merged.favourites == ["a-0001", "dinner-0002", "bedtime-0003"]
    assert merged.conversation.starter_id == "bedtime-0003"


@settings(max_examples=50, deadline=None)
@given(
    a=st.dictionaries(st.sampled_from(["bedtime", "dinner"]), st.integers(0, 2**300)),
    b=st.dictionaries(st.sampled_from(["bedtime", "brunch"]), st.integers(0, 2**300)),
)
def test_merge_is_a_union_of_heard_sets(a, b):
    def household(bits: dict[str, int]) -> Household:
        return Household(heard={m: HeardSet.from_int(v) for m, v in bits.items()})

    merged = Household.from_dict(merge(household(a).to_dict(), household(b).to_dict()))
    for moment in set(a) | set(b):
        assert int(merged.heard.get(moment, HeardSet())) == a.get(moment, 0) | b.get(moment, 0)


def test_merge_keeps_the_further_of_two_walks_through_a_cell_in_the_same_order():
    # GIVEN two devices walking the same deal of a cell, and each its own deal of another
    kitchen = Household(updated_at=5.0)
    kitchen.walks = {
        "dinner-1-any": Walk(40, 3, 7, 12, cell=5),
        "bedtime-2-any": Walk(30, 7, 1, 30, True, 6),
        "brunch-1-any": Walk(20, 3, 1, 15, cell=7),
    }
    bedroom = Household(updated_at=6.0)
    bedroom.walks = {
        "dinner-1-any": Walk(40, 3, 7, 9, cell=5),
        "bedtime-2-any": Walk(30, 11, 4, 2, cell=6),
        "brunch-1-any": Walk(20, 3, 1, 4, cell=8),  # the cell changed in between
    }
    # WHEN their records meet
    merged = Household.from_dict(merge(kitchen.to_dict(), bedroom.to_dict()))
    # THEN the same deal keeps the further position; different deals keep the newer one
    assert merged.walks == {
        "dinner-1-any": Walk(40, 3, 7, 12, cell=5),
        "bedtime-2-any": Walk(30, 11, 4, 2, cell=6),
        "brunch-1-any": Walk(20, 3, 1, 4, cell=8),
    }


def test_the_oldest_record_is_migrated_on_read():
    # GIVEN a record as schema 1 wrote it (heard-sets as hex digits)
    from pathlib import Path

    old = json.loads((Path(__file__).parents[2] / "fixtures" / "household_v1.json").read_text())
    # WHEN it is read
    household = Household.from_dict(old)
    # THEN nothing is lost, and it is written back in the current schema
    assert household.heard == {
        "bedtime": HeardSet.from_int(int("1800000400000020000200c100", 16)),
        "dinner": HeardSet([0, 2]),
    }
    assert household.names == ["Sam", "Alex"] and household.favourites == old["favourites"]
    assert household.conversation.starter_id == "bedtime-0012" and not household.phone_reminder
    written = household.to_dict()
    assert written["schema"] == SCHEMA_VERSION
    assert Household.from_dict(written) == household


def test_a_schema_2_record_reads_the_same_starters_as_heard():
    from pathlib import Path

    fixtures = Path(__file__).parents[2] / "fixtures"
    v1 = Household.from_dict(json.loads((fixtures / "household_v1.json").read_text()))
    v2 = Household.from_dict(json.loads((fixtures / "household_v2.json").read_text()))
    assert v2 == v1 and v2.heard["dinner"] == HeardSet([0, 2])


def test_heard_sets_are_written_back_exactly_as_older_releases_wrote_them():
    # A release that knows nothing of walks must read a record this one wrote the same.
    from pathlib import Path

    v2 = json.loads((Path(__file__).parents[2] / "fixtures" / "household_v2.json").read_text())
    household = Household.from_dict(v2)
    household.heard["dinner"].add(1)
    written = household.to_dict(schema=2)
    assert written["schema"] == v2["schema"] == 2
    assert written["heard"] == {"bedtime": v2["heard"]["bedtime"], "dinner": "Bw"}  # 0b111


def test_to_dict_writes_every_field_and_shares_nothing_mutable():
    from dataclasses import fields

    from skill.core.checkin import CheckIn

    household = Household(
        names=["A", "B"],
        conversation=Conversation(starter_id="x"),
        checkin=CheckIn(ratings=[3, None]),
        checkins=[{"at": 1.0, "ratings": [2, 4]}],
        daily_starters={"2026-11-25": {"kitchen": 2}},
        reminder={"token": "t", "time": "21:00"},
        walks={"dinner-1-any": Walk(4, 3, 1, 2)},
    )
    assert set(household.to_dict()) == {f.name for f in fields(Household)} | {"schema"}
    data = household.to_dict(schema=2)
    data["names"].append("C")
    data["conversation"]["starter_id"] = "y"
    data["checkin"]["ratings"][0] = 1
    data["checkins"][0]["ratings"][0] = 5
    data["walks"]["dinner-1-any"][3] = 4
    assert household.names == ["A", "B"] and household.conversation.starter_id == "x"
    assert household.checkin.ratings == [3, None] and household.checkins[0]["ratings"] == [2, 4]
    assert household.walks["dinner-1-any"].position == 2


def test_turns_rotate_through_everyone_named_and_survive_a_round_trip():
    household = Household(names=["Tom", "Aisha", "Ben", "Mia"])
    order = [household.take_turn() for _ in range(5)]
    assert order == [0, 1, 2, 3, 0]
    again = Household.from_dict(household.to_dict())
    assert again.names == household.names and again.take_turn() == 1


def test_two_devices_keep_both_reminder_offers_and_the_favourites_lesson():
    ours = Household(reminder_offers=[100.0], favourites_taught=True, updated_at=5.0)
    theirs = Household(reminder_offers=[50.0], updated_at=9.0)
    merged = Household.from_dict(merge(theirs.to_dict(), ours.to_dict()))
    assert merged.reminder_offers == [50.0, 100.0] and merged.favourites_taught


def test_the_reminder_is_offered_twice_at_most_two_weeks_apart():
    household = Household()
    assert household.reminder_offer_due(0.0)
    household.reminder_offers.append(0.0)
    assert not household.reminder_offer_due(13 * 24 * 3600.0)
    assert household.reminder_offer_due(15 * 24 * 3600.0)
    household.reminder_offers.append(15 * 24 * 3600.0)
    assert not household.reminder_offer_due(400 * 24 * 3600.0)
    household.reminder_offers.clear()
    household.reminder = {"token": "t", "time": "21:00"}
    assert not household.reminder_offer_due(0.0)


def test_starter_counts_from_two_devices_merge_without_loss():
    # GIVEN one record read by two devices, which then each count starters on the same day
    base = Household()
    base.count_starter("2026-11-25", "kitchen")
    stored = base.to_dict()
    kitchen, bedroom = Household.from_dict(stored), Household.from_dict(stored)
    for _ in range(3):
        kitchen.count_starter("2026-11-25", "kitchen")
    for _ in range(2):
        bedroom.count_starter("2026-11-25", "bedroom")
    # WHEN their records merge (either way round)
    merged = Household.from_dict(merge(kitchen.to_dict(), bedroom.to_dict()))
    again = Household.from_dict(merge(bedroom.to_dict(), kitchen.to_dict()))
    # THEN every starter is counted once: 1 + 3 by the kitchen, 2 by the bedroom
    assert merged.starters_on({"2026-11-25"}) == 6
    assert again.starters_on({"2026-11-25"}) == 6


def test_a_first_schema_day_count_is_kept_and_counting_goes_on():
    household = Household.from_dict({"daily_starters": {"2026-11-25": 4}})
    household.count_starter("2026-11-25", "kitchen")
    assert household.starters_on({"2026-11-25"}) == 5


def test_the_settings_are_dated_when_they_change_and_only_then():
    household = Household(names=["Sam", "Alex"], updated_at=100.0)
    as_read = household.to_dict()
    household.count_starter("2026-11-25")
    household.stamp(as_read, now=200.0)
    assert household.updated_at == 100.0, "a starter is not a change of settings"
    household.audience = "friends"
    household.stamp(as_read, now=300.0)
    assert household.updated_at == 300.0


def test_a_name_change_survives_a_merge_with_a_device_that_only_took_turns():
    # GIVEN two devices that read the same record
    stored = Household(names=["Sam", "Alex"], updated_at=100.0).to_dict()
    renaming, talking = Household.from_dict(stored), Household.from_dict(stored)
    # WHEN one renames them and the other, a moment later, only hears a starter
    renaming.names = ["Sam", "Alexis"]
    renaming.stamp(stored, now=200.0)
    talking.count_starter("2026-11-25", "kitchen")
    talking.stamp(stored, now=201.0)
    # THEN the new names win the merge, whichever record is written last
    assert Household.from_dict(merge(renaming.to_dict(), talking.to_dict())).names[1] == "Alexis"
    assert Household.from_dict(merge(talking.to_dict(), renaming.to_dict())).names[1] == "Alexis"


def lived_in() -> Household:
    household = Household(names=["Sam", "Alex"], favourites=["dinner-0002", "bedtime-0040"])
    household.record_checkin(1764451234.75, [4, None])
    household.record_checkin(1764537600.0, [2, 5])
    household.count_starter("2026-11-29", "a1b2c3")
    household.count_starter("2026-11-29", "")
    household.count_starter("2026-11-30", "a1b2c3")
    return household


def test_schema_3_writes_the_lists_that_grow_with_age_as_compact_text():
    written = lived_in().to_dict()
    assert written["schema"] == 3
    assert written["favourites"] == "dinner-0002 bedtime-0040"
    assert written["checkins"] == "1764451234:4- 1764537600:25"
    assert written["daily_starters"] == "2026-11-29:a1b2c3=1,=1 2026-11-30:a1b2c3=1"


@pytest.mark.parametrize(("first", "second"), [(2, 3), (3, 2), (3, 3), (2, 2)])
def test_each_schema_reads_what_the_other_wrote_without_loss(first, second):
    # A rollout: one release writes schema 2, the next schema 3, and each reads the other.
    household = lived_in()
    again = Household.from_dict(Household.from_dict(household.to_dict(first)).to_dict(second))
    assert again.favourites == household.favourites
    assert again.checkins == household.checkins  # check-in times kept to the second
    assert again.starters_on({"2026-11-29", "2026-11-30"}) == 3
    assert again == Household.from_dict(household.to_dict(second))


def test_a_merge_across_schemas_keeps_one_copy_of_each_check_in():
    # The same check-in as a schema-2 writer keeps it (a fractional time) and as text.
    household = lived_in()
    merged = Household.from_dict(merge(household.to_dict(2), household.to_dict(3)))
    assert [c["at"] for c in merged.checkins] == [1764451234.0, 1764537600.0]
    assert merged.favourites == household.favourites


def test_a_turn_that_does_not_use_the_history_writes_it_back_as_it_came():
    stored = lived_in().to_dict()
    household = Household.from_dict(stored)
    household.take_turn()
    written = household.to_dict()
    for name in ("favourites", "checkins", "daily_starters"):
        assert written[name] is stored[name]  # not parsed, not rebuilt


def test_damaged_compact_text_loses_only_the_damaged_entries():
    stored = {
        "favourites": "dinner-0002   bedtime-0040 ",
        "checkins": "x:43 1764451234:4- 17:9 ²:33 1764537600:2",
        "daily_starters": "2026-11-29:a1b2c3=2,b=x,=² junk 2026-11-30:=3",
    }
    with noticing_damage() as damaged:
        household = Household.from_dict(stored)
        assert household.favourites == ["dinner-0002", "bedtime-0040"]
        assert household.checkins == [{"at": 1764451234.0, "ratings": [4, None]}]
        assert household.starters_on({"2026-11-29", "2026-11-30"}) == 5
    assert damaged  # the damage is noticed, as for any other field


def test_oversized_compact_text_is_cut_to_its_bounds():
    ids = " ".join(f"dinner-{n:04d}" for n in range(400))
    household = Household.from_dict({"favourites": ids, "checkins": "1:33 " * 500})
    assert len(household.favourites) == MAX_FAVOURITES
    assert len(household.checkins) == 30
    assert len(household.to_dict()["favourites"]) < 50 * 41


def test_counting_a_starter_in_compact_text_matches_counting_in_full():
    # The usual turn counts in the stored text itself; the result must be the same as
    # reading the whole history first, on the newest day, a new day and an older day.
    for day, device in [("2026-11-30", "a1b2c3"), ("2026-12-01", ""), ("2026-11-20", "ffffff")]:
        fast = Household.from_dict(lived_in().to_dict())
        slow = Household.from_dict(lived_in().to_dict())
        _ = slow.daily_starters  # read whole
        fast.count_starter(day, device)
        slow.count_starter(day, device)
        assert fast.to_dict() == slow.to_dict()
        assert fast.daily_starters == slow.daily_starters
