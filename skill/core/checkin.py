"""The evening check-in: a small explicit state machine, one step per voice turn.

    rate_first -> rate_second -> appreciation -> on_mind -> hope -> close

Ratings (1 to 5, "how much closeness tonight") are the only answers the skill listens
for; every other step asks a question, says who answers first, and hands the room back.
The ratings shape the rest: both low keeps it short (no heavier step), a wide gap is named
kindly and met in the middle, both high ends with an offer of a deeper bedtime starter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from skill.core.fields import as_bool, as_float, choice

__all__ = [
    "CHECKIN_TTL",
    "CheckIn",
    "Plan",
    "Reading",
    "Step",
    "StepPrompt",
    "advance",
    "current",
    "live_checkin",
    "rate",
    "read_rating",
    "start",
    "stored_ratings",
]

CHECKIN_TTL = 3 * 3600
NEUTRAL_RATING = 3
LOW, HIGH, WIDE_GAP = 2, 4, 3
#: "Ten!" means a lot, not an error: numbers this far off the scale are taken at its end.
OFF_SCALE = 10


class Step(StrEnum):
    RATE_FIRST = "rate_first"
    RATE_SECOND = "rate_second"
    APPRECIATION = "appreciation"
    ON_MIND = "on_mind"
    HOPE = "hope"
    CLOSE = "close"


class Plan(StrEnum):
    """How the ratings shape the evening."""

    STEADY = "steady"
    LIGHT = "light"  # both want little closeness: keep it short
    GAP = "gap"  # needs differ tonight: meet in the middle
    CLOSE = "close"  # both want a lot: offer a deeper starter at the end


TALK_STEPS = {
    Plan.STEADY: (Step.APPRECIATION, Step.ON_MIND, Step.HOPE, Step.CLOSE),
    Plan.LIGHT: (Step.APPRECIATION, Step.HOPE, Step.CLOSE),
    Plan.GAP: (Step.APPRECIATION, Step.ON_MIND, Step.HOPE, Step.CLOSE),
    Plan.CLOSE: (Step.APPRECIATION, Step.ON_MIND, Step.HOPE, Step.CLOSE),
}


@dataclass
class CheckIn:
    step: str = Step.RATE_FIRST.value
    ratings: list[int | None] = field(default_factory=lambda: [None, None])
    retried: bool = False
    first_speaker: int = 0
    plan: str = Plan.STEADY.value
    started_at: float = 0.0
    updated_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**vars(self), "ratings": list(self.ratings)}

    @classmethod
    def from_dict(cls, raw: Any) -> CheckIn | None:
        if not isinstance(raw, dict) or raw.get("step") not in tuple(Step):
            return None
        return cls(
            step=raw["step"],
            ratings=stored_ratings(raw.get("ratings")),
            retried=as_bool(raw.get("retried"), False),
            first_speaker=1 if raw.get("first_speaker") == 1 else 0,
            plan=Plan(choice(raw.get("plan"), tuple(Plan), Plan.STEADY)),
            started_at=as_float(raw.get("started_at"), 0.0),
            updated_at=as_float(raw.get("updated_at"), 0.0),
        )


def stored_ratings(value: Any) -> list[int | None]:
    """Two stored ratings, each 1 to 5 or None (a damaged one is None: not given)."""
    if not isinstance(value, list) or len(value) != 2:
        return [None, None]
    return [r if type(r) is int and 1 <= r <= 5 else None for r in value]


class StepPrompt(NamedTuple):
    """What to say for one turn of the check-in.

    `speaker` answers first (0 or 1, resolved to a name by the caller); `listen` keeps the
    microphone open for a rating; `note` is the ratings' verdict to say once, after the
    second rating; `retry` and `defaulted` report how an unclear rating was handled.
    """

    step: Step
    speaker: int
    listen: bool
    plan: Plan
    note: Plan | None = None
    retry: bool = False
    defaulted: bool = False
    ratings: tuple[int | None, int | None] = (None, None)
    adjusted: int | None = None  # an off-the-scale number, taken as this end of the scale
    between: tuple[int, int] | None = None  # "between three and four": asked to pick one

    @property
    def done(self) -> bool:
        return self.step is Step.CLOSE


class Reading(NamedTuple):
    """What a spoken rating says: a number on the scale, an off-scale number taken at the
    scale's end (`adjusted`), two neighbouring numbers to choose from, or nothing usable."""

    value: int | None = None
    adjusted: bool = False
    between: tuple[int, int] | None = None


def read_rating(spoken: str | None, other: str | None = None) -> Reading:
    """Read the rating slots as Alexa fills them (digits), forgivingly."""
    first, second = _number(spoken), _number(other)
    if first is not None and second is not None and first != second:
        low, high = sorted((_on_scale(first), _on_scale(second)))
        if low != high:
            return Reading(between=(low, high))
    if first is None:
        return Reading()
    if 1 <= first <= 5:
        return Reading(first)
    if first <= OFF_SCALE:
        return Reading(_on_scale(first), adjusted=True)
    return Reading()


def _number(spoken: str | None) -> int | None:
    """Plain ASCII digits only: "²" passes str.isdigit() but is no number anyone said."""
    if not spoken or len(spoken) > 3 or not spoken.isascii() or not spoken.isdecimal():
        return None
    return int(spoken)


def _on_scale(value: int) -> int:
    return min(max(value, 1), 5)


def live_checkin(raw: CheckIn | None, now: float) -> CheckIn | None:
    """The check-in in progress, or None once it has sat unfinished for three hours."""
    if raw is None or now - raw.updated_at > CHECKIN_TTL or raw.step == Step.CLOSE:
        return None
    return raw


def start(first_speaker: int, now: float) -> tuple[CheckIn, StepPrompt]:
    checkin = CheckIn(first_speaker=first_speaker, started_at=now, updated_at=now)
    return checkin, _prompt(checkin)


def rate(checkin: CheckIn, reading: Reading, now: float) -> StepPrompt:
    """Take one person's rating. Unclear gets one guided retry, then a neutral 3 so the
    evening moves on instead of stalling on a number; "between three and four" is asked to
    pick one (no retry spent); ten is taken as five, zero as one."""
    checkin.updated_at = now
    if reading.between is not None:
        index = 0 if checkin.step == Step.RATE_FIRST else 1
        rater = (checkin.first_speaker + index) % 2
        return StepPrompt(
            Step(checkin.step), rater, True, Plan(checkin.plan), between=reading.between
        )
    value = reading.value
    index = 0 if checkin.step == Step.RATE_FIRST else 1
    rater = (checkin.first_speaker + index) % 2
    valid = value is not None and 1 <= value <= 5
    if not valid and not checkin.retried:
        checkin.retried = True
        return StepPrompt(Step(checkin.step), rater, True, Plan(checkin.plan), retry=True)
    checkin.ratings[rater] = value if valid else NEUTRAL_RATING
    checkin.retried = False
    adjusted = checkin.ratings[rater] if reading.adjusted else None
    if checkin.step == Step.RATE_FIRST:
        checkin.step = Step.RATE_SECOND.value
        prompt = _prompt(checkin)
        return prompt._replace(defaulted=not valid, adjusted=adjusted)
    checkin.plan = plan_for(checkin.ratings).value
    checkin.step = TALK_STEPS[Plan(checkin.plan)][0].value
    prompt = _prompt(checkin)
    return prompt._replace(note=Plan(checkin.plan), defaulted=not valid, adjusted=adjusted)


def advance(checkin: CheckIn, now: float) -> StepPrompt:
    """ "Next" or "skip": on to the following step (a rating skipped counts as neutral)."""
    checkin.updated_at = now
    if checkin.step in (Step.RATE_FIRST, Step.RATE_SECOND):
        checkin.retried = True
        return rate(checkin, Reading(), now)
    steps = TALK_STEPS[Plan(checkin.plan)]
    current = Step(checkin.step)
    following = steps[steps.index(current) + 1] if current in steps[:-1] else Step.CLOSE
    checkin.step = following.value
    return _prompt(checkin)


def current(checkin: CheckIn) -> StepPrompt:
    """The step in progress again, for resuming in a new session."""
    return _prompt(checkin)


def plan_for(ratings: list[int | None]) -> Plan:
    a, b = (r if r is not None else NEUTRAL_RATING for r in ratings)
    if a <= LOW and b <= LOW:
        return Plan.LIGHT
    if abs(a - b) >= WIDE_GAP:
        return Plan.GAP
    if a >= HIGH and b >= HIGH:
        return Plan.CLOSE
    return Plan.STEADY


def _prompt(checkin: CheckIn) -> StepPrompt:
    step = Step(checkin.step)
    steps = (
        (Step.RATE_FIRST, Step.RATE_SECOND)
        if step in (Step.RATE_FIRST, Step.RATE_SECOND)
        else TALK_STEPS[Plan(checkin.plan)]
    )
    # Whoever rated first also answers the first talk step; then it alternates.
    order = steps.index(step) if step in steps else 0
    return StepPrompt(
        step=step,
        speaker=(checkin.first_speaker + order) % 2,
        listen=step in (Step.RATE_FIRST, Step.RATE_SECOND),
        plan=Plan(checkin.plan),
        ratings=(checkin.ratings[0], checkin.ratings[1]),
    )
