"""A damaged stored record never locks a household out (issue 13): whatever one field holds
(a time that is not a number, NaN, infinity, a wrong type, a huge number), the household is
read, takes a turn and is saved again, and the damaged field is dropped with one log line.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skill.alexa import build_skill
from skill.service import SkillServices
from skill.storage import SqliteStore, ours_wins
from skill.storage.base import StoredRecord
from tests.conftest import Device, custom_slot, plain_slot, speech

USER = "amzn1.ask.account.damaged-record"
SORRY = "Sorry, something went wrong"
FAR_FUTURE = 4_000_000_000


def a_lived_in_record(store: SqliteStore, services: SkillServices) -> dict[str, Any]:
    """A record with every part filled: names, starters, a favourite, a finished check-in,
    one in progress, a pending reminder time."""
    device = Device(build_skill(store, services), user_id=USER)
    names = {**plain_slot("firstName", "Sam"), **plain_slot("secondName", "Alex")}
    device.intent("SetNamesIntent", names, new_session_=True)
    device.intent("StarterIntent", custom_slot("moment", "dinner", "dinner"), new_session_=True)
    device.intent("SaveFavoriteIntent", new_session_=True)
    device.intent("CheckInIntent", new_session_=True)
    for rating in ("4", "3"):
        device.intent("RatingIntent", plain_slot("rating", rating))
    device.intent("AMAZON.NextIntent")
    record = store.get(USER)
    assert record and record.get("checkin") and record.get("names")
    record.pop("_version")
    return record


DAMAGE = st.one_of(
    st.sampled_from(["x", "", "nan", "inf", "-inf", "1e999", "²", "\u0663", "2026-11-25"]),
    st.sampled_from([math.nan, math.inf, -math.inf, 10**30, -1, 0, True, None, [], {}]),
    st.text(max_size=8),
    st.integers(),
    st.floats(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def paths(record: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in the record a value sits, nested ones included."""
    found = [prefix] if prefix else []
    if isinstance(record, dict):
        for key, value in record.items():
            found += paths(value, (*prefix, key))
    elif isinstance(record, list):
        for index, value in enumerate(record):
            found += paths(value, (*prefix, index))
    return found


def damaged(record: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    copy_ = copy.deepcopy(record)
    here: Any = copy_
    for step in path[:-1]:
        here = here[step]
    here[path[-1]] = value
    return copy_


def store_raw(store: SqliteStore, record: dict[str, Any]) -> None:
    """Write the record as damaged JSON would sit in the table (NaN literals included),
    past the store's own refusal to write such values."""
    text = json.dumps(record, allow_nan=True)
    store.delete(USER)
    stored = store._read(USER)
    version = stored.version if stored else 0
    assert store._write(USER, StoredRecord(text, version + 1, FAR_FUTURE), version, 0.0)


@pytest.fixture(scope="module")
def lived_in(tmp_path_factory) -> dict[str, Any]:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.conftest import Clock

    clock = Clock(datetime(2026, 11, 25, 21, 0, tzinfo=ZoneInfo("America/New_York")))
    with SqliteStore(tmp_path_factory.mktemp("lived") / "h.db", merge=ours_wins) as store:
        return a_lived_in_record(store, SkillServices(clock=clock))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_damaged_field_still_lets_the_household_take_a_turn_and_save(
    lived_in, tmp_path_factory, data
):
    record_paths = paths(lived_in)
    path = data.draw(st.sampled_from(record_paths), label="path")
    value = data.draw(DAMAGE, label="value")
    request = data.draw(
        st.sampled_from(["StarterIntent", "AMAZON.NextIntent", "RatingIntent"]), label="request"
    )
    with SqliteStore(tmp_path_factory.mktemp("damaged") / "h.db", merge=ours_wins) as store:
        store_raw(store, damaged(lived_in, path, value))
        before = store._read(USER).version
        device = Device(build_skill(store, SkillServices()), user_id=USER)
        if request == "RatingIntent":
            out = device.intent("RatingIntent", plain_slot("rating", "4"), new_session_=True)
        else:
            out = device.intent(request, new_session_=True)
        # THEN a proper answer, not the apology for an error
        assert SORRY not in speech(out)
        # AND the household is stored again (a new starter always writes; a rating may
        # change nothing), and what is stored now is plain JSON again
        after = store.get(USER)
        assert after is not None
        if request != "RatingIntent":
            assert after["_version"] > before, "saved again"
        if after["_version"] > before:
            json.dumps(after, allow_nan=False)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("checkin", "started_at"), "x"),
        (("checkin", "updated_at"), "nan"),
        (("updated_at",), "nan"),
        (("time_zone_checked_at",), math.inf),
    ],
)
def test_the_damage_found_in_the_field_is_dropped_and_logged_once(
    lived_in, tmp_path, caplog, path, value
):
    with SqliteStore(tmp_path / "h.db", merge=ours_wins) as store:
        store_raw(store, damaged(lived_in, path, value))
        device = Device(build_skill(store, SkillServices()), user_id=USER)
        before = store._read(USER).version
        with caplog.at_level(logging.WARNING):
            out = device.intent("StarterIntent", new_session_=True)
        assert SORRY not in speech(out)
        stored = store.get(USER)
        assert stored is not None and stored["_version"] > before, "saved again"
        json.dumps(stored, allow_nan=False)
        warnings = [r for r in caplog.records if "damaged" in r.getMessage()]
        assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
        assert USER not in warnings[0].getMessage()
