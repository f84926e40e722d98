"""Where the conversation stands between turns, and what a good host does with a line it did
not understand: help, not apologise.

Right after a launch or an offer, an unclear line most likely means "give us something", so
the skill gives it. Elsewhere the first miss gets a short hint for the current step and the
second a different one; a third does something useful (a starter) or, in the middle of a
check-in, leaves them to it kindly. Consent is never assumed: an unclear answer to "shall I
set a reminder?" is asked again, never taken as yes.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["HINTS_BEFORE_ACTING", "Offer", "Repair", "hint_key", "repair"]

#: Misses in a row that get a hint; the next one gets something done.
HINTS_BEFORE_ACTING = 2


class Offer(StrEnum):
    """What the skill just offered, so a bare "yes" (or an unclear line) knows what it meets."""

    STARTER = "starter"  # "Would you like a question?"
    CHECKIN = "checkin"  # "Shall we carry on with your check in?"
    DEEP = "deep"  # "One deeper question for bed?"
    LIGHT = "light"  # "One easy question before bed?"
    ANOTHER = "another"  # "Another one, or is that it for tonight?"
    REMINDER = "reminder"  # "Shall I remind you each night?" (consent: never assumed)


class Repair(StrEnum):
    STARTER = "starter"  # give them a starter that fits the moment
    CHECKIN = "checkin"  # start or pick up the check-in
    HINT = "hint"  # a short hint for the current step, microphone open
    CLOSE = "close"  # leave them to it, kindly


def repair(*, offer: str | None, misses: int, new_session: bool, checkin_live: bool) -> Repair:
    """What to do with a line the voice model could not place.

    `misses` counts the unclear lines just before this one in the same session.
    """
    if offer == Offer.REMINDER:
        return Repair.HINT if misses < HINTS_BEFORE_ACTING else Repair.CLOSE
    if misses == 0:
        if offer == Offer.CHECKIN:
            return Repair.CHECKIN
        if offer in (Offer.STARTER, Offer.DEEP, Offer.LIGHT, Offer.ANOTHER):
            return Repair.STARTER
        if new_session and not checkin_live:
            return Repair.STARTER  # they opened the skill: they want something
    if misses < HINTS_BEFORE_ACTING:
        return Repair.HINT
    return Repair.CLOSE if checkin_live else Repair.STARTER


def hint_key(*, offer: str | None, misses: int, checkin_live: bool) -> str:
    """The phrase key of the hint for this step; a second miss gets other words."""
    if offer == Offer.REMINDER:
        base = "fallback_reminder_offer"
    elif checkin_live:
        base = "fallback_checkin"
    else:
        base = "fallback"
    return f"{base}_again" if misses else base
