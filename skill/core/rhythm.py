"""The gentle weekly rhythm: what this week held, said as acknowledgement, never a score.

Streaks backfire for couples (one person's lapse becomes a failure of both), so the
summary only counts what happened this week, Monday to Sunday on the household's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from skill.core.household import Household

__all__ = ["WeekSummary", "week_summary"]

IN_STEP_GAP = 1


class WeekSummary(NamedTuple):
    checkins: int
    starters: int
    in_step: bool | None  # None when there was no check-in with two ratings

    @property
    def empty(self) -> bool:
        return self.checkins == 0 and self.starters == 0


def week_start(local_now: datetime) -> datetime:
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=local_now.weekday())


def week_summary(household: Household, local_now: datetime) -> WeekSummary:
    start = week_start(local_now)
    end = start + timedelta(days=7)
    tz = local_now.tzinfo
    this_week = [
        c for c in household.checkins if start <= datetime.fromtimestamp(c["at"], tz) < end
    ]
    days = {(start + timedelta(days=i)).date().isoformat() for i in range(7)}
    starters = household.starters_on(days)
    gaps = [
        abs(a - b) for c in this_week if None not in (ratings := c["ratings"]) for a, b in [ratings]
    ]
    in_step = None if not gaps else max(gaps) <= IN_STEP_GAP
    return WeekSummary(checkins=len(this_week), starters=starters, in_step=in_step)
