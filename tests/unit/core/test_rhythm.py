from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from skill.core.household import Household
from skill.core.rhythm import week_summary

SYDNEY = ZoneInfo("Australia/Sydney")


def test_the_week_runs_monday_to_sunday_on_the_household_clock():
    # GIVEN check-ins late on Sunday and early on Monday, Sydney time
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=SYDNEY)  # Sunday 13:30 UTC
    monday_morning = datetime(2026, 11, 30, 0, 30, tzinfo=SYDNEY)  # Sunday 14:30 UTC
    household = Household()
    household.record_checkin(sunday_night.timestamp(), [4, 4])
    household.record_checkin(monday_morning.timestamp(), [2, 5])
    household.count_starter("2026-11-29")
    household.count_starter("2026-11-30")
    household.count_starter("2026-11-30")
    # WHEN asked on Wednesday of the new week
    summary = week_summary(household, datetime(2026, 12, 2, 20, 0, tzinfo=SYDNEY))
    # THEN only Monday onwards counts, though both check-ins fell on a UTC Sunday
    assert (summary.checkins, summary.starters) == (1, 2)
    assert summary.in_step is False


def test_last_week_counts_only_its_own_days():
    household = Household()
    sunday = datetime(2026, 11, 29, 21, 0, tzinfo=SYDNEY)
    household.record_checkin(sunday.timestamp(), [3, 3])
    household.count_starter("2026-11-23")
    summary = week_summary(household, sunday + timedelta(minutes=30))
    assert (summary.checkins, summary.starters, summary.in_step) == (1, 1, True)


def test_an_empty_week_is_empty_not_a_failure():
    summary = week_summary(Household(), datetime(2026, 12, 2, 20, 0, tzinfo=SYDNEY))
    assert summary.empty and summary.in_step is None


def test_only_two_weeks_of_daily_counts_are_kept():
    household = Household()
    for day in range(1, 30):
        household.count_starter(f"2026-11-{day:02d}")
    assert len(household.daily_starters) == 14
    assert min(household.daily_starters) == "2026-11-16"
