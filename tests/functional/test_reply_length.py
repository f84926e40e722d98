"""One breath (issue 12, item 5): every reply the skill gives over many evenings, as heard.

Starter turns end on the starter, at most 30 words with their framing and a median of 25 at
most; help is at most 30 words; no reply runs over 35.
"""

from __future__ import annotations

import random
import statistics
from datetime import datetime

import pytest

from skill.alexa import build_skill
from skill.core.speech import word_count
from skill.service import SkillServices
from tests.conftest import NEW_YORK, Clock, Device, custom_slot, ends_session, plain_slot, speech

MAX_REPLY_WORDS = 35
MAX_STARTER_WORDS = 30
MEDIAN_STARTER_WORDS = 25
MAX_HELP_WORDS = 30

# What a household might do next, with the slots it might carry.
STEPS = [
    ("StarterIntent", {}),
    ("StarterIntent", custom_slot("moment", "bed", "bedtime")),
    ("StarterIntent", custom_slot("depth", "really deep", "3")),
    ("AMAZON.NextIntent", {}),
    ("DeeperIntent", {}),
    ("LighterIntent", {}),
    ("AMAZON.RepeatIntent", {}),
    ("SaveFavoriteIntent", {}),
    ("PlayFavoritesIntent", {}),
    ("RemoveFavoriteIntent", {}),
    ("AMAZON.HelpIntent", {}),
    ("AMAZON.FallbackIntent", {}),
    ("DoneIntent", {}),
    ("AMAZON.YesIntent", {}),
    ("CheckInIntent", {}),
    ("RatingIntent", plain_slot("rating", "4")),
    ("RatingIntent", plain_slot("rating", "10")),
    ("RatingIntent", {**plain_slot("rating", "3"), **plain_slot("otherRating", "4")}),
    ("WeekSummaryIntent", {}),
    ("SetNamesIntent", {**plain_slot("firstName", "Sam"), **plain_slot("secondName", "Alex")}),
    (
        "SetNamesIntent",
        {
            **plain_slot("firstName", "Tom"),
            **plain_slot("secondName", "Aisha"),
            **plain_slot("thirdName", "Ben"),
        },
    ),
    ("SetAudienceIntent", custom_slot("audience", "a couple", "partners")),
    ("GoodnightIntent", {}),
    ("LaunchRequest", {}),
]


def evenings(seed: int, tmp_path) -> list[tuple[str, dict]]:
    """(what was asked, the response) over a few simulated evenings of one household."""
    from skill.core.household import merge
    from skill.storage import SqliteStore

    rng = random.Random(seed)
    clock = Clock(datetime(2026, 11, 20 + seed % 5, 18 + seed % 4, 0, tzinfo=NEW_YORK))
    services = SkillServices(clock=clock, rng=random.Random(seed), time_zone_override=None)
    services.time_zone_override = "America/New_York"
    device = Device(build_skill(SqliteStore(tmp_path / f"h{seed}.db", merge=merge), services))
    heard: list[tuple[str, dict]] = []
    for _ in range(60):
        clock.advance(rng.choice((20, 60, 300, 1800)))
        name, slots = rng.choice(STEPS)
        fresh = device.session is None or rng.random() < 0.3
        if name == "LaunchRequest":
            out = device.launch()
        else:
            out = device.intent(name, slots, new_session_=fresh)
        heard.append((name, out))
    return heard


@pytest.fixture(scope="module")
def heard(tmp_path_factory) -> list[tuple[str, dict]]:
    folder = tmp_path_factory.mktemp("evenings")
    return [turn for seed in range(12) for turn in evenings(seed, folder)]


def starter_of(response: dict) -> str:
    return (response["response"].get("card") or {}).get("content", "")


def test_no_reply_runs_over_one_breath(heard):
    long = [(name, speech(out)) for name, out in heard if word_count(speech(out)) > 35]
    assert not long, long[:5]


def test_every_starter_turn_ends_on_the_starter(heard):
    turns = [(name, out) for name, out in heard if starter_of(out)]
    assert len(turns) > 100
    for name, out in turns:
        assert speech(out).endswith(starter_of(out)), (name, speech(out))
        assert ends_session(out), "they talk to each other, not to the speaker"


def test_starter_turns_stay_short(heard):
    lengths = [word_count(speech(out)) for _, out in heard if starter_of(out)]
    assert max(lengths) <= MAX_STARTER_WORDS
    assert statistics.median(lengths) <= MEDIAN_STARTER_WORDS


def test_help_is_short_and_about_where_they_are(heard):
    helps = [speech(out) for name, out in heard if name == "AMAZON.HelpIntent"]
    assert helps
    assert max(word_count(said) for said in helps) <= MAX_HELP_WORDS
    assert len(set(helps)) > 3, "help changes with the step they are on"


def test_an_open_microphone_always_comes_with_guidance(heard):
    for name, out in heard:
        if not ends_session(out) and out["response"].get("outputSpeech"):
            reprompt = out["response"]["reprompt"]["outputSpeech"]["ssml"]
            assert reprompt and reprompt not in out["response"]["outputSpeech"]["ssml"], name
