import dataclasses
import itertools
import random
import statistics

import pytest

from skill.core import conversation as talk
from skill.core.conversation import FavouriteResult
from skill.core.household import CONVERSATION_TTL, MAX_FAVOURITES, Household
from skill.core.moments import Moment
from skill.core.replies import LONG_HINTS, MAX_STARTER_WORDS, compose_starter
from skill.core.speech import load_phrases, word_count
from skill.core.starters import load_library

LIBRARY = load_library()
PHRASES = load_phrases("en-US")


def ask(household, now=1000.0, rng=None, **kwargs):
    return talk.next_starter(
        household,
        LIBRARY,
        now=now,
        local_moment=kwargs.pop("local_moment", Moment.DINNER),
        rng=rng or random.Random(0),
        **kwargs,
    )


def test_a_conversation_starts_light_and_follows_the_clock():
    turn = ask(Household(), local_moment=Moment.BEDTIME)
    assert turn.starter.depth == 1 and turn.starter.moment is Moment.BEDTIME
    assert turn.opening, "the first starter may invite phones down"


def test_a_named_moment_wins_and_sticks_for_the_conversation():
    household = Household()
    first = ask(household, moment=Moment.BRUNCH, local_moment=Moment.BEDTIME)
    second = ask(household, now=1060.0, local_moment=Moment.BEDTIME)
    assert first.starter.moment is Moment.BRUNCH and second.starter.moment is Moment.BRUNCH


def test_deeper_and_lighter_move_one_step_within_bounds():
    household = Household()
    depths = [
        ask(household, now=1000.0 + i, shift=s).starter.depth
        for i, s in enumerate([0, +1, +1, +1, -1, -1, -1])
    ]
    assert depths == [1, 2, 3, 3, 2, 1, 1]


def test_asking_deeper_at_the_deepest_says_so():
    household = Household()
    ask(household, depth=3)
    turn = ask(household, now=1001.0, shift=+1)
    assert turn.at_limit and turn.starter.depth == 3


def test_a_named_depth_wins():
    household = Household()
    ask(household)
    assert ask(household, now=1001.0, depth=3).starter.depth == 3


def test_going_deeper_is_offered_after_three_at_one_depth():
    household = Household()
    offers = [ask(household, now=1000.0 + i).offer_deeper for i in range(6)]
    assert offers == [False, False, True, False, False, True]


def test_who_answers_first_alternates_on_every_starter():
    household = Household(names=["Sam", "Alex"])
    speakers = [ask(household, now=1000.0 + i).speaker for i in range(4)]
    assert speakers == [0, 1, 0, 1]


def test_after_six_quiet_hours_a_new_conversation_starts_light():
    household = Household()
    ask(household, depth=3)
    turn = ask(household, now=1000.0 + CONVERSATION_TTL + 60)
    assert turn.starter.depth == 1 and turn.opening


def test_repeat_gives_the_same_words_and_the_same_first_speaker():
    household = Household(names=["Sam", "Alex"])
    turn = ask(household)
    again = talk.repeat_starter(household, LIBRARY, now=1100.0)
    assert again.starter == turn.starter and again.speaker == turn.speaker and again.repeat


def test_repeat_with_nothing_in_progress_is_none():
    assert talk.repeat_starter(Household(), LIBRARY, now=1.0) is None


def test_favourites_save_play_in_order_and_remove():
    household = Household()
    saved = []
    for i in range(3):
        saved.append(ask(household, now=1000.0 + i).starter.id)
        assert talk.save_favourite(household, LIBRARY, now=1000.0 + i)[0] is FavouriteResult.SAVED
    assert talk.save_favourite(household, LIBRARY, now=1003.0)[0] is FavouriteResult.ALREADY

    played = [talk.play_favourites(household, LIBRARY, now=1010.0).starter.id]
    played.append(ask(household, now=1011.0).starter.id)
    assert played == saved[:2]
    assert talk.remove_favourite(household, LIBRARY, now=1012.0)[0] is FavouriteResult.REMOVED
    # "next" after removing the second favourite lands on the third
    assert ask(household, now=1013.0).starter.id == saved[2]
    finished = ask(household, now=1014.0)
    assert finished.favourites_finished and finished.starter.id not in saved
    assert household.favourites == [saved[0], saved[2]]


def test_favourites_are_bounded():
    household = Household(favourites=[f"x-{i:04d}" for i in range(MAX_FAVOURITES)])
    ask(household)
    assert talk.save_favourite(household, LIBRARY, now=1001.0)[0] is FavouriteResult.FULL
    assert len(household.favourites) == MAX_FAVOURITES


def test_playing_favourites_with_none_saved():
    assert talk.play_favourites(Household(), LIBRARY, now=1.0) is None


@pytest.mark.parametrize("names", [[], ["Sam", "Alex"]])
def test_the_reply_says_who_goes_first_and_never_changes_the_starter(names):
    household = Household(names=names)
    turn = ask(household)
    reply = compose_starter(turn, household, PHRASES, random.Random(0))
    assert turn.starter.text in reply.sentences
    spoken = " ".join(reply.sentences)
    if names:
        assert "Sam" in spoken
    assert reply.card_text == turn.starter.text


def test_the_way_back_in_is_taught_a_few_times_then_left_out():
    household = Household()
    said = []
    for i in range(LONG_HINTS + 8):
        turn = ask(household, now=1000.0 + i)
        said.append(compose_starter(turn, household, PHRASES, random.Random(i)).sentences)
    hints = set(PHRASES.variants("hint_come_back"))
    taught = [any(line in hints for line in sentences) for sentences in said]
    # Taught on the first turns with room for it (a long starter leaves none), then no more.
    assert sum(taught) == LONG_HINTS and not any(taught[-3:])


def test_every_starter_turn_ends_on_the_starter_in_one_breath():
    # VOICE.md: the last thing they hear is the question; a starter turn is one breath.
    lengths = []
    for seed in range(40):
        rng = random.Random(seed)
        household = Household(names=["Sam", "Alex"] if seed % 2 else [])
        for i in range(15):
            moment = rng.choice(list(Moment))
            turn = ask(household, now=1000.0 + i * 60 + (i // 5) * 30000, rng=rng,
                       local_moment=moment, shift=rng.choice((0, 0, 1, -1)))  # fmt: skip
            reply = compose_starter(turn, household, PHRASES, rng)
            assert reply.sentences[-1] == turn.starter.text
            lengths.append(word_count(*reply.sentences))
    assert max(lengths) <= MAX_STARTER_WORDS
    assert statistics.median(lengths) <= 25


def test_a_spent_moment_borrows_general_starters_before_repeating():
    household = Household()
    pool = LIBRARY.pool(Moment.DINNER, 1, "any")
    turns = [ask(household, now=1000.0 + i) for i in range(len(pool.starters) + 3)]
    ids = [t.starter.id for t in turns]
    assert len(set(ids)) == len(ids)
    assert {t.starter.moment for t in turns[len(pool.starters) :]} == {Moment.ANYTIME}


def test_a_lead_line_still_leaves_the_starter_last_and_within_the_breath():
    household = Household(names=["Sam", "Alex"])
    turn = ask(household)
    reply = compose_starter(turn, household, PHRASES, random.Random(3), lead=["Saved."])
    assert reply.sentences[0] == "Saved." and reply.sentences[-1] == turn.starter.text
    assert word_count(*reply.sentences) <= MAX_STARTER_WORDS


def test_turns_rotate_through_three_named_people():
    household = Household(names=["Tom", "Aisha", "Ben"])
    speakers = [ask(household, now=1000.0 + i).speaker for i in range(6)]
    assert speakers == [0, 1, 2, 0, 1, 2]


@pytest.mark.parametrize(
    ("change", "intro"),
    [
        ({"favourites_finished": True}, "favourites_finished"),
        ({"at_limit": True}, "deepest_already"),
        ({"repeat": True}, "repeat_intro"),
        ({"favourite": True}, "favourite_intro"),
        ({"shift": 1}, "going_deeper"),
    ],
)
@pytest.mark.parametrize("names", [[], ["Sam", "Alex"]])
def test_a_turn_that_is_not_simply_the_next_says_so_even_with_the_longest_starter(
    change, intro, names
):
    # "next" past the last favourite gives a new starter: without the intro they would take
    # it for one of their favourites.
    longest = max((s for s in LIBRARY if s.depth == 3), key=lambda s: word_count(s.text))
    household = Household(names=names)
    first = ask(household)
    for taught, count, seed in itertools.product((0, LONG_HINTS), (1, 2), range(20)):
        household.hints_heard = taught  # with or without the way back in
        turn = dataclasses.replace(first, starter=longest, count=count, **change)
        reply = compose_starter(turn, household, PHRASES, random.Random(seed))
        assert any(line in reply.sentences for line in PHRASES.variants(intro)), reply.sentences
        assert word_count(*reply.sentences) <= MAX_STARTER_WORDS
