"""Words around a starter: framing, who goes first, the way back in. Never the starter's own."""

from __future__ import annotations

import random
from dataclasses import dataclass

from skill.core.conversation import StarterTurn
from skill.core.household import Household
from skill.core.speech import Phrases

__all__ = ["StarterReply", "compose_starter"]

LONG_HINTS = 3
LISTENER_CUE_EVERY = 4


@dataclass(frozen=True, slots=True)
class StarterReply:
    sentences: list[str]
    card_title: str
    card_text: str


def first_speaker_line(
    turn: StarterTurn, household: Household, phrases: Phrases, rng: random.Random
) -> str:
    """By name when the household told us names; otherwise a neutral nudge to take turns."""
    if len(household.names) == 2:
        first = household.names[turn.speaker]
        second = household.names[1 - turn.speaker]
        return phrases.line("first_named", rng, first=first, second=second)
    key = "first_neutral_opening" if turn.count <= 1 else "first_neutral_swap"
    return phrases.line(key, rng)


def compose_starter(
    turn: StarterTurn, household: Household, phrases: Phrases, rng: random.Random
) -> StarterReply:
    """The sentences to speak for one starter, in order, and the card that shows it."""
    sentences: list[str] = []
    if turn.repeat:
        sentences.append(phrases.line("repeat_intro", rng))
    elif turn.favourites_finished:
        sentences.append(phrases.line("favourites_finished", rng))
    elif turn.favourite:
        sentences.append(phrases.line("favourite_intro", rng))
    elif turn.at_limit:
        key = "deepest_already" if turn.starter.depth == 3 else "lightest_already"
        sentences.append(phrases.line(key, rng))
    elif turn.shift > 0:
        sentences.append(phrases.line("going_deeper", rng))
    elif turn.shift < 0:
        sentences.append(phrases.line("going_lighter", rng))
    if turn.opening:
        sentences.append(phrases.line("phones_down", rng))
    # The opener's phones-down line stands in for the framing, keeping the reply short.
    if not (turn.repeat or turn.favourite or turn.at_limit or turn.shift or turn.opening):
        sentences.append(phrases.line(f"frame_{turn.starter.moment.value}", rng))
    sentences.append(first_speaker_line(turn, household, phrases, rng))
    sentences.append(turn.starter.text)
    if turn.starter.depth >= 2 and turn.count % LISTENER_CUE_EVERY == 0 and not turn.repeat:
        sentences.append(phrases.line("listener_cue", rng))
    sentences.append(come_back_hint(turn, household, phrases, rng))
    return StarterReply(
        sentences=sentences,
        card_title=phrases.fixed("card_title"),
        card_text=turn.starter.text,
    )


def come_back_hint(
    turn: StarterTurn, household: Household, phrases: Phrases, rng: random.Random
) -> str:
    """How to come back: spelled out the first few times, short once they know it."""
    if turn.favourite:
        key = "hint_favourites"
    elif turn.offer_deeper:
        key = "hint_offer_deeper"
    elif household.hints_heard < LONG_HINTS:
        key = "hint_long"
    else:
        key = "hint_short"
    household.hints_heard = min(household.hints_heard + 1, 1000)
    return phrases.line(key, rng)
