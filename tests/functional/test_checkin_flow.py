"""The evening check-in through the skill: a whole evening, resuming, expiry, the summary."""

from __future__ import annotations

from skill.core.checkin import CHECKIN_TTL
from skill.core.speech import load_phrases
from tests.conftest import custom_slot, ends_session, plain_slot, speech


def rating(n: str) -> dict:
    return plain_slot("rating", n)


def name_us(device) -> None:
    device.intent(
        "SetNamesIntent", {**plain_slot("firstName", "Sam"), **plain_slot("secondName", "Alex")}
    )


def test_a_whole_check_in_for_two_named_people(device, clock):
    name_us(device)
    device.intent("SetAudienceIntent", custom_slot("audience", "a couple", "partners"))
    # GIVEN the check-in starts: only the ratings keep the mic open
    out = device.intent("CheckInIntent", new_session_=True)
    assert "Sam" in speech(out) and "one to five" in speech(out) and not ends_session(out)
    out = device.intent("RatingIntent", rating("4"))
    assert "Alex" in speech(out) and not ends_session(out)
    out = device.intent("RatingIntent", rating("5"))
    said = speech(out)
    # THEN both high: closeness is named, the first talk step follows, and the mic closes
    assert "closeness" in said and "Sam" in said and ends_session(out)
    assert "tell Heart to Heart next" in said
    steps = []
    for _ in range(2):
        clock.advance(240)
        steps.append(device.intent("AMAZON.NextIntent", new_session_=True))
    assert "Alex" in speech(steps[0]).split(".")[0]  # the other person starts this step
    clock.advance(240)
    closing = device.intent("AMAZON.NextIntent", new_session_=True)
    assert "check in" in speech(closing) and "deeper question" in speech(closing)
    assert not ends_session(closing)
    deep = device.intent("AMAZON.YesIntent")
    assert deep["response"]["card"]["content"] in speech(deep)
    summary = device.intent("WeekSummaryIntent", new_session_=True)
    assert "one check in" in speech(summary)


def test_both_low_keeps_it_short_and_offers_light(device, clock):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", rating("1"))
    out = device.intent("RatingIntent", rating("2"))
    assert "short" in speech(out)
    clock.advance(120)
    hope = device.intent("SkipIntent", new_session_=True)
    assert "hope" in speech(hope)
    clock.advance(120)
    closing = device.intent("AMAZON.NextIntent", new_session_=True)
    assert "easy question" in speech(closing) and not ends_session(closing)
    assert ends_session(device.intent("AMAZON.NoIntent"))


def test_a_wide_gap_is_named_kindly(device):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", rating("1"))
    out = device.intent("RatingIntent", rating("5"))
    assert "different" in speech(out) and "middle" in speech(out)


def test_an_unclear_rating_is_asked_once_more_then_taken_as_three(device):
    device.intent("CheckInIntent")
    retry = device.intent("RatingIntent", rating("9"))
    assert "one to five" in speech(retry) and not ends_session(retry)
    moved_on = device.intent("RatingIntent", rating("12"))
    assert "three" in speech(moved_on)


def test_the_check_in_resumes_in_a_new_session_and_expires_after_three_hours(device, clock):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", rating("3"))
    device.intent("RatingIntent", rating("3"))
    clock.advance(1800)
    launch = device.launch()
    assert "check in" in speech(launch)
    resumed = device.intent("AMAZON.YesIntent")
    assert "Picking up" in speech(resumed)
    clock.advance(CHECKIN_TTL + 60)
    out = device.intent("AMAZON.NextIntent", new_session_=True)
    assert out["response"].get("card"), "an expired check-in gives way to a starter, quietly"


def test_goodnight_ends_the_check_in_and_keeps_its_ratings(device):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", rating("4"))
    device.intent("RatingIntent", rating("4"))
    out = device.intent("GoodnightIntent", new_session_=True)
    assert "Goodnight" in speech(out) and ends_session(out)
    summary = device.intent("WeekSummaryIntent", new_session_=True)
    assert "one check in" in speech(summary)


def test_a_rating_outside_a_check_in_explains_itself(device):
    out = device.intent("RatingIntent", rating("4"))
    assert "check in" in speech(out) and not ends_session(out)


def test_friends_never_hear_partner_wording(device, clock):
    device.intent("SetAudienceIntent", custom_slot("audience", "friends", "friends"))
    device.intent("CheckInIntent", new_session_=True)
    device.intent("RatingIntent", rating("3"))
    device.intent("RatingIntent", rating("3"))
    said = []
    for _ in range(3):
        clock.advance(60)
        said.append(speech(device.intent("AMAZON.NextIntent", new_session_=True)))
    partner_lines = load_phrases("en-US").variants("checkin_close_partners")
    assert "check in" in said[-1]
    assert not any(line in " ".join(said) for line in partner_lines)


def test_words_the_model_cannot_place_during_a_rating_count_as_unclear(device):
    device.intent("CheckInIntent")
    retry = device.intent("AMAZON.FallbackIntent")
    assert "one to five" in speech(retry) and not ends_session(retry)
    moved_on = device.intent("AMAZON.FallbackIntent")
    assert "three" in speech(moved_on) and not ends_session(moved_on)


def test_outside_a_rating_the_fallback_is_the_usual_one(device):
    out = device.intent("AMAZON.FallbackIntent")
    assert "help" in speech(out)
