"""Which shared moment it is, from the household's local clock."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

__all__ = ["Moment", "moment_at", "part_of_day"]


class Moment(StrEnum):
    BEDTIME = "bedtime"
    BRUNCH = "brunch"
    DINNER = "dinner"
    MORNING = "morning"
    ANYTIME = "anytime"


def moment_at(local: datetime) -> Moment:
    """The moment a household is most likely sharing at this local time.

    Brunch only exists at weekends; late night counts as bedtime because people who ask a
    voice speaker for a question at 1 a.m. are lying down, not eating.
    """
    hour = local.hour + local.minute / 60
    weekend = local.weekday() >= 5
    if hour >= 21 or hour < 4:
        return Moment.BEDTIME
    if 17 <= hour < 21:
        return Moment.DINNER
    if weekend and 9 <= hour < 14:
        return Moment.BRUNCH
    if 5 <= hour < (9 if weekend else 10):
        return Moment.MORNING
    return Moment.ANYTIME


def part_of_day(local: datetime) -> str:
    """The greeting's part of day: morning, afternoon, evening or night.

    Morning starts when the morning moment does (5 a.m.): two people still up at 4 are
    ending a night, and a "good morning" would not match a check-in about tonight.
    """
    hour = local.hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 17:
        return "afternoon"
    if 17 <= hour < 22:
        return "evening"
    return "night"
