from datetime import datetime

import pytest

from skill.core.moments import Moment, moment_at, part_of_day


@pytest.mark.parametrize(
    ("when", "moment"),
    [
        (datetime(2026, 11, 25, 7, 15), Moment.MORNING),  # Wednesday before work
        (datetime(2026, 11, 25, 9, 30), Moment.MORNING),
        (datetime(2026, 11, 28, 10, 30), Moment.BRUNCH),  # Saturday late breakfast
        (datetime(2026, 11, 29, 13, 0), Moment.BRUNCH),  # Sunday
        (datetime(2026, 11, 25, 10, 30), Moment.ANYTIME),  # brunch is a weekend thing
        (datetime(2026, 11, 25, 15, 0), Moment.ANYTIME),
        (datetime(2026, 11, 25, 18, 45), Moment.DINNER),
        (datetime(2026, 11, 25, 21, 30), Moment.BEDTIME),
        (datetime(2026, 11, 26, 1, 0), Moment.BEDTIME),  # still up after midnight
    ],
)
def test_local_time_maps_to_the_shared_moment(when, moment):
    assert moment_at(when) is moment


@pytest.mark.parametrize(
    ("hour", "part"),
    [
        (4, "night"),
        (5, "morning"),
        (6, "morning"),
        (13, "afternoon"),
        (19, "evening"),
        (23, "night"),
    ],
)
def test_greeting_part_of_day(hour, part):
    assert part_of_day(datetime(2026, 11, 25, hour)) == part
