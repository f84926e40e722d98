"""The evening check-in through the skill: a whole evening, resuming, expiry, the summary."""

from __future__ import annotations

from datetime import datetime

from skill.core.checkin import CHECKIN_TTL
from skill.core.speech import load_phrases, plain_text
from tests.conftest import NEW_YORK, custom_slot, ends_session, lines_of, plain_slot, speech

REMINDER_OFFERS = [line.split("{")[0] for line in lines_of("checkin_offer_reminder")]


def rating(n: str) -> dict:
    return plain_slot("rating", n)


def a_first_check_in_with_the_reminder_declined(device, clock) -> None:
    """The first completed check-in ends with the offer of a nightly reminder; decline it, so
    the next close makes its usual offer."""
    device.intent("CheckInIntent", new_session_=True)
    device.intent("RatingIntent", rating("3"))
    device.intent("RatingIntent", rating("3"))
    for _ in range(2):
        device.intent("DoneIntent", new_session_=True)
    closing = device.intent("DoneIntent", new_session_=True)
    assert any(offer in speech(closing) for offer in REMINDER_OFFERS)
    assert ends_session(device.intent("AMAZON.NoIntent"))
    clock.advance(3600)


def name_us(device) -> None:
    device.intent(
        "SetNamesIntent", {**plain_slot("firstName", "Sam"), **plain_slot("secondName", "Alex")}
    )


def test_a_whole_check_in_for_two_named_people(device, clock):
    a_first_check_in_with_the_reminder_declined(device, clock)
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
    assert said.endswith('say "Alexa, open Heart to Heart".')  # the way on, in full once
    steps = []
    for _ in range(2):
        clock.advance(240)
        steps.append(device.intent("AMAZON.NextIntent", new_session_=True))
    assert "Alex" in speech(steps[0]).split(".")[0]  # the other person starts this step
    assert '"open Heart to Heart"' in speech(steps[0])  # then said in brief
    assert len(speech(steps[0]).split()) < len(said.split())
    clock.advance(240)
    closing = device.intent("AMAZON.NextIntent", new_session_=True)
    assert "check in" in speech(closing) and "deeper question" in speech(closing)
    assert not ends_session(closing)
    deep = device.intent("AMAZON.YesIntent")
    assert deep["response"]["card"]["content"] in speech(deep)
    summary = device.intent("WeekSummaryIntent", new_session_=True)
    assert "2 check ins" in speech(summary)  # this one and the first, declined reminder aside


def test_both_low_keeps_it_short_and_offers_light(device, clock):
    a_first_check_in_with_the_reminder_declined(device, clock)
    device.intent("CheckInIntent", new_session_=True)
    device.intent("RatingIntent", rating("1"))
    out = device.intent("RatingIntent", rating("2"))
    assert "short" in speech(out)
    clock.advance(120)
    hope = device.intent("AMAZON.NextIntent", new_session_=True)
    assert "hope" in speech(hope)
    clock.advance(120)
    closing = device.intent("AMAZON.NextIntent", new_session_=True)
    assert "easy question" in speech(closing) and not ends_session(closing)
    assert ends_session(device.intent("AMAZON.NoIntent"))


def test_a_wide_gap_is_named_kindly(device):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", rating("1"))
    out = device.intent("RatingIntent", rating("5"))
    assert "different" in speech(out).lower() and "middle" in speech(out)


def test_an_unclear_rating_is_asked_once_more_then_taken_as_three(device):
    device.intent("CheckInIntent")
    retry = device.intent("RatingIntent", rating("42"))
    assert speech(retry) in lines_of("checkin_rate_retry") and not ends_session(retry)
    moved_on = device.intent("RatingIntent", rating("12"))
    assert "three" in speech(moved_on)


def test_ten_is_taken_as_five_and_zero_as_one_kindly(device):
    device.intent("CheckInIntent")
    high = device.intent("RatingIntent", rating("10"))
    assert speech(high).startswith(lines_of("checkin_rate_adjusted_high"))
    assert not ends_session(high)  # on to the second rating
    low = device.intent("RatingIntent", rating("0"))
    # 5 and 1: a wide gap, named kindly; the verdict comes before how a number was read
    assert "different" in speech(low).lower() and len(speech(low).split()) <= 35


def test_between_three_and_four_is_asked_to_pick_one(device):
    device.intent("CheckInIntent")
    pick = device.intent("RatingIntent", {**rating("3"), **plain_slot("otherRating", "4")})
    assert "three or four" in speech(pick) and not ends_session(pick)
    taken = device.intent("RatingIntent", rating("4"))
    assert "one to five" in speech(taken).lower()  # the second person's turn
    assert "three" not in speech(taken)  # nothing defaulted


def test_we_are_done_moves_a_check_in_on_and_only_goodnight_ends_it(device, clock):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", rating("3"))
    first = device.intent("RatingIntent", rating("3"))
    assert "appreciated" in speech(first) or "grateful" in speech(first)
    clock.advance(120)
    on = device.intent("DoneIntent", new_session_=True)
    assert "mind" in speech(on) and "Goodnight" not in speech(on)
    clock.advance(120)
    out = device.intent("GoodnightIntent", new_session_=True)
    assert speech(out) in lines_of("checkin_done_goodnight")


def test_the_check_in_resumes_in_a_new_session_and_expires_after_three_hours(device, clock):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", rating("3"))
    device.intent("RatingIntent", rating("3"))
    clock.advance(1800)
    # WHEN they open the skill again after talking through the first step
    launch = device.launch()
    # THEN it says where they are and goes on to the next step
    assert speech(launch).startswith(lines_of("welcome_back_checkin"))
    assert "mind" in speech(launch) and ends_session(launch)
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
    assert speech(retry) in lines_of("checkin_rate_retry") and not ends_session(retry)
    moved_on = device.intent("AMAZON.FallbackIntent")
    assert "three" in speech(moved_on) and not ends_session(moved_on)


def at_the_first_talking_step(device, clock) -> None:
    """A check-in with both ratings given, two minutes into its first talking step."""
    device.intent("CheckInIntent")
    device.intent("RatingIntent", rating("3"))
    device.intent("RatingIntent", rating("3"))
    clock.advance(120)


def test_an_unclear_line_mid_check_in_gets_a_check_in_hint(device, clock):
    at_the_first_talking_step(device, clock)
    out = device.intent("AMAZON.FallbackIntent", new_session_=True)
    assert speech(out) in lines_of("fallback_checkin") and not ends_session(out)


def test_ok_to_the_check_in_hint_carries_the_check_in_on(device, clock):
    # GIVEN a check-in between steps, and a line the model could not place, which the
    # skill answered with its check-in hint ("Say "next" when you're both done")
    at_the_first_talking_step(device, clock)
    device.intent("AMAZON.FallbackIntent", new_session_=True)
    # WHEN they answer "ok"
    on = device.intent("AMAZON.YesIntent")
    # THEN the check-in goes on to its next step, not to a conversation starter
    assert "mind" in speech(on), speech(on)


def test_yes_on_reopening_mid_check_in_carries_the_check_in_on(device, clock):
    at_the_first_talking_step(device, clock)
    on = device.intent("AMAZON.YesIntent", new_session_=True)
    assert "mind" in speech(on), speech(on)


def test_a_check_in_in_the_morning_never_says_tonight_or_bed(device, clock, sqlite_store):
    # GIVEN two named people who finished a check-in the evening before, doing one at 7:30
    a_first_check_in_with_the_reminder_declined(device, clock)
    clock.set(datetime(2026, 11, 26, 7, 30, tzinfo=NEW_YORK))
    name_us(device)
    said = [device.intent("CheckInIntent")]
    said.append(device.intent("AMAZON.FallbackIntent"))  # an unclear rating: asked again
    said.append(device.intent("RatingIntent", rating("5")))
    said.append(device.intent("RatingIntent", rating("5")))
    said.append(device.intent("AMAZON.HelpIntent", new_session_=True))
    for _ in range(3):
        said.append(device.intent("DoneIntent", new_session_=True))
    # THEN nothing it says, nor any reprompt, talks of tonight, bed or goodnight
    for response in said:
        reprompt = (response["response"].get("reprompt") or {}).get("outputSpeech") or {}
        words = f"{speech(response)} {plain_text(reprompt.get('ssml', ''))}".lower()
        assert not any(w in words for w in ("tonight", "bed", "goodnight", "sleep")), words
    # AND the close offers the deeper question (the reminder was declined on an earlier
    # day), whose yes is a question for now, not for bedtime
    assert any(line in speech(said[-1]) for line in lines_of("checkin_offer_deep_daytime"))
    starter = device.intent("AMAZON.YesIntent")
    conversation = sqlite_store.get(device.user_id)["conversation"]
    assert ends_session(starter) and conversation["moment"] == "morning"
    assert conversation["depth"] == 2
