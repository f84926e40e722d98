"""Words around a starter: framing, who goes first, the way back in. Never the starter's own.

A starter turn is one breath: at most `MAX_STARTER_WORDS` words, and it ends on the starter
itself, so the question is the last thing the two of them hear. Who goes first and the
starter always fit; everything else is said only when it fits, most useful first.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import NamedTuple

from skill.core.conversation import StarterTurn
from skill.core.household import Household
from skill.core.speech import Phrases, word_count

__all__ = [
    "MAX_STARTER_WORDS",
    "TARGET_STARTER_WORDS",
    "StarterReply",
    "compose_starter",
    "first_speaker_line",
]

MAX_STARTER_WORDS = 30
#: Framing and other decoration only fill a turn up to this; what carries meaning (what
#: kind of turn it is, the way back in) may use the rest of the breath.
TARGET_STARTER_WORDS = 25
LONG_HINTS = 3
LISTENER_CUE_EVERY = 4


class StarterReply(NamedTuple):
    sentences: list[str]
    card_title: str
    card_text: str


def first_speaker_line(
    turn: StarterTurn,
    household: Household,
    phrases: Phrases,
    rng: random.Random,
    budget: int = MAX_STARTER_WORDS,
) -> str:
    """By name when the household told us names; otherwise a neutral nudge to take turns.
    A variant that fits in `budget` words, else the shortest (it is never left out)."""
    values: dict[str, str] = {}
    if len(household.names) >= 2:
        count = len(household.names)
        key = "first_named"
        values = {
            "first": household.names[turn.speaker % count],
            "second": household.names[(turn.speaker + 1) % count],
        }
    else:
        key = "first_neutral_opening" if turn.count <= 1 else "first_neutral_swap"
    lines = [line.format(**values) for line in phrases.variants(key)]
    fitting = [line for line in lines if word_count(line) <= budget]
    return rng.choice(fitting) if fitting else min(lines, key=word_count)


def compose_starter(
    turn: StarterTurn,
    household: Household,
    phrases: Phrases,
    rng: random.Random,
    *,
    lead: Sequence[str] = (),
) -> StarterReply:
    """The sentences to speak for one starter, in order, and the card that shows it.

    `lead` is what the turn answers first ("Saved.", "Welcome back."): said before all else.
    """
    intro = _intro_key(turn)
    hint = _hint_key(turn, household)
    # Who goes first is never left out; its variant leaves room for the intro and the hint
    # when it can, since both carry meaning.
    budget = MAX_STARTER_WORDS - word_count(turn.starter.text, *lead)
    reserve = sum(min(map(word_count, phrases.variants(key))) for key in (intro, hint) if key)
    speaker = first_speaker_line(turn, household, phrases, rng, budget - reserve)
    ending = [speaker, turn.starter.text]
    words = word_count(*ending, *lead)
    # (key, place, limit): the most useful piece is offered room first, up to its limit;
    # `place` orders what is said.
    wanted: list[tuple[str, int, int]] = []
    if intro:
        wanted.append((intro, 1, MAX_STARTER_WORDS))
    if hint:
        wanted.append((hint, 2, MAX_STARTER_WORDS))
    if turn.opening:
        wanted.append(("phones_down", 3, TARGET_STARTER_WORDS))
    elif not intro:
        wanted.append((f"frame_{turn.starter.moment.value}", 3, TARGET_STARTER_WORDS))
    if turn.starter.depth >= 2 and turn.count % LISTENER_CUE_EVERY == 0 and not turn.repeat:
        wanted.append(("listener_cue", 4, TARGET_STARTER_WORDS))
    said: list[tuple[int, str]] = []
    for key, place, limit in wanted:
        line = _fitting(phrases, key, rng, limit - words)
        if line is None:
            continue
        words += word_count(line)
        said.append((place, line))
        if key == "hint_come_back":
            household.hints_heard = min(household.hints_heard + 1, 1000)
    middle = [line for _, line in sorted(said, key=lambda placed: placed[0])]
    return StarterReply(
        sentences=[*lead, *middle, *ending],
        card_title=phrases.fixed("card_title"),
        card_text=turn.starter.text,
    )


def _intro_key(turn: StarterTurn) -> str | None:
    """What kind of turn this is, when it is not simply the next starter."""
    if turn.repeat:
        return "repeat_intro"
    if turn.favourites_finished:
        return "favourites_finished"
    if turn.favourite:
        return "favourites_first" if turn.first_favourite else "favourite_intro"
    if turn.at_limit:
        return "deepest_already" if turn.starter.depth == 3 else "lightest_already"
    if turn.shift > 0:
        return "going_deeper"
    if turn.shift < 0:
        return "going_lighter"
    return None


def _hint_key(turn: StarterTurn, household: Household) -> str | None:
    """How to come back: taught the first few times, then left out."""
    if turn.repeat:
        return None
    if turn.favourite:
        return "hint_favourites"
    if turn.offer_deeper:
        return "hint_offer_deeper"
    if household.hints_heard < LONG_HINTS:
        return "hint_come_back"
    return None


def _fitting(phrases: Phrases, key: str, rng: random.Random, budget: int) -> str | None:
    """A random variant of `key` that fits in `budget` words, or None."""
    fitting = [line for line in phrases.variants(key) if word_count(line) <= budget]
    return rng.choice(fitting) if fitting else None
