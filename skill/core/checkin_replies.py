"""Words for each check-in step: who answers first, the ratings' verdict, the way on."""

from __future__ import annotations

import random

from skill.core.checkin import Plan, Step, StepPrompt
from skill.core.household import Household
from skill.core.speech import Phrases

__all__ = ["CheckInReply", "compose_step"]


class CheckInReply:
    def __init__(self, sentences: list[str], reprompt: str | None, offer: str | None) -> None:
        self.sentences = sentences
        self.reprompt = reprompt
        self.offer = offer


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
    resumed: bool = False,
) -> CheckInReply:
    sentences: list[str] = []
    if opening:
        sentences.append(phrases.line("checkin_intro", rng))
    if resumed:
        sentences.append(phrases.line("checkin_resume", rng))
    if prompt.retry:
        sentences.append(phrases.line("checkin_rate_retry", rng))
    if prompt.defaulted:
        sentences.append(phrases.line("checkin_rate_default", rng))
    if prompt.note is not None:
        sentences.append(phrases.line(f"checkin_plan_{prompt.note.value}", rng))

    if prompt.step is Step.RATE_FIRST and not prompt.retry:
        sentences.append(personal("checkin_rate_first", household, prompt.speaker, phrases, rng))
    elif prompt.step is Step.RATE_SECOND and not prompt.retry:
        sentences.append(personal("checkin_rate_second", household, prompt.speaker, phrases, rng))
    if prompt.listen:
        return CheckInReply(sentences, phrases.line("checkin_rate_first_reprompt", rng), None)

    if prompt.step is Step.CLOSE:
        sentences.append(for_audience("checkin_close", household, phrases, rng))
        offer = {Plan.CLOSE: "deep", Plan.LIGHT: "light"}.get(prompt.plan)
        if offer:
            sentences.append(phrases.line(f"checkin_offer_{offer}", rng))
            return CheckInReply(sentences, phrases.line("checkin_offer_reprompt", rng), offer)
        return CheckInReply(sentences, None, None)

    sentences.append(
        personal(f"checkin_{prompt.step.value}", household, prompt.speaker, phrases, rng)
    )
    sentences.append(phrases.line("checkin_step_hint", rng))
    return CheckInReply(sentences, None, None)
