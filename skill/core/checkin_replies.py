"""Words for each check-in step: who answers first, the ratings' verdict, the way on."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NamedTuple

from skill.core.checkin import TALK_STEPS, Plan, Step, StepPrompt
from skill.core.household import Household
from skill.core.speech import Phrases, word_count

__all__ = ["MAX_REPLY_WORDS", "CheckInReply", "compose_step", "number_word"]

#: One breath: the step itself and the way on always fit; notes about the ratings are
#: said when they fit, the most useful first.
MAX_REPLY_WORDS = 35

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five")


class CheckInReply(NamedTuple):
    sentences: list[str]
    reprompt: str | None
    offer: str | None  # what a "yes" now accepts: "deep", "light" or "reminder"


def number_word(value: int) -> str:
    return _NUMBER_WORDS[value] if 0 <= value < len(_NUMBER_WORDS) else str(value)


def people(household: Household, speaker: int) -> dict[str, str] | None:
    if len(household.names) != 2:
        return None
    return {"first": household.names[speaker], "second": household.names[1 - speaker]}


def personal(
    key: str, household: Household, speaker: int, phrases: Phrases, rng: random.Random
) -> str:
    """The named variant of a line when we know names, else the neutral one."""
    names = people(household, speaker)
    if names:
        return phrases.line(f"{key}_named", rng, **names)
    return phrases.line(f"{key}_neutral", rng)


def for_audience(key: str, household: Household, phrases: Phrases, rng: random.Random) -> str:
    """A couple may hear a partners-only wording; friends and unknowns never do."""
    specific = f"{key}_{household.audience}"
    if household.audience == "partners" and specific in phrases:
        return phrases.line(specific, rng)
    return phrases.line(key, rng)


def compose_step(
    prompt: StepPrompt,
    household: Household,
    phrases: Phrases,
    rng: random.Random,
    *,
    opening: bool = False,
    lead: Sequence[str] = (),
    reminder_at: str | None = None,
) -> CheckInReply:
    """The words for one check-in turn. `lead` comes first ("Welcome back to your check
    in."); `reminder_at`, at the close, offers the nightly reminder at that time instead of
    a last question."""
    sentences = list(lead)
    if opening:
        sentences.append(phrases.line("checkin_intro", rng))
    if prompt.between is not None:
        low, high = (number_word(value) for value in prompt.between)
        sentences.append(phrases.line("checkin_rate_between", rng, low=low, high=high))
        return CheckInReply(sentences, phrases.line("checkin_rate_first_reprompt", rng), None)
    if prompt.retry:
        sentences.append(phrases.line("checkin_rate_retry", rng))
    reply = _compose_rest(prompt, household, phrases, rng, reminder_at)
    # The ratings' verdict is always said; how a number was read, only if it fits.
    verdict = []
    if prompt.note is not None:
        verdict.append(phrases.line(f"checkin_plan_{prompt.note.value}", rng))
    notes: list[str] = []
    if prompt.adjusted is not None:
        end = "high" if prompt.adjusted == 5 else "low"
        notes.append(phrases.line(f"checkin_rate_adjusted_{end}", rng))
    if prompt.defaulted:
        notes.append(phrases.line("checkin_rate_default", rng))
    words = word_count(*sentences, *verdict, *reply.sentences)
    for line in notes:
        if words + word_count(line) <= MAX_REPLY_WORDS:
            words += word_count(line)
            sentences.append(line)
    return CheckInReply([*sentences, *verdict, *reply.sentences], reply.reprompt, reply.offer)


def _compose_rest(
    prompt: StepPrompt,
    household: Household,
    phrases: Phrases,
    rng: random.Random,
    reminder_at: str | None,
) -> CheckInReply:
    """The step itself: a rating question, the close with its offer, or a talking step
    with the way on."""
    sentences: list[str] = []

    if prompt.step is Step.RATE_FIRST and not prompt.retry:
        sentences.append(personal("checkin_rate_first", household, prompt.speaker, phrases, rng))
    elif prompt.step is Step.RATE_SECOND and not prompt.retry:
        sentences.append(personal("checkin_rate_second", household, prompt.speaker, phrases, rng))
    if prompt.listen:
        return CheckInReply(sentences, phrases.line("checkin_rate_first_reprompt", rng), None)

    if prompt.step is Step.CLOSE:
        sentences.append(for_audience("checkin_close", household, phrases, rng))
        if reminder_at is not None:
            sentences.append(phrases.line("checkin_offer_reminder", rng, time=reminder_at))
            return CheckInReply(sentences, phrases.line("checkin_offer_reprompt", rng), "reminder")
        offer = {Plan.CLOSE: "deep", Plan.LIGHT: "light"}.get(prompt.plan)
        if offer:
            sentences.append(phrases.line(f"checkin_offer_{offer}", rng))
            return CheckInReply(sentences, phrases.line("checkin_offer_reprompt", rng), offer)
        return CheckInReply(sentences, None, None)

    sentences.append(
        personal(f"checkin_{prompt.step.value}", household, prompt.speaker, phrases, rng)
    )
    # The way on is spelled out on the first talking step, then said in brief.
    first_talk = prompt.step is TALK_STEPS[prompt.plan][0]
    sentences.append(
        phrases.line("checkin_step_hint" if first_talk else "checkin_step_hint_short", rng)
    )
    return CheckInReply(sentences, None, None)
