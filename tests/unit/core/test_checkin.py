"""The check-in state machine, branch by branch."""

import pytest

from skill.core import checkin as flow
from skill.core.checkin import CHECKIN_TTL, CheckIn, Plan, Reading, Step


def rated(a, b, first=0):
    checkin, _ = flow.start(first, now=0.0)
    flow.rate(checkin, Reading(a), now=1.0)
    return checkin, flow.rate(checkin, Reading(b), now=2.0)


def walk(checkin, now=10.0):
    steps = []
    while True:
        prompt = flow.advance(checkin, now)
        steps.append(prompt.step)
        if prompt.done:
            return steps


def test_it_opens_by_asking_the_first_person_for_a_rating():
    _, prompt = flow.start(first_speaker=1, now=0.0)
    assert prompt.step is Step.RATE_FIRST and prompt.listen and prompt.speaker == 1


def test_the_second_rating_is_asked_of_the_other_person():
    checkin, _ = flow.start(0, now=0.0)
    prompt = flow.rate(checkin, Reading(4), now=1.0)
    assert prompt.step is Step.RATE_SECOND and prompt.speaker == 1 and prompt.listen


@pytest.mark.parametrize(
    ("a", "b", "plan"),
    [
        (1, 2, Plan.LIGHT),  # both low: keep it short
        (2, 2, Plan.LIGHT),
        (1, 5, Plan.GAP),  # a wide gap: name it, meet in the middle
        (5, 2, Plan.GAP),
        (4, 5, Plan.CLOSE),  # both high: offer a deeper starter at the end
        (3, 3, Plan.STEADY),
        (2, 4, Plan.STEADY),
    ],
)
def test_the_ratings_shape_the_plan(a, b, plan):
    _, prompt = rated(a, b)
    assert prompt.note is plan and prompt.plan is plan
    assert prompt.step is Step.APPRECIATION and not prompt.listen


def test_both_low_skips_the_heavier_step():
    checkin, _ = rated(1, 2)
    assert walk(checkin) == [Step.HOPE, Step.CLOSE]


@pytest.mark.parametrize(("a", "b"), [(3, 3), (1, 5), (5, 5)])
def test_otherwise_every_step_is_taken(a, b):
    checkin, _ = rated(a, b)
    assert walk(checkin) == [Step.ON_MIND, Step.HOPE, Step.CLOSE]


def test_each_talk_step_alternates_who_answers_first():
    checkin, first = rated(3, 3, first=1)
    speakers = [first.speaker]
    while not (prompt := flow.advance(checkin, 10.0)).done:
        speakers.append(prompt.speaker)
    assert speakers == [1, 0, 1]


@pytest.mark.parametrize("bad", [None, 0, 6, 42])
def test_an_unclear_rating_gets_one_guided_retry_then_a_neutral_default(bad):
    checkin, _ = flow.start(0, now=0.0)
    retry = flow.rate(checkin, Reading(bad), now=1.0)
    assert retry.retry and retry.listen and retry.step is Step.RATE_FIRST
    moved_on = flow.rate(checkin, Reading(bad), now=2.0)
    assert moved_on.defaulted and moved_on.step is Step.RATE_SECOND
    assert checkin.ratings[0] == flow.NEUTRAL_RATING


def test_a_good_rating_after_a_retry_is_kept():
    checkin, _ = flow.start(0, now=0.0)
    flow.rate(checkin, Reading(9), now=1.0)
    flow.rate(checkin, Reading(2), now=2.0)
    assert checkin.ratings[0] == 2


def test_skipping_a_rating_counts_it_as_neutral():
    checkin, _ = flow.start(0, now=0.0)
    prompt = flow.advance(checkin, now=1.0)
    assert prompt.step is Step.RATE_SECOND and checkin.ratings[0] == flow.NEUTRAL_RATING


def test_an_unfinished_check_in_expires_after_three_hours():
    checkin, _ = flow.start(0, now=100.0)
    assert flow.live_checkin(checkin, 100.0 + CHECKIN_TTL - 1) is checkin
    assert flow.live_checkin(checkin, 100.0 + CHECKIN_TTL + 1) is None


def test_a_check_in_survives_a_round_trip_through_its_record():
    checkin, _ = rated(4, 5)
    flow.advance(checkin, 5.0)
    again = CheckIn.from_dict(checkin.to_dict())
    assert again == checkin
    assert flow.current(again).step is Step.ON_MIND


@pytest.mark.parametrize("raw", [None, {}, {"step": "dance"}, {"step": "hope", "ratings": "x"}])
def test_a_damaged_record_is_no_check_in_or_a_safe_one(raw):
    checkin = CheckIn.from_dict(raw)
    assert checkin is None or checkin.ratings == [None, None]


@pytest.mark.parametrize(
    ("spoken", "other", "reading"),
    [
        ("4", None, Reading(4)),
        ("1", None, Reading(1)),
        ("10", None, Reading(5, adjusted=True)),
        ("6", None, Reading(5, adjusted=True)),
        ("0", None, Reading(1, adjusted=True)),
        ("42", None, Reading()),
        ("\u00b2", None, Reading()),  # passes str.isdigit(), is no number anyone said
        ("3", "4", Reading(between=(3, 4))),
        ("4", "3", Reading(between=(3, 4))),
        ("3", "3", Reading(3)),
        ("7", "9", Reading(5, adjusted=True)),
        (None, None, Reading()),
        ("four", None, Reading()),
    ],
)
def test_read_rating(spoken, other, reading):
    assert flow.read_rating(spoken, other) == reading


def test_between_two_numbers_asks_to_pick_without_spending_the_retry():
    checkin, _ = flow.start(0, now=0.0)
    pick = flow.rate(checkin, flow.read_rating("3", "4"), now=1.0)
    assert pick.between == (3, 4) and pick.listen and pick.step is Step.RATE_FIRST
    assert not pick.retry and not checkin.retried
    taken = flow.rate(checkin, Reading(4), now=2.0)
    assert taken.step is Step.RATE_SECOND and checkin.ratings[0] == 4


def test_ten_is_taken_as_five_and_said_so():
    checkin, _ = flow.start(0, now=0.0)
    prompt = flow.rate(checkin, flow.read_rating("10"), now=1.0)
    assert prompt.adjusted == 5 and checkin.ratings[0] == 5
