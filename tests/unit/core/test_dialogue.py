"""The repair policy: what a good host does with a line it did not understand."""

from __future__ import annotations

import pytest

from skill.core.dialogue import Offer, Repair, hint_key, repair


@pytest.mark.parametrize("offer", [Offer.STARTER, Offer.ANOTHER, Offer.DEEP, Offer.LIGHT])
def test_right_after_an_offer_of_a_question_the_first_miss_gets_one(offer):
    assert repair(offer=offer, misses=0, new_session=False, checkin_live=False) is Repair.STARTER


def test_an_offered_check_in_is_started():
    action = repair(offer=Offer.CHECKIN, misses=0, new_session=False, checkin_live=False)
    assert action is Repair.CHECKIN


def test_a_new_session_gets_a_starter_unless_a_check_in_is_on():
    assert repair(offer=None, misses=0, new_session=True, checkin_live=False) is Repair.STARTER
    assert repair(offer=None, misses=0, new_session=True, checkin_live=True) is Repair.HINT


@pytest.mark.parametrize("checkin_live", [False, True])
def test_elsewhere_two_hints_then_something_useful_or_a_kind_close(checkin_live):
    actions = [
        repair(offer=None, misses=m, new_session=False, checkin_live=checkin_live) for m in range(3)
    ]
    assert actions[:2] == [Repair.HINT, Repair.HINT]
    assert actions[2] is (Repair.CLOSE if checkin_live else Repair.STARTER)


def test_consent_is_never_assumed():
    actions = [
        repair(offer=Offer.REMINDER, misses=m, new_session=False, checkin_live=False)
        for m in range(4)
    ]
    assert actions == [Repair.HINT, Repair.HINT, Repair.CLOSE, Repair.CLOSE]


def test_the_second_hint_has_other_words():
    for offer, live in ((None, False), (None, True), (Offer.REMINDER, False)):
        first = hint_key(offer=offer, misses=0, checkin_live=live)
        assert hint_key(offer=offer, misses=1, checkin_live=live) == f"{first}_again"
