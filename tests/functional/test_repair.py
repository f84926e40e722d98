"""A line the skill did not understand is met with help, not an apology (issue 12, item 3)."""

from __future__ import annotations

import itertools

from tests.conftest import custom_slot, ends_session, lines_of, plain_slot, speech


def starter_in(response) -> str:
    return (response["response"].get("card") or {}).get("content", "")


def test_right_after_the_launch_an_unclear_line_gets_a_starter(device):
    # GIVEN a couple who just opened the skill (the launch offers a question)
    device.launch()
    # WHEN they say something the model cannot place ("um hi, we've never done this")
    out = device.intent("AMAZON.FallbackIntent")
    # THEN they hear a short lead-in and a starter, ending on the starter, and get to talk
    said = speech(out)
    assert said.startswith(lines_of("repair_starter")) and said.endswith(starter_in(out))
    assert ends_session(out)
    assert "Sorry" not in said


def test_mid_conversation_an_unclear_line_gets_another_not_a_first(device):
    # GIVEN a couple already talking (a starter, then "welcome back" and the next one)
    device.launch()
    device.intent("StarterIntent")
    device.launch()
    # WHEN a line is not understood and the skill answers it with a starter
    out = device.intent("AMAZON.FallbackIntent")
    said = speech(out)
    # THEN its lead-in calls it another one, never one "to get you started"
    assert said.startswith(lines_of("repair_starter_more")) and said.endswith(starter_in(out))
    assert not said.startswith(lines_of("repair_starter"))


def test_after_a_deep_offer_an_unclear_line_gets_the_deep_question(device, clock):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", plain_slot("rating", "5"))
    device.intent("RatingIntent", plain_slot("rating", "5"))
    for _ in range(3):
        clock.advance(60)
        closing = device.intent("DoneIntent", new_session_=True)
    device.intent("AMAZON.NoIntent")  # no nightly reminder, thanks
    clock.advance(3600)
    device.intent("CheckInIntent", new_session_=True)
    device.intent("RatingIntent", plain_slot("rating", "5"))
    device.intent("RatingIntent", plain_slot("rating", "4"))
    for _ in range(3):
        clock.advance(60)
        closing = device.intent("DoneIntent", new_session_=True)
    assert speech(closing).endswith(lines_of("checkin_offer_deep"))
    out = device.intent("AMAZON.FallbackIntent")
    assert ends_session(out) and starter_in(out)


def test_elsewhere_two_different_hints_then_something_useful(device):
    # GIVEN an open session with nothing offered (a rating outside a check-in)
    device.launch()
    device.intent("RatingIntent", plain_slot("rating", "4"))
    # WHEN three lines in a row are not understood
    first = device.intent("AMAZON.FallbackIntent")
    second = device.intent("AMAZON.FallbackIntent")
    third = device.intent("AMAZON.FallbackIntent")
    # THEN a hint, then a different hint, each keeping the mic open with guidance
    assert speech(first) in lines_of("fallback")
    assert speech(second) in lines_of("fallback_again")
    assert speech(first) != speech(second)
    assert not ends_session(first) and not ends_session(second)
    assert first["response"]["reprompt"] and second["response"]["reprompt"]
    # AND the third gives them a starter instead of a third hint
    assert starter_in(third) and ends_session(third)


def test_an_understood_line_resets_the_count(device):
    device.launch()
    device.intent("RatingIntent", plain_slot("rating", "4"))
    device.intent("AMAZON.FallbackIntent")
    device.intent("AMAZON.HelpIntent")  # understood: the next miss is a first miss again
    device.intent("RatingIntent", plain_slot("rating", "4"))
    again = device.intent("AMAZON.FallbackIntent")
    assert speech(again) in lines_of("fallback")


def test_never_the_same_words_twice_in_a_row(device):
    device.launch()
    device.intent("RatingIntent", plain_slot("rating", "4"))
    heard = []
    for _ in range(6):
        heard.append(speech(device.intent("AMAZON.HelpIntent")))
    assert all(a != b for a, b in itertools.pairwise(heard))


def test_mid_check_in_the_third_miss_leaves_them_to_it_kindly(device, clock):
    device.intent("CheckInIntent")
    device.intent("RatingIntent", plain_slot("rating", "3"))
    device.intent("RatingIntent", plain_slot("rating", "3"))
    clock.advance(120)
    hints = [device.intent("AMAZON.FallbackIntent", new_session_=True)]
    hints += [device.intent("AMAZON.FallbackIntent") for _ in range(2)]
    assert speech(hints[0]) in lines_of("fallback_checkin")
    assert speech(hints[1]) in lines_of("fallback_checkin_again")
    assert speech(hints[2]) in lines_of("fallback_close") and ends_session(hints[2])
    # AND the check-in is still there to pick up
    resumed = device.launch()
    assert speech(resumed).startswith(lines_of("welcome_back_checkin"))


def test_an_unclear_answer_to_the_reminder_offer_is_never_taken_as_yes(device, clock):
    device.intent("CheckInIntent")
    for value in ("3", "3"):
        device.intent("RatingIntent", plain_slot("rating", value))
    for _ in range(3):
        clock.advance(60)
        closing = device.intent("DoneIntent", new_session_=True)
    assert not ends_session(closing)  # the nightly reminder is offered
    answers = [device.intent("AMAZON.FallbackIntent") for _ in range(3)]
    assert speech(answers[0]) in lines_of("fallback_reminder_offer")
    assert speech(answers[1]) in lines_of("fallback_reminder_offer_again")
    assert ends_session(answers[2])
    assert not any(a["response"].get("directives") for a in answers)  # no permission asked


def test_a_setting_with_a_second_request_does_both(device):
    out = device.intent(
        "SetAudienceIntent",
        {
            **custom_slot("audience", "friends", "friends"),
            **custom_slot("then", "ask us", "starter"),
        },
    )
    assert speech(out).startswith(lines_of("audience_friends")) and starter_in(out)
    assert speech(out).endswith(starter_in(out))
