"""The starter conversation: what comes next, at which depth, and who answers first.

Every function takes the household and the current time and changes the household in
place; the caller saves it. Nothing here knows about Alexa.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from skill.core.heard import HeardSet, Walk
from skill.core.household import MAX_FAVOURITES, Conversation, Household
from skill.core.moments import Moment
from skill.core.starters import DEPTHS, Library, Pool, Starter, cell_key, draw

__all__ = [
    "FavouriteChange",
    "FavouriteResult",
    "StarterTurn",
    "fresh_starter",
    "next_starter",
    "play_favourites",
    "remove_favourite",
    "repeat_starter",
    "resumable",
    "save_favourite",
]

OFFER_DEEPER_EVERY = 3
#: How long after a starter "open Heart to Heart" goes straight on to the next one.
RESUME_WINDOW = 3 * 3600


class FavouriteResult(StrEnum):
    SAVED = "saved"
    ALREADY = "already"
    FULL = "full"
    NOTHING = "nothing"
    REMOVED = "removed"
    NOT_SAVED = "not_saved"


FavouriteChange = Callable[..., "tuple[FavouriteResult, Starter | None]"]


@dataclass(frozen=True, slots=True)
class StarterTurn:
    """One starter to say, and what the reply around it should mention."""

    starter: Starter
    speaker: int
    count: int
    opening: bool = False
    shift: int = 0
    at_limit: bool = False
    offer_deeper: bool = False
    repeat: bool = False
    favourite: bool = False
    first_favourite: bool = False  # the first of a run: the reply has just said how many
    favourites_finished: bool = False


def next_starter(
    household: Household,
    library: Library,
    *,
    now: float,
    local_moment: Moment,
    rng: random.Random,
    moment: Moment | None = None,
    depth: int | None = None,
    shift: int = 0,
) -> StarterTurn:
    """The next starter: a favourite while they are playing favourites, else a new one.

    A named moment or depth wins; otherwise the conversation keeps its depth (moved by
    `shift`) and follows the clock unless someone named a moment earlier.
    """
    conversation = household.live_conversation(now)
    asked = moment is not None or depth is not None or shift != 0
    if conversation is not None and conversation.favourite_index is not None and not asked:
        # Playing favourites, and nobody asked for anything else.
        turn = _next_favourite(household, library, conversation, now)
        if turn is not None:
            return turn
        return _new_starter(household, library, now, local_moment, rng, finished=True)
    return _new_starter(
        household, library, now, local_moment, rng, moment=moment, depth=depth, shift=shift
    )


def _new_starter(
    household: Household,
    library: Library,
    now: float,
    local_moment: Moment,
    rng: random.Random,
    *,
    moment: Moment | None = None,
    depth: int | None = None,
    shift: int = 0,
    finished: bool = False,
) -> StarterTurn:
    conversation = household.live_conversation(now)
    if conversation is None:
        conversation = Conversation(moment=local_moment.value)
        household.conversation = conversation
    if moment is not None:
        conversation.moment, conversation.moment_named = moment.value, True
    elif not conversation.moment_named:
        conversation.moment = local_moment.value
    wanted = depth if depth in DEPTHS else conversation.depth + shift
    new_depth = min(max(wanted, DEPTHS[0]), DEPTHS[-1])
    at_limit = depth is None and shift != 0 and new_depth == conversation.depth
    if new_depth != conversation.depth:
        conversation.at_depth = 0
    conversation.depth = new_depth

    starter = fresh_starter(household, library, Moment(conversation.moment), new_depth, rng)

    speaker = household.take_turn()
    conversation.starter_id = starter.id
    conversation.count += 1
    conversation.at_depth += 1
    conversation.first_speaker = speaker
    conversation.favourite_index = None
    conversation.updated_at = now
    household.updated_at = now
    return StarterTurn(
        starter=starter,
        speaker=speaker,
        count=conversation.count,
        opening=conversation.count == 1 and household.phone_reminder,
        shift=0 if at_limit else shift,
        at_limit=at_limit,
        offer_deeper=(
            new_depth < DEPTHS[-1]
            and conversation.at_depth > 0
            and conversation.at_depth % OFFER_DEEPER_EVERY == 0
        ),
        favourites_finished=finished,
    )


def fresh_starter(
    household: Household, library: Library, moment: Moment, depth: int, rng: random.Random
) -> Starter:
    """A starter the household has not heard, marked heard.

    Once a moment's cell is spent, general starters of the same depth come before any
    repeat; only when both are spent does the cell start over, in a new order.
    """
    pool = library.pool(moment, depth, household.audience)
    starter = _draw(household, pool, rng)
    if starter is not None:
        return starter
    pools = [pool]
    if pool.moment is not Moment.ANYTIME:
        spare = library.pool(Moment.ANYTIME, depth, household.audience)
        starter = _draw(household, spare, rng)
        if starter is not None:
            return starter
        pools.append(spare)
    # A walk's spent mark is only as good as the record it was read from: count before
    # forgetting anything (once a round).
    for candidate in pools:
        walk = household.walks[candidate.key]
        if walk.spent and candidate.unheard(household.heard[candidate.moment.value]):
            walk.spent = False
            return _draw(household, candidate, rng) or _start_over(household, pool, rng)
    return _start_over(household, pool, rng)


def _draw(household: Household, pool: Pool, rng: random.Random) -> Starter | None:
    walk = household.walks.get(pool.key)
    if walk is None or walk.cell != pool.fingerprint or walk.size != len(pool.starters):
        walk = household.walks[pool.key] = Walk.shuffled(len(pool.starters), pool.fingerprint, rng)
    heard = household.heard.get(pool.moment.value)
    if heard is None:
        heard = household.heard[pool.moment.value] = HeardSet()
    return draw(pool, heard, walk, rng)


def _start_over(household: Household, pool: Pool, rng: random.Random) -> Starter:
    """Forget the cell's starters, deal it again and draw the first of the new round.

    The cell's other audiences share starters with it (the general ones): their walks no
    longer say what they have left, so they are dealt again when next used.
    """
    household.heard[pool.moment.value].forget(pool.mask)
    prefix = cell_key(pool.moment, pool.depth)
    for key in [key for key in household.walks if key.startswith(prefix)]:
        del household.walks[key]
    starter = _draw(household, pool, rng)
    assert starter is not None  # a cell just started over has every starter unheard
    return starter


def resumable(household: Household, now: float) -> bool:
    """Whether a conversation is recent enough that opening the skill means "go on"."""
    conversation = household.live_conversation(now)
    return (
        conversation is not None
        and conversation.starter_id is not None
        and 0 <= now - conversation.updated_at <= RESUME_WINDOW
    )


def repeat_starter(household: Household, library: Library, *, now: float) -> StarterTurn | None:
    """The starter in progress again, same words, same person first; None if there is none."""
    conversation = household.live_conversation(now)
    starter = library.get(conversation.starter_id) if conversation else None
    if conversation is None or starter is None:
        return None
    return StarterTurn(
        starter=starter,
        speaker=conversation.first_speaker,
        count=conversation.count,
        repeat=True,
        favourite=conversation.favourite_index is not None,
    )


def save_favourite(
    household: Household, library: Library, *, now: float
) -> tuple[FavouriteResult, Starter | None]:
    conversation = household.live_conversation(now)
    starter = library.get(conversation.starter_id) if conversation else None
    if starter is None:
        return FavouriteResult.NOTHING, None
    if starter.id in household.favourites:
        return FavouriteResult.ALREADY, starter
    if len(household.favourites) >= MAX_FAVOURITES:
        return FavouriteResult.FULL, starter
    household.favourites.append(starter.id)
    household.updated_at = now
    return FavouriteResult.SAVED, starter


def remove_favourite(
    household: Household, library: Library, *, now: float, starter_id: str | None = None
) -> tuple[FavouriteResult, Starter | None]:
    """Take the starter in progress (or the one `starter_id` names) out of the favourites."""
    conversation = household.live_conversation(now)
    if starter_id is not None:
        starter = library.get(starter_id)
        if starter is None:
            return FavouriteResult.NOT_SAVED, None
    else:
        starter = library.get(conversation.starter_id) if conversation else None
    if starter is None:
        return FavouriteResult.NOTHING, None
    if starter.id not in household.favourites:
        return FavouriteResult.NOT_SAVED, starter
    index = household.favourites.index(starter.id)
    household.favourites.remove(starter.id)
    playing = conversation.favourite_index if conversation is not None else None
    if conversation is not None and playing is not None and index <= playing:
        # The next "next" should land on the favourite that followed the one it was on.
        conversation.favourite_index = playing - 1
    household.updated_at = now
    return FavouriteResult.REMOVED, starter


def play_favourites(household: Household, library: Library, *, now: float) -> StarterTurn | None:
    """The first saved favourite, starting a run that "next" moves through; None if none."""
    conversation = household.live_conversation(now)
    if conversation is None:
        conversation = Conversation()
        household.conversation = conversation
    conversation.favourite_index = -1
    turn = _next_favourite(household, library, conversation, now)
    return replace(turn, first_favourite=True) if turn is not None else None


def _next_favourite(
    household: Household, library: Library, conversation: Conversation, now: float
) -> StarterTurn | None:
    index = (conversation.favourite_index if conversation.favourite_index is not None else -1) + 1
    while index < len(household.favourites):
        starter = library.get(household.favourites[index])
        if starter is not None:
            speaker = household.take_turn()
            conversation.favourite_index = index
            conversation.starter_id = starter.id
            conversation.first_speaker = speaker
            conversation.count += 1
            conversation.updated_at = now
            household.updated_at = now
            return StarterTurn(
                starter=starter, speaker=speaker, count=conversation.count, favourite=True
            )
        index += 1
    conversation.favourite_index = None
    return None
