"""The check-in's words stay within one breath in the longest case, not just a typical one."""

from __future__ import annotations

import pytest

from skill.core.checkin import TALK_STEPS, Plan, Step
from skill.core.checkin_replies import MAX_REPLY_WORDS
from skill.core.speech import load_phrases, word_count

PHRASES = load_phrases("en-US")
NAMES = {"first": "Alexandra", "second": "Christopher"}  # long names, the worst case


def longest(key: str) -> int:
    return max(word_count(line.format(**NAMES, low="three", high="four", time="9:30 PM"))
               for line in PHRASES.variants(key))  # fmt: skip


@pytest.mark.parametrize("form", ["named", "neutral"])
@pytest.mark.parametrize("plan", list(Plan))
def test_the_first_talking_step_with_its_verdict_and_hint_fits_a_breath(plan, form):
    first = TALK_STEPS[plan][0]
    words = longest(f"checkin_plan_{plan.value}") + longest(f"checkin_{first.value}_{form}")
    assert words + longest("checkin_step_hint") <= MAX_REPLY_WORDS


@pytest.mark.parametrize("form", ["named", "neutral"])
@pytest.mark.parametrize("step", [Step.ON_MIND, Step.HOPE])
def test_later_steps_fit_with_the_short_hint(step, form):
    assert longest(f"checkin_{step.value}_{form}") + longest("checkin_step_hint_short") <= 35


def test_the_close_with_any_offer_fits_a_breath():
    close = max(longest("checkin_close"), longest("checkin_close_partners"))
    for offer in ("deep", "light", "reminder"):
        assert close + longest(f"checkin_offer_{offer}") <= MAX_REPLY_WORDS
