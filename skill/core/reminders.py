"""The nightly reminder's schedule, from what Alexa heard to a daily recurrence rule."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

__all__ = [
    "DEFAULT_TIME",
    "around",
    "first_occurrence",
    "nightly_time",
    "recurrence_rule",
    "spoken_time",
]

DEFAULT_TIME = time(21, 0)
# AMAZON.TIME resolves vague times to these codes.
_VAGUE = {"MO": time(9, 0), "AF": time(15, 0), "EV": time(19, 0), "NI": time(21, 0)}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def nightly_time(value: str | None) -> time | None:
    """The time for a nightly reminder, or None when it is not a time.

    "Every night at nine" often reaches us as 09:00: a nightly check-in reminder is an
    evening thing, so a morning hour from 5 to 11 is read as the evening one.
    """
    if not value:
        return None
    if value in _VAGUE:
        return _VAGUE[value]
    match = _CLOCK.match(value.strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    if 5 <= hour <= 11:
        hour += 12
    return time(hour, minute)


def first_occurrence(local_now: datetime, at: time) -> datetime:
    """The next time the clock reads `at`, as naive local time (the API wants it so)."""
    candidate = local_now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= local_now:
        candidate += timedelta(days=1)
    return candidate.replace(tzinfo=None)


def recurrence_rule(at: time) -> str:
    return f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0;INTERVAL=1"


def spoken_time(at: time) -> str:
    """9 PM, 9:30 PM, midnight: how the time is said back."""
    if at == time(0, 0):
        return "midnight"
    hour = at.hour % 12 or 12
    suffix = "AM" if at.hour < 12 else "PM"
    return f"{hour} {suffix}" if at.minute == 0 else f"{hour}:{at.minute:02d} {suffix}"


def around(local_now: datetime) -> time:
    """The time of day a nightly reminder "around now" is set for: the nearest quarter hour."""
    minutes = round((local_now.hour * 60 + local_now.minute) / 15) * 15 % (24 * 60)
    return time(minutes // 60, minutes % 60)
