"""What people do not know to ask for, offered once; more than two people; and "open"
that goes on where they were (issue 12, items 6 to 8)."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from skill.core.household import REMINDER_OFFER_GAP
from skill.service import SkillServices
from tests.conftest import (
    NEW_YORK,
    Clock,
    custom_slot,
    ends_session,
    lines_of,
    plain_slot,
    speech,
)
from tests.functional.test_reminders import api, permission_answer, reminder_calls

__all__ = ["api"]  # the stand-in Alexa API, shared with the reminder tests

REMINDER_OFFERS = [line.split("{")[0] for line in lines_of("checkin_offer_reminder")]


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 25, 21, 10, tzinfo=NEW_YORK))


@pytest.fixture
def device(make_device, clock):
    return make_device(SkillServices(clock=clock, rng=random.Random(5), settings_timeout=1.0))


def a_check_in(device, api, clock, consent: bool) -> dict:
    """A whole check-in, as one-shots on a real device would send it; the closing reply."""
    extra = {"api_endpoint": api.endpoint, "api_access_token": "tok"}
    if consent:
        extra["consent_token"] = "consent"
    device.intent("CheckInIntent", new_session_=True, **extra)
    device.intent("RatingIntent", plain_slot("rating", "3"), **extra)
    device.intent("RatingIntent", plain_slot("rating", "3"), **extra)
    for _ in range(3):
        clock.advance(120)
        closing = device.intent("DoneIntent", new_session_=True, **extra)
    return closing


def test_the_first_completed_check_in_offers_the_nightly_reminder_once(device, api, clock):
    # GIVEN a household finishing its first check-in at 9:10 PM
    closing = a_check_in(device, api, clock, consent=True)
    # THEN the close offers a reminder around this time, consent first, mic open
    assert any(offer in speech(closing) for offer in REMINDER_OFFERS)
    assert "9:15 PM" in speech(closing) and not ends_session(closing)
    # WHEN they say yes, with the permission already given
    accepted = device.intent(
        "AMAZON.YesIntent", api_endpoint=api.endpoint, api_access_token="tok",
        consent_token="consent",
    )  # fmt: skip
    # THEN the reminder is set for that time, and said so
    assert "9:15 PM" in speech(accepted)
    (call,) = reminder_calls(api, "POST")
    assert call.body["trigger"]["recurrence"]["recurrenceRules"][0].endswith(
        "BYHOUR=21;BYMINUTE=15;BYSECOND=0;INTERVAL=1"
    )
    # AND a later check-in does not offer it again
    clock.advance(24 * 3600)
    again = a_check_in(device, api, clock, consent=True)
    assert not any(offer in speech(again) for offer in REMINDER_OFFERS)


def test_yes_without_the_permission_goes_through_alexa_s_permission_flow(device, api, clock):
    a_check_in(device, api, clock, consent=False)
    asked = device.intent("AMAZON.YesIntent", api_endpoint=api.endpoint, api_access_token="tok")
    directive = asked["response"]["directives"][0]
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    assert not reminder_calls(api, "POST")
    done = device.send(
        permission_answer("ACCEPTED", "alexa::alerts:reminders:skill:readwrite"),
        new_session_=True, api_endpoint=api.endpoint, api_access_token="tok",
        consent_token="consent",
    )  # fmt: skip
    assert "9:15 PM" in speech(done) and len(reminder_calls(api, "POST")) == 1


def test_declined_it_waits_two_weeks_and_is_offered_twice_at_most(device, api, clock):
    closing = a_check_in(device, api, clock, consent=True)
    assert any(offer in speech(closing) for offer in REMINDER_OFFERS)
    no = device.intent("AMAZON.NoIntent")
    assert speech(no) in lines_of("reminder_declined") and ends_session(no)
    assert not reminder_calls(api, "POST")
    first_offer = clock.now
    offers = {}
    for day in (1, 7, 13, 15, 16, 40, 60):  # days after the first offer
        clock.set(datetime.fromtimestamp(first_offer + day * 24 * 3600, NEW_YORK))
        said = speech(a_check_in(device, api, clock, consent=True))
        offers[day] = any(offer in said for offer in REMINDER_OFFERS)
        device.intent("AMAZON.NoIntent")
    # one more offer, the first check-in two weeks on, and never a third
    assert [day for day, offered in offers.items() if offered] == [15]
    assert REMINDER_OFFER_GAP == 14 * 24 * 3600


def test_the_first_saved_favourite_says_how_to_hear_them(device):
    device.intent("StarterIntent")
    first = device.intent("SaveFavoriteIntent", new_session_=True)
    assert speech(first) in lines_of("favourite_saved_first")
    assert '"play our favorites"' in speech(first)
    device.intent("AMAZON.NextIntent", new_session_=True)
    second = device.intent("SaveFavoriteIntent", new_session_=True)
    assert speech(second) in lines_of("favourite_saved")


def test_the_how_to_hear_them_line_never_miscounts_the_favourites(device):
    """A first save said in one breath with "another" skips the lesson; the next plain save
    teaches it, and must not call the second favourite the first."""
    device.intent("StarterIntent")
    device.intent(
        "SaveFavoriteIntent", custom_slot("then", "another", "starter"), new_session_=True
    )
    second = device.intent("SaveFavoriteIntent", new_session_=True)
    assert '"play our favorites"' in speech(second)
    assert "first" not in speech(second).lower()


def names(*given: str) -> dict:
    slots = ("firstName", "secondName", "thirdName", "fourthName")
    return {k: v for slot, name in zip(slots, given, strict=False) for k, v in
            plain_slot(slot, name).items()}  # fmt: skip


def test_three_names_are_kept_and_turns_rotate_through_everyone(device, clock):
    out = device.intent("SetNamesIntent", names("tom", "aisha", "ben"))
    assert "Tom, Aisha and Ben" in speech(out)
    firsts = []
    for _ in range(6):
        clock.advance(60)
        said = speech(device.intent("AMAZON.NextIntent", new_session_=True))
        firsts.append(
            next(n for n in ("Tom", "Aisha", "Ben") if f"{n}," in said or f"{n} " in said)
        )
    assert firsts == ["Tom", "Aisha", "Ben", "Tom", "Aisha", "Ben"]


@pytest.mark.parametrize(
    ("said", "audience", "wording"),
    [
        ("mates", "friends", "names_audience_friends"),
        ("a couple", "partners", "names_audience_partners"),
    ],
)
def test_names_said_with_who_they_are_keep_both(device, sqlite_store, said, audience, wording):
    # WHEN they say "it's Jess and Priya, we're mates" (or "... we're a couple")
    out = device.intent(
        "SetNamesIntent", {**names("jess", "priya"), **custom_slot("audience", said, audience)}
    )
    # THEN both are confirmed, and both are what the store now holds
    assert "Jess and Priya" in speech(out)
    assert any(line in speech(out) for line in lines_of(wording)), speech(out)
    stored = sqlite_store.get(device.user_id)
    assert stored["names"] == ["Jess", "Priya"] and stored["audience"] == audience


def test_one_name_heard_is_greeted_and_asked_for_the_rest(device):
    out = device.intent("SetNamesIntent", names("jess"))
    assert "Jess" in speech(out) and not ends_session(out)
    assert "missed" not in speech(out)


def test_open_within_a_few_hours_goes_on_with_the_next_starter(device, clock):
    first = device.intent("DeeperIntent")
    clock.advance(2 * 3600)
    out = device.launch()
    said = speech(out)
    assert said.startswith(lines_of("welcome_back_next"))
    card = out["response"]["card"]["content"]
    assert said.endswith(card) and card != first["response"]["card"]["content"]
    assert ends_session(out)
    # AND much later, a fresh greeting and an offer instead
    clock.advance(5 * 3600)
    later = device.launch()
    assert not later["response"].get("card") and not ends_session(later)
