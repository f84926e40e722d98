"""The starter conversation end to end through the skill object and the SQLite store."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

import pytest

from skill.core.household import CONVERSATION_TTL
from skill.core.speech import plain_text
from skill.core.starters import Library, load_library
from skill.service import SkillServices
from skill.tools.envelopes import launch_request
from tests.conftest import NEW_YORK, custom_slot, ends_session, lines_of, plain_slot, speech

LIBRARY = load_library()


def starter_in(response) -> str:
    """The starter text a reply carried (its card shows exactly the starter)."""
    card = response["response"].get("card") or {}
    return card.get("content", "")


def test_launch_greets_by_local_time_and_offers_a_starter(device, clock):
    out = device.launch()
    assert speech(out).startswith(("Good evening", "Evening", "Good evening."))
    assert "starter" in speech(out) or "talk about" in speech(out)
    assert not ends_session(out) and out["response"]["reprompt"]


def test_yes_after_launch_gives_a_dinner_starter_and_closes_the_mic(device):
    device.launch()
    out = device.intent("AMAZON.YesIntent")
    starter = starter_in(out)
    assert LIBRARY.by_id[_id(starter)].moment.value == "dinner"
    assert starter in speech(out)
    assert ends_session(out), "they talk to each other, not to the speaker"
    # THEN the way back in is taught before the question, and the question comes last
    assert '"Alexa, open Heart to Heart"' in speech(out)
    assert speech(out).endswith(starter)


def test_fifty_next_in_a_row_are_all_different(device, clock):
    texts = []
    for _ in range(50):
        clock.advance(60)
        texts.append(starter_in(device.intent("AMAZON.NextIntent", new_session_=True)))
    assert len(set(texts)) == 50 and all(texts)


def test_named_moment_and_depth_are_honoured(device):
    out = device.intent(
        "StarterIntent",
        {**custom_slot("moment", "brunch", "brunch"), **custom_slot("depth", "deep", "2")},
    )
    starter = LIBRARY.by_id[_id(starter_in(out))]
    assert (starter.moment.value, starter.depth) == ("brunch", 2)


def test_deeper_then_lighter_as_one_shots_in_new_sessions(device, clock):
    device.intent("StarterIntent")
    clock.advance(300)
    deeper = device.intent("DeeperIntent", new_session_=True)
    assert LIBRARY.by_id[_id(starter_in(deeper))].depth == 2
    clock.advance(300)
    lighter = device.intent("LighterIntent", new_session_=True)
    assert LIBRARY.by_id[_id(starter_in(lighter))].depth == 1


def test_repeat_in_a_new_session_says_the_same_starter(device, clock):
    first = starter_in(device.intent("StarterIntent"))
    clock.advance(600)
    again = device.intent("AMAZON.RepeatIntent", new_session_=True)
    assert first in speech(again)


def test_a_favourite_is_saved_and_played_back(device, clock):
    first = starter_in(device.intent("StarterIntent"))
    assert "favorites" in speech(device.intent("SaveFavoriteIntent", new_session_=True))
    clock.advance(60)
    device.intent("AMAZON.NextIntent", new_session_=True)
    clock.advance(60)
    played = device.intent("PlayFavoritesIntent", new_session_=True)
    assert starter_in(played) == first


def test_playing_the_favourites_first_says_how_many_there_are(device, clock):
    # "How many favorites do we have" reaches the same intent: the answer must be true.
    _save_favourites(device, clock, 2)
    said = speech(device.intent("PlayFavoritesIntent", new_session_=True))
    assert any(said.startswith(line.format(n=2)) for line in lines_of("favourites_count_many"))


def test_only_the_first_of_a_favourites_run_is_called_the_first(device, clock):
    _save_favourites(device, clock, 2)
    device.intent("PlayFavoritesIntent", new_session_=True)
    clock.advance(60)
    # reopening the skill goes on with the run, after a welcome-back lead
    said = speech(device.launch())
    assert any(line in said for line in lines_of("favourite_intro"))
    assert not any(line in said for line in lines_of("favourites_first"))


def test_a_favourite_still_plays_after_a_release_retires_its_starter(
    device, make_device, services, clock
):
    first = starter_in(device.intent("StarterIntent"))
    device.intent("SaveFavoriteIntent", new_session_=True)
    saved = LIBRARY.by_id[_id(first)]
    # The next release takes that starter out of the library and keeps its record.
    released = Library([s for s in LIBRARY if s != saved], retired=lambda: {saved.id: saved})
    after = make_device(dataclasses.replace(services, library=released))
    clock.advance(CONVERSATION_TTL + 60)
    assert starter_in(after.intent("PlayFavoritesIntent", new_session_=True)) == first
    assert first in speech(after.intent("AMAZON.RepeatIntent", new_session_=True))
    removed = speech(after.intent("RemoveFavoriteIntent", new_session_=True))
    assert any(line in removed for line in lines_of("favourite_removed"))
    clock.advance(60)
    none_left = speech(after.intent("PlayFavoritesIntent", new_session_=True))
    assert any(line in none_left for line in lines_of("no_favourites"))


def test_names_are_used_and_alternate(device, clock):
    out = device.intent(
        "SetNamesIntent", {**plain_slot("firstName", "sam"), **plain_slot("secondName", "alex")}
    )
    assert "Sam and Alex" in speech(out) and not ends_session(out)
    firsts = []
    for _ in range(4):
        clock.advance(60)
        said = speech(device.intent("AMAZON.NextIntent", new_session_=True))
        # The name said first (a turn line may name only the one who starts); "Alexa" in
        # a hint is not Alex.
        spots = {n: m.start() for n in ("Sam", "Alex") if (m := re.search(rf"\b{n}\b", said))}
        firsts.append(min(spots, key=spots.__getitem__))
    assert firsts in (["Sam", "Alex", "Sam", "Alex"], ["Alex", "Sam", "Alex", "Sam"])


def test_friends_never_get_partner_starters(device, clock):
    device.intent("SetAudienceIntent", custom_slot("audience", "friends", "friends"))
    for _ in range(40):
        clock.advance(60)
        starter = LIBRARY.by_id[
            _id(starter_in(device.intent("AMAZON.NextIntent", new_session_=True)))
        ]
        assert starter.audience in {"friends", "any"}


def test_the_phone_reminder_can_be_turned_off(device, clock):
    device.intent("PhoneReminderOffIntent")
    clock.advance(CONVERSATION_TTL + 60)
    out = device.intent("StarterIntent", new_session_=True)
    # (a starter may mention a phone; the nudge to put them away is what stops)
    assert not any(nudge in speech(out) for nudge in lines_of("phones_down"))


def test_a_conversation_expires_after_six_quiet_hours(device, clock):
    device.intent("StarterIntent", custom_slot("depth", "very deep", "3"))
    clock.advance(CONVERSATION_TTL + 60)
    out = device.intent("AMAZON.RepeatIntent", new_session_=True)
    assert "no question in progress" in speech(out)


@pytest.mark.parametrize(
    ("intent", "ends"),
    [
        ("AMAZON.HelpIntent", False),
        ("AMAZON.StopIntent", True),
        ("AMAZON.CancelIntent", True),
        ("AMAZON.NavigateHomeIntent", True),
        ("GoodnightIntent", True),
        # Right after the launch offer an unclear line (or an intent this version does not
        # know) most likely means "give us something": a starter, then the mic closes.
        ("AMAZON.FallbackIntent", True),
        ("NoSuchIntent", True),
    ],
)
def test_built_in_intents_answer_and_open_sessions_prompt(device, intent, ends):
    device.launch()
    out = device.intent(intent)
    assert speech(out)
    assert ends_session(out) is ends
    if not ends:
        assert out["response"]["reprompt"]["outputSpeech"]["ssml"]
    if intent in ("AMAZON.FallbackIntent", "NoSuchIntent"):
        assert speech(out).endswith(starter_in(out))


def test_the_launch_greeting_follows_the_device_time_zone(sqlite_store, clock, make_device):
    clock.set(datetime(2026, 11, 28, 10, 30, tzinfo=NEW_YORK))  # Saturday brunch in New York
    services = SkillServices(clock=clock, time_zone_override="Asia/Kolkata")  # 21:00 there
    out = make_device(services).intent("StarterIntent")
    assert LIBRARY.by_id[_id(starter_in(out))].moment.value == "bedtime"


def test_a_failing_store_still_gets_a_starter(services):
    from skill.alexa import build_skill
    from tests.conftest import Device

    class BrokenStore:
        def read(self, key):
            raise ConnectionError("database down")

        put = delete = read

    out = Device(build_skill(BrokenStore(), services)).intent("StarterIntent")
    # (a starter may say "wrong"; the apology for an error is what must not be said)
    assert starter_in(out) and not any(line in speech(out) for line in lines_of("error"))


def test_a_broken_handler_apologises_and_keeps_listening(device, monkeypatch):
    from skill.core import conversation

    def explode(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(conversation, "next_starter", explode)
    out = device.intent("StarterIntent")
    assert "Sorry" in speech(out) and not ends_session(out)


def test_the_apology_carries_nothing_the_failed_handler_had_built(device, monkeypatch):
    # GIVEN a screen device, and a handler that fails after adding its screen and card
    # (`respond` adds the screen, then builds the speech with `reply`)
    from skill.alexa import reply

    def explode(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(reply, "reply", explode)
    out = device.intent("StarterIntent", screen=True)
    # THEN the apology is only the apology: no leftover directive, no starter card
    response = out["response"]
    assert "Sorry" in speech(out)
    assert not response.get("directives")
    assert "card" not in response


def test_session_ended_and_skill_events_get_an_empty_answer(device):
    ended = {
        "type": "SessionEndedRequest",
        "requestId": "r",
        "timestamp": "2026-11-25T23:00:00Z",
        "locale": "en-US",
        "reason": "USER_INITIATED",
    }
    assert speech(device.send(ended)) == ""
    enabled = {
        "type": "AlexaSkillEvent.SkillEnabled",
        "requestId": "r",
        "timestamp": "2026-11-25T23:00:00Z",
    }
    assert speech(device.event(enabled)) == ""


def _save_favourites(device, clock, count: int) -> None:
    """Hear `count` new starters and save each, a minute apart."""
    for _ in range(count):
        clock.advance(60)
        device.intent("AMAZON.NextIntent", new_session_=True)
        device.intent("SaveFavoriteIntent", new_session_=True)
    clock.advance(60)


def _id(text: str) -> str:
    matches = [s.id for s in LIBRARY if s.text == text]
    assert matches, f"not a starter: {text!r}"
    return matches[0]


@pytest.mark.parametrize("locale", ["en-GB", "fr-FR", "../starters/bedtime", "x" * 300, ""])
def test_any_locale_gets_a_greeting_never_an_apology(device, locale):
    from skill.tools.envelopes import launch_request

    request = launch_request()
    request["locale"] = locale
    out = device.send(request, new_session_=True)
    assert speech(out) and "Sorry" not in speech(out)


def test_a_screen_shows_the_starter_in_large_type_and_a_speaker_gets_only_speech(device):
    on_screen = device.intent("StarterIntent", new_session_=True, screen=True)
    (directive,) = on_screen["response"]["directives"]
    assert directive["type"] == "Alexa.Presentation.APL.RenderDocument"
    text = on_screen["response"]["card"]["content"]
    assert directive["datasources"]["starter"]["text"] == text
    voice_only = device.intent("AMAZON.NextIntent", new_session_=True)
    assert not voice_only["response"].get("directives")
    assert voice_only["response"]["card"]["content"] in speech(voice_only)


def test_a_launch_without_a_session_is_answered_as_a_one_shot(device):
    # Alexa always sends a session with a launch; a hand-made request without one still
    # gets the launch's answer, not an apology.
    out = device.event(launch_request())
    assert speech(out) and speech(out) not in lines_of("error")


@pytest.mark.parametrize(
    ("hour", "part"),
    [
        (7, "morning"),
        (8, "morning"),
        (14, "afternoon"),
        (16, "afternoon"),
        (19, "evening"),
        (23, "night"),
    ],
)
@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "GoodnightIntent", "AMAZON.CancelIntent"])
def test_a_goodbye_fits_the_time_of_day(device, clock, hour, part, intent):
    # GIVEN a question heard at this hour
    clock.set(datetime(2026, 11, 25, hour, 5, tzinfo=NEW_YORK))
    device.intent("StarterIntent", new_session_=True)
    # WHEN they leave
    bye = device.intent(intent)
    # THEN the goodbye is one for this part of the day: no "goodnight" before the evening
    said = speech(bye)
    assert ends_session(bye)
    if part in ("morning", "afternoon"):
        assert said in lines_of("goodbye_daytime"), said
        assert "night" not in said.lower()
    else:
        assert said in lines_of("goodbye"), said


def test_we_are_done_in_the_morning_offers_another_without_goodnight(device, clock):
    clock.set(datetime(2026, 11, 25, 7, 40, tzinfo=NEW_YORK))
    device.intent("StarterIntent", new_session_=True)
    done = device.intent("DoneIntent", new_session_=True)
    reprompt = plain_text(done["response"]["reprompt"]["outputSpeech"]["ssml"])
    assert speech(done) in lines_of("done_offer_daytime")
    assert "night" not in f"{speech(done)} {reprompt}".lower()
