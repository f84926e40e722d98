from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from skill.core.reminders import first_occurrence, nightly_time, spoken_time


@pytest.mark.parametrize(
    ("heard", "at"),
    [
        ("21:00", time(21, 0)),
        ("09:00", time(21, 0)),  # "every night at nine"
        ("9:30", time(21, 30)),
        ("00:15", time(0, 15)),
        ("12:00", time(12, 0)),
        ("NI", time(21, 0)),
        ("EV", time(19, 0)),
        ("25:00", None),
        ("soon", None),
        (None, None),
    ],
)
def test_what_alexa_heard_becomes_an_evening_time(heard, at):
    assert nightly_time(heard) == at


def test_the_first_reminder_is_tonight_or_else_tomorrow():
    tz = ZoneInfo("Europe/London")
    evening = datetime(2026, 11, 25, 20, 0, tzinfo=tz)
    assert first_occurrence(evening, time(21, 0)) == datetime(2026, 11, 25, 21, 0)
    late = datetime(2026, 11, 25, 22, 0, tzinfo=tz)
    assert first_occurrence(late, time(21, 0)) == datetime(2026, 11, 26, 21, 0)


@pytest.mark.parametrize(
    ("at", "said"), [(time(21, 0), "9 PM"), (time(21, 30), "9:30 PM"), (time(0, 0), "midnight")]
)
def test_times_are_said_back_naturally(at, said):
    assert spoken_time(at) == said
